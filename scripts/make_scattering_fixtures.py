#!/usr/bin/env python3
"""Generate kymatio 0.3.0 Scattering1D (NumPy frontend) reference fixtures for Reprise.

How to run (from the repository root):

    python3 -m venv .venv
    .venv/bin/pip install -r scripts/requirements-peer.txt
    nice -n 10 .venv/bin/python scripts/make_scattering_fixtures.py [--out fixtures/kymatio]

It needs the pinned environment in scripts/requirements-peer.txt (kymatio==0.3.0
with the exact numpy/scipy listed there). It prints the versions it runs with and
aborts if kymatio is not 0.3.0. kymatio 0.3.0 imports scipy.special.sph_harm
(3-D scattering only), which SciPy 1.17 removed; the script aliases it to
sph_harm_y before importing kymatio. The 1-D code never calls it.

Inputs: synthesised here, seeded, float64 (the formula of
/work/shared/fixtures/jtfs/make_jtfs_fixture.py: a six-harmonic tone gliding up
half an octave from 220 Hz under a Hann^0.25 envelope, plus a 880 Hz tone gated on
and off at 6 Hz, plus white noise at 0.05; sr = 22050 only scales the frequencies).
Seeds: a=1, b=2 (so x_a, x_b equal the JTFS fixture's x_a, x_b), c=3, d=4, e=5, f=6.

Configurations (Scattering1D(J, shape=N, Q, T, max_order, oversampling, out_type)):
  a  J=6, Q=(8,1),  N=4096, T=None (=2**J), max_order=2
  b  J=8, Q=(12,1), N=8192, T=None, max_order=2
  c  J=5, Q=1,      N=3000 (not a power of two), T=None, max_order=2
  d  J=6, Q=(8,2),  N=4096, T=16, oversampling=1, max_order=2
  e  J=6, Q=(4,1),  N=4096, T=None, max_order=1
  f  J=5, Q=(2,1),  N=512, T=0 (no averaging), out_type='list', max_order=2
     (N=512 is small enough that the J_pad cap floor(log2(3N-2)) is the binding limit)

What it writes into fixtures/kymatio/ (C-order .npy files, one array each, plus
manifest.json; the same convention as fixtures/librosa and fixtures/librosa_cqt,
read in Rust with ndarray_npy::read_npy):
  x_<c>.npy                 input, float64, shape (N,)
  x_<c>_f32.npy             the same input cast to float32 (x.astype(np.float32))
  scattering_<c>.npy        S(x_<c>) with out_type='array': (channels, frames), float64
                            (kymatio's NumPy path computes in float64 for float64 input).
                            Exception: scattering_d.npy is stored as float32 (rounded from
                            the float64 result) to keep the folder small; it is 250 x 512.
  meta_<c>_<field>.npy      S.meta()[field] for field in order, xi, sigma, j, n; float64,
                            order has shape (C,), the others (C, max_order), NaN-padded as
                            kymatio returns them. The ragged 'key' field is not stored
                            (it equals the non-NaN part of 'n').
  geometry_<c>.npy          int64 [N, N_padded, J_pad, pad_left, pad_right, log2_T, T,
                            min_to_pad] (the frontend's padding numbers, see manifest)
  ind_<c>.npy               int64 (2, K+1): row 0 = ind_start[k], row 1 = ind_end[k] for
                            k = 0..K, K = max(log2_T, J)
  filters_a_*.npy           config a's filter bank as kymatio builds it (float64):
                            psi1/psi2 xi, sigma (float64) and j (int64) lists for all
                            filters, phi sigma; and a subset of the Fourier-domain filters
                            (all would be 2.9 MB): psi1_f[n]['levels'][0] for n = 0 and 37,
                            psi2_f[6]['levels'][k] for k = 0..3, phi_f['levels'][k] for
                            k = 0 and 5 (PSI1_STORED, PSI2_STORED, PHI_STORED below).
  list_f_coef.npy, list_f_offsets.npy, list_f_j.npy, list_f_n.npy
                            config f (T=0, out_type='list'): the coefficients concatenated in
                            kymatio's list order (float64), offsets (int64, C+1) so that
                            channel c is coef[offsets[c]:offsets[c+1]], and each entry's
                            'j' / 'n' tuples as (C, 2) float64, NaN-padded.
manifest.json records, per file, the kymatio call, dtype, shape and sha256, and, per
configuration, the resolved frontend parameters (T, log2_T, average, padding, ind
tables), the filter counts and j lists, output sizes, and the deviation kymatio
itself shows between float32 and float64 input.
ALGORITHM.md in the same folder is hand-written documentation; this script does not
touch it.

Everything is deterministic; two runs produce byte-identical files (check with
md5sum). This script only *calls* kymatio; no kymatio code is copied into Reprise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import warnings

# Single-threaded, deterministic numerics (and less load on a shared machine).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.special  # noqa: E402

if not hasattr(scipy.special, "sph_harm"):
    # kymatio 0.3.0's 3-D filter bank imports sph_harm at package import time; SciPy 1.17 removed it.
    scipy.special.sph_harm = scipy.special.sph_harm_y

import kymatio  # noqa: E402
from kymatio.numpy import Scattering1D  # noqa: E402

REQUIRED_KYMATIO = "0.3.0"
REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SR = 22050.0

CONFIGS = {
    "a": dict(J=6, shape=2**12, Q=(8, 1)),
    "b": dict(J=8, shape=2**13, Q=(12, 1)),
    "c": dict(J=5, shape=3000, Q=1, max_order=2),
    "d": dict(J=6, shape=2**12, Q=(8, 2), T=16, oversampling=1),
    "e": dict(J=6, shape=2**12, Q=(4, 1), max_order=1),
    "f": dict(J=5, shape=2**9, Q=(2, 1), T=0, out_type="list"),
}
SEEDS = {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6}
F32_OUTPUT = {"d"}  # configs whose output array is stored rounded to float32 (size)

# Config a filters stored at full resolution (others: only their xi/sigma/j in the lists).
PSI1_STORED = (0, 37)  # highest (xi_max, constant-Q start); lowest (constant-bandwidth, largest kappa)
PSI2_STORED = (6,)  # lowest (j2=4): levels 0..3 (level k = periodisation of level 0 by 2**k)
PHI_STORED = (0, 5)  # full length and the coarsest level

SIGNAL_RECIPE = (
    "rng = np.random.default_rng(seed); t = arange(n)/sr (sr = 22050.0); "
    "f0 = 220 * 2**cumsum(full(n, 0.5/n)); phase = 2*pi*cumsum(f0)/sr; "
    "x = sum_{k=1..6} cos(k*phase)/k; x *= np.hanning(n)**0.25; "
    "x += 0.3*sin(2*pi*880*t)*(sin(2*pi*6*t) > 0); x += 0.05*rng.standard_normal(n); float64"
)


def signal(n: int, sr: float = SR, seed: int = 0) -> np.ndarray:
    """Harmonic glide + gated 880 Hz tone + noise (same formula as the JTFS fixture generator)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sr
    f0 = 220.0 * 2 ** (np.cumsum(np.full(n, 0.5 / n)))  # half-octave upward glide
    phase = 2 * np.pi * np.cumsum(f0) / sr
    x = sum(np.cos(k * phase) / k for k in range(1, 7))  # harmonic tone
    x = x * np.hanning(n) ** 0.25
    x += 0.3 * np.sin(2 * np.pi * 880 * t) * (np.sin(2 * np.pi * 6 * t) > 0)  # amplitude-modulated tone
    x += 0.05 * rng.standard_normal(n)
    return x.astype(np.float64)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def jsonable(v):
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isnan(f):
            return "nan"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, np.ndarray):
        return [jsonable(x) for x in v.tolist()]
    return repr(v)


def call_string(cfg: dict, x_label: str) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in cfg.items())
    return f"kymatio.numpy.Scattering1D({args})({x_label})"


class Fixtures:
    def __init__(self, out_dir: str):
        self.out_dir = out_dir
        self.entries: dict[str, dict] = {}
        os.makedirs(out_dir, exist_ok=True)

    def save(self, name: str, arr, entry: dict) -> np.ndarray:
        arr = np.ascontiguousarray(np.asarray(arr))
        path = os.path.join(self.out_dir, name)
        np.save(path, arr, allow_pickle=False)
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        entry = dict(entry)
        entry["dtype"] = str(arr.dtype)
        entry["shape"] = list(arr.shape)
        entry["sha256"] = digest
        self.entries[name] = entry
        return arr


def min_to_pad_of(S) -> int:
    """Recompute the frontend's min_to_pad (it is a local variable in build(), not stored)."""
    from kymatio.scattering1d.filter_bank import compute_temporal_support, gauss_1d

    phi_f = gauss_1d(S.shape[0], S.sigma0 / S.T)
    return int(3 * compute_temporal_support(phi_f.reshape(1, -1), criterion_amplitude=1e-3))


def rel_dev(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "fixtures", "kymatio"))
    args = ap.parse_args()
    out_dir = os.path.normpath(args.out)

    versions = {"kymatio": kymatio.__version__, "numpy": np.__version__, "scipy": scipy.__version__}
    print("  ".join(f"{k} {v}" for k, v in versions.items()))
    if kymatio.__version__ != REQUIRED_KYMATIO:
        print(
            f"ERROR: kymatio {REQUIRED_KYMATIO} is required (found {kymatio.__version__}); "
            "install scripts/requirements-peer.txt",
            file=sys.stderr,
        )
        return 1

    fx = Fixtures(out_dir)
    configs_info = {}

    for name, cfg in CONFIGS.items():
        n = cfg["shape"]
        seed = SEEDS[name]
        x = signal(n, seed=seed)
        x32 = x.astype(np.float32)
        fx.save(f"x_{name}.npy", x, {"kind": "input signal", "call": f"signal(n={n}, seed={seed})", "recipe": SIGNAL_RECIPE})
        fx.save(f"x_{name}_f32.npy", x32, {"kind": "input signal", "call": f"x_{name}.astype(np.float32)"})

        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no warnings expected (e.g. 'support too small')
            S = Scattering1D(**cfg)
        K = max(S.log2_T, S.J)
        ind = np.array([[S.ind_start[k] for k in range(K + 1)], [S.ind_end[k] for k in range(K + 1)]], dtype=np.int64)
        J_pad = int(round(math.log2(S._N_padded)))
        mtp = min_to_pad_of(S)
        geometry = np.array([n, S._N_padded, J_pad, S.pad_left, S.pad_right, S.log2_T, S.T, mtp], dtype=np.int64)
        fx.save(
            f"geometry_{name}.npy",
            geometry,
            {
                "fields": ["N", "N_padded", "J_pad", "pad_left", "pad_right", "log2_T", "T", "min_to_pad"],
                "source": "S = " + call_string(cfg, "")[:-2] + "; S.shape[0], S._N_padded, log2(S._N_padded), "
                "S.pad_left, S.pad_right, S.log2_T, S.T (resolved), 3*compute_temporal_support(gauss_1d(N, 0.1/T))",
            },
        )
        fx.save(
            f"ind_{name}.npy",
            ind,
            {"source": f"S.ind_start[k], S.ind_end[k] for k = 0..{K} (max(log2_T, J))"},
        )

        y = S(x)
        y32in = S(x32)
        info = {
            "call": call_string(cfg, f"x_{name}"),
            "seed": seed,
            "resolved": {
                "Q": list(S.Q),
                "T": int(S.T),
                "log2_T": int(S.log2_T),
                "average": bool(S.average),
                "max_order": int(S.max_order),
                "oversampling": int(S.oversampling),
                "out_type": S.out_type,
                "r_psi": S.r_psi,
                "sigma0": S.sigma0,
                "alpha": S.alpha,
            },
            "N": n,
            "min_to_pad": mtp,
            "J_max_support": int(np.floor(np.log2(3 * n - 2))),
            "J_pad": J_pad,
            "N_padded": int(S._N_padded),
            "pad_left": int(S.pad_left),
            "pad_right": int(S.pad_right),
            "ind_start": [int(S.ind_start[k]) for k in range(K + 1)],
            "ind_end": [int(S.ind_end[k]) for k in range(K + 1)],
            "n_psi1": len(S.psi1_f),
            "n_psi2": len(S.psi2_f),
            "psi1_j": [int(p["j"]) for p in S.psi1_f],
            "psi2_j": [int(p["j"]) for p in S.psi2_f],
            "psi2_n_levels": [len(p["levels"]) for p in S.psi2_f],
            "phi_n_levels": len(S.phi_f["levels"]),
            "phi_sigma": S.phi_f["sigma"],
            "phi_j": int(S.phi_f["j"]),
            "output_size_detail": [int(v) for v in S.output_size(detail=True)],
        }

        if cfg.get("out_type", "array") == "array":
            assert y.dtype == np.float64 and y.ndim == 2
            info["output_shape"] = list(y.shape)
            info["float32_input_deviation"] = {
                "metric": "max|S(x_f32) - S(x)| / max|S(x)| per order (S(x_f32) is float64: kymatio casts to float64 after its first FFT)",
                **{
                    f"order{o}": rel_dev(y32in[S.meta()["order"] == o], y[S.meta()["order"] == o])
                    for o in range(S.max_order + 1)
                },
            }
            stored = y.astype(np.float32) if name in F32_OUTPUT else y
            entry = {"call": info["call"], "layout": "(channels, frames); channel order = meta()"}
            if name in F32_OUTPUT:
                entry["note"] = "computed in float64 from the float64 input, then rounded to float32 for storage (size)"
            fx.save(f"scattering_{name}.npy", stored, entry)
            meta = S.meta()
            for field in ("order", "xi", "sigma", "j", "n"):
                fx.save(
                    f"meta_{name}_{field}.npy",
                    np.asarray(meta[field], dtype=np.float64),
                    {"call": f"S.meta()['{field}'] (S as in scattering_{name}.npy), as float64"},
                )
            keys = [tuple(int(v) for v in k) for k in meta["key"]]
            n_fields = [tuple(int(v) for v in row if not np.isnan(v)) for row in meta["n"]]
            assert keys == n_fields, "meta key != meta n"
        else:
            # out_type='list' (T=0): ragged coefficients.
            coefs = [e["coef"] for e in y]
            lengths = [int(c.shape[-1]) for c in coefs]
            offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
            jj = np.full((len(y), 2), np.nan)
            nn = np.full((len(y), 2), np.nan)
            for i, e in enumerate(y):
                jj[i, : len(e["j"])] = e["j"]
                nn[i, : len(e["n"])] = e["n"]
            fx.save(
                f"list_{name}_coef.npy",
                np.concatenate(coefs).astype(np.float64),
                {"call": info["call"], "layout": "np.concatenate([e['coef'] for e in output]); see list_" + name + "_offsets.npy"},
            )
            fx.save(f"list_{name}_offsets.npy", offsets, {"layout": "channel c = coef[offsets[c]:offsets[c+1]]"})
            fx.save(f"list_{name}_j.npy", jj, {"layout": "output[c]['j'] as (C, 2) float64, NaN-padded"})
            fx.save(f"list_{name}_n.npy", nn, {"layout": "output[c]['n'] as (C, 2) float64, NaN-padded"})
            info["n_channels"] = len(y)
            info["channel_lengths"] = lengths
            info["order0_is_input"] = bool(np.array_equal(coefs[0], x))
            info["float32_input_deviation"] = {
                "metric": "max over channels of max|S(x_f32)[c] - S(x)[c]| / max|S(x)[c]|, orders 1 and 2",
                "value": max(rel_dev(a["coef"], b["coef"]) for a, b in zip(y32in[1:], y[1:])),
            }
        configs_info[name] = info

        # ---- config a: the filter bank ----
        if name == "a":
            lab = "S = " + call_string(cfg, "")[:-2]
            fb = {}
            for which, bank in (("psi1", S.psi1_f), ("psi2", S.psi2_f)):
                fb[which] = {
                    "xi": np.array([p["xi"] for p in bank], dtype=np.float64),
                    "sigma": np.array([p["sigma"] for p in bank], dtype=np.float64),
                    "j": np.array([p["j"] for p in bank], dtype=np.int64),
                }
                for field, arr in fb[which].items():
                    fx.save(
                        f"filters_a_{which}_{field}.npy",
                        arr,
                        {"call": f"{lab}; [p['{field}'] for p in S.{which}_f]"},
                    )
            fx.save(
                "filters_a_phi_sigma.npy",
                np.array([S.phi_f["sigma"]], dtype=np.float64),
                {"call": f"{lab}; [S.phi_f['sigma']]  (= 0.1 / T)"},
            )
            for k in PSI1_STORED:
                fx.save(
                    f"filters_a_psi1_f_n{k}.npy",
                    S.psi1_f[k]["levels"][0],
                    {"call": f"{lab}; S.psi1_f[{k}]['levels'][0]", "note": "real, Fourier domain, length N_padded, np.fft.fftfreq order"},
                )
            for k in PSI2_STORED:
                for lev, arr in enumerate(S.psi2_f[k]["levels"]):
                    fx.save(
                        f"filters_a_psi2_f_n{k}_level{lev}.npy",
                        arr,
                        {"call": f"{lab}; S.psi2_f[{k}]['levels'][{lev}]", "note": f"real, Fourier domain, length N_padded / 2**{lev}"},
                    )
            for lev in PHI_STORED:
                fx.save(
                    f"filters_a_phi_f_level{lev}.npy",
                    S.phi_f["levels"][lev],
                    {"call": f"{lab}; S.phi_f['levels'][{lev}]", "note": f"real, Fourier domain, length N_padded / 2**{lev}"},
                )
            info["filters_stored"] = {"psi1": list(PSI1_STORED), "psi2": list(PSI2_STORED), "phi_levels": list(PHI_STORED)}
            info["psi1_xi"] = fb["psi1"]["xi"].tolist()
            info["psi1_sigma"] = fb["psi1"]["sigma"].tolist()
            info["psi2_xi"] = fb["psi2"]["xi"].tolist()
            info["psi2_sigma"] = fb["psi2"]["sigma"].tolist()

    manifest = {
        "generator": "scripts/make_scattering_fixtures.py",
        "requirements": "scripts/requirements-peer.txt",
        "versions": versions,
        "conventions": {
            "files": "one C-order .npy array per file (np.save, allow_pickle=False); read with ndarray_npy::read_npy",
            "calls": "'call' strings use S = kymatio.numpy.Scattering1D(...) with the NumPy backend; x_<c> is the input fixture",
            "layout": "out_type='array' outputs are (channels, frames) for a 1-D input; channel c is described by meta_<c>_*[c]",
            "nan": "meta arrays are NaN-padded exactly as kymatio returns them; in this JSON NaN is written as the string 'nan'",
            "frequencies": "xi and sigma are in cycles per sample (normalised frequency, Nyquist = 0.5)",
            "documentation": "ALGORITHM.md (this folder) describes kymatio 0.3.0's Scattering1D NumPy path step by step",
        },
        "configs": configs_info,
        "fixtures": dict(sorted(fx.entries.items())),
    }
    with open(os.path.join(out_dir, "manifest.json"), "w") as fh:
        json.dump(jsonable(manifest), fh, indent=2, sort_keys=False, allow_nan=False)
        fh.write("\n")

    total = sum(os.path.getsize(os.path.join(out_dir, f)) for f in os.listdir(out_dir))
    print(f"wrote {len(fx.entries)} .npy files + manifest.json to {out_dir} (folder total {total / 1e6:.3f} MB)")
    for name, info in configs_info.items():
        shape = info.get("output_shape", f"list of {info.get('n_channels')}")
        print(
            f"  {name}: N={info['N']} J_pad={info['J_pad']} pads=({info['pad_left']},{info['pad_right']}) "
            f"min_to_pad={info['min_to_pad']} psi1={info['n_psi1']} psi2={info['n_psi2']} "
            f"sizes={info['output_size_detail']} out={shape}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
