#!/usr/bin/env bash
# ZO-SOL sensitivity study on burgers (the `sol quickstart` setup: N = 16, reference 64, 6 train +
# 4 test simulations × 120 frames, tiny network, unroll 4, batch 3, Adam lr 3e-3 cosine).
# One factor at a time around the base (central, μ = 1e-3, sparsity 0.9, mask re-drawn every
# iteration), and guided sparse CGE (NOG-SOL's gradient as control variate) at sparsity 0.9 and
# 0.99; FO-SOL, NON and NOG-SOL per seed (FO-SOL gives the SRC → FO-SOL gap). Results: $DIR/summary.md.
#
#   ITERATIONS=400 SEEDS="0 1 2" DIR=out/sensitivity benchmarks/sensitivity.sh
#
# CONVOLUTION: the corrector's convolution kernels, `blocked` (the default) or `im2col` (the kernels
# before 2026-12-02: same function, other last bits; the table of docs/results.md §3 was computed
# with them, so `CONVOLUTION=im2col` reproduces it).
#
# Re-running continues (finished checkpoints are reused, killed ones resume).
set -euo pipefail
SOL=${SOL:-.build/debug/sol}
ITERATIONS=${ITERATIONS:-400}
SEEDS=${SEEDS:-"0 1 2"}
DIR=${DIR:-out/sensitivity}
THREADS=${THREADS:-2}
CONVOLUTION=${CONVOLUTION:-blocked}
mkdir -p "$DIR/runs"
DATA="$DIR/burgers.h5"
[ -f "$DATA" ] || "$SOL" generate --scenario burgers --resolution 16 --train 6 --test 4 --steps 120 --seed 0 --out "$DATA"

# Iterations per epoch: 6 simulations × (120 − 4) windows / batch 3 = 232.
EPOCH=232
COMMON=(--data "$DATA" --unroll 4 --network tiny --convolution "$CONVOLUTION" --batch-size 3 --lr 3e-3 --schedule cosine
        --iterations "$ITERATIONS" --threads "$THREADS" --checkpoint-interval 100 --log-interval 10 --resume)
# name: ZO options
CONFIGS=(
  "base:--estimator central --mu 1e-3 --sparsity 0.9 --redraw-interval 1"
  "mu1e-4:--estimator central --mu 1e-4 --sparsity 0.9 --redraw-interval 1"
  "mu5e-3:--estimator central --mu 5e-3 --sparsity 0.9 --redraw-interval 1"
  "forward:--estimator forward --mu 1e-3 --sparsity 0.9 --redraw-interval 1"
  "sparsity0:--estimator central --mu 1e-3 --sparsity 0 --redraw-interval 1"
  "sparsity0.5:--estimator central --mu 1e-3 --sparsity 0.5 --redraw-interval 1"
  "redraw-epoch:--estimator central --mu 1e-3 --sparsity 0.9 --redraw-interval $EPOCH"
  "sparsity0.99:--estimator central --mu 1e-3 --sparsity 0.99 --redraw-interval 1"
  "guided0.9:--estimator guided --mu 1e-3 --sparsity 0.9 --redraw-interval 1"
  "guided0.99:--estimator guided --mu 1e-3 --sparsity 0.99 --redraw-interval 1"
  "guided0.9-forward:--estimator guided --guided-scheme forward --mu 1e-3 --sparsity 0.9 --redraw-interval 1"
)
for seed in $SEEDS; do
  models=()
  for m in fo-sol non nog-sol; do
    out="$DIR/runs/$m-s$seed.h5"
    /usr/bin/time -f "$m seed $seed: %e s" -a -o "$DIR/times.txt" "$SOL" train "${COMMON[@]}" --method $m --seed "$seed" --out "$out" 2>/dev/null
    models+=(--model "$out")
  done
  for entry in "${CONFIGS[@]}"; do
    name=${entry%%:*}; opts=${entry#*:}
    out="$DIR/runs/zo-$name-s$seed.h5"
    # shellcheck disable=SC2086
    /usr/bin/time -f "zo-$name seed $seed: %e s" -a -o "$DIR/times.txt" "$SOL" train "${COMMON[@]}" --method zo-sol $opts --seed "$seed" --out "$out" 2>/dev/null
    models+=(--model "$out")
  done
  "$SOL" eval --data "$DATA" "${models[@]}" --format json > "$DIR/eval-s$seed.json" 2>/dev/null
done
python3 "$(dirname "$0")/sensitivity_summary.py" "$DIR"/eval-s*.json | tee "$DIR/summary.md"
