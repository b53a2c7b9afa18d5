#!/usr/bin/env python3
"""Melody metrics of YIN, pYIN and librosa's pYIN on phrases rendered from MIDI through two
SoundFont families, with the MIDI as ground truth (RESULTS.md, issue 22).

    cargo build --release -p reprise-cli && maturin develop --release -m crates/reprise-py/Cargo.toml
    .venv/bin/python scripts/eval_pitch.py [--count 5] [--out bench-data/pitch-eval]

Protocol:
1. `reprise data phrases --soundfont tim --soundfont freepats --classes seed8 --count N
   --duration-s 6 --sr 22050` renders N seeded monophonic phrases per class and family
   (TimGM6mb and the freepats GUS patches; WAV + the MIDI that made it).
2. Reference: the MIDI's piano roll at 100 frames per second (`reprise midi roll --binary`),
   the highest sounding key per frame as f0 (the phrases are monophonic; overlaps at
   legato joins are a frame or two), unvoiced where no key sounds. Release tails after a
   note-off count as unvoiced, as in MIREX.
3. Estimates, all with fmin = C2, fmax = C7, frames of 2048 samples every 512:
   - YIN: `reprise pitch --method yin` (threshold 0.1; voiced where the chosen trough is
     below it);
   - pYIN: `reprise.pyin` (the same code as `reprise pitch`);
   - librosa's pYIN: `librosa.pyin` on the same float32 signal.
4. Scores: mir_eval.melody.evaluate (raw pitch and chroma within 50 cents, the estimate
   resampled onto the reference's 10-ms grid), per phrase, then the mean over phrases.
   Reprise's own metrics (`reprise eval-melody`) are run on every (phrase, method) too, and
   the largest difference from mir_eval is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import warnings

import librosa
import mir_eval
import numpy as np
import soundfile as sf

import reprise

REPO = Path(__file__).resolve().parents[1]
EXE = REPO / "target/release/reprise"
FMIN, FMAX = 65.40639132514966, 2093.004522404789
MEASURES = ["Voicing Recall", "Voicing False Alarm", "Raw Pitch Accuracy", "Raw Chroma Accuracy", "Overall Accuracy"]
KEYS = ["voicing_recall", "voicing_false_alarm", "raw_pitch_accuracy", "raw_chroma_accuracy", "overall_accuracy"]


def run(*args: str) -> str:
    p = subprocess.run([str(EXE), *args], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"reprise {' '.join(args)}: {p.stderr.strip()}")
    return p.stdout


def reference(mid: Path, tmp: Path) -> tuple[np.ndarray, np.ndarray]:
    roll_path = tmp / "roll.npy"
    run("midi", "roll", str(mid), "-o", str(roll_path), "--fps", "100", "--binary")
    roll = np.load(roll_path)
    sounding = roll.any(axis=0)
    top = 127 - np.argmax(roll[::-1], axis=0)
    f0 = np.where(sounding, 440.0 * 2.0 ** ((top - 69) / 12.0), 0.0)
    return np.arange(roll.shape[1]) / 100.0, f0


def write_melody(path: Path, t: np.ndarray, f: np.ndarray) -> None:
    path.write_text("time_s,f0_hz\n" + "".join(f"{a:.6f},{b:.6f}\n" for a, b in zip(t, f)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=5, help="phrases per class and SoundFont family")
    ap.add_argument("--out", default="bench-data/pitch-eval")
    a = ap.parse_args()
    if not EXE.exists():
        raise SystemExit(f"{EXE} is missing: cargo build --release -p reprise-cli")
    out = REPO / a.out
    phrases = out / "phrases"
    if not (phrases / "manifest.csv").exists():
        run("data", "phrases", "-o", str(phrases), "--soundfont", "tim", "--soundfont", "freepats", "--classes", "seed8",
            "--count", str(a.count), "--duration-s", "6", "--sr", "22050")
    import csv

    rows = list(csv.DictReader(open(phrases / "manifest.csv")))
    scores: dict[tuple[str, str], list[dict]] = {}
    seconds = {"YIN (Reprise)": 0.0, "pYIN (Reprise)": 0.0, "pYIN (librosa)": 0.0}
    max_diff = 0.0
    audio_s = 0.0
    frames = differ = 0
    # YIN's frames start at 0 s and then every hop from frame_length/2: mir_eval warns
    warnings.filterwarnings("ignore", message="Non-uniform timescale")
    with tempfile.TemporaryDirectory() as tmpd:
        tmp = Path(tmpd)
        for r in rows:
            wav = phrases / r["path"]
            mid = wav.with_suffix(".mid")
            family = r.get("family") or r.get("soundfont") or "?"
            rt, rf = reference(mid, tmp)
            ref_csv = tmp / "ref.csv"
            write_melody(ref_csv, rt, rf)
            y, sr = sf.read(wav, dtype="float32")
            audio_s += len(y) / sr
            hop = 512
            # YIN through the command line
            t0 = time.perf_counter()
            run("pitch", str(wav), "--method", "yin", "--sr", "native", "-o", str(tmp / "yin.csv"), "--no-plot")
            seconds["YIN (Reprise)"] += time.perf_counter() - t0
            yin = np.genfromtxt(tmp / "yin.csv", delimiter=",", skip_header=1)
            est = {"YIN (Reprise)": (yin[:, 0], np.where(yin[:, 2] > 0, yin[:, 1], 0.0))}
            t0 = time.perf_counter()
            f0, v, _ = reprise.pyin(y, fmin=FMIN, fmax=FMAX, sr=sr)
            seconds["pYIN (Reprise)"] += time.perf_counter() - t0
            est["pYIN (Reprise)"] = (np.arange(f0.size) * hop / sr, np.where(v, f0, 0.0))
            ours_v, ours_f = v, f0
            t0 = time.perf_counter()
            f0, v, _ = librosa.pyin(y, fmin=FMIN, fmax=FMAX, sr=sr)
            frames += v.size
            differ += int(np.sum((v != ours_v) | (v & ~np.isclose(ours_f, f0, rtol=1e-9, equal_nan=True))))
            seconds["pYIN (librosa)"] += time.perf_counter() - t0
            est["pYIN (librosa)"] = (np.arange(f0.size) * hop / sr, np.where(v, f0, 0.0))
            for name, (et, ef) in est.items():
                m = mir_eval.melody.evaluate(rt, rf, et, ef)
                scores.setdefault((family, name), []).append(m)
                write_melody(tmp / "est.csv", et, ef)
                ours = json.loads(run("eval-melody", str(ref_csv), str(tmp / "est.csv"), "--json"))
                max_diff = max(max_diff, max(abs(ours[k] - m[M]) for k, M in zip(KEYS, MEASURES)))
    families = sorted({f for f, _ in scores})
    lines = [
        f"Phrases: {len(rows)} ({a.count} per class of seed8 and per family, 6 s at 22050 Hz; {audio_s:.0f} s of audio). "
        f"Means over phrases; mir_eval 0.8.2's scores (Reprise's `eval-melody` agrees within {max_diff:.1e}). "
        f"Reprise's and librosa's pYIN differ (voicing, or f0 where voiced) in {differ} of {frames} frames.",
        "",
        "| family | method | voicing recall | voicing false alarm | raw pitch | raw chroma | overall |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for fam in families:
        for name in seconds:
            ms = scores[(fam, name)]
            vals = [np.mean([m[k] for m in ms]) for k in MEASURES]
            lines.append(f"| {fam} | {name} | " + " | ".join(f"{v:.3f}" for v in vals) + " |")
    lines += ["", "Time for all phrases: " + ", ".join(f"{k} {v:.2f} s" for k, v in seconds.items())
              + " (YIN includes starting the `reprise` process per file)."]
    text = "\n".join(lines)
    print(text)
    (out / "table.md").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
