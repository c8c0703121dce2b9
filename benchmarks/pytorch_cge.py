"""DeepZero-style coordinate-wise gradient estimation (CGE) in PyTorch, for comparison with
`sol-bench zo` on the same machine.

Network: the `tiny` (3→8→8→2), `small` (3→32→32→32→2) and `medium` (the Solver-in-the-Loop
ResNet: 3→32, 5 residual blocks of two 32→32 convolutions, 32→2; 260,354 parameters) correctors,
5×5 convolutions, tanh, zero 'same' padding; input batch 3 × 3 × 64 × 32 (H = 64, W = 32); loss =
MSE to a target.
Three ways to answer a query f(θ + μ e_j):
  deepzero  copy the parameter vector, perturb the copy, load it, full forward (DeepZero's cge()
            pattern: a copy of all parameters per coordinate)
  inplace   perturb the live parameter in place, full forward, restore
  reuse     feature reuse + batching: cache the input of layer k; B perturbed copies of layer k's
            weight run as one grouped convolution on the cached input, then the rest of the
            network on a batch of B·3 items
Usage: python benchmarks/pytorch_cge.py [--threads 1 2] [--seconds 2] [--networks tiny small medium]
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def make_net(channels, residual=False):
    """Convolutions channels[i] → channels[i+1]; with `residual`, layers 2, 4, … (not the last)
    add the input of the layer before them (as `NetworkArchitecture.layers` in Swift)."""
    layers = []
    for i in range(len(channels) - 1):
        layers.append(nn.Conv2d(channels[i], channels[i + 1], 5, padding=2))
    net = nn.ModuleList(layers)
    count = len(layers)
    net.skips = {k: k - 1 for k in range(count) if residual and 2 <= k < count - 1 and k % 2 == 0}
    return net


def forward_from(net, k, a, cached=None, copies=1, weight=None):
    """Runs layers k… on a (optionally with layer k's weight replaced). Skip inputs of layers
    before k come from `cached` (every layer's input of one unperturbed pass), repeated for
    `copies` stacked perturbed copies."""
    inputs = {}
    for i in range(k, len(net)):
        inputs[i] = a
        conv = net[i]
        z = F.conv2d(a, conv.weight if (i != k or weight is None) else weight, conv.bias, padding=2)
        if i in net.skips:
            s = net.skips[i]
            z = z + (inputs[s] if s in inputs else cached[s].repeat(copies, 1, 1, 1))
        a = torch.tanh(z) if i < len(net) - 1 else z
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
        if k in net.skips:
            a = a + inputs[net.skips[k]]
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
            if k in net.skips:
                z = z + inputs[net.skips[k]].repeat(B, 1, 1, 1)
            if k < len(net) - 1:
                y = forward_from(net, k + 1, torch.tanh(z), cached=inputs, copies=B)
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
    parser.add_argument("--networks", nargs="+", default=["tiny", "small", "medium"])
    args = parser.parse_args()
    torch.manual_seed(0)
    x = torch.rand(3, 3, 64, 32) * 2 - 1
    t = torch.randn(3, 2, 64, 32)
    print(f"torch {torch.__version__}")
    print("| network | method | threads | queries/s |")
    print("| --- | --- | ---: | ---: |")
    for name, channels, residual in [("tiny", [3, 8, 8, 2], False), ("small", [3, 32, 32, 32, 2], False),
                                     ("medium", [3] + [32] * 11 + [2], True)]:
        if name not in args.networks:
            continue
        net = make_net(channels, residual)
        full, batched = {"tiny": (32, 256), "small": (8, 64), "medium": (4, 32)}[name]
        for threads in args.threads:
            torch.set_num_threads(threads)
            for method, fn, count in [("deepzero", run_deepzero, full),
                                      ("inplace", run_inplace, full),
                                      ("reuse+batched", run_reuse, batched)]:
                coords, d = coordinates(net, count)
                q = rate(lambda: len(fn(net, x, t, coords, 1e-3)), args.seconds)
                print(f"| {name} (d = {d}) | {method} | {threads} | {q:.0f} |", flush=True)
        # Check: reuse gives the same losses as full recomputation.
        coords, _ = coordinates(net, 16)
        a, b = run_inplace(net, x, t, coords, 1e-3), run_reuse(net, x, t, coords, 1e-3)
        assert max(abs(u - v) / u for u, v in zip(a, b)) < 1e-4, (a, b)


if __name__ == "__main__":
    main()
