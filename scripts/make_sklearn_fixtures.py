#!/usr/bin/env python3
"""Generate scikit-learn reference fixtures for Reprise's classical classifiers.

How to run (from the repository root):

    python3 -m venv .venv
    .venv/bin/pip install -r scripts/requirements-peer.txt
    nice -n 10 .venv/bin/python scripts/make_sklearn_fixtures.py [--out fixtures/sklearn]

It needs the pinned environment in scripts/requirements-peer.txt
(scikit-learn==1.9.1 and the numpy/scipy/threadpoolctl/joblib versions listed
there). It prints the versions it runs with and aborts if scikit-learn is not
1.9.1 (numpy/scipy mismatches only print a warning).

Inputs: none. Every data set is synthesised here from numpy.random.default_rng
with fixed seeds (recipes are recorded in meta.json).

What it writes into fixtures/sklearn/ (71 .npy files + meta.json, about 90 KB):

  multi/    3 classes, X_train 90x6, X_test 30x6 (overlapping Gaussian blobs,
            features scaled by [1, 10, 0.1, 5, 1, 100] and shifted)
  binary/   2 classes, X_train 60x4, X_test 20x4 (same style)
            each with: the data, StandardScaler mean/scale and the scaled data,
            LogisticRegression() (C=1) and LogisticRegression(C=0.1) coef /
            intercept / predict_proba / predict (plus a tightly converged
            solution of the same objective), SVC() predictions, one-vs-one
            decision values, support indices, n_support, dual_coef, intercept,
            KNeighborsClassifier() predictions and neighbour indices, and the
            StratifiedKFold(n_splits=5) test-fold index of every training row
  ties/     a tiny integer-valued 2-D data set (18x2 train, 6x2 test) whose
            5-NN queries contain equal-distance neighbours and tied votes;
            KNeighborsClassifier(n_neighbors=5) predictions and neighbours
  imbalanced/  y_imbalanced (23 labels, class counts 11/7/5, shuffled) and
            its StratifiedKFold(n_splits=3) test folds
  meta.json versions, the exact scikit-learn calls with all resolved
            parameters (get_params()), shapes, dtypes and sha256 of each file,
            per-fit results (n_iter_, resolved gamma, RandomForest accuracies
            for seeds 0..9, objective values), layout conventions (OvO pair
            order, dual_coef layout, sign conventions) and the kNN tie
            behaviour observed on ties/.

Arrays are float64 except labels and indices (int64). All estimators run
single-threaded (OMP/OPENBLAS/MKL_NUM_THREADS=1 plus threadpoolctl).

Everything is deterministic; two runs in the same environment produce
byte-identical files (check with md5sum). Floating-point results can differ in
the last bits on another CPU or BLAS build. This script only *calls*
scikit-learn; no scikit-learn code is copied into Reprise.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import sys

# Single-threaded, deterministic numerics (and less load on a shared machine).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import platform  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.optimize  # noqa: E402
import sklearn  # noqa: E402
import threadpoolctl  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

REQUIRED_SKLEARN = "1.9.1"
EXPECTED = {"numpy": "2.4.6", "scipy": "1.17.1", "threadpoolctl": "3.8.0"}

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

# Data-set recipes --------------------------------------------------------------

BLOB_SETS = {
    "multi": {
        "seed": 20261121,
        "n_classes": 3,
        "n_train_per_class": 30,
        "n_test_per_class": 10,
        "scale": [1.0, 10.0, 0.1, 5.0, 1.0, 100.0],
        "shift": [3.0, -20.0, 0.5, 100.0, -1.0, 1000.0],
        "min_mean_separation": 1.5,
    },
    "binary": {
        "seed": 20261122,
        "n_classes": 2,
        "n_train_per_class": 30,
        "n_test_per_class": 10,
        "scale": [1.0, 10.0, 0.1, 100.0],
        "shift": [3.0, -20.0, 0.5, 1000.0],
        "min_mean_separation": 1.5,
    },
}
BLOB_RECIPE = (
    "rng = numpy.random.default_rng(seed); mu = rng.standard_normal((n_classes, d)); "
    "mu *= min_mean_separation / min_{a<b} ||mu_a - mu_b||_2 (so the closest pair of class means is exactly "
    "min_mean_separation within-class standard deviations apart); "
    "for split in (train, test): y = rng.permutation(repeat(arange(n_classes), n_per_class)) (int64); "
    "Z = mu[y] + rng.standard_normal((n, d)); X = Z * scale + shift (float64). "
    "The train split is drawn before the test split."
)

IMBALANCED = {"seed": 7, "counts": [11, 7, 5], "n_splits": 3}

# ties/: three clusters of six integer points, 1000 apart so that every 5-NN
# query only sees its own cluster (leaf_size=30 > 18, so the KD-tree is one leaf).
TIES_CLUSTERS = [
    # cluster A at (0, 0): the 5th/6th neighbours of (0,0) and (-1,-1) are equidistant,
    # the lower-index one is class 1, the higher-index one class 0.
    ((0, 0), [((1, 0), 0), ((-1, 0), 1), ((0, 2), 0), ((0, -2), 1), ((3, 0), 1), ((0, 3), 0)]),
    # cluster B at (1000, 0): mirror image of A (lower-index candidate is class 0).
    ((1000, 0), [((1, 0), 1), ((-1, 0), 0), ((0, 2), 1), ((0, -2), 0), ((3, 0), 0), ((0, 3), 1)]),
    # cluster C at (0, 1000): two points per class, so every 5-NN vote is 2-2-1.
    ((0, 1000), [((1, 0), 2), ((0, 2), 1), ((-3, 0), 2), ((0, -4), 1), ((5, 0), 0), ((0, 6), 0)]),
]
TIES_QUERIES = [
    ((0, 0), "A: 5th-neighbour distance tie (d^2=9) between train 4 (class 1) and train 5 (class 0); "
             "the other four neighbours are 2 x class 0 and 2 x class 1, so the tie decides the vote (3-2)"),
    ((1000, 0), "B: same geometry, train 10 (class 0) vs train 11 (class 1) for 5th place"),
    ((0, 1000), "C: all distances distinct; votes 2 (class 2, incl. the nearest) - 2 (class 1) - 1 (class 0)"),
    ((3, 1002), "C: vote tie 2-2-1 between classes 0 and 2; the nearest neighbours (d^2=8, 8) are class 2 and "
                "class 0, the third (d^2=9) class 1"),
    ((1, 1001), "C: 5th-neighbour distance tie (d^2=26) between train 15 (class 1) and train 17 (class 0); "
                "taking train 15 gives a 2-2-1 vote tie of classes 1 and 2, taking train 17 a tie of 0 and 2"),
    ((-1, -1), "A: 5th-neighbour distance tie (d^2=17) between train 4 (class 1) and train 5 (class 0), "
               "inner four neighbours at distinct distances"),
]


# Helpers -----------------------------------------------------------------------


def jsonable(v):
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return jsonable(v.tolist())
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return float(v)
    if v is None or isinstance(v, (int, str)):
        return v
    return repr(v)


def params_of(est) -> dict:
    if isinstance(est, StratifiedKFold):  # not an estimator: no get_params()
        return {"n_splits": est.n_splits, "shuffle": est.shuffle, "random_state": jsonable(est.random_state)}
    return jsonable(est.get_params(deep=False))


class Fixtures:
    def __init__(self, out_dir: str):
        self.out_dir = out_dir
        self.files: dict[str, dict] = {}

    def save(self, rel: str, arr, note: str | None = None) -> np.ndarray:
        arr = np.ascontiguousarray(np.asarray(arr))
        if arr.dtype.kind == "f":
            arr = arr.astype(np.float64, copy=False)
        elif arr.dtype.kind in "iu":
            arr = arr.astype(np.int64, copy=False)
        else:
            raise TypeError(f"{rel}: unexpected dtype {arr.dtype}")
        path = os.path.join(self.out_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        np.save(path, arr, allow_pickle=False)
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        entry = {"dtype": str(arr.dtype), "shape": list(arr.shape), "sha256": digest}
        if note:
            entry["note"] = note
        self.files[rel] = entry
        return arr


@contextlib.contextmanager
def capture_lbfgs(log: list):
    """Record what sklearn's lbfgs path passes to / gets from scipy.optimize.minimize."""
    orig = scipy.optimize.minimize

    def wrapped(fun, x0, *args, **kwargs):
        res = orig(fun, x0, *args, **kwargs)
        log.append(
            {
                "method": kwargs.get("method"),
                "options": jsonable(kwargs.get("options", {})),
                "n_params": int(np.size(x0)),
                "status": int(res.status),
                "message": str(res.message),
                "nit": int(res.nit),
                "nfev": int(res.nfev),
                "fun": float(res.fun),
            }
        )
        return res

    scipy.optimize.minimize = wrapped
    try:
        yield
    finally:
        scipy.optimize.minimize = orig


def logreg_objective(X, y, coef, intercept, C, n_classes):
    """Objective sklearn 1.9 minimises (see meta.json logreg.objective) and its gradient's max-abs."""
    n = X.shape[0]
    if n_classes == 2:
        w = coef[0]
        z = X @ w + intercept[0]
        t = (y == 1).astype(np.float64)
        loss = np.mean(np.logaddexp(0.0, z) - t * z) + 0.5 / (C * n) * (w @ w)
        p = 1.0 / (1.0 + np.exp(-z))
        g_w = X.T @ (p - t) / n + w / (C * n)
        g_b = np.sum(p - t) / n
        gmax = max(np.max(np.abs(g_w)), abs(g_b))
    else:
        Z = X @ coef.T + intercept
        zmax = Z.max(axis=1, keepdims=True)
        lse = (zmax + np.log(np.exp(Z - zmax).sum(axis=1, keepdims=True)))[:, 0]
        loss = np.mean(lse - Z[np.arange(n), y]) + 0.5 / (C * n) * np.sum(coef * coef)
        P = np.exp(Z - lse[:, None])
        Y = np.zeros_like(P)
        Y[np.arange(n), y] = 1.0
        g_w = (P - Y).T @ X / n + coef / (C * n)
        g_b = (P - Y).sum(axis=0) / n
        gmax = max(np.max(np.abs(g_w)), np.max(np.abs(g_b)))
    return float(loss), float(gmax)


def make_blobs(spec: dict):
    rng = np.random.default_rng(spec["seed"])
    k = spec["n_classes"]
    scale = np.asarray(spec["scale"], dtype=np.float64)
    shift = np.asarray(spec["shift"], dtype=np.float64)
    d = scale.size
    mu = rng.standard_normal((k, d))
    sep = min(np.linalg.norm(mu[a] - mu[b]) for a in range(k) for b in range(a + 1, k))
    mu *= spec["min_mean_separation"] / sep
    out = []
    for n_per in (spec["n_train_per_class"], spec["n_test_per_class"]):
        y = rng.permutation(np.repeat(np.arange(k, dtype=np.int64), n_per))
        Z = mu[y] + rng.standard_normal((y.size, d))
        out.append((Z * scale + shift, y))
    pair_d = {f"{a}-{b}": float(np.linalg.norm(mu[a] - mu[b])) for a in range(k) for b in range(a + 1, k)}
    return out[0], out[1], pair_d


def skf_test_fold(y, n_splits) -> tuple[np.ndarray, StratifiedKFold]:
    skf = StratifiedKFold(n_splits=n_splits, shuffle=False)
    fold = np.full(len(y), -1, dtype=np.int64)
    for k, (_, test) in enumerate(skf.split(np.zeros((len(y), 1)), y)):
        assert np.all(fold[test] == -1)
        fold[test] = k
    assert np.all(fold >= 0)
    return fold, skf


def svc_reconstruct(svc: SVC, Xtr, Xte, gamma):
    """Rebuild the OvO decision values from support_/dual_coef_/intercept_ (layout check)."""
    sv = Xtr[svc.support_]
    K = np.exp(-gamma * ((Xte[:, None, :] - sv[None, :, :]) ** 2).sum(-1))
    nsv = svc.n_support_
    start = np.concatenate([[0], np.cumsum(nsv)])
    k = len(svc.classes_)
    if k == 2:
        return K @ svc.dual_coef_[0] + svc.intercept_[0]
    cols = []
    p = 0
    for i in range(k):
        for j in range(i + 1, k):
            si = slice(start[i], start[i + 1])
            sj = slice(start[j], start[j + 1])
            dec = K[:, si] @ svc.dual_coef_[j - 1, si] + K[:, sj] @ svc.dual_coef_[i, sj] + svc.intercept_[p]
            cols.append(dec)
            p += 1
    return np.stack(cols, axis=1)


def knn_vote_ties(y_train, neigh, n_classes):
    rows = []
    for r, idx in enumerate(neigh):
        counts = np.bincount(y_train[idx], minlength=n_classes)
        tied = np.flatnonzero(counts == counts.max())
        if tied.size > 1:
            rows.append({"test_row": r, "votes": counts.tolist(), "tied_classes": tied.tolist()})
    return rows


# Per-data-set fixtures ---------------------------------------------------------


def blob_fixtures(fx: Fixtures, name: str, spec: dict) -> dict:
    (Xtr, ytr), (Xte, yte), pair_d = make_blobs(spec)
    k = spec["n_classes"]
    meta: dict = {
        "recipe": {**spec, "procedure": BLOB_RECIPE, "class_mean_distances_std_units": pair_d},
        "calls": {},
        "results": {},
    }
    calls, res = meta["calls"], meta["results"]
    fx.save(f"{name}/X_train.npy", Xtr)
    fx.save(f"{name}/y_train.npy", ytr)
    fx.save(f"{name}/X_test.npy", Xte)
    fx.save(f"{name}/y_test.npy", yte)

    # StandardScaler
    sc = StandardScaler().fit(Xtr)
    Xs_tr, Xs_te = sc.transform(Xtr), sc.transform(Xte)
    fx.save(f"{name}/scaler_mean.npy", sc.mean_)
    fx.save(f"{name}/scaler_scale.npy", sc.scale_, note="population std (ddof=0); a zero std would be replaced by 1.0")
    fx.save(f"{name}/Xs_train.npy", Xs_tr)
    fx.save(f"{name}/Xs_test.npy", Xs_te)
    calls["scaler"] = {
        "call": "sc = StandardScaler().fit(X_train); Xs_train = sc.transform(X_train); Xs_test = sc.transform(X_test)",
        "params": params_of(sc),
        "files": ["scaler_mean.npy (sc.mean_)", "scaler_scale.npy (sc.scale_)", "Xs_train.npy", "Xs_test.npy"],
    }

    # LogisticRegression, C=1 and C=0.1, plus a tightly converged reference
    for prefix, C in (("logreg", 1.0), ("logreg_c01", 0.1)):
        log: list = []
        lr = LogisticRegression(C=C) if C != 1.0 else LogisticRegression()
        with capture_lbfgs(log):
            lr.fit(Xs_tr, ytr)
        fx.save(f"{name}/{prefix}_coef.npy", lr.coef_)
        fx.save(f"{name}/{prefix}_intercept.npy", lr.intercept_)
        proba = fx.save(f"{name}/{prefix}_proba.npy", lr.predict_proba(Xs_te))
        pred = fx.save(f"{name}/{prefix}_pred.npy", lr.predict(Xs_te))
        obj, gmax = logreg_objective(Xs_tr, ytr, lr.coef_, lr.intercept_, C, k)

        tlog: list = []
        tight = LogisticRegression(C=C, tol=1e-12, max_iter=10000)
        with capture_lbfgs(tlog), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tight.fit(Xs_tr, ytr)
        fx.save(f"{name}/{prefix}_tight_coef.npy", tight.coef_)
        fx.save(f"{name}/{prefix}_tight_intercept.npy", tight.intercept_)
        tobj, tgmax = logreg_objective(Xs_tr, ytr, tight.coef_, tight.intercept_, C, k)

        ctor = "LogisticRegression()" if C == 1.0 else f"LogisticRegression(C={C})"
        calls[prefix] = {
            "call": f"lr = {ctor}.fit(Xs_train, y_train); lr.predict_proba(Xs_test); lr.predict(Xs_test)",
            "params": params_of(lr),
            "files": [f"{prefix}_coef.npy (lr.coef_)", f"{prefix}_intercept.npy (lr.intercept_)",
                      f"{prefix}_proba.npy", f"{prefix}_pred.npy"],
            "scipy_minimize": log,
            "tight_reference": {
                "call": f"LogisticRegression(C={C}, tol=1e-12, max_iter=10000).fit(Xs_train, y_train)",
                "files": [f"{prefix}_tight_coef.npy", f"{prefix}_tight_intercept.npy"],
                "scipy_minimize": tlog,
                "note": "same objective, converged as far as L-BFGS-B's ftol=64*eps allows; "
                        "compare a port's optimum to this with a tight tolerance",
            },
        }
        res[prefix] = {
            "n_iter": int(lr.n_iter_[0]),
            "objective": obj,
            "grad_max_abs": gmax,
            "objective_minus_scipy_fun": obj - log[-1]["fun"],
            "tight_objective": tobj,
            "tight_grad_max_abs": tgmax,
            "tight_n_iter": int(tight.n_iter_[0]),
            "max_abs_coef_diff_default_vs_tight": float(np.max(np.abs(lr.coef_ - tight.coef_))),
            "max_abs_proba_diff_default_vs_tight": float(np.max(np.abs(proba - tight.predict_proba(Xs_te)))),
            "sum_intercept": float(np.sum(lr.intercept_)),
            "sum_coef_over_classes_max_abs": float(np.max(np.abs(lr.coef_.sum(axis=0)))) if k > 2 else None,
            "test_accuracy": float(np.mean(pred == yte)),
        }

    # SVC
    svc = SVC().fit(Xs_tr, ytr)
    svc_ovo = SVC(decision_function_shape="ovo").fit(Xs_tr, ytr)
    gamma = float(svc._gamma)
    gamma_formula = 1.0 / (Xs_tr.shape[1] * Xs_tr.var())
    spred = fx.save(f"{name}/svc_pred.npy", svc.predict(Xs_te))
    dec_ovo = fx.save(f"{name}/svc_decision_ovo.npy", svc_ovo.decision_function(Xs_te))
    if k > 2:
        fx.save(f"{name}/svc_decision_ovr.npy", svc.decision_function(Xs_te),
                note="default decision_function_shape='ovr': votes + sum_of_confidences/(3*(|sum|+1))")
    fx.save(f"{name}/svc_support.npy", svc.support_)
    fx.save(f"{name}/svc_n_support.npy", svc.n_support_)
    fx.save(f"{name}/svc_dual_coef.npy", svc.dual_coef_)
    fx.save(f"{name}/svc_intercept.npy", svc.intercept_)
    recon = svc_reconstruct(svc, Xs_tr, Xs_te, gamma)
    assert np.array_equal(svc.support_, svc_ovo.support_)
    ovo_vote_ties = []
    if k > 2:
        votes = np.zeros((Xs_te.shape[0], k), dtype=np.int64)
        p = 0
        for i in range(k):
            for j in range(i + 1, k):
                votes[dec_ovo[:, p] > 0, i] += 1
                votes[dec_ovo[:, p] <= 0, j] += 1
                p += 1
        for r in range(votes.shape[0]):
            if np.sum(votes[r] == votes[r].max()) > 1:
                ovo_vote_ties.append({"test_row": r, "votes": votes[r].tolist(), "pred": int(spred[r])})
    calls["svc"] = {
        "call": "svc = SVC().fit(Xs_train, y_train); svc.predict(Xs_test); "
                "SVC(decision_function_shape='ovo').fit(Xs_train, y_train).decision_function(Xs_test)",
        "params": params_of(svc),
        "files": ["svc_pred.npy", "svc_decision_ovo.npy", "svc_support.npy (support_)",
                  "svc_n_support.npy (n_support_)", "svc_dual_coef.npy (dual_coef_)", "svc_intercept.npy (intercept_)"]
        + (["svc_decision_ovr.npy"] if k > 2 else []),
    }
    res["svc"] = {
        "gamma": gamma,
        "gamma_formula": "gamma='scale' -> 1 / (n_features * Xs_train.var()) (variance over all entries, ddof=0)",
        "gamma_recomputed": float(gamma_formula),
        "Xs_train_var": float(Xs_tr.var()),
        "n_iter_per_pair": jsonable(svc.n_iter_),
        "fit_status": int(svc.fit_status_),
        "n_support": svc.n_support_.tolist(),
        "ovo_pair_order": [[i, j] for i in range(k) for j in range(i + 1, k)],
        "decision_reconstruction_max_abs_err": float(np.max(np.abs(recon - dec_ovo))),
        "ovo_vote_ties": ovo_vote_ties,
        "test_accuracy": float(np.mean(spred == yte)),
    }

    # KNeighborsClassifier
    knn = KNeighborsClassifier().fit(Xs_tr, ytr)
    kpred = fx.save(f"{name}/knn_pred.npy", knn.predict(Xs_te))
    kdist, kind = knn.kneighbors(Xs_te)
    fx.save(f"{name}/knn_neighbors.npy", kind, note="kneighbors(Xs_test) indices, nearest first")
    fx.save(f"{name}/knn_distances.npy", kdist)
    calls["knn"] = {
        "call": "knn = KNeighborsClassifier().fit(Xs_train, y_train); knn.predict(Xs_test); knn.kneighbors(Xs_test)",
        "params": params_of(knn),
        "resolved": {"_fit_method": knn._fit_method, "effective_metric_": knn.effective_metric_,
                     "effective_metric_params_": jsonable(knn.effective_metric_params_)},
        "files": ["knn_pred.npy", "knn_neighbors.npy", "knn_distances.npy"],
    }
    res["knn"] = {
        "vote_ties": knn_vote_ties(ytr, kind, k),
        "min_gap_between_5th_and_6th_neighbour": float(
            np.min(np.diff(np.sort(((Xs_te[:, None, :] - Xs_tr[None]) ** 2).sum(-1) ** 0.5, axis=1)[:, 4:6], axis=1))
        ),
        "test_accuracy": float(np.mean(kpred == yte)),
    }

    # RandomForestClassifier: accuracies only
    accs = []
    for seed in range(10):
        rf = RandomForestClassifier(n_estimators=10, random_state=seed).fit(Xs_tr, ytr)
        accs.append(float(np.mean(rf.predict(Xs_te) == yte)))
    calls["rf"] = {
        "call": "RandomForestClassifier(n_estimators=10, random_state=seed).fit(Xs_train, y_train).predict(Xs_test), "
                "seed = 0..9",
        "params": params_of(RandomForestClassifier(n_estimators=10, random_state=0)),
    }
    res["rf"] = {"accuracy_by_seed": accs, "accuracy_mean": float(np.mean(accs)),
                 "accuracy_min": float(np.min(accs)), "accuracy_max": float(np.max(accs))}

    # StratifiedKFold
    fold, skf = skf_test_fold(ytr, 5)
    fx.save(f"{name}/skf_test_fold.npy", fold)
    calls["skf"] = {
        "call": "for f, (train, test) in enumerate(StratifiedKFold(n_splits=5, shuffle=False).split(X_train, y_train)): "
                "skf_test_fold[test] = f",
        "params": params_of(skf),
    }
    res["skf"] = {"fold_sizes": np.bincount(fold).tolist()}
    return meta


def ties_fixtures(fx: Fixtures) -> dict:
    X, y = [], []
    for (ox, oy), pts in TIES_CLUSTERS:
        for (px, py), lab in pts:
            X.append((ox + px, oy + py))
            y.append(lab)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    Q = np.asarray([q for q, _ in TIES_QUERIES], dtype=np.float64)
    fx.save("ties/X_train.npy", X)
    fx.save("ties/y_train.npy", y)
    fx.save("ties/X_test.npy", Q)

    knn = KNeighborsClassifier(n_neighbors=5).fit(X, y)
    pred = fx.save("ties/knn_pred.npy", knn.predict(Q))
    dist, ind = knn.kneighbors(Q)
    fx.save("ties/knn_neighbors.npy", ind, note="kneighbors(X_test) indices as returned (default algorithm)")
    fx.save("ties/knn_distances.npy", dist)
    brute = KNeighborsClassifier(n_neighbors=5, algorithm="brute").fit(X, y)
    pred_b = fx.save("ties/knn_pred_brute.npy", brute.predict(Q))
    _, ind_b = brute.kneighbors(Q)
    fx.save("ties/knn_neighbors_brute.npy", ind_b)

    # What happened, row by row
    rows = []
    lower_index_rule = True
    lowest_class_rule = True
    for r, (q, what) in enumerate(TIES_QUERIES):
        d2 = ((X - Q[r]) ** 2).sum(axis=1)  # exact: small integers
        order = np.lexsort((np.arange(len(y)), d2))
        kth = d2[order[4]]
        boundary = sorted(np.flatnonzero(d2 == kth).tolist())
        inner = sorted(np.flatnonzero(d2 < kth).tolist())
        chosen = sorted(set(ind[r].tolist()) - set(inner))
        chosen_b = sorted(set(ind_b[r].tolist()) - set(inner))
        expect = inner + boundary[: 5 - len(inner)]
        if sorted(ind[r].tolist()) != sorted(expect) or sorted(ind_b[r].tolist()) != sorted(expect):
            lower_index_rule = False
        counts = np.bincount(y[ind[r]], minlength=3)
        tied = np.flatnonzero(counts == counts.max()).tolist()
        if int(pred[r]) != tied[0] or int(pred_b[r]) != tied[0]:
            lowest_class_rule = False
        rows.append(
            {
                "test_row": r,
                "query": list(q),
                "design": what,
                "squared_distance_of_5th": float(kth),
                "candidates_at_5th_distance": boundary if len(boundary) > 5 - len(inner) else [],
                "taken_at_boundary_kd_tree": chosen if len(boundary) > 5 - len(inner) else [],
                "taken_at_boundary_brute": chosen_b if len(boundary) > 5 - len(inner) else [],
                "votes_per_class": counts.tolist(),
                "vote_tie_between": tied if len(tied) > 1 else [],
                "nearest_neighbour_class": int(y[order[0]]),
                "pred": int(pred[r]),
                "pred_brute": int(pred_b[r]),
            }
        )
    assert lower_index_rule, "ties: neighbour distance ties were not resolved towards the lower train index"
    assert lowest_class_rule, "ties: vote ties were not resolved towards the smallest class label"
    return {
        "recipe": {
            "clusters": [{"offset": list(o), "points": [[list(p), lab] for p, lab in pts]} for o, pts in TIES_CLUSTERS],
            "train_order": "cluster A points (train 0-5), then B (6-11), then C (12-17), in the listed order",
            "note": "raw integer-valued coordinates, no scaling",
        },
        "calls": {
            "knn": {
                "call": "knn = KNeighborsClassifier(n_neighbors=5).fit(X_train, y_train); knn.predict(X_test); "
                        "knn.kneighbors(X_test)",
                "params": params_of(knn),
                "resolved": {"_fit_method": knn._fit_method, "effective_metric_": knn.effective_metric_},
                "files": ["knn_pred.npy", "knn_neighbors.npy", "knn_distances.npy"],
            },
            "knn_brute": {
                "call": "KNeighborsClassifier(n_neighbors=5, algorithm='brute').fit(X_train, y_train)",
                "params": params_of(brute),
                "files": ["knn_pred_brute.npy", "knn_neighbors_brute.npy"],
            },
        },
        "rows": rows,
        "tie_rows": {
            "distance_tie_at_5th_neighbour": [r["test_row"] for r in rows if r["candidates_at_5th_distance"]],
            "vote_tie": [r["test_row"] for r in rows if r["vote_tie_between"]],
        },
        "observed_rules": {
            "distance_tie_at_k": "Among training points at the same distance as the k-th neighbour, the one(s) with "
                                 "the LOWER training index are taken (both the default KD-tree, here a single leaf "
                                 "since n_train <= leaf_size=30, and brute force). Both scan candidates in index "
                                 "order and a max-heap keeps an earlier candidate when a later one is not strictly "
                                 "closer. In a KD-tree with several leaves the scan order follows the tree, so "
                                 "'lower index wins' is what these fixtures show, not a guarantee of scikit-learn.",
            "order_within_kneighbors": "Equal-distance neighbours inside the k are not returned in index order "
                                       "(KD-tree and brute differ, see knn_neighbors*.npy); compare neighbour SETS "
                                       "or sort by (distance, index) before comparing.",
            "vote_tie": "Uniform-weight vote ties go to the SMALLEST class label (index into classes_), not to the "
                        "class of the nearest neighbour: scipy.stats.mode returns the smallest mode (kd_tree path, "
                        "sklearn/neighbors/_classification.py:302) and argmax returns the first maximum (brute "
                        "path via predict_proba, :275).",
        },
    }


def imbalanced_fixtures(fx: Fixtures) -> dict:
    rng = np.random.default_rng(IMBALANCED["seed"])
    base = np.repeat(np.arange(3, dtype=np.int64), IMBALANCED["counts"])
    y = rng.permutation(base)
    tries = 1
    # Make the first-appearance order of classes differ from sorted order, because
    # StratifiedKFold encodes classes by order of first appearance.
    while list(dict.fromkeys(y.tolist())) == [0, 1, 2]:
        y = rng.permutation(base)
        tries += 1
    fold, skf = skf_test_fold(y, IMBALANCED["n_splits"])
    # What a port that encoded classes in SORTED label order (instead of order of
    # first appearance) would produce, to show that this fixture tells them apart.
    n_splits = IMBALANCED["n_splits"]
    alloc = np.stack([np.bincount(np.sort(y)[f::n_splits], minlength=3) for f in range(n_splits)])
    alt = np.empty_like(y)
    for c in range(3):
        alt[y == c] = np.repeat(np.arange(n_splits), alloc[:, c])
    fx.save("imbalanced/y_imbalanced.npy", y)
    fx.save("imbalanced/skf_imbalanced_test_fold.npy", fold)
    per_class = {str(c): np.bincount(fold[y == c], minlength=IMBALANCED["n_splits"]).tolist() for c in range(3)}
    return {
        "recipe": {
            **IMBALANCED,
            "procedure": "rng = numpy.random.default_rng(7); base = repeat([0,1,2], [11,7,5]); y = rng.permutation(base), "
                         "repeated while the classes first appear in the order 0,1,2",
            "permutations_drawn": tries,
            "class_first_appearance_order": list(dict.fromkeys(y.tolist())),
        },
        "calls": {
            "skf": {
                "call": "for f, (train, test) in enumerate(StratifiedKFold(n_splits=3, shuffle=False)"
                        ".split(zeros((23, 1)), y_imbalanced)): skf_imbalanced_test_fold[test] = f",
                "params": params_of(skf),
            }
        },
        "results": {
            "fold_sizes": np.bincount(fold).tolist(),
            "test_count_per_class_per_fold": per_class,
            "differs_from_sorted_label_encoding": bool(np.any(alt != fold)),
            "sorted_label_encoding_would_give": alt.tolist(),
        },
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "fixtures", "sklearn"))
    args = ap.parse_args()
    out_dir = os.path.normpath(args.out)

    versions = {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "threadpoolctl": threadpoolctl.__version__,
    }
    print("  ".join(f"{k} {v}" for k, v in versions.items()))
    if sklearn.__version__ != REQUIRED_SKLEARN:
        print(
            f"ERROR: scikit-learn {REQUIRED_SKLEARN} is required (found {sklearn.__version__}); "
            "install scripts/requirements-peer.txt",
            file=sys.stderr,
        )
        return 1
    for mod, want in EXPECTED.items():
        if versions[mod] != want:
            print(f"WARNING: {mod} {versions[mod]} differs from the pinned {want}; results may differ in the last bits",
                  file=sys.stderr)

    fx = Fixtures(out_dir)
    meta: dict = {
        "generator": "scripts/make_sklearn_fixtures.py",
        "versions": {k: v for k, v in versions.items() if k != "python"},
        "threads": "OMP/OPENBLAS/MKL_NUM_THREADS=1 and threadpoolctl.threadpool_limits(1)",
        "conventions": {
            "dtypes": "features, coefficients, probabilities, decision values: float64; labels, indices, counts: int64",
            "classes": "labels are 0..n_classes-1, so classes_ == arange(n_classes) and predictions are label ids",
            "logreg": {
                "objective": "minimises (1/n) * sum_i loss_i + (1/(2*C*n)) * ||W||_F^2 (n = n_samples, no sample "
                             "weights; intercepts not penalised). sklearn/linear_model/_logistic.py:474 (sw_sum = "
                             "n_samples), :580 (l2_reg_strength = 1/(C*sw_sum)); _linear_loss.py:283-287/348-350 "
                             "(mean loss + 0.5*l2_reg_strength*||w||^2).",
                "binary": "ONE coefficient vector (coef_ shape (1, d), intercept_ shape (1,)), HalfBinomialLoss with "
                          "y in {0,1} where classes_[1] is positive: loss_i = log(1+exp(z_i)) - y_i*z_i, "
                          "z = X@w + b; predict_proba = [1-expit(z), expit(z)] (_logistic.py:438-449 and "
                          ":1546-1553 for the coef_/intercept_ split; linear_model/_base.py:436-440).",
                "multiclass": "multinomial (softmax) with K full coefficient rows (over-parameterised; the L2 term "
                              "makes sum_k W_k = 0 at the optimum, and because lbfgs starts at 0 the intercepts keep "
                              "summing to ~0): loss_i = logsumexp(z_i) - z_i[y_i]; predict_proba = softmax(X@W.T+b) "
                              "(_logistic.py:523-540, :1598-1603). The flat parameter vector given to L-BFGS-B is "
                              "W.ravel(order='F') with intercepts last column (i.e. class index varies fastest).",
                "lbfgs": "scipy.optimize.minimize(method='L-BFGS-B', jac=True, options={maxiter: max_iter=100, "
                         "maxls: 50, gtol: tol=1e-4, ftol: 64*finfo(float).eps}) (_logistic.py:584-597); maxcor "
                         "(history m) is scipy's default 10 (scipy/optimize/_lbfgsb_py.py:295), maxfun 15000. "
                         "Stops when max_i |g_i| <= gtol (status 0, 'NORM OF PROJECTED GRADIENT <= PGTOL') or "
                         "(f_k - f_k+1)/max(|f_k|, |f_k+1|, 1) <= ftol ('RELATIVE REDUCTION OF F') "
                         "(scipy/optimize/_lbfgsb_py.py:319-325). "
                         "n_iter_ = min(nit, max_iter) (sklearn/utils/optimize.py:432). The exact options and scipy's stop message per fit are "
                         "under calls.*.scipy_minimize.",
            },
            "svc": {
                "defaults": "C=1.0, kernel='rbf', gamma='scale', tol=1e-3, cache_size=200 (MB), shrinking=True, "
                            "max_iter=-1, break_ties=False (sklearn/svm/_classes.py:876-893)",
                "ovo_pair_order": "(0,1), (0,2), ..., (0,K-1), (1,2), ..., (K-2,K-1): the column order of "
                                  "decision_function with decision_function_shape='ovo'. For K>2, a positive value "
                                  "votes for the FIRST class i of pair (i,j); <= 0 votes for j (libsvm svm.cpp:2887).",
                "binary_sign": "for K=2 sklearn negates libsvm's dual_coef_, intercept_ and decision function, so "
                               "decision > 0 means classes_[1] (svm/_base.py:295-302, :580-582). svc_decision_ovo is "
                               "then a 1-D array.",
                "support_order": "support_ is grouped by class (class 0's support vectors first), ascending training "
                                 "index within a class; n_support_[c] = count for class c.",
                "dual_coef_layout": "dual_coef_ has shape (K-1, n_SV). For pair (i,j) the coefficient of a support "
                                    "vector s of class i is dual_coef_[j-1, s] and of class j is dual_coef_[i, s]; "
                                    "decision_(i,j)(x) = sum_s coef * exp(-gamma*||x - sv_s||^2) + intercept_[p] with p "
                                    "the pair's position in ovo_pair_order. results.svc.decision_reconstruction_max_abs_"
                                    "err checks this.",
                "predict": "libsvm OvO voting; vote ties go to the lowest class index (svm.cpp:2894-2897). "
                           "decision_function_shape does not affect predict when break_ties=False.",
                "ovr_shape": "decision_function_shape='ovr' (default) = votes + s/(3*(|s|+1)), s = summed signed "
                             "OvO confidences (sklearn/utils/multiclass.py:557-599).",
            },
            "knn": "KNeighborsClassifier(): n_neighbors=5, weights='uniform', algorithm='auto' (-> 'kd_tree' for "
                   "d <= 15 and n_neighbors < n_train//2; 'brute' otherwise; sklearn/neighbors/_base.py:615-641), "
                   "leaf_size=30, metric='minkowski', p=2 (euclidean). See datasets.ties.observed_rules.",
            "rf": "RandomForestClassifier(n_estimators=10, random_state=seed): RNG cannot be matched; only accuracies "
                  "are given, for seeds 0..9.",
            "skf": "StratifiedKFold(shuffle=False) (sklearn/model_selection/_split.py:774-842): classes are encoded by "
                   "ORDER OF FIRST APPEARANCE in y; per-fold class allocation = bincount of sorted(encoded y)[f::n_splits] "
                   "for f in 0..n_splits-1; then for each class the fold ids arange(n_splits).repeat(allocation[:,k]) "
                   "are assigned to that class's samples in data order. skf_test_fold[i] = the fold whose test set "
                   "holds sample i.",
        },
        "datasets": {},
        "files": {},
    }

    with threadpoolctl.threadpool_limits(limits=1):
        for name, spec in BLOB_SETS.items():
            meta["datasets"][name] = blob_fixtures(fx, name, spec)
            r = meta["datasets"][name]["results"]
            print(
                f"{name}: logreg n_iter={r['logreg']['n_iter']} acc={r['logreg']['test_accuracy']:.3f}  "
                f"svc acc={r['svc']['test_accuracy']:.3f} gamma={r['svc']['gamma']:.6f}  "
                f"knn acc={r['knn']['test_accuracy']:.3f}  rf mean acc={r['rf']['accuracy_mean']:.3f}"
            )
        meta["datasets"]["ties"] = ties_fixtures(fx)
        print("ties: pred", [r["pred"] for r in meta["datasets"]["ties"]["rows"]])
        meta["datasets"]["imbalanced"] = imbalanced_fixtures(fx)

    meta["files"] = dict(sorted(fx.files.items()))
    with open(os.path.join(out_dir, "meta.json"), "w") as fh:
        json.dump(meta, fh, indent=1)
        fh.write("\n")
    total = sum(os.path.getsize(os.path.join(out_dir, f)) for f in fx.files) + os.path.getsize(
        os.path.join(out_dir, "meta.json"))
    print(f"wrote {len(fx.files)} .npy files + meta.json to {out_dir} ({total / 1024:.1f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
