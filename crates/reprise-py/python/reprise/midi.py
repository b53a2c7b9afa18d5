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
from ._common import check_int

__all__ = ["notes", "piano_roll", "write_roll"]


def notes(path: str | os.PathLike) -> tuple[list[dict], float]:
    """The notes of a standard MIDI file, sorted by onset: dicts with ``pitch``,
    ``velocity``, ``start_s``, ``end_s``, ``channel`` and ``program``; and the duration in
    seconds. Tempo changes are applied. Raises ``OSError`` naming a missing or malformed
    file.

    Parameters
    ----------
    path : str or path-like
        A standard MIDI file (``.mid``, format 0 or 1).

    Returns
    -------
    notes : list of dict
        One dict per note, sorted by onset: ``pitch`` (MIDI key 0 to 127),
        ``velocity`` (1 to 127), ``start_s`` and ``end_s`` (seconds, tempo changes
        applied), ``channel`` (0 to 15, 9 is percussion) and ``program`` (0 to 127,
        counted from 0).
    duration : float
        Length of the file in seconds.

    Raises
    ------
    OSError
        The file is missing or is not a valid MIDI file (the message names it).
    """
    text, duration = _reprise.midi_notes(os.fspath(path))
    return json.loads(text), duration


def piano_roll(path: str | os.PathLike, *, fps: float = 100.0, value: str = "velocity", drums: bool = False) -> np.ndarray:
    """The piano roll of a MIDI file: ``(128, ceil(duration * fps))`` float32, pitch × frame,
    like ``pretty_midi.PrettyMIDI.get_piano_roll(fs=fps)``.

    Frame ``f`` covers ``[f / fps, (f + 1) / fps)`` seconds; a note holds the frames
    from ``floor(start_s * fps)`` to ``floor(end_s * fps)``, at least one (so that
    notes shorter than a frame keep their onset).

    Parameters
    ----------
    path : str or path-like
        A standard MIDI file.
    fps : float > 0, default 100.0
        Frames per second (100 is 10 ms per frame).
    value : {"velocity", "binary"}, default "velocity"
        The note-on velocity (overlapping notes keep the largest, where pretty_midi sums),
        or 1 where a note sounds.
    drums : bool, default False
        Include the percussion channel (channel 10, 9 counted from 0).

    Returns
    -------
    roll : np.ndarray [shape=(128, n_frames), float32]
        ``roll[pitch, frame]``; ``n_frames = ceil(duration * fps)``, at least 1.

    Raises
    ------
    OSError
        The file is missing or is not a valid MIDI file (the message names it).
    ValueError
        ``fps`` is not a positive number or gives too many frames, or ``value`` is
        not ``"velocity"`` or ``"binary"``.
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
    roll's notes; ``program`` and ``channel`` (0-based) are given to every note.

    ``piano_roll(path, fps=fps)`` gives the roll back when its notes start and end on
    frame boundaries and notes of one pitch do not touch.

    Parameters
    ----------
    roll : np.ndarray [shape=(128, n_frames)]
        ``roll[pitch, frame]``, finite and non-negative; converted to float32.
        Zero is silence.
    path : str or path-like
        The MIDI file to write (replaced if it exists).
    fps : float > 0, default 100.0
        Frames per second of ``roll``: a note from frame ``a`` to ``b`` lasts from
        ``a / fps`` to ``b / fps`` seconds.
    value : {"velocity", "binary"}, default "velocity"
        What the cells hold. ``"velocity"``: velocities (rounded, clamped to 1 to
        127); a run of equal non-zero values is one note, and a change of value starts
        a new one. ``"binary"``: any non-zero value means a note sounds; each run of
        non-zero frames is one note of velocity ``velocity``.
    program : int, default 0
        General MIDI program (0 to 127, counted from 0) of every note.
    channel : int, default 0
        MIDI channel (0 to 15, counted from 0) of every note.
    velocity : int, default 100
        Velocity of the notes of a binary roll (clamped to 1 to 127); not used with
        ``value="velocity"``.

    Raises
    ------
    ValueError
        ``roll`` is not ``(128, frames)`` or holds NaN, infinity or negative values;
        ``fps`` is not positive; ``value`` is not ``"velocity"`` or ``"binary"``;
        ``program`` above 127 or ``channel`` above 15.
    OverflowError
        ``program``, ``channel`` or ``velocity`` negative or above 255.
    OSError
        The file cannot be written.
    """
    a = np.ascontiguousarray(roll, dtype=np.float32)
    if a.ndim != 2 or a.shape[0] != 128:
        raise ValueError(f"roll must be (128, frames), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("roll holds a non-finite value (NaN or infinity)")
    _reprise.write_roll(a, os.fspath(path), float(fps), value, check_int("program", program, 0, 127), check_int("channel", channel, 0, 15), check_int("velocity", velocity, 1, 127))
