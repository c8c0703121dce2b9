"""Kinetic energy time series of a kolmogorov dataset (docs/scenarios/kolmogorov.md, "Warm-up").

Usage: python3 docs/scenarios/kolmogorov_energy.py FILE.h5 [--every 20]

Prints, for every simulation, E(t) = <|u|²>/2 (mean over the source grid, spectrally truncated
reference) every `--every` frames, and the mean and standard deviation of E over windows of
10 time units, as markdown. Needs h5py and numpy.
"""
import argparse
import json

import h5py
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("file")
parser.add_argument("--every", type=int, default=20)
args = parser.parse_args()

with h5py.File(args.file, "r") as f:
    dt = float(f.attrs["dt"])
    warmup = int(f.attrs["warmup"])
    sims = []
    for split in ("train", "test"):
        if split not in f:
            continue
        for name in sorted(f[split]):
            group = f[split][name]
            nu = json.loads(group.attrs["parameters"])
            u = group["reference"][...].astype(np.float64)
            energy = 0.5 * (u ** 2).sum(axis=1).mean(axis=(1, 2))
            sims.append((f"{split}/{name}", nu, energy))

t0 = warmup * dt
frames = len(sims[0][2])
print("| t | " + " | ".join(f"E, ν = {s[1]['values']['viscosity']:.4g}" if 'values' in s[1] else f"E {s[0]}" for s in sims) + " |")
print("| ---: | " + " | ".join("---:" for _ in sims) + " |")
for k in range(0, frames, args.every):
    print(f"| {t0 + k * dt:.0f} | " + " | ".join(f"{s[2][k]:.3f}" for s in sims) + " |")
window = int(round(10 / dt))
print()
print("| window | " + " | ".join(s[0] for s in sims) + " |")
print("| --- | " + " | ".join("---" for _ in sims) + " |")
for start in range(0, frames - window + 1, window):
    cells = [f"{s[2][start:start + window].mean():.3f} ± {s[2][start:start + window].std():.3f}" for s in sims]
    print(f"| {t0 + start * dt:.0f}–{t0 + (start + window) * dt:.0f} | " + " | ".join(cells) + " |")
