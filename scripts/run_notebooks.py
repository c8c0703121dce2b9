#!/usr/bin/env python3
"""Executes the notebooks headless (nbclient) and fails if any cell fails.

    python scripts/run_notebooks.py [NOTEBOOK ...] [--out DIR] [--figures DIR] [--timeout S]
    python scripts/run_notebooks.py --strip          # remove outputs from the committed notebooks

The notebooks find their files through environment variables, which this script passes on to the
kernel unchanged (relative paths are taken from the repository root):

    SOL_DATASET    dataset of `sol generate`                 (default datasets/karman.h5)
    SOL_RUNS       training logs: a directory, a glob or ':'-separated *.log.jsonl  (default runs/)
    SOL_ROLLOUTS   rollouts of `sol eval --rollouts`         (default out/rollouts.h5)
    SOL_EVAL_JSON  output of `sol eval --format json`        (default out/eval.json, optional)
    SOL_PBDL       `sol export --format pbdl` of the dataset (default: the dataset with .hdf5, optional)
    SOL_SIM, SOL_STEP   test simulation and step shown by notebook 3

--figures DIR sets SOL_FIGURES=DIR: the notebooks also write their main figures there as PNG.
--out DIR writes the executed notebooks (with their pictures) to DIR; the committed ones are never
modified, and must have no outputs (checked first, so diffs stay readable; --strip fixes them).

Prints one line per notebook, the failing cell's source and error if one fails, and closes with
"notebooks: N passed, M failed"; the exit status is 1 if any notebook failed.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ANSI = re.compile(r"\x1b\[[0-9;]*m")  # colours of IPython tracebacks
ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


class ThisPythonKernels(KernelSpecManager):
    """Every kernel name maps to an IPython kernel of the interpreter running this script (the
    venv's), whatever kernels a user has registered elsewhere."""

    def get_kernel_spec(self, kernel_name):
        return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                          display_name=f"Python ({sys.executable})", language="python", env={})


def outputs_of(nb) -> int:
    return sum(1 for c in nb.cells if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count")))


def strip(nb) -> None:
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs = []
            c.execution_count = None
        c.metadata.pop("execution", None)
    # Interpreter details that Jupyter records when saving: not part of the notebook's content.
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}


def failing_cell(nb, error) -> str:
    """Index of the cell that raised (the error itself carries its source and traceback)."""
    for i, c in enumerate(nb.cells):
        if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", [])):
            return f"failing cell: {i} (counting from 0, markdown cells included)"
    return "failing cell: unknown"


def run(path: Path, timeout: int, out: Path | None) -> tuple[bool, str]:
    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_spec_manager=ThisPythonKernels(), kernel_name="python3", transport="ipc",
                       ip=str(Path(os.environ["JUPYTER_RUNTIME_DIR"]) / f"kernel-{os.getpid()}"))
    client = NotebookClient(nb, km=km, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    ok, detail = True, ""
    try:
        client.execute()
    except CellExecutionError as e:
        ok, detail = False, f"{failing_cell(nb, e)}\n{ANSI.sub('', str(e))}"
    except (CellTimeoutError, DeadKernelError) as e:
        ok, detail = False, f"{type(e).__name__}: {e}"
    finally:
        if km.has_kernel:
            km.shutdown_kernel(now=True)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out / path.name)
    return ok, detail


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    p.add_argument("--out", type=Path, help="write the executed notebooks to this folder")
    p.add_argument("--figures", type=Path, help="write the notebooks' main figures to this folder as PNG")
    p.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    p.add_argument("--strip", action="store_true", help="strip outputs from the notebooks in place and exit")
    a = p.parse_args()
    paths = [x.resolve() for x in a.notebooks] or sorted(NOTEBOOKS.glob("*.ipynb"))
    if not paths:
        print("notebooks: none found")
        return 1

    if a.strip:
        for path in paths:
            nb = nbformat.read(path, as_version=4)
            strip(nb)
            nbformat.write(nb, path)
            print(f"stripped {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        return 0

    if a.figures:
        os.environ["SOL_FIGURES"] = str(a.figures.resolve())
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NOTEBOOKS), os.environ.get("PYTHONPATH")]))
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    runtime = tempfile.mkdtemp(prefix="sol-notebooks-")  # kernel connection files and IPC sockets
    os.environ["JUPYTER_RUNTIME_DIR"] = runtime
    for name in ("SOL_DATASET", "SOL_RUNS", "SOL_ROLLOUTS", "SOL_EVAL_JSON"):
        print(f"{name}={os.environ.get(name, '(default)')}")

    passed = failed = 0
    for path in paths:
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        if outputs_of(nbformat.read(path, as_version=4)):
            print(f"FAIL {shown}: committed with outputs; run `python scripts/run_notebooks.py --strip`")
            failed += 1
            continue
        start = time.monotonic()
        ok, detail = run(path, a.timeout, a.out.resolve() if a.out else None)
        seconds = time.monotonic() - start
        print(f"{'ok  ' if ok else 'FAIL'} {shown} ({seconds:.1f} s)")
        if ok:
            passed += 1
        else:
            failed += 1
            print(detail, file=sys.stdout)
    shutil.rmtree(runtime, ignore_errors=True)
    print(f"notebooks: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
