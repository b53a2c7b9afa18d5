"""Frame-level features with ``librosa.feature``'s signatures, names and defaults.

Each takes ``y=`` (the signal) or, where librosa does, a spectrogram already computed
(``S=``, ``C=``). Parameters Reprise does not support at a value other than librosa's
default raise ``ValueError``; unknown ones raise ``TypeError``.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .. import _DOC_CENTER, _DOC_PAD_MODE, _DOC_WIN_LENGTH, _DOC_WINDOW, _fill_doc, _stft_options
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
    "cae",
]


# Parameter documentation shared by several functions (see reprise._fill_doc).

_DOC_Y = """
y : np.ndarray [shape=(..., n)] or None, default None
    Audio time series (floating point), the signal on the last axis; leading axes
    (channels, batches) are computed in parallel and kept. Integer, empty or
    non-finite input raises ``ValueError``.
"""

_DOC_SR = """
sr : number > 0, default 22050
    Sample rate of ``y`` in Hz (used as an integer).
"""

_DOC_N_FFT = """
n_fft : int >= 2, default 2048
    FFT length in samples (2048 is about 93 ms at 22050 Hz); the STFT has
    ``1 + n_fft // 2`` frequency bins.
"""

_DOC_HOP = """
hop_length : int > 0, default 512
    Number of samples between successive frames (512 is about 23 ms at 22050 Hz).
"""

# the spectral descriptors: S= is a magnitude spectrogram
_DOC_DESCRIPTOR_S = """
S : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames)] or None, default None
    A magnitude spectrogram (e.g. ``np.abs(reprise.stft(y))``) instead of ``y``:
    real, non-negative and finite (complex or negative input raises
    ``ValueError``). The FFT length is read from its number of rows, as librosa
    does, and the STFT parameters are not used.
"""

_DOC_FREQ = """
freq : {None}, default None
    librosa's centre frequencies of the bins (an array, e.g. from a reassigned
    spectrogram). Only ``None``: the FFT bins' frequencies ``f * sr / n_fft`` Hz;
    anything else raises ``ValueError``.
"""

_DOC_DESCRIPTOR_RAISES = """
TypeError
    Neither ``y`` nor ``S`` is given.
ValueError
    ``y`` is not valid audio; ``S`` is complex, negative, non-finite or has fewer
    than 2 dimensions; a framing parameter is out of range; or a parameter
    documented above as taking only one value has another.
"""

# chroma_cqt and chroma_cens
_DOC_CHROMA_CQT = """
C : np.ndarray [shape=(..., n_octaves * bins_per_octave, n_frames)] or None, default None
    CQT magnitudes already computed, instead of ``y`` (e.g.
    ``np.abs(reprise.cqt(y, n_bins=252, bins_per_octave=36))``): they are folded as
    they are, ``n_octaves`` is read from their number of rows, and ``y`` is not
    needed. A complex ``C`` raises ``ValueError`` (librosa would fold the complex
    values).
hop_length : int > 0, default 512
    Number of samples between successive frames of the CQT of ``y`` (512 is about
    23 ms at 22050 Hz).
fmin : float > 0 or None, default None
    Centre frequency in Hz of the CQT's lowest bin; ``None`` uses C1 (about
    32.70 Hz).
"""

_DOC_CHROMA_TUNING = """
tuning : float or None, default None
    Deviation from A440 tuning in fractions of a CQT bin; ``None`` estimates it from
    ``y`` (:func:`reprise.estimate_tuning`). Not used with ``C=``.
n_chroma : int, default 12
    Number of chroma bins (pitch classes) in the output.
n_octaves : int, default 7
    Number of octaves of the CQT above ``fmin`` (with ``C=``, read from ``C``).
"""

_DOC_CHROMA_BPO = """
bins_per_octave : int, default 36
    Bins per octave of the CQT (36 is 3 per semitone); a multiple of ``n_chroma``,
    or ``ValueError`` is raised.
"""

_DOC_CQT_MODE = """
cqt_mode : {"full"}, default "full"
    The CQT computed from ``y``. Only ``"full"`` (:func:`reprise.cqt`); librosa's
    ``"hybrid"`` raises ``ValueError``.
"""

_DOC_CHROMA_WINDOW = """
window : {None}, default None
    librosa's window applied to the CQT-to-chroma mapping. Only ``None``; an array
    raises ``ValueError``.
"""


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


@_fill_doc(y=_DOC_Y, sr=_DOC_SR, n_fft=_DOC_N_FFT, hop_length=_DOC_HOP, win_length=_DOC_WIN_LENGTH, window=_DOC_WINDOW, center=_DOC_CENTER, pad_mode=_DOC_PAD_MODE)
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
    """Mel spectrogram (``librosa.feature.melspectrogram``): the magnitude STFT raised to
    ``power``, times the mel filter bank (:func:`reprise.filters.mel`).

    Parameters
    ----------
    {y}
    {sr}
    S : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames)] or None, default None
        A spectrogram already computed (usually power, ``np.abs(D) ** 2``), instead of
        ``y``: the filter bank is applied to it as it is (``power`` is not applied),
        and ``y`` is not needed. Its number of rows must be ``1 + n_fft // 2``, and it
        must be real and finite (or ``ValueError``).
    {n_fft}
    {hop_length}
    {win_length}
    {window}
    {center}
    {pad_mode}
    power : float > 0, default 2.0
        Exponent of the STFT magnitude: 1 for energy (magnitude), 2 for power.
    **kwargs
        The mel filter bank (``librosa.filters.mel``): ``n_mels=128`` bands,
        ``fmin=0.0`` Hz, ``fmax=None`` Hz (``sr / 2``), ``htk=False`` (Slaney's mel
        scale; True: HTK's), ``norm="slaney"`` (or ``None``; other norms raise
        ``ValueError``), ``dtype=np.float32`` (only float32). Any other name raises
        ``TypeError``.

    Returns
    -------
    S : np.ndarray [shape=(..., n_mels, n_frames), float32]

    With ``S=`` (a power spectrogram, ``(..., 1 + n_fft // 2, n_frames)``) the filter bank
    is applied to it and ``y`` is not needed.

    Raises
    ------
    TypeError
        Neither ``y`` nor ``S`` is given, or an unknown keyword argument.
    ValueError
        ``y`` is not valid audio; ``S`` is complex, non-finite or has the wrong number
        of rows; a parameter is out of range (e.g. ``fmax`` above ``sr / 2``) or not
        supported.
    """
    opts = {"kind": "mel", "stft": _stft_options(n_fft, hop_length, win_length, window, center, pad_mode), "power": float(power), **_mel_options(dict(kwargs))}
    if S is not None:
        return from_spectrogram(S, sr, opts, "mel", 1 + n_fft // 2)
    _need_y(y)
    return features(y, sr, opts)


@_fill_doc(y=_DOC_Y, sr=_DOC_SR)
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
    {y}
    {sr}
    S : np.ndarray [shape=(..., n_mels, n_frames)] or None, default None
        A log-power mel spectrogram instead of ``y`` (e.g.
        ``reprise.power_to_db(melspectrogram(...))``); the DCT is taken of it directly
        and its rows are the mel bands. Real and finite, or ``ValueError``.
    n_mfcc : int, default 20
        Number of coefficients.
    dct_type : {2}, default 2
        Type of the discrete cosine transform. Only 2 (DCT-II, librosa's default);
        anything else raises ``ValueError``.
    norm : {"ortho"}, default "ortho"
        Normalisation of the DCT. Only ``"ortho"`` (the orthonormal basis, librosa's
        default); anything else, ``None`` included, raises ``ValueError``.
    lifter : float >= 0, default 0
        Sinusoidal liftering (cepstral filtering): coefficient ``n`` is multiplied by
        ``1 + (L/2) sin(pi (n+1) / L)`` with ``L = lifter``; 0 disables it.
    mel_norm : {"slaney", None}, default "slaney"
        The mel filters' normalisation (``norm`` of :func:`reprise.filters.mel`):
        ``"slaney"`` (area normalisation: each triangle scaled by 2 over its width in
        Hz) or ``None``; others
        raise ``ValueError``. Not used with ``S=``.
    **kwargs
        As :func:`melspectrogram` (``n_fft``, ``hop_length``, ``n_mels``, ``fmin``, ...):
        the STFT (``n_fft=2048``, ``hop_length=512``, ``win_length``, ``window``,
        ``center``, ``pad_mode``), ``power=2.0`` and the mel filter bank (``n_mels=128``,
        ``fmin=0.0`` Hz, ``fmax=None``, ``htk=False``, ``dtype=np.float32``). Any
        other name raises ``TypeError``.

    Returns
    -------
    M : np.ndarray [shape=(..., n_mfcc, n_frames), float32]

    With ``S=`` (a log-power mel spectrogram, e.g. ``power_to_db(melspectrogram(...))``)
    the DCT is taken of it directly.

    Raises
    ------
    TypeError
        Neither ``y`` nor ``S`` is given, or an unknown keyword argument.
    ValueError
        ``dct_type`` other than 2, ``norm`` other than ``"ortho"``, a negative
        ``lifter``, invalid audio, or a parameter out of range or unsupported.
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


@_fill_doc(y=_DOC_Y, sr=_DOC_SR, n_fft=_DOC_N_FFT, hop_length=_DOC_HOP, win_length=_DOC_WIN_LENGTH, window=_DOC_WINDOW, center=_DOC_CENTER, pad_mode=_DOC_PAD_MODE)
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
    """Chromagram from the power STFT (``librosa.feature.chroma_stft``): the power
    spectrogram times the chroma filter bank (:func:`reprise.filters.chroma`),
    max-normalised per frame.

    Parameters
    ----------
    {y}
    {sr}
    S : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames)] or None, default None
        A power spectrogram instead of ``y``: ``n_fft`` is read from its number of
        rows (the ``n_fft`` given is not used), the chroma filters are applied to it,
        and the tuning, if estimated, is taken from it. Real and finite, or
        ``ValueError``.
    norm : {np.inf}, default np.inf
        Normalisation of each frame's chroma vector. Only ``np.inf`` (max norm,
        librosa's default); anything else, ``None`` included, raises ``ValueError``.
    {n_fft}
    {hop_length}
    {win_length}
    {window}
    {center}
    {pad_mode}
    tuning : float or None, default None
        Offset in fractions of a chroma bin; ``None`` estimates it from the power spectrogram.
    n_chroma : int, default 12
        Number of chroma bins (pitch classes) in the output.
    **kwargs
        librosa passes these to the chroma filter bank (``ctroct``, ``octwidth``,
        ``base_c``, ...). None are supported: any raises ``TypeError`` (Reprise uses
        :func:`reprise.filters.chroma`'s defaults).

    Returns
    -------
    chromagram : np.ndarray [shape=(..., n_chroma, n_frames), float32]

    With ``S=`` (a power spectrogram, ``(..., 1 + n_fft // 2, n_frames)``; ``n_fft`` is read
    from it) the chroma filters are applied to it, the tuning (if estimated) taken from ``S``.

    Raises
    ------
    TypeError
        Neither ``y`` nor ``S`` is given, or any keyword argument in ``**kwargs``.
    ValueError
        ``norm`` other than ``np.inf``; invalid audio; ``S`` complex or non-finite; or a
        parameter out of range or unsupported.
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


@_fill_doc(y=_DOC_Y, sr=_DOC_SR, chroma_cqt=_DOC_CHROMA_CQT, chroma_tuning=_DOC_CHROMA_TUNING, bins_per_octave=_DOC_CHROMA_BPO, cqt_mode=_DOC_CQT_MODE, window=_DOC_CHROMA_WINDOW)
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
    {y}
    {sr}
    {chroma_cqt}
    norm : {np.inf}, default np.inf
        Normalisation of each frame's chroma vector. Only ``np.inf`` (per-frame max
        normalisation, librosa's default); anything else, ``None`` included, raises
        ``ValueError``.
    threshold : {0.0}, default 0.0
        librosa's energy threshold below which values are discarded before
        normalisation. Only 0 (nothing discarded); anything else raises
        ``ValueError``.
    {chroma_tuning}
    {window}
    {bins_per_octave}
    {cqt_mode}

    Returns
    -------
    chromagram : np.ndarray [shape=(..., n_chroma, n_frames), float32]

    With ``C=`` (CQT magnitudes ``(..., n_octaves * bins_per_octave, n_frames)``, e.g.
    ``np.abs(reprise.cqt(y, n_bins=252, bins_per_octave=36))``) they are folded as they are and
    ``y`` is not needed; a complex ``C`` raises ``ValueError`` (librosa would fold the
    complex values).

    Raises
    ------
    TypeError
        Neither ``y`` nor ``C`` is given.
    ValueError
        A complex ``C``, or one whose rows are not a multiple of ``bins_per_octave``;
        ``bins_per_octave`` not a multiple of ``n_chroma``; invalid audio; or ``norm``,
        ``threshold``, ``cqt_mode`` or ``window`` other than the values above.
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


@_fill_doc(y=_DOC_Y, sr=_DOC_SR, chroma_cqt=_DOC_CHROMA_CQT, chroma_tuning=_DOC_CHROMA_TUNING, bins_per_octave=_DOC_CHROMA_BPO, cqt_mode=_DOC_CQT_MODE, window=_DOC_CHROMA_WINDOW)
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
    """Chroma energy normalised statistics (``librosa.feature.chroma_cens``): the
    :func:`chroma_cqt` chromagram (before normalisation) L1-normalised per frame,
    quantised (a quarter for each of the thresholds 0.05, 0.1, 0.2 and 0.4 a value
    exceeds), smoothed in time and L2-normalised per frame.

    Only librosa's defaults for ``norm`` (2), ``win_len_smooth`` (41) and
    ``smoothing_window`` ('hann'); other parameters as :func:`chroma_cqt` (including
    ``C=`` CQT magnitudes).

    Parameters
    ----------
    {y}
    {sr}
    {chroma_cqt}
    {chroma_tuning}
    {bins_per_octave}
    {cqt_mode}
    {window}
    norm : {2}, default 2
        Normalisation of each frame after smoothing. Only 2 (L2, librosa's default);
        anything else raises ``ValueError``.
    win_len_smooth : {41}, default 41
        Length in frames of the temporal smoothing window. Only 41 (librosa's
        default); anything else, ``None`` included, raises ``ValueError``.
    smoothing_window : {"hann"}, default "hann"
        Shape of the smoothing window. Only ``"hann"``; anything else raises
        ``ValueError``.

    Returns
    -------
    cens : np.ndarray [shape=(..., n_chroma, n_frames), float32]

    Raises
    ------
    TypeError
        Neither ``y`` nor ``C`` is given.
    ValueError
        As :func:`chroma_cqt`, and ``norm``, ``win_len_smooth`` or
        ``smoothing_window`` other than librosa's defaults.
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


@_fill_doc(y=_DOC_Y, sr=_DOC_SR, S=_DOC_DESCRIPTOR_S, n_fft=_DOC_N_FFT, hop_length=_DOC_HOP, freq=_DOC_FREQ, raises=_DOC_DESCRIPTOR_RAISES, win_length=_DOC_WIN_LENGTH, window=_DOC_WINDOW, center=_DOC_CENTER, pad_mode=_DOC_PAD_MODE)
def spectral_centroid(*, y=None, sr=22050, S=None, n_fft=2048, hop_length=512, freq=None, win_length=None, window="hann", center=True, pad_mode="constant"):
    """Magnitude-weighted mean frequency per frame, Hz (``librosa.feature.spectral_centroid``).

    Returns ``np.ndarray [shape=(..., 1, n_frames), float32]``. Only ``freq=None``.

    Parameters
    ----------
    {y}
    {sr}
    {S}
    {n_fft}
    {hop_length}
    {freq}
    {win_length}
    {window}
    {center}
    {pad_mode}

    Returns
    -------
    centroid : np.ndarray [shape=(..., 1, n_frames), float32]
        ``sum_f S[f] * freq[f] / sum_f S[f]`` per frame, in Hz.

    Raises
    ------
    {raises}
    """
    no_unsupported(freq=(freq, None))
    return _descriptor("centroid", y, S, sr, n_fft, hop_length, win_length, window, center, pad_mode)


@_fill_doc(y=_DOC_Y, sr=_DOC_SR, S=_DOC_DESCRIPTOR_S, n_fft=_DOC_N_FFT, hop_length=_DOC_HOP, freq=_DOC_FREQ, raises=_DOC_DESCRIPTOR_RAISES, win_length=_DOC_WIN_LENGTH, window=_DOC_WINDOW, center=_DOC_CENTER, pad_mode=_DOC_PAD_MODE)
def spectral_bandwidth(*, y=None, sr=22050, S=None, n_fft=2048, hop_length=512, win_length=None, window="hann", center=True, pad_mode="constant", freq=None, centroid=None, norm=True, p=2):
    """``(sum S |f - centroid|^p / sum S)^(1/p)`` per frame, Hz
    (``librosa.feature.spectral_bandwidth``). Only ``p=2``, ``norm=True``, ``freq=None``,
    ``centroid=None``.

    Parameters
    ----------
    {y}
    {sr}
    {S}
    {n_fft}
    {hop_length}
    {win_length}
    {window}
    {center}
    {pad_mode}
    {freq}
    centroid : {None}, default None
        librosa's precomputed centroids. Only ``None``: the centroid is computed from
        the same spectrogram (:func:`spectral_centroid`); an array raises
        ``ValueError``.
    norm : {True}, default True
        Normalise each frame's spectrum to sum to one before the weighting. Only
        ``True`` (librosa's default); ``False`` raises ``ValueError``.
    p : {2}, default 2
        Order of the deviation ``|f - centroid| ** p``. Only 2 (librosa's default:
        the standard deviation about the centroid); anything else raises
        ``ValueError``.

    Returns
    -------
    bandwidth : np.ndarray [shape=(..., 1, n_frames), float32]
        In Hz.

    Raises
    ------
    {raises}
    """
    no_unsupported(freq=(freq, None), centroid=(centroid, None), norm=(norm, True), p=(p, 2))
    return _descriptor("bandwidth", y, S, sr, n_fft, hop_length, win_length, window, center, pad_mode)


@_fill_doc(y=_DOC_Y, sr=_DOC_SR, S=_DOC_DESCRIPTOR_S, n_fft=_DOC_N_FFT, hop_length=_DOC_HOP, freq=_DOC_FREQ, raises=_DOC_DESCRIPTOR_RAISES, win_length=_DOC_WIN_LENGTH, window=_DOC_WINDOW, center=_DOC_CENTER, pad_mode=_DOC_PAD_MODE)
def spectral_rolloff(*, y=None, sr=22050, S=None, n_fft=2048, hop_length=512, win_length=None, window="hann", center=True, pad_mode="constant", freq=None, roll_percent=0.85):
    """Frequency below which ``roll_percent`` of each frame's magnitude lies, Hz
    (``librosa.feature.spectral_rolloff``). Only ``freq=None``.

    Parameters
    ----------
    {y}
    {sr}
    {S}
    {n_fft}
    {hop_length}
    {win_length}
    {window}
    {center}
    {pad_mode}
    {freq}
    roll_percent : float in (0, 1), default 0.85
        The fraction of each frame's total magnitude that lies at or below the
        roll-off frequency.

    Returns
    -------
    rolloff : np.ndarray [shape=(..., 1, n_frames), float32]
        The centre frequency, in Hz, of the first bin at which the cumulative magnitude
        reaches ``roll_percent`` of the frame's total.

    Raises
    ------
    {raises}
        Also ``roll_percent`` outside ``(0, 1)``.
    """
    no_unsupported(freq=(freq, None))
    return _descriptor("rolloff", y, S, sr, n_fft, hop_length, win_length, window, center, pad_mode, {"roll_percent": float(roll_percent)})


@_fill_doc(y=_DOC_Y, sr=_DOC_SR, S=_DOC_DESCRIPTOR_S, n_fft=_DOC_N_FFT, hop_length=_DOC_HOP, freq=_DOC_FREQ, raises=_DOC_DESCRIPTOR_RAISES, win_length=_DOC_WIN_LENGTH, window=_DOC_WINDOW, center=_DOC_CENTER, pad_mode=_DOC_PAD_MODE)
def spectral_flatness(*, y=None, S=None, n_fft=2048, hop_length=512, win_length=None, window="hann", center=True, pad_mode="constant", amin=1e-10, power=2.0):
    """Geometric over arithmetic mean of ``max(amin, |X|^power)`` per frame
    (``librosa.feature.spectral_flatness``). Only ``amin=1e-10``, ``power=2.0``.

    Parameters
    ----------
    {y}
    {S}
    {n_fft}
    {hop_length}
    {win_length}
    {window}
    {center}
    {pad_mode}
    amin : {1e-10}, default 1e-10
        Floor applied to ``|X| ** power`` (for numerical stability). Only 1e-10
        (librosa's default); anything else raises ``ValueError``.
    power : {2.0}, default 2.0
        Exponent of the magnitude spectrogram (2: power flatness). Only 2.0 (librosa's
        default); anything else raises ``ValueError``.

    Returns
    -------
    flatness : np.ndarray [shape=(..., 1, n_frames), float32]
        Between 0 (tonal) and 1 (white noise); no unit, so no ``sr`` is needed.

    Raises
    ------
    {raises}
    """
    no_unsupported(amin=(amin, 1e-10), power=(power, 2.0))
    return _descriptor("flatness", y, S, 22050, n_fft, hop_length, win_length, window, center, pad_mode)


def zero_crossing_rate(y, *, frame_length=2048, hop_length=512, center=True, **kwargs):
    """Fraction of sign changes per frame (``librosa.feature.zero_crossing_rate``); centred
    frames are edge-padded, as librosa does.

    Reprise counts crossings as librosa's defaults do: ``threshold=1e-10`` (samples
    with ``|y| <= 1e-10`` count as positive zero), ``ref_magnitude=None``,
    ``zero_pos=True``, and no crossing counted at a frame's first sample
    (``pad=False``).

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)]
        Audio time series (floating point); leading axes are computed in parallel and
        kept. Integer, empty or non-finite input raises ``ValueError``.
    frame_length : int > 0, default 2048
        Length of each frame in samples (2048 is about 93 ms at 22050 Hz).
    hop_length : int > 0, default 512
        Number of samples between successive frames (512 is about 23 ms at
        22050 Hz).
    center : bool, default True
        If True, the signal is padded by ``frame_length // 2`` samples at each end by
        repeating its edge samples, so that frame ``t`` is centred at sample
        ``t * hop_length``; if False, frame ``t`` starts there.
    **kwargs
        librosa's ``zero_crossings`` options (``threshold``, ``ref_magnitude``,
        ``pad``, ``zero_pos``, ...). None are accepted: any keyword, even at librosa's
        default value, raises ``TypeError``.

    Returns
    -------
    zcr : np.ndarray [shape=(..., 1, n_frames), float32]
        Fraction of the ``frame_length`` samples of each frame at which the sign
        changes (librosa returns float64).

    Raises
    ------
    TypeError
        Any keyword argument in ``**kwargs``.
    ValueError
        ``y`` is not valid audio, or a framing parameter is out of range.
    """
    if kwargs:
        raise TypeError(f"zero_crossing_rate: unsupported parameter(s) {sorted(kwargs)}")
    opts = {"kind": "zcr", "stft": {"n_fft": int(frame_length), "hop_length": int(hop_length), "center": bool(center)}}
    return features(y, 22050, opts)


def rms(*, y=None, S=None, frame_length=2048, hop_length=512, center=True, pad_mode="constant", dtype=np.float32):
    """Root-mean-square energy per frame (``librosa.feature.rms``), zero-padded when centred.
    Only ``pad_mode='constant'`` and float32; from ``y=`` or from a magnitude
    spectrogram ``S=``.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)] or None, default None
        Audio time series (floating point); leading axes are computed in parallel and
        kept. Integer, empty or non-finite input raises ``ValueError``.
    S : np.ndarray [shape=(..., frame_length // 2 + 1, n_frames)] or None, default None
        A magnitude spectrogram (e.g. ``np.abs(reprise.stft(y))``) instead of ``y``
        (complex input is taken in magnitude): the RMS is computed from it by
        Parseval's theorem, as librosa does. Its number of rows must be
        ``frame_length // 2 + 1``, or ``ValueError``.
    frame_length : int > 0, default 2048
        Length of each frame in samples (2048 is about 93 ms at 22050 Hz); with
        ``S=``, the FFT length ``S`` was computed with.
    hop_length : int > 0, default 512
        Number of samples between successive frames (512 is about 23 ms at
        22050 Hz).
    center : bool, default True
        If True, ``y`` is padded by ``frame_length // 2`` zeros at each end, so that
        frame ``t`` is centred at sample ``t * hop_length``; if False, frame ``t``
        starts there. Not used with ``S=``.
    pad_mode : {"constant"}, default "constant"
        Padding of centred frames. Only ``"constant"`` (zeros, librosa's default);
        anything else raises ``ValueError``.
    dtype : numpy dtype, default np.float32
        Data type of the output. Only float32; anything else raises ``ValueError``.

    Returns
    -------
    rms : np.ndarray [shape=(..., 1, n_frames), float32]
        The RMS of each frame, in the units of ``y``.

    Raises
    ------
    TypeError
        Neither ``y`` nor ``S`` is given.
    ValueError
        ``pad_mode`` other than ``"constant"``, ``dtype`` other than float32, invalid
        audio, ``S`` whose rows do not match ``frame_length``, or a framing parameter
        out of range.
    """
    no_unsupported(pad_mode=(pad_mode, "constant"))
    if np.dtype(dtype) != np.float32:
        raise ValueError(f"dtype={np.dtype(dtype)} is not supported: Reprise computes float32")
    opts = {"kind": "rms", "stft": {"n_fft": int(frame_length), "hop_length": int(hop_length), "center": bool(center)}}
    if S is not None:
        # a magnitude spectrogram with frame_length // 2 + 1 rows (Parseval)
        return from_spectrogram(np.abs(np.asarray(S)), 22050, opts, "rms", None)
    _need_y(y)
    return features(y, 22050, opts)


def cae(*, y: np.ndarray, sr: float = 22050, model: str | os.PathLike | None = None, phases: bool = False) -> np.ndarray:
    """Complex Autoencoder magnitudes: the pitch- and time-shift-invariant amplitudes of a
    trained CAE's complex bases, one column per frame of the model's CQT (``reprise features cae``).

    Not a librosa function. Each CQT frame (by default 120 bins, 24 per octave from 65.4 Hz,
    hop 1984 samples at 22050 Hz, about 90 ms) is standardised over its bins; column ``t``
    encodes the window of 32 frames centred on frame ``t`` (zeros past either end), so the
    output has the CQT's frames and time axis. Without ``model``, the piano model that ships
    inside Reprise is used (trained on Bach chorales rendered through a SoundFont).

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)]
        Audio time series (floating point) at the model's sample rate, the signal on the
        last axis; leading axes (channels, batches) are computed in parallel and kept.
        Integer, empty or non-finite input, or fewer than 2 samples, raises
        ``ValueError``.
    sr : number > 0, default 22050
        Sample rate of ``y`` in Hz (used as an integer). Must be the model's (22050 for
        the shipped model): Reprise does not resample here, so any other rate raises
        ``ValueError`` (load with ``reprise.load(path, sr=22050)``).
    model : str, os.PathLike or None, default None
        The CAE: a folder holding ``model.json`` and its weights (a run folder of
        ``reprise train --model cae``, with ``weights.bpk``, or an exported model, with
        ``weights.safetensors``). ``None``: the shipped piano model
        (``builtin:cae-piano``).
    phases : bool, default False
        Also return the phases of the complex bases (radians), as rows
        ``n_bases .. 2 * n_bases`` below the magnitudes.

    Returns
    -------
    M : np.ndarray [shape=(..., n_bases, n_frames) or (..., 2 * n_bases, n_frames), float32]
        The magnitudes (``n_bases`` = 256 for the shipped model), then, with
        ``phases=True``, the phases. ``n_frames`` is the CQT's frame count at hop 1984
        (as ``reprise.cqt(y, hop_length=1984)``: about ``len(y) / 1984 + 1``).

    Raises
    ------
    ValueError
        ``sr`` other than the model's; ``y`` not valid audio; or a ``model`` folder that
        is not a CAE (no or a damaged ``model.json``, a model of another kind, missing or
        damaged weights): the message names the file.

    References
    ----------
    Lattner, S., Dörfler, M., & Arzt, A. (2019). Learning complex basis functions for
    invariant representations of audio. In Proceedings of the 20th International
    Society for Music Information Retrieval Conference (ISMIR), Delft.

    Examples
    --------
    >>> import numpy as np, reprise
    >>> y = np.sin(2 * np.pi * 261.63 * np.arange(22050) / 22050).astype(np.float32)
    >>> reprise.feature.cae(y=y, sr=22050).shape
    (256, 12)
    >>> reprise.feature.cae(y=y, phases=True).shape
    (512, 12)
    """
    opts: dict = {"kind": "cae", "phases": bool(phases)}
    if model is not None:
        opts["model"] = os.fspath(model)
    return features(y, sr, opts)


from . import inverse  # noqa: E402
