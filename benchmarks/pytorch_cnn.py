#!/usr/bin/env python3
"""PyTorch CPU reference for the corrector benchmark (benchmarks/SOLBench/CorrectorBenchmarks.swift):
the same three networks (tiny 3->8->8->2 5x5, small = Solver-in-the-Loop book net 3x32 + output,
medium = 5x5 ResNet 32 ch, 5 residual blocks), tanh, zero padding, on a 32 x 64 field (H=64, W=32),
batch 1 and 16; forward (no grad) and forward+backward (parameter and input gradients); median ms and
GFLOP/s counted like the Swift suite (2 flops per multiply-add of the convolutions, x3 for fwd+bwd).

    python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch
    /tmp/torchvenv/bin/python benchmarks/pytorch_cnn.py [--threads 1] [--quick]
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, cin, cout, hidden, k, residual):
        super().__init__()
        ch = [cin] + hidden + [cout]
        self.convs = nn.ModuleList(nn.Conv2d(ch[i], ch[i + 1], k, padding=k // 2) for i in range(len(ch) - 1))
        n = len(self.convs)
        self.skip = {l: l - 1 for l in range(2, n - 1, 2)} if residual else {}

    def forward(self, x):
        inputs = []
        a = x
        n = len(self.convs)
        for l, conv in enumerate(self.convs):
            inputs.append(a)
            z = conv(a)
            if l in self.skip:
                z = z + inputs[self.skip[l]]
            a = z if l == n - 1 else torch.tanh(z)
        return a


PRESETS = {
    "tiny": dict(hidden=[8, 8], residual=False),
    "small": dict(hidden=[32, 32, 32], residual=False),
    "medium": dict(hidden=[32] * 11, residual=True),
}


def median_time(fn, quick):
    fn()
    calls = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        if time.perf_counter() - t0 >= (0.02 if quick else 0.1) or calls >= 1 << 16:
            break
        calls *= 2
    samples = []
    for _ in range(3 if quick else 9):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - t0) / calls)
    return statistics.median(samples)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    H, W = 64, 32
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s)\n")
    print("| benchmark | median | GFLOP/s |")
    print("| --- | ---: | ---: |")
    for name, cfg in PRESETS.items():
        net = Net(3, 2, cfg["hidden"], 5, cfg["residual"])
        params = sum(p.numel() for p in net.parameters())
        macs = sum(c.weight.numel() for c in net.convs) * H * W
        for batch in (1, 16):
            x = torch.rand(batch, 3, H, W) - 0.5
            flops = 2 * macs * batch

            def fwd():
                with torch.no_grad():
                    net(x)

            xg = x.clone().requires_grad_(True)
            g = torch.full((batch, 2, H, W), 1e-3)

            def fwd_bwd():
                net.zero_grad(set_to_none=False)
                xg.grad = None
                net(xg).backward(g)

            for label, fn, f in (("forward", fwd, flops), ("forward+backward", fwd_bwd, 3 * flops)):
                t = median_time(fn, args.quick)
                print(f"| {name} ({params // 1000}k) B={batch} {label} | {t * 1e3:.3f} ms | {f / t / 1e9:.1f} |", flush=True)


if __name__ == "__main__":
    main()
