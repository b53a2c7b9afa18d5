"""Shared argument handling: signals on the last axis, batches in parallel, refusals."""

from __future__ import annotations

import json

import numpy as np

from . import _reprise


def signal(y, check_finite: bool = True) -> np.ndarray:
    """``y`` as a float32 array with the signal on the last axis; refuses what librosa's
    ``util.valid_audio`` refuses (non-float, empty, non-finite). ``check_finite=False``
    leaves the last check to a Rust call that makes it anyway (with the same message)."""
    a = np.asarray(y)
    if a.ndim == 0:
        raise ValueError("audio must have at least one dimension, got a scalar")
    if not np.issubdtype(a.dtype, np.floating):
        raise ValueError(f"audio data must be floating-point, got {a.dtype}")
    if a.shape[-1] == 0:
        raise ValueError("audio is empty (0 samples)")
    a = np.ascontiguousarray(a, dtype=np.float32)
    if check_finite and not np.all(np.isfinite(a)):
        i = int(np.flatnonzero(~np.isfinite(a.reshape(-1)))[0])
        raise ValueError(f"audio is not finite: sample {i} is {a.reshape(-1)[i]}")
    return a


def features(y, sr, options: dict) -> np.ndarray:
    """Runs one feature kind over every signal of ``y`` (leading axes kept, computed in
    parallel); ``options`` are ``FeatureParams`` fields."""
    # the extraction checks every sample is finite (one pass fewer here)
    x = signal(y, check_finite=False)
    sr = int(sr)
    if sr <= 0:
        raise ValueError(f"sr={sr}: give a positive sample rate in Hz")
    flat = x.reshape(-1, x.shape[-1])
    real, cplx, _axis, _meta = _reprise.features(flat, sr, json.dumps(options))
    out = real if real is not None else cplx
    return out.reshape(x.shape[:-1] + out.shape[1:])


def no_unsupported(**given) -> None:
    """Raises ``ValueError`` for each ``name=(value, supported)`` whose value differs."""
    for name, (value, supported) in given.items():
        same = value is supported if supported is None else (value == supported if not isinstance(value, np.ndarray) else False)
        if not same:
            raise ValueError(f"{name}={value!r} is not supported (only {supported!r})")


def from_spectrogram(S, sr, options: dict, what: str, rows: int | None) -> np.ndarray:
    """A feature of spectrograms already computed (``S=``): ``(..., rows, frames)`` in,
    leading axes kept."""
    a = np.asarray(S)
    if a.ndim < 2:
        raise ValueError(f"S must have at least 2 dimensions (rows, frames), got shape {a.shape}")
    if np.iscomplexobj(a):
        raise ValueError("S must be real: a power or magnitude spectrogram (take np.abs(D) ** 2 of an STFT)")
    a = np.ascontiguousarray(a, dtype=np.float32)
    if not np.all(np.isfinite(a)):
        raise ValueError("S holds a non-finite value (NaN or infinity)")
    if rows is not None and a.shape[-2] != rows:
        raise ValueError(f"S has {a.shape[-2]} rows, but n_fft={2 * (rows - 1)} gives {rows}: pass the n_fft S was computed with")
    sr = int(sr)
    if sr <= 0:
        raise ValueError(f"sr={sr}: give a positive sample rate in Hz")
    flat = a.reshape((-1,) + a.shape[-2:])
    out = _reprise.from_spectrogram(flat, sr, json.dumps(options), what)
    return out.reshape(a.shape[:-2] + out.shape[1:])


def check_int(name: str, value, lo: int, hi: int | None = None) -> int:
    """``value`` as an int in ``[lo, hi]``, or ``ValueError`` naming the parameter (instead
    of the ``OverflowError`` a negative value would raise in the compiled module)."""
    try:
        v = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r}: give an integer") from None
    if v != value if isinstance(value, (int, float, np.integer, np.floating)) else False:
        raise ValueError(f"{name}={value!r}: give an integer")
    if v < lo or (hi is not None and v > hi):
        raise ValueError(f"{name}={value!r}: give an integer from {lo}" + (f" to {hi}" if hi is not None else " up"))
    return v
