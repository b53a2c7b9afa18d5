"""Inversion of mel spectrograms (``librosa.feature.inverse``)."""

from __future__ import annotations

import numpy as np

from .. import _DOC_CENTER, _DOC_PAD_MODE, _DOC_WIN_LENGTH, _DOC_WINDOW, _fill_doc, _reprise, _stft_options, griffinlim
from .._common import from_spectrogram
from . import _mel_options

__all__ = ["mel_to_stft", "mel_to_audio"]


def mel_to_stft(M, *, sr: float = 22050, n_fft: int = 2048, power: float = 2.0, **kwargs) -> np.ndarray:
    """Approximate STFT magnitude from a mel spectrogram (``librosa.feature.inverse.mel_to_stft``):
    non-negative least squares against the mel filter bank, then ``S ** (1 / power)``.

    Parameters
    ----------
    M : np.ndarray [shape=(..., n_mels, n_frames)]
        Mel spectrogram (``power`` as it was computed with), as
        :func:`reprise.feature.melspectrogram` returns it: real, non-negative and
        finite. Leading axes are kept.
    sr : number > 0, default 22050
        Sample rate in Hz of the signal ``M`` was computed from.
    n_fft : int, default 2048
        FFT length in samples ``M`` was computed with; the output has
        ``1 + n_fft // 2`` rows.
    power : float, default 2.0
        Exponent of the magnitude ``M`` was computed with (1: energy, 2: power).
    **kwargs
        The mel filter bank ``M`` was computed with (``librosa.filters.mel``):
        ``fmin=0.0`` Hz, ``fmax=None`` Hz (``sr / 2``), ``htk=False``,
        ``norm="slaney"`` (or ``None``). ``n_mels`` is read from ``M``, and a
        ``n_mels`` or ``dtype`` given here is not used. Any other name raises
        ``TypeError``.

    Returns
    -------
    S : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames), float32]
        Approximate STFT magnitude.

    Raises
    ------
    TypeError
        An unknown keyword argument.
    ValueError
        ``M`` is complex, non-finite or has fewer than 2 dimensions; a parameter of
        the filter bank is out of range (e.g. ``fmax`` above ``sr / 2``) or
        unsupported.
    """
    kw = dict(kwargs)
    kw.pop("dtype", None)
    kw["n_mels"] = int(np.shape(M)[-2]) if np.ndim(M) >= 2 else 0
    opts = {"kind": "mel", "stft": {"n_fft": int(n_fft)}, "power": float(power), **_mel_options(kw)}
    return from_spectrogram(M, sr, opts, "mel-to-stft", None)


@_fill_doc(win_length=_DOC_WIN_LENGTH, window=_DOC_WINDOW, center=_DOC_CENTER, pad_mode=_DOC_PAD_MODE)
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
    then :func:`reprise.griffinlim` (its random start is seeded by Reprise, not by numpy).

    Parameters
    ----------
    M : np.ndarray [shape=(..., n_mels, n_frames)]
        Mel spectrogram (``power`` as it was computed with): real, non-negative and
        finite. Leading axes are kept.
    sr : number > 0, default 22050
        Sample rate in Hz of the signal ``M`` was computed from.
    n_fft : int, default 2048
        FFT length in samples ``M`` was computed with (2048 is about 93 ms at
        22050 Hz).
    hop_length : int > 0 or None, default None
        Number of samples between successive frames, as ``M`` was computed with;
        ``None`` uses ``win_length // 4``.
    {win_length}
    {window}
    {center}
    {pad_mode}
    power : float, default 2.0
        Exponent of the magnitude ``M`` was computed with (1: energy, 2: power).
    n_iter : int, default 32
        Number of Griffin-Lim iterations.
    length : int or None, default None
        If given, the output is trimmed or zero-padded to exactly ``length`` samples.
    dtype : numpy dtype, default np.float32
        Data type of ``y``. Only float32; anything else raises ``ValueError``.
    **kwargs
        The mel filter bank ``M`` was computed with (``librosa.filters.mel``):
        ``fmin=0.0`` Hz, ``fmax=None`` Hz (``sr / 2``), ``htk=False``,
        ``norm="slaney"`` (or ``None``). ``n_mels`` is read from ``M``, and a
        ``n_mels`` given here is not used. Any other name raises
        ``TypeError``.

    Returns
    -------
    y : np.ndarray [shape=(..., n), float32]
        The reconstructed signal(s).

    Raises
    ------
    TypeError
        An unknown keyword argument.
    ValueError
        As :func:`mel_to_stft` and :func:`reprise.griffinlim` (e.g. an unsupported
        ``window``, ``pad_mode`` or ``dtype``).
    """
    S = mel_to_stft(M, sr=sr, n_fft=n_fft, power=power, **kwargs)
    return griffinlim(S, n_iter=n_iter, hop_length=hop_length, win_length=win_length, n_fft=n_fft, window=window, center=center, length=length, pad_mode=pad_mode, dtype=dtype)
