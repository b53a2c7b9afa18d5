#!/usr/bin/env python3
"""Reference scores of the MIREX pattern metrics (mir_eval.pattern, pinned 0.8.2) for the
Rust parity test crates/reprise-midi/tests/patterns.rs.

Writes fixtures/mir_eval_patterns/<case>_ref.txt, <case>_est.txt (MIREX text format) and
expected.json: for each case, mir_eval's standard, establishment, occurrence (0.75 and 0.5),
three-layer F/P/R, FFP and FFTP_est, each computed by calling the metric function itself.
mir_eval 0.8's evaluate() passes its 0.5 occurrence threshold under a misspelt keyword
(`thresh`, not `thres`) and so reports 0.75 twice; occurrence_FPR(thres=0.5) is called here.

    .venv/bin/pip install mir_eval==0.8.2
    .venv/bin/python scripts/make_pattern_fixtures.py
"""

from __future__ import annotations

import json
from pathlib import Path

import mir_eval
import numpy as np

assert mir_eval.__version__ == "0.8.2", mir_eval.__version__
OUT = Path(__file__).resolve().parents[1] / "fixtures" / "mir_eval_patterns"
rng = np.random.default_rng(20261207)


def text(patterns) -> str:
    lines = []
    for i, p in enumerate(patterns, 1):
        lines.append(f"pattern{i}")
        for j, occ in enumerate(p, 1):
            lines.append(f"occurrence{j}")
            lines.extend(f"{o:.5f}, {m:.0f}" for o, m in occ)
    return "\n".join(lines) + "\n" if lines else ""


def melody(n: int, start: float) -> list[tuple[float, float]]:
    onsets = start + np.cumsum(rng.choice([0.25, 0.5, 1.0, 1.0 / 3.0], size=n))
    pitches = 60 + np.cumsum(rng.integers(-4, 5, size=n))
    return [(round(float(o), 5), float(p)) for o, p in zip(onsets, pitches)]


def shifted(occ, dt: float, dp: float):
    return [(round(o + dt, 5), p + dp) for o, p in occ]


def reference(n_patterns: int):
    pats = []
    for _ in range(n_patterns):
        proto = melody(int(rng.integers(4, 12)), float(rng.integers(0, 40)))
        occs = [proto] + [shifted(proto, float(rng.integers(4, 60)), float(rng.integers(-5, 6))) for _ in range(int(rng.integers(1, 4)))]
        pats.append(occs)
    return pats


def perturb(pattern, keep: float):
    """Occurrences with a fraction of their points kept, a few added, and a duplicate."""
    out = []
    for occ in pattern:
        kept = [pt for pt in occ if rng.random() < keep] or occ[:1]
        extra = [(round(kept[-1][0] + 0.5 * (k + 1), 5), kept[-1][1] + k) for k in range(int(rng.integers(0, 3)))]
        out.append(kept + extra + ([kept[0]] if rng.random() < 0.3 else []))
    return out


cases = {}
ref = reference(3)
cases["identical"] = (ref, ref)
ref = reference(4)
cases["translated_prototypes"] = (ref, [[shifted(p[0], 8.0, 2.0)] + p[1:] for p in ref[:2]] + [[melody(6, 3.0)]])
ref = reference(4)
cases["partial"] = (ref, [perturb(p, 0.7) for p in ref] + [perturb(reference(1)[0], 0.5)])
ref = reference(3)
cases["many_estimates"] = (ref, [perturb(ref[int(rng.integers(0, 3))], 0.8) for _ in range(8)])
ref = reference(2)
cases["disjoint"] = (ref, [[shifted(o, 500.0, 0.0) for o in p] for p in ref])
ref = reference(2)
cases["single_points"] = (ref, [[[ref[0][0][0]]], [[ref[1][1][2]], [(999.0, 40.0)]]])
cases["empty_estimate"] = (reference(2), [])

OUT.mkdir(parents=True, exist_ok=True)
expected = {}
for name, (r, e) in cases.items():
    (OUT / f"{name}_ref.txt").write_text(text(r))
    (OUT / f"{name}_est.txt").write_text(text(e))
    # scored from the files, as mir_eval's users do
    R = mir_eval.io.load_patterns(str(OUT / f"{name}_ref.txt"))
    E = mir_eval.io.load_patterns(str(OUT / f"{name}_est.txt"))
    P = mir_eval.pattern
    scores = {
        "standard": P.standard_FPR(R, E),
        "establishment": P.establishment_FPR(R, E),
        "occurrence_75": P.occurrence_FPR(R, E, thres=0.75),
        "occurrence_50": P.occurrence_FPR(R, E, thres=0.5),
        "three_layer": P.three_layer_FPR(R, E),
    }
    expected[name] = {k: {"f": float(v[0]), "p": float(v[1]), "r": float(v[2])} for k, v in scores.items()}
    ffp, fftp = P.first_n_three_layer_P(R, E), P.first_n_target_proportion_R(R, E)
    # mir_eval returns (0, 0, 0) instead of a number when a side is empty
    expected[name]["ffp"] = float(ffp[0] if isinstance(ffp, tuple) else ffp)
    expected[name]["fftp_est"] = float(fftp[0] if isinstance(fftp, tuple) else fftp)
(OUT / "expected.json").write_text(json.dumps({"mir_eval": mir_eval.__version__, "seed": 20261207, "cases": expected}, indent=1) + "\n")
print(f"wrote {len(cases)} cases to {OUT}")
