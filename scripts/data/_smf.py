"""Minimal Standard MIDI File (SMF) reader and writer, standard library only.

Used by the corpus recipes in this folder to read MIDI files (count notes,
measure durations, keep one channel) and to write new ones.

Representation
--------------
A file is ``Smf(fmt, division, tracks)``; ``division`` is ticks per quarter
note (SMPTE divisions are rejected). A track is a list of ``(tick, msg)``
pairs with *absolute* ticks, in file order. ``msg`` is ``bytes``:

* channel message: status byte (with channel) + 1 or 2 data bytes;
* meta event: ``0xFF, type`` + payload (no length field);
* sysex: ``0xF0`` or ``0xF7`` + payload (no length field).

Running status is expanded on reading and not used on writing. The writer
adds the end-of-track meta event itself (at the track's last tick).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

META_END_OF_TRACK = 0x2F
META_TEMPO = 0x51
DEFAULT_TEMPO = 500_000  # microseconds per quarter note (120 bpm)
DRUM_CHANNEL = 9  # MIDI channel 10, counted from 0


class MidiError(ValueError):
    """The data is not a Standard MIDI File this module can read."""


@dataclass
class Smf:
    fmt: int
    division: int
    tracks: list[list[tuple[int, bytes]]] = field(default_factory=list)


def _read_varlen(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for _ in range(4):
        if pos >= len(data):
            raise MidiError("truncated variable-length number")
        byte = data[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, pos
    raise MidiError("variable-length number longer than 4 bytes")


def _varlen(value: int) -> bytes:
    if value < 0 or value > 0x0FFFFFFF:
        raise MidiError(f"value {value} does not fit a variable-length number")
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    return bytes(reversed(out))


def _data_len(status: int) -> int:
    """Number of data bytes after a channel-message status byte."""
    return 1 if status >> 4 in (0xC, 0xD) else 2


def _parse_track(data: bytes) -> list[tuple[int, bytes]]:
    events: list[tuple[int, bytes]] = []
    pos, tick, running = 0, 0, None
    while pos < len(data):
        delta, pos = _read_varlen(data, pos)
        tick += delta
        if pos >= len(data):
            raise MidiError("truncated event")
        first = data[pos]
        if first == 0xFF:  # meta event
            if pos + 1 >= len(data):
                raise MidiError("truncated meta event")
            mtype = data[pos + 1]
            length, pos = _read_varlen(data, pos + 2)
            events.append((tick, bytes((0xFF, mtype)) + data[pos:pos + length]))
            pos += length
            if mtype == META_END_OF_TRACK:
                break
        elif first in (0xF0, 0xF7):  # sysex or escape
            length, pos = _read_varlen(data, pos + 1)
            events.append((tick, bytes((first,)) + data[pos:pos + length]))
            pos += length
            running = None
        else:
            if first & 0x80:
                if first >= 0xF0:
                    raise MidiError(f"unexpected system message 0x{first:02X} in a file")
                running = first
                pos += 1
            elif running is None:
                raise MidiError("data byte without a status byte")
            n = _data_len(running)
            if pos + n > len(data):
                raise MidiError("truncated channel message")
            events.append((tick, bytes((running,)) + data[pos:pos + n]))
            pos += n
    return events


def parse(data: bytes) -> Smf:
    """Parse SMF bytes. Unknown chunk types are skipped."""
    if data[:4] != b"MThd":
        raise MidiError("no MThd header")
    (hlen,) = struct.unpack(">I", data[4:8])
    if hlen < 6:
        raise MidiError("MThd chunk too short")
    fmt, ntracks, division = struct.unpack(">HHH", data[8:14])
    if division & 0x8000:
        raise MidiError("SMPTE time division is not supported")
    if division == 0:
        raise MidiError("zero ticks per quarter note")
    smf = Smf(fmt, division)
    pos = 8 + hlen
    while pos + 8 <= len(data) and len(smf.tracks) < ntracks:
        ctype = data[pos:pos + 4]
        (clen,) = struct.unpack(">I", data[pos + 4:pos + 8])
        body = data[pos + 8:pos + 8 + clen]
        if len(body) < clen:
            raise MidiError("truncated chunk")
        if ctype == b"MTrk":
            smf.tracks.append(_parse_track(body))
        pos += 8 + clen
    if not smf.tracks:
        raise MidiError("no MTrk chunk")
    return smf


def read(path) -> Smf:
    with open(path, "rb") as fh:
        return parse(fh.read())


def _encode_track(events: list[tuple[int, bytes]]) -> bytes:
    out = bytearray()
    last = 0
    end_tick = 0
    for tick, msg in sorted(events, key=lambda e: e[0]):  # stable sort
        end_tick = max(end_tick, tick)
        if msg[0] == 0xFF and msg[1] == META_END_OF_TRACK:
            continue  # written once, at the end
        out += _varlen(tick - last)
        last = tick
        if msg[0] == 0xFF:
            out += msg[:2] + _varlen(len(msg) - 2) + msg[2:]
        elif msg[0] in (0xF0, 0xF7):
            out += msg[:1] + _varlen(len(msg) - 1) + msg[1:]
        else:
            out += msg
    out += _varlen(end_tick - last) + bytes((0xFF, META_END_OF_TRACK, 0))
    return b"MTrk" + struct.pack(">I", len(out)) + bytes(out)


def serialize(smf: Smf) -> bytes:
    head = b"MThd" + struct.pack(">IHHH", 6, smf.fmt, len(smf.tracks), smf.division)
    return head + b"".join(_encode_track(t) for t in smf.tracks)


# --- helpers -------------------------------------------------------------

def note_on(tick: int, channel: int, note: int, velocity: int) -> tuple[int, bytes]:
    return tick, bytes((0x90 | channel, note & 0x7F, max(1, min(127, velocity))))


def note_off(tick: int, channel: int, note: int) -> tuple[int, bytes]:
    return tick, bytes((0x80 | channel, note & 0x7F, 0))


def tempo_event(tick: int, bpm: float) -> tuple[int, bytes]:
    usec = max(1, min(0xFFFFFF, round(60_000_000 / bpm)))
    return tick, bytes((0xFF, META_TEMPO)) + usec.to_bytes(3, "big")


def track_name(tick: int, name: str) -> tuple[int, bytes]:
    return tick, bytes((0xFF, 0x03)) + name.encode("utf-8")


def is_note_on(msg: bytes) -> bool:
    return len(msg) == 3 and msg[0] >> 4 == 0x9 and msg[2] > 0


def is_note_off(msg: bytes) -> bool:
    return len(msg) == 3 and (msg[0] >> 4 == 0x8 or (msg[0] >> 4 == 0x9 and msg[2] == 0))


def channel_of(msg: bytes) -> int | None:
    """Channel (0-15) of a channel message, None for meta/sysex."""
    return msg[0] & 0x0F if 0x80 <= msg[0] < 0xF0 else None


def tempo_map(smf: Smf) -> list[tuple[int, int]]:
    """Sorted (tick, microseconds per quarter) pairs from all tracks."""
    tempos = [(tick, int.from_bytes(msg[2:5], "big"))
              for track in smf.tracks for tick, msg in track
              if msg[0] == 0xFF and msg[1] == META_TEMPO and len(msg) >= 5]
    tempos.sort(key=lambda t: t[0])
    return tempos


def seconds_at(tick: int, tempos: list[tuple[int, int]], division: int) -> float:
    """Time in seconds of ``tick`` under a tempo map (format 0/1 semantics)."""
    seconds, last_tick, usec = 0.0, 0, DEFAULT_TEMPO
    for t_tick, t_usec in tempos:
        if t_tick >= tick:
            break
        seconds += (t_tick - last_tick) * usec / division / 1e6
        last_tick, usec = t_tick, t_usec
    return seconds + (tick - last_tick) * usec / division / 1e6


def stats(smf: Smf) -> dict:
    """n_notes (note-ons with velocity > 0), n_drum_notes (those on channel
    10), and duration_s (time of the last event, end-of-track included)."""
    n_notes = n_drum = 0
    last_tick = 0
    for track in smf.tracks:
        for tick, msg in track:
            last_tick = max(last_tick, tick)
            if is_note_on(msg):
                n_notes += 1
                if msg[0] & 0x0F == DRUM_CHANNEL:
                    n_drum += 1
    if smf.fmt == 2:  # independent sequences: take the longest one
        duration = max(seconds_at(t[-1][0] if t else 0, tempo_map(Smf(0, smf.division, [t])),
                                  smf.division) for t in smf.tracks)
    else:
        duration = seconds_at(last_tick, tempo_map(smf), smf.division)
    return {"n_notes": n_notes, "n_drum_notes": n_drum, "duration_s": round(duration, 3)}


def note_events(smf: Smf, channel: int | None = None) -> list[tuple[int, int, int, int, int]]:
    """Notes as sorted (start_tick, end_tick, channel, note, velocity); a
    note still sounding at the end of its track ends at the track's last tick."""
    notes = []
    for track in smf.tracks:
        open_notes: dict[tuple[int, int], list[tuple[int, int]]] = {}
        end = track[-1][0] if track else 0
        for tick, msg in track:
            ch = channel_of(msg)
            if ch is None or (channel is not None and ch != channel):
                continue
            if is_note_on(msg):
                open_notes.setdefault((ch, msg[1]), []).append((tick, msg[2]))
            elif is_note_off(msg):
                stack = open_notes.get((ch, msg[1]))
                if stack:
                    start, vel = stack.pop(0)
                    notes.append((start, tick, ch, msg[1], vel))
        for (ch, note), stack in open_notes.items():
            notes.extend((start, end, ch, note, vel) for start, vel in stack)
    notes.sort()
    return notes
