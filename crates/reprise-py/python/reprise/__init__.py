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
from typing import Any, Callable

import numpy as np

from . import _reprise
from ._common import features, no_unsupported, signal

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
    "feature",
    "scattering",
    "spec",
    "__version__",
]

__version__ = _reprise.version()


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
    sr : int or None, default 22050
        Target sample rate in Hz; ``None`` keeps the file's rate.
    mono : bool, default True
        Only ``True`` is supported (channels are averaged, as ``librosa.to_mono``).
    offset : float, default 0.0
        Start reading this many seconds into the file.
    duration : float or None, default None
        Read at most this many seconds.
    dtype : numpy dtype, default np.float32
        Only float32 is supported.
    res_type : str, default "soxr_hq"
        Accepted for compatibility; Reprise resamples with rubato's FFT resampler (the
        difference from soxr_hq is measured in the README).

    Returns
    -------
    y : np.ndarray [shape=(n,), float32]
    sr : int
        Sample rate of ``y``.

    Raises
    ------
    OSError
        The file is missing, unreadable or damaged (the message names it).
    ValueError
        A parameter is out of range.
    """
    if not mono:
        raise ValueError("mono=False is not supported: Reprise mixes channels to mono (as librosa.to_mono)")
    if np.dtype(dtype) != np.float32:
        raise ValueError(f"dtype={np.dtype(dtype)} is not supported: Reprise loads float32")
    rate = None if sr is None else int(sr)
    if rate is not None and rate <= 0:
        raise ValueError(f"sr={sr}: give a positive sample rate in Hz, or None for the file's rate")
    y, rate = _reprise.load(str(path), rate, float(offset), None if duration is None else float(duration))
    return y, rate


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
    y : np.ndarray [shape=(..., n)]
        Signal(s), real.
    n_fft : int, default 2048
        FFT length in samples (about 93 ms at 22050 Hz).
    hop_length : int or None, default None
        Samples between frames; ``None`` = ``win_length // 4``.
    win_length : int or None, default None
        Window length in samples, at most ``n_fft``; ``None`` = ``n_fft``.
    window : str, default "hann"
        ``"hann"``, ``"hamming"``, ``"blackman"`` or ``"rectangular"`` (``"boxcar"``).
    center : bool, default True
        Centre frame ``t`` at ``t * hop_length`` by padding ``n_fft // 2`` samples at each end.
    dtype : None or np.complex64
        Only complex64 output.
    pad_mode : str, default "constant"
        ``"constant"`` (zeros), ``"reflect"`` or ``"edge"``.
    out : None
        Not supported.

    Returns
    -------
    D : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames), complex64]
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
    """Inverse short-time Fourier transform (``librosa.istft``).

    Parameters
    ----------
    stft_matrix : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames), complex]
    hop_length, win_length, window, center
        As for :func:`stft`.
    n_fft : int or None, default None
        ``None`` = ``2 * (stft_matrix.shape[-2] - 1)``.
    length : int or None, default None
        Trim or zero-pad the output to this many samples.

    Returns
    -------
    y : np.ndarray [shape=(..., n), float32]
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
    res_type: str | None = None,
    dtype=None,
) -> np.ndarray:
    """Constant-Q transform (``librosa.cqt``), multirate as librosa computes it.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)]
    sr : int, default 22050
        Sample rate in Hz.
    hop_length : int, default 512
        Samples between frames; must stay even through each octave's halving.
    fmin : float or None, default None
        Lowest centre frequency in Hz before tuning; ``None`` = C1 (32.70 Hz).
    n_bins : int, default 84
        Number of bins (7 octaves of 12).
    bins_per_octave : int, default 12
    tuning : float or None, default 0.0
        Offset in fractions of a bin; ``None`` estimates it from ``y``.
    filter_scale : float, default 1
        Filter length factor.
    norm : 1
        Only L1 normalisation of the atoms (librosa's default).
    sparsity : float, default 0.01
        Fraction of each kernel's L1 mass dropped.
    window : "hann"
        Only the Hann atom window.
    scale : True
        Only ``scale=True`` (responses divided by ``sqrt(L_k)``).
    pad_mode : str, default "constant"
    res_type, dtype
        Accepted for compatibility (``None``); Reprise uses its own half-band decimator
        and complex64.

    Returns
    -------
    C : np.ndarray [shape=(..., n_bins, n_frames), complex64]
    """
    return _constant_q("cqt", y, sr, hop_length, fmin, n_bins, bins_per_octave, tuning, filter_scale, norm, sparsity, window, scale, pad_mode, res_type, dtype, None)


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
    res_type: str | None = None,
    dtype=None,
) -> np.ndarray:
    """Variable-Q transform (``librosa.vqt``): :func:`cqt` with bandwidth offset ``gamma``
    in Hz (``None``: the ERB rule ``gamma = 24.7 * alpha / 0.108``). Only
    ``intervals="equal"``. Other parameters as :func:`cqt`."""
    if intervals != "equal":
        raise ValueError(f"intervals={intervals!r} is not supported: only equal temperament ('equal')")
    g = "erb" if gamma is None else {"fixed": float(gamma)}
    return _constant_q("vqt", y, sr, hop_length, fmin, n_bins, bins_per_octave, tuning, filter_scale, norm, sparsity, window, scale, pad_mode, res_type, dtype, g)


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
    res_type: str | None = None,
    dtype=None,
) -> np.ndarray:
    """Hybrid constant-Q magnitudes (``librosa.hybrid_cqt``): the pseudo-CQT for the top bins
    whose filter fits in two hops, a multirate CQT for the rest. Parameters as :func:`cqt`;
    returns ``(..., n_bins, n_frames)`` float32 magnitudes."""
    if dtype is not None and np.dtype(dtype) != np.float32:
        raise ValueError(f"dtype={np.dtype(dtype)} is not supported: Reprise returns float32 magnitudes")
    return _constant_q("hybrid-cqt", y, sr, hop_length, fmin, n_bins, bins_per_octave, tuning, filter_scale, norm, sparsity, window, scale, pad_mode, res_type, None, None)


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
    """Pseudo constant-Q magnitudes (``librosa.pseudo_cqt``): one full-rate Hann STFT times the
    kernels' magnitudes. Parameters as :func:`cqt`; returns float32 magnitudes."""
    if dtype is not None and np.dtype(dtype) != np.float32:
        raise ValueError(f"dtype={np.dtype(dtype)} is not supported: Reprise returns float32 magnitudes")
    return _constant_q("pseudo-cqt", y, sr, hop_length, fmin, n_bins, bins_per_octave, tuning, filter_scale, norm, sparsity, window, scale, pad_mode, None, None, None)


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

    Returns
    -------
    y : np.ndarray [shape=(..., n), float32]
    """
    no_unsupported(norm=(norm, 1), window=(window, "hann"), scale=(scale, True))
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
    y = _reprise.icqt(c3, int(sr), json.dumps(opts), length)
    return y.reshape(lead + (y.shape[-1],))


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
    S : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames)]
        Magnitudes.
    n_iter : int, default 32
    hop_length, win_length, n_fft, window, center, pad_mode
        The STFT, as :func:`stft` (``n_fft`` read from ``S`` when ``None``).
    momentum : float, default 0.99
    init : "random" or None
        Random initial phases, or zero phase.
    random_state : None or int
        Seed of Reprise's own generator (the phases differ from librosa's numpy draws, so
        compare reconstructions by spectral convergence, not sample by sample).
    length : int or None

    Returns
    -------
    y : np.ndarray [shape=(..., n), float32]
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
    taken in magnitude (librosa warns and does the same). Returns float32."""
    return _to_db(S, ref, amin, top_db, amplitude=False)


def amplitude_to_db(S: np.ndarray, *, ref: float | Callable = 1.0, amin: float = 1e-5, top_db: float | None = 80.0) -> np.ndarray:
    """``20 * log10(max(amin, |S|) / ref)``, clamped ``top_db`` below the peak (``librosa.amplitude_to_db``)."""
    return _to_db(S, ref, amin, top_db, amplitude=True)


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
    y : np.ndarray [shape=(..., n)] or None
        Signal(s); its magnitude STFT is computed with the parameters below.
    sr : int, default 22050
        Sample rate in Hz.
    S : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames)] or None
        A magnitude (or power) spectrogram instead of ``y``; ``n_fft`` is read from it.
    n_fft : int, default 2048
    hop_length, win_length, window, center, pad_mode
        The STFT of ``y``, as :func:`stft`.
    fmin : float, default 150.0
        Lowest frequency searched, Hz.
    fmax : float, default 4000.0
        Highest frequency searched (exclusive), Hz; at most ``sr / 2``.
    threshold : float, default 0.1
        A peak must exceed ``threshold * ref(S)`` of its frame.
    ref : None, a number, or a function
        ``None``: ``np.max`` per frame. A function is called as ``ref(S, axis=-2)`` and
        its result times ``threshold`` is each frame's level; a number is the level itself.

    Returns
    -------
    pitches, magnitudes : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames), float32]
        Interpolated frequency (Hz) and magnitude at each frame's peaks, zero elsewhere.
    """
    if S is None:
        if y is None:
            raise TypeError("piptrack needs y= or S=")
        S = np.abs(stft(y, n_fft=int(n_fft), hop_length=hop_length, win_length=win_length, window=window, center=center, pad_mode=pad_mode))
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
    y : np.ndarray [shape=(..., n)] or None
    sr : int, default 22050
    S : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames)] or None
        Magnitude spectrogram instead of ``y``.
    n_fft : int, default 2048
    resolution : float, default 0.01
        Histogram resolution, in fractions of a bin.
    bins_per_octave : int, default 12
    **kwargs
        :func:`piptrack`'s parameters (``hop_length``, ``fmin``, ``fmax``, ``threshold``,
        ``win_length``, ``window``, ``center``, ``pad_mode``); only ``ref=None``.

    Returns
    -------
    tuning : float
        In ``[-0.5, 0.5)``. As librosa, leading axes of ``y``/``S`` are pooled into one estimate.
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
        S = stft(y, n_fft=int(n_fft), **kwargs)
    elif kwargs:
        raise TypeError(f"estimate_tuning(S=...): {sorted(kwargs)} apply to y= only")
    s = np.ascontiguousarray(np.abs(np.asarray(S)), dtype=np.float32)
    if s.ndim < 2:
        raise ValueError(f"S must have at least 2 dimensions (bins, frames), got shape {s.shape}")
    s3 = s.reshape((-1,) + s.shape[-2:])
    return _reprise.estimate_tuning_pooled(s3, int(sr), float(fmin), float(fmax), float(threshold), float(resolution), int(bins_per_octave))


def spec(kind: str, *, sr: float = 22050, **options: Any) -> dict:
    """The typed specification (as a dict) that ``reprise features KIND`` would record in
    its sidecar for these options (the ``FeatureParams`` field names)."""
    return json.loads(_reprise.spec(json.dumps({"kind": kind, **options}), int(sr)))


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


def _constant_q(kind, y, sr, hop_length, fmin, n_bins, bins_per_octave, tuning, filter_scale, norm, sparsity, window, scale, pad_mode, res_type, dtype, gamma):
    no_unsupported(norm=(norm, 1), window=(window, "hann"), scale=(scale, True), res_type=(res_type, None))
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
