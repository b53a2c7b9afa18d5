"""Trained models from Python: a network trained by ``reprise train`` (its run folder) or a
classifier pipeline saved by ``reprise classify --save-models`` (its ``.json``), loaded
once and applied to audio files with ``predict``, as ``reprise predict`` does.

>>> model = reprise.models.load("runs/lc")                        # doctest: +SKIP
>>> model.labels
['flute', 'guitar', ...]
>>> model.predict(["a.wav"])[0]["label"]
'guitar'
"""

from __future__ import annotations

import json
import os
from typing import Sequence

from . import _reprise

__all__ = ["load", "Network", "Classifier"]


def _results(paths: list[str], outcomes, errors: str) -> list[dict]:
    """The per-file outcomes of the compiled module: parsed results; an error raised
    (``OSError`` for files, ``ValueError`` otherwise) or reported as ``{"file", "error"}``."""
    out = []
    for path, (kind, text) in zip(paths, outcomes):
        if kind == "ok":
            out.append(json.loads(text))
        elif errors == "raise":
            raise (OSError if kind == "os" else ValueError)(text)
        else:
            out.append({"file": path, "error": text})
    return out


class Network:
    """A trained network (``reprise train``'s run folder), on the CPU.

    Parameters
    ----------
    run : str or path-like
        The run folder ``reprise train -o`` wrote: its ``model.json`` and best
        weights are loaded once.

    Attributes
    ----------
    run : str
        The run folder.
    labels : list of str
        Class names, in output order.
    info : dict
        The run's ``model.json`` (model, input, training settings, scaling).

    Raises
    ------
    OSError, ValueError
        The folder is missing or is not a run (no ``model.json``), or its weights or
        scaling are damaged (one line naming the file).
    """

    def __init__(self, run: str | os.PathLike):
        self._net = _reprise.Network(os.fspath(run))
        self.run = os.fspath(run)
        self.labels = list(self._net.labels)
        self.info = json.loads(self._net.info())

    def predict(self, files: Sequence[str | os.PathLike], *, overlap: float = 0.5, errors: str = "raise") -> list[dict]:
        """Predicts each file from windows that overlap by ``overlap`` (0 to 0.9; 0.5 is what
        ``reprise eval`` scores, 0 halves the work).

        Returns one dict per file: ``file``, ``label``, ``probs`` (per label) and
        ``windows`` (``start_s`` and ``probs`` of each window), as ``reprise predict
        --json``. ``errors="raise"`` raises the first file's error (``OSError`` or
        ``ValueError``, the CLI's message); ``errors="report"`` gives ``{"file", "error"}``
        for it and goes on. A damaged network (outputs not numbers) always raises.

        Parameters
        ----------
        files : sequence of str or path-like
            Audio files (WAV, FLAC, MP3, Ogg Vorbis).
        overlap : float in [0, 0.9], default 0.5
            Fraction of a window by which successive windows overlap.
        errors : {"raise", "report"}, default "raise"
            What a file that cannot be predicted gives: its exception, raised, or a
            ``{"file": ..., "error": message}`` dict in its place.

        Returns
        -------
        list of dict
            One per file, in order, as ``reprise predict --json`` prints them.

        Raises
        ------
        ValueError
            ``errors`` not ``"raise"`` or ``"report"``, ``overlap`` out of range, a
            damaged network, or (``errors="raise"``) a file that cannot be decoded.
        OSError
            (``errors="raise"``) a missing or unreadable file.
        """
        if errors not in ("raise", "report"):
            raise ValueError(f"errors={errors!r}: use 'raise' or 'report'")
        paths = [os.fspath(f) for f in files]
        return _results(paths, self._net.predict(paths, float(overlap)), errors)


class Classifier:
    """A saved classifier pipeline (``reprise classify --save-models``): a clip feature,
    a scaler and a fitted classifier.

    Parameters
    ----------
    path : str or path-like
        The model file (``.json``) that ``reprise classify --save-models`` wrote, in
        the run's ``models/`` folder; it is loaded and checked once.

    Attributes
    ----------
    path : str
        The model file.
    labels : list of str
        Class names.
    info : dict
        The model file.

    Raises
    ------
    OSError, ValueError
        The file is missing, or it is not a Reprise classifier or is damaged (one line
        naming the file).
    """

    def __init__(self, path: str | os.PathLike):
        self._model = _reprise.Classifier(os.fspath(path))
        self.path = os.fspath(path)
        self.info = json.loads(self._model.info())
        self.labels = list(self._model.labels)

    def predict(self, files: Sequence[str | os.PathLike], *, cache: str | os.PathLike | None = None, errors: str = "raise") -> list[dict]:
        """Predicts each file: ``file``, ``label``, ``scores`` (per label) and
        ``score_kind`` (``probability``, or ``vote_share`` for an SVC), as ``reprise
        classify predict --json``. ``cache``: a folder of cached clip vectors (default
        none). ``errors`` as :meth:`Network.predict`.

        Parameters
        ----------
        files : sequence of str or path-like
            Audio files (WAV, FLAC, MP3, Ogg Vorbis).
        cache : str, path-like or None, default None
            A folder of cached clip feature vectors, read and filled as ``reprise
            classify --cache`` does; ``None``: no cache.
        errors : {"raise", "report"}, default "raise"
            What a file that cannot be predicted gives: its exception, raised, or a
            ``{"file": ..., "error": message}`` dict in its place.

        Returns
        -------
        list of dict
            One per file, in order, as ``reprise classify predict --json`` prints
            them.

        Raises
        ------
        ValueError
            ``errors`` not ``"raise"`` or ``"report"``, or (``errors="raise"``) a file
            that cannot be decoded.
        OSError
            (``errors="raise"``) a missing or unreadable file.
        """
        if errors not in ("raise", "report"):
            raise ValueError(f"errors={errors!r}: use 'raise' or 'report'")
        paths = [os.fspath(f) for f in files]
        return _results(paths, self._model.predict(paths, None if cache is None else os.fspath(cache)), errors)


def load(path: str | os.PathLike) -> Network | Classifier:
    """A network from a run folder, or a classifier from its model file.

    Parameters
    ----------
    path : str or path-like
        A run folder of ``reprise train`` (gives a :class:`Network`) or a model file
        of ``reprise classify --save-models`` (gives a :class:`Classifier`).

    Returns
    -------
    Network or Classifier

    Raises
    ------
    OSError, ValueError
        A missing path, a folder that is not a run, damaged weights or scaling, a file that
        is not a Reprise model (one line naming the file).
    """
    p = os.fspath(path)
    if os.path.isdir(p):
        return Network(p)
    if not os.path.exists(p):
        raise OSError(f"{p}: no such file or folder (give a run folder of `reprise train` or a model file of `reprise classify --save-models`)")
    return Classifier(p)
