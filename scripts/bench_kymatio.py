#!/usr/bin/env python3
"""Benchmark the peer for 1-D wavelet scattering: kymatio 0.3.0 Scattering1D (NumPy frontend).

How to run (from the repository root, in the pinned peer environment):

    python3 -m venv .venv
    .venv/bin/pip install -r scripts/requirements-peer.txt
    .venv/bin/python scripts/bench_kymatio.py            # 60 s signal: ~20 s build, ~10 s per call, ~3.7 GB RSS
    .venv/bin/python scripts/bench_kymatio.py --quick    # 2**16 samples (about 3 s), a few seconds in all

What it measures, single-threaded (OMP/OpenBLAS/MKL/NUMBA thread counts are set to 1 before
numpy is imported), for Scattering1D(J=8, shape=N, Q=(12, 1)) (T=None -> 2**J, max_order=2,
out_type='array'):
  * filter build: wall time of the constructor (padding + the whole Fourier filter bank);
  * forward: --warmup untimed calls (default 1), then the median (and all values) of --rounds
    timed calls (default 3), time.perf_counter;
  * memory: the process's peak RSS (getrusage ru_maxrss) after the build and at the end, and
    the tracemalloc peak of one extra forward call (numpy reports its buffers to
    tracemalloc). With --trace-build the constructor is run a second time under
    tracemalloc to get the build's peak allocation (costs another build).

Input: the benchmark signal of scripts/bench_vs_librosa.py (bench-data/clip60.wav): 60 s at
22050 Hz, float32, three-note chords changing every 2 s, 8 harmonics at 1/k with 5-6 Hz
vibrato of +-30 cents, white noise at -30 dB, peak 0.5, seed 0 (the generator is repeated
below so that this script does not need librosa or soundfile). --quick uses its first 2**16
samples. The float32 array is passed to kymatio as is (kymatio's first FFT then runs in
complex64, everything after it in float64).

Output: one JSON object on stdout (progress messages go to stderr).

kymatio 0.3.0 imports scipy.special.sph_harm (3-D scattering only), which SciPy 1.17
removed; it is aliased to sph_harm_y before the import.
"""

from __future__ import annotations

import os

# Single-threaded numerics: must be set before numpy is imported.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
for _var in THREAD_VARS:
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.special  # noqa: E402

if not hasattr(scipy.special, "sph_harm"):
    scipy.special.sph_harm = scipy.special.sph_harm_y  # used only by kymatio's 3-D module

import kymatio  # noqa: E402
from kymatio.numpy import Scattering1D  # noqa: E402

SR = 22050
SECONDS = 60.0
QUICK_SAMPLES = 2**16
J = 8
Q = (12, 1)


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_vs_librosa import chord_sequence  # noqa: E402  (the shared test signal)


def peak_rss_bytes() -> int:
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    v = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(v) if sys.platform == "darwin" else int(v) * 1024


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="timed forward calls (default 3)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed forward calls before timing (default 1)")
    ap.add_argument("--quick", action="store_true", help=f"use the first 2**16 = {QUICK_SAMPLES} samples instead of 60 s")
    ap.add_argument("--trace-build", action="store_true", help="build the filters a second time under tracemalloc")
    ap.add_argument("--no-tracemalloc", action="store_true", help="skip the extra traced forward call")
    args = ap.parse_args()
    if args.rounds < 1 or args.warmup < 0:
        ap.error("--rounds must be >= 1 and --warmup >= 0")

    rss_start = peak_rss_bytes()
    log(f"[signal] generating {SECONDS:.0f} s at {SR} Hz ...")
    y = chord_sequence(SR, SECONDS, seed=0)[0]
    if args.quick:
        y = np.ascontiguousarray(y[:QUICK_SAMPLES])
    n = int(y.shape[-1])
    rss_after_signal = peak_rss_bytes()

    log(f"[build] Scattering1D(J={J}, shape={n}, Q={Q}) ...")
    t0 = time.perf_counter()
    S = Scattering1D(J=J, shape=n, Q=Q)
    build_s = time.perf_counter() - t0
    rss_after_build = peak_rss_bytes()
    n_padded = int(S._N_padded)
    log(f"[build] {build_s:.3f} s, N_padded = {n_padded}, peak RSS {rss_after_build / 2**20:.0f} MiB")

    out = None
    for i in range(args.warmup):
        log(f"[forward] warm-up {i + 1}/{args.warmup}")
        out = S(y)
    times = []
    for i in range(args.rounds):
        t0 = time.perf_counter()
        out = S(y)
        times.append(time.perf_counter() - t0)
        log(f"[forward] round {i + 1}/{args.rounds}: {times[-1]:.3f} s")
    median_s = statistics.median(times)
    out_shape = list(out.shape)
    out_dtype = str(out.dtype)
    del out

    fwd_peak = None
    if not args.no_tracemalloc:
        log("[tracemalloc] one traced forward call ...")
        tracemalloc.start()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        tmp = S(y)
        fwd_peak = tracemalloc.get_traced_memory()[1] - base
        del tmp
        tracemalloc.stop()

    build_peak = None
    if args.trace_build:
        log("[tracemalloc] second, traced filter build ...")
        tracemalloc.start()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        S2 = Scattering1D(J=J, shape=n, Q=Q)
        build_peak = tracemalloc.get_traced_memory()[1] - base
        del S2
        tracemalloc.stop()

    filter_bytes = sum(a.nbytes for p in S.psi1_f for a in p["levels"])
    filter_bytes += sum(a.nbytes for p in S.psi2_f for a in p["levels"])
    filter_bytes += sum(a.nbytes for a in S.phi_f["levels"])

    result = {
        "peer": "kymatio.numpy.Scattering1D",
        "versions": {
            "kymatio": kymatio.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "python": platform.python_version(),
        },
        "machine": {
            "platform": platform.platform(),
            "processor": platform.machine(),
            "cpu_count": os.cpu_count(),
            "loadavg_1m_at_end": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
            "threads": {v: os.environ.get(v) for v in THREAD_VARS},
        },
        "config": {
            "call": f"Scattering1D(J={J}, shape={n}, Q={Q})",
            "J": J,
            "Q": list(S.Q),
            "T": int(S.T),
            "max_order": int(S.max_order),
            "oversampling": int(S.oversampling),
            "out_type": S.out_type,
            "N_padded": n_padded,
            "pad_left": int(S.pad_left),
            "pad_right": int(S.pad_right),
            "n_psi1": len(S.psi1_f),
            "n_psi2": len(S.psi2_f),
            "filter_bank_bytes": int(filter_bytes),
        },
        "signal": {
            "recipe": "chord_sequence(22050, 60.0, seed=0)[0] of scripts/bench_vs_librosa.py"
            + (f", first {QUICK_SAMPLES} samples" if args.quick else ""),
            "quick": bool(args.quick),
            "sr": SR,
            "n_samples": n,
            "seconds": n / SR,
            "dtype": str(y.dtype),
        },
        "build_s": build_s,
        "forward": {
            "median_s": median_s,
            "min_s": min(times),
            "times_s": times,
            "rounds": args.rounds,
            "warmup": args.warmup,
            "realtime_factor": (n / SR) / median_s,
            "output_shape": out_shape,
            "output_dtype": out_dtype,
        },
        "memory": {
            "peak_rss_at_start_bytes": rss_start,
            "peak_rss_after_signal_bytes": rss_after_signal,
            "peak_rss_after_build_bytes": rss_after_build,
            "peak_rss_bytes": peak_rss_bytes(),
            "forward_tracemalloc_peak_bytes": fwd_peak,
            "build_tracemalloc_peak_bytes": build_peak,
            "note": "ru_maxrss is the process high-water mark (includes the interpreter and the signal); "
            "tracemalloc peaks are relative to the traced memory when tracing started",
        },
    }
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
