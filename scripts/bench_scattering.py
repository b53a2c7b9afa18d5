#!/usr/bin/env python3
"""Benchmark Reprise's scattering 1-D and JTFS against kymatio; write the `## Scattering (issue 4)` section.

How to run (from the repository root, in the pinned peer environment, kymatio 0.3.0 installed):

    cargo build --release -p reprise-scatter --example scatter_time
    git clone https://github.com/kymatio/kymatio /tmp/kymatio_main      # main branch (not on PyPI);
    #   or export a mirror: git -C MIRROR archive HEAD | tar -x -C /tmp/kymatio_main
    .venv/bin/python scripts/bench_scattering.py --kymatio-main /tmp/kymatio_main

Without --kymatio-main the JTFS peer is skipped (the section says so). It takes a few minutes:
kymatio 0.3's 60 s filter build needs ~20 s and ~2 GB, each of its 60 s calls ~10 s, each
kymatio-main JTFS call on 2^16 samples ~10 s, and Reprise's 60 s JTFS ~20 s.

What it does:
  1. Writes the shared test signal, chord_sequence(22050, 60, seed=0) of
     scripts/bench_vs_librosa.py (float32), to bench-data/chords_60s.f32 (raw little-endian).
     "2^16" below means its first 65536 samples (2.972 s).
  2. Reprise: target/release/examples/scatter_time ROUNDS SECONDS MODE bench-data/chords_60s.f32,
     which prints medians over ROUNDS (--our-rounds, default 5) of the plan build and of one call,
     one thread. Peak RSS: /usr/bin/time -f %M (falls back to os.wait4's ru_maxrss).
  3. Peers, each in its own subprocess (thread variables = 1) that reads the same file, builds
     once, makes --warmup untimed calls (default 1), then makes one timed call per round on request:
       * kymatio 0.3 (installed): Scattering1D(J=8, shape=N, Q=(12, 1)), on 60 s and on 2^16;
       * kymatio main (--kymatio-main PATH, put first on sys.path, so it never mixes with the
         installed 0.3): TimeFrequencyScattering(J=8, J_fr=3, Q=(12, 1), shape=N), numpy
         backend, format='time', on 2^16 only.
     The float32 signal is passed as is. A worker's peak RSS is its own VmHWM (/proc/self/status),
     not ru_maxrss, which on Linux also counts the parent's RSS carried across vfork + exec.
  4. Alternation: for each of --rounds rounds (default 3), one Reprise run (--our-rounds calls)
     then one peer call; Reprise figures are medians of the per-run medians, peer figures
     medians of the --rounds calls. Reprise's 60 s JTFS runs once, with ROUNDS=1.
  5. Rewrites only the `## Scattering (issue 4)` section of BENCHMARKS.md (inserted before
     `## Notes` if absent); every other byte of the file is kept. Raw results go to
     bench-data/scattering_results.json.
"""

from __future__ import annotations

import os

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS", "RAYON_NUM_THREADS")
for _var in THREAD_VARS:
    os.environ[_var] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import shlex  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_vs_librosa import chord_sequence  # noqa: E402  (the shared test signal)

SR = 22050
SECONDS = 60
N60 = SECONDS * SR
N16 = 2**16
SIGNAL = REPO / "bench-data" / "chords_60s.f32"
RESULTS = REPO / "bench-data" / "scattering_results.json"
DEFAULT_BIN = "target/release/examples/scatter_time"
HEADING = "## Scattering (issue 4)"
MB = 1e6

TARGETS = {  # issue 4
    "scattering_xrt": 100.0,  # scattering 1-D >= 100x real time
    "build_s": 0.050,  # filter bank / plan build < 50 ms
    "peak_bytes": 300e6,  # peak memory < 300 MB
    "jtfs_xrt": 20.0,  # JTFS >= 20x real time
}

# Peer worker: runs in its own interpreter. argv: kind n signal_path warmup [kymatio_main_path]
# Protocol: prints one JSON line when ready (after build and warm-up), then one per "call" line
# read from stdin; on "quit" (or EOF) prints its peak RSS and exits.
WORKER = r'''
import os, sys
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[v] = "1"
kind, n, path, warmup = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
main_path = sys.argv[5] if len(sys.argv) > 5 else None
import json, resource, time
import numpy as np
import scipy, scipy.special
if not hasattr(scipy.special, "sph_harm"):
    scipy.special.sph_harm = scipy.special.sph_harm_y  # kymatio imports it for 3-D scattering only
if main_path is not None:
    sys.path.insert(0, os.path.abspath(main_path))
import kymatio
kfile = os.path.abspath(kymatio.__file__)
if main_path is not None and not kfile.startswith(os.path.abspath(main_path) + os.sep):
    sys.exit(f"kymatio imported from {kfile}, not from {main_path}")
def rss():
    # VmHWM: this process image's own high-water mark. ru_maxrss would also count the parent's
    # RSS, which Linux carries into a child across vfork + exec.
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
def say(**kw):
    print(json.dumps(kw), flush=True)
x = np.fromfile(path, dtype="<f4")[:n].copy()
assert x.shape[0] == n, (x.shape, n)
t0 = time.perf_counter()
if kind == "scattering":
    from kymatio.numpy import Scattering1D
    S = Scattering1D(J=8, shape=n, Q=(12, 1))
else:
    from kymatio.numpy import TimeFrequencyScattering
    S = TimeFrequencyScattering(J=8, J_fr=3, Q=(12, 1), shape=n)
build_s = time.perf_counter() - t0
for _ in range(warmup):
    out = S(x)
    shape = list(out.shape); del out
say(event="ready", build_s=build_s, kymatio=kymatio.__version__, kymatio_file=kfile,
    numpy=np.__version__, scipy=scipy.__version__, out_shape=shape if warmup else None, rss_after_build=rss())
for line in sys.stdin:
    if line.strip() != "call":
        break
    t0 = time.perf_counter()
    out = S(x)
    s = time.perf_counter() - t0
    del out
    say(event="call", s=s)
say(event="done", peak_rss_bytes=rss())
'''


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class Peer:
    """A kymatio worker process: built once, one timed call per call()."""

    def __init__(self, label: str, kind: str, n: int, warmup: int, main_path: str | None = None):
        self.label = label
        argv = [sys.executable, "-c", WORKER, kind, str(n), str(SIGNAL), str(warmup)]
        if main_path is not None:
            argv.append(main_path)
        log(f"[{label}] building (n = {n}) and {warmup} warm-up call(s) ...")
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd="/", env=os.environ.copy())
        self.ready = self._read("ready")
        self.times: list[float] = []
        log(f"[{label}] build {self.ready['build_s']:.3f} s, kymatio {self.ready['kymatio']} from {self.ready['kymatio_file']}")

    def _read(self, event: str) -> dict:
        line = self.p.stdout.readline()
        if not line:
            self.p.wait()
            raise RuntimeError(f"{self.label}: worker exited with {self.p.returncode} before '{event}'")
        msg = json.loads(line)
        assert msg["event"] == event, msg
        return msg

    def call(self) -> float:
        self.p.stdin.write("call\n")
        self.p.stdin.flush()
        s = self._read("call")["s"]
        self.times.append(s)
        log(f"[{self.label}] call {len(self.times)}: {s:.3f} s")
        return s

    def close(self) -> dict:
        self.p.stdin.write("quit\n")
        self.p.stdin.flush()
        done = self._read("done")
        self.p.stdin.close()
        self.p.wait()
        return {**self.ready, "times_s": self.times, "median_s": statistics.median(self.times), "peak_rss_bytes": done["peak_rss_bytes"]}


def seconds_arg(n: int) -> str:
    """A SECONDS string for which scatter_time's `(seconds * 22050.0) as usize` is exactly n."""
    s = repr(n / SR)
    for _ in range(8):
        if int(float(s) * float(SR)) == n:
            return s
        s = repr(np.nextafter(float(s), np.inf))
    raise RuntimeError(f"no SECONDS string gives {n} samples")


def run_ours(binary: Path, rounds: int, n: int, mode: str) -> dict:
    """One scatter_time run; peak RSS from GNU time's %M (KiB) when /usr/bin/time exists.

    GNU time forks the binary from its own small process. os.wait4's ru_maxrss of a child of
    this (much larger) Python process would include this process's RSS, which Linux carries
    into the child across vfork + exec.
    """
    argv = [str(binary), str(rounds), seconds_arg(n), mode, str(SIGNAL)]
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file:
        wrap = ["/usr/bin/time", "-f", "%M", "-o", rss_file.name] if Path("/usr/bin/time").exists() else []
        p = subprocess.Popen(wrap + argv, stdout=subprocess.PIPE, text=True, cwd=REPO, env=os.environ.copy())
        out = p.stdout.read()
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        p.stdout.close()
        if p.returncode != 0:
            raise RuntimeError(f"{shlex.join(argv)} exited with {p.returncode}")
        kib = int(rss_file.read().split()[-1]) if wrap else ru.ru_maxrss
    res = json.loads(out.strip().splitlines()[-1])
    res["peak_rss_bytes"] = kib * 1024
    res["peak_rss_source"] = "/usr/bin/time %M" if wrap else "wait4 ru_maxrss (may include the parent's RSS)"
    res["argv"] = shlex.join(argv)
    parts = [f"{k} {res[k]:.4f} s" for k in ("scattering_plan_s", "scattering_s", "jtfs_plan_s", "jtfs_s") if k in res]
    log(f"[Reprise {mode} n={n}] " + ", ".join(parts) + f", peak RSS {res['peak_rss_bytes'] / MB:.0f} MB")
    return res


def med(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def git(*args: str, cwd: Path = REPO) -> str | None:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# ---------------------------------------------------------------- report


def fs(s: float | None) -> str:
    if s is None:
        return "—"
    return f"{s * 1e3:.1f} ms" if s < 1.0 else f"{s:.2f} s"


def fx(x: float | None) -> str:
    return "—" if x is None else (f"{x:.1f}×" if x < 100 else f"{x:.0f}×")


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def section(ctx: dict) -> str:
    r = ctx["results"]
    o60, k60 = r["ours_scat60"], r["kym_scat60"]
    o16, k16 = r["ours_16"], r["kym_scat16"]
    oj60, kj16 = r["ours_jtfs60"], r.get("kym_jtfs16")
    t60, t16 = N60 / SR, N16 / SR

    def row(name, ours, ours_xrt, peer, peer_xrt, target, result, fmt=fs):
        ratio = "—" if peer is None or ours is None else f"{peer / ours:.1f}×"
        return f"| {name} | {fmt(ours)} | {fx(ours_xrt)} | {fmt(peer) if peer is not None else '—'} | {fx(peer_xrt)} | {ratio} | {target} | {result} |\n"

    def fmb(b):
        return "—" if b is None else f"{b / MB:.0f} MB"

    s_ours, s_kym = med(o60, "scattering_s"), k60["median_s"]
    plan_ours = med(o60, "scattering_plan_s")
    peak_ours = max(x["peak_rss_bytes"] for x in o60)
    s16_ours, s16_kym = med(o16, "scattering_s"), k16["median_s"]
    j16_ours = med(o16, "jtfs_s")
    jp16_ours = med(o16, "jtfs_plan_s")
    j60_ours = oj60["jtfs_s"]

    L = [f"{HEADING}\n\n"]
    L.append(
        f"Generated by `scripts/bench_scattering.py` on {ctx['date']} at commit `{ctx['commit']}`"
        f"{' (working tree with uncommitted changes)' if ctx['dirty'] else ''} (`{ctx['argv']}`). "
        "That script rewrites only this section; the rest of the file is `scripts/bench_vs_librosa.py`'s and the hand-written notes.\n\n"
    )
    L.append(
        f"- Machine: {ctx['cpu']}, nproc {ctx['nproc']}, shared and noisy VM; load average (1 min) {ctx['load_start']:.2f} at start, "
        f"{ctx['load_end']:.2f} at end. Python {ctx['python']}, numpy {ctx['numpy']}, scipy {ctx['scipy']}.\n"
    )
    L.append(
        f"- Input: `bench-data/chords_60s.f32`, `chord_sequence(22050, 60, seed=0)` of `scripts/bench_vs_librosa.py` as float32 "
        f"({N60} samples); \"2^16\" is its first {N16} samples ({t16:.3f} s). Every tool reads the same file; the float32 array is passed as is.\n"
    )
    L.append(
        "- Configuration: J=8, Q=(12, 1), T=2^J, max_order=2 (Reprise `ScatteringConfig::default()`, kymatio 0.3.0 "
        "`Scattering1D(J=8, shape=N, Q=(12, 1))`); JTFS adds J_fr=3, Q_fr=1, F=2^J_fr, format 'time' (Reprise `JtfsConfig::default()`, "
        f"kymatio main {ctx['kymatio_main_label']} `TimeFrequencyScattering(J=8, J_fr=3, Q=(12, 1), shape=N)`, numpy backend).\n"
    )
    L.append(
        f"- Method: one thread everywhere ({', '.join(v + '=1' for v in THREAD_VARS)}). Reprise: `scatter_time` reports the median of "
        f"{ctx['our_rounds']} plan builds and {ctx['our_rounds']} calls per run; each peer is built once in its own process, makes "
        f"{ctx['warmup']} untimed warm-up call(s), then one timed call per round. {ctx['rounds']} rounds alternate one Reprise run and one "
        "peer call; Reprise figures are the median of the per-run medians, peer figures the median of the calls. Reprise's 60 s JTFS "
        "is one run of one call (no warm-up). Build = constructor / plan time (filter bank included). Peak memory = "
        "high-water RSS of the whole process (Reprise: GNU time `%M`; kymatio: the worker's `VmHWM`, interpreter and numpy included; "
        "MB = 10^6 bytes). × RT = audio seconds / compute seconds. "
        "Ratio = peer / Reprise (higher means Reprise is faster or smaller).\n\n"
    )
    L.append("| measure | Reprise | × RT | peer | peer × RT | ratio | issue target | result |\n")
    L.append("|---|---:|---:|---:|---:|---:|---|---|\n")
    L.append(row("scattering 1-D, 60 s (peer: kymatio 0.3)", s_ours, t60 / s_ours, s_kym, t60 / s_kym,
                 "≥ 100× RT", verdict(t60 / s_ours >= TARGETS["scattering_xrt"])))
    L.append(row("filter bank / plan build, 60 s (peer: kymatio 0.3)", plan_ours, None, k60["build_s"], None,
                 "< 50 ms", verdict(plan_ours < TARGETS["build_s"])))
    L.append(row("peak memory, 60 s scattering process (peer: kymatio 0.3)", peak_ours, None, k60["peak_rss_bytes"], None,
                 "< 300 MB", verdict(peak_ours < TARGETS["peak_bytes"]), fmt=fmb))
    L.append(row("scattering 1-D, 2^16 (peer: kymatio 0.3)", s16_ours, t16 / s16_ours, s16_kym, t16 / s16_kym, "—", "—"))
    if kj16 is not None:
        L.append(row("JTFS, 2^16 (peer: kymatio main)", j16_ours, t16 / j16_ours, kj16["median_s"], t16 / kj16["median_s"], "—", "—"))
        L.append(row("JTFS build, 2^16 (peer: kymatio main)", jp16_ours, None, kj16["build_s"], None, "—", "—"))
    else:
        L.append(row("JTFS, 2^16 (peer skipped: no --kymatio-main)", j16_ours, t16 / j16_ours, None, None, "—", "—"))
        L.append(row("JTFS build, 2^16 (peer skipped)", jp16_ours, None, None, None, "—", "—"))
    L.append(row("JTFS, 60 s (Reprise only, 1 call)", j60_ours, t60 / j60_ours, None, None,
                 "≥ 20× RT", verdict(t60 / j60_ours >= TARGETS["jtfs_xrt"])))
    L.append("\n")
    rng = lambda v: f"{min(v):.3f}–{max(v):.3f} s"  # noqa: E731
    L.append(
        f"Spread over rounds: Reprise scattering 60 s {rng([x['scattering_s'] for x in o60])}, kymatio 0.3 60 s {rng(k60['times_s'])}; "
        f"Reprise scattering 2^16 {rng([x['scattering_s'] for x in o16])}, kymatio 0.3 2^16 {rng(k16['times_s'])}; "
        f"Reprise JTFS 2^16 {rng([x['jtfs_s'] for x in o16])}"
        + (f", kymatio main JTFS 2^16 {rng(kj16['times_s'])}" if kj16 is not None else "")
        + ". "
        f"Reprise's 60 s JTFS plan took {fs(oj60['jtfs_plan_s'])} and its process peaked at {oj60['peak_rss_bytes'] / MB:.0f} MB; "
        f"kymatio 0.3's 2^16 process peaked at {k16['peak_rss_bytes'] / MB:.0f} MB"
        + (f", kymatio main's 2^16 JTFS process at {kj16['peak_rss_bytes'] / MB:.0f} MB" if kj16 is not None else "")
        + ".\n"
    )
    if kj16 is None:
        L.append("\nThe JTFS peer was skipped: no `--kymatio-main PATH` was given (kymatio main is not on PyPI).\n")
    L.append(
        "\nReproduce (from the repository root; kymatio 0.3.0 from `scripts/requirements-peer.txt` in `.venv`):\n\n"
        "```sh\n"
        "cargo build --release -p reprise-scatter --example scatter_time\n"
        "git clone https://github.com/kymatio/kymatio /tmp/kymatio_main   # main branch; or: git -C MIRROR archive HEAD | tar -x -C /tmp/kymatio_main\n"
        f"{ctx['argv']}\n"
        "```\n"
    )
    return "".join(L)


def splice(text: str, new: str) -> str:
    """Replace the HEADING section (up to the next `## ` heading) or insert it before `## Notes`; nothing else changes."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, l in enumerate(lines) if l.rstrip("\r\n") == HEADING), None)
    if start is not None:
        end = next((j for j in range(start + 1, len(lines)) if lines[j].startswith("## ")), len(lines))
        return "".join(lines[:start]) + new + ("\n" if end < len(lines) else "") + "".join(lines[end:])
    notes = next((i for i, l in enumerate(lines) if l.rstrip("\r\n") == "## Notes"), None)
    if notes is not None:
        return "".join(lines[:notes]) + new + "\n" + "".join(lines[notes:])
    sep = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
    return text + sep + new


# ---------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=DEFAULT_BIN, help=f"Reprise timing binary (default {DEFAULT_BIN})")
    ap.add_argument("--kymatio-main", metavar="PATH", help="kymatio main checkout or export (for the JTFS peer); skipped if absent")
    ap.add_argument("--kymatio-main-rev", metavar="REV", help="label for the kymatio main revision, if PATH is not a git checkout")
    ap.add_argument("--rounds", type=int, default=3, help="alternation rounds = timed peer calls per case (default 3)")
    ap.add_argument("--our-rounds", type=int, default=5, help="scatter_time ROUNDS per Reprise run (default 5)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed peer calls after each build (default 1)")
    ap.add_argument("--output", default="BENCHMARKS.md", help="file whose section is rewritten (default BENCHMARKS.md)")
    ap.add_argument("--no-write", action="store_true", help="print the section instead of writing it")
    args = ap.parse_args()
    if args.rounds < 1 or args.our_rounds < 1 or args.warmup < 0:
        ap.error("--rounds and --our-rounds must be >= 1, --warmup >= 0")
    binary = Path(args.bin)
    if not binary.is_absolute():
        binary = REPO / binary
    if not binary.exists():
        ap.error(f"{binary} not found: cargo build --release -p reprise-scatter --example scatter_time")
    main_path = args.kymatio_main
    if main_path is not None and not (Path(main_path) / "kymatio" / "__init__.py").exists():
        ap.error(f"--kymatio-main {main_path}: no kymatio/__init__.py there")

    load_start = os.getloadavg()[0]
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    log(f"[signal] chord_sequence({SR}, {SECONDS}, seed=0) -> {SIGNAL.relative_to(REPO)}")
    y = chord_sequence(SR, float(SECONDS), seed=0)[0].astype("<f4")
    assert y.shape[0] == N60
    SIGNAL.parent.mkdir(exist_ok=True)
    y.tofile(SIGNAL)

    results: dict = {}

    # (a) scattering 60 s, alternating with kymatio 0.3
    peer = Peer("kymatio 0.3 scattering 60 s", "scattering", N60, args.warmup)
    ours = []
    for r in range(args.rounds):
        log(f"--- 60 s scattering, round {r + 1}/{args.rounds}")
        ours.append(run_ours(binary, args.our_rounds, N60, "scattering"))
        peer.call()
    results["kym_scat60"] = peer.close()
    results["ours_scat60"] = ours

    # (b) 2^16: scattering (kymatio 0.3) and JTFS (kymatio main), alternating
    peer16 = Peer("kymatio 0.3 scattering 2^16", "scattering", N16, args.warmup)
    jpeer = Peer("kymatio main JTFS 2^16", "jtfs", N16, args.warmup, main_path) if main_path else None
    if jpeer is None:
        log("[kymatio main] no --kymatio-main: JTFS peer skipped")
    ours = []
    for r in range(args.rounds):
        log(f"--- 2^16 scattering + JTFS, round {r + 1}/{args.rounds}")
        ours.append(run_ours(binary, args.our_rounds, N16, "all"))
        peer16.call()
        if jpeer is not None:
            jpeer.call()
    results["kym_scat16"] = peer16.close()
    if jpeer is not None:
        results["kym_jtfs16"] = jpeer.close()
    results["ours_16"] = ours

    # (c) JTFS 60 s, Reprise only, one call
    log("--- 60 s JTFS (Reprise, 1 round)")
    results["ours_jtfs60"] = run_ours(binary, 1, N60, "jtfs")

    if main_path is None:
        main_label = "(not run)"
    else:
        rev = args.kymatio_main_rev or git("rev-parse", "--short=8", "HEAD", cwd=Path(main_path))
        ver = results["kym_jtfs16"]["kymatio"]
        main_label = f"{ver}" + (f" at {rev}" if rev else "")
    k = results["kym_scat60"]
    argv = ".venv/bin/python scripts/bench_scattering.py" + ("" if len(sys.argv) == 1 else " " + shlex.join(sys.argv[1:]))
    ctx = {
        "date": date,
        "commit": git("rev-parse", "--short", "HEAD") or "unknown",
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "argv": argv,
        "cpu": cpu_model(),
        "nproc": os.cpu_count(),
        "load_start": load_start,
        "load_end": os.getloadavg()[0],
        "python": platform.python_version(),
        "numpy": k["numpy"],
        "scipy": k["scipy"],
        "kymatio_main_label": main_label,
        "rounds": args.rounds,
        "our_rounds": args.our_rounds,
        "warmup": args.warmup,
        "results": results,
    }
    RESULTS.write_text(json.dumps(ctx, indent=2) + "\n")
    text = section(ctx)
    if args.no_write:
        print(text)
        return 0
    out = Path(args.output)
    if not out.is_absolute():
        out = REPO / out
    old = out.read_text() if out.exists() else ""
    out.write_text(splice(old, text))
    log(f"[report] {out.relative_to(REPO) if out.is_relative_to(REPO) else out}: '{HEADING}' section written; raw results in {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
