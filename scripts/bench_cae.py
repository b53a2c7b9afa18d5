#!/usr/bin/env python3
"""One training step of the Complex Autoencoder (issue 21): PyTorch on the CPU against Reprise.

Builds in PyTorch the model of `crates/reprise-nn/src/models/cae.rs` (Lattner, Dörfler & Arzt,
ISMIR 2019) with the same formulas, times one training step at the reference's sizes, runs the
Rust timing example (`crates/reprise-nn/examples/cae_step.rs`) in the same run, and reports the
ratio Reprise / PyTorch (the issue's target: at most 1.0, i.e. Reprise no slower than PyTorch).

How to run (from the repository root), in a throwaway venv outside the repo:

    cargo build --release -p reprise-nn --example cae_step
    python3.11 -m venv /tmp/torchvenv
    /tmp/torchvenv/bin/pip install torch==2.13.0 numpy     # pinned: torch 2.13.0
    /tmp/torchvenv/bin/python scripts/bench_cae.py --threads 2 --markdown \\
        [--rounds 3] [--steps 20] [--warmup 3] [--batch 1000] \\
        [--cae-step target/release/examples/cae_step] [--no-rust] \\
        [--json out/cae_step.json] [--self-test]

(The PyPI wheel of torch 2.13.0 is a CUDA build, several GB with its nvidia-* dependencies;
it runs on the CPU all the same. bench_torch_nn.py uses the same venv. Where those dependencies
do not fit on the disk, see BENCHMARKS.md, "CAE training step vs PyTorch", for how the
published run was installed.)

The model: W = nn.Linear(3840, 512, bias=False) (120 CQT bins × 32 frames, bin-major, to
2 × 256 bases), nn.Dropout(0.5) on the input; h = dropout(x)·W, re = h[:, :256],
im = h[:, 256:], amplitude a = sqrt(max(re² + im², 1e-12)), phase φ = atan2(re, im + 1e-6·z)
with z = [re² + im² < 1e-12] (the reference's argument order atan2(re, im)); the decoder reuses
W: x̂ = [a·sin φ, a·cos φ]·Wᵀ. Pair loss for (x, y): ŷ = dec(a_x, φ_y), x̂ = dec(a_y, φ_x),
loss = mean|y − ŷ| + mean|x − x̂| (L1). Adam(lr=1e-3). (burn stores W as [in, out], PyTorch as
[out, in]: the same map.) The trainable parameter count (1,966,080) is checked against the
Rust example's.

Method: seed 0, float32, CPU, batch 1000 pairs of random windows uniform in [-1, 1] (made once;
the Rust example draws its own, seed-fixed), train mode (dropout active). A training step is
zero_grad + both encodes + both decodes + loss + backward + optimizer.step (+ loss.item(), as
the Rust step reads its loss back); --warmup untimed steps, then the median of --steps timed
steps (time.perf_counter). The Rust example times the same step (pair_loss, backward, Adam
update, the loss read back) with RAYON_NUM_THREADS set to --threads; its per-step times are
read from its JSON and their median is taken here the same way (statistics.median). Each
round builds both afresh (a new PyTorch model, a new Rust process), PyTorch first, then Rust;
the summary is the median over rounds of each side's per-round medians, and the ratio is
Reprise / PyTorch of those (each round's own ratio is listed too).

Run it on an otherwise idle machine (no build, no training), and note OMP_WAIT_POLICY: with
libgomp's default (spinning) workers, any other busy process leaves a spinning worker waiting
on a descheduled peer (see bench_torch_nn.py). The script therefore sets
OMP_WAIT_POLICY=PASSIVE unless it is already set; the policy is recorded in the output. It
warns when the load average before the first round suggests the cores are not free, and
records it for each round (from the second round on it includes the script's own threads).

--json writes {"torch_version", "threads", "omp_wait_policy", "batch", "steps", "warmup",
"params", "rust_params", "rounds": [{"torch_ms", "rust_ms", "ratio", "loadavg_1m"}],
"torch_ms", "rust_ms", "ratio", "target", "met"}.
--markdown prints a table (one row per round and the median row).
--self-test only builds the model, checks the parameter count, that decoding a window's own
amplitudes and phases is the linear round trip x·W·Wᵀ, and that the gradients stay finite on a
silent (all-zero) window, then exits (status 1 on a failure).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# libgomp reads this when torch loads it, so it must be set before the import.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
from torch import nn  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
N_BINS, LENGTH, N_BASES = 120, 32, 256  # CaeConfig::default()
DROPOUT = 0.5
TINY = 1e-12  # below this squared modulus a basis's response counts as zero (cae.rs)
LR = 1e-3
SEED = 0
EXPECTED_PARAMS = N_BINS * LENGTH * 2 * N_BASES  # 1,966,080
TARGET = 1.0  # Reprise / PyTorch


class Cae(nn.Module):
    """The Complex Autoencoder of crates/reprise-nn/src/models/cae.rs, formula for formula."""

    def __init__(self, inputs=N_BINS * LENGTH, n_bases=N_BASES, dropout=DROPOUT):
        super().__init__()
        self.k = n_bases
        self.map = nn.Linear(inputs, 2 * n_bases, bias=False)
        self.dropout = nn.Dropout(dropout)

    def encode(self, x):
        """Amplitudes and phases [batch, n_bases] of windows [batch, inputs]."""
        h = self.map(self.dropout(x))
        re, im = h[:, :self.k], h[:, self.k:]
        r2 = re.pow(2) + im.pow(2)
        zero = (r2 < TINY).to(r2.dtype)
        amplitude = r2.clamp_min(TINY).sqrt()
        phase = torch.atan2(re, im + zero * 1e-6)
        return amplitude, phase

    def decode(self, amplitude, phase):
        """Windows [batch, inputs] from amplitudes and phases (tied weights: [.]·Wᵀ in burn's
        [in, out] layout is [.]·weight in PyTorch's [out, in])."""
        real = amplitude * phase.sin()
        imag = amplitude * phase.cos()
        return torch.cat([real, imag], dim=1) @ self.map.weight

    def pair_loss(self, x, y):
        """mean|y − dec(a_x, φ_y)| + mean|x − dec(a_y, φ_x)|."""
        ax, px = self.encode(x)
        ay, py = self.encode(y)
        y_hat = self.decode(ax, py)
        x_hat = self.decode(ay, px)
        return (y - y_hat).abs().mean() + (x - x_hat).abs().mean()


def n_params(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def median_ms(fn, steps, warmup):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), times


def bench_torch(batch, steps, warmup):
    """Median ms of one training step (and the per-step times)."""
    torch.manual_seed(SEED)
    model = Cae().train()
    x = torch.rand(batch, N_BINS * LENGTH) * 2 - 1
    y = torch.rand(batch, N_BINS * LENGTH) * 2 - 1
    opt = torch.optim.Adam(model.parameters(), lr=LR)

    def train_step():
        opt.zero_grad()
        loss = model.pair_loss(x, y)
        loss.backward()
        opt.step()
        loss.item()

    ms, times = median_ms(train_step, steps, warmup)
    return ms, times, n_params(model)


def bench_rust(exe, threads, batch, steps, warmup):
    """Runs the Rust example once: (median ms over its timed steps, per-step ms, params)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cae_step.json"
        env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
        p = subprocess.run([str(exe), "--steps", str(steps), "--warmup", str(warmup),
                            "--batch", str(batch), "--json", str(out)],
                           capture_output=True, text=True, env=env)
        if p.returncode != 0:
            raise SystemExit(f"{exe} failed ({p.returncode}):\n{p.stderr}")
        doc = json.loads(out.read_text())
    times = doc["steps_ms"]
    return statistics.median(times), times, doc["params"]


def self_test():
    ok = True
    torch.manual_seed(SEED)
    model = Cae()
    params = n_params(model)
    good = params == EXPECTED_PARAMS
    ok &= good
    print(f"params {params:,d}  expected {EXPECTED_PARAMS:,d}  {'ok' if good else 'MISMATCH'}")
    model.eval()  # no dropout: the round trip is exact
    with torch.no_grad():
        x = torch.rand(5, N_BINS * LENGTH) * 2 - 1
        a, p = model.encode(x)
        w = model.map.weight  # [out, in]
        direct = x @ w.t() @ w
        diff = (model.decode(a, p) - direct).abs().max().item()
        scale = direct.abs().max().item()
    good = diff <= 1e-5 * max(scale, 1.0) and bool((a >= 0).all())
    ok &= good
    print(f"decode(encode(x)) = x·W·Wᵀ: max difference {diff:.2e} (scale {scale:.2f})  "
          f"{'ok' if good else 'FAILED'}")
    model.train()
    zero = torch.zeros(2, N_BINS * LENGTH)
    model.zero_grad()
    loss = model.pair_loss(zero, zero)
    loss.backward()
    good = bool(torch.isfinite(loss)) and bool(torch.isfinite(model.map.weight.grad).all())
    ok &= good
    print(f"silent window: loss {loss.item():.3g}, gradients finite  {'ok' if good else 'FAILED'}")
    return ok


def fmt(v, spec=".1f"):
    return "—" if v is None else format(v, spec)


def print_results(rounds, summary, args, markdown):
    head = (f"PyTorch {torch.__version__}, CPU, {args.threads} thread(s), "
            f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}; Reprise RAYON_NUM_THREADS="
            f"{args.threads}; batch {args.batch}, median of {args.steps} steps after "
            f"{args.warmup}, ms")
    print(head)
    if markdown:
        print()
        print("| round | PyTorch train step ms | Reprise train step ms | ratio R/PT "
              f"(target ≤ {TARGET:g}) | load (1 min) |")
        print("|:---|---:|---:|---:|---:|")
        for i, r in enumerate(rounds, 1):
            print(f"| {i} | {fmt(r['torch_ms'])} | {fmt(r['rust_ms'])} | "
                  f"{fmt(r['ratio'], '.2f')} | {r['loadavg_1m']:.2f} |")
        met = summary["met"]
        print(f"| median | {fmt(summary['torch_ms'])} | {fmt(summary['rust_ms'])} | "
              f"{fmt(summary['ratio'], '.2f')} "
              f"{'' if met is None else ('met' if met else '**missed**')} | |")
    else:
        for i, r in enumerate(rounds, 1):
            print(f"round {i}: PyTorch {fmt(r['torch_ms'])} ms, Reprise {fmt(r['rust_ms'])} ms, "
                  f"ratio {fmt(r['ratio'], '.2f')} (load {r['loadavg_1m']:.2f})")
        met = summary["met"]
        print(f"median: PyTorch {fmt(summary['torch_ms'])} ms, Reprise "
              f"{fmt(summary['rust_ms'])} ms, ratio Reprise/PyTorch {fmt(summary['ratio'], '.2f')}"
              + ("" if met is None else f" (target ≤ {TARGET:g}: {'met' if met else 'missed'})"))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--batch", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--cae-step", default=str(REPO / "target/release/examples/cae_step"),
                   help="the Rust example (cargo build --release -p reprise-nn --example cae_step)")
    p.add_argument("--no-rust", action="store_true", help="time PyTorch only")
    p.add_argument("--json", metavar="OUT.json", help="write the results as JSON")
    p.add_argument("--markdown", action="store_true", help="print a GitHub markdown table")
    p.add_argument("--self-test", action="store_true",
                   help="check the parameter count and the formulas only, then exit")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.set_default_dtype(torch.float32)
    if args.self_test:
        return 0 if self_test() else 1
    exe = Path(args.cae_step)
    if not args.no_rust and not exe.exists():
        raise SystemExit(f"{exe} is missing: cargo build --release -p reprise-nn --example "
                         "cae_step (or --no-rust)")

    rounds, params, rust_params = [], None, None
    for i in range(args.rounds):
        load = os.getloadavg()[0]
        # before the first round only: later rounds see this script's own load
        if i == 0 and load + args.threads > (os.cpu_count() or 1) + 0.5:
            print(f"WARNING: 1-min load average {load:.1f} with {args.threads} thread(s) on "
                  f"{os.cpu_count()} cores: timings will be inflated", file=sys.stderr)
        t_ms, t_times, params = bench_torch(args.batch, args.steps, args.warmup)
        r_ms = r_times = None
        if not args.no_rust:
            r_ms, r_times, rust_params = bench_rust(exe, args.threads, args.batch, args.steps,
                                                    args.warmup)
        rounds.append({"torch_ms": t_ms, "rust_ms": r_ms,
                       "ratio": None if r_ms is None else r_ms / t_ms,
                       "loadavg_1m": round(load, 2),
                       "torch_steps_ms": t_times, "rust_steps_ms": r_times})
        print(f"  round {i + 1}/{args.rounds}: PyTorch {t_ms:.1f} ms"
              + ("" if r_ms is None else f", Reprise {r_ms:.1f} ms, ratio {r_ms / t_ms:.2f}"),
              file=sys.stderr, flush=True)

    torch_ms = statistics.median(r["torch_ms"] for r in rounds)
    rust_ms = None if args.no_rust else statistics.median(r["rust_ms"] for r in rounds)
    ratio = None if rust_ms is None else rust_ms / torch_ms
    summary = {"torch_ms": torch_ms, "rust_ms": rust_ms, "ratio": ratio,
               "met": None if ratio is None else ratio <= TARGET}
    print_results(rounds, summary, args, args.markdown)
    sys.stdout.flush()

    status = 0
    if params != EXPECTED_PARAMS:
        print(f"!!! PyTorch model has {params} parameters, expected {EXPECTED_PARAMS} !!!",
              file=sys.stderr)
        status = 1
    if rust_params is not None and rust_params != params:
        print(f"!!! PARAMETER COUNT MISMATCH: Reprise {rust_params}, PyTorch {params} — the "
              "models differ !!!", file=sys.stderr)
        status = 1

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch_version": torch.__version__, "threads": args.threads,
                       "omp_wait_policy": os.environ["OMP_WAIT_POLICY"], "batch": args.batch,
                       "steps": args.steps, "warmup": args.warmup, "params": params,
                       "rust_params": rust_params, "rounds": rounds,
                       "target": f"Reprise / PyTorch <= {TARGET:g}", **summary},
                      f, indent=2)
            f.write("\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
