#!/usr/bin/env python3
"""Generate librosa reference fixtures for Reprise's conformance tests.

How to run (from the repository root):

    python3 -m venv .venv
    .venv/bin/pip install -r scripts/requirements-peer.txt
    nice -n 10 .venv/bin/python scripts/make_librosa_fixtures.py [--out fixtures/librosa]

It needs the pinned environment in scripts/requirements-peer.txt
(librosa==0.11.0 and the exact numpy/scipy/soxr/numba/llvmlite/soundfile
versions listed there). It prints the librosa, numpy and scipy versions it runs
with, and aborts if librosa is not 0.11.0.

What it writes: small .npy files (float32 test signals, float32/complex64
librosa outputs) into fixtures/librosa/, plus fixtures/librosa/manifest.json,
which maps every file name to the exact librosa call (all parameters), its
dtype and shape, and records the tuning estimates and the Griffin-Lim
spectral-convergence numbers. Everything is seeded; two runs produce
byte-identical files (check with md5sum).

This script only *calls* librosa; no librosa code is copied into Reprise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

# Single-threaded, deterministic numerics (and less load on a shared machine).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import librosa  # noqa: E402

REQUIRED_LIBROSA = "0.11.0"

# ---------------------------------------------------------------------------
# Test signals
# ---------------------------------------------------------------------------

A3 = 220.0
# A3, C#4, E4 in 12-TET with A4 = 440 Hz.
CHORD_A_MAJOR = (A3, A3 * 2.0 ** (4 / 12), A3 * 2.0 ** (7 / 12))
N_HARMONICS = 8
VIBRATO_HZ = 5.5
VIBRATO_CENTS = 30.0
NOISE_DB = -30.0
PEAK = 0.5

SIGNAL_RECIPE = (
    "sum over notes f0 in freqs, harmonics k=1..8 of (1/k)*sin(k*phi_f0(t)), with "
    "phi_f0 = 2*pi*cumsum(f0 * 2**(cents*sin(2*pi*vibrato_hz*t)/1200))/sr - 2*pi*f_inst[0]/sr "
    "(phase 0 at t=0; t = n/sr), computed in float64; then add white Gaussian noise "
    "rng.standard_normal(n) * rms(tonal) * 10**(noise_db/20) with rng = np.random.default_rng(seed); "
    "then scale so max|y| = 0.5; cast to float32"
)


def chord_signal(
    sr: int,
    n: int,
    freqs,
    seed: int,
    vibrato_hz: float = VIBRATO_HZ,
    vibrato_cents: float = VIBRATO_CENTS,
) -> np.ndarray:
    """Harmonic chord + vibrato + white noise at NOISE_DB re signal RMS, peak 0.5."""
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=np.float64) / sr
    tonal = np.zeros(n, dtype=np.float64)
    for f0 in freqs:
        f_inst = f0 * 2.0 ** (vibrato_cents * np.sin(2 * np.pi * vibrato_hz * t) / 1200.0)
        phi = 2 * np.pi * (np.cumsum(f_inst) - f_inst[0]) / sr
        for k in range(1, N_HARMONICS + 1):
            tonal += np.sin(k * phi) / k
    rms = np.sqrt(np.mean(tonal**2))
    y = tonal + rng.standard_normal(n) * rms * 10.0 ** (NOISE_DB / 20.0)
    y *= PEAK / np.max(np.abs(y))
    return y.astype(np.float32)


# ---------------------------------------------------------------------------
# Manifest helpers
# ---------------------------------------------------------------------------


def fmt_value(v) -> str:
    if isinstance(v, str):
        return repr(v)
    return repr(v)


class Fixtures:
    def __init__(self, out_dir: str):
        self.out_dir = out_dir
        self.entries: dict[str, dict] = {}
        os.makedirs(out_dir, exist_ok=True)

    def save(self, name: str, arr: np.ndarray, entry: dict) -> np.ndarray:
        arr = np.asarray(arr)
        path = os.path.join(self.out_dir, name)
        np.save(path, arr, allow_pickle=False)
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        entry = dict(entry)
        entry["dtype"] = str(arr.dtype)
        entry["shape"] = list(arr.shape)
        entry["sha256"] = digest
        self.entries[name] = entry
        return arr

    def call(self, name: str, func_path: str, func, inputs: dict, params: dict, post=None, note=None):
        """Run `func(**inputs_arrays, **params)`, save it, record the exact call.

        inputs: {kwarg_name: (fixture_file_or_expression, array_value)}
        params: {kwarg_name: value}; a value of the form ("<expr>", obj) is recorded
        as the expression string and passed as obj (e.g. ref=np.max).
        """
        kwargs = {}
        call_parts = []
        rec_inputs = {}
        rec_params = {}
        for k, (label, value) in inputs.items():
            kwargs[k] = value
            rec_inputs[k] = label
            call_parts.append(f"{k}={label}")
        for k, v in params.items():
            if isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) and v[0].startswith("<"):
                expr = v[0][1:-1]
                kwargs[k] = v[1]
                rec_params[k] = expr
                call_parts.append(f"{k}={expr}")
            else:
                kwargs[k] = v
                rec_params[k] = v
                call_parts.append(f"{k}={fmt_value(v)}")
        out = func(**kwargs)
        call = f"{func_path}({', '.join(call_parts)})"
        if post is not None:
            post_label, post_fn = post
            out = post_fn(out)
            call = post_label.format(call=call)
        entry = {"call": call, "function": func_path, "inputs": rec_inputs, "params": rec_params}
        if note:
            entry["note"] = note
        return self.save(name, out, entry)


def spectral_convergence(S: np.ndarray, y_hat: np.ndarray) -> float:
    S_hat = np.abs(librosa.stft(y_hat))
    return float(np.linalg.norm(S - S_hat) / np.linalg.norm(S))


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "librosa"))
    args = ap.parse_args()
    out_dir = os.path.normpath(args.out)

    versions = {"librosa": librosa.__version__, "numpy": np.__version__, "scipy": scipy.__version__}
    try:
        import soxr  # noqa: F401

        versions["soxr"] = soxr.__version__
    except Exception:  # pragma: no cover
        pass
    try:
        import numba

        versions["numba"] = numba.__version__
    except Exception:  # pragma: no cover
        pass
    print(f"librosa {versions['librosa']}  numpy {versions['numpy']}  scipy {versions['scipy']}")
    if librosa.__version__ != REQUIRED_LIBROSA:
        print(
            f"ERROR: librosa {REQUIRED_LIBROSA} is required (found {librosa.__version__}); "
            "install scripts/requirements-peer.txt",
            file=sys.stderr,
        )
        return 1

    fx = Fixtures(out_dir)
    sr = 22050

    # ---------------- signals ----------------
    signal = fx.save(
        "signal.npy",
        chord_signal(sr, 22050, CHORD_A_MAJOR, seed=0),
        {
            "call": "chord_signal(sr=22050, n=22050, freqs=[A3, C#4, E4], seed=0, vibrato_hz=5.5, vibrato_cents=30)",
            "kind": "input signal",
            "sr": sr,
            "freqs_hz": list(CHORD_A_MAJOR),
            "seed": 0,
            "vibrato_hz": VIBRATO_HZ,
            "vibrato_cents": VIBRATO_CENTS,
            "noise_db_re_rms": NOISE_DB,
            "peak": PEAK,
            "recipe": SIGNAL_RECIPE,
        },
    )
    detune = 2.0 ** (0.23 / 12)
    detuned_freqs = [f * detune for f in CHORD_A_MAJOR]
    signal_detuned = fx.save(
        "signal_detuned.npy",
        chord_signal(sr, int(1.5 * sr), detuned_freqs, seed=1, vibrato_cents=0.0),
        {
            "call": "chord_signal(sr=22050, n=33075, freqs=[A3, C#4, E4]*2**(0.23/12), seed=1, vibrato_cents=0)",
            "kind": "input signal",
            "sr": sr,
            "freqs_hz": detuned_freqs,
            "true_tuning_semitones": 0.23,
            "seed": 1,
            "vibrato_hz": None,
            "vibrato_cents": 0.0,
            "noise_db_re_rms": NOISE_DB,
            "peak": PEAK,
            "recipe": SIGNAL_RECIPE,
        },
    )
    signal_short = fx.save(
        "signal_short.npy",
        signal[:1000].copy(),
        {"call": "signal[:1000]", "kind": "input signal", "sr": sr, "note": "shorter than n_fft=2048"},
    )
    SIG = ("signal", signal)
    SIG_DET = ("signal_detuned", signal_detuned)

    # ---------------- mel filterbanks ----------------
    fx.call("mel_fb_default.npy", "librosa.filters.mel", librosa.filters.mel, {}, {"sr": 22050, "n_fft": 2048})
    fx.call(
        "mel_fb_htk.npy",
        "librosa.filters.mel",
        librosa.filters.mel,
        {},
        {"sr": 16000, "n_fft": 512, "n_mels": 40, "fmin": 20.0, "fmax": 8000.0, "htk": True, "norm": None},
    )
    fx.call(
        "mel_fb_slaney_fmin.npy",
        "librosa.filters.mel",
        librosa.filters.mel,
        {},
        {"sr": 22050, "n_fft": 1024, "n_mels": 64, "fmin": 100.0, "fmax": 9000.0},
    )

    # ---------------- STFT ----------------
    stft_default = fx.call("stft_default.npy", "librosa.stft", librosa.stft, {"y": SIG}, {})
    stft_hamming = fx.call(
        "stft_hamming_reflect.npy",
        "librosa.stft",
        librosa.stft,
        {"y": SIG},
        {"n_fft": 512, "hop_length": 128, "win_length": 400, "window": "hamming", "center": True, "pad_mode": "reflect"},
    )
    fx.call(
        "stft_blackman_nocenter.npy",
        "librosa.stft",
        librosa.stft,
        {"y": SIG},
        {"n_fft": 1024, "hop_length": 256, "window": "blackman", "center": False},
    )
    fx.call(
        "stft_boxcar.npy",
        "librosa.stft",
        librosa.stft,
        {"y": SIG},
        {"n_fft": 256, "hop_length": 100, "window": "boxcar"},
    )
    fx.call("stft_short.npy", "librosa.stft", librosa.stft, {"y": ("signal_short", signal_short)}, {})

    # ---------------- ISTFT ----------------
    fx.call(
        "istft_default.npy",
        "librosa.istft",
        librosa.istft,
        {"stft_matrix": ("stft_default", stft_default)},
        {"length": len(signal)},
    )
    fx.call(
        "istft_hamming.npy",
        "librosa.istft",
        librosa.istft,
        {"stft_matrix": ("stft_hamming_reflect", stft_hamming)},
        {"hop_length": 128, "win_length": 400, "window": "hamming", "n_fft": 512},
    )

    # ---------------- mel spectrograms & dB ----------------
    mel_default = fx.call(
        "mel_default.npy", "librosa.feature.melspectrogram", librosa.feature.melspectrogram, {"y": SIG}, {"sr": 22050}
    )
    fx.call(
        "mel_htk_power1.npy",
        "librosa.feature.melspectrogram",
        librosa.feature.melspectrogram,
        {"y": SIG},
        {
            "sr": 22050,
            "n_fft": 1024,
            "hop_length": 256,
            "n_mels": 40,
            "fmin": 50.0,
            "fmax": 8000.0,
            "htk": True,
            "norm": None,
            "power": 1.0,
        },
    )
    MEL = ("mel_default", mel_default)
    fx.call("power_to_db_default.npy", "librosa.power_to_db", librosa.power_to_db, {"S": MEL}, {})
    fx.call(
        "power_to_db_refmax.npy",
        "librosa.power_to_db",
        librosa.power_to_db,
        {"S": MEL},
        {"ref": ("<np.max>", np.max), "top_db": 60.0},
    )
    fx.call(
        "amplitude_to_db_refmax.npy",
        "librosa.amplitude_to_db",
        librosa.amplitude_to_db,
        {"S": ("np.abs(stft_default)", np.abs(stft_default))},
        {"ref": ("<np.max>", np.max)},
    )
    fx.call("power_to_db_notop.npy", "librosa.power_to_db", librosa.power_to_db, {"S": MEL}, {"top_db": None})

    # ---------------- MFCC ----------------
    fx.call("mfcc_default.npy", "librosa.feature.mfcc", librosa.feature.mfcc, {"y": SIG}, {"sr": 22050})
    fx.call(
        "mfcc_lifter.npy",
        "librosa.feature.mfcc",
        librosa.feature.mfcc,
        {"y": SIG},
        {"sr": 22050, "n_mfcc": 13, "lifter": 22, "n_mels": 40, "htk": True},
    )

    # ---------------- chroma & tuning ----------------
    fx.call(
        "chroma_stft_tuning0.npy",
        "librosa.feature.chroma_stft",
        librosa.feature.chroma_stft,
        {"y": SIG},
        {"sr": 22050, "tuning": 0.0},
    )
    fx.call(
        "chroma_stft_estimated.npy",
        "librosa.feature.chroma_stft",
        librosa.feature.chroma_stft,
        {"y": SIG_DET},
        {"sr": 22050},
        note="tuning=None: estimated internally via librosa.estimate_tuning(S=|stft|**2, sr=22050, bins_per_octave=12)",
    )
    fx.call(
        "chroma_filters.npy",
        "librosa.filters.chroma",
        librosa.filters.chroma,
        {},
        {"sr": 22050, "n_fft": 2048, "tuning": 0.23},
    )
    tuning_detuned = fx.call(
        "tuning_detuned.npy",
        "librosa.estimate_tuning",
        librosa.estimate_tuning,
        {"y": SIG_DET},
        {"sr": 22050},
        post=("np.asarray({call})", np.asarray),
    )
    tuning_signal = fx.call(
        "tuning_signal.npy",
        "librosa.estimate_tuning",
        librosa.estimate_tuning,
        {"y": SIG},
        {"sr": 22050},
        post=("np.asarray({call})", np.asarray),
    )
    pitches, mags = librosa.piptrack(y=signal_detuned, sr=22050, fmin=150.0, fmax=4000.0, threshold=0.1)
    pip_call = "librosa.piptrack(y=signal_detuned, sr=22050, fmin=150.0, fmax=4000.0, threshold=0.1)"
    pip_params = {"sr": 22050, "fmin": 150.0, "fmax": 4000.0, "threshold": 0.1}
    fx.save(
        "piptrack_pitches.npy",
        pitches,
        {"call": pip_call + "[0]", "function": "librosa.piptrack", "inputs": {"y": "signal_detuned"}, "params": pip_params},
    )
    fx.save(
        "piptrack_mags.npy",
        mags,
        {"call": pip_call + "[1]", "function": "librosa.piptrack", "inputs": {"y": "signal_detuned"}, "params": pip_params},
    )

    # ---------------- spectral descriptors ----------------
    for name, fn in [
        ("spectral_centroid", librosa.feature.spectral_centroid),
        ("spectral_bandwidth", librosa.feature.spectral_bandwidth),
        ("spectral_rolloff", librosa.feature.spectral_rolloff),
        ("spectral_flatness", librosa.feature.spectral_flatness),
    ]:
        params = {} if name == "spectral_flatness" else {"sr": 22050}
        fx.call(f"{name}.npy", f"librosa.feature.{name}", fn, {"y": SIG}, params)
    fx.call(
        "zero_crossing_rate.npy", "librosa.feature.zero_crossing_rate", librosa.feature.zero_crossing_rate, {"y": SIG}, {}
    )
    fx.call("rms.npy", "librosa.feature.rms", librosa.feature.rms, {"y": SIG}, {})
    fx.call(
        "rms_nocenter.npy",
        "librosa.feature.rms",
        librosa.feature.rms,
        {"y": SIG},
        {"frame_length": 1024, "hop_length": 256, "center": False},
    )
    fx.call(
        "zcr_nocenter.npy",
        "librosa.feature.zero_crossing_rate",
        librosa.feature.zero_crossing_rate,
        {"y": SIG},
        {"center": False},
    )

    # ---------------- Griffin-Lim reference quality ----------------
    S_mag = np.abs(librosa.stft(signal))
    gl_seeds = [0, 1, 2]
    scs = []
    for seed in gl_seeds:
        y_hat = librosa.griffinlim(S_mag, n_iter=32, momentum=0.99, random_state=seed, length=len(signal))
        scs.append(spectral_convergence(S_mag, y_hat))
    gl = {
        "S": "np.abs(librosa.stft(signal))",
        "call": "librosa.griffinlim(S, n_iter=32, momentum=0.99, random_state=seed, length=len(signal))",
        "metric": "SC = np.linalg.norm(S - np.abs(librosa.stft(y_hat))) / np.linalg.norm(S)  (Frobenius)",
        "seeds": gl_seeds,
        "values": scs,
        "median": float(np.median(scs)),
    }
    fx.save(
        "griffinlim_sc.npy",
        np.asarray(scs, dtype=np.float64),
        {"call": "[SC(seed) for seed in (0, 1, 2)]", "see": "griffinlim_spectral_convergence"},
    )

    # ---------------- mel inversion ----------------
    fx.call(
        "mel_to_stft.npy",
        "librosa.feature.inverse.mel_to_stft",
        librosa.feature.inverse.mel_to_stft,
        {"M": MEL},
        {"sr": 22050},
        note="NNLS-based; compare loosely",
    )

    # ---------------- resampling (soxr_hq) ----------------
    res_44k = fx.save(
        "resample_in_44100.npy",
        chord_signal(44100, 22050, CHORD_A_MAJOR, seed=2),
        {
            "call": "chord_signal(sr=44100, n=22050, freqs=[A3, C#4, E4], seed=2, vibrato_hz=5.5, vibrato_cents=30)",
            "kind": "input signal",
            "sr": 44100,
            "seed": 2,
            "recipe": SIGNAL_RECIPE,
        },
    )
    fx.call(
        "resample_soxr_hq_22050.npy",
        "librosa.resample",
        librosa.resample,
        {"y": ("resample_in_44100", res_44k)},
        {"orig_sr": 44100, "target_sr": 22050, "res_type": "soxr_hq"},
    )
    res_16k = fx.save(
        "resample_in_16000.npy",
        chord_signal(16000, 8000, CHORD_A_MAJOR, seed=3),
        {
            "call": "chord_signal(sr=16000, n=8000, freqs=[A3, C#4, E4], seed=3, vibrato_hz=5.5, vibrato_cents=30)",
            "kind": "input signal",
            "sr": 16000,
            "seed": 3,
            "recipe": SIGNAL_RECIPE,
        },
    )
    fx.call(
        "resample_soxr_hq_16000_to_22050.npy",
        "librosa.resample",
        librosa.resample,
        {"y": ("resample_in_16000", res_16k)},
        {"orig_sr": 16000, "target_sr": 22050, "res_type": "soxr_hq"},
    )

    # ---------------- manifest ----------------
    manifest = {
        "generator": "scripts/make_librosa_fixtures.py",
        "requirements": "scripts/requirements-peer.txt",
        "versions": versions,
        "conventions": {
            "librosa_module": "librosa",
            "np": "numpy",
            "inputs": "names in 'inputs' / 'call' refer to other fixtures in this folder (file stem)",
            "stft_layout": "complex arrays are (1 + n_fft//2, n_frames), as librosa returns them",
        },
        "estimate_tuning": {
            "signal_detuned": {
                "call": "librosa.estimate_tuning(y=signal_detuned, sr=22050)",
                "value": float(tuning_detuned),
                "true_offset": 0.23,
            },
            "signal": {"call": "librosa.estimate_tuning(y=signal, sr=22050)", "value": float(tuning_signal)},
        },
        "griffinlim_spectral_convergence": gl,
        "fixtures": dict(sorted(fx.entries.items())),
    }
    with open(os.path.join(out_dir, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=2, sort_keys=False)
        fh.write("\n")

    total = sum(os.path.getsize(os.path.join(out_dir, f)) for f in os.listdir(out_dir))
    print(f"wrote {len(fx.entries)} fixtures + manifest.json to {out_dir} ({total / 1e6:.2f} MB)")
    print(f"estimate_tuning: signal_detuned={float(tuning_detuned):.4f}  signal={float(tuning_signal):.4f}")
    print(f"griffinlim SC: {', '.join(f'{v:.4f}' for v in scs)}  median={gl['median']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
