"""Filter banks (``librosa.filters``)."""

from __future__ import annotations

import json

import numpy as np

from . import _reprise
from ._common import check_int
from ._common import no_unsupported

__all__ = ["mel", "chroma"]


def mel(*, sr: float, n_fft: int, n_mels: int = 128, fmin: float = 0.0, fmax: float | None = None, htk: bool = False, norm="slaney", dtype=np.float32) -> np.ndarray:
    """Mel filter bank (``librosa.filters.mel``): ``(n_mels, 1 + n_fft // 2)`` triangles on
    the Slaney (or HTK) mel scale, area-normalised with ``norm='slaney'`` (or ``None``).

    Parameters
    ----------
    sr : number > 0
        Sample rate in Hz of the signal the filters will apply to (used as an
        integer). Required, as in librosa.
    n_fft : int >= 2
        FFT length in samples; the filters have ``1 + n_fft // 2`` columns, one per
        FFT bin. Required.
    n_mels : int, default 128
        Number of mel bands (rows).
    fmin : float, default 0.0
        Lowest frequency in Hz (the lower edge of the first triangle).
    fmax : float or None, default None
        Highest frequency in Hz (the upper edge of the last triangle); ``None`` uses
        ``sr / 2``. Above ``sr / 2`` raises ``ValueError`` (librosa only warns about
        the empty filters it makes).
    htk : bool, default False
        Use the HTK formula ``2595 * log10(1 + f / 700)`` for the mel scale instead of
        Slaney's (linear below 1 kHz, logarithmic above).
    norm : {"slaney", None}, default "slaney"
        ``"slaney"``: each triangle scaled by ``2 / (its width in Hz)``, so that the
        bands have about equal area; ``None``: peak 1. librosa's numeric (p-norm)
        values raise ``ValueError``.
    dtype : numpy dtype, default np.float32
        Data type of the filters. Only float32; anything else raises ``ValueError``.

    Returns
    -------
    M : np.ndarray [shape=(n_mels, 1 + n_fft // 2), float32]
        The filter bank: ``M @ S`` maps a power spectrogram ``S`` to mel bands.

    Raises
    ------
    ValueError
        ``norm`` other than ``"slaney"`` or ``None``, ``dtype`` other than float32,
        ``fmax`` above ``sr / 2``, or ``sr``, ``n_fft`` or ``n_mels`` out of range.
    OverflowError
        A negative ``sr`` (it does not fit the compiled module's unsigned integer).
    """
    if norm not in ("slaney", None):
        raise ValueError(f"norm={norm!r} is not supported: use 'slaney' or None")
    if np.dtype(dtype) != np.float32:
        raise ValueError(f"dtype={np.dtype(dtype)} is not supported: Reprise computes float32")
    opts = {"kind": "mel", "stft": {"n_fft": int(n_fft)}, "n_mels": int(n_mels), "fmin": float(fmin), "fmax": None if fmax is None else float(fmax), "htk": bool(htk), "norm": "slaney" if norm else "none"}
    return _reprise.mel_filters(check_int("sr", sr, 1), json.dumps(opts))


def chroma(*, sr: float, n_fft: int, n_chroma: int = 12, tuning: float = 0.0, ctroct: float = 5.0, octwidth: float | None = 2, norm=2, base_c: bool = True, dtype=np.float32) -> np.ndarray:
    """Chroma filter bank (``librosa.filters.chroma``): ``(n_chroma, 1 + n_fft // 2)``, each
    column L2-normalised, weighted by a Gaussian over octaves centred on ``ctroct``.

    Parameters
    ----------
    sr : number > 0
        Sample rate in Hz (used as an integer). Required, as in librosa.
    n_fft : int >= 2
        FFT length in samples; the bank has ``1 + n_fft // 2`` columns, one per FFT
        bin. Required.
    n_chroma : int, default 12
        Number of chroma bins (rows), 1 to 1200.
    tuning : float, default 0.0
        Tuning deviation from A440 in fractions of a chroma bin.
    ctroct : float, default 5.0
        Centre of the Gaussian weighting over octaves, in octaves above A0 (27.5 Hz);
        5.0 is A5, 880 Hz.
    octwidth : float or None, default 2
        Half-width in octaves of that Gaussian weighting; ``None`` weights every
        octave equally.
    norm : {2}, default 2
        Normalisation of each column (FFT bin) over the chroma bins. Only 2 (L2,
        librosa's default); anything else raises ``ValueError``.
    base_c : bool, default True
        If True the first row is C; if False it is A (librosa's convention for
        both).
    dtype : numpy dtype, default np.float32
        Data type of the filters. Only float32; anything else raises ``ValueError``.

    Returns
    -------
    wts : np.ndarray [shape=(n_chroma, 1 + n_fft // 2), float32]
        The filter bank: ``wts @ S`` maps a power spectrogram ``S`` to chroma.

    Raises
    ------
    ValueError
        ``norm`` other than 2, ``dtype`` other than float32, or ``n_fft`` or
        ``n_chroma`` out of range.
    OverflowError
        A negative ``sr``. (``sr=0`` is not refused: it gives non-finite weights.)
    """
    no_unsupported(norm=(norm, 2))
    if np.dtype(dtype) != np.float32:
        raise ValueError(f"dtype={np.dtype(dtype)} is not supported: Reprise computes float32")
    return _reprise.chroma_filters(check_int("sr", sr, 1), check_int("n_fft", n_fft, 2), int(n_chroma), float(tuning), float(ctroct), None if octwidth is None else float(octwidth), bool(base_c))
