#!/usr/bin/env python3
"""Benchmark Reprise against its peer, librosa 0.11, and write BENCHMARKS.md.

How to run (from the repository root, in the pinned peer environment):

    python3 -m venv .venv
    .venv/bin/pip install -r scripts/requirements-peer.txt
    .venv/bin/python scripts/bench_vs_librosa.py              # full run (builds Reprise with cargo)
    .venv/bin/python scripts/bench_vs_librosa.py --no-build   # use already-built binaries
    .venv/bin/python scripts/bench_vs_librosa.py --only-peer --quick   # librosa side only, no cargo

What it does:
  1. Generates (seeded, deterministic) bench-data/clip60.wav (60 s, 22050 Hz, mono,
     float32 WAV) and bench-data/clips/ (40 x 10 s, 44100 Hz, 16-bit stereo WAV).
  2. Times librosa single-threaded on the decoded 60 s signal: one warm-up call, then
     the median of 7 calls (3 for griffinlim), time.perf_counter.
  3. Runs `target/release/examples/bench_json bench-data/clip60.wav` (steps 2 and 3
     alternate for --rounds rounds, default 3; figures are medians over rounds), which prints one
     JSON object of Reprise median seconds per case (same cases, same method).
  4. Times folder throughput (wall clock, median of 3): a plain single-process librosa
     script (load at 22050 Hz + melspectrogram + np.save per file) against
     `target/release/reprise features mel bench-data/clips -o <tmpdir>` with
     RAYON_NUM_THREADS=2.
  5. Writes BENCHMARKS.md (machine, versions, tables, targets met/missed). An existing
     `## Notes` section in BENCHMARKS.md is preserved verbatim.

Flags: --only-peer skips everything Rust (no cargo, no Reprise binaries); --quick uses
fewer repeats; --no-build skips the cargo build step. See --help.
"""

from __future__ import annotations

import os

# Single-threaded librosa/numpy: must be set before numpy is imported.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
for _var in THREAD_VARS:
    os.environ[_var] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import soundfile as sf  # noqa: E402
import librosa  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SR = 22050
CLIP60_SECONDS = 60.0
N_CLIPS = 40
CLIP_SECONDS = 10.0
CLIP_SR = 44100
GL_SECONDS = 10.0
DATA_RECIPE_VERSION = "reprise-bench-data v1"

BENCH_JSON_BUILD = ["cargo", "build", "--release", "-p", "reprise-dsp", "--example", "bench_json"]
CLI_BUILD = ["cargo", "build", "--release", "-p", "reprise-cli", "--bin", "reprise"]
BENCH_JSON_BIN = REPO / "target" / "release" / "examples" / "bench_json"
CLI_BIN = REPO / "target" / "release" / "reprise"

NOTES_PLACEHOLDER = "## Notes\n\n(explanations of missed targets are written by hand)\n"

# The folder benchmark's librosa side: a plain script, as a researcher would write it.
LIBROSA_FOLDER_SCRIPT = '''\
import sys
from pathlib import Path

import numpy as np
import librosa

src, dst = Path(sys.argv[1]), Path(sys.argv[2])
dst.mkdir(parents=True, exist_ok=True)
for path in sorted(src.glob("*.wav")):
    y, sr = librosa.load(path, sr=22050)  # mono mix-down + soxr_hq resample
    S = librosa.feature.melspectrogram(y=y, sr=sr)
    np.save(dst / (path.stem + ".npy"), S)
'''


# ---------------------------------------------------------------------------
# Benchmark data
# ---------------------------------------------------------------------------


def chord_sequence(sr: int, seconds: float, seed: int, channels: int = 1, segment_s: float = 2.0) -> np.ndarray:
    """Three-note chords changing every `segment_s` seconds; returns float32 (channels, n).

    Each note: 8 harmonics with amplitude 1/k, vibrato at a rate drawn from [5, 6) Hz with
    a depth of +-30 cents. 10 ms linear fades at chord changes. White Gaussian noise at
    -30 dB relative to the tonal RMS; then scaled to a peak of 0.5.
    Chords: a root MIDI note drawn from [45, 60] and a major or minor triad.
    For stereo, each note gets a random pan and each channel its own noise.
    """
    rng = np.random.default_rng(seed)
    n = int(round(seconds * sr))
    seg = int(round(segment_s * sr))
    fade = int(round(0.01 * sr))
    tonal = np.zeros((channels, n), dtype=np.float64)
    for start in range(0, n, seg):
        stop = min(n, start + seg)
        m = stop - start
        t = np.arange(m, dtype=np.float64) / sr
        env = np.ones(m)
        f = min(fade, m // 2)
        if f > 0:
            ramp = np.linspace(0.0, 1.0, f, endpoint=False)
            env[:f] = ramp
            env[m - f :] = ramp[::-1]
        root = int(rng.integers(45, 61))
        triad = (0, 4, 7) if rng.random() < 0.5 else (0, 3, 7)
        for interval in triad:
            f0 = 440.0 * 2.0 ** ((root + interval - 69) / 12.0)
            rate = rng.uniform(5.0, 6.0)
            vib_phase = rng.uniform(0.0, 2 * np.pi)
            f_inst = f0 * 2.0 ** (30.0 * np.sin(2 * np.pi * rate * t + vib_phase) / 1200.0)
            phi = 2 * np.pi * np.cumsum(f_inst) / sr + rng.uniform(0.0, 2 * np.pi)
            note = np.zeros(m)
            for k in range(1, 9):
                note += np.sin(k * phi) / k
            note *= env
            if channels == 1:
                tonal[0, start:stop] += note
            else:
                pan = rng.uniform(0.2, 0.8)
                tonal[0, start:stop] += note * math.cos(pan * math.pi / 2)
                tonal[1, start:stop] += note * math.sin(pan * math.pi / 2)
    rms = np.sqrt(np.mean(tonal**2))
    y = tonal + rng.standard_normal((channels, n)) * rms * 10.0 ** (-30.0 / 20.0)
    y *= 0.5 / np.max(np.abs(y))
    return y.astype(np.float32)


def ensure_data(data_dir: Path, regen: bool) -> tuple[Path, Path]:
    clip60 = data_dir / "clip60.wav"
    clips = data_dir / "clips"
    stamp = data_dir / ".recipe"
    expected = [clips / f"clip{i:02d}.wav" for i in range(N_CLIPS)]
    fresh = (
        not regen
        and stamp.exists()
        and stamp.read_text().strip() == DATA_RECIPE_VERSION
        and clip60.exists()
        and all(p.exists() for p in expected)
        and len(list(clips.glob("*.wav"))) == N_CLIPS
    )
    if fresh:
        print(f"[data] reusing {clip60} and {clips}/ ({N_CLIPS} clips)")
        return clip60, clips
    print("[data] generating benchmark data ...", flush=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    if stamp.exists():
        stamp.unlink()
    y = chord_sequence(SR, CLIP60_SECONDS, seed=0)[0]
    sf.write(clip60, y, SR, subtype="FLOAT")
    if clips.exists():
        shutil.rmtree(clips)
    clips.mkdir()
    for i, path in enumerate(expected):
        st = chord_sequence(CLIP_SR, CLIP_SECONDS, seed=1000 + i, channels=2)
        sf.write(path, st.T, CLIP_SR, subtype="PCM_16")
    stamp.write_text(DATA_RECIPE_VERSION + "\n")
    print(f"[data] wrote {clip60} and {N_CLIPS} clips in {clips}/")
    return clip60, clips


# ---------------------------------------------------------------------------
# Timing helpers
# ---------------------------------------------------------------------------


def rel(p: Path) -> str:
    """Path relative to the repository root when inside it (for display)."""
    try:
        return str(Path(p).resolve().relative_to(REPO))
    except ValueError:
        return str(p)


def time_median(fn, repeats: int) -> tuple[float, list[float]]:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def run_checked(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def time_librosa(clip60: Path, repeats: int, gl_repeats: int) -> dict:
    y, sr = sf.read(clip60, dtype="float32")
    assert sr == SR and y.ndim == 1, (sr, y.shape)
    D = librosa.stft(y)
    y_gl = y[: int(GL_SECONDS * SR)]
    S_gl = np.abs(librosa.stft(y_gl))
    cases = [
        ("stft", "librosa.stft(y)", lambda: librosa.stft(y), repeats),
        ("melspectrogram", "librosa.feature.melspectrogram(y=y, sr=22050)",
         lambda: librosa.feature.melspectrogram(y=y, sr=SR), repeats),
        ("mfcc", "librosa.feature.mfcc(y=y, sr=22050)", lambda: librosa.feature.mfcc(y=y, sr=SR), repeats),
        ("chroma_stft", "librosa.feature.chroma_stft(y=y, sr=22050)  # tuning estimated",
         lambda: librosa.feature.chroma_stft(y=y, sr=SR), repeats),
        ("chroma_stft_tuning0", "librosa.feature.chroma_stft(y=y, sr=22050, tuning=0.0)",
         lambda: librosa.feature.chroma_stft(y=y, sr=SR, tuning=0.0), repeats),
        ("estimate_tuning", "librosa.estimate_tuning(y=y, sr=22050)",
         lambda: librosa.estimate_tuning(y=y, sr=SR), repeats),
        ("istft", "librosa.istft(D)  # D = librosa.stft(y)", lambda: librosa.istft(D), repeats),
        ("cqt", "librosa.cqt(y, sr=22050)  # 84 bins, tuning 0",
         lambda: librosa.cqt(y, sr=SR), repeats),
        ("chroma_cqt", "librosa.feature.chroma_cqt(y=y, sr=22050)  # 252 bins, tuning estimated",
         lambda: librosa.feature.chroma_cqt(y=y, sr=SR), max(3, repeats // 2)),
        ("griffinlim", "librosa.griffinlim(np.abs(librosa.stft(y[:10 s])), n_iter=32, random_state=0)",
         lambda: librosa.griffinlim(S_gl, n_iter=32, random_state=0), gl_repeats),
    ]
    results = {}
    for key, call, fn, reps in cases:
        med, times = time_median(fn, reps)
        results[key] = {"median_s": med, "times_s": times, "call": call, "repeats": reps}
        print(f"[librosa] {key:22s} median {med * 1e3:9.2f} ms  (n={reps})", flush=True)
    return results


def build_rust(steps) -> list[str]:
    errors = []
    for cmd in steps:
        print(f"[build] {' '.join(cmd)}", flush=True)
        try:
            p = subprocess.run(cmd, cwd=REPO)
            if p.returncode != 0:
                errors.append(f"`{' '.join(cmd)}` exited {p.returncode}")
        except FileNotFoundError as e:
            errors.append(f"`{' '.join(cmd)}`: {e}")
    return errors


def time_reprise_functions(clip60: Path, threads: int) -> tuple[dict, str | None]:
    if not BENCH_JSON_BIN.exists():
        return {}, f"{rel(BENCH_JSON_BIN)} not found"
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    print(f"[reprise] {rel(BENCH_JSON_BIN)} {rel(clip60)}", flush=True)
    try:
        p = run_checked([str(BENCH_JSON_BIN), str(clip60)], cwd=REPO, env=env, timeout=3600)
    except (OSError, subprocess.TimeoutExpired) as e:
        return {}, f"bench_json failed: {e}"
    if p.returncode != 0:
        return {}, f"bench_json exited {p.returncode}: {p.stderr.strip()[-500:]}"
    parsed = None
    try:
        parsed = json.loads(p.stdout)
    except json.JSONDecodeError:
        for line in reversed(p.stdout.strip().splitlines()):
            try:
                parsed = json.loads(line)
                break
            except json.JSONDecodeError:
                continue
    if not isinstance(parsed, dict):
        return {}, f"bench_json printed no JSON object: {p.stdout.strip()[-300:]!r}"
    out = {}
    for k, v in parsed.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0:
            out[k] = float(v)
        else:
            print(f"[reprise] ignoring non-numeric value for {k!r}: {v!r}")
    for k, v in sorted(out.items()):
        print(f"[reprise] {k:22s} median {v * 1e3:9.2f} ms")
    return out, None


def clips_audio_seconds(clips: Path) -> float:
    return sum(sf.info(p).duration for p in sorted(clips.glob("*.wav")))


def time_folder_librosa(clips: Path, data_dir: Path, repeats: int) -> dict:
    script = data_dir / "librosa_folder_script.py"
    script.write_text(LIBROSA_FOLDER_SCRIPT)
    # Run it the way a researcher would: plain environment, no thread pinning.
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    times = []
    for r in range(repeats):
        out = Path(tempfile.mkdtemp(prefix="librosa-mel-", dir=data_dir))
        t0 = time.perf_counter()
        p = run_checked([sys.executable, str(script), str(clips), str(out)], env=env)
        dt = time.perf_counter() - t0
        n_out = len(list(out.glob("*.npy")))
        shutil.rmtree(out)
        if p.returncode != 0:
            raise RuntimeError(f"librosa folder script failed: {p.stderr[-1000:]}")
        times.append(dt)
        print(f"[folder/librosa] repeat {r + 1}: {dt:.2f} s ({n_out} outputs)", flush=True)
    return {"median_s": statistics.median(times), "times_s": times, "outputs": n_out,
            "command": f"{Path(sys.executable).name} {rel(script)} {rel(clips)} <tmpdir>"}


def time_folder_reprise(clips: Path, data_dir: Path, repeats: int) -> tuple[dict | None, str | None]:
    if not CLI_BIN.exists():
        return None, f"{rel(CLI_BIN)} not found"
    env = dict(os.environ, RAYON_NUM_THREADS="2")
    times = []
    n_out = 0
    for r in range(repeats):
        # A fresh, empty output folder every repeat (reprise skips complete outputs).
        out = Path(tempfile.mkdtemp(prefix="reprise-mel-", dir=data_dir))
        cmd = [str(CLI_BIN), "features", "mel", str(clips), "-o", str(out)]
        t0 = time.perf_counter()
        try:
            p = run_checked(cmd, cwd=REPO, env=env, timeout=3600)
        except (OSError, subprocess.TimeoutExpired) as e:
            return None, f"reprise failed: {e}"
        dt = time.perf_counter() - t0
        n_out = sum(1 for f in out.rglob("*") if f.is_file()) if out.exists() else 0
        if out.exists():
            shutil.rmtree(out)
        if p.returncode != 0:
            return None, f"reprise exited {p.returncode}: {p.stderr.strip()[-500:]}"
        times.append(dt)
        print(f"[folder/reprise] repeat {r + 1}: {dt:.2f} s ({n_out} output files)", flush=True)
    return {"median_s": statistics.median(times), "times_s": times, "outputs": n_out,
            "command": f"RAYON_NUM_THREADS=2 target/release/reprise features mel {rel(clips)} -o <tmpdir>"}, None


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def nproc() -> str:
    try:
        # GNU nproc honours OMP_NUM_THREADS, which this script sets to 1: ask it without.
        env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OMP_THREAD_LIMIT")}
        out = subprocess.run(["nproc"], capture_output=True, text=True, env=env).stdout.strip()
        return out or str(len(os.sched_getaffinity(0)))
    except OSError:
        return str(os.cpu_count())


def git_commit() -> str:
    p = run_checked(["git", "rev-parse", "--short=12", "HEAD"], cwd=REPO)
    if p.returncode != 0:
        return "(no commit)"
    commit = p.stdout.strip()
    d = run_checked(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO)
    if d.returncode == 0 and d.stdout.strip():
        commit += " (+ uncommitted changes)"
    return commit


def fmt_s(v) -> str:
    if v is None:
        return "n/a"
    if v >= 1.0:
        return f"{v:.3f} s"
    return f"{v * 1e3:.2f} ms"


def fmt_x(v) -> str:
    return "n/a" if v is None else f"{v:.2f}×"


def verdict(value, target, higher_is_better=True) -> str:
    if value is None or target is None:
        return "n/a" if target is not None else "—"
    ok = value >= target if higher_is_better else value <= target
    return "met" if ok else "**missed**"


def write_section(path: Path, section: str, text: str) -> None:
    """Replaces the section headed `section` (up to the next `## ` heading) of the Markdown
    file at `path` with `text`, or inserts it before `## Notes`; the rest is left as it is.
    Used by the scripts that own one section of BENCHMARKS.md (bench_python.py, bench_ray.py)."""
    lines = path.read_text().splitlines(keepends=True) if path.exists() else []
    start = next((i for i, l in enumerate(lines) if l.rstrip() == section), None)
    if start is not None:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        lines[start:end] = [text]
    else:
        notes = next((i for i, l in enumerate(lines) if l.rstrip() == "## Notes"), len(lines))
        lines[notes:notes] = [text]
    path.write_text("".join(lines))


def existing_notes(path: Path) -> str:
    if not path.exists():
        return NOTES_PLACEHOLDER
    lines = path.read_text().splitlines(keepends=True)
    # keep the sections other scripts own (bench_scattering.py writes "## Scattering (issue 4)")
    kept = ("## Notes", "## Scattering (issue 4)")
    start = next((i for i, l in enumerate(lines) if l.rstrip() in kept), None)
    if start is None:
        return NOTES_PLACEHOLDER
    notes = "".join(lines[start:]).rstrip("\n") + "\n"
    return notes


TARGETS = {
    "stft": 2.0,
    "melspectrogram": 3.0,
    "mfcc": 3.0,
    "chroma_stft": 5.0,
    "griffinlim": 5.0,
    "cqt": 3.0,
    "chroma_cqt": 10.0,
}
CASE_ORDER = [
    "stft",
    "melspectrogram",
    "mfcc",
    "chroma_stft",
    "chroma_stft_tuning0",
    "estimate_tuning",
    "istft",
    "griffinlim",
    "cqt",
    "chroma_cqt",
]


def write_report(path: Path, ctx: dict) -> None:
    lib = ctx["librosa"]
    rep = ctx["reprise"]
    L = []
    L.append("# Benchmarks: Reprise vs librosa\n\n")
    L.append(
        f"Generated by `scripts/bench_vs_librosa.py` on {ctx['date']} "
        f"(`{ctx['argv']}`). Everything except the `## Notes` section is rewritten on every run.\n"
    )
    if ctx["only_peer"]:
        L.append("\n> **Peer-only run (`--only-peer`)**: Reprise was not built or timed; its columns are n/a.\n")
    L.append("\n## Machine\n\n")
    L.append(f"- nproc: {ctx['nproc']}\n")
    L.append(f"- CPU: {ctx['cpu']}\n")
    L.append(f"- load average (1/5/15 min) at start: {ctx['load_start']}; at end: {ctx['load_end']}\n")
    L.append(f"- OS: {ctx['os']}; Python {platform.python_version()}\n")
    L.append("\n## Versions\n\n")
    L.append(
        f"- librosa {ctx['versions']['librosa']}, numpy {ctx['versions']['numpy']}, scipy {ctx['versions']['scipy']}, "
        f"soxr {ctx['versions'].get('soxr', '?')}, soundfile {ctx['versions'].get('soundfile', '?')} "
        "(pinned in `scripts/requirements-peer.txt`)\n"
    )
    L.append(f"- reprise git commit: {ctx['commit']}\n")
    L.append("\n## Method\n\n")
    L.append(
        f"- Input: `bench-data/clip60.wav`, {CLIP60_SECONDS:.0f} s, {SR} Hz mono float32 WAV, decoded once "
        "(seeded synthetic three-note chords changing every 2 s, 8 harmonics 1/k, 5–6 Hz vibrato ±30 cents, "
        "white noise at −30 dB).\n"
    )
    L.append(
        f"- librosa: single-threaded ({', '.join(v + '=1' for v in THREAD_VARS)}), one warm-up call, then the "
        f"median of {ctx['repeats']} calls ({ctx['gl_repeats']} for griffinlim), `time.perf_counter`.\n"
    )
    L.append(
        f"- Reprise: `target/release/examples/bench_json bench-data/clip60.wav` (same cases and method), run with "
        f"RAYON_NUM_THREADS={ctx['rust_threads']}.\n"
    )
    L.append(
        f"- Rounds: {ctx.get('rounds', 1)}, alternating librosa and Reprise so that a change in machine load hits "
        "both; each figure below is the median over rounds of the per-round medians.\n"
    )
    L.append("- Ratio = librosa median / Reprise median (higher means Reprise is faster).\n")
    L.append("\n## Per-function timings\n\n")
    L.append("| case | librosa call | librosa median | Reprise median | ratio | target | result |\n")
    L.append("|---|---|---:|---:|---:|---|---|\n")
    for key in CASE_ORDER:
        lm = lib.get(key, {}).get("median_s")
        rm = rep.get(key)
        ratio = lm / rm if (lm is not None and rm is not None) else None
        target = TARGETS.get(key)
        ttxt = f"≥ {target:g}× faster" if target else "—"
        call = lib.get(key, {}).get("call", "").replace("|", "\\|")
        L.append(f"| {key} | `{call}` | {fmt_s(lm)} | {fmt_s(rm)} | {fmt_x(ratio)} | {ttxt} | "
                 f"{verdict(ratio, target)} |\n")
    # stft vs bare realfft
    s, rf = rep.get("stft"), rep.get("realfft_frames")
    overhead = s / rf if (s is not None and rf is not None) else None
    L.append("\n| Reprise stft vs bare realfft on the same frames | Reprise stft | bare realfft | stft / realfft | target | result |\n")
    L.append("|---|---:|---:|---:|---|---|\n")
    L.append(f"| stft overhead | {fmt_s(s)} | {fmt_s(rf)} | {fmt_x(overhead)} | ≤ 1.5× | "
             f"{verdict(overhead, 1.5, higher_is_better=False)} |\n")
    extra = sorted(k for k in rep if k not in CASE_ORDER and k != "realfft_frames")
    if extra:
        L.append("\nOther keys reported by bench_json: " + ", ".join(f"{k} = {fmt_s(rep[k])}" for k in extra) + "\n")
    if ctx.get("rust_error"):
        L.append(f"\nReprise per-function timings unavailable: {ctx['rust_error']}\n")

    # folder
    fl, fr = ctx["folder_librosa"], ctx["folder_reprise"]
    audio = ctx["audio_seconds"]
    L.append("\n## Folder throughput (decode + mel + write)\n\n")
    L.append(
        f"Input: `bench-data/clips/`, {N_CLIPS} WAV files × {CLIP_SECONDS:.0f} s, {CLIP_SR} Hz 16-bit stereo "
        f"({audio:.0f} s of audio in total), which need mono mix-down and resampling to {SR} Hz. "
        f"Wall clock, median of {ctx['folder_repeats']}; output folder deleted between repeats.\n\n"
    )
    L.append("| tool | command | wall median | × real-time (= audio-hours per hour) |\n")
    L.append("|---|---|---:|---:|\n")

    def xrt(entry):
        return audio / entry["median_s"] if entry else None

    L.append(f"| librosa (one Python process, default threading) | `{fl['command']}` | {fmt_s(fl['median_s'])} | "
             f"{'n/a' if xrt(fl) is None else f'{xrt(fl):.1f}'} |\n")
    rcmd = fr["command"] if fr else "RAYON_NUM_THREADS=2 target/release/reprise features mel bench-data/clips -o <tmpdir>"
    L.append(f"| Reprise (2 threads) | `{rcmd}` | {fmt_s(fr['median_s'] if fr else None)} | "
             f"{'n/a' if xrt(fr) is None else f'{xrt(fr):.1f}'} |\n")
    fratio = (xrt(fr) / xrt(fl)) if (fr and fl) else None
    L.append(f"\nThroughput ratio (Reprise / librosa): {fmt_x(fratio)}; target ≥ 5×: {verdict(fratio, 5.0)}\n")
    L.append(f"\nThe librosa script (`bench-data/librosa_folder_script.py`):\n\n```python\n{LIBROSA_FOLDER_SCRIPT}```\n")
    if ctx.get("folder_error"):
        L.append(f"\nReprise folder timing unavailable: {ctx['folder_error']}\n")
    if ctx.get("build_errors"):
        L.append("\nBuild problems: " + "; ".join(ctx["build_errors"]) + "\n")

    L.append("\n## Summary of targets\n\n")
    L.append("| target | value | result |\n|---|---:|---|\n")
    for key in ["stft", "melspectrogram", "mfcc", "chroma_stft", "griffinlim", "cqt", "chroma_cqt"]:
        lm = lib.get(key, {}).get("median_s")
        rm = rep.get(key)
        ratio = lm / rm if (lm is not None and rm is not None) else None
        L.append(f"| {key} ≥ {TARGETS[key]:g}× faster than librosa | {fmt_x(ratio)} | {verdict(ratio, TARGETS[key])} |\n")
    L.append(f"| stft within 1.5× of bare realfft | {fmt_x(overhead)} | {verdict(overhead, 1.5, False)} |\n")
    stream = rep.get("cqt_stream")
    stream_xrt = (CLIP60_SECONDS / stream) if stream else None
    L.append(f"| streaming CQT ≥ 500× real time (4096-sample chunks) | {fmt_x(stream_xrt)} | {verdict(stream_xrt, 500.0)} |\n")
    L.append(f"| folder throughput ≥ 5× librosa script (Reprise on 2 cores) | {fmt_x(fratio)} | {verdict(fratio, 5.0)} |\n")
    L.append("\n" + ctx["notes"])
    path.write_text("".join(L))


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only-peer", action="store_true", help="time librosa only; no cargo, no Reprise binaries")
    ap.add_argument("--quick", action="store_true", help="fewer repeats (3 per case, 1 for griffinlim, 1 folder run)")
    ap.add_argument("--no-build", action="store_true", help="do not run cargo build; use the binaries in target/release")
    ap.add_argument("--rust-threads", type=int, default=1,
                    help="RAYON_NUM_THREADS for bench_json (default 1, matching single-threaded librosa)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="alternating librosa/Reprise rounds; figures are medians over rounds (default 3)")
    ap.add_argument("--data-dir", default=str(REPO / "bench-data"), help="where benchmark data is (re)generated")
    ap.add_argument("--regen", action="store_true", help="regenerate benchmark data even if present")
    ap.add_argument("--output", default=str(REPO / "BENCHMARKS.md"), help="report path (default BENCHMARKS.md)")
    args = ap.parse_args()

    if librosa.__version__ != "0.11.0":
        print(f"ERROR: librosa 0.11.0 required, found {librosa.__version__}; "
              "install scripts/requirements-peer.txt", file=sys.stderr)
        return 1
    repeats, gl_repeats, folder_repeats = (3, 1, 1) if args.quick else (7, 3, 3)

    load_start = "%.2f / %.2f / %.2f" % os.getloadavg()
    versions = {"librosa": librosa.__version__, "numpy": np.__version__, "scipy": scipy.__version__,
                "soundfile": sf.__version__}
    try:
        import soxr

        versions["soxr"] = soxr.__version__
    except ImportError:
        pass
    print("librosa {librosa}  numpy {numpy}  scipy {scipy}".format(**versions))

    data_dir = Path(args.data_dir).resolve()
    clip60, clips = ensure_data(data_dir, args.regen)

    args.rounds = max(1, 1 if args.quick else args.rounds)
    ctx = {
        "rounds": args.rounds,
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "argv": " ".join(["scripts/bench_vs_librosa.py"] + sys.argv[1:]),
        "only_peer": args.only_peer,
        "nproc": nproc(),
        "cpu": cpu_model(),
        "os": f"{platform.system()} {platform.release()}",
        "load_start": load_start,
        "versions": versions,
        "commit": git_commit(),
        "repeats": repeats,
        "gl_repeats": gl_repeats,
        "folder_repeats": folder_repeats,
        "rust_threads": args.rust_threads,
        "reprise": {},
        "folder_reprise": None,
    }

    build_errors = []
    if not args.only_peer and not args.no_build:
        build_errors = build_rust([BENCH_JSON_BUILD, CLI_BUILD])
    ctx["build_errors"] = build_errors

    # Alternate librosa and Reprise in rounds, so that a change in machine load hits
    # both sides; each case's figure is the median over rounds of the per-round medians.
    lib_rounds, rep_rounds = [], []
    ctx["rust_error"] = None
    for r in range(args.rounds):
        print(f"[round {r + 1}/{args.rounds}]", flush=True)
        lib_rounds.append(time_librosa(clip60, repeats, gl_repeats))
        if not args.only_peer:
            rep, err = time_reprise_functions(clip60, args.rust_threads)
            rep_rounds.append(rep)
            ctx["rust_error"] = ctx["rust_error"] or err
    ctx["librosa"] = {
        k: dict(v, median_s=statistics.median(rd[k]["median_s"] for rd in lib_rounds),
                round_medians_s=[rd[k]["median_s"] for rd in lib_rounds])
        for k, v in lib_rounds[0].items()
    }
    if rep_rounds:
        keys = set().union(*rep_rounds)
        ctx["reprise"] = {k: statistics.median(rd[k] for rd in rep_rounds if k in rd) for k in keys}
        ctx["reprise_rounds"] = rep_rounds

    ctx["audio_seconds"] = clips_audio_seconds(clips)
    ctx["folder_librosa"] = time_folder_librosa(clips, data_dir, folder_repeats)
    if not args.only_peer:
        ctx["folder_reprise"], ctx["folder_error"] = time_folder_reprise(clips, data_dir, folder_repeats)

    ctx["load_end"] = "%.2f / %.2f / %.2f" % os.getloadavg()
    out_path = Path(args.output)
    ctx["notes"] = existing_notes(out_path)
    write_report(out_path, ctx)
    raw = {k: ctx[k] for k in ("date", "argv", "nproc", "cpu", "load_start", "load_end", "versions", "commit",
                               "librosa", "reprise", "folder_librosa", "folder_reprise", "audio_seconds")}
    (data_dir / "results.json").write_text(json.dumps(raw, indent=2) + "\n")
    print(f"wrote {out_path} (raw timings: {data_dir / 'results.json'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
