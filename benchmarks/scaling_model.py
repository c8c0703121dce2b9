"""docs/zo-sol.md's scaling model of distributed ZO-SOL, from measured per-iteration work.

One iteration on R ranks costs

    T(R) = S + c · ceil(U / R) + A(R),    A(R) = ceil(log2 R) · alpha + 2 (R − 1) / R · 8 U / bandwidth

S: the work every rank repeats (batch, first solver step, base query f(θ), update), c: one rollout
query, U: the queries split across ranks (2 per coordinate for central differences; the ± queries
of a coordinate may go to different ranks, so a rank holds ceil(U / R) at most), A: the all-reduce
of the U losses (doubles; latency alpha per round of a recursive-doubling all-reduce, and the
bandwidth term of a ring all-reduce). Efficiency E(R) = T(1) / (R · T(R)).

    python3 benchmarks/scaling_model.py --S 0.010 --c 0.0099 --U 556 --alpha 60e-6
    python3 benchmarks/scaling_model.py --S 0.13 --c 0.12 --U 10998 --alpha 60e-6

S and c come from `benchmarks/mpi_scaling.sh` (straight-line fit of seconds per iteration against
queries), alpha from `sol-bench mpi` under `mpirun --mca btl self,tcp`.
"""
import argparse
import math

parser = argparse.ArgumentParser()
parser.add_argument("--S", type=float, required=True, help="serial seconds per iteration")
parser.add_argument("--c", type=float, required=True, help="seconds per rollout query")
parser.add_argument("--U", type=int, required=True, help="queries split across ranks per iteration")
parser.add_argument("--alpha", type=float, default=60e-6, help="all-reduce latency per round (s)")
parser.add_argument("--bandwidth", type=float, default=1e9, help="network bandwidth (bytes/s)")
parser.add_argument("--ranks", type=str, default="1,2,4,8,16,32,64,128,256,512,1024")
args = parser.parse_args()


def allreduce(r):
    if r == 1:
        return 0.0
    return math.ceil(math.log2(r)) * args.alpha + 2 * (r - 1) / r * 8 * args.U / args.bandwidth


def iteration(r):
    return args.S + args.c * math.ceil(args.U / r) + allreduce(r)


t1 = iteration(1)
print(f"S = {args.S:g} s, c = {args.c:g} s, U = {args.U}, alpha = {args.alpha:g} s, bandwidth = {args.bandwidth:g} B/s\n")
print("| ranks | queries per rank | all-reduce | s per iteration | speed-up | efficiency |")
print("| ---: | ---: | ---: | ---: | ---: | ---: |")
for r in (int(x) for x in args.ranks.split(",")):
    if r > args.U:
        break
    t = iteration(r)
    print(f"| {r} | {math.ceil(args.U / r)} | {allreduce(r) * 1e3:.2f} ms | {t:.4g} | {t1 / t:.1f} | {t1 / (r * t):.2f} |")
