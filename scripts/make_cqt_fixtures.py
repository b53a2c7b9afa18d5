#!/usr/bin/env python3
"""Generate librosa constant-Q / variable-Q / CQT-chroma reference fixtures for Reprise.

How to run (from the repository root):

    python3 -m venv .venv
    .venv/bin/pip install -r scripts/requirements-peer.txt
    nice -n 10 .venv/bin/python scripts/make_cqt_fixtures.py [--out fixtures/librosa_cqt]

It needs the pinned environment in scripts/requirements-peer.txt
(librosa==0.11.0 and the exact numpy/scipy/soxr/numba/llvmlite versions listed
there). It prints the versions it runs with and aborts if librosa is not 0.11.0.

Inputs: it reads fixtures/librosa/signal.npy and fixtures/librosa/signal_detuned.npy
(written by scripts/make_librosa_fixtures.py) and copies them, unchanged, into the
output folder; it synthesises sweep.npy (deterministic exponential sine sweep).

What it writes into fixtures/librosa_cqt/: small .npy files (float32 signals,
complex64 CQT/VQT, float32 magnitudes/chroma, float64 filter-design numbers),
plus manifest.json, which records for every file the exact librosa call (the
explicit arguments *and* every parameter resolved with librosa's defaults),
dtype, shape and sha256, the icqt reconstruction errors, the tuning values
librosa estimates inside chroma_cqt, and a trace of the internal steps librosa
took (resample / stft / filter-basis calls) for each transform.
ALGORITHM.md in the same folder is hand-written documentation; this script does
not touch it.

Everything is deterministic; two runs produce byte-identical files (check with
md5sum). This script only *calls* librosa; no librosa code is copied into Reprise.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import inspect
import json
import math
import os
import sys

# Single-threaded, deterministic numerics (and less load on a shared machine).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import warnings  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import librosa  # noqa: E402
import librosa.core.audio as _lr_audio  # noqa: E402
import librosa.core.constantq as _lr_cq  # noqa: E402

REQUIRED_LIBROSA = "0.11.0"
SR = 22050

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SRC_FIXTURES = os.path.join(REPO, "fixtures", "librosa")

# Sweep parameters
SWEEP_F0 = 40.0
SWEEP_F1 = 8000.0
SWEEP_SECONDS = 2.0
SWEEP_AMP = 0.5
SWEEP_PAD_SECONDS = 0.1
SWEEP_RECIPE = (
    "n = round(T*sr) = 44100, t = arange(n)/sr (float64); K = T/ln(f1/f0); "
    "y = amp*sin(2*pi*f0*K*(exp(t/K) - 1)) (instantaneous frequency f0*exp(t/K), 40 Hz at t=0 "
    "rising to 8000 Hz at t=T); then round(0.1*sr) = 2205 zeros prepended and appended; cast to float32. "
    "No randomness."
)


def exp_sweep(sr: int) -> np.ndarray:
    n = int(round(SWEEP_SECONDS * sr))
    t = np.arange(n, dtype=np.float64) / sr
    k = SWEEP_SECONDS / math.log(SWEEP_F1 / SWEEP_F0)
    y = SWEEP_AMP * np.sin(2.0 * np.pi * SWEEP_F0 * k * np.expm1(t / k))
    pad = np.zeros(int(round(SWEEP_PAD_SECONDS * sr)), dtype=np.float64)
    return np.concatenate([pad, y, pad]).astype(np.float32)


# ---------------------------------------------------------------------------
# JSON helpers
# ---------------------------------------------------------------------------


def jsonable(v):
    """Make a parameter value JSON-safe (np.inf -> 'np.inf', types -> names)."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isinf(f):
            return "np.inf" if f > 0 else "-np.inf"
        if math.isnan(f):
            return "np.nan"
        return f
    if isinstance(v, type):
        return f"{v.__module__}.{v.__name__}"
    if isinstance(v, np.dtype):
        return f"np.dtype('{v}')"
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, np.ndarray) and v.size <= 16:
        return [jsonable(x) for x in v.tolist()]
    if callable(v):
        return getattr(v, "__name__", repr(v))
    return repr(v)


def fmt_value(v) -> str:
    if isinstance(v, float) and math.isinf(v):
        return "np.inf" if v > 0 else "-np.inf"
    return repr(v)


# ---------------------------------------------------------------------------
# Tracing librosa's internal steps (read-only wrappers; results are unchanged)
# ---------------------------------------------------------------------------


class Tracer:
    """Record the resample / stft / istft / filter-basis / estimate_tuning calls librosa makes."""

    def __init__(self):
        self.events: list[dict] | None = None

    @contextlib.contextmanager
    def recording(self):
        self.events = []
        try:
            yield self.events
        finally:
            self.events = None

    def _log(self, ev: dict):
        if self.events is not None:
            self.events.append(ev)

    def install(self):
        orig_resample = _lr_audio.resample
        orig_stft = _lr_cq.stft
        orig_istft = _lr_cq.istft
        orig_filter_fft = getattr(_lr_cq, "__vqt_filter_fft")
        orig_est = _lr_cq.estimate_tuning
        tracer = self

        def resample(y, *, orig_sr, target_sr, res_type="soxr_hq", fix=True, scale=False, axis=-1, **kw):
            out = orig_resample(y, orig_sr=orig_sr, target_sr=target_sr, res_type=res_type, fix=fix, scale=scale, axis=axis, **kw)
            tracer._log(
                {
                    "op": "librosa.resample",
                    "orig_sr": jsonable(orig_sr),
                    "target_sr": jsonable(target_sr),
                    "res_type": res_type,
                    "fix": fix,
                    "scale": scale,
                    "n_in": int(y.shape[-1]),
                    "n_out": int(out.shape[-1]),
                }
            )
            return out

        def stft(y, **kw):
            out = orig_stft(y, **kw)
            ev = {"op": "librosa.stft", "n_in": int(y.shape[-1])}
            ev.update({k: jsonable(v) for k, v in kw.items() if k != "dtype"})
            ev["center"] = kw.get("center", True)
            ev["n_frames"] = int(out.shape[-1])
            tracer._log(ev)
            return out

        def istft(D, **kw):
            out = orig_istft(D, **kw)
            ev = {"op": "librosa.istft", "n_bins_in": int(D.shape[-2]), "n_frames_in": int(D.shape[-1])}
            ev.update({k: jsonable(v) for k, v in kw.items() if k != "dtype"})
            ev["n_out"] = int(out.shape[-1])
            tracer._log(ev)
            return out

        def vqt_filter_fft(sr, freqs, filter_scale, norm, sparsity, hop_length=None, window="hann", gamma=0.0, dtype=np.complex64, alpha=None):
            basis, n_fft, lengths = orig_filter_fft(
                sr, freqs, filter_scale, norm, sparsity, hop_length=hop_length, window=window, gamma=gamma, dtype=dtype, alpha=alpha
            )
            tracer._log(
                {
                    "op": "librosa.core.constantq.__vqt_filter_fft",
                    "sr": jsonable(sr),
                    "n_filters": int(len(freqs)),
                    "freq_lo": float(freqs[0]),
                    "freq_hi": float(freqs[-1]),
                    "hop_length": jsonable(hop_length),
                    "gamma": jsonable(gamma),
                    "sparsity": jsonable(sparsity),
                    "n_fft": int(n_fft),
                    "basis_shape": list(basis.shape),
                    "basis_nnz": int(basis.nnz),
                    "max_length": float(np.max(lengths)),
                }
            )
            return basis, n_fft, lengths

        def estimate_tuning(**kw):
            out = orig_est(**kw)
            ev = {"op": "librosa.estimate_tuning", "args": {k: (f"<array len {v.shape[-1]}>" if isinstance(v, np.ndarray) else jsonable(v)) for k, v in kw.items()}}
            ev["value"] = float(out)
            tracer._log(ev)
            return out

        _lr_audio.resample = resample
        _lr_cq.stft = stft
        _lr_cq.istft = istft
        setattr(_lr_cq, "__vqt_filter_fft", vqt_filter_fft)
        _lr_cq.estimate_tuning = estimate_tuning


TRACER = Tracer()


# ---------------------------------------------------------------------------
# Fixture bookkeeping
# ---------------------------------------------------------------------------


class Fixtures:
    def __init__(self, out_dir: str):
        self.out_dir = out_dir
        self.entries: dict[str, dict] = {}
        os.makedirs(out_dir, exist_ok=True)

    def save(self, name: str, arr: np.ndarray, entry: dict) -> np.ndarray:
        arr = np.ascontiguousarray(np.asarray(arr))
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

    def call(self, name, func_path, func, inputs, params, *, positional=(), post=None, note=None, trace=True, save=True):
        """Run `func(**inputs, **params)`, save it, record the exact call and all resolved parameters.

        inputs: {kwarg_name: (label, array)} -- label is a fixture stem or an expression.
        params: {kwarg_name: value}.
        positional: names (in order) of arguments written positionally in the call string.
        """
        kwargs = {}
        parts = []
        for k, (label, value) in inputs.items():
            kwargs[k] = value
            parts.append(label if k in positional else f"{k}={label}")
        for k, v in params.items():
            kwargs[k] = v
            parts.append(f"{k}={fmt_value(v)}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with TRACER.recording() as events:
                out = func(**kwargs)
        call = f"{func_path}({', '.join(parts)})"
        if post is not None:
            post_label, post_fn = post
            out = post_fn(out)
            call = post_label.format(call=call)
        sig = inspect.signature(func)
        bound = sig.bind_partial(**kwargs)
        bound.apply_defaults()
        resolved = {}
        for k, v in bound.arguments.items():
            if k in inputs or sig.parameters[k].kind == inspect.Parameter.VAR_KEYWORD:
                continue
            resolved[k] = jsonable(v)
        entry = {
            "call": call,
            "function": func_path,
            "inputs": {k: lbl for k, (lbl, _) in inputs.items()},
            "params": {k: jsonable(v) for k, v in params.items()},
            "all_params": resolved,
        }
        if note:
            entry["note"] = note
        if trace and events:
            entry["trace"] = events
        if save:
            return self.save(name, out, entry), entry
        return out, entry


def rel_err(y: np.ndarray, y_hat: np.ndarray) -> float:
    y = np.asarray(y, dtype=np.float64)
    y_hat = np.asarray(y_hat, dtype=np.float64)
    return float(np.linalg.norm(y - y_hat) / np.linalg.norm(y))


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "fixtures", "librosa_cqt"))
    args = ap.parse_args()
    out_dir = os.path.normpath(args.out)

    versions = {"librosa": librosa.__version__, "numpy": np.__version__, "scipy": scipy.__version__}
    for mod in ("soxr", "numba"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:  # pragma: no cover
            pass
    print("  ".join(f"{k} {v}" for k, v in versions.items()))
    if librosa.__version__ != REQUIRED_LIBROSA:
        print(
            f"ERROR: librosa {REQUIRED_LIBROSA} is required (found {librosa.__version__}); "
            "install scripts/requirements-peer.txt",
            file=sys.stderr,
        )
        return 1

    TRACER.install()
    fx = Fixtures(out_dir)
    sr = SR
    cq = librosa.cqt
    C1 = float(librosa.note_to_hz("C1"))
    C2 = float(librosa.note_to_hz("C2"))

    # ---------------- input signals ----------------
    src_manifest_path = os.path.join(SRC_FIXTURES, "manifest.json")
    with open(src_manifest_path) as fh:
        src_manifest = json.load(fh)["fixtures"]
    inputs = {}
    for stem in ("signal", "signal_detuned"):
        arr = np.load(os.path.join(SRC_FIXTURES, f"{stem}.npy"))
        if arr.dtype != np.float32:
            raise SystemExit(f"fixtures/librosa/{stem}.npy is {arr.dtype}, expected float32")
        src_entry = src_manifest.get(f"{stem}.npy", {})
        entry = {
            "kind": "input signal",
            "source": f"fixtures/librosa/{stem}.npy (byte-identical copy)",
            "sr": sr,
            "call": src_entry.get("call", "see fixtures/librosa/manifest.json"),
        }
        for key in ("freqs_hz", "true_tuning_semitones", "recipe"):
            if key in src_entry:
                entry[key] = src_entry[key]
        inputs[stem] = fx.save(f"{stem}.npy", arr, entry)
    sweep = fx.save(
        "sweep.npy",
        exp_sweep(sr),
        {
            "kind": "input signal",
            "call": "exp_sweep(sr=22050)  # see recipe",
            "sr": sr,
            "f0_hz": SWEEP_F0,
            "f1_hz": SWEEP_F1,
            "sweep_seconds": SWEEP_SECONDS,
            "amplitude": SWEEP_AMP,
            "silence_seconds_each_end": SWEEP_PAD_SECONDS,
            "recipe": SWEEP_RECIPE,
        },
    )
    signal = inputs["signal"]
    signal_detuned = inputs["signal_detuned"]
    SIG = ("signal", signal)
    SIG_DET = ("signal_detuned", signal_detuned)
    POS = ("y",)

    # ---------------- 1-6: CQT variants ----------------
    fx.call("cqt_default.npy", "librosa.cqt", cq, {"y": SIG}, {"sr": sr}, positional=POS)
    fx.call("cqt_sweep.npy", "librosa.cqt", cq, {"y": ("sweep", sweep)}, {"sr": sr}, positional=POS)
    fx.call(
        "cqt_36bpo.npy",
        "librosa.cqt",
        cq,
        {"y": SIG},
        {"sr": sr, "hop_length": 256, "fmin": C2, "n_bins": 180, "bins_per_octave": 36},
        positional=POS,
        note="fmin = librosa.note_to_hz('C2')",
    )
    fx.call(
        "cqt_filter_scale.npy",
        "librosa.cqt",
        cq,
        {"y": SIG},
        {"sr": sr, "filter_scale": 0.8, "n_bins": 60, "fmin": 55.0, "tuning": 0.1, "hop_length": 1024, "norm": 1},
        positional=POS,
    )
    fx.call("cqt_norm2.npy", "librosa.cqt", cq, {"y": SIG}, {"sr": sr, "norm": 2}, positional=POS)
    cqt_nosparse, _ = fx.call("cqt_nosparse.npy", "librosa.cqt", cq, {"y": SIG}, {"sr": sr, "sparsity": 0.0}, positional=POS)
    fx.call("cqt_noscale.npy", "librosa.cqt", cq, {"y": SIG}, {"sr": sr, "scale": False}, positional=POS)
    fx.call(
        "cqt_res_fft.npy",
        "librosa.cqt",
        cq,
        {"y": SIG},
        {"sr": sr, "res_type": "fft"},
        positional=POS,
        note="res_type='fft': librosa.resample uses scipy.signal.resample (FFT method) for every octave step",
    )

    # ---------------- 7-8: VQT, pseudo / hybrid CQT ----------------
    fx.call("vqt_gamma.npy", "librosa.vqt", librosa.vqt, {"y": SIG}, {"sr": sr, "gamma": 20.0}, positional=POS)
    fx.call(
        "vqt_erb.npy",
        "librosa.vqt",
        librosa.vqt,
        {"y": SIG},
        {"sr": sr},
        positional=POS,
        note="gamma=None (default): gamma = alpha * 24.7 / 0.108 per bin (ERB rule)",
    )
    fx.call("pseudo_cqt.npy", "librosa.pseudo_cqt", librosa.pseudo_cqt, {"y": SIG}, {"sr": sr}, positional=POS)
    fx.call("hybrid_cqt.npy", "librosa.hybrid_cqt", librosa.hybrid_cqt, {"y": SIG}, {"sr": sr}, positional=POS)

    # ---------------- 9: icqt ----------------
    C_fwd, fwd_entry = fx.call(
        "-", "librosa.cqt", cq, {"y": SIG}, {"sr": sr, "sparsity": 0.0, "n_bins": 84}, positional=POS, save=False
    )
    if not np.array_equal(C_fwd, cqt_nosparse):
        raise SystemExit("cqt(signal, sparsity=0.0, n_bins=84) differs from cqt_nosparse")
    y_hat, _ = fx.call(
        "icqt_roundtrip.npy",
        "librosa.icqt",
        librosa.icqt,
        {"C": (fwd_entry["call"], C_fwd)},
        {"sr": sr, "length": len(signal)},
        positional=("C",),
        note="C is identical to cqt_nosparse.npy. icqt itself runs with its default sparsity=0.01 (as called).",
    )
    err84 = rel_err(signal, y_hat)
    fx.entries["icqt_roundtrip.npy"]["relative_error"] = err84
    # Not saved: same round trip with icqt(sparsity=0.0) for information.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        err84_s0 = rel_err(signal, librosa.icqt(C_fwd, sr=sr, length=len(signal), sparsity=0.0))
        C36 = librosa.cqt(signal, sr=sr, sparsity=0.0, n_bins=252, bins_per_octave=36)
        y36 = librosa.icqt(C36, sr=sr, bins_per_octave=36, length=len(signal))
    err36 = rel_err(signal, y36)
    icqt_errors = {
        "metric": "np.linalg.norm(y - y_hat) / np.linalg.norm(y), computed in float64 (y = signal)",
        "bpo12_n84": {
            "C": "librosa.cqt(signal, sr=22050, sparsity=0.0, n_bins=84)",
            "call": "librosa.icqt(C, sr=22050, length=len(signal))",
            "relative_error": err84,
            "fixture": "icqt_roundtrip.npy",
        },
        "bpo36_n252": {
            "C": "librosa.cqt(signal, sr=22050, sparsity=0.0, n_bins=252, bins_per_octave=36)",
            "call": "librosa.icqt(C, sr=22050, bins_per_octave=36, length=len(signal))",
            "relative_error": err36,
        },
        "bpo12_n84_icqt_sparsity0": {
            "C": "librosa.cqt(signal, sr=22050, sparsity=0.0, n_bins=84)",
            "call": "librosa.icqt(C, sr=22050, length=len(signal), sparsity=0.0)",
            "relative_error": err84_s0,
            "note": "extra, for information only (no fixture)",
        },
    }

    # ---------------- 10: CQT chroma ----------------
    tunings = {}
    for stem, y in (("signal", signal), ("signal_detuned", signal_detuned)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t36 = float(librosa.estimate_tuning(y=y, sr=sr, bins_per_octave=36))
            t12 = float(librosa.estimate_tuning(y=y, sr=sr, bins_per_octave=12))
        tunings[stem] = {
            "call": f"librosa.estimate_tuning(y={stem}, sr=22050, bins_per_octave=36)",
            "value_bins": t36,
            "unit": "fractions of a 1/36-octave bin (bins_per_octave=36, chroma_cqt's default)",
            "value_semitones": t36 / 3.0,
            "fmin_used_hz": C1 * 2.0 ** (t36 / 36),
            "for_comparison_bpo12": {
                "call": f"librosa.estimate_tuning(y={stem}, sr=22050, bins_per_octave=12)",
                "value_bins": t12,
            },
        }
    CHROMA_NOTE = (
        "tuning=None: librosa.feature.chroma_cqt -> librosa.cqt(y, sr=sr, hop_length=512, fmin=None, n_bins=7*36, "
        "bins_per_octave=36, tuning=None) -> librosa.vqt, which calls librosa.estimate_tuning(y=y, sr=sr, "
        "bins_per_octave=36) (audio path: piptrack on |stft(y, n_fft=2048)|, defaults otherwise); see "
        "'estimated_tuning' and this entry's trace"
    )
    chroma_specs = [
        ("chroma_cqt.npy", librosa.feature.chroma_cqt, "librosa.feature.chroma_cqt", SIG, {"sr": sr}, "signal"),
        ("chroma_cqt_tuning0.npy", librosa.feature.chroma_cqt, "librosa.feature.chroma_cqt", SIG, {"sr": sr, "tuning": 0.0}, None),
        ("chroma_cqt_detuned.npy", librosa.feature.chroma_cqt, "librosa.feature.chroma_cqt", SIG_DET, {"sr": sr}, "signal_detuned"),
        ("chroma_cens.npy", librosa.feature.chroma_cens, "librosa.feature.chroma_cens", SIG, {"sr": sr}, "signal"),
        ("chroma_cens_tuning0.npy", librosa.feature.chroma_cens, "librosa.feature.chroma_cens", SIG, {"sr": sr, "tuning": 0.0}, None),
    ]
    for name, fn, path, sig_in, params, est_stem in chroma_specs:
        out, entry = fx.call(name, path, fn, {"y": sig_in}, params, note=CHROMA_NOTE if est_stem else None)
        if est_stem:
            used = [ev for ev in entry.get("trace", []) if ev["op"] == "librosa.estimate_tuning"]
            if len(used) != 1 or used[0]["value"] != tunings[est_stem]["value_bins"] or used[0]["args"].get("bins_per_octave") != 36:
                raise SystemExit(f"{name}: internal estimate_tuning call differs from the recorded one: {used}")
            entry_t = fx.entries[name]
            entry_t["estimated_tuning"] = tunings[est_stem]["value_bins"]
            # Cross-check: passing the estimate explicitly gives bit-identical output.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                again = fn(y=sig_in[1], **params, tuning=tunings[est_stem]["value_bins"])
            if not np.array_equal(again, out):
                raise SystemExit(f"{name}: explicit tuning does not reproduce the output")
            entry_t["equals_with_explicit_tuning"] = True

    # ---------------- 11: filter design numbers ----------------
    freqs, _ = fx.call(
        "cqt_frequencies.npy",
        "librosa.cqt_frequencies",
        librosa.cqt_frequencies,
        {},
        {"n_bins": 84, "fmin": C1},
        note="fmin = librosa.note_to_hz('C1'); float64",
    )
    FREQS = ("cqt_frequencies", freqs)
    alpha, _ = fx.call(
        "relative_bandwidth.npy",
        "librosa.filters._relative_bandwidth",
        librosa.filters._relative_bandwidth,
        {"freqs": FREQS},
        {},
        note="private helper used by cqt/vqt/pseudo_cqt/hybrid_cqt/icqt for n_bins > 1; float64",
    )
    ALPHA = ("relative_bandwidth", alpha)
    wl_label = "{call}[0]"
    (lengths, f_cut) = librosa.filters.wavelet_lengths(freqs=freqs, sr=sr, filter_scale=1, gamma=0, alpha=alpha)
    fx.call(
        "wavelet_lengths.npy",
        "librosa.filters.wavelet_lengths",
        librosa.filters.wavelet_lengths,
        {"freqs": FREQS, "alpha": ALPHA},
        {"sr": sr, "filter_scale": 1, "gamma": 0},
        post=(wl_label, lambda r: r[0]),
        note="float64 (fractional lengths in samples at sr)",
    )
    fx.entries["wavelet_lengths.npy"]["f_cutoff"] = float(f_cut)
    (lengths_erb, f_cut_erb) = librosa.filters.wavelet_lengths(freqs=freqs, sr=sr, filter_scale=1, gamma=None, alpha=alpha)
    fx.call(
        "wavelet_lengths_erb.npy",
        "librosa.filters.wavelet_lengths",
        librosa.filters.wavelet_lengths,
        {"freqs": FREQS, "alpha": ALPHA},
        {"sr": sr, "filter_scale": 1, "gamma": None},
        post=(wl_label, lambda r: r[0]),
        note="gamma=None: gamma_k = alpha_k * 24.7 / 0.108, so lengths = (filter_scale/alpha)*sr/(f + 24.7/0.108)",
    )
    gamma_erb = alpha * 24.7 / 0.108
    fx.entries["wavelet_lengths_erb.npy"]["f_cutoff"] = float(f_cut_erb)
    fx.entries["wavelet_lengths_erb.npy"]["gamma_erb"] = {
        "formula": "alpha * 24.7 / 0.108 (per bin; constant here because freqs are geometric)",
        "value": float(gamma_erb[0]),
        "min": float(gamma_erb.min()),
        "max": float(gamma_erb.max()),
    }
    top = freqs[-12:]
    wav = librosa.filters.wavelet(freqs=top, sr=sr)
    TOP = ("cqt_frequencies[-12:]", top)
    fx.call(
        "wavelet_filters_oct.npy",
        "librosa.filters.wavelet",
        librosa.filters.wavelet,
        {"freqs": TOP},
        {"sr": sr},
        post=("{call}[0]", lambda r: r[0]),
        note="complex64 time-domain filters, centre-padded to the next power of two; alpha is derived from these 12 freqs",
    )
    fx.call(
        "wavelet_filters_oct_lengths.npy",
        "librosa.filters.wavelet",
        librosa.filters.wavelet,
        {"freqs": TOP},
        {"sr": sr},
        post=("{call}[1]", lambda r: r[1]),
        note="float64 fractional lengths returned with the filters",
    )
    # Private: the frequency-domain (sparse) basis that cqt uses for its top octave, densified.
    vff = getattr(_lr_cq, "__vqt_filter_fft")
    with TRACER.recording():
        basis, n_fft_top, _ = vff(sr, top, 1, 1, 0.01, window="hann", gamma=0, dtype=np.complex64, alpha=alpha[-12:])
    fx.save(
        "vqt_filter_fft_top_octave.npy",
        np.asarray(basis.todense()),
        {
            "call": "librosa.core.constantq.__vqt_filter_fft(22050, cqt_frequencies[-12:], 1, 1, 0.01, "
            "window='hann', gamma=0, dtype=np.complex64, alpha=relative_bandwidth[-12:]).todense()",
            "function": "librosa.core.constantq.__vqt_filter_fft (private)",
            "note": "exactly what librosa.cqt(signal) uses for its top octave (sr=22050, no early downsampling; "
            "the per-octave factor sqrt(sr/my_sr) = 1 there); zeros are the sparsified entries",
            "n_fft": int(n_fft_top),
            "nnz": int(basis.nnz),
        },
    )

    # ---------------- manifest ----------------
    manifest = {
        "generator": "scripts/make_cqt_fixtures.py",
        "requirements": "scripts/requirements-peer.txt",
        "versions": versions,
        "conventions": {
            "librosa_module": "librosa",
            "np": "numpy",
            "inputs": "names in 'inputs' / 'call' refer to other fixtures in this folder (file stem)",
            "params": "'params' = arguments passed explicitly; 'all_params' = every parameter after applying "
            "librosa 0.11.0's defaults (np.inf written as the string 'np.inf')",
            "layout": "CQT/VQT/chroma arrays are (n_bins, n_frames) as librosa returns them",
            "trace": "'trace' lists, in order, the librosa.resample / librosa.stft / librosa.istft / "
            "__vqt_filter_fft / estimate_tuning calls made inside the transform (observed by wrapping those "
            "functions; outputs unchanged)",
            "documentation": "ALGORITHM.md (this folder) describes the librosa 0.11 algorithms step by step",
        },
        "estimated_tuning": tunings,
        "icqt_reconstruction": icqt_errors,
        "fixtures": dict(sorted(fx.entries.items())),
    }
    with open(os.path.join(out_dir, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=2, sort_keys=False, allow_nan=False)
        fh.write("\n")

    total = sum(os.path.getsize(os.path.join(out_dir, f)) for f in os.listdir(out_dir))
    print(f"wrote {len(fx.entries)} .npy files + manifest.json to {out_dir} (folder total {total / 1e6:.2f} MB)")
    for name, e in sorted(fx.entries.items()):
        print(f"  {name:36s} {e['dtype']:10s} {tuple(e['shape'])}")
    print(f"icqt relative error: bpo12/84 bins {err84:.6g}  bpo36/252 bins {err36:.6g}  (icqt sparsity=0: {err84_s0:.6g})")
    for stem, t in tunings.items():
        print(f"estimate_tuning(y={stem}, bins_per_octave=36) = {t['value_bins']:.4f} bins ({t['value_semitones']:.4f} semitones); bpo=12: {t['for_comparison_bpo12']['value_bins']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
