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

__all__ = ["Manifest", "read_manifest", "split", "notes"]


@dataclass
class Manifest:
    """Rows of a manifest and the folder (``root``) their relative paths start from."""

    rows: list[dict]
    root: str = ""
    skipped: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def files(self) -> list[str]:
        """The audio file of each row, resolved against ``root``."""
        return _reprise.resolve_rows(self.root, json.dumps(self.rows))

    def labels(self) -> list[str]:
        """The label of each row."""
        return [r["label"] for r in self.rows]

    def subset(self, split_name: str) -> "Manifest":
        """The rows whose ``split`` is ``split_name`` (``train``, ``val``, ``test``, ``fold0``...)."""
        return Manifest([r for r in self.rows if r.get("split") == split_name], self.root)

    def write(self, path: str | os.PathLike) -> None:
        """Writes the rows as a manifest CSV (atomically); relative paths stay relative to
        ``root``, so write it in ``root`` or give absolute paths."""
        _reprise.write_manifest(self.root, json.dumps(self.rows), os.fspath(path))


def read_manifest(path: str | os.PathLike) -> Manifest:
    """Reads a manifest CSV (at least the columns ``path,label``), or a folder whose
    subfolders are the labels (``FOLDER/LABEL/*.wav``).

    Raises
    ------
    OSError, ValueError
        The file is missing, empty, not a CSV, or lacks a column (one line naming it).
    """
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

    Parameters
    ----------
    by : "family", "random" or "folds", default "family"
        ``family``: train (and validate) on the SoundFont families ``train``, test on
        ``test`` (default: every other family) — the cross-dataset protocol. ``random``:
        stratified train/val/test. ``folds``: stratified ``fold0`` … ``fold{folds-1}``.
    train, test : list of str
        Families, for ``by="family"``.
    val : float, default 0.1
        Fraction of each label's groups held out for validation.
    test_fraction : float, default 0.15
        Fraction for test, for ``by="random"``.
    folds : int, default 5
    seed : int, default 0

    Clips of one note at several velocities (one SoundFont, program and pitch) never
    straddle splits. Deterministic for a seed.
    """
    if by == "family" and not train:
        raise ValueError("split(by='family') needs train=[families] (e.g. ['tim'])")
    rows = _reprise.split_rows(
        manifest.root, json.dumps(manifest.rows), by, list(train or []), list(test or []), float(val), float(test_fraction), int(folds), int(seed)
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
    out : path
        Output folder.
    soundfonts : list of str
        Short names (``tim``, ``fluid``, ``freepats``, ...), paths, or ``FAMILY=PATH``;
        empty: the usual ones that are installed.
    classes : str, default "seed8"
        ``seed8``, ``gm15``, or a comma-separated list of classes.
    pitches : str or None
        A key range ``"LO..HI"`` (MIDI numbers) narrowing every class's own (e.g. ``"48..72"``).
    sr : int, default 16000
        Sample rate of the WAV files, Hz.
    duration_s : float, default 4.0
        Clip length, seconds.
    seed : int, default 0
    step : int, default 2
        Every ``step``-th key of each class's range.
    velocities : list of int, default (64, 112)
    hold_s : float, default 3.0
        How long the key is held, seconds; the rest is release.

    Returns
    -------
    Manifest
        Its rows, with ``skipped`` listing what could not be rendered.
    """
    rows, skipped = _reprise.build_notes(
        os.fspath(out), list(soundfonts), classes, pitches, int(sr), float(duration_s), int(seed), int(step), [int(v) for v in velocities], float(hold_s)
    )
    return Manifest(json.loads(rows), os.fspath(out), list(skipped))
