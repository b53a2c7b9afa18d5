#!/usr/bin/env python3
"""PyTorch CPU baseline for Reprise's neural networks (crates/reprise-nn).

Measures, for seven small networks, the median time of one training step and of
one inference forward pass on the CPU, so they can be compared with the Rust
(burn) implementations. The architectures mirror `crates/reprise-nn/src/models/`
(lc.rs, pons.rs, samplecnn.rs, mlp.rs) layer for layer; the trainable parameter
counts must match the Rust side (the table checks it when given --reprise-json).

How to run (from the repository root), in a throwaway venv outside the repo:

    python3.11 -m venv /tmp/torchvenv
    /tmp/torchvenv/bin/pip install torch==2.13.0 numpy     # pinned: torch 2.13.0
    /tmp/torchvenv/bin/python scripts/bench_torch_nn.py --threads 2 --markdown \\
        [--steps 30] [--warmup 3] [--models all|lc-2d,mlp,...] \\
        [--json out/torch_nn.json] [--reprise-json out/reprise_nn.json] [--self-test]

(The PyPI wheel of torch 2.13.0 is a CUDA build; it runs on the CPU all the same.)

Per model: seed 0, float32, CPU, batch 32, random input of the model's shape,
random int labels in [0, 8), Adam(lr=1e-3), CrossEntropyLoss (mean). A training
step is zero_grad + forward + loss + backward + optimizer.step in train mode
(dropout and batch norm active); --warmup untimed steps, then the median of
--steps timed steps (time.perf_counter). Inference: eval mode, torch.no_grad(),
forward of the same batch, median of --steps runs (after --warmup untimed ones).
Run it on an otherwise idle machine, and note OMP_WAIT_POLICY: with libgomp's
default (spinning) workers, any other busy process (e.g. a cargo build) leaves a
spinning worker waiting on a descheduled peer, and small models slow down ~100x
(mlp: ~1 ms -> ~100 ms per step on 2 cores). The script therefore sets
OMP_WAIT_POLICY=PASSIVE unless it is already set (export OMP_WAIT_POLICY=ACTIVE
to measure the spinning default); the policy is recorded in the output. It also
warns when the load average suggests the cores are not free.

Inputs: spectrogram models [32, 1, 96, 128] (96 CQT rows x 128 frames, NCHW with
H = frequency), sample-cnn raw audio [32, 1, 59049], mlp summary vectors [32, 80].

--json writes {"torch_version", "threads", "omp_wait_policy", "batch", "loadavg_1m",
"models": {name: {"params", "train_step_ms", "infer_ms"}}}. --reprise-json reads
the same "models" shape from the Rust side and adds Reprise ms, Reprise/PyTorch
ratios and a parameter-count check (a mismatch is marked in the table and on
stderr).
--self-test only builds the models, checks output shapes and the expected
parameter counts, and exits (status 1 on a mismatch).
"""

import argparse
import json
import os
import statistics
import sys
import time

# libgomp reads this when torch loads it, so it must be set before the import.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
from torch import nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

BATCH = 32
N_CLASSES = 8
SLOPE = 0.3  # LeakyReLU slope of the Lostanlen & Cella models
SEED = 0
# Expected trainable parameter counts (pons and sample-cnn: counted by hand from the layers).
EXPECTED_PARAMS = {"lc-2d": 92_584, "lc-1d": 19_720, "lc-spiral": 35_944,
                   "lc-combined": 147_080, "pons": 99_680, "sample-cnn": 175_368,
                   "mlp": 54_664}


def dense_head(n_in, hidden, act):
    """dropout .5 -> linear -> act -> dropout .5 -> linear to N_CLASSES."""
    return nn.Sequential(nn.Dropout(0.5), nn.Linear(n_in, hidden), act,
                         nn.Dropout(0.5), nn.Linear(hidden, N_CLASSES))


class LcBranch(nn.Module):
    """An L&C branch: `net` applied to rows [lo, hi) of the input -> [B, out_features]."""

    def __init__(self, net, out_features, rows=(0, 96)):
        super().__init__()
        self.net, self.out_features, self.rows = net, out_features, rows

    def forward(self, x):
        return self.net(x[:, :, self.rows[0]:self.rows[1], :])


def lc_2d():
    """2-d branch: two 5x5 convs with (3,5) pooling -> [B, 32*8*4 = 1024]."""
    return LcBranch(nn.Sequential(
        nn.Conv2d(1, 32, (5, 5)), nn.LeakyReLU(SLOPE), nn.MaxPool2d((3, 5)),
        nn.Conv2d(32, 32, (5, 5)), nn.LeakyReLU(SLOPE), nn.MaxPool2d((3, 5)),
        nn.Flatten()), 32 * 8 * 4)


def lc_1d():
    """1-d branch on the top 36 rows (60..96): full-height conv -> [B, 32*1*4 = 128]."""
    return LcBranch(nn.Sequential(
        nn.Conv2d(1, 32, (36, 5)), nn.LeakyReLU(SLOPE), nn.MaxPool2d((1, 5)),
        nn.Conv2d(32, 32, (1, 5), padding=(0, 2)), nn.LeakyReLU(SLOPE),
        nn.MaxPool2d((1, 6)), nn.Flatten()), 32 * 1 * 4, rows=(60, 96))


class LcSpiral(nn.Module):
    """L&C spiral branch: one 3x5 conv per band (rows 12/24/36 + 24), summed -> [B, 128]."""

    BANDS = ((12, 36), (24, 48), (36, 60))

    def __init__(self):
        super().__init__()
        self.band_convs = nn.ModuleList(nn.Conv2d(1, 32, (3, 5)) for _ in self.BANDS)
        self.rest = nn.Sequential(
            nn.LeakyReLU(SLOPE), nn.MaxPool2d((3, 5)),
            nn.Conv2d(32, 32, (5, 5)), nn.LeakyReLU(SLOPE), nn.MaxPool2d((3, 5)),
            nn.Flatten())
        self.out_features = 32 * 1 * 4

    def forward(self, x):
        y = sum(conv(x[:, :, lo:hi, :]) for conv, (lo, hi) in zip(self.band_convs, self.BANDS))
        return self.rest(y)


class LcNet(nn.Module):
    """Branches (concatenated in the given order) + the L&C dense head."""

    def __init__(self, branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)
        n_in = sum(b.out_features for b in branches)
        self.head = dense_head(n_in, 64, nn.LeakyReLU(SLOPE))

    def forward(self, x):
        return self.head(torch.cat([b(x) for b in self.branches], dim=1))


class Pons(nn.Module):
    """musicnn-style front end (2 timbral + 3 temporal branches) and back end."""

    def __init__(self, rows=96, frames=128):
        super().__init__()
        self.timbral = nn.ModuleList(
            nn.Sequential(nn.Conv2d(1, 48, (int(rows * f), 7), padding=(0, 3)),
                          nn.ReLU(), nn.BatchNorm2d(48))
            for f in (0.4, 0.7))
        self.temporal_kernels = (frames, frames // 2, frames // 4)
        self.temporal = nn.ModuleList(
            nn.Sequential(nn.Conv2d(1, 16, (1, k)), nn.ReLU(), nn.BatchNorm2d(16))
            for k in self.temporal_kernels)
        n_feat = 2 * (2 * 48 + 3 * 16)
        self.back = nn.Sequential(
            nn.BatchNorm1d(n_feat), nn.Dropout(0.5), nn.Linear(n_feat, 200), nn.ReLU(),
            nn.BatchNorm1d(200), nn.Dropout(0.5), nn.Linear(200, N_CLASSES))

    def forward(self, x):
        feats = [branch(x).amax(dim=2) for branch in self.timbral]  # [B, 48, T]
        avg = x.mean(dim=2, keepdim=True)  # [B, 1, 1, T]
        for k, branch in zip(self.temporal_kernels, self.temporal):
            left = (k - 1) // 2  # TensorFlow "same": the extra frame goes on the right
            feats.append(branch(F.pad(avg, (left, k - 1 - left))).squeeze(2))
        h = torch.cat(feats, dim=1)  # [B, 144, T]
        return self.back(torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1))


def sample_cnn():
    """Lee et al. 2017 sample-level CNN on 59049 samples (3^10)."""
    layers = [nn.Conv1d(1, 32, 3, stride=3), nn.BatchNorm1d(32), nn.ReLU()]
    c_in = 32
    for c_out in (32, 32, 64, 64, 64, 64, 128, 128, 128):
        layers += [nn.Conv1d(c_in, c_out, 3, padding=1), nn.BatchNorm1d(c_out), nn.ReLU(),
                   nn.MaxPool1d(3)]
        c_in = c_out
    layers += [nn.Flatten(), nn.Dropout(0.5), nn.Linear(128, N_CLASSES)]
    return nn.Sequential(*layers)


def mlp():
    return nn.Sequential(nn.Linear(80, 256), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(128, N_CLASSES))


SPEC_SHAPE = (BATCH, 1, 96, 128)
# name -> (builder, input shape)
MODELS = {
    "lc-2d": (lambda: LcNet([lc_2d()]), SPEC_SHAPE),
    "lc-1d": (lambda: LcNet([lc_1d()]), SPEC_SHAPE),
    "lc-spiral": (lambda: LcNet([LcSpiral()]), SPEC_SHAPE),
    "lc-combined": (lambda: LcNet([lc_2d(), lc_1d(), LcSpiral()]), SPEC_SHAPE),
    "pons": (Pons, SPEC_SHAPE),
    "sample-cnn": (sample_cnn, (BATCH, 1, 59049)),
    "mlp": (mlp, (BATCH, 80)),
}


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
    return statistics.median(times)


def bench_model(name, steps, warmup):
    torch.manual_seed(SEED)
    build, shape = MODELS[name]
    model = build()
    x = torch.randn(shape)
    y = torch.randint(0, N_CLASSES, (BATCH,))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def train_step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    model.train()
    train_ms = median_ms(train_step, steps, warmup)
    model.eval()
    with torch.no_grad():
        infer_ms = median_ms(lambda: model(x), steps, warmup)
    return {"params": n_params(model), "train_step_ms": train_ms, "infer_ms": infer_ms}


def self_test(names):
    ok = True
    for name in names:
        torch.manual_seed(SEED)
        build, shape = MODELS[name]
        model = build().eval()
        with torch.no_grad():
            out = model(torch.randn(shape))
        params, want = n_params(model), EXPECTED_PARAMS[name]
        good = tuple(out.shape) == (BATCH, N_CLASSES) and params == want
        ok &= good
        print(f"{name:12s} params {params:>8,d}  expected {want:>8,d}  "
              f"output {tuple(out.shape)}  {'ok' if good else 'MISMATCH'}")
    return ok


def fmt(v, spec=".2f"):
    return "—" if v is None else format(v, spec)


def table_rows(results, reprise):
    """Header and rows (lists of strings); extra Reprise columns when given."""
    header = ["model", "params", "train step ms", "infer ms"]
    if reprise is not None:
        header += ["Reprise train ms", "Reprise infer ms", "train ratio R/PT",
                   "infer ratio R/PT", "params check"]
    rows = []
    for name, r in results.items():
        row = [name, f"{r['params']:,d}", fmt(r["train_step_ms"]), fmt(r["infer_ms"])]
        if reprise is not None:
            rr = reprise.get(name)
            if rr is None:
                row += ["—"] * 4 + ["not in Reprise JSON"]
            else:
                rt, ri, rp = rr.get("train_step_ms"), rr.get("infer_ms"), rr.get("params")
                row += [fmt(rt), fmt(ri),
                        fmt(rt / r["train_step_ms"] if rt is not None else None),
                        fmt(ri / r["infer_ms"] if ri is not None else None),
                        "ok" if rp == r["params"] else f"**MISMATCH ({rp} vs {r['params']})**"]
        rows.append(row)
    return header, rows


def print_table(header, rows, markdown, torch_version, threads):
    if markdown:
        print(f"PyTorch {torch_version}, CPU, {threads} thread(s), "
              f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}, batch {BATCH}, median ms")
        print()
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join(":---" if h in ("model", "params check") else "---:"
                             for h in header) + "|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
        print("  ".join(h.ljust(w) if i == 0 else h.rjust(w)
                        for i, (h, w) in enumerate(zip(header, widths))))
        for row in rows:
            print("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                            for i, (c, w) in enumerate(zip(row, widths))))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--models", default="all", help="all, or comma-separated names: "
                   + ",".join(MODELS))
    p.add_argument("--json", metavar="OUT.json", help="write the results as JSON")
    p.add_argument("--markdown", action="store_true", help="print a GitHub markdown table")
    p.add_argument("--reprise-json", metavar="FILE", help="Reprise results to compare with")
    p.add_argument("--self-test", action="store_true",
                   help="check shapes and parameter counts only, then exit")
    args = p.parse_args(argv)
    names = list(MODELS) if args.models == "all" else args.models.split(",")
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        p.error(f"unknown model(s) {unknown}; choose from {list(MODELS)}")
    args.names = names
    return args


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.set_default_dtype(torch.float32)
    if args.self_test:
        return 0 if self_test(args.names) else 1

    reprise = None
    if args.reprise_json:
        with open(args.reprise_json) as f:
            reprise = json.load(f)["models"]

    load = os.getloadavg()[0]
    if load + args.threads > (os.cpu_count() or 1) + 0.5:
        print(f"WARNING: 1-min load average {load:.1f} with {args.threads} thread(s) on "
              f"{os.cpu_count()} cores: timings will be inflated", file=sys.stderr)

    results = {}
    for name in args.names:
        results[name] = bench_model(name, args.steps, args.warmup)
        want = EXPECTED_PARAMS[name]
        if results[name]["params"] != want:
            print(f"WARNING: {name} has {results[name]['params']} parameters, expected {want}",
                  file=sys.stderr)
        print(f"  {name}: done", file=sys.stderr)

    header, rows = table_rows(results, reprise)
    print_table(header, rows, args.markdown, torch.__version__, args.threads)
    sys.stdout.flush()
    if reprise is not None:
        for name, r in results.items():
            rp = reprise.get(name, {}).get("params")
            if name in reprise and rp != r["params"]:
                print(f"!!! PARAMETER COUNT MISMATCH for {name}: Reprise {rp}, "
                      f"PyTorch {r['params']} — the architectures differ !!!",
                      file=sys.stderr)

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch_version": torch.__version__, "threads": args.threads,
                       "omp_wait_policy": os.environ["OMP_WAIT_POLICY"], "batch": BATCH,
                       "loadavg_1m": round(load, 2), "models": results},
                      f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
