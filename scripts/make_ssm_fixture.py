#!/usr/bin/env python3
"""Reference recurrence matrix for crates/reprise-dsp/tests/ssm.rs: the recipe of the
Complex Autoencoder's pipeline (Lattner, Dörfler & Arzt 2019) written with scipy's own
functions — pdist(cosine), padding 9 rows/columns of the largest distance at the end,
1/(d + 1e-6), zero diagonals |k| <= 8, convolve2d(mode="same") with a 10x10 tridiagonal
kernel, min-max (+1e-8) — on seeded features with a repeated section.

    .venv/bin/python scripts/make_ssm_fixture.py     # numpy 2.4.6, scipy 1.17.1 (requirements-peer.txt)
"""

from pathlib import Path

import numpy as np
import scipy
from scipy.signal import convolve2d
from scipy.spatial.distance import pdist, squareform

rng = np.random.default_rng(20261207)
a, b, c = (rng.random((12, n)).astype(np.float32) for n in (25, 15, 10))
x = np.concatenate([a, b, a + 0.05 * rng.random(a.shape).astype(np.float32), c], axis=1)  # features x frames
d = squareform(pdist(x.T.astype(np.float64), "cosine"))
n = d.shape[0] + 9
p = np.full((n, n), d.max())
p[: d.shape[0], : d.shape[0]] = d
s = 1.0 / (p + 1e-6)
for k in range(-8, 9):
    idx = np.arange(max(0, -k), min(n, n - k))
    s[idx, idx + k] = 0.0
kernel = (np.abs(np.subtract.outer(np.arange(10), np.arange(10))) <= 1).astype(float)
s = convolve2d(s, kernel, mode="same")
s -= s.min()
s /= s.max() + 1e-8
out = Path(__file__).resolve().parents[1] / "fixtures" / "ssm"
out.mkdir(parents=True, exist_ok=True)
np.save(out / "features.npy", x)
np.save(out / "recurrence.npy", s.astype(np.float32))
print(f"numpy {np.__version__}, scipy {scipy.__version__}: {x.shape} -> {s.shape}")
