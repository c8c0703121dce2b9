#!/usr/bin/env python3
"""Golden values for the Swift corrector, from an independent numpy (float64) implementation
written from the equations (no im2col, no BLAS, padding with np.pad):

    a_0 = (x - mu_in) / sigma_in
    z_k = b_k + sum_{c,i,j} W_k[o,c,i,j] * pad(a_k)[b, c, y+i, x+j]   (+ a_{k-1} at a residual block end)
    a_{k+1} = f(z_k)  (no activation on the last layer),   y = sigma_out * z_{L-1} + mu_out

Gradients of L = sum(g * y) by hand-written reverse mode, checked inside this script against
central finite differences (float64, eps 1e-6). Parameters, inputs and g are rounded to float32
first, so the Swift network sees exactly the same numbers.

Regenerate:  python3 Tests/CorrectorTests/Golden/make_golden.py  (writes golden.json beside it)
"""
import json
import math
import os

import numpy as np

NP_PAD = {"periodic": "wrap", "zero": "constant", "replicate": "edge"}
erf = np.vectorize(math.erf)


def source_index(i, n, padding):
    if 0 <= i < n:
        return i
    if padding == "periodic":
        return i % n
    if padding == "zero":
        return -1
    return min(max(i, 0), n - 1)


def act(name, slope, z):
    if name == "tanh":
        return np.tanh(z)
    if name == "gelu":
        return 0.5 * z * (1 + erf(z / math.sqrt(2)))
    if name == "relu":
        return np.maximum(z, 0)
    return np.where(z > 0, z, slope * z)


def act_grad(name, slope, z):
    if name == "tanh":
        return 1 - np.tanh(z) ** 2
    if name == "gelu":
        return 0.5 * (1 + erf(z / math.sqrt(2))) + z * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    if name == "relu":
        return (z > 0).astype(float)
    return np.where(z > 0, 1.0, slope)


def layers_of(arch):
    ch = [arch["inputChannels"]] + arch["hiddenChannels"] + [arch["outputChannels"]]
    k = arch["kernelSize"]
    kh = 1 if arch["oneDimensional"] else k
    out, off, n = [], 0, len(ch) - 1
    for l in range(n):
        skip = l - 1 if (arch["residual"] and l >= 2 and l < n - 1 and l % 2 == 0) else None
        wc = ch[l + 1] * ch[l] * kh * k
        out.append(dict(cin=ch[l], cout=ch[l + 1], kh=kh, kw=k, off=off, wc=wc, skip=skip, last=(l == n - 1)))
        off += wc + ch[l + 1]
    return out, off


def conv(a, W, bias, padding, kh, kw):
    B, C, H, Wd = a.shape
    rh, rw = kh // 2, kw // 2
    P = np.pad(a, ((0, 0), (0, 0), (rh, rh), (rw, rw)), mode=NP_PAD[padding])
    z = np.zeros((B, W.shape[0], H, Wd)) + bias[None, :, None, None]
    for i in range(kh):
        for j in range(kw):
            z += np.einsum("oc,bcyx->boyx", W[:, :, i, j], P[:, :, i:i + H, j:j + Wd])
    return z, P


def unpad_adjoint(dP, H, Wd, rh, rw, padding):
    """Adjoint of np.pad: every padded element's gradient goes to the element it copied."""
    B, C = dP.shape[:2]
    tmp = np.zeros((B, C, H, dP.shape[3]))
    for p in range(dP.shape[2]):
        s = source_index(p - rh, H, padding)
        if s >= 0:
            tmp[:, :, s, :] += dP[:, :, p, :]
    out = np.zeros((B, C, H, Wd))
    for p in range(dP.shape[3]):
        s = source_index(p - rw, Wd, padding)
        if s >= 0:
            out[:, :, :, s] += tmp[:, :, :, p]
    return out


def forward(arch, norm, params, x, keep=False):
    layers, _ = layers_of(arch)
    a = (x - norm["inputMean"][None, :, None, None]) / norm["inputScale"][None, :, None, None]
    inputs, zs, pads = [], [], []
    for L in layers:
        inputs.append(a)
        W = params[L["off"]:L["off"] + L["wc"]].reshape(L["cout"], L["cin"], L["kh"], L["kw"])
        b = params[L["off"] + L["wc"]:L["off"] + L["wc"] + L["cout"]]
        z, P = conv(a, W, b, arch["padding"], L["kh"], L["kw"])
        if L["skip"] is not None:
            z = z + inputs[L["skip"]]
        zs.append(z)
        pads.append(P)
        a = z if L["last"] else act(arch["act"], arch["slope"], z)
    y = a * norm["outputScale"][None, :, None, None] + norm["outputMean"][None, :, None, None]
    return (y, inputs, zs, pads) if keep else y


def backward(arch, norm, params, x, g):
    layers, count = layers_of(arch)
    y, inputs, zs, pads = forward(arch, norm, params, x, keep=True)
    grad = np.zeros(count)
    dz = g * norm["outputScale"][None, :, None, None]
    skip_grad = {}
    dx = None
    for k in range(len(layers) - 1, -1, -1):
        L = layers[k]
        W = params[L["off"]:L["off"] + L["wc"]].reshape(L["cout"], L["cin"], L["kh"], L["kw"])
        if L["skip"] is not None:
            skip_grad[L["skip"]] = dz
        P = pads[k]
        B, _, H, Wd = inputs[k].shape
        dW = np.zeros_like(W)
        dP = np.zeros_like(P)
        for i in range(L["kh"]):
            for j in range(L["kw"]):
                dW[:, :, i, j] = np.einsum("boyx,bcyx->oc", dz, P[:, :, i:i + H, j:j + Wd])
                dP[:, :, i:i + H, j:j + Wd] += np.einsum("oc,boyx->bcyx", W[:, :, i, j], dz)
        grad[L["off"]:L["off"] + L["wc"]] = dW.ravel()
        grad[L["off"] + L["wc"]:L["off"] + L["wc"] + L["cout"]] = dz.sum(axis=(0, 2, 3))
        da = unpad_adjoint(dP, H, Wd, L["kh"] // 2, L["kw"] // 2, arch["padding"])
        if k in skip_grad:
            da = da + skip_grad[k]
        if k == 0:
            dx = da / norm["inputScale"][None, :, None, None]
        else:
            dz = da * act_grad(arch["act"], arch["slope"], zs[k - 1])
    return y, grad, dx


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def make_case(name, arch, shape, seed, normalized):
    rng = np.random.default_rng(seed)
    _, count = layers_of(arch)
    params = f32(rng.uniform(-0.5, 0.5, count))
    x = f32(rng.uniform(-1, 1, shape))
    cin, cout = arch["inputChannels"], arch["outputChannels"]
    out_shape = (shape[0], cout, shape[2], shape[3])
    g = f32(rng.uniform(-1, 1, out_shape))
    if normalized:
        norm = dict(inputMean=f32(rng.uniform(-0.5, 0.5, cin)), inputScale=f32(rng.uniform(0.5, 2, cin)),
                    outputMean=f32(rng.uniform(-0.5, 0.5, cout)), outputScale=f32(rng.uniform(0.5, 2, cout)))
    else:
        norm = dict(inputMean=np.zeros(cin), inputScale=np.ones(cin), outputMean=np.zeros(cout), outputScale=np.ones(cout))
    y, grad, dx = backward(arch, norm, params, x, g)

    # Self-check of the hand-written reverse mode: central differences in float64.
    def loss(p, xx):
        return float(np.sum(g * forward(arch, norm, p, xx)))
    eps = 1e-6
    fd = np.array([(loss(params + eps * e, x) - loss(params - eps * e, x)) / (2 * eps) for e in np.eye(count)])
    assert np.linalg.norm(fd - grad) <= 1e-7 * np.linalg.norm(grad), (name, np.abs(fd - grad).max())
    fdx = np.zeros(x.size)
    for i in range(x.size):
        e = np.zeros(x.size); e[i] = eps
        fdx[i] = (loss(params, x + e.reshape(x.shape)) - loss(params, x - e.reshape(x.shape))) / (2 * eps)
    assert np.linalg.norm(fdx - dx.ravel()) <= 1e-7 * np.linalg.norm(dx), name

    activation = {"tanh": {"tanh": {}}, "gelu": {"gelu": {}}, "relu": {"relu": {}},
                  "leaky": {"leakyReLU": {"slope": arch["slope"]}}}[arch["act"]]
    swift_arch = dict(inputChannels=cin, outputChannels=cout, hiddenChannels=arch["hiddenChannels"],
                      kernelSize=arch["kernelSize"], activation=activation, padding=arch["padding"],
                      residual=arch["residual"], oneDimensional=arch["oneDimensional"])
    return dict(name=name, architecture=swift_arch, shape=list(shape),
                normalization={k: v.tolist() for k, v in norm.items()},
                parameters=params.tolist(), input=x.ravel().tolist(), outputGradient=g.ravel().tolist(),
                output=y.ravel().tolist(), parameterGradient=grad.tolist(), inputGradient=dx.ravel().tolist())


def main():
    base = dict(residual=False, oneDimensional=False, slope=0.0)
    cases = [
        make_case("plain-tanh-periodic", dict(base, inputChannels=3, outputChannels=2, hiddenChannels=[4, 4],
                                              kernelSize=3, act="tanh", padding="periodic"), (2, 3, 5, 6), 1, True),
        make_case("residual-gelu-replicate", dict(base, inputChannels=2, outputChannels=1, hiddenChannels=[3, 3, 3],
                                                  kernelSize=3, act="gelu", padding="replicate", residual=True),
                  (1, 2, 4, 5), 2, False),
        make_case("1d-leaky-zero", dict(base, inputChannels=2, outputChannels=1, hiddenChannels=[4], kernelSize=5,
                                        act="leaky", slope=0.2, padding="zero", oneDimensional=True), (2, 2, 1, 8), 3, True),
    ]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden.json")
    with open(path, "w") as f:
        json.dump(dict(generator="make_golden.py", numpy=np.__version__, cases=cases), f, indent=1)
    print(f"wrote {len(cases)} cases to {path}")


if __name__ == "__main__":
    main()
