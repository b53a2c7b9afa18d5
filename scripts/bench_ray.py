#!/usr/bin/env python3
"""Benchmark corpora on Ray (`reprise.distributed.map_features`, issue 24) against one process,
and write its section of BENCHMARKS.md ("## Ray (issue 24)"); the rest of the file is left as
it is.

How to run (from the repository root, after `bash scripts/test.sh` has built the package into
.venv with the test requirements, Ray Data included):

    cargo build --release -p reprise-cli
    .venv/bin/python scripts/bench_ray.py [--rounds 3] [--replicas 10]

It starts a local Ray cluster on 127.0.0.1 (num_cpus = the machine's cores, no dashboard, no
usage reports) and measures, in one run, alternating the runs in each round (medians over
rounds):
  1. Throughput on one corpus, audio-hours per hour: `reprise features mel` with --jobs 1
     (and --jobs N, all cores, for reference), a Python loop over `_reprise.features_file` in
     one process, and `map_features` with 1 and with 2 workers (1 thread each, batch_size 4).
     The corpus is `bench-data/clips/` (40 × 10 s, 44.1 kHz 16-bit stereo WAV, made by
     scripts/bench_vs_librosa.py if missing) seen --replicas times through symbolic links
     (`bench-data/ray-corpus/rNN/clipNN.wav`), so that a job lasts long enough to show its
     steady rate. Every run writes into a new empty folder.
  2. The per-task cost: 200 tiny files (0.05 s each) through one worker with batch_size 1 and
     8, against direct calls in one process; the cost per file is the slope between 50 and 200
     files (the job's fixed cost is the intercept), and the driver's CPU time per task
     (getrusage) is what a single driver would spend scheduling a many-node run.
  3. Where a file's time goes (one thread, one pass over the 40 clips per round): decoding at the file's rate,
     decoding + resampling to 22050 Hz (`_reprise.load`), the mel of the decoded signal
     (`_reprise.features`), and the whole `features_file` (decode + mel + `.npy`/`.json`
     written); bytes read and written per audio-hour.
"""

from __future__ import annotations

import os

# before Ray or numpy are imported: no usage reports, a single-node cluster on 127.0.0.1,
# one rayon thread in this process (the Python loop); bench_vs_librosa sets numpy's to 1
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
os.environ["RAYON_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
import bench_vs_librosa as base  # noqa: E402

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

import reprise  # noqa: E402
from reprise import _reprise  # noqa: E402
from reprise.distributed import MAX_AUTO_BATCH, map_features, plan  # noqa: E402

SECTION = "## Ray (issue 24)"
CLI = REPO / "target/release/reprise"
MEL = json.dumps({"kind": "mel"})
TINY_FILES = 200
TINY_SECONDS = 0.05


def make_corpus(clips: Path, replicas: int) -> Path:
    """`replicas` folders of symbolic links to the clips (made again when they differ)."""
    root = REPO / "bench-data" / "ray-corpus"
    want = {f"r{r:02d}/{c.name}": c for r in range(replicas) for c in sorted(clips.glob("*.wav"))}
    have = {str(p.relative_to(root)) for p in root.rglob("*.wav")} if root.exists() else set()
    if have != set(want):
        shutil.rmtree(root, ignore_errors=True)
        for name, target in want.items():
            link = root / name
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(os.path.relpath(target, link.parent))
    return root


def make_tiny() -> Path:
    root = REPO / "bench-data" / "ray-tiny"
    if len(list(root.glob("*.wav"))) != TINY_FILES:
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        rng = np.random.default_rng(0)
        for i in range(TINY_FILES):
            sf.write(root / f"t{i:03d}.wav", (0.1 * rng.standard_normal(int(TINY_SECONDS * 22050))).astype(np.float32), 22050, subtype="PCM_16")
    return root


def fresh(tmp: Path, name: str) -> Path:
    out = tmp / name
    shutil.rmtree(out, ignore_errors=True)
    return out


def cli_run(corpus: Path, out: Path, jobs: int) -> float:
    env = {**os.environ, "RAYON_NUM_THREADS": str(jobs)}
    t0 = time.perf_counter()
    p = subprocess.run([str(CLI), "features", "mel", str(corpus), "-o", str(out), "--jobs", str(jobs)], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"the CLI failed: {p.stderr}")
    return wall


def py_loop(pairs, force: bool = False) -> float:
    t0 = time.perf_counter()
    for i, n in pairs:
        _reprise.features_file(i, n, MEL, False, force)
    return time.perf_counter() - t0


def ray_run(inputs, out: Path, workers: int, batch: int | None) -> tuple[float, float, object]:
    """Wall seconds, driver CPU seconds, report."""
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    report = map_features(inputs, out, "mel", num_workers=workers, batch_size=batch)
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    if not report.ok or report.skipped:
        raise SystemExit(f"unexpected Ray run: {report.summary()} {report.failed}")
    return wall, (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime), report


def med(xs) -> float:
    return statistics.median(xs)


def breakdown_pass(clips: Path, out: Path) -> dict:
    """One pass over the clips, one thread: seconds per file of each stage (medians over
    the files); `features_file` writes into the new folder `out`, as the runs above do."""
    files = sorted(clips.glob("*.wav"))
    rows = {"decode": [], "decode_resample": [], "mel": [], "features_file": []}
    for f in files:
        t0 = time.perf_counter()
        _reprise.load(str(f), None, 0.0, None)
        t1 = time.perf_counter()
        y, sr = _reprise.load(str(f), 22050, 0.0, None)
        t2 = time.perf_counter()
        _reprise.features(y[None, :], sr, MEL)
        t3 = time.perf_counter()
        _reprise.features_file(str(f), str(out / (f.stem + ".npy")), MEL, False, False)
        t4 = time.perf_counter()
        rows["decode"].append(t1 - t0)
        rows["decode_resample"].append(t2 - t1)
        rows["mel"].append(t3 - t2)
        rows["features_file"].append(t4 - t3)
    return {k: med(v) for k, v in rows.items()}


def bytes_per_audio_second(clips: Path, out: Path) -> dict:
    files = sorted(clips.glob("*.wav"))
    audio = sum(sf.info(f).duration for f in files)
    written = list(out.iterdir())
    return {
        "clip_seconds": sf.info(files[0]).duration,
        "in": sum(f.stat().st_size for f in files) / audio,
        "npy": sum(p.stat().st_size for p in written if p.suffix == ".npy") / audio,
        "json": sum(p.stat().st_size for p in written if p.suffix == ".json") / audio,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--replicas", type=int, default=10, help="times the 40 clips appear in the corpus (default 10: 400 files, 1.11 h)")
    ap.add_argument("--no-write", action="store_true", help="print, do not touch BENCHMARKS.md")
    ap.add_argument("--idle-wait", type=float, default=300, help="seconds to wait at most for a 1-min load average below 0.5 before starting (default 300)")
    args = ap.parse_args()
    if not CLI.exists():
        raise SystemExit(f"{CLI} is missing: cargo build --release -p reprise-cli")
    import ray
    import ray.data

    deadline = time.time() + args.idle_wait
    while os.getloadavg()[0] >= 0.5 and time.time() < deadline:
        time.sleep(10)
    load_start = os.getloadavg()
    loads = []
    cores = int(base.nproc())
    _clip60, clips = base.ensure_data(REPO / "bench-data", regen=False)
    corpus = make_corpus(clips, args.replicas)
    tiny = make_tiny()
    n_files = len(list(corpus.rglob("*.wav")))
    audio_s = args.replicas * sum(sf.info(f).duration for f in clips.glob("*.wav"))

    ray_tmp = tempfile.mkdtemp(prefix="rr-")  # Ray's sessions and sockets (a short path), removed at the end
    t0 = time.perf_counter()
    ray.init(num_cpus=cores, include_dashboard=False, object_store_memory=256 * 2**20, _temp_dir=ray_tmp, log_to_driver=False, configure_logging=False)
    ray_init_s = time.perf_counter() - t0
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmpname:
            tmp = Path(tmpname)
            runs = {k: [] for k in ("cli1", "cliN", "py", "ray1", "ray2")}
            driver_cpu = {"ray1": [], "ray2": []}
            batches = {}
            stages = []
            for r in range(args.rounds):
                runs["cli1"].append(cli_run(corpus, fresh(tmp, "cli1"), 1))
                runs["py"].append(py_loop(plan(str(corpus), fresh(tmp, "py"))))
                for k, workers in (("ray1", 1), ("ray2", 2)):
                    w, c, rep = ray_run(str(corpus), fresh(tmp, k), workers, None)
                    runs[k].append(w)
                    driver_cpu[k].append(c)
                    batches[k] = rep.batch_size
                runs["cliN"].append(cli_run(corpus, fresh(tmp, "cliN"), cores))
                bout = fresh(tmp, "breakdown")
                bout.mkdir()
                stages.append(breakdown_pass(clips, bout))
                loads.append(os.getloadavg()[0])
                print(f"[round {r + 1}/{args.rounds}] " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in runs.items()), flush=True)
            wall = {k: med(v) for k, v in runs.items()}

            # the per-task cost, on tiny files
            tiny_files = [str(p) for p in sorted(tiny.glob("*.wav"))]
            over = {k: [] for k in ("direct", "b1_50", "b1_200", "b8_50", "b8_200", "b1_200_2w", "cpu_b1_50", "cpu_b1_200")}
            for r in range(args.rounds):
                over["direct"].append(py_loop(plan(tiny_files, fresh(tmp, "direct"))) / TINY_FILES)
                w, c, _ = ray_run(tiny_files[:50], fresh(tmp, "b1_50"), 1, 1)
                over["b1_50"].append(w)
                over["cpu_b1_50"].append(c)
                w, c, _ = ray_run(tiny_files, fresh(tmp, "b1_200"), 1, 1)
                over["b1_200"].append(w)
                over["cpu_b1_200"].append(c)
                over["b8_50"].append(ray_run(tiny_files[:50], fresh(tmp, "b8_50"), 1, 8)[0])
                over["b8_200"].append(ray_run(tiny_files, fresh(tmp, "b8_200"), 1, 8)[0])
                over["b1_200_2w"].append(ray_run(tiny_files, fresh(tmp, "b1_200_2w"), 2, 1)[0])
                print(f"[overhead {r + 1}/{args.rounds}] " + ", ".join(f"{k} {v[-1]:.4f}" for k, v in over.items()), flush=True)
            o = {k: med(v) for k, v in over.items()}
            slope1 = (o["b1_200"] - o["b1_50"]) / 150
            slope8 = (o["b8_200"] - o["b8_50"]) / 150
            fixed = o["b1_50"] - 50 * slope1
            driver_cpu_task = (o["cpu_b1_200"] - o["cpu_b1_50"]) / 150
            driver_cpu_fixed = o["cpu_b1_50"] - 50 * driver_cpu_task

            bd = {k: med([s[k] for s in stages]) for k in stages[0]}
            bd["write_etc"] = bd["features_file"] - bd["decode_resample"] - bd["mel"]
            sizes = bytes_per_audio_second(clips, bout)
    finally:
        ray.shutdown()
        shutil.rmtree(ray_tmp, ignore_errors=True)
    load_end = os.getloadavg()

    # ---- report
    ahph = {k: audio_s / v for k, v in wall.items()}  # audio-seconds per second = audio-hours per hour
    per_file = {k: v / n_files for k, v in wall.items()}
    names = {
        "cli1": "`reprise features mel` --jobs 1 (one process, one thread)",
        "py": "Python loop over `features_file` (one process, one thread)",
        "ray1": f"`map_features`, Ray, 1 worker × 1 thread (batch_size {batches['ray1']})",
        "ray2": f"`map_features`, Ray, 2 workers × 1 thread (batch_size {batches['ray2']})",
        "cliN": f"`reprise features mel` --jobs {cores} (one process, all cores; reference)",
    }
    rows = "\n".join(f"| {names[k]} | {wall[k]:.2f} s | {ahph[k]:.0f} | {per_file[k] * 1e3:.1f} ms | {', '.join(f'{x:.2f}' for x in runs[k])} |" for k in names)
    # Ray's steady rate: the job's fixed cost (measured on tiny inputs) taken out
    steady1 = audio_s / max(wall["ray1"] - fixed, 1e-9)
    steady2 = audio_s / max(wall["ray2"] - fixed, 1e-9)
    t_file = bd["features_file"]  # one thread, one 10-s clip
    clip_s = sizes["clip_seconds"]
    task_overhead1 = slope1 - o["direct"]
    task_overhead8 = slope8 - o["direct"]
    sched_tasks_per_s = 1 / driver_cpu_task
    sched_files_per_s_b4 = 4 * sched_tasks_per_s
    workers_at_sched = sched_files_per_s_b4 * t_file
    workers_at_sched_max = MAX_AUTO_BATCH * sched_tasks_per_s * t_file
    io_per_worker = (sizes["in"] + sizes["npy"] + sizes["json"]) * clip_s / t_file
    in_mb_h = sizes["in"] * 3600 / 1e6
    npy_mb_h = sizes["npy"] * 3600 / 1e6
    json_mb_h = sizes["json"] * 3600 / 1e6
    decode_share = bd["decode_resample"] / bd["features_file"]
    gbps_100 = io_per_worker * 100 / 1e9

    text = f"""{SECTION}

Generated by `scripts/bench_ray.py` on {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC at commit `{base.git_commit()}` (`{' '.join(sys.argv[1:]) or 'defaults'}`, {args.rounds} rounds). That script rewrites only this section.

- Machine: {base.cpu_model()}, nproc {cores}; load average (1 min) {load_start[0]:.2f} at the start (after waiting up to {args.idle_wait:.0f} s for < 0.5), {min(loads):.2f}–{max(loads):.2f} after each round (the script's own processes included), {load_end[0]:.2f} at the end; the machine is shared, so each round's times are listed. Python {sys.version.split()[0]}, numpy {np.__version__}, Ray {ray.__version__}; reprise {reprise.__version__} built by maturin (release), `target/release/reprise`.
- Ray: a local cluster on this machine (`ray.init(num_cpus={cores}, object_store_memory=256 MiB)`, 127.0.0.1, no dashboard), started once ({ray_init_s:.1f} s) and shared by every run; each `map_features` call is a new Ray Data job (its actors start with it). Medians over rounds; every run writes into a new empty folder (nothing skipped).
- Corpus: `bench-data/clips/` (40 × {clip_s:.0f} s, 44.1 kHz 16-bit stereo WAV) seen {args.replicas} times through symbolic links: {n_files} files, {audio_s / 3600:.2f} h of audio; `mel` with the defaults (decode, resample to 22050 Hz, 128 bands, `.npy` + `.json` written). The files are in the page cache (a warm re-read), so disk reads are not measured.

| run | wall | audio-hours per hour | per file | rounds |
|---|---:|---:|---:|---|
{rows}

Taking out the job's fixed cost (measured below on tiny inputs, one worker) leaves an estimated steady rate of
{steady1:.0f} audio-hours per hour for Ray with 1 worker and {steady2:.0f} with 2 (the CLI with --jobs 1: {ahph['cli1']:.0f}). Driver CPU per job: {med(driver_cpu['ray1']):.2f} s (1 worker, {-(-n_files // batches['ray1'])} tasks) and {med(driver_cpu['ray2']):.2f} s (2 workers,
{-(-n_files // batches['ray2'])} tasks) for {n_files} files (`batch_size=None`: about 8 tasks per worker). On {cores} cores the driver's and Ray's own processes share the cores with the 2 workers, so the 2-worker run cannot reach twice the 1-worker rate here.

**Per-task cost** ({TINY_FILES} files of {TINY_SECONDS} s, one worker; slope between 50 and 200 files):

| | per file |
|---|---:|
| direct `features_file` call in one process | {o['direct'] * 1e3:.2f} ms |
| Ray, batch_size 1 (one task per file) | {slope1 * 1e3:.2f} ms: **{task_overhead1 * 1e3:.2f} ms of Ray per task** |
| Ray, batch_size 8 | {slope8 * 1e3:.2f} ms: {task_overhead8 * 1e3:.2f} ms of Ray per file |
| Ray, batch_size 1, 2 workers (200 files, whole job) | {o['b1_200_2w'] / TINY_FILES * 1e3:.2f} ms |
| driver CPU per task (batch_size 1, getrusage of the driver, slope) | {driver_cpu_task * 1e3:.2f} ms |

A job's fixed cost (the intercept: the Ray Data job planned, its actors started with their
`runtime_env`, shut down at the end) is **{fixed:.2f} s** of wall time and {driver_cpu_fixed:.2f} s of driver CPU; starting the local cluster, once, {ray_init_s:.1f} s.

**Where a file's time goes** (one thread, per {clip_s:.0f}-s clip: the median over the 40 clips, one pass per round, then the median over rounds):
decode at 44.1 kHz {bd['decode'] * 1e3:.1f} ms; decode + resample to 22050 Hz {bd['decode_resample'] * 1e3:.1f} ms; mel of the decoded
signal {bd['mel'] * 1e3:.1f} ms; the whole `features_file` {bd['features_file'] * 1e3:.1f} ms (so writing `.npy` + `.json` and the
rest {bd['write_etc'] * 1e3:.1f} ms). Decoding and resampling are **{decode_share * 100:.0f} %** of a file's time. Bytes per audio-hour: {in_mb_h:.0f} MB
read (16-bit stereo 44.1 kHz), {npy_mb_h:.0f} MB of `.npy` and {json_mb_h:.0f} MB of `.json` written.

**Where a many-node run would be bound** (an estimate from the numbers above; only one
{cores}-core machine was measured: no network, no shared file system, no second node):

- *Compute, decode first.* A worker does one {clip_s:.0f}-s clip in {t_file * 1e3:.0f} ms, {clip_s / t_file:.0f}× real time per
  core, of which {decode_share * 100:.0f} % is decoding and resampling: for `mel` the cluster is a decoder farm, and
  adding cores adds throughput linearly until one of the two limits below. (Heavier kinds,
  CQT or scattering, spend more per file on the transform, which only pushes those limits further out.)
- *I/O.* Each worker reads and writes {io_per_worker / 1e6:.1f} MB/s ({in_mb_h + npy_mb_h + json_mb_h:.0f} MB per audio-hour at
  {clip_s / t_file:.0f}× real time); 100 workers need {gbps_100:.2f} GB/s from the shared file system, mostly reads
  of the audio. A compressed corpus (FLAC, MP3) moves fewer bytes per audio-hour but costs more
  decoding per file. This was not measured here (the page cache served every read): on a
  network file system this is the likely first limit.
- *Scheduling.* Ray Data's executor runs in the one driver process: {driver_cpu_task * 1e3:.2f} ms of driver CPU per
  task, at most about {sched_tasks_per_s:.0f} tasks/s. With 4 files per task that is {sched_files_per_s_b4:.0f} files/s, enough for about
  {workers_at_sched:.0f} workers on {clip_s:.0f}-s clips before the driver saturates; with the largest automatic batch ({MAX_AUTO_BATCH} files)
  about {workers_at_sched_max:.0f} workers (more with longer files, fewer with shorter). A task adds {task_overhead1 * 1e3:.1f} ms of wall time
  to a one-worker job, against {t_file * 1e3:.0f} ms of work per {clip_s:.0f}-s clip, and each job takes {fixed:.1f} s to start: Ray pays
  off on corpora of hours on many nodes, not on one machine (here the CLI with --jobs {cores} is the fastest way).
- Not measured: cross-node latency and object transfers (only paths and small result rows travel),
  a node lost mid-job (the tests kill workers on one node: `crates/reprise-py/tests/test_ray.py`),
  autoscaling.

"""
    print(text)
    if not args.no_write:
        base.write_section(REPO / "BENCHMARKS.md", SECTION, text)
        print(f"wrote {SECTION} in BENCHMARKS.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
