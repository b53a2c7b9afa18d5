"""Reprise: music representations computed in Rust, with librosa's signatures.

``import reprise as librosa`` runs a script that uses only the functions below, with
results within the tolerances the Rust tests document (README, "Correctness"). A
parameter Reprise does not support raises ``TypeError`` or ``ValueError``; nothing is
silently ignored.

Arrays follow librosa: the signal on the last axis; leading axes (channels, batches) are
computed in parallel and kept in the output. float64 input is converted to float32
(Reprise computes in float32, as librosa's default ``dtype``).

>>> import numpy as np, reprise
>>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050).astype(np.float32)
>>> reprise.stft(y).shape
(1025, 44)
"""

from __future__ import annotations

import json
import textwrap
from typing import Any, Callable

import numpy as np

from . import _reprise
from ._common import check_int, features, no_unsupported, signal

__all__ = [
    "load",
    "stft",
    "istft",
    "cqt",
    "vqt",
    "hybrid_cqt",
    "pseudo_cqt",
    "icqt",
    "griffinlim",
    "filters",
    "power_to_db",
    "amplitude_to_db",
    "estimate_tuning",
    "piptrack",
    "pyin",
    "feature",
    "scattering",
    "spec",
    "__version__",
]

__version__ = _reprise.version()


# -- shared parameter documentation ----------------------------------------------------
#
# Several functions take the same parameters (the STFT's framing, the constant-Q filter
# bank). Their numpydoc entries are written once here and put into each docstring by
# `_fill_doc`: a docstring line that holds only ``{NAME}`` is replaced by the text
# ``NAME=`` gives, indented as that line. Only ``__doc__`` is touched.


def _fill_doc(**parts: str):
    """Decorator: fills the ``{NAME}`` lines of a function's or class's docstring."""

    def fill(obj):
        doc = obj.__doc__
        if not doc:  # python -OO strips docstrings
            return obj
        lines = []
        for line in doc.splitlines():
            key = line.strip()
            if key.startswith("{") and key.endswith("}") and key[1:-1] in parts:
                indent = line[: len(line) - len(line.lstrip())]
                text = textwrap.dedent(parts[key[1:-1]]).strip("\n")
                lines.extend(indent + t if t else t for t in text.splitlines())
            else:
                lines.append(line)
        obj.__doc__ = "\n".join(lines)
        return obj

    return fill


_DOC_Y = """
y : np.ndarray [shape=(..., n), floating point]
    Audio time series, the signal on the last axis; leading axes (channels, batches)
    are computed in parallel and kept. float64 is converted to float32. Integer,
    empty or non-finite input raises ``ValueError`` (as librosa's ``valid_audio``).
"""

_DOC_WIN_LENGTH = """
win_length : int or None, default None
    Length of the analysis window in samples, 1 to ``n_fft``; a shorter window is
    zero-padded on both sides to ``n_fft``. ``None`` uses ``win_length = n_fft``.
"""

_DOC_WINDOW = """
window : str, default "hann"
    The analysis window, periodic (DFT-even, as ``scipy.signal.get_window(...,
    fftbins=True)`` makes it): ``"hann"`` (or ``"hanning"``), ``"hamming"``,
    ``"blackman"``, or ``"rectangular"`` (or ``"boxcar"``, ``"ones"``). librosa also
    takes tuples, numbers, functions and arrays; Reprise takes only these names,
    anything else raises ``ValueError``.
"""

_DOC_CENTER = """
center : bool, default True
    If True, the signal is padded by ``n_fft // 2`` samples at each end, so that frame
    ``t`` is centred at sample ``t * hop_length``; if False, frame ``t`` starts at
    sample ``t * hop_length``.
"""

_DOC_PAD_MODE = """
pad_mode : str, default "constant"
    How the ends are padded when ``center=True``: ``"constant"`` (zeros),
    ``"reflect"`` or ``"edge"``. librosa passes any ``numpy.pad`` mode; the others
    raise ``ValueError`` here.
"""

# the constant-Q family (cqt, vqt, hybrid_cqt, pseudo_cqt, icqt)

_DOC_CQT_SR = """
sr : number > 0, default 22050
    Sample rate in Hz (used as an integer).
"""

_DOC_CQT_HOP = """
hop_length : int > 0, default 512
    Number of samples between successive frames (512 is about 23 ms at 22050 Hz). As
    librosa 0.11 does, the signal is halved in rate after an octave only while the
    hop stays even, so a hop divisible by ``2 ** (n_octaves - 1)`` lets every octave
    run at its lowest rate; any positive hop is accepted.
"""

_DOC_CQT_FMIN = """
fmin : float > 0 or None, default None
    Centre frequency of the lowest bin in Hz, before the tuning correction; ``None``
    uses C1 (about 32.70 Hz). The highest bin must stay below the Nyquist frequency
    ``sr / 2``, or ``ValueError`` is raised.
"""

_DOC_CQT_N_BINS = """
n_bins : int, default 84
    Number of frequency bins, starting at ``fmin`` (84 is 7 octaves of 12 bins); 2 to
    100 octaves' worth.
"""

_DOC_CQT_BPO = """
bins_per_octave : int, default 12
    Number of bins per octave (1 to 1200).
"""

_DOC_CQT_TUNING = """
tuning : float or None, default 0.0
    Tuning offset in fractions of a bin: the bins start at
    ``fmin * 2 ** (tuning / bins_per_octave)``. ``None`` estimates it from ``y`` with
    :func:`estimate_tuning` (``bins_per_octave`` bins per octave), as librosa does.
"""

_DOC_CQT_FILTERS = """
filter_scale : float > 0, default 1
    Filter length factor: each filter is ``filter_scale`` times the length its
    quality factor gives; values below 1 give shorter filters (better time
    resolution, coarser frequency resolution).
norm : {1}, default 1
    Normalisation of each filter (basis function) before its FFT. Only ``1`` (L1,
    librosa's default); anything else raises ``ValueError``.
sparsity : float in [0, 1), default 0.01
    Fraction of each kernel's L1 mass dropped (its smallest coefficients) to make the
    basis sparse; 0 keeps every coefficient.
window : {"hann"}, default "hann"
    Window of the filters (atoms). Only ``"hann"`` (librosa's default); anything else
    raises ``ValueError``.
scale : {True}, default True
    Responses divided by ``sqrt(L_k)``, the square root of each filter's length (like
    ``norm="ortho"`` of an FFT). Only ``True`` (librosa's default); ``False`` raises
    ``ValueError``.
"""

_DOC_CQT_PAD_MODE = """
pad_mode : str, default "constant"
    Padding of the centred frames at the signal's ends: ``"constant"`` (zeros),
    ``"reflect"`` or ``"edge"``; any other ``numpy.pad`` mode raises ``ValueError``.
"""

_DOC_CQT_RES_TYPE = """
res_type : {"soxr_hq", None}, default "soxr_hq"
    librosa's resampler between octaves. Reprise decimates with its own half-band
    filter, whose results are within the documented tolerance of librosa's default
    ``"soxr_hq"`` (the README's CQT protocol); ``None`` means the same. Any other
    resampler raises ``ValueError``.
"""

_DOC_CQT_RAISES = """
ValueError
    ``y`` is not floating point, is empty or holds NaN or infinity; ``sr``,
    ``hop_length``, ``n_bins``, ``bins_per_octave``, ``fmin``, ``filter_scale`` or
    ``sparsity`` is out of range; the top bin lies above ``sr / 2``; or a parameter
    documented above as taking only one value has another (``norm``, ``window``,
    ``scale``, ``dtype``, ...), or ``pad_mode`` is not one of the three supported.
"""


def load(
    path,
    *,
    sr: float | None = 22050,
    mono: bool = True,
    offset: float = 0.0,
    duration: float | None = None,
    dtype=np.float32,
    res_type: str = "soxr_hq",
) -> tuple[np.ndarray, int]:
    """Load an audio file as a mono float32 signal (``librosa.load``).

    Parameters
    ----------
    path : str or path-like
        WAV, FLAC, MP3 or Ogg Vorbis file.
    sr : number > 0 or None, default 22050
        Target sample rate in Hz (used as an integer); the file is resampled to it.
        ``None`` keeps the file's own rate.
    mono : {True}, default True
        Mix the channels down to one by averaging them (as ``librosa.to_mono``). Only
        ``True``; ``False`` raises ``ValueError``.
    offset : float, default 0.0
        Start reading this many seconds into the file.
    duration : float or None, default None
        Read at most this many seconds (after ``offset``); ``None`` reads to the end.
    dtype : numpy dtype, default np.float32
        Data type of ``y``. Only float32; anything else raises ``ValueError``.
    res_type : {"soxr_hq"}, default "soxr_hq"
        librosa's resampler. Reprise resamples with rubato's FFT resampler, whose
        difference from soxr_hq is measured in the README; any other resampler raises
        ``ValueError``.

    Returns
    -------
    y : np.ndarray [shape=(n,), float32]
        The samples, mono, at rate ``sr``.
    sr : int
        Sample rate of ``y`` in Hz.

    Raises
    ------
    OSError
        The file is missing, unreadable or damaged (the message names it).
    ValueError
        ``mono=False``, a ``dtype`` other than float32, ``sr <= 0``, or another
        parameter out of range.
    """
    _soxr_only(res_type, none_ok=False)
    if not mono:
        raise ValueError("mono=False is not supported: Reprise mixes channels to mono (as librosa.to_mono)")
    if np.dtype(dtype) != np.float32:
        raise ValueError(f"dtype={np.dtype(dtype)} is not supported: Reprise loads float32")
    rate = None if sr is None else int(sr)
    if rate is not None and rate <= 0:
        raise ValueError(f"sr={sr}: give a positive sample rate in Hz, or None for the file's rate")
    y, rate = _reprise.load(str(path), rate, float(offset), None if duration is None else float(duration))
    return y, rate


@_fill_doc(y=_DOC_Y, win_length=_DOC_WIN_LENGTH, window=_DOC_WINDOW, center=_DOC_CENTER, pad_mode=_DOC_PAD_MODE)
def stft(
    y: np.ndarray,
    *,
    n_fft: int = 2048,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: str = "hann",
    center: bool = True,
    dtype=None,
    pad_mode: str = "constant",
    out=None,
) -> np.ndarray:
    """Short-time Fourier transform (``librosa.stft``).

    Parameters
    ----------
    {y}
    n_fft : int >= 2, default 2048
        Length of each frame in samples, after zero-padding the windowed frame (2048
        is about 93 ms at 22050 Hz); the output has ``1 + n_fft // 2`` frequency bins.
    hop_length : int > 0 or None, default None
        Number of samples between successive frames; ``None`` uses
        ``win_length // 4``.
    {win_length}
    {window}
    {center}
    dtype : {None, np.complex64}, default None
        Data type of the output. Only complex64 (``None`` means complex64 here, as
        librosa's default for float32 input); anything else raises ``ValueError``.
    {pad_mode}
    out : {None}, default None
        librosa's preallocated output array. Only ``None``; an array raises
        ``ValueError``.

    Returns
    -------
    D : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames), complex64]
        ``D[..., f, t]`` is the complex amplitude of frequency bin ``f`` (``f * sr /
        n_fft`` Hz) in frame ``t``. ``n_frames = 1 + len(y) // hop_length`` when
        centred, ``1 + (len(y) - n_fft) // hop_length`` otherwise.

    Raises
    ------
    ValueError
        ``y`` is not floating point, is empty or holds NaN or infinity; it is shorter
        than ``n_fft`` with ``center=False``; ``n_fft``, ``hop_length`` or
        ``win_length`` is out of range; or ``window``, ``pad_mode``, ``dtype`` or
        ``out`` has a value Reprise does not support.
    """
    no_unsupported(out=(out, None))
    if dtype is not None and np.dtype(dtype) != np.complex64:
        raise ValueError(f"dtype={np.dtype(dtype)} is not supported: Reprise computes complex64")
    opts = {
        "kind": "stft",
        "stft": _stft_options(n_fft, hop_length, win_length, window, center, pad_mode),
        "power": None,
    }
    return features(y, 22050, opts)


@_fill_doc(window=_DOC_WINDOW)
def istft(
    stft_matrix: np.ndarray,
    *,
    hop_length: int | None = None,
    win_length: int | None = None,
    n_fft: int | None = None,
    window: str = "hann",
    center: bool = True,
    dtype=None,
    length: int | None = None,
    out=None,
) -> np.ndarray:
    """Inverse short-time Fourier transform (``librosa.istft``): windowed inverse FFTs,
    overlap-added and divided by the summed squared window.

    Parameters
    ----------
    stft_matrix : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames), complex]
        The STFT to invert (as :func:`stft` returns it); leading axes are kept. It is
        converted to complex64; NaN or infinity raises ``ValueError``.
    hop_length : int > 0 or None, default None
        Number of samples between successive frames, as the STFT was computed with;
        ``None`` uses ``win_length // 4``.
    win_length : int or None, default None
        Length in samples of the window the STFT was computed with, 1 to ``n_fft``;
        ``None`` uses ``n_fft``.
    n_fft : int or None, default None
        FFT length in samples; ``None`` uses ``2 * (stft_matrix.shape[-2] - 1)``.
    {window}
    center : bool, default True
        Whether the STFT's frames were centred (``center=True`` of :func:`stft`); if
        so, the ``n_fft // 2`` padding samples are removed from each end.
    dtype : {None, np.float32}, default None
        Data type of ``y``. Only float32 (``None`` means float32 here); anything else
        raises ``ValueError``.
    length : int or None, default None
        If given, the output is trimmed or zero-padded to exactly ``length`` samples;
        ``None`` returns every sample the frames cover.
    out : {None}, default None
        librosa's preallocated output array. Only ``None``; an array raises
        ``ValueError``.

    Returns
    -------
    y : np.ndarray [shape=(..., n), float32]
        The reconstructed signal(s).

    Raises
    ------
    ValueError
        ``stft_matrix`` has fewer than 2 dimensions or holds NaN or infinity; a
        framing parameter is out of range; or ``window``, ``dtype`` or ``out`` has a
        value Reprise does not support.
    """
    no_unsupported(out=(out, None))
    if dtype is not None and np.dtype(dtype) != np.float32:
        raise ValueError(f"dtype={np.dtype(dtype)} is not supported: Reprise computes float32")
    d = np.asarray(stft_matrix)
    if d.ndim < 2:
        raise ValueError(f"stft_matrix must have at least 2 dimensions (bins, frames), got shape {d.shape}")
    if n_fft is None:
        n_fft = 2 * (d.shape[-2] - 1)
    lead = d.shape[:-2]
    d3 = np.ascontiguousarray(d.reshape((-1,) + d.shape[-2:]), dtype=np.complex64)
    if not np.all(np.isfinite(d3.view(np.float32))):
        raise ValueError("stft_matrix holds a non-finite value (NaN or infinity)")
    y = _reprise.istft(d3, int(n_fft), hop_length, win_length, _window_name(window), bool(center), length)
    return y.reshape(lead + (y.shape[-1],))


@_fill_doc(y=_DOC_Y, sr=_DOC_CQT_SR, hop_length=_DOC_CQT_HOP, fmin=_DOC_CQT_FMIN, n_bins=_DOC_CQT_N_BINS, bins_per_octave=_DOC_CQT_BPO, tuning=_DOC_CQT_TUNING, filters=_DOC_CQT_FILTERS, pad_mode=_DOC_CQT_PAD_MODE, res_type=_DOC_CQT_RES_TYPE, raises=_DOC_CQT_RAISES)
def cqt(
    y: np.ndarray,
    *,
    sr: float = 22050,
    hop_length: int = 512,
    fmin: float | None = None,
    n_bins: int = 84,
    bins_per_octave: int = 12,
    tuning: float | None = 0.0,
    filter_scale: float = 1,
    norm: float = 1,
    sparsity: float = 0.01,
    window: str = "hann",
    scale: bool = True,
    pad_mode: str = "constant",
    res_type: str | None = "soxr_hq",
    dtype=None,
) -> np.ndarray:
    """Constant-Q transform (``librosa.cqt``), multirate as librosa computes it: the top
    octave at full rate, then each lower octave on the signal halved in rate.

    Parameters
    ----------
    {y}
    {sr}
    {hop_length}
    {fmin}
    {n_bins}
    {bins_per_octave}
    {tuning}
    {filters}
    {pad_mode}
    {res_type}
    dtype : {None, np.complex64}, default None
        Data type of the output. Only complex64 (``None`` means complex64 here);
        anything else raises ``ValueError``.

    Returns
    -------
    C : np.ndarray [shape=(..., n_bins, n_frames), complex64]
        ``n_frames = 1 + len(y) // hop_length`` (centred frames).

    Raises
    ------
    {raises}
    """
    return _constant_q("cqt", y, sr, hop_length, fmin, n_bins, bins_per_octave, tuning, filter_scale, norm, sparsity, window, scale, pad_mode, res_type, dtype, None)


@_fill_doc(y=_DOC_Y, sr=_DOC_CQT_SR, hop_length=_DOC_CQT_HOP, fmin=_DOC_CQT_FMIN, n_bins=_DOC_CQT_N_BINS, bins_per_octave=_DOC_CQT_BPO, tuning=_DOC_CQT_TUNING, filters=_DOC_CQT_FILTERS, pad_mode=_DOC_CQT_PAD_MODE, res_type=_DOC_CQT_RES_TYPE, raises=_DOC_CQT_RAISES)
def vqt(
    y: np.ndarray,
    *,
    sr: float = 22050,
    hop_length: int = 512,
    fmin: float | None = None,
    n_bins: int = 84,
    intervals: str = "equal",
    gamma: float | None = None,
    bins_per_octave: int = 12,
    tuning: float | None = 0.0,
    filter_scale: float = 1,
    norm: float = 1,
    sparsity: float = 0.01,
    window: str = "hann",
    scale: bool = True,
    pad_mode: str = "constant",
    res_type: str | None = "soxr_hq",
    dtype=None,
) -> np.ndarray:
    """Variable-Q transform (``librosa.vqt``): :func:`cqt` with filter bandwidths
    ``alpha * f_k + gamma``, widened at low frequencies by the offset ``gamma`` in Hz
    (``None``: the ERB rule ``gamma = 24.7 * alpha / 0.108``).

    Parameters
    ----------
    {y}
    {sr}
    {hop_length}
    {fmin}
    {n_bins}
    intervals : {"equal"}, default "equal"
        Spacing of the bins. Only ``"equal"`` (equal temperament: ``bins_per_octave``
        equal steps per octave); just-intonation systems and arrays of intervals
        raise ``ValueError``.
    gamma : float >= 0 or None, default None
        Bandwidth offset in Hz added to each filter's bandwidth ``alpha * f_k``; 0
        gives the constant-Q transform. ``None`` uses the ERB rule
        ``gamma = 24.7 * alpha / 0.108``, which makes each bandwidth a fixed fraction
        of the equivalent rectangular bandwidth at its frequency.
    {bins_per_octave}
    {tuning}
    {filters}
    {pad_mode}
    {res_type}
    dtype : {None, np.complex64}, default None
        Data type of the output. Only complex64 (``None`` means complex64 here);
        anything else raises ``ValueError``.

    Returns
    -------
    V : np.ndarray [shape=(..., n_bins, n_frames), complex64]
        ``n_frames = 1 + len(y) // hop_length`` (centred frames).

    Raises
    ------
    {raises}
        Also ``intervals`` other than ``"equal"`` and a negative ``gamma``.
    """
    if intervals != "equal":
        raise ValueError(f"intervals={intervals!r} is not supported: only equal temperament ('equal')")
    g = "erb" if gamma is None else {"fixed": float(gamma)}
    return _constant_q("vqt", y, sr, hop_length, fmin, n_bins, bins_per_octave, tuning, filter_scale, norm, sparsity, window, scale, pad_mode, res_type, dtype, g)


@_fill_doc(y=_DOC_Y, sr=_DOC_CQT_SR, hop_length=_DOC_CQT_HOP, fmin=_DOC_CQT_FMIN, n_bins=_DOC_CQT_N_BINS, bins_per_octave=_DOC_CQT_BPO, tuning=_DOC_CQT_TUNING, filters=_DOC_CQT_FILTERS, pad_mode=_DOC_CQT_PAD_MODE, res_type=_DOC_CQT_RES_TYPE, raises=_DOC_CQT_RAISES)
def hybrid_cqt(
    y: np.ndarray,
    *,
    sr: float = 22050,
    hop_length: int = 512,
    fmin: float | None = None,
    n_bins: int = 84,
    bins_per_octave: int = 12,
    tuning: float | None = 0.0,
    filter_scale: float = 1,
    norm: float = 1,
    sparsity: float = 0.01,
    window: str = "hann",
    scale: bool = True,
    pad_mode: str = "constant",
    res_type: str | None = "soxr_hq",
    dtype=None,
) -> np.ndarray:
    """Hybrid constant-Q magnitudes (``librosa.hybrid_cqt``): the pseudo-CQT
    (:func:`pseudo_cqt`) for the top bins whose filter fits in two hops, a multirate
    CQT (:func:`cqt`) for the rest.

    Parameters
    ----------
    {y}
    {sr}
    {hop_length}
    {fmin}
    {n_bins}
    {bins_per_octave}
    {tuning}
    {filters}
    {pad_mode}
    {res_type}
    dtype : {None, np.float32}, default None
        Data type of the output. Only float32 (``None`` means float32 here); anything
        else, complex types included, raises ``ValueError``.

    Returns
    -------
    C : np.ndarray [shape=(..., n_bins, n_frames), float32]
        Magnitudes; ``n_frames = 1 + len(y) // hop_length`` (centred frames).

    Raises
    ------
    {raises}
    """
    if dtype is not None and np.dtype(dtype) != np.float32:
        raise ValueError(f"dtype={np.dtype(dtype)} is not supported: Reprise returns float32 magnitudes")
    return _constant_q("hybrid-cqt", y, sr, hop_length, fmin, n_bins, bins_per_octave, tuning, filter_scale, norm, sparsity, window, scale, pad_mode, res_type, None, None)


@_fill_doc(y=_DOC_Y, sr=_DOC_CQT_SR, fmin=_DOC_CQT_FMIN, n_bins=_DOC_CQT_N_BINS, bins_per_octave=_DOC_CQT_BPO, tuning=_DOC_CQT_TUNING, filters=_DOC_CQT_FILTERS, pad_mode=_DOC_CQT_PAD_MODE, raises=_DOC_CQT_RAISES)
def pseudo_cqt(
    y: np.ndarray,
    *,
    sr: float = 22050,
    hop_length: int = 512,
    fmin: float | None = None,
    n_bins: int = 84,
    bins_per_octave: int = 12,
    tuning: float | None = 0.0,
    filter_scale: float = 1,
    norm: float = 1,
    sparsity: float = 0.01,
    window: str = "hann",
    scale: bool = True,
    pad_mode: str = "constant",
    dtype=None,
) -> np.ndarray:
    """Pseudo constant-Q magnitudes (``librosa.pseudo_cqt``): one full-rate Hann STFT
    times the kernels' magnitudes.

    Parameters
    ----------
    {y}
    {sr}
    hop_length : int > 0, default 512
        Number of samples between successive frames (the STFT's hop; 512 is about
        23 ms at 22050 Hz).
    {fmin}
    {n_bins}
    {bins_per_octave}
    {tuning}
    {filters}
    {pad_mode}
    dtype : {None, np.float32}, default None
        Data type of the output. Only float32 (``None`` means float32 here); anything
        else raises ``ValueError``.

    Returns
    -------
    C : np.ndarray [shape=(..., n_bins, n_frames), float32]
        Magnitudes; ``n_frames = 1 + len(y) // hop_length`` (centred frames).

    Raises
    ------
    {raises}
    """
    if dtype is not None and np.dtype(dtype) != np.float32:
        raise ValueError(f"dtype={np.dtype(dtype)} is not supported: Reprise returns float32 magnitudes")
    return _constant_q("pseudo-cqt", y, sr, hop_length, fmin, n_bins, bins_per_octave, tuning, filter_scale, norm, sparsity, window, scale, pad_mode, None, None, None)


@_fill_doc(sr=_DOC_CQT_SR, hop_length=_DOC_CQT_HOP, fmin=_DOC_CQT_FMIN, bins_per_octave=_DOC_CQT_BPO, filters=_DOC_CQT_FILTERS)
def icqt(
    C: np.ndarray,
    *,
    sr: float = 22050,
    hop_length: int = 512,
    fmin: float | None = None,
    bins_per_octave: int = 12,
    tuning: float = 0.0,
    filter_scale: float = 1,
    norm: float = 1,
    sparsity: float = 0.01,
    window: str = "hann",
    scale: bool = True,
    length: int | None = None,
    res_type: str = "soxr_hq",
    dtype=None,
) -> np.ndarray:
    """Inverse constant-Q transform (``librosa.icqt``), as librosa 0.11 computes it (octave-wise
    transposed kernels; approximate, like librosa's). ``n_bins`` is read from ``C``.

    Give the parameters ``C`` was computed with.

    Parameters
    ----------
    C : np.ndarray [shape=(..., n_bins, n_frames), complex]
        A complex CQT, as :func:`cqt` returns it; leading axes are kept. It is
        converted to complex64. Real input (e.g. magnitudes) or NaN or infinity raises
        ``ValueError``.
    {sr}
    {hop_length}
    {fmin}
    {bins_per_octave}
    tuning : float, default 0.0
        Tuning offset in fractions of a bin: the bins start at
        ``fmin * 2 ** (tuning / bins_per_octave)``. A number, as librosa (there is no
        estimation here: ``None`` raises ``TypeError``).
    {filters}
    length : int or None, default None
        If given, the output is trimmed or zero-padded to exactly ``length`` samples.
    res_type : {"soxr_hq"}, default "soxr_hq"
        librosa's resampler for bringing each octave back to the full rate. Reprise
        upsamples with rubato's resampler (the inversion is approximate, like
        librosa's); any other resampler raises ``ValueError``.
    dtype : {None, np.float32}, default None
        Data type of ``y``. Only float32 (``None`` means float32 here); anything else
        raises ``ValueError``.

    Returns
    -------
    y : np.ndarray [shape=(..., n), float32]
        The reconstructed signal(s); ``n`` is ``length`` when given.

    Raises
    ------
    ValueError
        ``C`` is not a complex array of at least 2 dimensions or holds NaN or
        infinity; a parameter is out of range; or ``norm``, ``window``, ``scale`` or
        ``dtype`` has a value Reprise does not support.
    TypeError
        ``tuning=None``.
    OverflowError
        A negative ``sr``.
    """
    no_unsupported(norm=(norm, 1), window=(window, "hann"), scale=(scale, True))
    _soxr_only(res_type, none_ok=False)
    if dtype is not None and np.dtype(dtype) != np.float32:
        raise ValueError(f"dtype={np.dtype(dtype)} is not supported: Reprise computes float32")
    c = np.asarray(C)
    if c.ndim < 2 or not np.iscomplexobj(c):
        raise ValueError(f"C must be a complex CQT (..., n_bins, n_frames), got {c.dtype} of shape {c.shape}")
    lead = c.shape[:-2]
    c3 = np.ascontiguousarray(c.reshape((-1,) + c.shape[-2:]), dtype=np.complex64)
    if not np.all(np.isfinite(c3.view(np.float32))):
        raise ValueError("C holds a non-finite value (NaN or infinity)")
    opts = {
        "kind": "cqt",
        "stft": {"hop_length": int(hop_length)},
        "tuning": float(tuning),
        "cqt": {"fmin": None if fmin is None else float(fmin), "n_bins": int(c.shape[-2]), "bins_per_octave": int(bins_per_octave), "filter_scale": float(filter_scale), "sparsity": float(sparsity)},
    }
    y = _reprise.icqt(c3, check_int("sr", sr, 1), json.dumps(opts), length)
    return y.reshape(lead + (y.shape[-1],))


@_fill_doc(window=_DOC_WINDOW, center=_DOC_CENTER, pad_mode=_DOC_PAD_MODE)
def griffinlim(
    S: np.ndarray,
    *,
    n_iter: int = 32,
    hop_length: int | None = None,
    win_length: int | None = None,
    n_fft: int | None = None,
    window: str = "hann",
    center: bool = True,
    dtype=None,
    length: int | None = None,
    pad_mode: str = "constant",
    momentum: float = 0.99,
    init: str | None = "random",
    random_state=None,
) -> np.ndarray:
    """Phase reconstruction of a magnitude STFT by fast Griffin-Lim (``librosa.griffinlim``).

    Parameters
    ----------
    S : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames), real]
        Magnitudes (not power) of an STFT; leading axes are kept. Complex input, fewer
        than 2 dimensions, or NaN or infinity raises ``ValueError``.
    n_iter : int, default 32
        Number of iterations.
    hop_length : int > 0 or None, default None
        Number of samples between successive frames; ``None`` uses
        ``win_length // 4``.
    win_length : int or None, default None
        Length of the window in samples, 1 to ``n_fft``; ``None`` uses ``n_fft``.
    n_fft : int or None, default None
        FFT length in samples; ``None`` uses ``2 * (S.shape[-2] - 1)``.
    {window}
    {center}
    dtype : {None, np.float32}, default None
        Data type of ``y``. Only float32 (``None`` means float32 here); anything else
        raises ``ValueError``.
    length : int or None, default None
        If given, the output is trimmed or zero-padded to exactly ``length`` samples.
    {pad_mode}
    momentum : float in [0, 1], default 0.99
        Momentum of the fast Griffin-Lim update (0 gives the original Griffin-Lim).
        Above 1 (which librosa only warns about) raises ``ValueError``.
    init : {"random", None}, default "random"
        ``"random"``: random initial phases; ``None``: zero phase (``S`` is real, so
        the initial estimate is ``S`` itself). Anything else raises ``ValueError``.
    random_state : None or int, default None
        Seed of Reprise's own generator (``None`` is seed 0, so runs repeat). The phases
        differ from librosa's numpy draws, so compare reconstructions by spectral
        convergence, not sample by sample. numpy ``RandomState``/``Generator`` objects
        raise ``ValueError``.

    Returns
    -------
    y : np.ndarray [shape=(..., n), float32]
        The reconstructed signal(s).

    Raises
    ------
    ValueError
        ``S`` is complex, has fewer than 2 dimensions or holds NaN or infinity; a
        parameter is out of range; or ``window``, ``pad_mode``, ``dtype``, ``init`` or
        ``random_state`` has a value Reprise does not support.
    """
    if init not in ("random", None):
        raise ValueError(f"init={init!r} is not supported: use 'random' or None")
    if random_state is not None and not isinstance(random_state, (int, np.integer)):
        raise ValueError("random_state must be None or an int seed (numpy generators are not supported)")
    if dtype is not None and np.dtype(dtype) != np.float32:
        raise ValueError(f"dtype={np.dtype(dtype)} is not supported: Reprise computes float32")
    s = np.asarray(S)
    if s.ndim < 2 or np.iscomplexobj(s):
        raise ValueError(f"S must be a real magnitude spectrogram (..., bins, frames), got {s.dtype} of shape {s.shape}")
    if n_fft is None:
        n_fft = 2 * (s.shape[-2] - 1)
    lead = s.shape[:-2]
    s3 = np.ascontiguousarray(s.reshape((-1,) + s.shape[-2:]), dtype=np.float32)
    if not np.all(np.isfinite(s3)):
        raise ValueError("S holds a non-finite value (NaN or infinity)")
    opts = {"kind": "stft", "stft": _stft_options(n_fft, hop_length, win_length, window, center, pad_mode)}
    seed = 0 if random_state is None else int(random_state)
    y = _reprise.griffinlim(s3, json.dumps(opts), int(n_iter), float(momentum), seed, init == "random", length)
    return y.reshape(lead + (y.shape[-1],))


def power_to_db(S: np.ndarray, *, ref: float | Callable = 1.0, amin: float = 1e-10, top_db: float | None = 80.0) -> np.ndarray:
    """``10 * log10(max(amin, S) / ref)``, clamped ``top_db`` below the peak (``librosa.power_to_db``).

    ``ref`` is a value or a function of ``abs(S)`` (e.g. ``np.max``). Complex input is
    taken in magnitude (librosa warns and does the same). Returns float32.

    Parameters
    ----------
    S : np.ndarray [shape=(...)]
        A power spectrogram (any shape). Converted to float32; complex input is taken
        in magnitude ``abs(S)``.
    ref : float or callable, default 1.0
        The reference power that maps to 0 dB: a number (its absolute value is used),
        or a function called on ``abs(S)`` whose scalar result is the reference (e.g.
        ``np.max`` puts the peak at 0 dB).
    amin : float > 0, default 1e-10
        Floor applied to ``S`` (and to the reference) before the logarithm, so that
        zeros give ``10 * log10(amin / ref)`` dB rather than minus infinity.
    top_db : float >= 0 or None, default 80.0
        Clamp the output to at least ``max(output) - top_db`` dB; ``None`` disables
        the clamp.

    Returns
    -------
    S_db : np.ndarray [shape=S.shape, float32]
        Decibels.

    Raises
    ------
    ValueError
        ``amin <= 0`` or ``top_db < 0``.
    """
    return _to_db(S, ref, amin, top_db, amplitude=False)


def amplitude_to_db(S: np.ndarray, *, ref: float | Callable = 1.0, amin: float = 1e-5, top_db: float | None = 80.0) -> np.ndarray:
    """``20 * log10(max(amin, |S|) / ref)``, clamped ``top_db`` below the peak (``librosa.amplitude_to_db``).

    Parameters
    ----------
    S : np.ndarray [shape=(...)]
        An amplitude (magnitude) spectrogram, any shape; complex input (e.g. an STFT)
        is taken in magnitude ``abs(S)``. Converted to float32.
    ref : float or callable, default 1.0
        The reference amplitude that maps to 0 dB: a number (its absolute value is
        used), or a function called on ``abs(S)`` whose scalar result is the reference
        (e.g. ``np.max``).
    amin : float > 0, default 1e-5
        Floor applied to ``abs(S)`` (and to the reference) before the logarithm.
    top_db : float >= 0 or None, default 80.0
        Clamp the output to at least ``max(output) - top_db`` dB; ``None`` disables
        the clamp.

    Returns
    -------
    S_db : np.ndarray [shape=S.shape, float32]
        Decibels.

    Raises
    ------
    ValueError
        ``amin <= 0`` or ``top_db < 0``.
    """
    return _to_db(S, ref, amin, top_db, amplitude=True)


@_fill_doc(win_length=_DOC_WIN_LENGTH, window=_DOC_WINDOW, center=_DOC_CENTER, pad_mode=_DOC_PAD_MODE)
def piptrack(
    *,
    y: np.ndarray | None = None,
    sr: float = 22050,
    S: np.ndarray | None = None,
    n_fft: int | None = 2048,
    hop_length: int | None = None,
    fmin: float = 150.0,
    fmax: float = 4000.0,
    threshold: float = 0.1,
    win_length: int | None = None,
    window: str = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    ref=None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pitch tracking on thresholded parabolically-interpolated STFT peaks (``librosa.piptrack``).

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)] or None, default None
        Audio time series (floating point); its magnitude STFT is computed with the
        parameters below. Leading axes are kept. Give ``y`` or ``S``.
    sr : number > 0, default 22050
        Sample rate in Hz.
    S : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames)] or None, default None
        A magnitude (or power) spectrogram instead of ``y`` (complex input is taken in
        magnitude); ``n_fft`` is read from it and the STFT parameters below are not
        used. NaN or infinity raises ``ValueError``.
    n_fft : int, default 2048
        FFT length in samples of the STFT of ``y`` (2048 is about 93 ms at 22050 Hz).
    hop_length : int > 0 or None, default None
        Samples between frames of the STFT of ``y``; ``None`` uses
        ``win_length // 4``.
    fmin : float, default 150.0
        Lowest frequency searched, Hz (clipped at 0, as librosa).
    fmax : float, default 4000.0
        Highest frequency searched (exclusive), Hz; clipped at ``sr / 2``, as librosa.
    threshold : float >= 0, default 0.1
        A peak counts only where it exceeds ``threshold * ref(S)`` of its frame (a
        fraction of the frame's reference level).
    {win_length}
    {window}
    {center}
    {pad_mode}
    ref : None, float or callable, default None
        The reference level. ``None``: ``np.max`` per frame. A function is called as
        ``ref(S, axis=-2)`` and its result times ``threshold`` is each frame's level; a
        number (its absolute value) is the level itself, ``threshold`` not applied.

    Returns
    -------
    pitches, magnitudes : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames), float32]
        Interpolated frequency (Hz) and magnitude at each frame's peaks, zero elsewhere.

    Raises
    ------
    TypeError
        Neither ``y`` nor ``S`` is given.
    ValueError
        ``S`` has fewer than 2 dimensions or holds NaN or infinity; ``y`` is not
        valid audio; ``sr`` is not positive or ``threshold`` is negative; or an STFT
        parameter is out of range or unsupported.
    """
    if S is None:
        if y is None:
            raise TypeError("piptrack needs y= or S=")
        S = np.abs(stft(y, n_fft=check_int("n_fft", n_fft, 2), hop_length=hop_length, win_length=win_length, window=window, center=center, pad_mode=pad_mode))
    else:
        S = np.abs(np.asarray(S))
    s = np.ascontiguousarray(S, dtype=np.float32)
    if s.ndim < 2:
        raise ValueError(f"S must have at least 2 dimensions (bins, frames), got shape {s.shape}")
    if not np.all(np.isfinite(s)):
        raise ValueError("S holds a non-finite value (NaN or infinity)")
    lead = s.shape[:-2]
    s3 = s.reshape((-1,) + s.shape[-2:])
    if ref is None:
        levels = None
    elif callable(ref):
        levels = threshold * np.asarray(ref(s3, axis=-2), dtype=np.float32)
    else:
        levels = np.full(s3.shape[::2], abs(float(ref)), dtype=np.float32)
    if levels is not None:
        levels = np.ascontiguousarray(np.broadcast_to(levels, (s3.shape[0], s3.shape[2])), dtype=np.float32)
    p, m = _reprise.piptrack(s3, int(sr), float(fmin), float(fmax), float(threshold), levels)
    return p.reshape(lead + p.shape[1:]), m.reshape(lead + m.shape[1:])


_DEPRECATED = object()


def pyin(
    y: np.ndarray,
    *,
    fmin: float,
    fmax: float,
    sr: float = 22050,
    frame_length: int = 2048,
    win_length: Any = _DEPRECATED,
    hop_length: int | None = None,
    n_thresholds: int = 100,
    beta_parameters: tuple[float, float] = (2, 18),
    boltzmann_parameter: float = 2,
    resolution: float = 0.1,
    max_transition_rate: float = 35.92,
    switch_prob: float = 0.01,
    no_trough_prob: float = 0.01,
    fill_na: float | None = np.nan,
    center: bool = True,
    pad_mode: str = "constant",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fundamental frequency by probabilistic YIN (``librosa.pyin``, Mauch & Dixon 2014).

    YIN's troughs at every threshold of a Beta prior become pitch candidates with
    probabilities; a hidden Markov model over voiced and unvoiced pitch bins, decoded by
    Viterbi, gives the track. Same parameters, defaults and output as librosa 0.11, frame
    by frame (tested on fixtures); the Viterbi step uses the banded structure of the
    transitions, so it is much faster.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)]
        Audio time series (floating point; computed from float32). Leading axes are kept
        and run in parallel.
    fmin, fmax : float
        Lowest and highest f0, Hz (librosa recommends C2 = 65.4 and C7 = 2093);
        ``0 < fmin < fmax <= sr / 2``.
    sr : number > 0, default 22050
        Sample rate in Hz.
    frame_length : int, default 2048
        Samples per frame (about 93 ms at 22050 Hz); ``sr / fmin`` must be below
        ``frame_length - 1``.
    win_length : deprecated
        Has no effect (deprecated in librosa 0.11); giving it warns, as librosa does.
    hop_length : int > 0 or None, default None
        Samples between frames; ``None`` is ``frame_length // 4``.
    n_thresholds : int, default 100
        Thresholds of the Beta prior.
    beta_parameters : (float, float), default (2, 18)
        Shape of the Beta prior over thresholds.
    boltzmann_parameter : float, default 2
        Shape of the Boltzmann prior over troughs (larger favours smaller periods).
    resolution : float in (0, 1), default 0.1
        Pitch bin width in semitones.
    max_transition_rate : float, default 35.92
        Fastest pitch change, octaves per second.
    switch_prob : float in (0, 1), default 0.01
        Probability of switching between voiced and unvoiced.
    no_trough_prob : float in [0, 1], default 0.01
        Weight given to the global minimum at thresholds with no trough below.
    fill_na : None or float, default np.nan
        Value of ``f0`` in unvoiced frames; ``None`` keeps the decoded pitch there.
    center : bool, default True
        Pad ``frame_length // 2`` samples at each end, so that frame ``t`` is centred at
        sample ``t * hop_length``; if False, frame ``t`` starts there.
    {pad_mode}

    Returns
    -------
    f0 : np.ndarray [shape=(..., n_frames), float64]
    voiced_flag : np.ndarray [shape=(..., n_frames), bool]
    voiced_prob : np.ndarray [shape=(..., n_frames), float64]

    Raises
    ------
    ValueError
        Invalid audio, or a parameter out of range (librosa's checks, and a pitch range
        narrower than one hop's transition band, which librosa fails on too).
    """
    if win_length is not _DEPRECATED:
        import warnings

        warnings.warn(
            "The win_length parameter has been deprecated in version 0.11.0 and has no effect.",
            category=FutureWarning,
            stacklevel=2,
        )
    if fmin is None or fmax is None:
        raise ValueError('both "fmin" and "fmax" must be provided')
    x = signal(y)
    if pad_mode not in ("constant", "reflect", "edge"):
        raise ValueError(f"pad_mode={pad_mode!r}: use 'constant', 'reflect' or 'edge'")
    a, b = beta_parameters
    config = {
        "fmin": float(fmin),
        "fmax": float(fmax),
        "frame_length": check_int("frame_length", frame_length, 1),
        "hop_length": None if hop_length is None else check_int("hop_length", hop_length, 1),
        "n_thresholds": check_int("n_thresholds", n_thresholds, 1),
        "beta_parameters": [float(a), float(b)],
        "boltzmann_parameter": float(boltzmann_parameter),
        "resolution": float(resolution),
        "max_transition_rate": float(max_transition_rate),
        "switch_prob": float(switch_prob),
        "no_trough_prob": float(no_trough_prob),
        "center": bool(center),
        "pad_mode": pad_mode,
    }
    if not float(sr) > 0 or float(sr) != int(sr):
        raise ValueError(f"sr={sr}: a positive whole number of Hz")
    lead = x.shape[:-1]
    f0, voiced, prob = _reprise.pyin(x.reshape(-1, x.shape[-1]), int(sr), json.dumps(config), fill_na is not None)
    if fill_na is not None and not (isinstance(fill_na, float) and np.isnan(fill_na)):
        f0[~voiced] = fill_na
    return f0.reshape(lead + f0.shape[1:]), voiced.reshape(lead + voiced.shape[1:]), prob.reshape(lead + prob.shape[1:])


pyin = _fill_doc(pad_mode=_DOC_PAD_MODE)(pyin)


def estimate_tuning(
    *,
    y: np.ndarray | None = None,
    sr: float = 22050,
    S: np.ndarray | None = None,
    n_fft: int | None = 2048,
    resolution: float = 0.01,
    bins_per_octave: int = 12,
    **kwargs: Any,
) -> float:
    """Tuning offset in fractions of a bin (``librosa.estimate_tuning``): :func:`piptrack`
    peaks, those at or above the median peak magnitude, histogram of their residuals at
    ``resolution`` bins; the left edge of the fullest bin.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)] or None, default None
        Audio time series (floating point). Give ``y`` or ``S``.
    sr : number > 0, default 22050
        Sample rate in Hz.
    S : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames)] or None, default None
        Magnitude spectrogram instead of ``y`` (complex input is taken in magnitude).
    n_fft : int, default 2048
        FFT length in samples of the STFT of ``y`` (2048 is about 93 ms at 22050 Hz).
    resolution : float in (0, 1], default 0.01
        Histogram resolution, in fractions of a bin.
    bins_per_octave : int, default 12
        Number of bins per octave: the residuals are measured in these bins (12:
        semitones).
    **kwargs
        :func:`piptrack`'s parameters (``hop_length``, ``fmin``, ``fmax``, ``threshold``,
        ``win_length``, ``window``, ``center``, ``pad_mode``); only ``ref=None``. With
        ``S=``, only ``fmin``, ``fmax`` and ``threshold`` apply (the others raise
        ``TypeError``).

    Returns
    -------
    tuning : float
        In ``[-0.5, 0.5)``. As librosa, leading axes of ``y``/``S`` are pooled into one estimate.

    Raises
    ------
    TypeError
        Neither ``y`` nor ``S`` is given; an unknown keyword argument; STFT parameters
        given with ``S``.
    ValueError
        ``resolution`` outside ``(0, 1]``; ``ref`` other than ``None``; ``S`` with fewer
        than 2 dimensions; invalid audio or parameters, as :func:`piptrack`.
    """
    if kwargs.get("ref") is not None:
        raise ValueError("estimate_tuning(ref=...) is not supported: only the default (np.max per frame)")
    kwargs.pop("ref", None)
    allowed = {"hop_length", "fmin", "fmax", "threshold", "win_length", "window", "center", "pad_mode"}
    if set(kwargs) - allowed:
        raise TypeError(f"estimate_tuning: unsupported parameter(s) {sorted(set(kwargs) - allowed)}")
    if not (0 < resolution <= 1):
        raise ValueError(f"resolution={resolution} must be in (0, 1]")
    if S is None and y is None:
        raise TypeError("estimate_tuning needs y= or S=")
    if S is None and not kwargs and n_fft == 2048 and resolution == 0.01 and np.ndim(y) == 1:
        # the streaming estimator (no spectrogram held in memory)
        x = signal(y)
        return _reprise.estimate_tuning(x.reshape(1, -1), int(sr), int(bins_per_octave))[0]
    fmin, fmax, threshold = kwargs.pop("fmin", 150.0), kwargs.pop("fmax", 4000.0), kwargs.pop("threshold", 0.1)
    if S is None:
        S = stft(y, n_fft=check_int("n_fft", n_fft, 2), **kwargs)
    elif kwargs:
        raise TypeError(f"estimate_tuning(S=...): {sorted(kwargs)} apply to y= only")
    s = np.ascontiguousarray(np.abs(np.asarray(S)), dtype=np.float32)
    if s.ndim < 2:
        raise ValueError(f"S must have at least 2 dimensions (bins, frames), got shape {s.shape}")
    s3 = s.reshape((-1,) + s.shape[-2:])
    return _reprise.estimate_tuning_pooled(s3, int(sr), float(fmin), float(fmax), float(threshold), float(resolution), int(bins_per_octave))


def spec(kind: str, *, sr: float = 22050, **options: Any) -> dict:
    """The typed specification (as a dict) that ``reprise features KIND`` would record in
    its sidecar for these options (the ``FeatureParams`` field names).

    Parameters
    ----------
    kind : str
        The feature: ``"stft"``, ``"mel"``, ``"mfcc"``, ``"chroma-stft"``,
        ``"centroid"``, ``"bandwidth"``, ``"rolloff"``, ``"flatness"``, ``"zcr"``,
        ``"rms"``, ``"cqt"``, ``"vqt"``, ``"hybrid-cqt"``, ``"pseudo-cqt"``,
        ``"chroma-cqt"``, ``"chroma-cens"``, ``"scalogram"``, ``"scattering"``,
        ``"jtfs"``, ``"spiral"`` or ``"cae"``.
    sr : number > 0, default 22050
        Sample rate in Hz (used as an integer).
    **options
        ``FeatureParams`` fields, as the sidecar names them: the framing nested as
        ``stft={"n_fft": 1024, "hop_length": 256, ...}``, the others at the top level
        (``n_mels=64``, ``power=1.0``, ...). Defaults fill what is not given; names
        that are not fields of ``KIND`` are ignored, not refused.

    Returns
    -------
    spec : dict
        ``{"kind": ..., KIND: {every parameter, defaults filled in}, ...}``, as the
        sidecar records it.

    Raises
    ------
    ValueError
        An unknown ``kind``, a value of the wrong type or out of range, or ``sr=0``.
    OverflowError
        A negative ``sr``.
    """
    return json.loads(_reprise.spec(json.dumps({"kind": kind, **options}), check_int("sr", sr, 1)))


# -- helpers ---------------------------------------------------------------------------

_WINDOWS = {"hann": "hann", "hanning": "hann", "hamming": "hamming", "blackman": "blackman", "rectangular": "rectangular", "boxcar": "rectangular", "ones": "rectangular"}


def _window_name(window) -> str:
    if not isinstance(window, str) or window not in _WINDOWS:
        raise ValueError(f"window={window!r} is not supported: use one of 'hann', 'hamming', 'blackman', 'rectangular'")
    return _WINDOWS[window]


def _stft_options(n_fft, hop_length, win_length, window, center, pad_mode) -> dict:
    if pad_mode not in ("constant", "reflect", "edge"):
        raise ValueError(f"pad_mode={pad_mode!r} is not supported: use 'constant', 'reflect' or 'edge'")
    return {
        "n_fft": int(n_fft),
        "hop_length": None if hop_length is None else int(hop_length),
        "win_length": None if win_length is None else int(win_length),
        "window": _window_name(window),
        "center": bool(center),
        "pad_mode": pad_mode,
    }


def _soxr_only(res_type, none_ok: bool) -> None:
    """librosa's default resampler is the one Reprise's results are measured against."""
    if res_type == "soxr_hq" or (none_ok and res_type is None):
        return
    raise ValueError(f"res_type={res_type!r} is not supported: Reprise's resampling is measured against librosa's default 'soxr_hq' (pass that, or leave it out)")


def _constant_q(kind, y, sr, hop_length, fmin, n_bins, bins_per_octave, tuning, filter_scale, norm, sparsity, window, scale, pad_mode, res_type, dtype, gamma):
    no_unsupported(norm=(norm, 1), window=(window, "hann"), scale=(scale, True))
    _soxr_only(res_type, none_ok=True)
    if dtype is not None and np.dtype(dtype) != np.complex64:
        raise ValueError(f"dtype={np.dtype(dtype)} is not supported: Reprise computes complex64")
    opts = {
        "kind": kind,
        "stft": {"hop_length": int(hop_length), "pad_mode": pad_mode},
        "tuning": "estimate" if tuning is None else float(tuning),
        "cqt": {
            "fmin": None if fmin is None else float(fmin),
            "n_bins": int(n_bins),
            "bins_per_octave": int(bins_per_octave),
            "filter_scale": float(filter_scale),
            "gamma": gamma if kind == "vqt" else {"fixed": 0.0},
            "sparsity": float(sparsity),
        },
    }
    return features(y, sr, opts)


def _to_db(S, ref, amin, top_db, amplitude: bool) -> np.ndarray:
    a = np.asarray(S)
    if np.iscomplexobj(a):
        a = np.abs(a)
    a = np.ascontiguousarray(a, dtype=np.float32)
    if amin <= 0:
        raise ValueError(f"amin={amin} must be strictly positive")
    if top_db is not None and top_db < 0:
        raise ValueError(f"top_db={top_db} must be non-negative")
    r = float(ref(np.abs(a))) if callable(ref) else float(np.abs(ref))
    return _reprise.to_db(a, r, float(amin), None if top_db is None else float(top_db), amplitude)


from . import data, feature, filters, midi, models, scattering  # noqa: E402  (they import the helpers above)
