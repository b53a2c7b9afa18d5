"""MIDI from Python: notes and piano rolls, as ``reprise midi``.

>>> roll = reprise.midi.piano_roll("bach.mid", fps=100)          # doctest: +SKIP
>>> roll.shape
(128, 12345)
"""

from __future__ import annotations

import json
import os

import numpy as np

from . import _reprise

__all__ = ["notes", "piano_roll", "write_roll"]


def notes(path: str | os.PathLike) -> tuple[list[dict], float]:
    """The notes of a standard MIDI file, sorted by onset: dicts with ``pitch``,
    ``velocity``, ``start_s``, ``end_s``, ``channel`` and ``program``; and the duration in
    seconds. Tempo changes are applied. Raises ``OSError`` naming a missing or malformed
    file."""
    text, duration = _reprise.midi_notes(os.fspath(path))
    return json.loads(text), duration


def piano_roll(path: str | os.PathLike, *, fps: float = 100.0, value: str = "velocity", drums: bool = False) -> np.ndarray:
    """The piano roll of a MIDI file: ``(128, ceil(duration * fps))`` float32, pitch × frame,
    like ``pretty_midi.PrettyMIDI.get_piano_roll(fs=fps)``.

    Parameters
    ----------
    fps : float, default 100
        Frames per second.
    value : "velocity" or "binary", default "velocity"
        The note-on velocity (overlapping notes keep the largest, where pretty_midi sums),
        or 1 where a note sounds.
    drums : bool, default False
        Include the percussion channel.
    """
    return _reprise.piano_roll(os.fspath(path), float(fps), value, bool(drums))


def write_roll(
    roll: np.ndarray,
    path: str | os.PathLike,
    *,
    fps: float = 100.0,
    value: str = "velocity",
    program: int = 0,
    channel: int = 0,
    velocity: int = 100,
) -> None:
    """Writes a piano roll ``(128, frames)`` as a MIDI file (atomically): each run of equal
    non-zero frames of a pitch becomes a note. ``velocity`` is the velocity of a binary
    roll's notes; ``program`` and ``channel`` (0-based) are given to every note."""
    a = np.ascontiguousarray(roll, dtype=np.float32)
    if a.ndim != 2 or a.shape[0] != 128:
        raise ValueError(f"roll must be (128, frames), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("roll holds a non-finite value (NaN or infinity)")
    _reprise.write_roll(a, os.fspath(path), float(fps), value, int(program), int(channel), int(velocity))
