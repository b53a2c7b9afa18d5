#!/usr/bin/env python3
"""Build the drum MIDI corpus (data issue, recipe 2) from Debian packages.

Usage:  python3 scripts/data/drum_corpus.py [options] OUT_DIR

Four parts, each written to its own folder under OUT_DIR:

mma/          MMA groove library (package `mma`, GPL-2+). For every DefGroove
              in /usr/share/mma/lib/stdlib/*.mma except Intro/End/Fill/
              Metronome grooves, a generated MMA script plays the groove for
              4 bars of C at 120 bpm with `RndSeed 1` and humanisation off
              (AllTracks RTime/RVolume/RSkip/RDuration 0) and random sequence
              selection off (AllTracks SeqRnd Off; --seqrnd keeps it, but then
              the drums of e.g. 50sRockPlus differ from 50sRock by a few notes
              because the extra random tracks shift the random stream); `mma`
              renders it;
              only channel 10 is kept; grooves whose drum notes are identical
              (same onsets, offsets, notes, velocities) are written once, as
              <groove>.mid, and the other names are listed in aliases.json.
              Needs `mma` installed: `apt-get install -y --no-install-recommends
              mma` (or --install when run as root), or --mma-from-deb to run
              it from the unpacked .deb without installing (no root needed).
hydrogen/     The demo songs of `hydrogen-data` (GPL-2+): each .h2song's
              patterns (48 ticks per quarter note) and pattern sequence, as a
              GM drum MIDI file on channel 10 (instrument id i -> note 36 + i,
              or the song's own midiOutNote with --h2-notes midiout) plus a
              JSON file with the ground truth: patterns (dictionary atoms) and
              sequence (activations: pattern indices per bar).
freedoom/     The D_* music lumps of freedoom1.wad and freedoom2.wad (package
              `freedoom`, BSD-3-Clause) that are Standard MIDI Files,
              duplicates dropped (listed in aliases.json).
planetblupi/  The 10 .mid files of `planetblupi-music-midi` (GPL-3+).

OUT_DIR/manifest.csv lists every MIDI file (path,source,licence,n_notes,
n_drum_notes,duration_s); OUT_DIR/licences/<package>.copyright holds each
package's Debian copyright file. Packages other than mma are fetched with
`apt-get download` into OUT_DIR/.cache/debs (retried once) and unpacked with
`dpkg-deb -x`; nothing is installed. Re-running reuses downloaded packages
and rendered grooves (OUT_DIR/.cache) and rewrites the outputs.

Standard library only (MIDI is read and written by scripts/data/_smf.py).
The output is derived from GPL material: build it locally, do not commit it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _smf  # noqa: E402
from _common import (apt_download, atomic_write_bytes, atomic_write_text,  # noqa: E402
                     copy_licence, extract_deb, fail, log, write_csv_atomic)

PROG = "drum_corpus.py"
PARTS = ("mma", "hydrogen", "freedoom", "planetblupi")
MANIFEST_HEADER = ["path", "source", "licence", "n_notes", "n_drum_notes", "duration_s"]
LICENCES = {"mma": "GPL-2+", "hydrogen-data": "GPL-2+", "freedoom": "BSD-3-Clause",
            "planetblupi-music-midi": "GPL-3+"}
MMA_INSTALL = "apt-get install -y --no-install-recommends mma"
MMA_LIB_DIRS = ("/usr/share/mma/lib/stdlib", "/usr/local/share/mma/lib/stdlib")
# Grooves that are not steady patterns. Case matters: "DescendingJazz" is a
# groove, "...End" is an ending; a few library names use lower-case "intro".
SKIP_GROOVE = re.compile(r"Intro|End|Fill|Metronome|intro|fill|metronome")
H2_TICKS_PER_QUARTER = 48
H2_GATE_TICKS = 12  # hydrogen notes have no length (-1): note-off a 1/16 later


# --- small helpers -----------------------------------------------------------

def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]", "_", name)


def midi_row(path: str, source: str, licence: str, smf: _smf.Smf) -> dict:
    """One manifest row; path is relative to OUT_DIR."""
    return {"path": path, "source": source, "licence": licence, **_smf.stats(smf)}


def finish_part(tmp: Path, out: Path, part: str, rows: list[dict]):
    """Store the part's manifest rows (hidden .rows.json) and swap the
    freshly built folder into place."""
    atomic_write_text(tmp / ".rows.json", json.dumps(rows, indent=0) + "\n")
    replace_dir(tmp, out / part)


def replace_dir(tmp: Path, final: Path):
    """Swap a freshly built folder into place."""
    if final.exists():
        old = final.with_name(f".{final.name}.old")
        if old.exists():
            shutil.rmtree(old)
        final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old)
    else:
        tmp.rename(final)


def new_part_dir(out: Path, part: str) -> Path:
    tmp = out / f".{part}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    return tmp


def unpack(debs: dict, stage: Path, package: str) -> Path:
    root = stage / package
    extract_deb(debs[package], root)
    return root


# --- (a) MMA grooves ------------------------------------------------------------

def find_mma(args, cache: Path) -> tuple[list[str], dict, Path, Path]:
    """Returns (command, environment, stdlib dir, filesystem root holding
    usr/share/doc/mma/copyright)."""
    if args.mma_from_deb:
        debs = apt_download(PROG, ["mma"], cache / "debs")
        root = unpack(debs, cache / "staging", "mma")
        home = root / "usr/share/mma"
        # byte-compile MMA's modules once (an installed mma is compiled by dpkg)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(home / "MMA")],
                       stdout=subprocess.DEVNULL, check=False)
        env = dict(os.environ, MMA_HOME=str(home))
        return [sys.executable, str(root / "usr/bin/mma")], env, home / "lib/stdlib", root
    if shutil.which("mma") is None:
        if not args.install:
            fail(PROG, f"mma not found; install it with '{MMA_INSTALL}' (as root, or re-run "
                       "with --install as root), or re-run with --mma-from-deb")
        if os.geteuid() != 0:
            fail(PROG, f"--install needs root; run 'sudo {MMA_INSTALL}' or use --mma-from-deb")
        for attempt in (1, 2):
            log(PROG, f"{MMA_INSTALL} (attempt {attempt})")
            proc = subprocess.run(MMA_INSTALL.split(), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True,
                                  env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
            if proc.returncode == 0:
                break
            time.sleep(2)
        if shutil.which("mma") is None:
            last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
            fail(PROG, f"installing mma failed ({last}); run 'apt-get update' first")
    for lib in MMA_LIB_DIRS:
        if Path(lib).is_dir():
            return ["mma"], dict(os.environ), Path(lib), Path("/")
    fail(PROG, f"mma is installed but none of {', '.join(MMA_LIB_DIRS)} exists")


def list_grooves(stdlib: Path) -> list[tuple[str, Path]]:
    """(groove, library file) for every kept DefGroove, in file order; names
    are case-insensitive in MMA, so the first spelling wins."""
    seen, grooves = set(), []
    for lib in sorted(stdlib.glob("*.mma")):
        for line in lib.read_text(encoding="latin-1").splitlines():
            m = re.match(r"\s*DefGroove\s+(\S+)", line, re.IGNORECASE)
            if not m or SKIP_GROOVE.search(m.group(1)) or m.group(1).lower() in seen:
                continue
            seen.add(m.group(1).lower())
            grooves.append((m.group(1), lib))
    return grooves


def groove_script(groove: str, lib: Path, seqrnd: bool) -> str:
    return "\n".join([
        f"// {PROG}: groove {groove} from {lib.name}, 4 bars of C at 120 bpm",
        f"Use {lib}",
        f"Groove {groove}",
        "Tempo 120",
        "RndSeed 1",
        "AllTracks RTime 0",
        "AllTracks RVolume 0",
        "AllTracks RSkip 0",
        "AllTracks RDuration 0",
        *([] if seqrnd else ["AllTracks SeqRnd Off"]),
        "1 C", "2 C", "3 C", "4 C", ""])


def render_groove(cmd: list[str], env: dict, raw_dir: Path, seqrnd: bool, groove: str, lib: Path):
    """Run mma once (cached by script hash). Returns (raw midi path, error);
    both are None for a groove that makes no MIDI data at all."""
    script = groove_script(groove, lib, seqrnd)
    key = hashlib.sha1(script.encode()).hexdigest()[:10]
    raw = raw_dir / f"{safe_name(groove)}-{key}.mid"
    if raw.exists():
        return raw, None
    with tempfile.TemporaryDirectory(prefix="mma-") as tmp:
        src, mid = Path(tmp) / "groove.mma", Path(tmp) / "groove.mid"
        src.write_text(script)
        proc = subprocess.run([*cmd, "-f", str(mid), str(src)], cwd=tmp, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0 and "No data created" in proc.stdout:
            return None, None  # e.g. the silent groove "None"
        if proc.returncode != 0 or not mid.exists():
            errors = [l.strip() for l in proc.stdout.splitlines() if l.startswith("Error")]
            return None, (errors or [f"mma exit code {proc.returncode}"])[0]
        atomic_write_bytes(raw, mid.read_bytes())
    return raw, None


def drum_only(smf: _smf.Smf, name: str) -> _smf.Smf:
    """Format-0 file with channel-10 messages plus tempo/time-signature metas."""
    events = [_smf.track_name(0, name)]
    for track in smf.tracks:
        for tick, msg in track:
            if msg[0] == 0xFF and msg[1] in (0x51, 0x58):  # tempo, time signature
                events.append((tick, msg))
            elif _smf.channel_of(msg) == _smf.DRUM_CHANNEL:
                events.append((tick, msg))
            elif msg[0] == 0xFF and msg[1] == _smf.META_END_OF_TRACK:
                events.append((tick, msg))  # keeps the file's length
    return _smf.Smf(0, smf.division, [events])


def build_mma(args, out: Path, cache: Path) -> list[dict]:
    cmd, env, stdlib, doc_root = find_mma(args, cache)
    grooves = list_grooves(stdlib)
    log(PROG, f"mma: rendering {len(grooves)} grooves from {stdlib} ({args.jobs} job(s))")
    raw_dir = cache / "mma-raw"
    raw_dir.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda g: render_groove(cmd, env, raw_dir, args.seqrnd, *g),
                                grooves))

    tmp = new_part_dir(out, "mma")
    by_hash: dict[str, dict] = {}
    used_names: set[str] = set()
    failed, no_drums, rows = {}, [], []
    for (groove, lib), (raw, error) in zip(grooves, results):
        if error:
            failed[groove] = error
            continue
        smf = drum_only(_smf.read(raw), groove) if raw else None
        notes = [(s, e, n, v) for s, e, _, n, v in _smf.note_events(smf)] if smf else []
        if not notes:
            no_drums.append(groove)
            continue
        digest = hashlib.sha256(repr((smf.division, notes)).encode()).hexdigest()
        if digest in by_hash:
            by_hash[digest]["aliases"].append(groove)
            continue
        name = safe_name(groove)
        while name.lower() in used_names:
            name += "_"
        used_names.add(name.lower())
        path = tmp / f"{name}.mid"
        atomic_write_bytes(path, _smf.serialize(smf))
        by_hash[digest] = {"file": f"mma/{name}.mid", "library": lib.name, "aliases": []}
        rows.append(midi_row(f"mma/{name}.mid", f"mma:{lib.name}:{groove}", LICENCES["mma"], smf))
    aliases = {
        "about": "MMA stdlib grooves, 4 bars of C at 120 bpm, channel 10 only. 'grooves' maps "
                 "each written groove to its file and to the other groove names whose drum "
                 "notes are identical (aliases). Intro/End/Fill/Metronome grooves are skipped.",
        "settings": {"bars": 4, "chord": "C", "tempo_bpm": 120, "rnd_seed": 1,
                     "humanisation": "off", "seqrnd": "on" if args.seqrnd else "off"},
        "n_groove_names": len(grooves),
        "grooves": {v["file"][4:-4]: v for v in by_hash.values()},
        "no_drums": no_drums,
        "failed": failed,
    }
    atomic_write_text(tmp / "aliases.json", json.dumps(aliases, indent=1) + "\n")
    finish_part(tmp, out, "mma", rows)
    copy_licence(doc_root, "mma", out / "licences")
    log(PROG, f"mma: {len(rows)} distinct drum grooves from {len(grooves)} groove names "
              f"({sum(len(v['aliases']) for v in by_hash.values())} aliases, "
              f"{len(no_drums)} without drums, {len(failed)} failed)")
    return rows


# --- (b) Hydrogen demo songs ---------------------------------------------------

def parse_h2song(path: Path, note_map: str) -> dict:
    root = ET.parse(path).getroot()
    instruments = []
    for inst in root.find("instrumentList").findall("instrument"):
        iid = int(inst.findtext("id"))
        out_note = int(inst.findtext("midiOutNote") or 36 + iid)
        instruments.append({"id": iid, "name": inst.findtext("name"),
                            "midi_out_note": out_note,
                            "midi_note": out_note if note_map == "midiout" else 36 + iid})
    note_of = {i["id"]: i["midi_note"] for i in instruments}

    patterns, index_of = [], {}
    for pat in root.find("patternList").findall("pattern"):
        size = int(pat.findtext("size") or 192)
        notes = []
        for n in pat.iter("note"):
            if (n.findtext("note_off") or "false") == "true":
                continue
            pos, inst = int(n.findtext("position")), int(n.findtext("instrument"))
            if pos >= size or inst not in note_of:
                continue
            notes.append({"tick": pos, "instrument": inst, "midi_note": note_of[inst],
                          "velocity": max(1, min(127, round(float(n.findtext("velocity") or 0.8) * 127))),
                          "probability": float(n.findtext("probability") or 1)})
        notes.sort(key=lambda x: (x["tick"], x["midi_note"]))
        index_of.setdefault(pat.findtext("name"), len(patterns))
        patterns.append({"index": len(patterns), "name": pat.findtext("name"),
                         "length_ticks": size, "notes": notes})

    sequence, starts, tick = [], [], 0
    for group in root.find("patternSequence").findall("group"):
        ids = [index_of[p.text] for p in group.findall("patternID") if p.text in index_of]
        sequence.append(ids)
        starts.append(tick)
        tick += max((patterns[i]["length_ticks"] for i in ids), default=4 * H2_TICKS_PER_QUARTER)
    return {"song": root.findtext("name"), "author": root.findtext("author"),
            "source": f"hydrogen-data:{path.name}", "bpm": float(root.findtext("bpm")),
            "ticks_per_quarter": H2_TICKS_PER_QUARTER,
            "note_map": "midiOutNote of the instrument" if note_map == "midiout"
                        else "36 + instrument id",
            "instruments": instruments, "patterns": patterns,
            "sequence": sequence, "column_start_ticks": starts, "length_ticks": tick}


def h2_to_midi(song: dict) -> _smf.Smf:
    events = [_smf.track_name(0, song["song"] or "hydrogen"), _smf.tempo_event(0, song["bpm"])]
    if all(p["length_ticks"] == 4 * H2_TICKS_PER_QUARTER for p in song["patterns"]):
        events.append((0, bytes((0xFF, 0x58, 4, 2, 24, 8))))  # 4/4
    for start, ids in zip(song["column_start_ticks"], song["sequence"]):
        for i in ids:
            for n in song["patterns"][i]["notes"]:
                t = start + n["tick"]
                events.append(_smf.note_on(t, _smf.DRUM_CHANNEL, n["midi_note"], n["velocity"]))
                events.append(_smf.note_off(t + H2_GATE_TICKS, _smf.DRUM_CHANNEL, n["midi_note"]))
    events.append((song["length_ticks"], bytes((0xFF, _smf.META_END_OF_TRACK))))
    # note-offs before note-ons at the same tick, so repeated notes stay separate
    events.sort(key=lambda e: (e[0], 0 if e[1][0] >> 4 == 0x8 else 1))
    return _smf.Smf(0, H2_TICKS_PER_QUARTER, [events])


def build_hydrogen(args, out: Path, cache: Path) -> list[dict]:
    debs = apt_download(PROG, ["hydrogen-data"], cache / "debs")
    root = unpack(debs, cache / "staging", "hydrogen-data")
    songs = sorted((root / "usr/share/hydrogen/data/demo_songs").glob("*.h2song"))
    if not songs:
        fail(PROG, "no .h2song files in hydrogen-data")
    tmp = new_part_dir(out, "hydrogen")
    rows, n_patterns = [], 0
    for path in songs:
        song = parse_h2song(path, args.h2_notes)
        smf = h2_to_midi(song)
        song["n_notes"] = sum(len(song["patterns"][i]["notes"]) for ids in song["sequence"] for i in ids)
        mid = tmp / f"{path.stem}.mid"
        atomic_write_bytes(mid, _smf.serialize(smf))
        atomic_write_text(tmp / f"{path.stem}.json", json.dumps(song, indent=1) + "\n")
        n_patterns += len(song["patterns"])
        rows.append(midi_row(f"hydrogen/{mid.name}", song["source"], LICENCES["hydrogen-data"], smf))
    finish_part(tmp, out, "hydrogen", rows)
    copy_licence(root, "hydrogen-data", out / "licences")
    log(PROG, f"hydrogen: {len(rows)} songs, {n_patterns} patterns, "
              f"{sum(r['n_notes'] for r in rows)} notes")
    return rows


# --- (c) Freedoom music lumps --------------------------------------------------

def wad_lumps(data: bytes):
    """(name, bytes) for every lump of a Doom WAD (IWAD or PWAD)."""
    ident, count, offset = struct.unpack_from("<4sii", data, 0)
    if ident not in (b"IWAD", b"PWAD"):
        raise ValueError("not a WAD file")
    for i in range(count):
        pos, size, name = struct.unpack_from("<ii8s", data, offset + 16 * i)
        yield name.split(b"\0", 1)[0].decode("ascii", "replace"), data[pos:pos + size]


def build_freedoom(args, out: Path, cache: Path) -> list[dict]:
    debs = apt_download(PROG, ["freedoom"], cache / "debs")
    root = unpack(debs, cache / "staging", "freedoom")
    tmp = new_part_dir(out, "freedoom")
    rows, seen, duplicates, skipped = [], {}, {}, []
    for wad in ("freedoom1.wad", "freedoom2.wad"):
        path = root / "usr/share/games/doom" / wad
        if not path.exists():
            fail(PROG, f"{wad} not found in the freedoom package")
        for name, data in wad_lumps(path.read_bytes()):
            if not name.startswith("D_"):
                continue
            label = f"{wad}:{name}"
            if data[:4] != b"MThd":
                skipped.append(label)  # e.g. MUS format
                continue
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen:
                duplicates.setdefault(seen[digest], []).append(label)
                continue
            file = f"{Path(wad).stem}_{name.lower()}.mid"
            seen[digest] = f"freedoom/{file}"
            smf = _smf.parse(data)
            atomic_write_bytes(tmp / file, data)
            rows.append(midi_row(f"freedoom/{file}", f"freedoom:{label}", LICENCES["freedoom"], smf))
    atomic_write_text(tmp / "aliases.json", json.dumps(
        {"duplicates": duplicates, "not_midi": skipped}, indent=1) + "\n")
    finish_part(tmp, out, "freedoom", rows)
    copy_licence(root, "freedoom", out / "licences")
    log(PROG, f"freedoom: {len(rows)} distinct music lumps "
              f"({sum(map(len, duplicates.values()))} duplicates, {len(skipped)} not MIDI)")
    return rows


# --- (d) Planetblupi -------------------------------------------------------------

def build_planetblupi(args, out: Path, cache: Path) -> list[dict]:
    debs = apt_download(PROG, ["planetblupi-music-midi"], cache / "debs")
    root = unpack(debs, cache / "staging", "planetblupi-music-midi")
    files = sorted((root / "usr/share/planetblupi/music").glob("*.mid"))
    if not files:
        fail(PROG, "no .mid files in planetblupi-music-midi")
    tmp = new_part_dir(out, "planetblupi")
    rows = []
    for src in files:
        data = src.read_bytes()
        smf = _smf.parse(data)
        atomic_write_bytes(tmp / src.name, data)
        rows.append(midi_row(f"planetblupi/{src.name}", f"planetblupi-music-midi:{src.name}",
                             LICENCES["planetblupi-music-midi"], smf))
    finish_part(tmp, out, "planetblupi", rows)
    copy_licence(root, "planetblupi-music-midi", out / "licences")
    log(PROG, f"planetblupi: {len(rows)} files")
    return rows


# --- main -------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(
        prog=PROG, description=__doc__.split("\n\n")[0],
        epilog="See the module docstring (or scripts/data/README.md) for details.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path, help="output folder (created if missing)")
    parser.add_argument("--only", choices=PARTS, action="append",
                        help="build only this part (repeatable); the manifest still lists "
                             "every part built so far")
    parser.add_argument("--install", action="store_true",
                        help=f"if mma is missing and this runs as root: {MMA_INSTALL}")
    parser.add_argument("--mma-from-deb", action="store_true",
                        help="do not use an installed mma: apt-get download mma and run it "
                             "from the unpacked package (no root needed)")
    parser.add_argument("--seqrnd", action="store_true",
                        help="keep MMA's random sequence selection (SeqRnd) in the grooves")
    parser.add_argument("--h2-notes", choices=("offset", "midiout"), default="offset",
                        help="hydrogen note mapping: 36 + instrument id (default) or the "
                             "song's midiOutNote per instrument")
    parser.add_argument("--jobs", type=int, default=1, help="parallel mma runs (default 1)")
    parser.add_argument("--keep-staging", action="store_true",
                        help="keep the unpacked packages in OUT_DIR/.cache/staging")
    parser.add_argument("--prune", action="store_true",
                        help="delete OUT_DIR/.cache (downloads, rendered grooves) at the end")
    args = parser.parse_args()
    if args.jobs < 1:
        fail(PROG, "--jobs must be at least 1")

    start = time.time()
    out = args.out_dir.resolve()
    out.mkdir(parents=True, exist_ok=True)
    cache = out / ".cache"
    builders = {"mma": build_mma, "hydrogen": build_hydrogen,
                "freedoom": build_freedoom, "planetblupi": build_planetblupi}
    for part in args.only or PARTS:
        t0 = time.time()
        builders[part](args, out, cache)
        log(PROG, f"{part}: {time.time() - t0:.1f} s")

    # manifest over every part built so far (each part folder keeps its rows)
    rows = []
    for part in PARTS:
        part_rows = out / part / ".rows.json"
        if part_rows.exists():
            rows += [r for r in json.loads(part_rows.read_text()) if (out / r["path"]).exists()]
    write_csv_atomic(out / "manifest.csv", MANIFEST_HEADER, rows)
    if not args.keep_staging:
        shutil.rmtree(cache / "staging", ignore_errors=True)
    if args.prune:
        shutil.rmtree(cache, ignore_errors=True)
    log(PROG, f"manifest.csv: {len(rows)} files, {sum(r['n_notes'] for r in rows)} notes, "
              f"{sum(r['n_drum_notes'] for r in rows)} drum notes; done in {time.time() - start:.0f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        fail(PROG, "interrupted")
