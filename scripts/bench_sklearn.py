#!/usr/bin/env python3
"""Fidelity and speed of Reprise's classical classifiers against scikit-learn.

How to run (from the repository root):

    .venv/bin/pip install -r scripts/requirements-peer.txt      # scikit-learn==1.9.1
    nice -n 10 .venv/bin/python scripts/bench_sklearn.py --dump out/dump \\
        [--reprise-cmd "target/release/reprise classify --train a.csv --test b.csv \\
                        --features mfcc --dump out/dump -o out/cls"] \\
        [--repeats 5] [--markdown BENCH.md] [--fail-on-flag]

Input: `reprise classify ... --dump DIR` writes one folder per feature set NAME:

    DIR/NAME/X_train.npy   float64 (n_train, d), NOT scaled
    DIR/NAME/y_train.npy   int64 label ids
    DIR/NAME/X_test.npy    float64 (n_test, d)
    DIR/NAME/y_test.npy    int64
    DIR/NAME/labels.json   list of class names, index = label id (optional here)
    DIR/NAME/reprise.json  {"classifiers": {"logreg": {"accuracy": 0.83, "fit_s": 0.01,
                            "predict_s": 0.001}, "svc": {...}, "knn": {...}, "rf": {...}},
                            "threads": 1}   (optional: without it only scikit-learn is shown)

With --reprise-cmd the shell command runs first (it should produce DIR); its
wall time is printed.

What it does, per feature set and classifier: it fits
Pipeline([StandardScaler(), clf]) on the training split with scikit-learn's
defaults, matching what Reprise implements:

    logreg  LogisticRegression()                 lbfgs, C=1, max_iter=100, tol=1e-4
    svc     SVC()                                rbf, C=1, gamma='scale', tol=1e-3
    knn     KNeighborsClassifier()               k=5, uniform weights, euclidean
    rf      RandomForestClassifier(n_estimators=10, random_state=s), s = 0..N-1 (--rf-seeds N, default 5)

Accuracy is measured on the test split (rf: the mean over the --rf-seeds seeds, since
its RNG cannot be matched). Fit (scaler + classifier) and predict (scaler +
classifier) are timed separately with time.perf_counter: one untimed warm-up
run, then the median of --repeats runs (rf: seed 0). Everything is
single-threaded: OMP/OPENBLAS/MKL_NUM_THREADS=1 are set before numpy is
imported, and threadpoolctl limits every BLAS/OpenMP pool to 1 thread.
Reprise's numbers are taken as reported in reprise.json (they should cover the
same work: scaling included); its "threads" value is shown in the header.

Output: a markdown table (printed; appended to --markdown FILE with a header
giving the date and versions) with feature set, classifier, n_train x d,
scikit-learn accuracy, Reprise accuracy, |delta| in accuracy points, fit+predict
milliseconds for each, and the ratio Reprise/scikit-learn. Rows are flagged
when |delta| > 2 points or the ratio is > 2. --fail-on-flag makes the exit
status 1 when any row is flagged (for CI).

The script only *calls* scikit-learn; no scikit-learn code is copied into
Reprise. Timings on a shared machine are noisy: see the load average printed.
"""

from __future__ import annotations

import os

# Must happen before numpy (and its BLAS) is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import sklearn  # noqa: E402
import threadpoolctl  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

PINNED_SKLEARN = "1.9.1"
CLASSIFIERS = ("logreg", "svc", "knn", "rf")
RF_SEEDS = 5  # number of random_state values averaged for rf (--rf-seeds)
DELTA_FLAG_POINTS = 2.0
RATIO_FLAG = 2.0


def make_clf(name: str, seed: int = 0):
    if name == "logreg":
        return LogisticRegression()  # lbfgs, C=1.0, max_iter=100, tol=1e-4
    if name == "svc":
        return SVC()  # rbf, C=1.0, gamma='scale', tol=1e-3, cache_size=200, shrinking=True
    if name == "knn":
        return KNeighborsClassifier()  # n_neighbors=5, weights='uniform', minkowski p=2
    if name == "rf":
        return RandomForestClassifier(n_estimators=10, random_state=seed)
    raise ValueError(name)


def make_pipe(name: str, seed: int = 0) -> Pipeline:
    return Pipeline([("scaler", StandardScaler()), ("clf", make_clf(name, seed))])


def fit_predict(name: str, seed: int, Xtr, ytr, Xte):
    """One run: returns (pipeline, predictions, fit seconds, predict seconds)."""
    pipe = make_pipe(name, seed)
    t0 = time.perf_counter()
    pipe.fit(Xtr, ytr)
    t1 = time.perf_counter()
    pred = pipe.predict(Xte)
    t2 = time.perf_counter()
    return pipe, pred, t1 - t0, t2 - t1


def bench_sklearn(name: str, Xtr, ytr, Xte, yte, repeats: int) -> dict:
    notes = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        # Warm-up run (untimed); also gives the accuracy (fits are deterministic).
        pipe, pred, _, _ = fit_predict(name, 0, Xtr, ytr, Xte)
        acc = float(np.mean(pred == yte))
        if name == "rf":
            accs = [acc] + [float(np.mean(fit_predict(name, s, Xtr, ytr, Xte)[1] == yte)) for s in range(1, RF_SEEDS)]
            acc = float(np.mean(accs))
            sd = float(np.std(accs, ddof=1)) if len(accs) > 1 else 0.0
            if len(accs) <= 5:
                notes.append(f"rf acc: mean of seeds 0-{RF_SEEDS - 1} (" + ", ".join(f"{a:.3f}" for a in accs) + ")")
            else:
                notes.append(f"rf acc: mean of seeds 0-{RF_SEEDS - 1} = {acc:.4f}, sd {sd:.4f}, standard error {sd / len(accs) ** 0.5:.4f}")
        if name == "logreg":
            n_iter = int(pipe.named_steps["clf"].n_iter_[0])
            notes.append(f"logreg n_iter={n_iter}")
        if name == "svc":
            notes.append(f"svc gamma={pipe.named_steps['clf']._gamma:.4g}, n_SV={int(pipe.named_steps['clf'].n_support_.sum())}")
        fits, preds = [], []
        for _ in range(repeats):
            _, _, tf, tp = fit_predict(name, 0, Xtr, ytr, Xte)
            fits.append(tf)
            preds.append(tp)
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        notes.append(f"{name}: ConvergenceWarning (hit max_iter)")
    fit_s = statistics.median(fits)
    predict_s = statistics.median(preds)
    return {"accuracy": acc, "fit_s": fit_s, "predict_s": predict_s, "notes": notes}


def load_set(path: str) -> dict:
    def load(f, kind):
        arr = np.load(os.path.join(path, f), allow_pickle=False)
        if kind == "X":
            if arr.ndim != 2:
                raise ValueError(f"{path}/{f}: expected a 2-D array, got shape {arr.shape}")
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{path}/{f}: contains NaN or inf")
            return np.ascontiguousarray(arr, dtype=np.float64)
        if arr.ndim != 1 or arr.dtype.kind not in "iu":
            raise ValueError(f"{path}/{f}: expected 1-D integer labels, got {arr.dtype} {arr.shape}")
        return arr.astype(np.int64)

    d = {
        "X_train": load("X_train.npy", "X"),
        "y_train": load("y_train.npy", "y"),
        "X_test": load("X_test.npy", "X"),
        "y_test": load("y_test.npy", "y"),
    }
    if d["X_train"].shape[0] != d["y_train"].shape[0] or d["X_test"].shape[0] != d["y_test"].shape[0]:
        raise ValueError(f"{path}: X/y row counts differ")
    if d["X_train"].shape[1] != d["X_test"].shape[1]:
        raise ValueError(f"{path}: X_train and X_test have different widths")
    labels_path = os.path.join(path, "labels.json")
    d["labels"] = json.load(open(labels_path)) if os.path.exists(labels_path) else None
    rp = os.path.join(path, "reprise.json")
    d["reprise"] = json.load(open(rp)) if os.path.exists(rp) else None
    return d


def fmt(v, spec):
    return "—" if v is None else format(v, spec)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dump", required=True, help="folder written by `reprise classify --dump DIR`")
    ap.add_argument("--reprise-cmd", help="shell command to run first (it should produce --dump DIR)")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per classifier (median; default 5)")
    ap.add_argument("--rf-seeds", type=int, default=5, help="rf accuracy is the mean over random_state 0..N-1 (default 5); "
                    "give Reprise the same count with `reprise classify --dump-rf-seeds N`")
    ap.add_argument("--markdown", help="append the table (with a header) to this file")
    ap.add_argument("--fail-on-flag", action="store_true", help="exit 1 if any row is flagged")
    args = ap.parse_args()
    global RF_SEEDS
    if args.rf_seeds < 1:
        ap.error('--rf-seeds must be at least 1')
    RF_SEEDS = args.rf_seeds
    if args.repeats < 1:
        ap.error("--repeats must be >= 1")

    versions = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "threadpoolctl": threadpoolctl.__version__,
    }
    cpu = os.cpu_count()
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        load = "n/a"
    print("  ".join(f"{k} {v}" for k, v in versions.items()) + f"  cpus {cpu}  load {load}  ({platform.machine()})")
    if sklearn.__version__ != PINNED_SKLEARN:
        print(f"WARNING: scikit-learn {sklearn.__version__} is not the pinned {PINNED_SKLEARN}", file=sys.stderr)

    if args.reprise_cmd:
        print(f"$ {args.reprise_cmd}")
        t0 = time.perf_counter()
        r = subprocess.run(args.reprise_cmd, shell=True)
        print(f"reprise command: exit {r.returncode}, {time.perf_counter() - t0:.2f} s")
        if r.returncode != 0:
            return r.returncode

    if not os.path.isdir(args.dump):
        print(f"ERROR: {args.dump} is not a folder", file=sys.stderr)
        return 2
    names = sorted(
        n for n in os.listdir(args.dump) if os.path.isfile(os.path.join(args.dump, n, "X_train.npy"))
    )
    if not names:
        print(f"ERROR: no DIR/NAME/X_train.npy under {args.dump}", file=sys.stderr)
        return 2

    rows = []
    notes = []
    threads_seen = set()
    with threadpoolctl.threadpool_limits(limits=1):
        pools = ", ".join(
            f"{p.get('internal_api')} {p.get('version')} ({p.get('num_threads')} thread{'s' if p.get('num_threads') != 1 else ''})"
            for p in threadpoolctl.threadpool_info()
        )
        print(f"thread pools: {pools or 'none found'}")
        for name in names:
            ds = load_set(os.path.join(args.dump, name))
            n, d = ds["X_train"].shape
            n_classes = len(np.unique(np.concatenate([ds["y_train"], ds["y_test"]])))
            desc = f"{name}: train {n}x{d}, test {ds['X_test'].shape[0]}, {n_classes} classes"
            if ds["labels"] is not None:
                desc += f" ({', '.join(map(str, ds['labels'][:8]))}{', …' if len(ds['labels']) > 8 else ''})"
            print(desc, flush=True)
            rp_all = (ds["reprise"] or {}).get("classifiers", {})
            if ds["reprise"] is not None:
                threads_seen.add(ds["reprise"].get("threads"))
            for clf in CLASSIFIERS:
                sk = bench_sklearn(clf, ds["X_train"], ds["y_train"], ds["X_test"], ds["y_test"], args.repeats)
                notes += [f"{name}/{x}" for x in sk["notes"]]
                rp = rp_all.get(clf)
                sk_ms = 1e3 * (sk["fit_s"] + sk["predict_s"])
                rp_acc = rp_ms = delta = ratio = None
                if rp is not None:
                    rp_acc = rp.get("accuracy")
                    if rp.get("fit_s") is not None and rp.get("predict_s") is not None:
                        rp_ms = 1e3 * (rp["fit_s"] + rp["predict_s"])
                        ratio = rp_ms / sk_ms if sk_ms > 0 else None
                    if rp_acc is not None:
                        delta = 100.0 * abs(sk["accuracy"] - rp_acc)
                flags = []
                if delta is not None and delta > DELTA_FLAG_POINTS:
                    flags.append("Δ")
                if ratio is not None and ratio > RATIO_FLAG:
                    flags.append("slow")
                row = {
                    "set": name, "clf": clf, "shape": f"{n}×{d}",
                    "sk_acc": sk["accuracy"], "rp_acc": rp_acc, "delta": delta,
                    "sk_ms": sk_ms, "sk_fit_ms": 1e3 * sk["fit_s"], "sk_pred_ms": 1e3 * sk["predict_s"],
                    "rp_ms": rp_ms, "ratio": ratio, "flag": " ".join(flags),
                }
                rows.append(row)
                print(
                    f"  {clf:6s} sklearn acc {sk['accuracy']:.4f}  fit {row['sk_fit_ms']:.2f} ms  "
                    f"predict {row['sk_pred_ms']:.2f} ms   reprise acc {fmt(rp_acc, '.4f')}  "
                    f"ms {fmt(rp_ms, '.2f')}  {row['flag']}",
                    flush=True,
                )

    header = (
        "| feature set | classifier | n_train×d | sklearn acc | reprise acc | abs Δ (pts) "
        "| sklearn fit+predict ms | reprise fit+predict ms | reprise/sklearn | flag |\n"
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|\n"
    )
    body = "".join(
        f"| {r['set']} | {r['clf']} | {r['shape']} | {r['sk_acc']:.4f} | {fmt(r['rp_acc'], '.4f')} "
        f"| {fmt(r['delta'], '.1f')} | {r['sk_ms']:.2f} | {fmt(r['rp_ms'], '.2f')} | {fmt(r['ratio'], '.2f')} "
        f"| {('**' + r['flag'] + '**') if r['flag'] else ''} |\n"
        for r in rows
    )
    table = header + body
    n_flag = sum(1 for r in rows if r["flag"])
    legend = (
        f"Flags: Δ = |accuracy difference| > {DELTA_FLAG_POINTS:g} points; slow = reprise/sklearn time > "
        f"{RATIO_FLAG:g}. scikit-learn: Pipeline(StandardScaler(), clf), median of {args.repeats} runs after a "
        f"warm-up, 1 thread; rf accuracy = mean over random_state 0-{RF_SEEDS - 1}. {n_flag} of {len(rows)} rows flagged.\n"
    )
    print()
    print(table + "\n" + legend)
    if notes:
        print("Notes: " + "; ".join(notes))

    if args.markdown:
        stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
        rp_threads = ", ".join(str(t) for t in sorted(threads_seen, key=str)) if threads_seen else "—"
        with open(args.markdown, "a") as fh:
            fh.write(f"\n### Reprise vs scikit-learn classifiers ({stamp})\n\n")
            fh.write(
                f"`{shlex.join(sys.argv)}`  \n"
                + ", ".join(f"{k} {v}" for k, v in versions.items())
                + f"; {cpu} CPUs ({platform.machine()}), load {load}; thread pools: {pools}; "
                f"reprise threads: {rp_threads}\n\n"
            )
            fh.write(table + "\n" + legend)
            if notes:
                fh.write("\nNotes: " + "; ".join(notes) + "\n")
        print(f"appended to {args.markdown}")

    return 1 if (args.fail_on_flag and n_flag) else 0


if __name__ == "__main__":
    sys.exit(main())
