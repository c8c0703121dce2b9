#!/usr/bin/env bash
# The converged karman study of docs/results.md ("Trained to convergence"): the MacCormack-reference
# dataset, unroll 4, batch 3, Adam 1e-3 with the cosine schedule, every method for the same
# ITERATIONS. Two phases, each resumable (every run is `--resume`d, so a rerun skips finished runs
# and continues an interrupted one from its last checkpoint):
#
#   benchmarks/karman_converged.sh curve    # FO-SOL at CURVE iteration counts (seed 0): where it flattens
#   ITERATIONS=2400 benchmarks/karman_converged.sh study  # SRC, NON, NOG-SOL, FO-SOL, ZO-SOL per seed
#
# NETWORK (small), SEEDS ("0 1 2"), ESTIMATORS of ZO-SOL ("vjp"; also "guided" and "sparse", both at
# sparsity 0.9), VJP_SCHEME (forward), CONVOLUTION (blocked; im2col for the runs made before the
# blocked kernels, e.g. the `small` rows of docs/results.md), RUNS (runs/converged), SOL (release build).
set -euo pipefail
SOL=${SOL:-.build/release/sol}
DATA=${DATA:-datasets/karman-mc.h5}
RUNS=${RUNS:-runs/converged}
NETWORK=${NETWORK:-small}
SEEDS=${SEEDS:-"0 1 2"}
CURVE=${CURVE:-"150 300 600 1200 2400"}
ITERATIONS=${ITERATIONS:-2400}
VJP_SCHEME=${VJP_SCHEME:-forward}
ESTIMATORS=${ESTIMATORS:-vjp}
CONVOLUTION=${CONVOLUTION:-blocked}
mkdir -p "$RUNS" out
[ -f "$DATA" ] || "$SOL" generate --scenario karman --advection maccormack --out "$DATA"
COMMON=(--data "$DATA" --network "$NETWORK" --convolution "$CONVOLUTION" --unroll 4 --checkpoint-interval 25 --resume)

case "${1:-}" in
curve)
  models=()
  for n in $CURVE; do
    out="$RUNS/$NETWORK-fo-sol-n$n-s0.h5"
    "$SOL" train "${COMMON[@]}" --method fo-sol --iterations "$n" --threads 1 --seed 0 --out "$out"
    models+=(--model "$out")
  done
  "$SOL" eval --data "$DATA" "${models[@]}" | tee "out/karman-converged-curve-$NETWORK.md"
  ;;
study)
  for seed in $SEEDS; do
    for m in non nog-sol fo-sol; do
      "$SOL" train "${COMMON[@]}" --method $m --iterations "$ITERATIONS" --threads 1 --seed "$seed" \
        --out "$RUNS/$NETWORK-$m-n$ITERATIONS-s$seed.h5"
    done
    models=()
    for m in non fo-sol nog-sol; do models+=(--model "$RUNS/$NETWORK-$m-n$ITERATIONS-s$seed.h5"); done
    for estimator in $ESTIMATORS; do
      case "$estimator" in
        vjp) zo=(--estimator vjp --vjp-scheme "$VJP_SCHEME" --mu 1e-2) ;;
        guided) zo=(--estimator guided --sparsity 0.9) ;;
        sparse) zo=(--estimator central --sparsity 0.9) ;;
        *) echo "ESTIMATORS: vjp, guided or sparse, got $estimator" >&2; exit 64 ;;
      esac
      out="$RUNS/$NETWORK-zo-$estimator-n$ITERATIONS-s$seed.h5"
      "$SOL" train "${COMMON[@]}" --method zo-sol "${zo[@]}" --iterations "$ITERATIONS" --threads 2 --seed "$seed" \
        --checkpoint-interval 10 --out "$out"
      models+=(--model "$out")
    done
    "$SOL" eval --data "$DATA" "${models[@]}" | tee "out/karman-converged-$NETWORK-n$ITERATIONS-s$seed.md"
  done
  ;;
*)
  echo "usage: $0 curve|study (see the header)" >&2
  exit 64
  ;;
esac
