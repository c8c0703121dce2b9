#!/usr/bin/env python3
"""A Burgers solver for `sol train|eval --source-cmd "python3 burgers_solver.py"` (numpy only),
also the reference solver of `sol generate --scenario burgers --reference-cmd "python3 burgers_solver.py"`.

Speaks the sol-solver protocol, version 1 (docs/own-solver.md), on standard input and output:
    sol -> solver:  sol-solver 1 {"grid": [1, N], "channels": ["u"], "dt": ..., "config": {...}, ...}
    solver -> sol:  ok
    sol -> solver:  step B C H W [{"viscosity": 0.01}, ...]   then B*C*H*W little-endian float32
    solver -> sol:  ok B C H W                               then B*C*H*W little-endian float32
until end-of-file on standard input. Errors are answered `error MESSAGE`; logs go to stderr only.

The scheme is the in-process `burgers` source solver's (Sources/Solver/Burgers): viscous Burgers
u_t + u u_x = nu u_xx on a periodic interval, pseudo-spectral with 2/3 dealiasing, ETDRK4
(Cox & Matthews 2002) with Kassam & Trefethen's contour-integral coefficients (M = 32), computed
here in float64 (the in-process solver steps in float32: results agree to float32 round-off).
"""
import json
import sys

import numpy as np


def etdrk4_stepper(n, length, h, substeps, viscosities):
    """One frame (substeps ETDRK4 steps of size h) for a batch with one viscosity per item."""
    m = np.arange(n // 2 + 1)
    k = 2 * np.pi * m / length                                   # wavenumbers of the half spectrum
    kd = np.where(m == n // 2, 0.0, k)                           # odd derivative: Nyquist set to 0
    mask = (3 * m < n).astype(float)                             # 2/3-rule dealiasing
    lin = -np.asarray(viscosities)[:, None] * k[None, :] ** 2   # L = -nu k^2, per item
    hl = h * lin
    r = hl[..., None] + np.exp(1j * np.pi * (np.arange(1, 33) - 0.5) / 32)  # contour points
    e, e2 = np.exp(hl), np.exp(hl / 2)
    q = h * np.real(np.mean((np.exp(r / 2) - 1) / r, axis=-1))
    f1 = h * np.real(np.mean((-4 - r + np.exp(r) * (4 - 3 * r + r**2)) / r**3, axis=-1))
    f2 = h * np.real(np.mean((2 + r + np.exp(r) * (r - 2)) / r**3, axis=-1))
    f3 = h * np.real(np.mean((-4 - 3 * r - r**2 + np.exp(r) * (4 - r)) / r**3, axis=-1))
    g = -0.5j * kd * mask

    def nonlinear(v):                                            # -1/2 d/dx P(u^2), in Fourier space
        return g * np.fft.rfft(np.fft.irfft(v, n) ** 2)

    def step(u):
        v = np.fft.rfft(u)
        for _ in range(substeps):
            nv = nonlinear(v)
            a = e2 * v + q * nv
            na = nonlinear(a)
            b = e2 * v + q * na
            nb = nonlinear(b)
            c = e2 * a + q * (2 * nb - nv)
            v = e * v + f1 * nv + 2 * f2 * (na + nb) + f3 * nonlinear(c)
        return np.fft.irfft(v, n)
    return step


def main():
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    words = stdin.readline().split(b" ", 2)
    if len(words) < 3 or words[0] != b"sol-solver" or words[1] != b"1":
        stdout.write(b"error this solver speaks sol-solver protocol version 1\n"); stdout.flush(); return
    hello = json.loads(words[2])
    config = hello["config"]
    if hello["scenario"] != "burgers" or config.get("timeStepper", "etdrk4") != "etdrk4":
        stdout.write(b"error this example steps burgers datasets with ETDRK4 only\n"); stdout.flush(); return
    # The source solver for train/eval; `sol generate --reference-cmd` asks for the reference one.
    reference = hello.get("role") == "reference"
    n, length, dt = hello["grid"][1], config["length"], hello["dt"]
    substeps = config["referenceSubsteps" if reference else "sourceSubsteps"]
    stdout.write(b"ok burgers-numpy\n"); stdout.flush()
    steppers = {}                                                # one per batch composition
    for line in iter(stdin.readline, b""):
        _, *shape, items = line.split(b" ", 5)
        b, c, h, w = map(int, shape)
        u = np.frombuffer(stdin.read(4 * b * c * h * w), dtype="<f4").reshape(b, w).astype(np.float64)
        try:
            if items not in steppers:
                nus = [item["viscosity"] for item in json.loads(items)]
                steppers[items] = etdrk4_stepper(n, length, dt / substeps, substeps, nus)
            out = steppers[items](u)
        except Exception as error:                               # answered, not crashed: sol reports it
            stdout.write(f"error {type(error).__name__}: {error}\n".encode()); stdout.flush(); continue
        stdout.write(f"ok {b} {c} {h} {w}\n".encode())
        stdout.write(out.astype("<f4").tobytes()); stdout.flush()


if __name__ == "__main__":
    main()
