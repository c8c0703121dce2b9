"""Picture of the karman vortex street from the CSV snapshots written by the physics test:

    KARMAN_STROUHAL=reference KARMAN_SNAPSHOT=/tmp/karman_snap/snap \
        swift test --skip-build --disable-swift-testing --filter KarmanPhysicsTests
    python3 docs/scenarios/karman_plot.py /tmp/karman_snap/snap docs/scenarios/karman_vortex_street.png

Needs numpy and matplotlib. Plots the vorticity ω = ∂vy/∂x − ∂vx/∂y at the cell corners (MAC
layout: vx[j, i] on the face left of cell (j, i), vy[j, i] on the face below it) for every
Reynolds number found, side by side, with the cylinder outline.
"""
import glob
import re
import sys

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
import numpy as np

prefix, out = sys.argv[1], sys.argv[2]
runs = sorted({(int(m.group(1)), int(m.group(2))) for f in glob.glob(prefix + '_*_vx.csv')
               for m in [re.search(r'_(\d+)_re(\d+)_vx\.csv$', f)] if m}, key=lambda r: (r[0], r[1]))
fig, axes = plt.subplots(1, len(runs), figsize=(3 * len(runs), 6), squeeze=False)
for ax, (cells_x, re_number) in zip(axes[0], runs):
    vx = np.loadtxt(f'{prefix}_{cells_x}_re{re_number}_vx.csv', delimiter=',')
    vy = np.loadtxt(f'{prefix}_{cells_x}_re{re_number}_vy.csv', delimiter=',')
    dx = 100 / vx.shape[1]
    omega = (vy[1:, 1:] - vy[1:, :-1]) / dx - (vx[1:, 1:] - vx[:-1, 1:]) / dx
    limit = np.percentile(np.abs(omega), 99)
    ax.imshow(omega, origin='lower', extent=(dx, 100, dx, 200), cmap='RdBu_r', vmin=-limit, vmax=limit)
    ax.add_patch(plt.Circle((50, 50), 10, color='k'))
    ax.set_title(f'Re {re_number} ({cells_x}×{2 * cells_x})')
    ax.set_xlabel('x')
axes[0][0].set_ylabel('y (flow upward)')
fig.suptitle('karman: vorticity after 1,500 steps')
fig.tight_layout()
fig.savefig(out, dpi=110)
print('wrote', out)
