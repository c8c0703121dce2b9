"""Wake-flow (karman) step time of PhiFlow 3.4 on the NumPy backend, for comparison with
`swift run -c release sol-bench karman` (see benchmarks/README.md, section "Karman").

The step mirrors the Solver-in-the-Loop wake flow (book version, PhiFlow 3 API): explicit
diffusion, the inflow condition (v = (0, 1) on faces below y = 5, mask built from the face
positions: a `Box(y=(None, 5))` selects every cell in PhiFlow 3.4), semi-Lagrangian self-advection
and the pressure projection with the cylinder (CG, relative/absolute tolerance 1e-5), domain
100 x 200, cylinder radius 10 at (50, 50), side walls no-slip as in the book, open top/bottom.

    python3 -m venv /tmp/phivenv && /tmp/phivenv/bin/pip install phiflow==3.4.0
    /tmp/phivenv/bin/python benchmarks/phiflow_karman.py [--steps 10] [--quick]

Prints one markdown row per (grid, batch): the median wall time of one step after warm-up steps
(the vortex street need not be developed for timing; the CG iteration count depends on the state,
so the median over consecutive steps from a state after `--warmup` steps is reported).
"""
import argparse
import platform
import statistics
import time

from phi.flow import *  # noqa: F401,F403  (PhiFlow's documented entry point; NumPy backend)
from phi import math as pmath
from phi.math import extrapolation


def make_setup(cells_x, cells_y, batch_size):
    bounds = Box(x=100, y=200)
    boundary = extrapolation.combine_sides(x=extrapolation.ZERO, y=extrapolation.BOUNDARY)
    dims = dict(x=cells_x, y=cells_y, bounds=bounds)
    velocity = StaggeredGrid((0, 1), boundary, **dims)
    if batch_size > 1:  # a batch dimension: every state stepped together
        velocity = velocity * pmath.ones(batch(b=batch_size))

    def mask_values(pos):
        below = pmath.where(pos.vector['y'] < 5, 1.0, 0.0)
        return pmath.stack({'x': below, 'y': below}, channel(vector='x,y'))

    inflow_mask = StaggeredGrid(mask_values, boundary, **dims)
    obstacle = Obstacle(Sphere(center=pmath.tensor([50, 50], channel(vector='x,y')), radius=10))
    return velocity, inflow_mask, obstacle


def step(velocity, inflow_mask, obstacle, re=390.625, dt=1.0, res=128):
    nu = dt * res * res / (re / (10 / 128 ** 2))  # the book's diffusivity at resolution `res`
    velocity = diffuse.explicit(velocity, nu, dt)
    velocity = velocity * (1 - inflow_mask) + inflow_mask * (0, 1)
    velocity = advect.semi_lagrangian(velocity, velocity, dt)
    velocity, _ = fluid.make_incompressible(velocity, (obstacle,), Solve('CG', 1e-5, 1e-5, max_iterations=5000))
    return velocity


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--steps', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--quick', action='store_true', help='source grid only')
    args = parser.parse_args()
    print(f'PhiFlow {phi.__version__} (NumPy backend), Python {platform.python_version()}, {platform.processor() or platform.machine()}')
    print('| benchmark | median | steps |')
    print('| --- | ---: | ---: |')
    grids = [(32, 64)] if args.quick else [(32, 64), (128, 256)]
    for cells_x, cells_y in grids:
        for batch_size in (1, 16):
            velocity, mask, obstacle = make_setup(cells_x, cells_y, batch_size)
            steps = args.steps if cells_x == 32 else max(3, args.steps // 3)
            for _ in range(args.warmup):
                velocity = step(velocity, mask, obstacle)
            times = []
            for _ in range(steps):
                start = time.perf_counter()
                velocity = step(velocity, mask, obstacle)
                times.append(time.perf_counter() - start)
            print(f'| phiflow step {cells_x}x{cells_y} batch {batch_size} | {1e3 * statistics.median(times):.1f} ms | {steps} |', flush=True)


if __name__ == '__main__':
    main()
