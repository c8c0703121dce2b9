#!/usr/bin/env bash
# Runs the ZOTrain MPI test on 2 ranks: coordinates split across ranks + all-reduce must give
# the single-process gradient bit for bit. Needs `swift build --build-tests` first.
# Usage: scripts/test_mpi.sh [ranks]
set -euo pipefail
cd "$(dirname "$0")/.."
ranks="${1:-2}"
bin="$(swift build --show-bin-path)/SolverInTheLoopPackageTests.xctest"
[ -x "$bin" ] || { echo "build the tests first: swift build --build-tests" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
mpirun --oversubscribe -np "$ranks" "$bin" ZOTrainTests.DistributedTests
