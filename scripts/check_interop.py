#!/usr/bin/env python3
"""The field's own loaders read what `sol export` writes: pbdl's Dataset and The Well's WellDataset.

    python scripts/check_interop.py --sol .build/debug/sol --dir out/interop-export

For each scenario (burgers 1D, kolmogorov 2D, karman 2D staggered) it generates a small dataset,
exports it with `sol export --format pbdl|well` (the recomputed reference and the stored
source-grid frames), loads every export with the other tool's loader (pbdl 1.0.0, the_well 1.2.0,
pinned in the Makefile) and compares shapes, values and metadata with h5py reads of the exported
file and of the `sol` dataset. It also checks The Well files against the rules of that project's
format checker (types of every attribute, shapes implied by the flags), runs pbdl offline (its
index fetch fails, it falls back to the local directory), and imports every export back with
`sol import`, which must give the stored frames bit for bit.

Closes with "interop: N passed, M failed"; exit status 1 if any check failed.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import traceback
from pathlib import Path

import h5py
import numpy as np

# pbdl fetches its global index over HTTPS when imported; a proxy that refuses every connection
# makes that fail at once, whatever the network, so the local directory is all it can use.
os.environ["HTTPS_PROXY"] = os.environ["HTTP_PROXY"] = "http://127.0.0.1:9"
os.environ.pop("NO_PROXY", None)

SCENARIOS = {
    "burgers": ["--resolution", "16", "--factor", "2", "--warmup", "2"],
    "kolmogorov": ["--resolution", "16", "--factor", "2", "--warmup", "2", "--dt", "0.04"],
    "karman": ["--resolution", "20", "--factor", "2", "--warmup", "2"],
}
FRAMES = 4
BC_CODES = {"WALL": 0, "OPEN": 1, "PERIODIC": 2}  # the_well.data.datasets.BoundaryCondition


def run(*args: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


def text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def sol_dataset(path: Path):
    """(root attributes, [(split, name, attrs, frames [T, C, H, W])]) of a sol-pairs file."""
    with h5py.File(path, "r") as f:
        root = dict(f.attrs)
        sims = [(split, name, dict(f[split][name].attrs), f[split][name]["reference"][...])
                for split in ("train", "test") if split in f for name in sorted(f[split])]
    return root, sims


def x_first(frames: np.ndarray) -> np.ndarray:
    """[T, C, H, W] -> [T, C, W, H], or [T, C, W] in 1D (H = 1)."""
    return frames[:, :, 0, :] if frames.shape[2] == 1 else frames.transpose(0, 1, 3, 2)


# ---------------------------------------------------------------- pbdl

def check_pbdl(scenario: str, path: Path, dataset: Path, which: str) -> None:
    from pbdl.dataset import Dataset
    import pbdl.utilities

    root, sims = sol_dataset(dataset)
    channels = text(root["channels"]).split(",")
    parameter = text(root["conditioning"])
    with h5py.File(path, "r") as f:
        meta = f["sims"].attrs
        assert isinstance(meta["PDE"], str) and isinstance(meta["Fields Scheme"], str), dict(meta)
        assert [text(c) for c in meta["Fields"]] == channels
        assert [text(c) for c in meta["Constants"]] == [parameter]
        assert isinstance(meta["Dt"], float) and meta["Dt"] == float(root["dt"])
        assert len(meta["Fields Scheme"]) == len(channels)
        raw = {name: (f["sims"][name][...], dict(f["sims"][name].attrs)) for name in f["sims"]}
    # pbdl's own metadata check (the one it runs on every local file) must find nothing wrong.
    metadata = pbdl.utilities._load_metadata_of_local_dset(str(path), path.stem)
    for key, kind in pbdl.utilities.META_ATTRS_REQUIRED.items():
        assert isinstance(metadata[key], kind), (key, type(metadata[key]))

    loaded = Dataset(path.stem, local_datasets_dir=str(path.parent) + "/", time_steps=1, step_size=1,
                     disable_progress=True)
    assert loaded.num_sims == len(sims) == len(raw), (loaded.num_sims, len(sims))
    assert loaded.pde == meta_pde(path) and loaded.dt == float(root["dt"])
    assert list(loaded.fields) == channels and list(loaded.const) == [parameter]
    grid = list(root["reference_grid" if which == "reference" else "source_grid"])
    spatial = [grid[1]] if grid[0] == 1 else [grid[1], grid[0]]
    assert loaded.sim_shape == (FRAMES, len(channels), *spatial), (loaded.sim_shape, spatial)
    assert loaded.num_spatial_dim == len(spatial) and len(loaded) == len(sims) * (FRAMES - 1)
    for s, (split, name, attrs, frames) in enumerate(sims):
        data, sim_attrs = raw[f"sim{s}"]
        assert data.dtype == np.float32 and data.shape == loaded.sim_shape
        assert text(sim_attrs["sol_split"]) == split and text(sim_attrs["sol_name"]) == name
        assert sim_attrs[parameter] == attrs[parameter]
        if which == "source-pairs":  # the stored frames, transposed to x-first, bit for bit
            assert np.array_equal(data, x_first(frames))
        for k in range(FRAMES - 1):
            inp, target, const, _ = loaded[s * (FRAMES - 1) + k]
            assert np.array_equal(inp, data[k]) and np.array_equal(target, data[k + 1])
            assert const == (attrs[parameter],), (const, attrs[parameter])


def meta_pde(path: Path) -> str:
    with h5py.File(path, "r") as f:
        return f["sims"].attrs["PDE"]


# ---------------------------------------------------------------- The Well

def check_well_format(path: Path) -> None:
    """The rules of The Well's format checker (scripts/check_thewell_formatting.py upstream)."""
    with h5py.File(path, "r") as f:
        a = f.attrs
        assert isinstance(a["dataset_name"], str) and isinstance(a["grid_type"], str)
        assert isinstance(a["n_spatial_dims"], (int, np.integer)) and isinstance(a["n_trajectories"], (int, np.integer))
        for key in a["simulation_parameters"]:
            assert isinstance(key, str) and key in a and key in f["scalars"], key
        dims = f["dimensions"]
        spatial = list(dims.attrs["spatial_dims"])
        assert len(spatial) == a["n_spatial_dims"] and all(isinstance(d, str) for d in spatial)

        def flags_and_shape(d, is_field=False, is_spatial=False, order=0):
            for flag in ("sample_varying", "time_varying"):
                assert isinstance(d.attrs[flag], (bool, np.bool_)), (d.name, flag, type(d.attrs[flag]))
            expected = ()
            if d.attrs["sample_varying"]:
                expected += (a["n_trajectories"],)
            if d.attrs["time_varying"]:
                expected += (dims["time"].shape[-1],)
            if is_field:
                varying = d.attrs["dim_varying"]
                assert isinstance(varying, (list, np.ndarray)) and len(varying) == a["n_spatial_dims"]
                assert all(isinstance(v, (bool, np.bool_)) for v in varying)
                expected += tuple(dims[s].shape[-1] for s, v in zip(spatial, varying) if v)
                expected += (a["n_spatial_dims"],) * order
            shape = d.shape[:-1] if is_spatial else d.shape
            assert shape == expected, (d.name, shape, expected)

        flags_and_shape(dims["time"])
        for s in spatial:
            flags_and_shape(dims[s], is_spatial=True)
        for i in range(3):
            group = f[f"t{i}_fields"]
            assert isinstance(group.attrs["field_names"], (list, np.ndarray))
            for name in group.attrs["field_names"]:
                assert isinstance(name, str)
                flags_and_shape(group[name], is_field=True, order=i)
                assert group[name].dtype == np.float32
        for name in f["scalars"].attrs["field_names"]:
            flags_and_shape(f["scalars"][name])
        for name, bc in f["boundary_conditions"].items():
            assert isinstance(bc.attrs["bc_type"], str) and bc.attrs["bc_type"].lower() in name
            for key in ("associated_fields", "associated_dims"):
                assert isinstance(bc.attrs[key], (list, np.ndarray)), (name, key)
            for d in bc.attrs["associated_dims"]:
                assert isinstance(d, str) and d in spatial and d in name
            assert bc["mask"].dtype == np.bool_
            assert bc["mask"].shape == tuple(dims[d].shape[-1] for d in spatial if d in bc.attrs["associated_dims"])


def check_well(scenario: str, directory: Path, dataset: Path, which: str) -> None:
    import torch
    from the_well.data import WellDataset

    root, sims = sol_dataset(dataset)
    channels = text(root["channels"]).split(",")
    parameter = text(root["conditioning"])
    grid = list(root["reference_grid" if which == "reference" else "source_grid"])
    spatial = [grid[1]] if grid[0] == 1 else [grid[1], grid[0]]
    expected_bcs = {"burgers": [[2, 2]], "kolmogorov": [[2, 2], [2, 2]], "karman": [[0, 0], [1, 1]]}[scenario]
    for split in ("train", "test"):
        files = sorted((directory / "data" / split).glob("*.hdf5"))
        mine = [s for s in sims if s[0] == split]
        assert len(files) == len(mine), (split, files)
        for path in files:
            check_well_format(path)
        ds = WellDataset(path=str(directory), well_split_name=split, n_steps_input=1, n_steps_output=1,
                         use_normalization=False)
        m = ds.metadata
        assert m.n_spatial_dims == len(spatial) and list(m.spatial_resolution) == spatial, (m.spatial_resolution, spatial)
        assert m.constant_scalar_names == [parameter] and m.scalar_names == []
        if len(channels) == 1:
            assert m.field_names == {0: channels, 1: [], 2: []}, m.field_names
        else:
            assert m.field_names == {0: [], 1: ["velocity_x", "velocity_y"], 2: []}, m.field_names
        assert m.n_files == len(files) and m.n_steps_per_trajectory == [FRAMES] * len(files)
        assert len(ds) == len(files) * (FRAMES - 1), len(ds)
        for n, (path, (_, name, attrs, frames)) in enumerate(zip(files, mine)):
            with h5py.File(path, "r") as f:
                assert f.attrs["sol_name"] == name and f.attrs[parameter] == attrs[parameter]
                field = f["t1_fields/velocity"][...] if len(channels) > 1 else f[f"t0_fields/{channels[0]}"][...][..., None]
                x = f["dimensions/x"][...]
            assert field.dtype == np.float32 and field.shape == (1, FRAMES, *spatial, len(channels)), field.shape
            if which == "source-pairs":  # [T, C, x…] -> [T, x…, C]: the stored frames bit for bit
                assert np.array_equal(field[0], np.moveaxis(x_first(frames), 1, -1))
            for k in range(FRAMES - 1):
                sample = ds[n * (FRAMES - 1) + k]
                assert torch.equal(sample["input_fields"], torch.from_numpy(field[0, k:k + 1]))
                assert torch.equal(sample["output_fields"], torch.from_numpy(field[0, k + 1:k + 2]))
                assert sample["constant_scalars"].tolist() == [np.float32(attrs[parameter])]
                assert sample["boundary_conditions"].tolist() == expected_bcs, sample["boundary_conditions"]
                assert tuple(sample["space_grid"].shape) == (*spatial, len(spatial))
                assert np.array_equal(sample["space_grid"][..., 0].numpy().reshape(spatial[0], -1)[:, 0], x)
                dt = float(sample["output_time_grid"][0] - sample["input_time_grid"][0])
                assert abs(dt - float(root["dt"])) < 1e-5, dt


# ---------------------------------------------------------------- round trip

def check_import(sol: str, scenario: str, export: Path, fmt: str, dataset: Path, work: Path) -> None:
    out = work / f"{scenario}-{fmt}-{export.name}-imported.h5"
    run(sol, "import", "--format", fmt, str(export), "--scenario", scenario, "--out", str(out), "--overwrite")
    _, original = sol_dataset(dataset)
    _, back = sol_dataset(out)
    assert [(s[0], s[1]) for s in back] == [(s[0], s[1]) for s in original]
    for a, b in zip(original, back):
        assert np.array_equal(a[3].view(np.uint32), b[3].view(np.uint32)), f"{a[0]}/{a[1]} differs after the round trip"
        assert json.loads(b[2]["parameters"]) == json.loads(a[2]["parameters"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sol", required=True, help="the sol executable")
    parser.add_argument("--dir", required=True, help="work directory (emptied first)")
    args = parser.parse_args()
    work = Path(args.dir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    passed = failed = 0

    def check(label, body, *a):
        nonlocal passed, failed
        try:
            body(*a)
            passed += 1
            print(f"ok    {label}")
        except (Exception, SystemExit):  # noqa: BLE001 - report every failure (pbdl calls sys.exit(0) on bad data)
            failed += 1
            print(f"FAIL  {label}\n{traceback.format_exc()}")

    for scenario, options in SCENARIOS.items():
        dataset = work / f"{scenario}.h5"
        try:
            run(args.sol, "generate", "--scenario", scenario, "--train", "2", "--test", "1", "--steps", str(FRAMES),
                *options, "--out", str(dataset))
        except AssertionError:
            failed += 1
            print(f"FAIL  {scenario}: generate\n{traceback.format_exc()}")
            continue
        for which in ("reference", "source-pairs"):
            suffix = "" if which == "reference" else "_source"
            pbdl_file = work / "pbdl" / f"{scenario}{suffix}.hdf5"
            well_dir = work / "well" / f"{scenario}{suffix}"
            pbdl_file.parent.mkdir(exist_ok=True)
            well_dir.parent.mkdir(exist_ok=True)
            check(f"{scenario} {which}: sol export pbdl", run, args.sol, "export", "--format", "pbdl", "--data", str(dataset),
                  "--out", str(pbdl_file), "--which", which)
            check(f"{scenario} {which}: pbdl's Dataset reads it", check_pbdl, scenario, pbdl_file, dataset, which)
            check(f"{scenario} {which}: sol import pbdl gives the frames back bit for bit", check_import, args.sol,
                  scenario, pbdl_file, "pbdl", dataset, work)
            check(f"{scenario} {which}: sol export well", run, args.sol, "export", "--format", "well", "--data", str(dataset),
                  "--out", str(well_dir), "--which", which)
            check(f"{scenario} {which}: the_well's WellDataset reads it", check_well, scenario, well_dir, dataset, which)
            check(f"{scenario} {which}: sol import well gives the frames back bit for bit", check_import, args.sol,
                  scenario, well_dir, "well", dataset, work)
    print(f"interop: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
