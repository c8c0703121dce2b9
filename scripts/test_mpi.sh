#!/usr/bin/env bash
# MPI checks on 2 ranks (needs `swift build --build-tests` first, and .venv for h5py):
# 1. ZOTrainTests.DistributedTests: coordinates split across ranks + all-reduce give the
#    single-process gradient bit for bit.
# 2. `sol train --mpi` of ZO-SOL on 2 ranks writes the same checkpoint parameters as a
#    single-process run (rank 0 writes the files).
# Usage: scripts/test_mpi.sh [ranks]
set -euo pipefail
cd "$(dirname "$0")/.."
ranks="${1:-2}"
bins="$(swift build --show-bin-path)"
bin="$bins/SolverInTheLoopPackageTests.xctest"
[ -x "$bin" ] || { echo "build the tests first: swift build --build-tests" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
mpirun --oversubscribe -np "$ranks" "$bin" ZOTrainTests.DistributedTests

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sol="$bins/sol"
"$sol" generate --scenario burgers --resolution 16 --train 2 --test 1 --steps 20 --out "$work/data.h5" 2>/dev/null
args=(train --data "$work/data.h5" --method zo-sol --unroll 2 --iterations 6 --sparsity 0.5 --threads 1 --checkpoint-interval 3)
"$sol" "${args[@]}" --out "$work/single.h5" 2>/dev/null
mpirun --oversubscribe -np "$ranks" "$sol" "${args[@]}" --out "$work/mpi.h5" --mpi 2>/dev/null
.venv/bin/python - "$work/single.h5" "$work/mpi.h5" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
same = np.array_equal(a["parameters"][...], b["parameters"][...]) and a.attrs["step"] == b.attrs["step"]
print("mpi: 1 passed, 0 failed" if same else "mpi: 0 passed, 1 failed (sol train --mpi differs from one process)")
sys.exit(0 if same else 1)
PY
