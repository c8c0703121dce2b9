#!/usr/bin/env bash
# MPI checks on N ranks (needs `swift build --build-tests` first, and .venv for h5py):
# 1. ZOTrainTests.DistributedTests: coordinates split across ranks + all-reduce give the
#    single-process gradient bit for bit.
# 2. `sol train --mpi` of ZO-SOL on N ranks writes the same checkpoint parameters as a
#    single-process run (rank 0 writes the files), also through the numpy example solver process
#    (--source-cmd: each rank starts its own), with --estimator guided, and ZO-SOL --estimator vjp
#    (the ranks share the perturbed solver states).
# 3. Ranks that cannot silently disagree (MPMD launches, as node-local disks give): another
#    dataset or another option on the last rank ends every rank with one message naming it; a
#    missing file on the last rank ends the job (no hang); a resume where every rank has its own
#    output directory (only rank 0's holds the checkpoint, the last rank's holds a stale one)
#    finishes bit-identical to one process.
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
same() {
.venv/bin/python - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
sys.exit(0 if np.array_equal(a["parameters"][...], b["parameters"][...]) and a.attrs["step"] == b.attrs["step"] else 1)
PY
}
passed=0; failed=0
check() {  # check NAME COMMAND...: counts a pass when the command succeeds
  local name="$1"; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "mpi: FAILED: $name" >&2; fi
}
check "sol train --mpi equals one process" same "$work/single.h5" "$work/mpi.h5"
# A user's solver process (docs/own-solver.md): every rank starts its own; the same checkpoint.
ext=(--source-cmd "$PWD/.venv/bin/python examples/python/burgers_solver.py")
"$sol" "${args[@]}" "${ext[@]}" --out "$work/single-ext.h5" 2>/dev/null
mpirun --oversubscribe -np "$ranks" "$sol" "${args[@]}" "${ext[@]}" --out "$work/mpi-ext.h5" --mpi 2>/dev/null
check "sol train --mpi --source-cmd equals one process" same "$work/single-ext.h5" "$work/mpi-ext.h5"
# Guided sparse CGE: the queries split as for sparse CGE, the NOG guide and its scale fit the same
# on every rank; the same checkpoint as one process.
"$sol" "${args[@]}" --estimator guided --out "$work/single-guided.h5" 2>/dev/null
mpirun --oversubscribe -np "$ranks" "$sol" "${args[@]}" --estimator guided --out "$work/mpi-guided.h5" --mpi 2>/dev/null
check "sol train --mpi --estimator guided equals one process" same "$work/single-guided.h5" "$work/mpi-guided.h5"
# ZO-SOL --estimator vjp: the ranks share the perturbed states (forward differences, also through
# the numpy solver process); the same checkpoint as one process.
vjp=(train --data "$work/data.h5" --method zo-sol --estimator vjp --vjp-scheme forward --mu 1e-2 --unroll 3 --iterations 4
     --threads 1 --checkpoint-interval 2)
"$sol" "${vjp[@]}" --out "$work/single-vjp.h5" 2>/dev/null
mpirun --oversubscribe -np "$ranks" "$sol" "${vjp[@]}" --out "$work/mpi-vjp.h5" --mpi 2>/dev/null
check "sol train --mpi --estimator vjp equals one process" same "$work/single-vjp.h5" "$work/mpi-vjp.h5"
"$sol" "${vjp[@]}" "${ext[@]}" --out "$work/single-vjp-ext.h5" 2>/dev/null
mpirun --oversubscribe -np "$ranks" "$sol" "${vjp[@]}" "${ext[@]}" --out "$work/mpi-vjp-ext.h5" --mpi 2>/dev/null
check "sol train --mpi --estimator vjp --source-cmd equals one process" same "$work/single-vjp-ext.h5" "$work/mpi-vjp-ext.h5"

# MPMD: the first N-1 ranks get $left, the last rank $right (each an argument list).
mpmd() {  # mpmd OUTPUT_FILE -- LEFT ARGS -- RIGHT ARGS
  local out="$1"; shift 2
  local left=() right=()
  while [ "$1" != "--" ]; do left+=("$1"); shift; done; shift
  right=("$@")
  local status=0
  timeout 60 mpirun --oversubscribe -np $((ranks - 1)) "$sol" "${left[@]}" : -np 1 "$sol" "${right[@]}" >"$out" 2>&1 || status=$?
  echo "$status" >"$out.status"
}
expect_failure() {  # expect_failure LOG PATTERN: a non-zero exit within the timeout and the message
  local status; status="$(cat "$1.status")"
  [ "$status" -ne 0 ] && [ "$status" -ne 124 ] && grep -q -- "$2" "$1" || { cat "$1" >&2; return 1; }
}
"$sol" generate --scenario burgers --resolution 16 --train 2 --test 1 --steps 20 --seed 7 --out "$work/other.h5" 2>/dev/null
base=(train --method zo-sol --unroll 2 --iterations 6 --sparsity 0.5 --threads 1 --checkpoint-interval 3 --mpi)
mpmd "$work/dataset.log" -- "${base[@]}" --data "$work/data.h5" --out "$work/d.h5" -- "${base[@]}" --data "$work/other.h5" --out "$work/d.h5"
check "another dataset on rank $((ranks - 1))" expect_failure "$work/dataset.log" "rank $((ranks - 1)) on .*: dataset fingerprint"
mpmd "$work/option.log" -- "${base[@]}" --data "$work/data.h5" --out "$work/o.h5" -- "${base[@]}" --data "$work/data.h5" --out "$work/o.h5" --mu 0.002
check "another option on rank $((ranks - 1))" expect_failure "$work/option.log" "rank $((ranks - 1)) on .*: options zo.mu"
mpmd "$work/missing.log" -- "${base[@]}" --data "$work/data.h5" --out "$work/x.h5" -- "${base[@]}" --data "$work/missing.h5" --out "$work/x.h5"
check "a rank that fails ends the job" expect_failure "$work/missing.log" "rank $((ranks - 1)) of $ranks on .*: no such file: $work/missing.h5"

# Resume with rank-local outputs: 3 iterations, then 3 more; the last rank's directory holds a
# checkpoint of another run, which it must never read.
const=(train --data "$work/data.h5" --method zo-sol --unroll 2 --sparsity 0.5 --threads 1 --schedule constant --checkpoint-interval 3)
mkdir -p "$work/node0" "$work/node1"
"$sol" "${const[@]}" --iterations 6 --out "$work/straight.h5" 2>/dev/null
"$sol" "${const[@]}" --iterations 3 --seed 9 --out "$work/node1/run.h5" 2>/dev/null
mpmd "$work/first.log" -- "${const[@]}" --iterations 3 --out "$work/node0/run.h5" --mpi -- "${const[@]}" --iterations 3 --out "$work/node1/other.h5" --mpi
mpmd "$work/resume.log" -- "${const[@]}" --iterations 6 --out "$work/node0/run.h5" --mpi --resume -- "${const[@]}" --iterations 6 --out "$work/node1/run.h5" --mpi --resume
check "resume with rank-local outputs" same "$work/straight.h5" "$work/node0/run.h5"
[ "$(cat "$work/resume.log.status")" = 0 ] || { cat "$work/resume.log" >&2; failed=$((failed + 1)); }

echo "mpi ($ranks ranks): $passed passed, $failed failed"
[ "$failed" -eq 0 ]
