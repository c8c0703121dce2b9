#!/usr/bin/env python3
"""Reads a fixture written by the Swift HDF5 store with h5py and checks values and attributes.

Run by `make test` after `HDF5Tests/testWriteInteropFixture` wrote the file; proves that the
project's files are usable from the Python ecosystem (numpy, h5py, Jupyter).
"""
import sys

import h5py
import numpy as np


def main(path: str) -> int:
    failures = []

    def check(name, condition):
        print(("ok   " if condition else "FAIL ") + name)
        if not condition:
            failures.append(name)

    with h5py.File(path, "r") as f:
        check("scenario attribute is a str", f.attrs["scenario"] == "fixture")
        check("integer attribute", int(f.attrs["steps"]) == 3)
        check("float attribute", float(f.attrs["dt"]) == 0.125)
        check("array attribute", list(f.attrs["grid"]) == [2, 3])
        v = f["train/sim_000/velocity"]
        check("velocity is float32", v.dtype == np.float32)
        check("velocity shape [T, C, H, W]", v.shape == (3, 2, 2, 3))
        t, c, h, w = np.meshgrid(*(np.arange(n) for n in v.shape), indexing="ij")
        expected = ((t * 100 + c * 10 + h * 3 + w) / 8).astype(np.float32)
        check("velocity values", np.array_equal(v[...], expected))
        check("one time step as a slab", np.array_equal(v[1], expected[1]))
        check("dataset attribute", v.attrs["layout"] == "T,C,H,W")
        check("float64 dataset", np.array_equal(f["train/viscosity"][...], np.array([0.01, 0.04])))
        check("int64 dataset", f["seeds"].dtype == np.int64 and list(f["seeds"][...]) == [7, -1])
        # The types The Well's and PBDL's loaders insist on (written by `sol export`).
        names = f.attrs["field_names"]
        check("string-array attribute is a list of str",
              isinstance(names, np.ndarray) and names.tolist() == ["u", "kármán"] and all(isinstance(n, str) for n in names))
        check("empty string-array attribute", len(f.attrs["none"]) == 0 and list(f.attrs["none"]) == [])
        check("bool attribute is numpy.bool_", isinstance(f.attrs["flag"], np.bool_) and bool(f.attrs["flag"]) is True)
        flags = f.attrs["flags"]
        check("bool-array attribute", flags.dtype == np.bool_ and flags.tolist() == [True, False])
        check("bool dataset", f["mask"].dtype == np.bool_ and f["mask"][...].tolist() == [True, False, True])
        check("scalar dataset", f["scalar"].shape == () and f["scalar"].dtype == np.float32 and f["scalar"][()] == np.float32(0.25))
    print(f"h5py: {17 - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
