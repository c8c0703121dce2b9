"""Peer measurement for `sol-bench solver`: exponax's own steppers (JAX, jitted, CPU, float32).

    python3 -m venv /tmp/exvenv && /tmp/exvenv/bin/pip install "exponax==0.2.0" "jax[cpu]"
    /tmp/exvenv/bin/python benchmarks/exponax_steps.py [--samples 9] [--threads 1]

Rows match sol-bench's spectral rows: Burgers 1D (N = 256, 1024) and Kolmogorov flow in vorticity
form (64², 128², 256²), one step of dt = 0.01 on a batch of one state, at exponax's default order
2 (ETDRK2) and at order 4 (ETDRK4, the scheme of our solvers), plus single real FFTs (rfft /
irfft, rfft2 / irfft2) to compare per transform. Median over `--samples` timings of repeated
jitted calls (each ≥ 0.1 s), with `block_until_ready`. `--threads 1` pins XLA's CPU backend to
one thread (our rows are single-threaded).
"""
import argparse
import os
import statistics
import time

parser = argparse.ArgumentParser()
parser.add_argument("--samples", type=int, default=9)
parser.add_argument("--threads", type=int, default=1)
args = parser.parse_args()
if args.threads == 1:
    os.environ["XLA_FLAGS"] = os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import exponax as ex  # noqa: E402


def measure(f, x):
    fn = jax.jit(lambda y: f(y))  # a closure: the stepper's arrays become constants of the trace
    fn(x).block_until_ready()
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            y = fn(x)
        y.block_until_ready()
        if time.perf_counter() - start >= 0.1:
            break
        calls *= 2
    times = []
    for _ in range(args.samples):
        start = time.perf_counter()
        for _ in range(calls):
            y = fn(x)
        y.block_until_ready()
        times.append((time.perf_counter() - start) / calls)
    return statistics.median(times)


def row(name, seconds):
    unit = f"{seconds * 1e6:.2f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.3f} ms"
    print(f"| {name} | {unit} |", flush=True)


print(f"jax {jax.__version__}, exponax {ex.__version__ if hasattr(ex, '__version__') else '0.2'}, devices {jax.devices()}")
print()
print("| benchmark | median |")
print("| --- | ---: |")
key = jax.random.PRNGKey(0)
L = 2 * jnp.pi
for n in (256, 1024):
    u = jax.random.normal(key, (1, n), dtype=jnp.float32) * 0.5
    for order in (2, 4):
        stepper = ex.stepper.Burgers(1, L, n, 0.01, diffusivity=0.02, order=order)
        row(f"exponax burgers N={n} step, order {order}", measure(stepper, u))
    row(f"jnp rfft + irfft N={n} (one pair)", measure(lambda x: jnp.fft.irfft(jnp.fft.rfft(x), n=n), u))
for n in (64, 128, 256):
    w = jax.random.normal(key, (1, n, n), dtype=jnp.float32)
    for order in (2, 4):
        stepper = ex.stepper.KolmogorovFlowVorticity(2, L, n, 0.01, diffusivity=0.02, drag=-0.1, order=order)
        row(f"exponax kolmogorov {n}² step, order {order}", measure(stepper, w))
    row(f"jnp rfft2 + irfft2 {n}² (one pair)", measure(lambda x: jnp.fft.irfft2(jnp.fft.rfft2(x), s=(n, n)), w))
