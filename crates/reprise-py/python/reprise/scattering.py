"""Wavelet scattering with kymatio 0.3's interface (``kymatio.numpy.Scattering1D``).

Computed in float32 (kymatio's NumPy path returns float64 for float64 input); within 1e-4
of kymatio 0.3's output relative to its peak (the Rust tests hold the committed kymatio
fixtures to the same)."""

from __future__ import annotations

import json

import numpy as np

from . import _reprise
from . import _fill_doc
from ._common import no_unsupported, signal

__all__ = ["Scattering1D", "TimeFrequencyScattering", "SpiralScattering"]


class Scattering1D:
    """1-D wavelet scattering, orders 0 to 2 (kymatio 0.3's ``Scattering1D``).

    Parameters
    ----------
    J : int
        Log2 of the largest scale (1 to 24): the wavelets reach scale ``2**J``
        samples, and with ``T=None`` the output is averaged over ``2**J`` samples,
        which may then not exceed ``shape`` (checked when the object is called).
    shape : int or (int,)
        Length ``N`` of the signals, in samples; every input must have it.
    Q : int or (int, int), default 1
        Wavelets per octave (1 to 64) at the first order (and the second, default 1):
        ``Q`` alone means ``(Q, 1)``.
    T : int or None, default None
        Averaging scale in samples (the support of the low-pass filter, so the amount
        of time-shift invariance); ``None`` = ``2**J``. At most ``N``. The output is
        subsampled by ``2 ** floor(log2(T))``.
    max_order : int, default 2
        Highest scattering order computed: 1 or 2; anything else raises
        ``ValueError``.
    average : {None, True}, default None
        Only averaged output (``None`` means ``True``, as kymatio). ``False`` raises
        ``ValueError``.
    oversampling : {0}, default 0
        kymatio's oversampling factor (a power of two) of the output. Only 0;
        anything else raises ``ValueError``.
    out_type : {"array"}, default "array"
        Only the array output; kymatio's ``"dict"`` and ``"list"`` raise
        ``ValueError``.
    backend : str, default "numpy"
        Accepted, whatever its value, and not used: Reprise computes in Rust.

    Calling the object on ``x`` of shape ``(..., N)`` returns ``(..., n_paths, N // 2**J)``
    float32 in kymatio's path order (``N // 2**floor(log2(T))`` frames when ``T`` is
    given); :meth:`meta` describes the paths.

    Raises
    ------
    ValueError
        ``J``, ``Q``, ``T`` or ``max_order`` out of range, a ``shape`` of more than
        one length, or ``average``, ``oversampling`` or ``out_type`` other than the
        values above.
    """

    def __init__(self, J, shape, Q=1, T=None, max_order=2, average=None, oversampling=0, out_type="array", backend="numpy"):
        no_unsupported(oversampling=(oversampling, 0), out_type=(out_type, "array"))
        if average not in (None, True):
            raise ValueError("average=False is not supported: Reprise returns averaged scattering")
        if isinstance(shape, (tuple, list)):
            if len(shape) != 1:
                raise ValueError(f"shape={shape!r}: Scattering1D takes one length")
            shape = shape[0]
        self.J, self.shape, self.T, self.max_order = int(J), int(shape), T, int(max_order)
        self.Q = (int(Q), 1) if np.isscalar(Q) else tuple(int(q) for q in Q)
        if len(self.Q) != 2:
            raise ValueError(f"Q={Q!r}: give Q1 or (Q1, Q2)")
        self._options = {
            "kind": "scattering",
            "scatter": {"J": self.J, "Q": list(self.Q), "T": None if T is None else int(T), "max_order": self.max_order},
        }
        # planned for signals of this length, as kymatio's constructor plans its filters:
        # parameters that do not fit the length fail here, and meta() needs no transform
        self._meta = json.loads(_reprise.meta(json.dumps(self._options), 22050, self.shape))

    def scattering(self, x) -> np.ndarray:
        """The scattering coefficients of ``x`` (``(..., N)``).

        Also called as ``S(x)``.

        Parameters
        ----------
        x : np.ndarray [shape=(..., N), floating point]
            Signals of length ``shape`` on the last axis; leading axes are computed in
            parallel and kept. float64 is converted to float32.

        Returns
        -------
        Sx : np.ndarray [shape=(..., n_paths, N // 2**floor(log2(T))), float32]
            Orders 0, 1 and 2 in kymatio's path order (``N // 2**J`` frames with
            ``T=None``).

        Raises
        ------
        ValueError
            ``x`` is not floating point, empty or non-finite, its length differs from
            ``shape``, or the averaging scale ``T`` (``2**J`` when ``None``) exceeds it.
        """
        a = signal(x)
        if a.shape[-1] != self.shape:
            raise ValueError(f"input length {a.shape[-1]} differs from shape={self.shape}")
        flat = a.reshape(-1, a.shape[-1])
        real, _, _, meta = _reprise.features(flat, 22050, json.dumps(self._options))
        if self._meta is None:
            self._meta = json.loads(meta)
        return real.reshape(a.shape[:-1] + real.shape[1:])

    __call__ = scattering

    def meta(self) -> dict:
        """Per path: ``order``, ``xi``, ``sigma``, ``j`` and ``n`` as ``(n_paths, max_order)`` arrays
        (NaN where a path has no filter of that order) and ``key`` (filter indices).

        Returns
        -------
        dict
            ``order`` ``(n_paths,)`` int; ``xi`` (centre frequencies, cycles per
            sample), ``sigma`` (bandwidths), ``j`` (subsampling exponents) and ``n``
            (filter indices), each ``(n_paths, max_order)`` float64; ``key``, a list of
            tuples of filter indices. Row ``i`` describes output path ``i``.
        """
        paths = self._meta
        def column(name):
            out = np.full((len(paths), self.max_order), np.nan)
            for i, p in enumerate(paths):
                out[i, : len(p[name])] = p[name]
            return out
        return {
            "order": np.array([p["order"] for p in paths]),
            "xi": column("xi"),
            "sigma": column("sigma"),
            "j": column("j"),
            "n": column("n"),
            "key": [tuple(p["n"]) for p in paths],
        }


_DOC_JTFS_PARAMS = """
J : int
    Log2 of the largest temporal scale, in samples (1 to 24).
J_fr : int
    Log2 of the largest frequential scale, in first-order rows (1 to 8).
Q : int or (int, int)
    Wavelets per octave at orders 1 and 2 (1 to 64; ``Q`` alone means ``(Q, 1)``).
shape : int or (int,)
    Signal length ``N``, in samples; every input must have it.
T : int or None, default None
    Temporal averaging in samples (``2**J``); a power of two no larger than ``N``.
    The output has ``N // T`` frames.
stride : {None}, default None
    kymatio's temporal subsampling. Only ``None`` (subsampling by ``T``); anything
    else raises ``ValueError``.
Q_fr : int, default 1
    Frequential wavelets per octave (1 to 16).
F : int or None, default None
    Frequential averaging in rows (``2**J_fr``); a power of two no larger than
    ``2**J_fr``.
stride_fr : {None}, default None
    kymatio's frequential subsampling. Only ``None`` (subsampling by ``F``); anything
    else raises ``ValueError``.
out_type : {"array"}, default "array"
    Only the array output; anything else raises ``ValueError``.
format : {"time", "joint"}, default "time"
    ``time``: ``(..., channels, frames)``; ``joint``: ``(..., paths, rows, frames)``.
backend : str or None, default None
    Accepted, whatever its value (any backend name), and not used: Reprise computes
    in Rust.
"""

_DOC_JTFS_RAISES = """
ValueError
    ``J``, ``J_fr``, ``Q``, ``Q_fr``, ``T`` or ``F`` out of range, a ``shape`` of more
    than one length, ``format`` not ``"time"`` or ``"joint"``, or ``stride``,
    ``stride_fr`` or ``out_type`` other than kymatio's defaults.
"""


@_fill_doc(params=_DOC_JTFS_PARAMS, raises=_DOC_JTFS_RAISES)
class TimeFrequencyScattering:
    """Joint time–frequency scattering (kymatio main's ``TimeFrequencyScattering``, NumPy
    frontend, commit 11552ed5): second-order paths filtered along log-frequency with both
    spins, then averaged in time and frequency.

    Parameters
    ----------
    {params}

    Calling the object on ``x`` of shape ``(..., N)`` returns float32
    ``(..., n_channels, N // T)`` (``format="time"``) or ``(..., n_paths, n_rows,
    N // T)`` (``format="joint"``, order 0 dropped); :meth:`meta` describes them.

    Computed in float32; within 1e-4 of kymatio main's float64 output relative to its peak.

    Raises
    ------
    {raises}
    """

    _kind = "jtfs"

    def __init__(self, J, J_fr, Q, shape, T=None, stride=None, Q_fr=1, F=None, stride_fr=None, out_type="array", format="time", backend=None):
        no_unsupported(stride=(stride, None), stride_fr=(stride_fr, None), out_type=(out_type, "array"))
        if format not in ("time", "joint"):
            raise ValueError(f"format={format!r}: use 'time' or 'joint'")
        if isinstance(shape, (tuple, list)):
            if len(shape) != 1:
                raise ValueError(f"shape={shape!r}: give one length")
            shape = shape[0]
        self.shape = int(shape)
        q = (int(Q), 1) if np.isscalar(Q) else tuple(int(v) for v in Q)
        self._options = {
            "kind": self._kind,
            "scatter": {
                "J": int(J),
                "Q": list(q),
                "T": None if T is None else int(T),
                "J_fr": int(J_fr),
                "Q_fr": int(Q_fr),
                "F": None if F is None else int(F),
                "format": format,
            },
        }
        # planned for signals of this length, as kymatio's constructor plans its filters:
        # parameters that do not fit the length fail here, and meta() needs no transform
        self._meta = json.loads(_reprise.meta(json.dumps(self._options), 22050, self.shape))

    def scattering(self, x) -> np.ndarray:
        """The coefficients of ``x`` (``(..., N)``).

        Also called as ``S(x)``.

        Parameters
        ----------
        x : np.ndarray [shape=(..., N), floating point]
            Signals of length ``shape`` on the last axis; leading axes are computed in
            parallel and kept. float64 is converted to float32.

        Returns
        -------
        Sx : np.ndarray, float32
            ``(..., n_channels, N // T)`` with ``format="time"``, ``(..., n_paths,
            n_rows, N // T)`` with ``format="joint"``.

        Raises
        ------
        ValueError
            ``x`` is not floating point, empty or non-finite, its length differs from
            ``shape``, or the averaging scale ``T`` (``2**J`` when ``None``) exceeds it.
        """
        a = signal(x)
        if a.shape[-1] != self.shape:
            raise ValueError(f"input length {a.shape[-1]} differs from shape={self.shape}")
        real, _, _, meta = _reprise.features(a.reshape(-1, a.shape[-1]), 22050, json.dumps(self._options))
        if self._meta is None:
            self._meta = json.loads(meta)
        return real.reshape(a.shape[:-1] + real.shape[1:])

    __call__ = scattering

    def meta(self) -> dict:
        """Per output path (the channels of ``format="time"``, the paths of ``"joint"``), as
        kymatio main's ``meta()``: ``order`` (0, 1, 2), ``n`` ``(n_paths, 2)`` (``n1``, ``n2``;
        NaN where absent, and ``n1`` NaN in the joint format, whose rows are the ``n1``),
        ``n_fr``, ``xi``/``sigma``/``j`` ``(n_paths, 2)`` of the temporal wavelets,
        ``xi_fr``/``sigma_fr``/``j_fr`` of the frequential filter, ``spin`` (+1 up, -1 down,
        0 the frequential low-pass) and ``key`` (``(n1, n2, n_fr)`` with ``None`` where
        absent). Arrays are float64 with NaN for what a path lacks (order 0 has no
        frequential filter). Row ``i`` describes output channel ``i``; kymatio main's
        ``meta()`` lists the same paths sorted by key instead, which is not its output's
        order (sort by ``key`` to compare the two).

        Returns
        -------
        dict
            ``order``, ``n_fr``, ``xi_fr``, ``sigma_fr``, ``j_fr``, ``spin``:
            ``(n_paths,)`` float64; ``n``, ``xi``, ``sigma``, ``j``: ``(n_paths, 2)``
            float64; ``key``: a list of ``(n1, n2, n_fr)`` tuples. For
            :class:`SpiralScattering` also ``octave`` ``(n_paths,)``: the filter across
            octaves of each spiral channel (NaN for the joint time–frequency channels).
        """
        paths = self._meta
        nan = np.nan

        def num(v):
            return nan if v is None else float(v)

        def pair(p, name):
            row = [nan, nan]
            vals = p[name]
            # order 2 has both temporal wavelets; the joint format keeps only psi2's
            if p["order"] == 2 and len(vals) == 1:
                row[1] = vals[0]
            else:
                row[: len(vals)] = vals
            return row

        return {
            "order": np.array([p["order"] for p in paths], dtype=float),
            "n": np.array([[num(p["n1"]), num(p["n2"])] for p in paths]),
            "n_fr": np.array([num(p["n_fr"]) for p in paths]),
            "xi": np.array([pair(p, "xi") for p in paths]),
            "sigma": np.array([pair(p, "sigma") for p in paths]),
            "j": np.array([pair(p, "j") for p in paths], dtype=float),
            "xi_fr": np.array([num(p["xi_fr"]) for p in paths]),
            "sigma_fr": np.array([num(p["sigma_fr"]) for p in paths]),
            "j_fr": np.array([num(p["j_fr"]) for p in paths]),
            "spin": np.array([num(p["spin"]) for p in paths]),
            "key": [(p["n1"], p["n2"], p["n_fr"]) for p in paths],
            **({"octave": np.array([num(p.get("octave")) for p in paths])} if self._kind == "spiral" else {}),
        }


@_fill_doc(params=_DOC_JTFS_PARAMS, raises=_DOC_JTFS_RAISES)
class SpiralScattering(TimeFrequencyScattering):
    """Spiral scattering: :class:`TimeFrequencyScattering` plus finite differences across
    octaves at fixed chroma (Reprise's own; no kymatio counterpart). Same parameters.

    For every second-order path, the spiral paths filter the first-order axis across
    octaves at fixed chroma (steps of ``Q[0]`` rows) with the two finite differences
    ``[-1, 0, 1] / sqrt(6)`` and ``[1, -2, 1] / sqrt(18)``; the output holds every
    :class:`TimeFrequencyScattering` channel, each second-order group followed by its
    spiral channels. Called on ``x`` of shape ``(..., N)``, it returns float32 shaped as
    :class:`TimeFrequencyScattering`'s output, with more channels (``format="time"``)
    or paths (``format="joint"``).

    Parameters
    ----------
    {params}

    Raises
    ------
    {raises}
    """

    _kind = "spiral"
