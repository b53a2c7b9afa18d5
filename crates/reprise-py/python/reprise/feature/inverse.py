"""Inversion of mel spectrograms (``librosa.feature.inverse``)."""

from __future__ import annotations

import numpy as np

from .. import _reprise, _stft_options, griffinlim
from .._common import from_spectrogram
from . import _mel_options

__all__ = ["mel_to_stft", "mel_to_audio"]


def mel_to_stft(M, *, sr: float = 22050, n_fft: int = 2048, power: float = 2.0, **kwargs) -> np.ndarray:
    """Approximate STFT magnitude from a mel spectrogram (``librosa.feature.inverse.mel_to_stft``):
    non-negative least squares against the mel filter bank, then ``S ** (1 / power)``.

    Parameters
    ----------
    M : np.ndarray [shape=(..., n_mels, n_frames)]
        Mel spectrogram (``power`` as it was computed with).
    sr : int, default 22050
    n_fft : int, default 2048
    power : float, default 2.0
    **kwargs
        The mel filter bank (``fmin``, ``fmax``, ``htk``, ``norm``); ``n_mels`` is read from ``M``.

    Returns
    -------
    S : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames), float32]
    """
    kw = dict(kwargs)
    kw.pop("dtype", None)
    kw["n_mels"] = int(np.shape(M)[-2]) if np.ndim(M) >= 2 else 0
    opts = {"kind": "mel", "stft": {"n_fft": int(n_fft)}, "power": float(power), **_mel_options(kw)}
    return from_spectrogram(M, sr, opts, "mel-to-stft", None)


def mel_to_audio(
    M,
    *,
    sr: float = 22050,
    n_fft: int = 2048,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: str = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    power: float = 2.0,
    n_iter: int = 32,
    length: int | None = None,
    dtype=np.float32,
    **kwargs,
) -> np.ndarray:
    """Audio from a mel spectrogram (``librosa.feature.inverse.mel_to_audio``): :func:`mel_to_stft`,
    then :func:`reprise.griffinlim` (its random start is seeded by Reprise, not by numpy)."""
    S = mel_to_stft(M, sr=sr, n_fft=n_fft, power=power, **kwargs)
    return griffinlim(S, n_iter=n_iter, hop_length=hop_length, win_length=win_length, n_fft=n_fft, window=window, center=center, length=length, pad_mode=pad_mode, dtype=dtype)
