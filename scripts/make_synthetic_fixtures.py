#!/usr/bin/env python3
"""Writes small FAKE files in the formats of docs/file-formats.md, for developing the notebooks.

The fields are analytic stand-ins (a translating vortex street, decaying Fourier modes), not
simulations: they only exercise the notebooks' reading and plotting code. The test command runs
the notebooks on files that `sol generate`, `sol train` and `sol eval` produce.

    python scripts/make_synthetic_fixtures.py OUT [--scenario karman|kolmogorov|burgers]
        [--methods NON,FO-SOL,ZO-SOL,NOG-SOL] [--train 2] [--test 2] [--frames 24] [--steps 16]

writes OUT/dataset.h5, OUT/runs/<method>.h5 + .log.jsonl, OUT/rollouts.h5 and OUT/eval.json, and
prints the environment variables that point scripts/run_notebooks.py at them.
"""
import argparse
import json
import math
from pathlib import Path

import h5py
import numpy as np

SCENARIOS = {
    # name: (channels, [H, W], domain [Ly, Lx], dt)
    "karman": (["vx", "vy"], [64, 32], [200.0, 100.0], 2.0),
    "kolmogorov": (["w"], [32, 32], [2 * math.pi, 2 * math.pi], 0.1),
    "burgers": (["u"], [1, 64], [1.0, 2 * math.pi], 0.05),
}
DRIFT = {"SRC": 1.0, "NON": 0.7, "FO-SOL": 0.3, "ZO-SOL": 0.35, "NOG-SOL": 0.5}


def karman_frames(frames, shape, domain, dt, re, rng):
    """Uniform inflow vy = 1 plus alternating Gaussian vortices shed behind a cylinder at (50, 50)."""
    (h, w), (ly, lx) = shape, domain
    dy, dx = ly / h, lx / w
    y, x = np.meshgrid((np.arange(h) + 0.5) * dy, (np.arange(w) + 0.5) * dx, indexing="ij")
    solid = (x - 50) ** 2 + (y - 50) ** 2 < 10 ** 2
    out = np.zeros((frames, 2, h, w), np.float32)
    strength = 30.0 * (1 + 0.3 * math.log(re / 100.0))
    phase = rng.uniform(0, 40)
    for t in range(frames):
        psi = np.zeros((h, w))
        for k in range(-2, 8):
            yc = 70 + 40 * k + 0.8 * (t * dt + phase) % 40
            xc = 50 + (8 if k % 2 else -8)
            psi += (-1) ** k * strength * np.exp(-((x - xc) ** 2 + (y - yc) ** 2) / (2 * 9.0 ** 2))
        dpsi_dy, dpsi_dx = np.gradient(psi, dy, dx)
        vx, vy = dpsi_dy, 1.0 - dpsi_dx
        vx[solid] = 0
        vy[solid] = 0
        out[t, 0], out[t, 1] = vx, vy
    return out


def kolmogorov_frames(frames, shape, domain, dt, viscosity, rng):
    """Vorticity w = sin(4y) forcing pattern plus a few random decaying, drifting modes."""
    (h, w), (ly, lx) = shape, domain
    y, x = np.meshgrid(np.arange(h) * ly / h, np.arange(w) * lx / w, indexing="ij")
    modes = [(rng.integers(1, 4), rng.integers(1, 4), rng.uniform(0, 2 * np.pi), rng.normal()) for _ in range(4)]
    out = np.zeros((frames, 1, h, w), np.float32)
    for t in range(frames):
        s = t * dt
        field = 4 * np.sin(4 * y)
        for kx, ky, ph, a in modes:
            field += a * np.exp(-viscosity * (kx * kx + ky * ky) * s) * np.cos(kx * x + ky * y + ph + s)
        out[t, 0] = field
    return out


def burgers_frames(frames, shape, domain, dt, viscosity, rng):
    (_, w), (_, lx) = shape, domain
    x = np.arange(w) * lx / w
    a = rng.normal(size=3)
    out = np.zeros((frames, 1, 1, w), np.float32)
    for t in range(frames):
        s = t * dt
        out[t, 0, 0] = sum(a[k] * np.exp(-viscosity * (k + 1) ** 2 * s) * np.sin((k + 1) * (x - s)) for k in range(3))
    return out


def smooth_noise(shape, rng):
    """A smooth, fixed perturbation pattern of the given [C, H, W] shape."""
    c, h, w = shape
    y, x = np.meshgrid(np.linspace(0, 2 * np.pi, h, endpoint=False), np.linspace(0, 2 * np.pi, w, endpoint=False), indexing="ij")
    return np.stack([np.sin(x + rng.uniform(0, 6)) * np.cos(y + rng.uniform(0, 6)) for _ in range(c)])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", type=Path)
    p.add_argument("--scenario", choices=sorted(SCENARIOS), default="karman")
    p.add_argument("--methods", default="NON,FO-SOL,ZO-SOL,NOG-SOL")
    p.add_argument("--train", type=int, default=2)
    p.add_argument("--test", type=int, default=2)
    p.add_argument("--frames", type=int, default=24)
    p.add_argument("--steps", type=int, default=16)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    channels, shape, domain, dt = SCENARIOS[a.scenario]
    methods = [m for m in a.methods.split(",") if m]
    param = "re" if a.scenario == "karman" else "viscosity"
    make = {"karman": karman_frames, "kolmogorov": kolmogorov_frames, "burgers": burgers_frames}[a.scenario]
    values = {"train": np.geomspace(100, 1000, a.train) if param == "re" else np.geomspace(0.01, 0.1, a.train),
              "test": np.geomspace(150, 1500, a.test) if param == "re" else np.geomspace(0.015, 0.15, a.test)}
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "runs").mkdir(exist_ok=True)

    dataset = a.out / "dataset.h5"
    test_refs = []
    with h5py.File(dataset, "w") as f:
        config = {"sourceGrid": shape, "factor": 4, "dt": dt, "domain": domain, "synthetic": True}
        if a.scenario == "karman":
            config.update({"obstacleRadius": 10.0, "inflowVelocity": 1.0})
        f.attrs.update({"format": "sol-pairs", "version": 1, "scenario": a.scenario, "channels": ",".join(channels),
                        "config": json.dumps(config), "source_grid": shape, "factor": 4, "dt": dt,
                        "domain": domain, "frames": a.frames, "warmup": 0, "seed": a.seed})
        for split in ("train", "test"):
            for i, v in enumerate(values[split]):
                seed = int(rng.integers(1 << 31))
                ref = make(a.frames, shape, domain, dt, float(v), rng)
                d = f.create_dataset(f"{split}/sim_{i:03d}/reference", data=ref)
                g = d.parent
                g.attrs[param] = float(v)
                g.attrs["seed"] = seed
                g.attrs["parameters"] = json.dumps({"values": {param: float(v)}, "seed": seed})
                if split == "test":
                    test_refs.append((ref, dict(g.attrs)))

    # Checkpoints and training logs.
    short = {"NON": "non", "FO-SOL": "fo", "ZO-SOL": "zo", "NOG-SOL": "nog"}
    for m in methods:
        name = short.get(m, m.lower())
        with h5py.File(a.out / "runs" / f"{name}.h5", "w") as f:
            f.attrs.update({"method": m.lower(), "architecture": json.dumps({"layers": [8, 8]}),
                            "config": json.dumps({"unroll": 1 if m == "NON" else 4}), "step": 200})
            f.create_dataset("parameters/conv0/weight", data=rng.normal(size=(8, len(channels) + 1, 5, 5)).astype(np.float32))
        zo = m == "ZO-SOL"
        lines, queries, elapsed = [], 0, 0.0
        for it in range(0, 201, 10):
            qps = float(5000 + 300 * rng.normal()) if zo else 0.0
            step_queries = 460 * 10 if zo else 0
            queries += step_queries if it else 0
            elapsed += (step_queries / qps if zo else 0.05 * 10) if it else 0.0
            loss = 0.05 * DRIFT.get(m, 0.4) * math.exp(-it / 60) + 0.002 * DRIFT.get(m, 0.4) + 0.0005 * abs(rng.normal())
            lines.append({"method": m.lower(), "iteration": it, "epoch": it // 50, "loss": loss, "lr": 1e-3,
                          "queries": queries, "queries_per_second": qps, "elapsed": round(elapsed, 3)})
        lines.append({"method": m.lower(), "event": "done", "iteration": 200, "elapsed": elapsed})
        (a.out / "runs" / f"{name}.log.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))

    # Rollouts and evaluation: frame 0 of each test simulation, K steps of each method.
    k = min(a.steps, a.frames - 1)
    names = ["SRC"] + methods
    mae = {n: np.zeros((len(test_refs), k)) for n in names}
    with h5py.File(a.out / "rollouts.h5", "w") as f:
        f.attrs.update({"format": "sol-rollouts", "scenario": a.scenario, "channels": ",".join(channels),
                        "steps": k, "methods": ",".join(names)})
        for s, (ref, attrs) in enumerate(test_refs):
            g = f.create_group(f"sim_{s:03d}")
            g.attrs.update(attrs)
            r = ref[: k + 1]
            g["reference"] = r
            scale = float(np.abs(r).mean()) + 1e-6
            for n in names:
                growth = (np.arange(k + 1) / k)[:, None, None, None]
                roll = (r + DRIFT.get(n, 0.4) * 0.3 * scale * growth * smooth_noise(r.shape[1:], rng)).astype(np.float32)
                g[n] = roll
                mae[n][s] = np.abs(roll[1:] - r[1:]).mean(axis=(1, 2, 3))
        for n in names:
            f[f"mae_over_time/{n}"] = mae[n]
    report = {"dataset": str(dataset), "steps": k, "methods": [
        {"name": n, "mae_mean": float(mae[n].mean(axis=1).mean()), "mae_std": float(mae[n].mean(axis=1).std()),
         "per_simulation": mae[n].mean(axis=1).tolist(), "error_over_time": mae[n].mean(axis=0).tolist()} for n in names]}
    (a.out / "eval.json").write_text(json.dumps(report, indent=1) + "\n")
    root = a.out.resolve()
    print(f"SOL_DATASET={root}/dataset.h5 SOL_RUNS={root}/runs SOL_ROLLOUTS={root}/rollouts.h5 SOL_EVAL_JSON={root}/eval.json")


if __name__ == "__main__":
    main()
