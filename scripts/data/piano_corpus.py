#!/usr/bin/env python3
"""Build the piano MIDI corpus (data issue, recipe 3).

Usage:  python3 scripts/data/piano_corpus.py [options] OUT_DIR
        python3 scripts/data/piano_corpus.py --venv /tmp/m21 OUT_DIR   # no music21 yet

Three sources, each in its own folder under OUT_DIR:

bach/          The Bach chorales of the music21 corpus (bach/bwv*.mxl and .xml;
               the three .krn copies of chorales that also exist as .mxl and
               the WTC prelude bwv846 are left out), written as MIDI.
keyboard/      Nine keyboard pieces of the music21 corpus: Mozart K545/i
               exposition, Joplin Maple Leaf Rag, Schoenberg op. 19/2 and /6,
               Clara Schumann polonaises op. 1 nos. 1-4, Beach "Prayer of a
               tired child" (voices + piano).
pianobooster/  The 15 .mid files of BoosterMusicBooks.zip from the Debian
               package `pianobooster` (apt-get download + dpkg-deb -x, nothing
               installed): simple pieces, piano plus GM backing.

music21 scores are written as notated (repeats not expanded). By default
every part of a music21 score is set to Acoustic Grand Piano (program 0) and
each track gets its own MIDI channel (music21 puts parts with the same
instrument on one channel, so unisons between voices would cut each other
off); --keep-instruments keeps music21's programs (channels are still split).
Pieces that fail to parse or write are skipped and listed in
OUT_DIR/failed.json.

OUT_DIR/manifest.csv: path,source,licence,n_notes,n_drum_notes,duration_s.
OUT_DIR/metadata.json: title, composer and rights text of each music21 piece.
OUT_DIR/licences/: music21's LICENSE (BSD-3-Clause), the corpus license.txt
(scores are public domain or distributed with permission; some may not be
used commercially: check per piece) and pianobooster's Debian copyright file.

Requires music21 10.5.1 (the corpus is inside the PyPI wheel). --venv DIR
creates DIR if needed, runs `pip install music21==10.5.1` there (which also
brings music21's own dependencies from PyPI) and re-runs this script with
that interpreter. Re-running skips MIDI files that already exist.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _smf  # noqa: E402
from _common import (ensure_music21, apt_download, atomic_copy, atomic_write_bytes,  # noqa: E402
                     atomic_write_text, copy_licence, extract_deb, fail, log,
                     write_csv_atomic)

PROG = "piano_corpus.py"
MUSIC21_VERSION = "10.5.1"
MANIFEST_HEADER = ["path", "source", "licence", "n_notes", "n_drum_notes", "duration_s"]
M21_LICENCE = "music21 corpus (PD or with permission; see licences/music21-corpus-license.txt)"
PIANOBOOSTER_LICENCE = "CC-BY (Louis J. Barman)"
PIANOBOOSTER_ZIP = "usr/share/games/pianobooster/music/BoosterMusicBooks.zip"
KEYBOARD = [  # (corpus path, output name)
    ("mozart/k545/movement1_exposition.mxl", "mozart_k545_mvt1_exposition"),
    ("joplin/maple_leaf_rag.mxl", "joplin_maple_leaf_rag"),
    ("schoenberg/opus19/movement2.mxl", "schoenberg_op19_no2"),
    ("schoenberg/opus19/movement6.mxl", "schoenberg_op19_no6"),
    ("schumann_clara/polonaise_op1n1.mxl", "clara_schumann_polonaise_op1_no1"),
    ("schumann_clara/polonaise_op1n2.mxl", "clara_schumann_polonaise_op1_no2"),
    ("schumann_clara/polonaise_op1n3.mxl", "clara_schumann_polonaise_op1_no3"),
    ("schumann_clara/polonaise_op1n4.mxl", "clara_schumann_polonaise_op1_no4"),
    ("beach/prayer_of_a_tired_child.musicxml", "beach_prayer_of_a_tired_child"),
]
NOT_CHORALES = {"bwv846"}  # Well-Tempered Clavier prelude, not a chorale


# --- MIDI clean-up ------------------------------------------------------------------

def split_channels(data: bytes, piano: bool) -> bytes:
    """Give every track with notes its own channel (skipping 10), and with
    ``piano`` make every program change program 0 (inserting one at tick 0
    where a track has none)."""
    smf = _smf.parse(data)
    free = [c for c in range(16) if c != _smf.DRUM_CHANNEL]
    n = 0
    for i, track in enumerate(smf.tracks):
        channels = {_smf.channel_of(m) for _, m in track} - {None}
        if not channels or channels == {_smf.DRUM_CHANNEL}:
            continue
        ch = free[n % len(free)]
        n += 1
        new = []
        for tick, msg in track:
            c = _smf.channel_of(msg)
            if c is not None and c != _smf.DRUM_CHANNEL:
                msg = bytes((msg[0] & 0xF0 | ch,)) + msg[1:]
                if piano and msg[0] >> 4 == 0xC:
                    msg = bytes((msg[0], 0))
            new.append((tick, msg))
        if piano and not any(m[0] >> 4 == 0xC for _, m in new):
            new.insert(0, (0, bytes((0xC0 | ch, 0))))
        smf.tracks[i] = new
    return _smf.serialize(smf)


# --- music21 pieces --------------------------------------------------------------------

def chorale_list(music21) -> list[tuple[str, str]]:
    """(corpus path relative to the corpus folder, output stem) per chorale."""
    base = Path(music21.corpus.__file__).parent
    files = sorted(p for p in (base / "bach").iterdir()
                   if p.suffix in (".mxl", ".xml") and p.name.startswith("bwv"))
    out = []
    for p in files:
        stem = p.name[:-len(p.suffix)]
        if stem not in NOT_CHORALES:
            out.append((p.relative_to(base).as_posix(), stem))
    out.sort(key=lambda x: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", x[1])])
    return out


def convert_piece(job: tuple) -> dict:
    """Parse one corpus file and write it as MIDI. Runs in a worker."""
    rel, dest, piano = job
    import music21
    result = {"corpus_path": rel, "path": dest}
    try:
        full = Path(music21.corpus.__file__).parent / rel
        score = music21.converter.parse(str(full), forceSource=True, storePickle=False)
        md = score.metadata
        result.update(title=(md.bestTitle if md else None) or Path(rel).stem,
                      composer=md.composer if md else None,
                      rights=str(md.copyright) if md and md.copyright else None)
        with tempfile.TemporaryDirectory(prefix="m21-") as tmp:
            mid = Path(tmp) / "piece.mid"
            score.write("midi", fp=str(mid))
            data = split_channels(mid.read_bytes(), piano)
        atomic_write_bytes(Path(dest), data)
    except Exception as err:  # music21 raises many kinds; report and go on
        result["error"] = f"{type(err).__name__}: {err}".splitlines()[0][:300]
    return result


def run_jobs(jobs: list[tuple], n_workers: int) -> list[dict]:
    if n_workers == 1 or len(jobs) < 2:
        return [convert_piece(j) for j in jobs]
    from multiprocessing import Pool
    with Pool(n_workers) as pool:
        return pool.map(convert_piece, jobs, chunksize=4)


def build_music21(args, music21, out: Path) -> tuple[list[dict], dict, dict]:
    chorales = chorale_list(music21)
    keyboard = KEYBOARD
    if args.limit is not None:
        chorales, keyboard = chorales[:args.limit], keyboard[:args.limit]
    metadata_path = out / "metadata.json"
    metadata = json.loads(metadata_path.read_text()) if metadata_path.exists() else {}
    todo, rows, failed = [], [], {}
    for folder, pieces in (("bach", chorales), ("keyboard", keyboard)):
        for rel, stem in pieces:
            path = f"{folder}/{stem}.mid"
            rows.append({"path": path, "source": f"music21:{rel}", "licence": M21_LICENCE})
            if not (out / path).exists() or path not in metadata:
                todo.append((rel, str(out / path), not args.keep_instruments))
    log(PROG, f"music21 {music21.__version__}: {len(chorales)} chorales, {len(keyboard)} keyboard "
              f"pieces; {len(todo)} to convert ({args.jobs} job(s))")
    for res in run_jobs(todo, args.jobs):
        path = Path(res.pop("path")).relative_to(out).as_posix()
        if "error" in res:
            failed[path] = res
            log(PROG, f"FAILED {res['corpus_path']}: {res['error']}")
        else:
            metadata[path] = res
    rows = [r for r in rows if (out / r["path"]).exists()]
    metadata = {k: v for k, v in metadata.items() if (out / k).exists()}
    return rows, metadata, failed


# --- pianobooster ------------------------------------------------------------------------

def build_pianobooster(args, out: Path, cache: Path) -> list[dict]:
    debs = apt_download(PROG, ["pianobooster"], cache / "debs")
    root = cache / "staging" / "pianobooster"
    extract_deb(debs["pianobooster"], root)
    rows = []
    with zipfile.ZipFile(root / PIANOBOOSTER_ZIP) as zf:
        members = sorted(n for n in zf.namelist() if n.lower().endswith(".mid"))
        if args.limit is not None:
            members = members[:args.limit]
        for name in members:
            book = Path(name).parent.name  # "Beginner Course" / "Booster Music"
            stem = f"{re.sub(r'[^a-z0-9]+', '-', book.lower()).strip('-')}_{Path(name).stem}"
            dest = out / "pianobooster" / f"{stem}.mid"
            data = zf.read(name)
            _smf.parse(data)  # must be a readable SMF
            if not dest.exists() or dest.read_bytes() != data:
                atomic_write_bytes(dest, data)
            rows.append({"path": f"pianobooster/{dest.name}",
                         "source": f"pianobooster:BoosterMusicBooks.zip:{name}",
                         "licence": PIANOBOOSTER_LICENCE})
    copy_licence(root, "pianobooster", out / "licences")
    log(PROG, f"pianobooster: {len(rows)} files")
    return rows


# --- main ---------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(
        prog=PROG, description=__doc__.split("\n\n")[0],
        epilog="See the module docstring (or scripts/data/README.md) for details.")
    parser.add_argument("out_dir", type=Path, help="output folder (created if missing)")
    parser.add_argument("--limit", type=int, metavar="N",
                        help="at most N pieces from each source (quick runs)")
    parser.add_argument("--venv", type=Path, metavar="DIR",
                        help=f"use (create if needed) a venv with music21=={MUSIC21_VERSION}")
    parser.add_argument("--any-music21", action="store_true",
                        help=f"accept a music21 other than {MUSIC21_VERSION}")
    parser.add_argument("--keep-instruments", action="store_true",
                        help="keep music21's MIDI programs instead of piano everywhere")
    parser.add_argument("--jobs", type=int, default=1, help="parallel conversions (default 1)")
    parser.add_argument("--keep-staging", action="store_true",
                        help="keep the unpacked package in OUT_DIR/.cache/staging")
    parser.add_argument("--prune", action="store_true",
                        help="delete OUT_DIR/.cache (downloaded .deb) at the end")
    args = parser.parse_args()
    if args.jobs < 1 or (args.limit is not None and args.limit < 0):
        fail(PROG, "--jobs must be >= 1 and --limit >= 0")

    music21 = ensure_music21(PROG, args, MUSIC21_VERSION, Path(__file__))
    start = time.time()
    out = args.out_dir.resolve()
    cache = out / ".cache"
    for sub in ("bach", "keyboard", "pianobooster", "licences"):
        (out / sub).mkdir(parents=True, exist_ok=True)

    m21_rows, metadata, failed = build_music21(args, music21, out)
    pb_rows = build_pianobooster(args, out, cache)

    # licences of music21 and its corpus
    m21_dir = Path(music21.__file__).parent
    atomic_copy(m21_dir / "corpus" / "license.txt", out / "licences" / "music21-corpus-license.txt")
    dist_licence = next(Path(m21_dir.parent).glob(
        f"music21-{music21.__version__}.dist-info/**/LICENSE*"), None)
    if dist_licence:
        atomic_copy(dist_licence, out / "licences" / "music21-LICENSE.txt")

    rows = []
    for row in m21_rows + pb_rows:
        rows.append({**row, **_smf.stats(_smf.read(out / row["path"]))})
    write_csv_atomic(out / "manifest.csv", MANIFEST_HEADER, rows)
    atomic_write_text(out / "metadata.json", json.dumps(metadata, indent=1, sort_keys=True) + "\n")
    atomic_write_text(out / "failed.json", json.dumps(failed, indent=1, sort_keys=True) + "\n")
    if not args.keep_staging:
        shutil.rmtree(cache / "staging", ignore_errors=True)
    if args.prune:
        shutil.rmtree(cache, ignore_errors=True)
    by_dir = {}
    for r in rows:
        d = by_dir.setdefault(r["path"].split("/")[0], [0, 0])
        d[0] += 1
        d[1] += r["n_notes"]
    summary = ", ".join(f"{k} {v[0]} files / {v[1]} notes" for k, v in by_dir.items())
    log(PROG, f"manifest.csv: {summary}; {len(failed)} failed; done in {time.time() - start:.0f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        fail(PROG, "interrupted")
