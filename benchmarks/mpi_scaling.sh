#!/usr/bin/env bash
# The measurements behind docs/zo-sol.md's MPI scaling model: per-iteration time of ZO-SOL on
# karman for two query counts on one thread (a straight-line fit T = S + Q·c gives the serial part
# S and the cost per query c), and the same run on 2 ranks × 1 thread (T₂ = S + Q·c/2 + A gives
# the all-reduce and split overhead A). Per-iteration times are medians over iterations 2…n (the
# first also computes the ZO-GraSP ratios and splits by the cost model before measuring). On a
# VM whose speed drifts the fit's intercept is too noisy to give S: docs/zo-sol.md takes S from
# `sol-bench rollout` and c = (T − S)/U from these runs.
# Release build; nothing else should run on the machine.
# Usage: [BIASES_ONLY=1] benchmarks/mpi_scaling.sh [network] [sparsity-low-Q] [sparsity-high-Q] [iterations]
# (BIASES_ONLY=1 adds a run at sparsity 0.99999: essentially only the biases, the smallest U.)
# CONVOLUTION: the corrector's convolution kernels, `blocked` (the default) or `im2col` (the kernels
# before 2026-12-02, with which docs/zo-sol.md's measurements were made; same function, other last
# bits, slower).
set -euo pipefail
cd "$(dirname "$0")/.."
net="${1:-tiny}"; sparse="${2:-0.99}"; dense="${3:-0.9}"; iterations="${4:-6}"
sol=.build/release/sol
work="${WORK:-out/mpi-scaling}"
convolution="${CONVOLUTION:-blocked}"
mkdir -p "$work"
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
data="$work/karman.h5"
[ -f "$data" ] || "$sol" generate --scenario karman --train 2 --test 1 --steps 20 --warmup 50 --out "$data" >/dev/null 2>&1
per_iteration() {  # prints the median seconds per iteration (2…n), the first iteration's and queries per iteration
  python3 - "$1" <<'PY'
import json, statistics, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
its = [l for l in lines if l.get("event") != "done" and "elapsed" in l]
times = [b["elapsed"] - a["elapsed"] for a, b in zip(its, its[1:])]
print(f'{statistics.median(times):.4f} first {its[0]["elapsed"]:.3f} queries {its[-1]["queries"]} (rank 0)')
PY
}
run() {  # run NAME SPARSITY [mpirun prefix...]
  local name="$1" sparsity="$2"; shift 2
  "$@" "$sol" train --data "$data" --method zo-sol --network "$net" --convolution "$convolution" --sparsity "$sparsity" --iterations "$iterations" \
      --threads 1 --schedule constant --log-interval 1 --checkpoint-interval 1000 --out "$work/$name.h5" --overwrite \
      ${MPI_FLAG:-} >/dev/null 2>&1
  echo "$name $(per_iteration "$work/$name.log.jsonl")"
}
run "$net-low" "$sparse"
run "$net-high" "$dense"
[ -n "${BIASES_ONLY:-}" ] && run "$net-biases" 0.99999
MPI_FLAG=--mpi run "$net-high-2ranks" "$dense" mpirun --oversubscribe -np 2
