#!/usr/bin/env python3
"""Build test pieces with known repeated sections, a transposition set and a CAE training set.

Usage:  python3 scripts/data/pattern_corpus.py --venv /tmp/m21 OUT_DIR
        python3 scripts/data/pattern_corpus.py --venv /tmp/m21 --train-hours 1 --jobs 2 OUT_DIR

Ground truth for the MIREX task "Discovery of Repeated Themes & Sections"
(patterns = repeated sections), built from scores of the music21 corpus and
rendered with `reprise midi render`. Three parts, each in its own folder:

test/        9 pieces of 60-150 s, each assembled from excerpts of 4-8 whole
             bars ("sections" A, B, C ...) of one score (Mozart K545/i
             exposition, Joplin's Maple Leaf Rag, Clara Schumann's polonaises
             op. 1 nos. 1-3) or of two Bach chorales (repeated sections from
             the first, filler from the second). The sections are laid out in
             a form such as  A B A(+3) X B A(-5):  a repeat is either exact or
             transposed by k semitones (k in -7..-1, 1..7), and X, Y are
             filler that occurs once. Sections of one piece are checked to
             differ: no single (time, pitch) translation maps half or more
             of the smaller section's notes onto the other, so the ground
             truth leaves out no repeat of a section (motifs that repeat
             inside the music are not annotated). Each piece is one-track piano
             MIDI (format 0, channel 1, program 0, one tempo and one velocity)
             in test/midi/, and its ground truth is in test/gt/PIECE.txt in
             the MIREX text format that mir_eval.io.load_patterns and
             `reprise eval-patterns` read: one pattern per repeated section,
             every occurrence listed with all of its notes, one
             `onset, pitch` line per note (onset in quarter notes from the
             start of the piece, 5 decimals; MIDI pitch; transposed
             occurrences with their transposed pitches). Every piece is
             rendered with each --soundfont (default: fluid and tim) into
             test/audio/PIECE_SOUNDFONT.wav. test/pieces.csv lists
             piece,soundfont,audio,midi,groundtruth,bpm,duration_s,sections
             (paths relative to test/; duration_s of the audio, including the
             1 s release tail; sections is the form as text).
invariance/  4 held-out pieces (Clara Schumann op. 1 no. 4, Beach "Prayer of a
             tired child", Schoenberg op. 19 no. 2 and one chorale), each cut
             to whole bars lasting at most --invariance-max-s seconds and
             transposed up by k = 0..12 semitones, rendered with fluid.
             invariance/manifest.csv: piece,k,audio,midi.
train/       Bach chorales rendered through FluidR3 only (the fluid family,
             MIT), about --train-hours hours: chorales in a seeded order, each
             at a seeded tempo (72-100 bpm) and velocity, until the hours are
             reached. No score used by test/ or invariance/ is used here,
             and neither is any chorale whose soprano starts with the same
             ten intervals (counted with or without repeated notes) as a
             chorale used there, i.e. another harmonisation of the same
             tune; the script asserts both. train/manifest.csv
             (path,label,program,soundfont,family,split,duration_s; label
             `piano`; paths relative to train/, as `reprise` reads
             manifests) and train/sources.txt (one music21 score id a line).

All audio is 16-bit mono WAV at 22050 Hz. All MIDI is written by _smf.py at
480 ticks per quarter note: notes of all parts (ties joined, grace notes
dropped; unisons merged and a note cut where the same pitch starts again).
Repeats in the scores are not expanded; bars under first/second-ending
brackets are never used in a section.

OUT_DIR/recipe.json records everything needed to rebuild the corpus: the
seed, the music21 version, and for every piece the music21 score ids, the
bar ranges of every excerpt, the form, transpositions, tempo, velocity and
the SHA-256 of each MIDI file. A bar range is given twice: `bar_index`
counts the measures of the score's first part from 0 (first and last,
inclusive) and is the one to trust; `bars` gives the notated numbers, which
repeat in a few corpus files (bwv42.7 numbers two bars 16 and 17).
OUT_DIR/licences/ holds the music21 and SoundFont licence files.

Every random choice comes from --seed, so the same seed, music21 version and
reprise binary give the same corpus. Re-running skips work already done:
MIDI files are rewritten only when their bytes change, and a WAV is rendered
only when it is missing or older than its MIDI. Files of the script's own
folders that are no longer planned (for example after lowering
--train-hours) are deleted. Everything is written to a temporary file and
renamed into place. The notes taken from each score are cached in
OUT_DIR/.cache/notes/.

Requires music21 10.5.1 (the corpus is inside the PyPI wheel). --venv DIR
creates DIR if needed, runs `pip install music21==10.5.1` there (pip also
fetches music21's own dependencies) and re-runs this script with that
interpreter, as piano_corpus.py does. Rendering needs the reprise binary
(--reprise; default: target/release/reprise of this repository, else
`reprise` on PATH) and the SoundFonts: FluidR3_GM from the Debian package
fluid-soundfont-gm, TimGM6mb from timgm6mb-soundfont (`reprise data
soundfonts` lists what is installed).
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import math
import os
import random
import shutil
import subprocess
import sys
import time
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _smf  # noqa: E402
import piano_corpus  # noqa: E402  (chorale list and music21 pin)
from _common import (ensure_music21, atomic_copy, atomic_write_bytes, atomic_write_text, fail,  # noqa: E402
                     log, write_csv_atomic)

PROG = "pattern_corpus.py"
MUSIC21_VERSION = piano_corpus.MUSIC21_VERSION
TPQ = 480  # MIDI ticks per quarter note
SR = 22050
DEFAULT_SEED = 20240917
RENDER_TAIL_S = 1.0  # reprise midi render's default --tail-s
MAX_OVERLAP = 0.5  # largest translation overlap allowed between two sections of a piece
MIN_SECTION_NOTES = 16
PIECE_S = (60.0, 150.0)
TRANSPOSITIONS = [k for k in range(-7, 8) if k]
LOWEST, HIGHEST = 21, 108  # piano range kept by the transpositions of test pieces

# Forms: a letter is a section; "~" marks an occurrence transposed by its own k,
# a letter without it an exact repeat; X and Y are filler and occur once.
FORMS = [
    "A B A~ X B A~",
    "X A B A~ Y B~ A",
    "A B X A~ B~ C A C~",
    "A X A~ B Y B A~ B~",
    "A B A~ X B~ A B A~",
]
FILLERS = {"X", "Y"}

# Test pieces: (name, music21 score ids, bars per section, bpm range). A source
# "chorale" is a Bach chorale drawn with the seed; the piece is then named after it.
TEST_SPECS = [
    ("mozart_k545", ["mozart/k545/movement1_exposition.mxl"], (4, 4), (96, 126)),
    ("joplin_maple_leaf_rag", ["joplin/maple_leaf_rag.mxl"], (8, 8), (90, 110)),
    ("clara_schumann_polonaise1", ["schumann_clara/polonaise_op1n1.mxl"], (6, 8), (96, 126)),
    ("clara_schumann_polonaise2", ["schumann_clara/polonaise_op1n2.mxl"], (6, 8), (96, 126)),
    ("clara_schumann_polonaise3", ["schumann_clara/polonaise_op1n3.mxl"], (6, 8), (96, 126)),
    ("chorale", ["chorale", "chorale"], (4, 6), (90, 112)),
    ("chorale", ["chorale", "chorale"], (4, 6), (90, 112)),
    ("chorale", ["chorale", "chorale"], (4, 6), (90, 112)),
    ("chorale", ["chorale", "chorale"], (4, 6), (90, 112)),
]
# Invariance pieces: (name, music21 score id, bpm).
INVARIANCE_SPECS = [
    ("clara_schumann_polonaise4", "schumann_clara/polonaise_op1n4.mxl", 92),
    ("beach_prayer_of_a_tired_child", "beach/prayer_of_a_tired_child.musicxml", 72),
    ("schoenberg_op19_no2", "schoenberg/opus19/movement2.mxl", 60),
    ("chorale", "chorale", 80),
]
INVARIANCE_K = range(0, 13)
TRAIN_BPM = (72, 100)
VELOCITY = (70, 100)
TUNE_INTERVALS = 10  # soprano intervals that identify a chorale tune
CACHE_VERSION = 1  # of the notes cached in OUT_DIR/.cache/notes/


# --- environment ------------------------------------------------------------------



def find_reprise(arg: str | None) -> str:
    if arg:
        path = shutil.which(arg) or (arg if Path(arg).exists() else None)
        if not path:
            fail(PROG, f"reprise binary {arg} not found")
        return str(Path(path).resolve())
    local = HERE.parent.parent / "target" / "release" / "reprise"
    if local.exists():
        return str(local)
    found = shutil.which("reprise")
    if not found:
        fail(PROG, "reprise not found: build it (cargo build --release) or pass --reprise PATH")
    return found


def installed_soundfonts(reprise: str) -> dict[str, tuple[str, str]]:
    """{name: (family, file)} of the SoundFonts `reprise data soundfonts` finds installed."""
    proc = subprocess.run([reprise, "data", "soundfonts"], capture_output=True, text=True)
    if proc.returncode != 0:
        fail(PROG, f"'{reprise} data soundfonts' failed: {proc.stderr.strip()[-300:]}")
    out = {}
    for line in proc.stdout.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and not parts[2].startswith("not installed"):
            out[parts[0]] = (parts[1], parts[2])
    return out


# --- notes of a score --------------------------------------------------------------

def ticks(ql) -> int:
    return int(round(float(ql) * TPQ))


def clean_notes(notes):
    """Sorted unique (start, end, pitch): unisons merged (longest kept), and a note cut
    where the same pitch starts again, so that one MIDI channel can play them."""
    by_pitch = collections.defaultdict(dict)
    for start, end, pitch in notes:
        if end > start:
            d = by_pitch[pitch]
            d[start] = max(d.get(start, 0), end)
    out = []
    for pitch, d in by_pitch.items():
        starts = sorted(d)
        for i, s in enumerate(starts):
            e = d[s] if i + 1 == len(starts) else min(d[s], starts[i + 1])
            out.append((s, e, pitch))
    return sorted(out)


def extract_score(music21, rel: str) -> dict:
    """Notes (ticks), bars and a few facts of one corpus score."""
    full = Path(music21.corpus.__file__).parent / rel
    score = music21.converter.parse(str(full), forceSource=True, storePickle=False)
    parts = list(score.parts) or [score]
    notes = []
    for part in parts:
        for el in part.stripTies(inPlace=False).flatten().notes:
            if el.duration.isGrace or el.quarterLength <= 0 or not hasattr(el, "pitches"):
                continue
            start, end = ticks(el.offset), ticks(el.offset + el.quarterLength)
            notes.extend((start, end, p.midi) for p in el.pitches)
    notes = clean_notes(notes)
    bars = []
    for m in parts[0].getElementsByClass("Measure"):
        length = ticks(m.duration.quarterLength)
        bar = ticks(m.barDuration.quarterLength)
        bars.append({"number": str(m.number) + (m.numberSuffix or ""), "start": ticks(m.offset),
                     "length": length, "full": length == bar and length > 0})
    bracketed = set()
    for br in score.recurse().getElementsByClass("RepeatBracket"):
        for m in br.getSpannedElements():
            if "Measure" in m.classes:
                bracketed.add(str(m.number) + (m.numberSuffix or ""))
    for b in bars:
        b["bracket"] = b["number"] in bracketed
    sigs = [ts.ratioString for ts in parts[0].recurse().getElementsByClass("TimeSignature")]
    soprano = next((p for p in parts if "soprano" in (p.partName or "").lower()), parts[0])
    top = {}
    for el in soprano.stripTies(inPlace=False).flatten().notes:
        if not el.duration.isGrace and hasattr(el, "pitches"):
            top[ticks(el.offset)] = max(p.midi for p in el.pitches)
    melody = [top[t] for t in sorted(top)]
    md = score.metadata
    return {
        "source": rel, "music21": music21.__version__, "cache": CACHE_VERSION,
        "title": (md.bestTitle if md else None) or Path(rel).stem,
        "composer": md.composer if md else None,
        "time_signatures": sorted(set(sigs)), "first_time_signature": sigs[0] if sigs else None,
        "bars": bars, "notes": notes,
        "melody": melody[:4 * TUNE_INTERVALS],
        "end": max([n[1] for n in notes] + [b["start"] + b["length"] for b in bars]),
    }


class Scores:
    """music21 corpus scores, read once and cached as JSON in OUT_DIR/.cache/notes/."""

    def __init__(self, music21, cache: Path):
        self.music21, self.cache, self.mem = music21, cache, {}
        self.parsed = 0

    def get(self, rel: str) -> dict:
        if rel in self.mem:
            return self.mem[rel]
        path = self.cache / (rel.replace("/", "__") + ".json")
        data = None
        if path.exists():
            try:
                data = json.loads(path.read_text())
            except ValueError:
                data = None
            if data and (data.get("music21"), data.get("cache")) != (self.music21.__version__,
                                                                    CACHE_VERSION):
                data = None
        if data is None:
            data = extract_score(self.music21, rel)
            self.parsed += 1
            atomic_write_text(path, json.dumps(data, separators=(",", ":")) + "\n")
        data["notes"] = [tuple(n) for n in data["notes"]]
        self.mem[rel] = data
        return data


def tune_keys(score: dict) -> set[tuple]:
    """Keys of a chorale's tune: the first TUNE_INTERVALS soprano intervals, as written and
    with repeated notes left out (empty when the soprano is too short)."""
    steps = [b - a for a, b in zip(score["melody"], score["melody"][1:])]
    moves = [d for d in steps if d]
    return {("strict", *x) for x in (steps[:TUNE_INTERVALS],) if len(x) == TUNE_INTERVALS} | \
           {("moves", *x) for x in (moves[:TUNE_INTERVALS],) if len(x) == TUNE_INTERVALS}


def stem_of(rel: str) -> str:
    return Path(rel).name.rsplit(".", 1)[0]


# --- test pieces ------------------------------------------------------------------

def section_starts(score: dict, n_bars: int, taken: set[int]) -> list[int]:
    """Indices i such that bars i..i+n_bars-1 are whole, contiguous, not under an
    ending bracket and not taken by another section."""
    bars, out = score["bars"], []
    for i in range(len(bars) - n_bars + 1):
        run = bars[i:i + n_bars]
        if any(not b["full"] or b["bracket"] for b in run) or taken & set(range(i, i + n_bars)):
            continue
        if all(run[j]["start"] + run[j]["length"] == run[j + 1]["start"] for j in range(n_bars - 1)):
            out.append(i)
    return out


def excerpt(score: dict, i: int, n_bars: int) -> dict:
    """Notes starting in bars i..i+n_bars-1, relative to the first bar, cut at the end."""
    bars = score["bars"]
    start = bars[i]["start"]
    end = bars[i + n_bars - 1]["start"] + bars[i + n_bars - 1]["length"]
    notes = [(s - start, min(e, end) - start, p) for s, e, p in score["notes"] if start <= s < end]
    return {"source": score["source"], "bar_index": [i, i + n_bars - 1],
            "bars": [bars[i]["number"], bars[i + n_bars - 1]["number"]],
            "start_ql": start / TPQ, "length": end - start, "notes": clean_notes(notes)}


def translation_overlap(a: list, b: list) -> float:
    """Largest share of the smaller note set that one (time, pitch) translation maps
    onto the other set (SIA-style difference-vector count)."""
    pa = {(s, p) for s, _, p in a}
    pb = {(s, p) for s, _, p in b}
    if not pa or not pb:
        return 0.0
    counts = collections.Counter((tb - ta, qb - qa) for ta, qa in pa for tb, qb in pb)
    return max(counts.values()) / min(len(pa), len(pb))


def plan_test_piece(name: str, sources: list[dict], bars: tuple, bpm_range: tuple,
                    rng: random.Random, tries: int = 5000) -> dict:
    for _ in range(tries):
        form = rng.choice(FORMS)
        tokens = form.split()
        labels = list(dict.fromkeys(t.rstrip("~") for t in tokens))
        taken = collections.defaultdict(set)
        sections, ok = {}, True
        for lab in labels:
            si = len(sources) - 1 if lab in FILLERS else 0
            n_bars = rng.randint(*bars)
            starts = section_starts(sources[si], n_bars, taken[si])
            if not starts:
                ok = False
                break
            i = rng.choice(starts)
            sec = excerpt(sources[si], i, n_bars)
            if len(sec["notes"]) < MIN_SECTION_NOTES:
                ok = False
                break
            taken[si] |= set(range(i, i + n_bars))
            sections[lab] = sec
        if not ok:
            continue
        overlap = max(translation_overlap(sections[x]["notes"], sections[y]["notes"])
                      for j, x in enumerate(labels) for y in labels[j + 1:])
        if overlap >= MAX_OVERLAP:
            continue
        segments, ks_used = [], collections.defaultdict(set)
        for tok in tokens:
            lab = tok.rstrip("~")
            k = 0
            if tok.endswith("~"):
                pitches = [p for _, _, p in sections[lab]["notes"]]
                choices = [k for k in TRANSPOSITIONS if k not in ks_used[lab]
                           and min(pitches) + k >= LOWEST and max(pitches) + k <= HIGHEST]
                if not choices:
                    ok = False
                    break
                k = rng.choice(choices)
                ks_used[lab].add(k)
            segments.append((lab, k))
        if not ok:
            continue
        total = sum(sections[lab]["length"] for lab, _ in segments)
        total_ql = total / TPQ
        lo = max(bpm_range[0], math.ceil(total_ql * 60 / PIECE_S[1]))
        hi = min(bpm_range[1], math.floor(total_ql * 60 / PIECE_S[0]))
        if lo > hi:
            continue
        bpm = rng.randint(lo, hi)
        return assemble(name, sources, form, sections, segments, bpm, rng.randint(*VELOCITY),
                        overlap)
    fail(PROG, f"{name}: no layout found in {tries} tries (sources {[s['source'] for s in sources]})")


def assemble(name, sources, form, sections, segments, bpm, velocity, overlap) -> dict:
    notes, placed, onset = [], [], 0
    for lab, k in segments:
        sec = sections[lab]
        occ = [(onset + s, onset + e, p + k) for s, e, p in sec["notes"]]
        notes.extend(occ)
        placed.append({"label": lab, "k": k, "start": onset, "end": onset + sec["length"],
                       "notes": occ})
        onset += sec["length"]
    counts = collections.Counter(lab for lab, _ in segments)
    patterns = [{"label": lab, "occurrences": [p for p in placed if p["label"] == lab]}
                for lab in dict.fromkeys(lab for lab, _ in segments) if counts[lab] > 1]
    text = " ".join(lab if k == 0 else f"{lab}({k:+d})" for lab, k in segments)
    return {
        "name": name, "sources": [s["source"] for s in sources], "form": form, "sections": text,
        "bpm": bpm, "velocity": velocity, "time_signature": sources[0]["first_time_signature"],
        "length_ql": onset / TPQ, "duration_s": round(onset / TPQ * 60 / bpm, 3),
        "max_section_overlap": round(overlap, 3),
        "section_excerpts": {lab: {k: v for k, v in sec.items() if k not in ("notes", "length")}
                             | {"n_notes": len(sec["notes"]), "length_ql": sec["length"] / TPQ}
                             for lab, sec in sections.items()},
        "segments": [{"label": p["label"], "k": p["k"], "onset_ql": p["start"] / TPQ,
                      "length_ql": (p["end"] - p["start"]) / TPQ} for p in placed],
        "notes": clean_notes(notes), "_placed": placed, "_patterns": patterns,
    }


def mirex_text(patterns: list[dict]) -> str:
    lines = []
    for i, pat in enumerate(patterns, 1):
        lines.append(f"pattern{i}")
        for j, occ in enumerate(pat["occurrences"], 1):
            lines.append(f"occurrence{j}")
            lines.extend(f"{s / TPQ:.5f}, {p}" for s, _, p in sorted(occ["notes"]))
    return "\n".join(lines) + "\n"


def load_patterns_text(text: str) -> list:
    """The parser of mir_eval.io.load_patterns (0.8), on a string."""
    out, pattern, occ = [], [], []
    for line in text.splitlines(keepends=True):
        if "pattern" in line:
            if occ:
                pattern.append(occ)
            if pattern:
                out.append(pattern)
            occ, pattern = [], []
            continue
        if "occurrence" in line:
            if occ:
                pattern.append(occ)
            occ = []
            continue
        vals = line.split(",")
        occ.append((float(vals[0]), float(vals[1])))
    if occ:
        pattern.append(occ)
    if pattern:
        out.append(pattern)
    return out


def check_test_piece(piece: dict, midi: bytes, gt_text: str):
    """The ground truth read back as mir_eval reads it equals the plan; the notes of every
    occurrence are exactly the MIDI notes that start inside it, and every occurrence is the
    first one moved in time and transposed by its k. Raises AssertionError."""
    smf = _smf.parse(midi)
    assert smf.division == TPQ and len(smf.tracks) == 1
    tempos = _smf.tempo_map(smf)
    assert len(tempos) == 1 and abs(60e6 / tempos[0][1] - piece["bpm"]) < 0.01, tempos
    midi_notes = [(s, n) for s, _, _, n, _ in _smf.note_events(smf)]
    assert len(midi_notes) == len(set(midi_notes)) == len(piece["notes"])
    loaded = load_patterns_text(gt_text)
    assert len(loaded) == len(piece["_patterns"]) >= 2
    for pat, ref in zip(loaded, piece["_patterns"]):
        first = ref["occurrences"][0]
        assert len(pat) == len(ref["occurrences"]) >= 2
        for occ_pts, occ in zip(pat, ref["occurrences"]):
            inside = sorted((s, n) for s, n in midi_notes if occ["start"] <= s < occ["end"])
            pts = sorted((round(t * TPQ), int(p)) for t, p in occ_pts)
            assert all(abs(t * TPQ - round(t * TPQ)) < 0.01 for t, _ in occ_pts)
            assert pts == inside, (piece["name"], ref["label"], occ["start"])
            dt, dk = occ["start"] - first["start"], occ["k"] - first["k"]
            moved = sorted((s + dt, p + dk) for s, _, p in first["notes"])
            assert moved == pts, (piece["name"], ref["label"], occ["start"])


# --- MIDI and audio -----------------------------------------------------------------

def write_midi(notes: list, bpm: float, velocity: int, name: str, time_sig: str | None,
               transpose: int = 0) -> bytes:
    track = [_smf.track_name(0, name), _smf.tempo_event(0, bpm)]
    if time_sig and "/" in time_sig:
        num, den = (int(x) for x in time_sig.split("/"))
        if den & (den - 1) == 0 and 0 < num < 256:
            track.append((0, bytes((0xFF, 0x58, num, den.bit_length() - 1, 24, 8))))
    track.append((0, bytes((0xC0, 0))))
    events = []
    for s, e, p in notes:
        p += transpose
        if not 0 <= p <= 127:
            raise ValueError(f"{name}: pitch {p} out of MIDI range")
        events.append((e, 0, p, _smf.note_off(e, 0, p)[1]))
        events.append((s, 1, p, _smf.note_on(s, 0, p, velocity)[1]))
    events.sort()  # note-offs before note-ons at the same tick
    track.extend((t, msg) for t, _, _, msg in events)
    return _smf.serialize(_smf.Smf(0, TPQ, [track]))


def put_bytes(path: Path, data: bytes) -> bool:
    """Write data unless the file already holds it; True when written."""
    if path.exists() and path.read_bytes() == data:
        return False
    atomic_write_bytes(path, data)
    return True


def needs_render(midi: Path, wav: Path) -> bool:
    return not wav.exists() or wav.stat().st_mtime < midi.stat().st_mtime


def render(reprise: str, midi: Path, wav: Path, soundfont: str):
    tmp = wav.with_name(f".{wav.stem}.{os.getpid()}.tmp.wav")
    try:
        proc = subprocess.run([reprise, "midi", "render", str(midi), "-o", str(tmp),
                               "--soundfont", soundfont, "--sr", str(SR)],
                              capture_output=True, text=True)
        if proc.returncode != 0 or not tmp.exists():
            raise RuntimeError(f"render of {midi.name} with {soundfont} failed: "
                               f"{(proc.stderr.strip().splitlines() or ['no message'])[-1]}")
        os.replace(tmp, wav)
    finally:
        if tmp.exists():
            tmp.unlink()


def render_all(reprise: str, jobs: list[tuple[Path, Path, str]], n_workers: int, what: str):
    todo = [j for j in jobs if needs_render(j[0], j[1])]
    if not todo:
        log(PROG, f"{what}: {len(jobs)} renders already done")
        return
    log(PROG, f"{what}: rendering {len(todo)} of {len(jobs)} files ({n_workers} job(s))")
    start = time.time()
    with ThreadPoolExecutor(n_workers) as pool:
        for future in [pool.submit(render, reprise, *j) for j in todo]:
            try:
                future.result()
            except RuntimeError as err:
                fail(PROG, str(err))
    log(PROG, f"{what}: rendered in {time.time() - start:.0f} s")


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        if (w.getnchannels(), w.getsampwidth(), w.getframerate()) != (1, 2, SR):
            fail(PROG, f"{path}: not 16-bit mono {SR} Hz")
        return w.getnframes() / SR


def wav_peak(path: Path) -> float:
    import array
    with wave.open(str(path), "rb") as w:
        data = array.array("h", w.readframes(w.getnframes()))
    return max(max(data, default=0), -min(data, default=0)) / 32768


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def prune(folder: Path, keep: set[str], suffixes: tuple[str, ...]):
    gone = [p for p in folder.iterdir() if p.suffix in suffixes and p.name not in keep]
    for p in gone:
        p.unlink()
    if gone:
        log(PROG, f"{folder.name}: deleted {len(gone)} files no longer planned")


# --- planning -------------------------------------------------------------------------

def whole_bars_within(score: dict, max_ql: float) -> int:
    """End tick of the longest run of whole bars from the start that fits max_ql."""
    end = 0
    for b in score["bars"]:
        if b["start"] + b["length"] > max_ql * TPQ:
            break
        end = b["start"] + b["length"]
    return end or score["end"]


def plan(args, scores: Scores, chorales: list[tuple[str, str]]) -> dict:
    seed = args.seed
    order = list(chorales)
    random.Random(f"{seed}/chorale-order").shuffle(order)
    used_sources, used_tunes = {}, {}

    def usable(rel: str, need_bars: int) -> bool:
        sc = scores.get(rel)
        if rel in used_sources or tune_keys(sc) & used_tunes.keys():
            return False
        if sc["time_signatures"] != ["4/4"]:
            return False
        return len(section_starts(sc, 1, set())) >= need_bars

    def draw_chorale(need_bars: int, role: str) -> str:
        for rel, _ in order:
            if usable(rel, need_bars):
                claim(rel, role)
                return rel
        fail(PROG, "not enough chorales for the test and invariance pieces")

    def claim(rel: str, role: str):
        assert rel not in used_sources, rel
        used_sources[rel] = role
        if rel.startswith("bach/"):
            for key in tune_keys(scores.get(rel)):
                used_tunes.setdefault(key, rel)

    # test pieces
    test = []
    for n, (name, srcs, bars, bpm) in enumerate(TEST_SPECS, 1):
        rels = []
        for j, s in enumerate(srcs):
            if s == "chorale":
                rels.append(draw_chorale(3 * bars[0] if j == 0 else 2 * bars[0], f"test:{n}"))
            else:
                claim(s, f"test:{n}")
                rels.append(s)
        if name == "chorale":
            name = "bach_" + stem_of(rels[0]).replace(".", "_")
        name = f"t{n:02d}_{name}"
        rng = random.Random(f"{seed}/test/{name}")
        test.append(plan_test_piece(name, [scores.get(r) for r in rels], bars, bpm, rng))

    # invariance pieces
    invariance = []
    for n, (name, src, bpm) in enumerate(INVARIANCE_SPECS, 1):
        if src == "chorale":
            src = draw_chorale(8, f"invariance:{n}")
            name = "bach_" + stem_of(src).replace(".", "_")
        else:
            claim(src, f"invariance:{n}")
        sc = scores.get(src)
        end = whole_bars_within(sc, args.invariance_max_s * bpm / 60)
        notes = clean_notes([(s, min(e, end), p) for s, e, p in sc["notes"] if s < end])
        velocity = random.Random(f"{seed}/invariance/{name}").randint(*VELOCITY)
        nbars = sum(1 for b in sc["bars"] if b["start"] < end)
        invariance.append({"name": f"i{n:02d}_{name}", "source": src, "bpm": bpm,
                           "velocity": velocity, "time_signature": sc["first_time_signature"],
                           "bar_index": [0, nbars - 1],
                           "bars": [sc["bars"][0]["number"], sc["bars"][nbars - 1]["number"]],
                           "length_ql": end / TPQ, "duration_s": round(end / TPQ * 60 / bpm, 3),
                           "k": list(INVARIANCE_K), "notes": notes})

    # training chorales: the rest, in the seeded order, until the hours are reached
    held_out = dict(used_sources)
    train, total_s, skipped = [], 0.0, []
    target = args.train_hours * 3600
    for rel, stem in order:
        if total_s >= target:
            break
        if rel in held_out:
            continue
        sc = scores.get(rel)
        same = sorted(tune_keys(sc) & used_tunes.keys())
        if same:
            skipped.append({"source": rel, "same_tune_as": used_tunes[same[0]]})
            continue
        rng = random.Random(f"{seed}/train/{rel}")
        bpm = rng.randint(*TRAIN_BPM)
        velocity = rng.randint(*VELOCITY)
        end = max(n[1] for n in sc["notes"])
        dur = end / TPQ * 60 / bpm
        train.append({"name": stem.replace(".", "_"), "source": rel, "bpm": bpm,
                      "velocity": velocity, "time_signature": sc["first_time_signature"],
                      "length_ql": end / TPQ, "duration_s": round(dur, 3), "notes": sc["notes"]})
        total_s += dur + RENDER_TAIL_S
    if total_s < target:
        log(PROG, f"warning: only {total_s / 3600:.2f} h of chorales left for training "
                  f"(asked for {args.train_hours} h)")

    # disjointness, by score id and by chorale tune
    train_sources = {t["source"] for t in train}
    assert not train_sources & set(held_out), "training shares a score with test/invariance"
    for t in train:
        assert not tune_keys(scores.get(t["source"])) & used_tunes.keys(), t["source"]
    test_sources = {s for p in test for s in p["sources"]}
    inv_sources = {p["source"] for p in invariance}
    assert not test_sources & inv_sources, "test and invariance share a score"
    assert len({t["name"] for t in train}) == len(train)
    return {"test": test, "invariance": invariance, "train": train,
            "held_out": held_out, "same_tune_skipped": skipped}


# --- build ------------------------------------------------------------------------------

def build_test(args, out: Path, pieces: list[dict], reprise: str, soundfonts: list[str]):
    root = out / "test"
    for sub in ("midi", "gt", "audio"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    jobs, rows = [], []
    for piece in pieces:
        name = piece["name"]
        midi = write_midi(piece["notes"], piece["bpm"], piece["velocity"], name,
                          piece["time_signature"])
        gt = mirex_text(piece["_patterns"])
        check_test_piece(piece, midi, gt)
        put_bytes(root / "midi" / f"{name}.mid", midi)
        put_bytes(root / "gt" / f"{name}.txt", gt.encode())
        piece["midi_sha256"] = sha256(midi)
        piece["gt_sha256"] = sha256(gt.encode())
        for sf in soundfonts:
            jobs.append((root / "midi" / f"{name}.mid", root / "audio" / f"{name}_{sf}.wav", sf))
            rows.append({"piece": name, "soundfont": sf, "audio": f"audio/{name}_{sf}.wav",
                         "midi": f"midi/{name}.mid", "groundtruth": f"gt/{name}.txt",
                         "bpm": piece["bpm"], "sections": piece["sections"]})
    log(PROG, f"test: {len(pieces)} pieces, ground truth checked against the MIDI")
    prune(root / "midi", {f"{p['name']}.mid" for p in pieces}, (".mid",))
    prune(root / "gt", {f"{p['name']}.txt" for p in pieces}, (".txt",))
    if args.no_audio:
        return
    render_all(reprise, jobs, args.jobs, "test")
    prune(root / "audio", {j[1].name for j in jobs}, (".wav",))
    for row in rows:
        wav = root / row["audio"]
        row["duration_s"] = round(wav_seconds(wav), 3)
        if wav_peak(wav) < 1e-3:
            fail(PROG, f"{wav} is silent")
    write_csv_atomic(root / "pieces.csv", ["piece", "soundfont", "audio", "midi", "groundtruth",
                                           "bpm", "duration_s", "sections"], rows)


def build_invariance(args, out: Path, pieces: list[dict], reprise: str):
    root = out / "invariance"
    for sub in ("midi", "audio"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    jobs, rows = [], []
    for piece in pieces:
        piece["midi_sha256"] = {}
        for k in piece["k"]:
            name = f"{piece['name']}_k{k:02d}"
            midi = write_midi(piece["notes"], piece["bpm"], piece["velocity"], name,
                              piece["time_signature"], transpose=k)
            put_bytes(root / "midi" / f"{name}.mid", midi)
            piece["midi_sha256"][k] = sha256(midi)
            jobs.append((root / "midi" / f"{name}.mid", root / "audio" / f"{name}.wav", "fluid"))
            rows.append({"piece": piece["name"], "k": k, "audio": f"audio/{name}.wav",
                         "midi": f"midi/{name}.mid"})
    prune(root / "midi", {j[0].name for j in jobs}, (".mid",))
    if args.no_audio:
        return
    render_all(reprise, jobs, args.jobs, "invariance")
    prune(root / "audio", {j[1].name for j in jobs}, (".wav",))
    write_csv_atomic(root / "manifest.csv", ["piece", "k", "audio", "midi"], rows)


def build_train(args, out: Path, pieces: list[dict], reprise: str, fluid_file: str):
    root = out / "train"
    for sub in ("midi", "audio"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    jobs, rows = [], []
    for piece in pieces:
        name = piece["name"]
        midi = write_midi(piece["notes"], piece["bpm"], piece["velocity"], name,
                          piece["time_signature"])
        put_bytes(root / "midi" / f"{name}.mid", midi)
        piece["midi_sha256"] = sha256(midi)
        jobs.append((root / "midi" / f"{name}.mid", root / "audio" / f"{name}.wav", "fluid"))
    prune(root / "midi", {j[0].name for j in jobs}, (".mid",))
    atomic_write_text(root / "sources.txt", "".join(f"{p['source']}\n" for p in pieces))
    if args.no_audio:
        return
    render_all(reprise, jobs, args.jobs, "train")
    prune(root / "audio", {j[1].name for j in jobs}, (".wav",))
    total = 0.0
    for _, wav, _ in jobs:
        dur = wav_seconds(wav)
        total += dur
        rows.append({"path": f"audio/{wav.name}", "label": "piano", "program": 0,
                     "soundfont": Path(fluid_file).stem, "family": "fluid", "split": "train",
                     "duration_s": round(dur, 3)})
    write_csv_atomic(root / "manifest.csv", ["path", "label", "program", "soundfont", "family",
                                             "split", "duration_s"], rows)
    log(PROG, f"train: {len(rows)} chorales, {total / 3600:.2f} h of audio")


def copy_licences(music21, out: Path):
    lic = out / "licences"
    m21_dir = Path(music21.__file__).parent
    atomic_copy(m21_dir / "corpus" / "license.txt", lic / "music21-corpus-license.txt")
    dist = next(Path(m21_dir.parent).glob(f"music21-{music21.__version__}.dist-info/**/LICENSE*"),
                None)
    if dist:
        atomic_copy(dist, lic / "music21-LICENSE.txt")
    for pkg in ("fluid-soundfont-gm", "timgm6mb-soundfont"):
        src = Path("/usr/share/doc") / pkg / "copyright"
        if src.exists():
            atomic_copy(src, lic / f"{pkg}.copyright")


def public(piece: dict) -> dict:
    return {k: v for k, v in piece.items() if k != "notes" and not k.startswith("_")}


def main() -> int:
    parser = argparse.ArgumentParser(
        prog=PROG, description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[2:]))
    parser.add_argument("out_dir", type=Path, help="output folder (created if missing)")
    parser.add_argument("--venv", type=Path, metavar="DIR",
                        help=f"use (create if needed) a venv with music21=={MUSIC21_VERSION}")
    parser.add_argument("--any-music21", action="store_true",
                        help=f"accept a music21 other than {MUSIC21_VERSION}")
    parser.add_argument("--reprise", metavar="PATH",
                        help="reprise binary (default: target/release/reprise, else PATH)")
    parser.add_argument("--soundfont", action="append", metavar="NAME",
                        help="SoundFont for the test pieces, repeatable (default: fluid and tim); "
                             "any name `reprise midi render --soundfont` takes")
    parser.add_argument("--train-hours", type=float, default=3.0, metavar="H",
                        help="hours of training audio (default 3)")
    parser.add_argument("--invariance-max-s", type=float, default=60.0, metavar="S",
                        help="longest invariance piece, seconds (default 60)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"seed of every random choice (default {DEFAULT_SEED})")
    parser.add_argument("--jobs", type=int, default=2, help="parallel renders (default 2)")
    parser.add_argument("--no-audio", action="store_true",
                        help="write MIDI, ground truth and recipe.json only (no rendering, "
                             "no CSV tables)")
    args = parser.parse_args()
    if args.jobs < 1 or args.train_hours < 0 or args.invariance_max_s <= 0:
        fail(PROG, "--jobs must be >= 1, --train-hours >= 0 and --invariance-max-s > 0")
    soundfonts = list(dict.fromkeys(args.soundfont or ["fluid", "tim"]))

    music21 = ensure_music21(PROG, args, MUSIC21_VERSION, Path(__file__))
    start = time.time()
    out = args.out_dir.resolve()
    reprise = find_reprise(args.reprise)
    installed = installed_soundfonts(reprise)
    if not args.no_audio:
        if "fluid" not in installed:
            fail(PROG, "FluidR3_GM is not installed (apt-get install -y fluid-soundfont-gm); "
                       "training and invariance audio use it")
        for sf in soundfonts:
            if sf not in installed and not Path(sf).exists():
                fail(PROG, f"SoundFont {sf} is not installed ('{reprise} data soundfonts')")
        families = {installed[sf][0] if sf in installed else sf for sf in soundfonts}
        if len(families) < 2:
            log(PROG, f"warning: test pieces rendered with one SoundFont family only ({families})")

    scores = Scores(music21, out / ".cache" / "notes")
    chorales = piano_corpus.chorale_list(music21)
    p = plan(args, scores, chorales)
    log(PROG, f"planned {len(p['test'])} test pieces, {len(p['invariance'])} invariance pieces, "
              f"{len(p['train'])} training chorales ({scores.parsed} scores parsed, "
              f"{time.time() - start:.0f} s)")

    build_test(args, out, p["test"], reprise, soundfonts)
    build_invariance(args, out, p["invariance"], reprise)
    build_train(args, out, p["train"], reprise, installed.get("fluid", ("", "FluidR3_GM"))[1])
    copy_licences(music21, out)

    recipe = {
        "script": f"scripts/data/{PROG}", "seed": args.seed, "music21": music21.__version__,
        "reprise": subprocess.run([reprise, "--version"], capture_output=True,
                                  text=True).stdout.strip(),
        "ticks_per_quarter": TPQ, "sample_rate": SR, "max_section_overlap": MAX_OVERLAP,
        "test_soundfonts": {sf: installed.get(sf, ("?", sf))[1] for sf in soundfonts},
        "train_soundfont": installed.get("fluid", ("fluid", "FluidR3_GM"))[1],
        "train_hours": args.train_hours, "invariance_max_s": args.invariance_max_s,
        "held_out_sources": p["held_out"],
        "train_same_tune_skipped": p["same_tune_skipped"],
        "test": [public(x) for x in p["test"]],
        "invariance": [public(x) for x in p["invariance"]],
        "train": [public(x) for x in p["train"]],
    }
    atomic_write_text(out / "recipe.json", json.dumps(recipe, indent=1) + "\n")
    log(PROG, f"done in {time.time() - start:.0f} s: {out}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        fail(PROG, "interrupted")
