#!/usr/bin/env bash
# The karman benchmark of docs/results.md: default `sol generate` settings, tiny network, unroll 4,
# NON / FO-SOL / NOG-SOL for SEEDS, ZO-SOL (sparsity 0.9, ZO-GraSP ratios) for ZO_SEEDS, all with
# ITERATIONS iterations (batch 3, Adam 1e-3, cosine), then `sol eval` (100 steps).
#
#   ITERATIONS=150 SEEDS="0 1 2" ZO_SEEDS="0 1 2" benchmarks/karman.sh
#
# CONVOLUTION: the corrector's convolution kernels, `blocked` (the default) or `im2col` (the kernels
# before 2026-12-02: same function, other last bits; the tables of docs/results.md §1 were computed
# with them, so `CONVOLUTION=im2col` reproduces them).
set -euo pipefail
SOL=${SOL:-.build/debug/sol}
ITERATIONS=${ITERATIONS:-150}
SEEDS=${SEEDS:-"0 1 2"}
ZO_SEEDS=${ZO_SEEDS:-"0 1 2"}
DATA=${DATA:-datasets/karman.h5}
CONVOLUTION=${CONVOLUTION:-blocked}
mkdir -p runs out
[ -f "$DATA" ] || "$SOL" generate --scenario karman --out "$DATA"
COMMON=(--data "$DATA" --network tiny --convolution "$CONVOLUTION" --unroll 4 --iterations "$ITERATIONS" --checkpoint-interval 25 --resume)
for seed in $SEEDS; do
  for m in non fo-sol nog-sol; do
    "$SOL" train "${COMMON[@]}" --method $m --threads 1 --seed "$seed" --out "runs/karman-$m-s$seed.h5"
  done
done
for seed in $ZO_SEEDS; do
  "$SOL" train "${COMMON[@]}" --method zo-sol --sparsity 0.9 --threads 2 --seed "$seed" --out "runs/karman-zo-sol-s$seed.h5"
done
for seed in $SEEDS; do
  models=()
  for m in non fo-sol zo-sol nog-sol; do [ -f "runs/karman-$m-s$seed.h5" ] && models+=(--model "runs/karman-$m-s$seed.h5"); done
  "$SOL" eval --data "$DATA" "${models[@]}" | tee "out/karman-eval-s$seed.md"
done
