"""Filter banks (``librosa.filters``)."""

from __future__ import annotations

import json

import numpy as np

from . import _reprise
from ._common import no_unsupported

__all__ = ["mel", "chroma"]


def mel(*, sr: float, n_fft: int, n_mels: int = 128, fmin: float = 0.0, fmax: float | None = None, htk: bool = False, norm="slaney", dtype=np.float32) -> np.ndarray:
    """Mel filter bank (``librosa.filters.mel``): ``(n_mels, 1 + n_fft // 2)`` triangles on
    the Slaney (or HTK) mel scale, area-normalised with ``norm='slaney'`` (or ``None``)."""
    if norm not in ("slaney", None):
        raise ValueError(f"norm={norm!r} is not supported: use 'slaney' or None")
    if np.dtype(dtype) != np.float32:
        raise ValueError(f"dtype={np.dtype(dtype)} is not supported: Reprise computes float32")
    opts = {"kind": "mel", "stft": {"n_fft": int(n_fft)}, "n_mels": int(n_mels), "fmin": float(fmin), "fmax": None if fmax is None else float(fmax), "htk": bool(htk), "norm": "slaney" if norm else "none"}
    return _reprise.mel_filters(int(sr), json.dumps(opts))


def chroma(*, sr: float, n_fft: int, n_chroma: int = 12, tuning: float = 0.0, ctroct: float = 5.0, octwidth: float | None = 2, norm=2, base_c: bool = True, dtype=np.float32) -> np.ndarray:
    """Chroma filter bank (``librosa.filters.chroma``): ``(n_chroma, 1 + n_fft // 2)``, each
    column L2-normalised, weighted by a Gaussian over octaves centred on ``ctroct``."""
    no_unsupported(norm=(norm, 2))
    if np.dtype(dtype) != np.float32:
        raise ValueError(f"dtype={np.dtype(dtype)} is not supported: Reprise computes float32")
    return _reprise.chroma_filters(int(sr), int(n_fft), int(n_chroma), float(tuning), float(ctroct), None if octwidth is None else float(octwidth), bool(base_c))
