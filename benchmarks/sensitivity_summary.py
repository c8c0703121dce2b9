#!/usr/bin/env python3
"""Summarises `sol eval --format json` files of benchmarks/sensitivity.sh: MAE and the fraction of
the SRC → FO-SOL gap closed, (SRC − X) / (SRC − FO-SOL), per configuration, mean ± std over seeds
(the FO-SOL of the same seed is the reference)."""
import json, os, re, statistics, sys
from collections import defaultdict

mae, gap = defaultdict(list), defaultdict(list)
for path in sys.argv[1:]:
    doc = json.load(open(path))
    methods = doc["methods"]
    src = next(m["mae_mean"] for m in methods if m["name"] == "SRC")
    fo = next(m["mae_mean"] for m in methods if m.get("model") and os.path.basename(m["model"]).startswith("fo-sol"))
    mae["SRC"].append(src)
    for m in methods:
        if not m.get("model"):
            continue
        name = re.sub(r"-s\d+\.h5$", "", os.path.basename(m["model"]))
        mae[name].append(m["mae_mean"])
        gap[name].append((src - m["mae_mean"]) / (src - fo))

def fmt(xs, digits=4):
    if len(xs) == 1:
        return f"{xs[0]:.{digits}f}"
    return f"{statistics.mean(xs):.{digits}f} ± {statistics.stdev(xs):.{digits}f}"

print("| configuration | seeds | MAE (mean ± std over seeds) | gap closed |")
print("| --- | ---: | ---: | ---: |")
for name in mae:
    g = fmt([100 * x for x in gap[name]], 1) + " %" if name in gap else "0 %"
    print(f"| {name} | {len(mae[name])} | {fmt(mae[name])} | {g} |")
