"""DeepZero-style coordinate-wise gradient estimation (CGE) in PyTorch, for comparison with
`sol-bench zo` on the same machine.

Network: the `tiny` (3→8→8→2) and `small` (3→32→32→32→2) correctors, 5×5 convolutions, tanh,
zero 'same' padding; input batch 3 × 3 × 64 × 32 (H = 64, W = 32); loss = MSE to a target.
Three ways to answer a query f(θ + μ e_j):
  deepzero  copy the parameter vector, perturb the copy, load it, full forward (DeepZero's cge()
            pattern: a copy of all parameters per coordinate)
  inplace   perturb the live parameter in place, full forward, restore
  reuse     feature reuse + batching: cache the input of layer k; B perturbed copies of layer k's
            weight run as one grouped convolution on the cached input, then the rest of the
            network on a batch of B·3 items
Usage: python benchmarks/pytorch_cge.py [--threads 1 2] [--seconds 2]
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def make_net(channels):
    layers = []
    for i in range(len(channels) - 1):
        layers.append(nn.Conv2d(channels[i], channels[i + 1], 5, padding=2))
    return nn.ModuleList(layers)


def forward_from(net, k, a, weight=None):
    """Runs layers k… on a (optionally with layer k's weight replaced)."""
    for i in range(k, len(net)):
        conv = net[i]
        a = F.conv2d(a, conv.weight if (i != k or weight is None) else weight, conv.bias, padding=2)
        if i < len(net) - 1:
            a = torch.tanh(a)
    return a


def coordinates(net, count):
    d = sum(p.numel() for p in net.parameters())
    step = max(1, d // count)
    return list(range(0, d, step)), d


def locate(net, j):
    """(layer, 'weight'|'bias', flat index within the tensor)."""
    for k, conv in enumerate(net):
        for name in ("weight", "bias"):
            n = getattr(conv, name).numel()
            if j < n:
                return k, name, j
            j -= n
    raise IndexError


@torch.no_grad()
def run_deepzero(net, x, t, coords, mu):
    params = list(net.parameters())
    base = torch.nn.utils.parameters_to_vector(params)
    losses = []
    for j in coords:
        v = base.clone()
        v[j] += mu
        torch.nn.utils.vector_to_parameters(v, params)
        losses.append(F.mse_loss(forward_from(net, 0, x), t).item())
    torch.nn.utils.vector_to_parameters(base, params)
    return losses


@torch.no_grad()
def run_inplace(net, x, t, coords, mu):
    losses = []
    for j in coords:
        k, name, i = locate(net, j)
        p = getattr(net[k], name).view(-1)
        saved = p[i].item()
        p[i] += mu
        losses.append(F.mse_loss(forward_from(net, 0, x), t).item())
        p[i] = saved
    return losses


@torch.no_grad()
def run_reuse(net, x, t, coords, mu, batch=16):
    # Cache every layer's input once.
    inputs, a = [], x
    for k, conv in enumerate(net):
        inputs.append(a)
        a = F.conv2d(a, conv.weight, conv.bias, padding=2)
        if k < len(net) - 1:
            a = torch.tanh(a)
    losses = []
    groups = {}
    for j in coords:
        k, name, i = locate(net, j)
        groups.setdefault(k, []).append((name, i))
    b = x.shape[0]
    for k, items in groups.items():
        conv = net[k]
        for s in range(0, len(items), batch):
            chunk = items[s:s + batch]
            B = len(chunk)
            w = conv.weight.unsqueeze(0).repeat(B, 1, 1, 1, 1)
            bias = conv.bias.unsqueeze(0).repeat(B, 1)
            for q, (name, i) in enumerate(chunk):
                (w[q].view(-1) if name == "weight" else bias[q])[i] += mu
            cin, cout = conv.in_channels, conv.out_channels
            z = F.conv2d(inputs[k].repeat(1, B, 1, 1), w.view(B * cout, cin, 5, 5), bias.view(-1), padding=2, groups=B)
            z = z.view(b, B, cout, *z.shape[2:]).transpose(0, 1).reshape(B * b, cout, *z.shape[2:])
            if k < len(net) - 1:
                y = forward_from(net, k + 1, torch.tanh(z))
            else:
                y = z
            y = y.view(B, b, *y.shape[1:])
            losses.extend(((y - t.unsqueeze(0)) ** 2).mean(dim=(1, 2, 3, 4)).tolist())
    return losses


def rate(fn, seconds):
    fn()  # warm-up
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 3:
        t0 = time.perf_counter()
        n = fn()
        times.append((time.perf_counter() - t0) / n)
    times.sort()
    return 1 / times[len(times) // 2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seconds", type=float, default=2)
    args = parser.parse_args()
    torch.manual_seed(0)
    x = torch.rand(3, 3, 64, 32) * 2 - 1
    t = torch.randn(3, 2, 64, 32)
    print(f"torch {torch.__version__}")
    print("| network | method | threads | queries/s |")
    print("| --- | --- | ---: | ---: |")
    for name, channels in [("tiny", [3, 8, 8, 2]), ("small", [3, 32, 32, 32, 2])]:
        net = make_net(channels)
        for threads in args.threads:
            torch.set_num_threads(threads)
            for method, fn, count in [("deepzero", run_deepzero, 32 if name == "tiny" else 8),
                                      ("inplace", run_inplace, 32 if name == "tiny" else 8),
                                      ("reuse+batched", run_reuse, 256 if name == "tiny" else 64)]:
                coords, d = coordinates(net, count)
                q = rate(lambda: len(fn(net, x, t, coords, 1e-3)), args.seconds)
                print(f"| {name} (d = {d}) | {method} | {threads} | {q:.0f} |", flush=True)
        # Check: reuse gives the same losses as full recomputation.
        coords, _ = coordinates(net, 16)
        a, b = run_inplace(net, x, t, coords, 1e-3), run_reuse(net, x, t, coords, 1e-3)
        assert max(abs(u - v) / u for u, v in zip(a, b)) < 1e-4, (a, b)


if __name__ == "__main__":
    main()
