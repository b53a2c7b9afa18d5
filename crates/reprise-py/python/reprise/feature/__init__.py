"""Frame-level features with ``librosa.feature``'s signatures, names and defaults.

Each takes ``y=`` (the signal) or, where librosa does, a spectrogram already computed
(``S=``, ``C=``). Parameters Reprise does not support at a value other than librosa's
default raise ``ValueError``; unknown ones raise ``TypeError``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _stft_options
from .._common import features, from_spectrogram, no_unsupported

__all__ = [
    "inverse",
    "melspectrogram",
    "mfcc",
    "chroma_stft",
    "chroma_cqt",
    "chroma_cens",
    "spectral_centroid",
    "spectral_bandwidth",
    "spectral_rolloff",
    "spectral_flatness",
    "zero_crossing_rate",
    "rms",
]


def _need_y(y, **spectra) -> None:
    for name, value in spectra.items():
        if value is not None:
            raise TypeError(f"{name}= input is not supported yet: give y=")
    if y is None:
        raise TypeError("give y= (the signal)")


def _mel_options(kwargs: dict) -> dict:
    n_mels = kwargs.pop("n_mels", 128)
    fmin = kwargs.pop("fmin", 0.0)
    fmax = kwargs.pop("fmax", None)
    htk = kwargs.pop("htk", False)
    norm = kwargs.pop("norm", "slaney")
    dtype = kwargs.pop("dtype", np.float32)
    if kwargs:
        raise TypeError(f"unsupported parameter(s) {sorted(kwargs)}")
    if norm not in ("slaney", None):
        raise ValueError(f"norm={norm!r} is not supported: use 'slaney' or None")
    if np.dtype(dtype) != np.float32:
        raise ValueError(f"dtype={np.dtype(dtype)} is not supported: Reprise computes float32")
    return {"n_mels": int(n_mels), "fmin": float(fmin), "fmax": None if fmax is None else float(fmax), "htk": bool(htk), "norm": "slaney" if norm else "none"}


def melspectrogram(
    *,
    y: np.ndarray | None = None,
    sr: float = 22050,
    S=None,
    n_fft: int = 2048,
    hop_length: int = 512,
    win_length: int | None = None,
    window: str = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    power: float = 2.0,
    **kwargs: Any,
) -> np.ndarray:
    """Mel spectrogram (``librosa.feature.melspectrogram``).

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)]
    sr : int, default 22050
        Sample rate in Hz.
    n_fft, hop_length, win_length, window, center, pad_mode
        The STFT, as :func:`reprise.stft` (``hop_length`` 512, about 23 ms at 22050 Hz).
    power : float, default 2.0
        Exponent of the magnitude (1 energy, 2 power).
    **kwargs
        The mel filter bank (``librosa.filters.mel``): ``n_mels=128``, ``fmin=0.0`` Hz,
        ``fmax=None`` (sr / 2), ``htk=False``, ``norm='slaney'`` (or ``None``).

    Returns
    -------
    S : np.ndarray [shape=(..., n_mels, n_frames), float32]

    With ``S=`` (a power spectrogram, ``(..., 1 + n_fft // 2, n_frames)``) the filter bank
    is applied to it and ``y`` is not needed.
    """
    opts = {"kind": "mel", "stft": _stft_options(n_fft, hop_length, win_length, window, center, pad_mode), "power": float(power), **_mel_options(dict(kwargs))}
    if S is not None:
        return from_spectrogram(S, sr, opts, "mel", 1 + n_fft // 2)
    _need_y(y)
    return features(y, sr, opts)


def mfcc(
    *,
    y: np.ndarray | None = None,
    sr: float = 22050,
    S=None,
    n_mfcc: int = 20,
    dct_type: int = 2,
    norm: str | None = "ortho",
    lifter: float = 0,
    mel_norm: str | None = "slaney",
    **kwargs: Any,
) -> np.ndarray:
    """Mel-frequency cepstral coefficients (``librosa.feature.mfcc``): orthonormal DCT-II of
    ``power_to_db`` of the mel spectrogram (``ref=1``, ``top_db=80``), optionally liftered.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)]
    sr : int, default 22050
    n_mfcc : int, default 20
        Number of coefficients.
    dct_type : 2
        Only DCT-II.
    norm : "ortho"
        Only the orthonormal DCT.
    lifter : float, default 0
        Sinusoidal liftering ``1 + (L/2) sin(pi (n+1) / L)``; 0 disables it.
    mel_norm : "slaney" or None
        The mel filters' normalisation.
    **kwargs
        As :func:`melspectrogram` (``n_fft``, ``hop_length``, ``n_mels``, ``fmin``, ...).

    Returns
    -------
    M : np.ndarray [shape=(..., n_mfcc, n_frames), float32]

    With ``S=`` (a log-power mel spectrogram, e.g. ``power_to_db(melspectrogram(...))``)
    the DCT is taken of it directly.
    """
    no_unsupported(dct_type=(dct_type, 2), norm=(norm, "ortho"))
    kw = dict(kwargs)
    stft = _stft_options(
        kw.pop("n_fft", 2048), kw.pop("hop_length", 512), kw.pop("win_length", None), kw.pop("window", "hann"), kw.pop("center", True), kw.pop("pad_mode", "constant")
    )
    power = kw.pop("power", 2.0)
    kw.setdefault("norm", mel_norm)
    opts = {"kind": "mfcc", "stft": stft, "power": float(power), "n_mfcc": int(n_mfcc), "lifter": float(lifter), **_mel_options(kw)}
    if S is not None:
        # S: a log-power mel spectrogram; its rows are the mel bands
        s = np.asarray(S)
        opts["n_mels"] = int(s.shape[-2]) if s.ndim >= 2 else 0
        return from_spectrogram(S, sr, opts, "mfcc", None)
    _need_y(y)
    return features(y, sr, opts)


def chroma_stft(
    *,
    y: np.ndarray | None = None,
    sr: float = 22050,
    S=None,
    norm: float | None = np.inf,
    n_fft: int = 2048,
    hop_length: int = 512,
    win_length: int | None = None,
    window: str = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    tuning: float | None = None,
    n_chroma: int = 12,
    **kwargs: Any,
) -> np.ndarray:
    """Chromagram from the power STFT (``librosa.feature.chroma_stft``).

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)]
    sr : int, default 22050
    norm : np.inf
        Only per-frame max normalisation.
    n_fft, hop_length, win_length, window, center, pad_mode
        The STFT, as :func:`reprise.stft`.
    tuning : float or None, default None
        Offset in fractions of a chroma bin; ``None`` estimates it from the power spectrogram.
    n_chroma : int, default 12

    Returns
    -------
    chromagram : np.ndarray [shape=(..., n_chroma, n_frames), float32]

    With ``S=`` (a power spectrogram, ``(..., 1 + n_fft // 2, n_frames)``; ``n_fft`` is read
    from it) the chroma filters are applied to it, the tuning (if estimated) taken from ``S``.
    """
    if kwargs:
        raise TypeError(f"chroma_stft: unsupported parameter(s) {sorted(kwargs)}")
    if norm != np.inf:
        raise ValueError(f"norm={norm!r} is not supported (only np.inf)")
    opts = {
        "kind": "chroma-stft",
        "stft": _stft_options(n_fft, hop_length, win_length, window, center, pad_mode),
        "tuning": "estimate" if tuning is None else float(tuning),
        "n_chroma": int(n_chroma),
    }
    if S is not None:
        # as librosa: the FFT length is read from S
        opts["stft"]["n_fft"] = 2 * (int(np.shape(S)[-2]) - 1) if np.ndim(S) >= 2 else 0
        return from_spectrogram(S, sr, opts, "chroma-stft", None)
    _need_y(y)
    return features(y, sr, opts)


def _chroma_cqt_options(kind, hop_length, fmin, tuning, n_chroma, n_octaves, bins_per_octave, cqt_mode, window) -> dict:
    no_unsupported(cqt_mode=(cqt_mode, "full"), window=(window, None))
    return {
        "kind": kind,
        "stft": {"hop_length": int(hop_length)},
        "tuning": "estimate" if tuning is None else float(tuning),
        "n_chroma": int(n_chroma),
        "cqt": {"fmin": None if fmin is None else float(fmin), "n_octaves": int(n_octaves), "bins_per_octave": int(bins_per_octave)},
    }


def chroma_cqt(
    *,
    y: np.ndarray | None = None,
    sr: float = 22050,
    C=None,
    hop_length: int = 512,
    fmin: float | None = None,
    norm: float | None = np.inf,
    threshold: float = 0.0,
    tuning: float | None = None,
    n_chroma: int = 12,
    n_octaves: int = 7,
    window=None,
    bins_per_octave: int = 36,
    cqt_mode: str = "full",
) -> np.ndarray:
    """Chromagram from the constant-Q transform (``librosa.feature.chroma_cqt``): the
    magnitudes of a ``n_octaves * bins_per_octave``-bin CQT folded to ``n_chroma`` pitch
    classes, max-normalised per frame.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)]
    sr : int, default 22050
    hop_length : int, default 512
    fmin : float or None, default None (C1, 32.70 Hz)
    norm : np.inf
        Only per-frame max normalisation.
    threshold : 0.0
        Only 0.
    tuning : float or None, default None
        ``None`` estimates it from ``y``.
    n_chroma : int, default 12
    n_octaves : int, default 7
    bins_per_octave : int, default 36
        A multiple of ``n_chroma``.
    cqt_mode : "full"; window : None

    Returns
    -------
    chromagram : np.ndarray [shape=(..., n_chroma, n_frames), float32]

    With ``C=`` (CQT magnitudes ``(..., n_octaves * bins_per_octave, n_frames)``, e.g.
    ``np.abs(reprise.cqt(y, n_bins=252, bins_per_octave=36))``) they are folded as they are and
    ``y`` is not needed; a complex ``C`` raises ``ValueError`` (librosa would fold the
    complex values).
    """
    if norm != np.inf:
        raise ValueError(f"norm={norm!r} is not supported (only np.inf)")
    no_unsupported(threshold=(threshold, 0.0))
    opts = _chroma_cqt_options("chroma-cqt", hop_length, fmin, tuning, n_chroma, n_octaves, bins_per_octave, cqt_mode, window)
    if C is not None:
        return _from_cqt(C, sr, opts, "chroma-cqt", bins_per_octave)
    _need_y(y)
    return features(y, sr, opts)


def _from_cqt(C, sr, opts, what, bins_per_octave):
    """A chromagram of CQT magnitudes already computed, ``n_octaves`` read from them."""
    mag = np.asarray(C)
    if np.iscomplexobj(mag):
        # librosa folds a complex C as it is (complex chroma); Reprise asks for the magnitudes
        raise ValueError("C must be CQT magnitudes: pass np.abs(C) (librosa would fold the complex values themselves)")
    if mag.ndim < 2 or mag.shape[-2] % int(bins_per_octave) != 0:
        raise ValueError(f"C must be a CQT (..., n_bins, n_frames) with n_bins a multiple of bins_per_octave={bins_per_octave}, got shape {mag.shape}")
    opts["cqt"]["n_octaves"] = mag.shape[-2] // int(bins_per_octave)
    return from_spectrogram(mag, sr, opts, what, None)


def chroma_cens(
    *,
    y: np.ndarray | None = None,
    sr: float = 22050,
    C=None,
    hop_length: int = 512,
    fmin: float | None = None,
    tuning: float | None = None,
    n_chroma: int = 12,
    n_octaves: int = 7,
    bins_per_octave: int = 36,
    cqt_mode: str = "full",
    window=None,
    norm: int | None = 2,
    win_len_smooth: int | None = 41,
    smoothing_window: str = "hann",
) -> np.ndarray:
    """Chroma energy normalised statistics (``librosa.feature.chroma_cens``). Only librosa's
    defaults for ``norm`` (2), ``win_len_smooth`` (41) and ``smoothing_window`` ('hann');
    other parameters as :func:`chroma_cqt` (including ``C=`` CQT magnitudes).

    Returns
    -------
    cens : np.ndarray [shape=(..., n_chroma, n_frames), float32]
    """
    no_unsupported(norm=(norm, 2), win_len_smooth=(win_len_smooth, 41), smoothing_window=(smoothing_window, "hann"))
    opts = _chroma_cqt_options("chroma-cens", hop_length, fmin, tuning, n_chroma, n_octaves, bins_per_octave, cqt_mode, window)
    if C is not None:
        return _from_cqt(C, sr, opts, "chroma-cens", bins_per_octave)
    _need_y(y)
    return features(y, sr, opts)


def _descriptor(kind, y, S, sr, n_fft, hop_length, win_length, window, center, pad_mode, extra=None):
    opts = {"kind": kind, "stft": _stft_options(n_fft, hop_length, win_length, window, center, pad_mode), **(extra or {})}
    if S is not None:
        # as librosa: a magnitude spectrogram; the FFT length is read from it
        if np.iscomplexobj(S):
            raise ValueError(f"spectral_{kind}: S must be a real, non-negative magnitude spectrogram (take np.abs(D))")
        return from_spectrogram(S, sr, opts, "descriptor", None)
    _need_y(y)
    return features(y, sr, opts)


def spectral_centroid(*, y=None, sr=22050, S=None, n_fft=2048, hop_length=512, freq=None, win_length=None, window="hann", center=True, pad_mode="constant"):
    """Magnitude-weighted mean frequency per frame, Hz (``librosa.feature.spectral_centroid``).

    Returns ``np.ndarray [shape=(..., 1, n_frames), float32]``. Only ``freq=None``."""
    no_unsupported(freq=(freq, None))
    return _descriptor("centroid", y, S, sr, n_fft, hop_length, win_length, window, center, pad_mode)


def spectral_bandwidth(*, y=None, sr=22050, S=None, n_fft=2048, hop_length=512, win_length=None, window="hann", center=True, pad_mode="constant", freq=None, centroid=None, norm=True, p=2):
    """``(sum S |f - centroid|^p / sum S)^(1/p)`` per frame, Hz
    (``librosa.feature.spectral_bandwidth``). Only ``p=2``, ``norm=True``, ``freq=None``,
    ``centroid=None``."""
    no_unsupported(freq=(freq, None), centroid=(centroid, None), norm=(norm, True), p=(p, 2))
    return _descriptor("bandwidth", y, S, sr, n_fft, hop_length, win_length, window, center, pad_mode)


def spectral_rolloff(*, y=None, sr=22050, S=None, n_fft=2048, hop_length=512, win_length=None, window="hann", center=True, pad_mode="constant", freq=None, roll_percent=0.85):
    """Frequency below which ``roll_percent`` of each frame's magnitude lies, Hz
    (``librosa.feature.spectral_rolloff``). Only ``freq=None``."""
    no_unsupported(freq=(freq, None))
    return _descriptor("rolloff", y, S, sr, n_fft, hop_length, win_length, window, center, pad_mode, {"roll_percent": float(roll_percent)})


def spectral_flatness(*, y=None, S=None, n_fft=2048, hop_length=512, win_length=None, window="hann", center=True, pad_mode="constant", amin=1e-10, power=2.0):
    """Geometric over arithmetic mean of ``max(amin, |X|^power)`` per frame
    (``librosa.feature.spectral_flatness``). Only ``amin=1e-10``, ``power=2.0``."""
    no_unsupported(amin=(amin, 1e-10), power=(power, 2.0))
    return _descriptor("flatness", y, S, 22050, n_fft, hop_length, win_length, window, center, pad_mode)


def zero_crossing_rate(y, *, frame_length=2048, hop_length=512, center=True, **kwargs):
    """Fraction of sign changes per frame (``librosa.feature.zero_crossing_rate``); centred
    frames are edge-padded, as librosa does. Only librosa's ``threshold`` (1e-10) and
    ``ref_magnitude`` (None)."""
    if kwargs:
        raise TypeError(f"zero_crossing_rate: unsupported parameter(s) {sorted(kwargs)}")
    opts = {"kind": "zcr", "stft": {"n_fft": int(frame_length), "hop_length": int(hop_length), "center": bool(center)}}
    return features(y, 22050, opts)


def rms(*, y=None, S=None, frame_length=2048, hop_length=512, center=True, pad_mode="constant", dtype=np.float32):
    """Root-mean-square energy per frame (``librosa.feature.rms``), zero-padded when centred.
    Only ``y=``, ``pad_mode='constant'`` and float32."""
    no_unsupported(pad_mode=(pad_mode, "constant"))
    if np.dtype(dtype) != np.float32:
        raise ValueError(f"dtype={np.dtype(dtype)} is not supported: Reprise computes float32")
    opts = {"kind": "rms", "stft": {"n_fft": int(frame_length), "hop_length": int(hop_length), "center": bool(center)}}
    if S is not None:
        # a magnitude spectrogram with frame_length // 2 + 1 rows (Parseval)
        return from_spectrogram(np.abs(np.asarray(S)), 22050, opts, "rms", None)
    _need_y(y)
    return features(y, 22050, opts)


from . import inverse  # noqa: E402
