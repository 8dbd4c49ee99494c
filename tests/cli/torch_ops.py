"""torch_ops.py: attention pieces written from their papers in torch operations, shared by the
tests that compare the CLI with PyTorch (autograd differentiates them)."""
import math

import torch


def sparsemax(z):
    """Martins & Astudillo 2016, over the last axis; -inf entries get 0."""
    zs, _ = torch.sort(z, dim=-1, descending=True)
    finite = torch.isfinite(zs)
    zs0 = torch.where(finite, zs, torch.zeros_like(zs))
    k = torch.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    cs = torch.cumsum(zs0, dim=-1)
    support = finite & (1 + k * zs0 > cs)
    ks = support.sum(dim=-1, keepdim=True)
    tau = (torch.gather(cs, -1, ks - 1) - 1) / ks
    return torch.clamp(z - tau, min=0)


def rope(x, heads):
    n, d = x.shape
    dh = d // heads
    out = x.clone()
    for h in range(heads):
        for p in range(dh // 2):
            theta = torch.tensor([pos * 10000.0 ** (-2.0 * p / dh) for pos in range(n)], dtype=x.dtype)
            c, s = torch.cos(theta), torch.sin(theta)
            a, b = x[:, h * dh + 2 * p], x[:, h * dh + 2 * p + 1]
            out[:, h * dh + 2 * p] = a * c - b * s
            out[:, h * dh + 2 * p + 1] = a * s + b * c
    return out


def alibi_slopes(n):
    """Press et al. 2021's reference get_slopes."""
    def pow2(m):
        start = 2 ** (-(2 ** -(math.log2(m) - 3)))
        return [start * start ** i for i in range(m)]
    if math.log2(n).is_integer():
        return pow2(n)
    c = 2 ** math.floor(math.log2(n))
    return pow2(c) + pow2(2 * c)[0::2][:n - c]


