#!/usr/bin/env python3
"""Pattern-discovery F-scores of `reprise structure` on pieces with MIREX ground truth.

Usage:  python3 scripts/eval_patterns.py PIECES_CSV [--reprise PATH] [--model DIR]
                [--features cae,cqt,chroma,mfcc] [--out DIR] [--markdown]

PIECES_CSV is the `test/pieces.csv` of scripts/data/pattern_corpus.py
(piece,soundfont,audio,midi,groundtruth,bpm,duration_s,sections; paths relative
to the CSV). For every row and every feature, runs

    reprise structure AUDIO --features F [--model DIR] --notes MIDI --bpm BPM -o OUT/...

(the extractor of Nieto & Farbood 2014 as the CAE's reference pipeline uses it,
with its default threshold), then `reprise eval-patterns GROUNDTRUTH
OUT/.../patterns.txt --json` (mir_eval.pattern's metrics). A run that finds no
pattern scores 0 (an empty estimate), as mir_eval scores it.

Prints, per feature and SoundFont family, the mean over pieces of the
establishment F (P_est, R_est), occurrence F at 0.75 and 0.5, three-layer F and
standard F; with --markdown, as a table. --out keeps every run's outputs
(default: a temporary folder) and writes scores.json there.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

METRICS = [("establishment", "f"), ("establishment", "p"), ("establishment", "r"),
           ("occurrence_75", "f"), ("occurrence_50", "f"), ("three_layer", "f"), ("standard", "f")]
HEADERS = ["F_est", "P_est", "R_est", "F_o(.75)", "F_o(.5)", "F_3", "F_std"]


def run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pieces", type=Path)
    ap.add_argument("--reprise", default="target/release/reprise")
    ap.add_argument("--model", help="CAE model folder (default: the shipped one)")
    ap.add_argument("--features", default="cae,cqt,chroma,mfcc")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    base = a.pieces.parent
    rows = list(csv.DictReader(a.pieces.open()))
    if not rows:
        print(f"{a.pieces}: no pieces", file=sys.stderr)
        return 2
    out = a.out or Path(tempfile.mkdtemp(prefix="eval_patterns."))
    empty = out / "empty.txt"
    out.mkdir(parents=True, exist_ok=True)
    empty.write_text("")
    scores: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    records = []
    for feature in a.features.split(","):
        for r in rows:
            run_dir = out / feature / f"{r['piece']}_{r['soundfont']}"
            cmd = [a.reprise, "structure", str(base / r["audio"]), "--features", feature,
                   "--notes", str(base / r["midi"]), "--bpm", r["bpm"], "-o", str(run_dir)]
            if a.model and feature == "cae":
                cmd += ["--model", a.model]
            s = run(cmd)
            if s.returncode != 0:
                print(f"{r['piece']} {r['soundfont']} {feature}: {s.stderr.strip()}", file=sys.stderr)
                return 1
            est = run_dir / "patterns.txt"
            e = run([a.reprise, "eval-patterns", str(base / r["groundtruth"]), str(est if est.is_file() else empty), "--json"])
            if e.returncode != 0:
                print(f"{r['piece']} {r['soundfont']} {feature}: {e.stderr.strip()}", file=sys.stderr)
                return 1
            m = json.loads(e.stdout)
            scores[feature][r["soundfont"]].append(m)
            records.append({"piece": r["piece"], "soundfont": r["soundfont"], "features": feature, "scores": m})
            print(f"{feature:7s} {r['soundfont']:6s} {r['piece']:34s} F_est {m['establishment']['f']:.3f} "
                  f"F_o.75 {m['occurrence_75']['f']:.3f} F_3 {m['three_layer']['f']:.3f}", file=sys.stderr)
    (out / "scores.json").write_text(json.dumps(records, indent=1) + "\n")
    if a.markdown:
        print("| features | SoundFont | pieces | " + " | ".join(HEADERS) + " |")
        print("|---|---|---|" + "---|" * len(HEADERS))
    for feature, by_font in scores.items():
        for font, ms in by_font.items():
            means = [sum(m[k][f] for m in ms) / len(ms) for k, f in METRICS]
            if a.markdown:
                print(f"| {feature} | {font} | {len(ms)} | " + " | ".join(f"{v:.3f}" for v in means) + " |")
            else:
                print(feature, font, len(ms), " ".join(f"{h} {v:.3f}" for h, v in zip(HEADERS, means)))
    print(f"outputs in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
