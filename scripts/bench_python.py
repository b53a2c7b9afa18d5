#!/usr/bin/env python3
"""Benchmark the Python package `reprise` (crates/reprise-py) and write its section of
BENCHMARKS.md ("## Python (issue 24)"); the rest of the file is left as it is.

How to run (from the repository root, after `bash scripts/test.sh` has built the package
into .venv, or `.venv/bin/pip install ./crates/reprise-py`):

    cargo build --release -p reprise-dsp --example bench_json
    cargo build --release -p reprise --example bench_facade
    .venv/bin/python scripts/bench_python.py [--rounds 5]

What it measures, in one run, alternating the tools for --rounds rounds (medians over rounds
of per-round medians), on the data of scripts/bench_vs_librosa.py (made if missing):
  1. The cost of the Python call: `reprise.feature.melspectrogram(y=y, sr=22050)` and
     `reprise.stft(y)` on the 60-s clip, one thread, against the same transforms called
     from Rust (`target/release/examples/bench_json`, batch calls) and against librosa.
  2. A folder script ported by changing the import: bench-data/librosa_folder_script.py
     (load at 22050 Hz + melspectrogram + np.save per file, 40 files) run as written and
     with `import reprise as librosa`, wall clock.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
import bench_vs_librosa as base  # noqa: E402  (sets one thread for numpy before importing it)

import librosa  # noqa: E402
import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

import reprise  # noqa: E402

SECTION = "## Python (issue 24)"


def median_call(fn, repeats: int) -> float:
    return base.time_median(fn, repeats)[0]


def rust_medians(clip60: Path, example: str = "bench_json", crate: str = "reprise-dsp") -> dict:
    exe = REPO / "target/release/examples" / example
    if not exe.exists():
        raise SystemExit(f"{exe} is missing: cargo build --release -p {crate} --example {example}")
    out = subprocess.run([str(exe), str(clip60)], check=True, capture_output=True, text=True, env={**os.environ, "RAYON_NUM_THREADS": "1"})
    return json.loads(out.stdout)


def folder_run(script: Path, clips: Path) -> float:
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(script), str(clips), out], check=True, env={**os.environ, "RAYON_NUM_THREADS": "2"})
        return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    os.environ["RAYON_NUM_THREADS"] = "1"
    clip60, clips = base.ensure_data(REPO / "bench-data", regen=False)
    y, sr = sf.read(clip60, dtype="float32")
    cases = {
        "melspectrogram": (lambda: reprise.feature.melspectrogram(y=y, sr=sr), lambda: librosa.feature.melspectrogram(y=y, sr=sr)),
        "stft": (lambda: reprise.stft(y), lambda: librosa.stft(y)),
    }
    per = {k: {"python": [], "rust": [], "facade": [], "librosa": []} for k in cases}
    for r in range(args.rounds):
        rust = rust_medians(clip60)
        facade = rust_medians(clip60, "bench_facade", "reprise")
        for k, (ours, peer) in cases.items():
            per[k]["python"].append(median_call(ours, args.repeats))
            per[k]["rust"].append(rust[k])
            per[k]["facade"].append(facade[k])
            per[k]["librosa"].append(median_call(peer, args.repeats))
        print(f"[round {r + 1}/{args.rounds}] " + ", ".join(f"{k}: py {per[k]['python'][-1] * 1e3:.2f} ms, rust {per[k]['rust'][-1] * 1e3:.2f} ms" for k in cases), flush=True)
    med = {k: {t: statistics.median(v) for t, v in d.items()} for k, d in per.items()}

    # the folder script, as written and with the import swapped
    original = REPO / "bench-data/librosa_folder_script.py"
    ported = REPO / "bench-data/reprise_folder_script.py"
    ported.write_text(original.read_text().replace("import librosa", "import reprise as librosa"))
    folder = {"librosa": [], "reprise": []}
    for r in range(3):
        folder["librosa"].append(folder_run(original, clips))
        folder["reprise"].append(folder_run(ported, clips))
        print(f"[folder {r + 1}/3] librosa {folder['librosa'][-1]:.2f} s, reprise {folder['reprise'][-1]:.2f} s", flush=True)
    fmed = {k: statistics.median(v) for k, v in folder.items()}

    load = os.getloadavg()
    rows = []
    for k in cases:
        m = med[k]
        overhead = m["python"] / m["rust"] - 1
        target = "≤ +5 % over Rust" if k == "melspectrogram" else "—"
        result = ("met" if overhead <= 0.05 else "**missed**") if k == "melspectrogram" else "—"
        rows.append(
            f"| {k} | {m['python'] * 1e3:.2f} ms | {m['rust'] * 1e3:.2f} ms | {m['facade'] * 1e3:.2f} ms | {overhead * 100:+.1f} % | {m['librosa'] * 1e3:.2f} ms | {m['librosa'] / m['python']:.2f}× | {target} | {result} |"
        )
    ratio = fmed["librosa"] / fmed["reprise"]
    mel_rounds = ", ".join(f"{(p / q - 1) * 100:+.1f} %" for p, q in zip(per["melspectrogram"]["python"], per["melspectrogram"]["rust"]))
    text = f"""{SECTION}

Generated by `scripts/bench_python.py` on {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC at commit `{base.git_commit()}` (`{' '.join(sys.argv[1:]) or 'defaults'}`, {args.rounds} rounds). That script rewrites only this section.

- Machine: {base.cpu_model()}, nproc {base.nproc()}; load average (1 min) {load[0]:.2f} at the end. Python {sys.version.split()[0]}, numpy {np.__version__}, librosa {librosa.__version__}; reprise {reprise.__version__} built by maturin (release).
- Per call: `bench-data/clip60.wav` (60 s, 22050 Hz), one thread everywhere (RAYON_NUM_THREADS=1 and the single-thread settings of `bench_vs_librosa.py`); median of {args.repeats} calls after a warm-up, then the median over rounds. "Rust" is `target/release/examples/bench_json` (the library's batch calls, their plans made beforehand) and `target/release/examples/bench_facade` (the facade's in-memory call that the Python functions make, planning included), in the same rounds.
- Folder: `bench-data/librosa_folder_script.py` as written, and the same file with `import reprise as librosa` (`bench-data/reprise_folder_script.py`), over `bench-data/clips/` (40 × 10 s, 44.1 kHz stereo), RAYON_NUM_THREADS=2, wall clock including interpreter start, median of 3.

| call | Python (reprise) | Rust (batch call, plan made before) | Rust (the same call: `extract_signal_spec`) | Python cost over the batch call | librosa | librosa / Python | target | result |
|---|---:|---:|---:|---:|---:|---:|---|---|
{chr(10).join(rows)}

Each round's melspectrogram cost over Rust (the rounds alternate the two): {mel_rounds}.

| folder script | librosa | `import reprise as librosa` | ratio | target | result |
|---|---:|---:|---:|---|---|
| load + melspectrogram + np.save, 40 files | {fmed['librosa']:.2f} s | {fmed['reprise']:.2f} s | {ratio:.2f}× | ≥ 3× faster | {'met' if ratio >= 3 else '**missed**'} |

Where the Python call's time went (measured while closing the gap from +28 %, the first
version's cost): the facade now reads an in-memory signal's frames in place
(`FrameTransform::run`) into storage sized once, plans the mel filters over their spans only
(0.45 → 0.06 ms), and looks for silence by stopping at the first non-zero sample instead of
scanning every sample's peak. The facade's call from Rust now takes what the batch call takes
(third column); the rest is the binding and the Python layer (merging the options into a
specification, the GIL, the numpy wrapping: about 0.1 ms on a 4096-sample call, and a few
tenths of a millisecond more on 60 s that were not traced further). The margin under the
target is thin: on this shared 2-core host, two runs of the same code gave medians of +7.3 %
and +3.9 % (each round's ratio is listed above), so read "met" as "at the target, within the
host's noise".

"""
    base.write_section(REPO / "BENCHMARKS.md", SECTION, text)
    print(f"wrote {SECTION} in BENCHMARKS.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
