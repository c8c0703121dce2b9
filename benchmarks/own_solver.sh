#!/usr/bin/env bash
# Your own solver (docs/own-solver.md): ZO-SOL rollout queries per second with the in-process
# source solver, the numpy example over the sol-solver protocol (--source-cmd) and the C example
# as a plug-in (--source-lib); then, on karman-sized states (2 × 32 × 64, batch 3), the cost of the
# protocol alone: identity "solvers" (a Python process, a C plug-in) against the in-process karman
# solver. Tiny network, unroll 4, batch 3, 2 threads; dense central CGE on burgers, sparse CGE
# (0.9, ZO-GraSP ratios computed before the timed loop) on karman; queries/s = queries of the
# timed iterations / their wall time, from the training log (the first iteration, which includes
# process start-up and plan creation, is left out).
#
#   SOL=.build/release/sol PYTHON=python3 ITERATIONS=12 benchmarks/own_solver.sh
#
# CONVOLUTION: the corrector's convolution kernels, `blocked` (the default) or `im2col` (the kernels
# before 2026-12-02, with which the rates of benchmarks/README.md were measured; same function,
# other last bits, slower).
set -euo pipefail
SOL=${SOL:-.build/release/sol}
PYTHON=${PYTHON:-python3}
ITERATIONS=${ITERATIONS:-12}
DIR=${DIR:-out/own-solver-bench}
CONVOLUTION=${CONVOLUTION:-blocked}
mkdir -p "$DIR"
export OPENBLAS_NUM_THREADS=1

cc -O2 -ffp-contract=off -fPIC -shared -I include examples/c/burgers_solver.c -lfftw3f -lm -o "$DIR/libburgers_solver.so"
cat > "$DIR/identity.c" <<'C'
#include "sol_solver.h"
int sol_solver_abi_version(void) { return SOL_SOLVER_ABI_VERSION; }
static int instance;
void *sol_solver_create(const sol_solver_config *c, char *e, int n) { (void)c; (void)e; (void)n; return &instance; }
int sol_solver_step(void *s, float *x, int b) { (void)s; (void)x; (void)b; return 0; }
const char *sol_solver_error(void *s) { (void)s; return ""; }
void sol_solver_destroy(void *s) { (void)s; }
C
cc -O2 -fPIC -shared -I include "$DIR/identity.c" -o "$DIR/libidentity.so"
cat > "$DIR/identity.py" <<'PY'
import sys
i, o = sys.stdin.buffer, sys.stdout.buffer
i.readline(); o.write(b"ok\n"); o.flush()
for line in iter(i.readline, b""):
    _, b, c, h, w, items = line.split(b" ", 5)
    data = i.read(4 * int(b) * int(c) * int(h) * int(w))
    o.write(b"ok %s %s %s %s\n" % (b, c, h, w)); o.write(data); o.flush()
PY

[ -f "$DIR/burgers.h5" ] || "$SOL" generate --scenario burgers --train 2 --test 1 --steps 40 --out "$DIR/burgers.h5"
[ -f "$DIR/karman.h5" ] || "$SOL" generate --scenario karman --train 1 --test 1 --steps 12 --warmup 0 --out "$DIR/karman.h5"

rate() {  # queries/s over log lines 2.. of a run
  "$PYTHON" -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if "event" not in l][1:]
q = sum(r["queries"] for r in rows); t = rows[-1]["elapsed"] - json.loads(open(sys.argv[1]).readline())["elapsed"]
print(f"{q / t:.0f}")' "$1"
}
run() {  # label data iterations sparsity extra...
  local label=$1 data=$2 iterations=$3 sparsity=$4; shift 4
  "$SOL" train --data "$data" --method zo-sol --sparsity "$sparsity" --convolution "$CONVOLUTION" --unroll 4 --threads 2 --iterations "$iterations" \
    --log-interval 1 --checkpoint-interval 1000 --overwrite --out "$DIR/$label.h5" "$@" 2>/dev/null >/dev/null
  printf '| %s | %s |\n' "$label" "$(rate "$DIR/$label.log.jsonl")"
}
echo "| run | queries/s |"
echo "| --- | ---: |"
run burgers-in-process "$DIR/burgers.h5" "$ITERATIONS" 0
run burgers-python "$DIR/burgers.h5" "$ITERATIONS" 0 --source-cmd "$PYTHON examples/python/burgers_solver.py"
run burgers-c-plugin "$DIR/burgers.h5" "$ITERATIONS" 0 --source-lib "$DIR/libburgers_solver.so"
run burgers-python-identity "$DIR/burgers.h5" "$ITERATIONS" 0 --source-cmd "$PYTHON $DIR/identity.py"
run burgers-c-identity "$DIR/burgers.h5" "$ITERATIONS" 0 --source-lib "$DIR/libidentity.so"
run karman-in-process "$DIR/karman.h5" 4 0.9
run karman-python-identity "$DIR/karman.h5" 4 0.9 --source-cmd "$PYTHON $DIR/identity.py"
run karman-c-identity "$DIR/karman.h5" 4 0.9 --source-lib "$DIR/libidentity.so"
