"""Small helpers shared by the notebooks: finding the project's files, reading them with h5py,
deriving velocity / vorticity and drawing fields on their physical domain.

The file formats are described in docs/file-formats.md. Every reader here follows that page; the
notebooks call these helpers so that the cells themselves show the physics, not the bookkeeping.

Files are located from environment variables (set by scripts/run_notebooks.py, or by you):

    SOL_DATASET    a dataset written by `sol generate`         default: datasets/karman.h5, else the first datasets/*.h5
    SOL_RUNS       a directory, a glob, or files (joined by ':') of training logs *.log.jsonl   default: runs/
    SOL_ROLLOUTS   the rollouts file of `sol eval --rollouts`  default: out/rollouts.h5
    SOL_EVAL_JSON  the output of `sol eval --format json`      default: out/eval.json
    SOL_PBDL       a PBDL export of the dataset (`sol export --format pbdl`)  default: the dataset's path with .hdf5
    SOL_FIGURES    if set, every figure drawn through `save` is also written there as PNG

Relative paths are resolved against the repository root (the folder holding Package.swift).
"""
from __future__ import annotations

import glob
import json
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

import matplotlib

if "ipykernel" not in sys.modules:  # outside Jupyter: draw off-screen
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

VORTICITY_NAMES = {"w", "omega", "vorticity", "wz", "vort"}
METHOD_ORDER = ["SRC", "NON", "FO-SOL", "ZO-SOL", "NOG-SOL"]
METHOD_COLORS = {"reference": "black", "SRC": "tab:gray", "NON": "tab:orange", "FO-SOL": "tab:blue",
                 "ZO-SOL": "tab:red", "NOG-SOL": "tab:green"}


# --------------------------------------------------------------------------- locating files

def repo_root() -> Path:
    """The first folder upward from the working directory that holds Package.swift (else the cwd)."""
    here = Path.cwd().resolve()
    for folder in [here, *here.parents]:
        if (folder / "Package.swift").exists():
            return folder
    return here


def _resolve(path: str) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else repo_root() / p


def dataset_path(required: bool = True) -> Path | None:
    """SOL_DATASET, else datasets/karman.h5, else the first datasets/*.h5."""
    if os.environ.get("SOL_DATASET"):
        return _existing(_resolve(os.environ["SOL_DATASET"]), "SOL_DATASET", required)
    folder = repo_root() / "datasets"
    candidates = [folder / "karman.h5"] + sorted(folder.glob("*.h5"))
    for c in candidates:
        if c.exists():
            return c
    return _missing("a dataset: run `sol generate --scenario karman --out datasets/karman.h5` or set SOL_DATASET",
                    required)


def rollouts_path(required: bool = True) -> Path | None:
    """SOL_ROLLOUTS, else out/rollouts.h5."""
    return _existing(_resolve(os.environ.get("SOL_ROLLOUTS") or "out/rollouts.h5"), "SOL_ROLLOUTS", required,
                     "run `sol eval ... --rollouts out/rollouts.h5` or set SOL_ROLLOUTS")


def pbdl_path(required: bool = False) -> Path | None:
    """SOL_PBDL, else the dataset's path with the suffix .hdf5 (what `sol export --format pbdl` writes)."""
    dataset = dataset_path(required=False)
    default = dataset.with_suffix(".hdf5") if dataset is not None else Path("datasets/karman.hdf5")
    return _existing(_resolve(os.environ.get("SOL_PBDL") or str(default)), "SOL_PBDL", required,
                     "run `sol export --format pbdl --data DATASET --out DATASET.hdf5` or set SOL_PBDL")


def eval_json_path(required: bool = False) -> Path | None:
    """SOL_EVAL_JSON, else out/eval.json."""
    return _existing(_resolve(os.environ.get("SOL_EVAL_JSON") or "out/eval.json"), "SOL_EVAL_JSON", required,
                     "run `sol eval ... --format json > out/eval.json` or set SOL_EVAL_JSON")


def log_paths(required: bool = True) -> list[Path]:
    """Training logs named by SOL_RUNS (a directory, a glob or ':'-separated files), else runs/*.log.jsonl."""
    spec = os.environ.get("SOL_RUNS") or "runs"
    paths: list[Path] = []
    for part in spec.split(os.pathsep):
        if not part:
            continue
        p = _resolve(part)
        if p.is_dir():
            paths += sorted(p.glob("*.log.jsonl"))
        elif any(ch in part for ch in "*?["):
            paths += sorted(Path(x) for x in glob.glob(str(p)))
        elif p.exists():
            paths.append(p)
        else:
            raise FileNotFoundError(f"SOL_RUNS names {p}, which does not exist")
    if not paths and required:
        raise FileNotFoundError(f"no training log (*.log.jsonl) in {spec}: run `sol train ... --out runs/zo.h5` "
                                "(it writes runs/zo.log.jsonl) or set SOL_RUNS")
    return paths


def _existing(p: Path, variable: str, required: bool, hint: str = "") -> Path | None:
    if p.exists():
        return p
    return _missing(f"{p} (from {variable} or its default){': ' + hint if hint else ''}", required)


def _missing(what: str, required: bool):
    if required:
        raise FileNotFoundError("missing " + what)
    return None


def save(fig, name: str) -> None:
    """Writes the figure to $SOL_FIGURES/<name>.png when SOL_FIGURES is set."""
    folder = os.environ.get("SOL_FIGURES")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        fig.savefig(Path(folder) / f"{name}.png", dpi=90, bbox_inches="tight")


# --------------------------------------------------------------------------- reading files

def text(value) -> str:
    """An HDF5 string attribute as str (h5py returns bytes for some string types)."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray) and value.dtype.kind in "SO" and value.size == 1:
        return text(value.item())
    return str(value)


def attributes(obj) -> dict:
    """All attributes of an HDF5 object, strings decoded, 1-element arrays unwrapped."""
    out = {}
    for k, v in obj.attrs.items():
        if isinstance(v, (bytes, np.bytes_)) or (isinstance(v, np.ndarray) and v.dtype.kind in "SO"):
            out[k] = text(v) if np.size(v) == 1 else [text(x) for x in np.ravel(v)]
        elif isinstance(v, np.ndarray) and v.size == 1:
            out[k] = v.item()
        elif isinstance(v, np.ndarray):
            out[k] = v.tolist()
        elif isinstance(v, np.generic):
            out[k] = v.item()
        else:
            out[k] = v
    return out


def simulation_parameters(attrs: dict) -> dict:
    """The numeric parameters of a simulation group (its attributes without the JSON copy)."""
    return {k: v for k, v in attrs.items() if k != "parameters" and isinstance(v, (int, float))}


def describe_parameters(attrs: dict) -> str:
    return ", ".join(f"{k}={v:.4g}" for k, v in simulation_parameters(attrs).items() if k != "seed")


@dataclass
class Grid:
    """What the pictures need to know about a dataset: scenario, channels, grid, domain, dt."""
    scenario: str = "unknown"
    channels: list = field(default_factory=list)
    shape: tuple = (1, 1)  # (H, W)
    domain: tuple | None = None  # (Ly, Lx); None: cell indices
    dt: float = 1.0

    @property
    def is_1d(self) -> bool:
        return self.shape[0] == 1

    @property
    def periodic(self) -> bool:
        return self.scenario != "karman"

    @property
    def lengths(self) -> tuple:
        return self.domain if self.domain else (float(self.shape[0]), float(self.shape[1]))

    @property
    def spacing(self) -> tuple:
        (ly, lx), (h, w) = self.lengths, self.shape
        return ly / h, lx / w

    @property
    def extent(self) -> list:
        ly, lx = self.lengths
        return [0, lx, 0, ly]

    @property
    def x(self) -> np.ndarray:
        return (np.arange(self.shape[1]) + 0.5) * self.spacing[1]


def grid_of(attrs: dict, shape) -> Grid:
    """A Grid from root attributes (dataset or rollouts file) and a field shape [..., C, H, W]."""
    h, w = int(shape[-2]), int(shape[-1])
    try:
        config = json.loads(attrs.get("config", "{}"))
        config = config if isinstance(config, dict) else {}
    except ValueError:
        config = {}
    domain = attrs.get("domain", config.get("domain"))
    if domain is None and "length" in config:  # burgers, kolmogorov: [0, length) per periodic axis
        domain = [1.0 if h == 1 else config["length"], config["length"]]
    if domain is None and "width" in config and "height" in config:  # karman: x across, y along the flow
        domain = [config["height"], config["width"]]
    dt = attrs.get("dt", config.get("dt", 1.0))
    if domain is not None:
        domain = [float(x) for x in np.ravel(domain)]
        domain = (1.0, domain[-1]) if h == 1 else tuple(domain[-2:]) if len(domain) >= 2 else None
    channels = attrs.get("channels", "")
    channels = channels if isinstance(channels, list) else [c.strip() for c in str(channels).split(",") if c.strip()]
    if len(channels) != shape[-3]:
        channels = [f"c{i}" for i in range(shape[-3])]
    return Grid(scenario=str(attrs.get("scenario", "unknown")), channels=channels, shape=(h, w),
                domain=domain, dt=float(np.ravel(dt)[0]))


def read_log(path: Path) -> list[dict]:
    """The logged iterations of a training log (lines with an "event" are left out).

    A half-written last line (a run still going or killed) is skipped with a note."""
    rows = []
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            print(f"{path.name}:{number}: skipped an unreadable line")
            continue
        if "event" not in row and "loss" in row:
            rows.append(row)
    return rows


def base_method(name: str) -> str:
    """The method a table or log name belongs to: "ZO-SOL-2" or "ZO-SOL (zo2)" -> "ZO-SOL"."""
    upper = name.upper()
    for m in sorted(METHOD_ORDER, key=len, reverse=True):
        if upper.startswith(m):
            return m
    return name


def method_sort_key(name: str):
    base = base_method(name)
    return (METHOD_ORDER.index(base) if base in METHOD_ORDER else len(METHOD_ORDER), name)


def color(name: str) -> str:
    """One colour per method (repeated runs of a method share it); stable for unknown names."""
    if name in METHOD_COLORS:
        return METHOD_COLORS[name]
    base = base_method(name)
    return METHOD_COLORS.get(base) or f"C{sum(map(ord, name)) % 10}"


def linestyle(name: str) -> str:
    """Solid for a method's first run, dashed for repeated runs ("ZO-SOL-2")."""
    return "-" if base_method(name) == name else "--"


# --------------------------------------------------------------------------- derived fields

def _ddx(f, dx, axis, periodic):
    if periodic:
        return (np.roll(f, -1, axis) - np.roll(f, 1, axis)) / (2 * dx)
    return np.gradient(f, dx, axis=axis) if f.shape[axis] > 1 else np.zeros_like(f)


def velocity_channels(grid: Grid):
    """Indices (ix, iy) of the velocity components, or None."""
    names = [c.lower() for c in grid.channels]
    for a, b in (("vx", "vy"), ("u", "v"), ("ux", "uy")):
        if a in names and b in names:
            return names.index(a), names.index(b)
    return None


def vorticity_channel(grid: Grid):
    names = [c.lower() for c in grid.channels]
    for i, n in enumerate(names):
        if n in VORTICITY_NAMES:
            return i
    return None


def velocity_from_vorticity(w: np.ndarray, grid: Grid):
    """(vx, vy) on a periodic domain from ω: ∇²ψ = −ω, vx = ∂ψ/∂y, vy = −∂ψ/∂x (spectral)."""
    (h, wd), (dy, dx) = grid.shape, grid.spacing
    ky = 2 * np.pi * np.fft.fftfreq(h, d=dy)[:, None]
    kx = 2 * np.pi * np.fft.fftfreq(wd, d=dx)[None, :]
    k2 = kx ** 2 + ky ** 2
    k2[0, 0] = 1.0
    psi_hat = np.fft.fft2(w) / k2
    psi_hat[0, 0] = 0.0
    vx = np.real(np.fft.ifft2(1j * ky * psi_hat))
    vy = np.real(np.fft.ifft2(-1j * kx * psi_hat))
    return vx, vy


def derived_fields(frame: np.ndarray, grid: Grid) -> dict:
    """Pictures of one state [C, H, W] (2D): speed |v| and vorticity ω = ∂vy/∂x − ∂vx/∂y.

    Velocity channels give ω by central differences (periodic where the scenario is); a vorticity
    channel gives the velocity by a spectral streamfunction solve on periodic domains. Other
    channels are passed through under their own names."""
    out = {}
    dy, dx = grid.spacing
    vel, wc = velocity_channels(grid), vorticity_channel(grid)
    if vel is not None:
        vx, vy = frame[vel[0]], frame[vel[1]]
        out["speed |v|"] = np.hypot(vx, vy)
        out["vorticity ω"] = _ddx(vy, dx, 1, grid.periodic) - _ddx(vx, dy, 0, grid.periodic)
    elif wc is not None:
        w = frame[wc]
        if grid.periodic:
            vx, vy = velocity_from_vorticity(w, grid)
            out["speed |v|"] = np.hypot(vx, vy)
        out["vorticity ω"] = w
    used = set(vel or ()) | ({wc} if wc is not None else set())
    for i, name in enumerate(grid.channels):
        if i not in used:
            out[name] = frame[i]
    return out


def error_map(state: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """mean over channels of |state − reference|, per cell: its mean over cells is the step's MAE."""
    return np.abs(state.astype(np.float64) - reference).mean(axis=0)


# --------------------------------------------------------------------------- drawing

def panel_size(grid: Grid, width: float = 2.6) -> tuple:
    ly, lx = grid.lengths
    return width, min(max(width * ly / lx, 1.6), 2.4 * width)


def is_signed(name: str) -> bool:
    return "vorticity" in name or name.startswith("v") or name in ("u", "w")


def limits(arrays, signed: bool):
    """Shared colour limits for a row of panels (robust to a few outliers)."""
    values = np.concatenate([np.ravel(a) for a in arrays])
    values = values[np.isfinite(values)]
    if values.size == 0:
        return -1, 1
    if signed:
        m = float(np.percentile(np.abs(values), 99.5)) or 1.0
        return -m, m
    lo, hi = float(np.percentile(values, 0.5)), float(np.percentile(values, 99.5))
    return (lo, hi) if hi > lo else (lo, lo + 1)


def show(ax, array, grid: Grid, title: str = "", vmin=None, vmax=None, cmap="viridis"):
    """A 2D field on its domain (x to the right, y up), with a colour bar."""
    im = ax.imshow(array, origin="lower", extent=grid.extent, vmin=vmin, vmax=vmax, cmap=cmap,
                   interpolation="nearest", aspect="equal")
    ax.set_title(title, fontsize=9)
    ax.tick_params(labelsize=7)
    cb = ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.03)
    cb.ax.tick_params(labelsize=7)
    return im


def cmap_for(name: str) -> str:
    if name.startswith("error"):
        return "magma"
    return "RdBu_r" if is_signed(name) else "viridis"


def field_grid(columns: list, grid: Grid, title: str = "", width: float = 2.0):
    """A figure of 2D fields: `columns` is a list of (label, {field name: array}), e.g. the
    reference and each method. Every row shows one field (speed, vorticity, error, …) with one
    colour scale and one colour bar, so that the columns compare directly."""
    names = []
    for _, fields in columns:
        names += [n for n in fields if n not in names]
    w, h = panel_size(grid, width)
    fig, axes = plt.subplots(len(names), len(columns), figsize=(w * len(columns) + 1.2, h * len(names) + 0.5),
                             squeeze=False, constrained_layout=True)
    for i, name in enumerate(names):
        arrays = [fields[name] for _, fields in columns if name in fields]
        error = name.startswith("error")
        lo, hi = limits(arrays, is_signed(name) and not error)
        if error:
            lo = 0.0
        im, first = None, True
        for j, (label, fields) in enumerate(columns):
            ax = axes[i, j]
            if name not in fields:
                ax.axis("off")
                continue
            im = ax.imshow(fields[name], origin="lower", extent=grid.extent, vmin=lo, vmax=hi, cmap=cmap_for(name),
                           interpolation="nearest", aspect="equal")
            ax.set_title(f"{label}\n{name}" if i == 0 or error else name, fontsize=8)
            ax.tick_params(labelsize=6)
            ax.xaxis.set_major_locator(plt.MaxNLocator(2))
            ax.yaxis.set_major_locator(plt.MaxNLocator(3))
            if not first:  # y labelled on the first panel of a row only: fewer labels, faster layout
                ax.set_yticklabels([])
            first = False
        if im is not None:
            cb = fig.colorbar(im, ax=list(axes[i, :]), shrink=0.9, pad=0.01)
            cb.ax.tick_params(labelsize=7)
            cb.set_label(name, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def markdown_table(header: list, rows: list) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def fmt(x: float) -> str:
    return "nan" if x is None or not math.isfinite(x) else f"{x:.4g}"
