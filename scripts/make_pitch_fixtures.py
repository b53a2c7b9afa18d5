#!/usr/bin/env python3
"""Reference outputs for Reprise's pitch tracking, HMM decoding and melody metrics.

How to run (from the repository root, in the pinned peer environment):

    .venv/bin/pip install -r scripts/requirements-peer.txt
    nice -n 10 .venv/bin/python scripts/make_pitch_fixtures.py [--out fixtures/pitch]

It aborts unless librosa is 0.11.0 and mir_eval 0.8.2. Everything is seeded; two runs
write byte-identical files. What it writes (fixtures/pitch/):

* pyin_<case>_y.npy: the float32 test signal; pyin_<case>_{f0,voiced,prob}.npy: the
  outputs of librosa.pyin on that signal cast to float64 (f0 with fill_na=None, so every
  frame has its decoded pitch); pyin_<case>_f32_{f0,voiced}.npy: the same call on the
  float32 signal itself (librosa then computes in float32).
* viterbi_<case>_{prob,transition,p_init,states}.npy and the decoded log probability in
  the manifest: librosa.sequence.viterbi on seeded random observations, with transition
  matrices from librosa's builders (saved too: transition_<builder>.npy).
* melody_<case>_{ref_time,ref_freq,est_time,est_freq[,est_voicing]}.npy and the five
  scores of mir_eval.melody.evaluate in the manifest.

manifest.json records every call with all its parameters. This script only calls the
peers; nothing of theirs is copied into Reprise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import librosa  # noqa: E402
import mir_eval  # noqa: E402


def harmonic_notes(sr, notes, seed, noise_db=-35.0, n_harm=6):
    """Notes (f0_hz or 0 for a rest, duration_s, vibrato_cents) of a harmonic tone with
    1/k partials, 10 ms fades, white noise at noise_db re the tonal RMS; peak 0.5."""
    rng = np.random.default_rng(seed)
    parts = []
    for f0, dur, vib in notes:
        n = int(round(dur * sr))
        t = np.arange(n) / sr
        if f0 <= 0:
            parts.append(np.zeros(n))
            continue
        f_inst = f0 * 2.0 ** (vib * np.sin(2 * np.pi * 5.0 * t) / 1200.0)
        phi = 2 * np.pi * np.cumsum(f_inst) / sr
        x = sum(np.sin(k * phi) / k for k in range(1, n_harm + 1))
        fade = np.minimum(1.0, np.minimum(np.arange(n), np.arange(n)[::-1]) / (0.01 * sr))
        parts.append(x * fade)
    y = np.concatenate(parts)
    rms = np.sqrt(np.mean(y**2))
    y = y + rng.standard_normal(len(y)) * rms * 10 ** (noise_db / 20)
    y *= 0.5 / np.max(np.abs(y))
    return y.astype(np.float32)


class Out:
    def __init__(self, root):
        self.root = root
        self.manifest = {}
        os.makedirs(root, exist_ok=True)

    def save(self, name, arr, entry=None):
        arr = np.ascontiguousarray(arr)
        path = os.path.join(self.root, name)
        np.save(path, arr, allow_pickle=False)
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        e = dict(entry or {})
        e.update({"dtype": str(arr.dtype), "shape": list(arr.shape), "sha256": digest})
        self.manifest[name] = e


PYIN_CASES = {
    # librosa's defaults at 22050 Hz (fmin C2, fmax C7): a melody with an octave leap
    # (wider than one hop's transition band), rests, vibrato
    "default": dict(
        sr=22050,
        notes=[(0, 0.15, 0), (220.0, 0.4, 20), (440.0, 0.3, 0), (0, 0.2, 0), (196.0, 0.35, 40),
               (1046.5, 0.25, 0), (130.8, 0.4, 10), (0, 0.15, 0)],
        params=dict(fmin=65.40639132514966, fmax=2093.004522404789),
    ),
    # other parameters: 16 kHz, shorter frames, coarser bins, uncentred, reflect padding
    "custom": dict(
        sr=16000,
        notes=[(0, 0.1, 0), (300.0, 0.3, 30), (150.0, 0.3, 0), (600.0, 0.2, 0), (0, 0.1, 0), (330.0, 0.3, 0)],
        params=dict(fmin=100.0, fmax=1000.0, frame_length=1024, hop_length=200, resolution=0.25,
                    max_transition_rate=20.0, switch_prob=0.05, n_thresholds=50,
                    beta_parameters=(1.5, 12.0), boltzmann_parameter=1.5, no_trough_prob=0.05,
                    center=False),
    ),
    "reflect": dict(
        sr=22050,
        notes=[(261.63, 0.3, 0), (329.63, 0.3, 15), (392.0, 0.3, 0)],
        params=dict(fmin=80.0, fmax=1600.0, pad_mode="reflect", hop_length=256),
    ),
}


def pyin_fixtures(out):
    for i, (case, c) in enumerate(PYIN_CASES.items()):
        y = harmonic_notes(c["sr"], c["notes"], seed=100 + i)
        out.save(f"pyin_{case}_y.npy", y, {"recipe": "harmonic_notes", "sr": c["sr"], "notes": c["notes"], "seed": 100 + i})
        params = dict(c["params"], sr=c["sr"], fill_na=None)
        f0, vf, vp = librosa.pyin(y.astype(np.float64), **params)
        call = {"call": "librosa.pyin(y.astype(np.float64), **params)", "params": {k: v for k, v in params.items()}}
        out.save(f"pyin_{case}_f0.npy", f0, call)
        out.save(f"pyin_{case}_voiced.npy", vf.astype(np.uint8), call)
        out.save(f"pyin_{case}_prob.npy", vp, call)
        f0s, vfs, _ = librosa.pyin(y, **params)
        call32 = {"call": "librosa.pyin(y, **params) on the float32 signal", "params": params}
        out.save(f"pyin_{case}_f32_f0.npy", f0s.astype(np.float64), call32)
        out.save(f"pyin_{case}_f32_voiced.npy", vfs.astype(np.uint8), call32)


def viterbi_fixtures(out):
    seq = librosa.sequence
    builders = {
        "uniform": (seq.transition_uniform(5), "transition_uniform(5)"),
        "loop": (seq.transition_loop(5, [0.9, 0.5, 0.7, 0.2, 0.99]), "transition_loop(5, [0.9, 0.5, 0.7, 0.2, 0.99])"),
        "cycle": (seq.transition_cycle(4, 0.8), "transition_cycle(4, 0.8)"),
        "local_tri": (seq.transition_local(12, 5, window="triangle", wrap=False), "transition_local(12, 5, window='triangle', wrap=False)"),
        "local_wrap": (seq.transition_local(12, 4, window="triangle", wrap=True), "transition_local(12, 4, window='triangle', wrap=True)"),
        "local_box": (seq.transition_local(9, [1, 3, 5, 7, 9, 7, 5, 3, 1], window="boxcar"), "transition_local(9, [1,3,5,7,9,7,5,3,1], window='boxcar')"),
        "local_hann": (seq.transition_local(10, 6, window="hann", wrap=False), "transition_local(10, 6, window='hann', wrap=False)"),
        "pyin_like": (np.kron(seq.transition_loop(2, 0.9), seq.transition_local(30, 7, window="triangle", wrap=False)),
                      "np.kron(transition_loop(2, 0.9), transition_local(30, 7, window='triangle', wrap=False))"),
    }
    for name, (t, call) in builders.items():
        out.save(f"transition_{name}.npy", t, {"call": "librosa.sequence." + call})
    rng = np.random.default_rng(7)
    cases = {
        "loop": ("loop", None),
        "local_tri": ("local_tri", "random"),
        "local_wrap": ("local_wrap", None),
        "pyin_like": ("pyin_like", None),
    }
    for case, (tname, init) in cases.items():
        t = builders[tname][0]
        n = t.shape[0]
        prob = rng.random((n, 40))
        if case == "pyin_like":
            # sparse voiced observations (as pYIN's) and constant unvoiced ones
            prob[: n // 2] *= rng.random((n // 2, 40)) < 0.1
            prob[n // 2 :] = prob[n // 2 :].mean(axis=0, keepdims=True)
        p_init = None
        if init == "random":
            p_init = rng.random(n)
            p_init /= p_init.sum()
        states, logp = seq.viterbi(prob, t, p_init=p_init, return_logp=True)
        entry = {"call": f"librosa.sequence.viterbi(prob, transition_{tname}, p_init={'p_init' if init else None}, return_logp=True)",
                 "logp": float(np.asarray(logp).ravel()[0])}
        out.save(f"viterbi_{case}_prob.npy", prob, entry)
        if p_init is not None:
            out.save(f"viterbi_{case}_p_init.npy", p_init, entry)
        out.save(f"viterbi_{case}_states.npy", states.astype(np.int64), entry)


def melody_fixtures(out):
    rng = np.random.default_rng(11)
    # reference on a 10 ms grid: notes and rests; estimates: pitch errors, octave errors,
    # voicing errors, a different hop, negative (unvoiced-guess) frequencies
    ref_time = np.arange(0, 3.0, 0.01)
    ref_freq = 220.0 * 2 ** (np.floor(ref_time * 3) / 12)
    ref_freq[(ref_time > 1.0) & (ref_time < 1.4)] = 0
    ref_freq[ref_time > 2.7] = 0
    cases = {}
    # same grid, cent noise, some octave errors, some voicing errors
    est = ref_freq * 2 ** (rng.normal(0, 30, ref_freq.shape) / 1200)
    est[rng.random(est.shape) < 0.05] *= 2
    flip = rng.random(est.shape) < 0.08
    est[flip & (ref_freq > 0)] *= -1  # unvoiced with a pitch guess
    est[flip & (ref_freq == 0)] = 300.0  # voiced where the reference is silent
    cases["same_grid"] = (ref_time, ref_freq, ref_time.copy(), est, None)
    # a coarser, offset estimate grid (resampling), starting after 0
    et = np.arange(0.005, 2.9, 0.0232)
    ef = np.interp(et, ref_time, np.where(ref_freq > 0, ref_freq, 0)) * 2 ** (rng.normal(0, 20, et.shape) / 1200)
    ef[rng.random(et.shape) < 0.05] = 0
    cases["resampled"] = (ref_time, ref_freq, et, ef, None)
    # continuous estimated voicing
    ev = np.clip(rng.random(ref_time.shape) * 0.6 + (ref_freq > 0) * 0.4, 0, 1)
    cases["soft_voicing"] = (ref_time, ref_freq, ref_time.copy(), np.abs(est), ev)
    for case, (rt, rf, et, ef, ev) in cases.items():
        scores = mir_eval.melody.evaluate(rt, rf, et, ef, est_voicing=None if ev is None else ev.copy())
        entry = {"call": "mir_eval.melody.evaluate(ref_time, ref_freq, est_time, est_freq, est_voicing=...)",
                 "scores": {k: float(v) for k, v in scores.items()}}
        out.save(f"melody_{case}_ref_time.npy", rt, entry)
        out.save(f"melody_{case}_ref_freq.npy", rf, entry)
        out.save(f"melody_{case}_est_time.npy", et, entry)
        out.save(f"melody_{case}_est_freq.npy", ef, entry)
        if ev is not None:
            out.save(f"melody_{case}_est_voicing.npy", ev, entry)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="fixtures/pitch")
    a = ap.parse_args()
    if librosa.__version__ != "0.11.0" or mir_eval.__version__ != "0.8.2":
        sys.exit(f"need librosa 0.11.0 and mir_eval 0.8.2, found {librosa.__version__} and {mir_eval.__version__}")
    print(f"librosa {librosa.__version__}, mir_eval {mir_eval.__version__}, numpy {np.__version__}")
    out = Out(a.out)
    pyin_fixtures(out)
    viterbi_fixtures(out)
    melody_fixtures(out)
    with open(os.path.join(a.out, "manifest.json"), "w") as fh:
        json.dump({"librosa": librosa.__version__, "mir_eval": mir_eval.__version__, "numpy": np.__version__,
                   "files": out.manifest}, fh, indent=1, sort_keys=True)
    print(f"wrote {len(out.manifest)} files to {a.out}")


if __name__ == "__main__":
    main()
