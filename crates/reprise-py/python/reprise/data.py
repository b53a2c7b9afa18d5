"""Datasets from Python: manifests, splits and the rendered notes kit, as ``reprise data``.

A manifest is a list of rows (dicts with the CSV's columns: ``path``, ``label``,
``program``, ``pitch``, ``velocity``, ``soundfont``, ``family``, ``split``, ``duration_s``,
``rms``, ``peak``) and the folder its relative paths start from. Every function here calls
the same Rust code as the command line, so a manifest written from Python is the one
``reprise data split`` or ``reprise train`` reads.

>>> m = reprise.data.read_manifest("kit/manifest.csv")          # doctest: +SKIP
>>> m = reprise.data.split(m, by="family", train=["tim"], seed=0)
>>> m.subset("train").write("kit/train.csv")
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from . import _reprise
from ._common import check_int

__all__ = ["Manifest", "read_manifest", "split", "notes"]


@dataclass
class Manifest:
    """Rows of a manifest and the folder (``root``) their relative paths start from.

    Usually made by :func:`read_manifest`, :func:`split` or :func:`notes` rather than
    by hand.

    Parameters
    ----------
    rows : list of dict
        One dict per audio file, keyed by the manifest's columns: ``path`` (relative to
        ``root``, or absolute) and ``label`` are needed; ``program``, ``pitch``,
        ``velocity``, ``soundfont``, ``family``, ``split``, ``duration_s`` (seconds),
        ``rms`` and ``peak`` may be empty (``None`` or ``""``).
    root : str, default ""
        The folder relative paths start from (a manifest CSV's own folder); ``""``:
        the current directory.
    skipped : list of str, default []
        What :func:`notes` could not render (one line each); empty otherwise.

    Attributes
    ----------
    rows, root, skipped
        As given. ``len(manifest)`` is the number of rows.
    """

    rows: list[dict]
    root: str = ""
    skipped: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def files(self) -> list[str]:
        """The audio file of each row, resolved against ``root``.

        Returns
        -------
        files : list of str
            One path per row, in row order.

        Raises
        ------
        ValueError
            A row that is not a valid manifest row (e.g. without ``path``).
        """
        return _reprise.resolve_rows(self.root, json.dumps(self.rows))

    def labels(self) -> list[str]:
        """The label of each row.

        Returns
        -------
        labels : list of str
            One label per row, in row order.

        Raises
        ------
        KeyError
            A row without ``label``.
        """
        return [r["label"] for r in self.rows]

    def subset(self, split_name: str) -> "Manifest":
        """The rows whose ``split`` is ``split_name`` (``train``, ``val``, ``test``, ``fold0``...).

        Parameters
        ----------
        split_name : str
            A value of the ``split`` column, as :func:`split` fills it: ``"train"``,
            ``"val"``, ``"test"``, or ``"fold0"`` ... ``"fold{folds-1}"``.

        Returns
        -------
        Manifest
            The matching rows (none if no row matches), same ``root``; ``skipped`` is
            not carried over.
        """
        return Manifest([r for r in self.rows if r.get("split") == split_name], self.root)

    def write(self, path: str | os.PathLike) -> None:
        """Writes the rows as a manifest CSV (atomically); relative paths stay relative to
        ``root``, so write it in ``root`` or give absolute paths.

        Parameters
        ----------
        path : str or path-like
            The CSV file to write (replaced if it exists).

        Raises
        ------
        OSError, ValueError
            The file cannot be written, or a row is not a valid manifest row.
        """
        _reprise.write_manifest(self.root, json.dumps(self.rows), os.fspath(path))


def read_manifest(path: str | os.PathLike) -> Manifest:
    """Reads a manifest CSV (at least the columns ``path,label``), or a folder whose
    subfolders are the labels (``FOLDER/LABEL/*.wav``).

    Parameters
    ----------
    path : str or path-like
        A manifest CSV file, or a folder of ``LABEL/`` subfolders of audio files.

    Returns
    -------
    Manifest
        Its rows, with ``root`` the CSV's folder (or the folder itself).

    Raises
    ------
    OSError, ValueError
        The file is missing, empty, not a CSV, or lacks a column (one line naming it).
    """
    if not os.path.exists(path):
        raise OSError(f"{os.fspath(path)}: no such file or folder")
    root, rows = _reprise.read_manifest(os.fspath(path))
    return Manifest(json.loads(rows), root)


def split(
    manifest: Manifest,
    *,
    by: str = "family",
    train: Iterable[str] | None = None,
    test: Iterable[str] | None = None,
    val: float = 0.1,
    test_fraction: float = 0.15,
    folds: int = 5,
    seed: int = 0,
) -> Manifest:
    """Fills the ``split`` column as ``reprise data split`` does; returns a new manifest.

    Clips of one note at several velocities (one SoundFont, program and pitch) never
    straddle splits. Deterministic for a seed.

    Parameters
    ----------
    manifest : Manifest
        The rows to split; it is not modified.
    by : {"family", "random", "folds"}, default "family"
        ``family``: train (and validate) on the SoundFont families ``train``, test on
        ``test`` (default: every other family) — the cross-dataset protocol. ``random``:
        stratified train/val/test. ``folds``: stratified ``fold0`` … ``fold{folds-1}``.
    train : list of str or None, default None
        Families (the ``family`` column) to train and validate on, for
        ``by="family"``, where it is required. Not used otherwise.
    test : list of str or None, default None
        Families to test on, for ``by="family"``; ``None`` or empty: every family not
        in ``train``.
    val : float in [0, 1), default 0.1
        Fraction of each label's groups held out for validation (``by="family"`` and
        ``by="random"``).
    test_fraction : float in [0, 1), default 0.15
        Fraction of each label's groups for test, for ``by="random"``.
    folds : int >= 2, default 5
        Number of folds, for ``by="folds"``.
    seed : int >= 0, default 0
        Seed of the shuffle; the same seed gives the same split.

    Returns
    -------
    Manifest
        The same rows with ``split`` filled, same ``root``.

    Raises
    ------
    ValueError
        ``by`` not one of the three; ``by="family"`` without ``train`` or on a manifest
        without families; ``val``, ``test_fraction`` or ``folds`` out of range.
    OverflowError
        A negative ``seed``.
    """
    if by == "family" and not train:
        raise ValueError("split(by='family') needs train=[families] (e.g. ['tim'])")
    rows = _reprise.split_rows(
        manifest.root, json.dumps(manifest.rows), by, list(train or []), list(test or []), float(val), float(test_fraction), check_int("folds", folds, 2), check_int("seed", seed, 0)
    )
    return Manifest(json.loads(rows), manifest.root)


def notes(
    out: str | os.PathLike,
    *,
    soundfonts: Sequence[str] = (),
    classes: str = "seed8",
    pitches: str | None = None,
    sr: int = 16000,
    duration_s: float = 4.0,
    seed: int = 0,
    step: int = 2,
    velocities: Sequence[int] = (64, 112),
    hold_s: float = 3.0,
) -> Manifest:
    """Renders isolated notes of each instrument class through SoundFonts into ``out``
    (WAV files and ``out/manifest.csv``), as ``reprise data notes``.

    Parameters
    ----------
    out : str or path-like
        Output folder (created if needed).
    soundfonts : list of str, default ()
        Short names (``tim``, ``fluid``, ``freepats``, ...), paths, or ``FAMILY=PATH``;
        empty: the usual ones that are installed.
    classes : str, default "seed8"
        ``seed8``, ``gm15``, or a comma-separated list of classes: labels of those
        sets (``piano``, ``violin``, ...), General MIDI programs (numbers 0 to 127,
        counted from 0) or GM names (``viola``, ``acoustic_grand_piano``, ...).
    pitches : str or None, default None
        A key range ``"LO..HI"`` (MIDI numbers) narrowing every class's own (e.g.
        ``"48..72"``); ``None`` keeps each class's range.
    sr : int, default 16000
        Sample rate of the WAV files, Hz (16000 to 192000).
    duration_s : float, default 4.0
        Clip length, seconds (0.05 to 600).
    seed : int >= 0, default 0
        Seed of the stratified 70/15/15 train/val/test ``split`` column written to the
        manifest (:func:`split` makes others). The same settings give the same bytes.
    step : int >= 1, default 2
        Every ``step``-th key (semitone) of each class's range.
    velocities : list of int, default (64, 112)
        MIDI velocities (1 to 127) each key is rendered at; one clip per velocity.
    hold_s : float, default 3.0
        How long the key is held, seconds (> 0 and at most ``duration_s``); the rest
        of the clip is release.

    Returns
    -------
    Manifest
        Its rows, with ``skipped`` listing what could not be rendered.

    Raises
    ------
    ValueError
        An unknown class or SoundFont, a malformed ``pitches``, a parameter out of
        range, or no clip rendered at all.
    OSError
        ``out`` cannot be written.
    OverflowError
        A negative ``sr``, ``seed`` or ``step``, or a velocity above 255.
    """
    rows, skipped = _reprise.build_notes(
        os.fspath(out), list(soundfonts), classes, pitches, check_int("sr", sr, 1), float(duration_s), check_int("seed", seed, 0), check_int("step", step, 1, 127), [check_int("velocity", v, 1, 127) for v in velocities], float(hold_s)
    )
    return Manifest(json.loads(rows), os.fspath(out), list(skipped))
