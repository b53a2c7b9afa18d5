#!/usr/bin/env python3
"""Finds import circles between the top-level modules of each crate.

A module `a` depends on `b` when its code (not its comments or its tests) names
`crate::b`. Exits 1 and prints each circle found, so that CI keeps the house's rule:
dependencies between modules point one way.
"""
import os
import re
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates")
circles = []
for crate in sorted(os.listdir(root)):
    src = os.path.join(root, crate, "src")
    deps = {}
    for dirpath, _, files in os.walk(src):
        for name in files:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(dirpath, name)
            top = os.path.relpath(path, src).split(os.sep)[0].removesuffix(".rs")
            if top in ("lib", "main"):
                continue
            text = open(path, encoding="utf-8").read().split("#[cfg(test)]")[0]
            code = "\n".join(l for l in text.split("\n") if not l.strip().startswith("//"))
            names = set(re.findall(r"crate::([a-z_0-9]+)", code))
            for group in re.findall(r"crate::\{([^}]*)\}", code):
                names |= {x.strip().split("::")[0] for x in group.split(",") if x.strip()}
            deps.setdefault(top, set()).update(n for n in names if n != top)

    def walk(start, node, path):
        for d in deps.get(node, ()):
            if d == start:
                circles.append((crate, path))
            elif d in deps and d not in path and d > start:
                walk(start, d, path + [d])

    for m in sorted(deps):
        walk(m, m, [m])

for crate, path in circles:
    print(f"{crate}: {' -> '.join(path + [path[0]])}")
sys.exit(1 if circles else 0)
