#!/usr/bin/python3
"""`attn grad` against PyTorch autograd. Each case builds the same attention from torch
operations in float64 (written here from the definitions, independently of the engine), takes
the gradients of sum(dout * output) with autograd, and compares them with the float64 .npy files
`attn grad` writes. Debian's python3-torch (1.13) has no scaled_dot_product_attention, which is
why the attention is spelled out.
Run with Debian's python3: /usr/bin/python3 test_grad_torch.py build/native/attn"""
import math
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch

ATTN = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "build/native/attn"
torch.set_num_threads(1)


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


def normalize(m, kind, T):
    z = m / T
    if kind == "softmax":
        return torch.softmax(z, dim=-1)
    if kind == "sigmoid":
        return torch.where(torch.isfinite(z), torch.sigmoid(z), torch.zeros_like(z))
    if kind == "sparsemax":
        return sparsemax(z)
    raise ValueError(kind)


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


def attention(q, k, v, heads, mask, norm, T, scale):
    """q (n_q, d), k (n_k, d), v (n_k, dv·heads) -> concat (n_q, dv·heads)."""
    n_q, d = q.shape
    n_k = k.shape[0]
    dh, dv = d // heads, v.shape[1] // heads
    allowed = torch.ones(n_q, n_k, dtype=torch.bool)
    if mask == "causal":  # top-left: query i sees keys 0..i
        allowed = torch.tril(allowed)
    outs = []
    for h in range(heads):
        s = q[:, h * dh:(h + 1) * dh] @ k[:, h * dh:(h + 1) * dh].T
        s = s * (1 / math.sqrt(dh) if scale == "auto" else 1.0)
        m = torch.where(allowed, s, torch.full_like(s, -math.inf))
        outs.append(normalize(m, norm, T) @ v[:, h * dv:(h + 1) * dv])
    return torch.cat(outs, dim=1)


class Grad(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="attn-grad-")
        self.rng = np.random.default_rng(11)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def save(self, name, arr):
        path = os.path.join(self.dir, name)
        np.save(path, arr.astype(np.float32))
        return path

    def grad(self, args):
        out = os.path.join(self.dir, "out")
        shutil.rmtree(out, ignore_errors=True)
        r = subprocess.run([ATTN, "grad", *args, "--dump", out], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        return lambda name: np.load(os.path.join(out, name))

    def compare(self, got, want, name):
        # the engine differentiates its float32 forward in double; torch the same inputs in
        # float64 throughout: they agree to float32's precision, relative to the gradient's size
        scale = max(1.0, float(np.abs(want).max()))
        err = float(np.abs(got - want).max()) / scale
        self.assertEqual(got.dtype, np.float64, name)
        self.assertLess(err, 2e-5, f"{name}: max error {err:.3g} (scaled by {scale:.3g})")

    def test_qkv_table(self):
        cases = [  # (n_q, n_k, d, dv, mask, normalizer, T, scale)
            (4, 4, 5, 3, "none", "softmax", 1.0, "auto"),
            (3, 7, 5, 2, "causal", "softmax", 0.7, "auto"),
            (5, 6, 3, 4, "none", "sparsemax", 0.5, "none"),
            (4, 4, 6, 3, "causal", "sigmoid", 2.0, "auto"),
            (6, 5, 7, 2, "none", "sparsemax", 1.0, "auto"),
        ]
        for n_q, n_k, d, dv, mask, norm, T, scale in cases:
            with self.subTest(n_q=n_q, n_k=n_k, mask=mask, norm=norm):
                Q, K, V = (self.rng.standard_normal(s).astype(np.float32) for s in [(n_q, d), (n_k, d), (n_k, dv)])
                dO = self.rng.standard_normal((n_q, dv)).astype(np.float32)
                load = self.grad(["--q", self.save("q.npy", Q), "--k", self.save("k.npy", K), "--v", self.save("v.npy", V),
                                  "--dout", self.save("do.npy", dO), "--mask", mask, "--normalizer", norm,
                                  "--temperature", str(T), "--scale", scale])
                q, k, v = (torch.tensor(a.astype(np.float64), requires_grad=True) for a in (Q, K, V))
                out = attention(q, k, v, 1, mask, norm, T, scale)
                (out * torch.tensor(dO.astype(np.float64))).sum().backward()
                self.compare(load("dq.npy"), q.grad.numpy(), "dq")
                self.compare(load("dk.npy"), k.grad.numpy(), "dk")
                self.compare(load("dv.npy"), v.grad.numpy(), "dv")

    def test_projections_heads_rope(self):
        for posenc in ("none", "rope"):
            with self.subTest(posenc=posenc):
                n, d, H = 6, 8, 2
                X = self.rng.standard_normal((n, d)).astype(np.float32)
                W = [(self.rng.standard_normal((d, d)) * 0.5).astype(np.float32) for _ in range(4)]
                dY = self.rng.standard_normal((n, d)).astype(np.float32)
                load = self.grad(["--x", self.save("x.npy", X), "--wq", self.save("wq.npy", W[0]),
                                  "--wk", self.save("wk.npy", W[1]), "--wv", self.save("wv.npy", W[2]),
                                  "--wo", self.save("wo.npy", W[3]), "--heads", str(H), "--mask", "causal",
                                  "--posenc", posenc, "--dout", self.save("dy.npy", dY)])
                x = torch.tensor(X.astype(np.float64), requires_grad=True)
                w = [torch.tensor(a.astype(np.float64), requires_grad=True) for a in W]
                q, k, v = x @ w[0], x @ w[1], x @ w[2]
                if posenc == "rope":
                    q, k = rope(q, H), rope(k, H)
                y = attention(q, k, v, H, "causal", "softmax", 1.0, "auto") @ w[3]
                (y * torch.tensor(dY.astype(np.float64))).sum().backward()
                self.compare(load("dx.npy"), x.grad.numpy(), "dx")
                for name, t in zip(("dwq", "dwk", "dwv", "dwo"), w):
                    self.compare(load(name + ".npy"), t.grad.numpy(), name)

    def test_bad_dout(self):
        Q = self.rng.standard_normal((3, 4))
        args = ["grad", "--q", self.save("q.npy", Q), "--k", self.save("k.npy", Q), "--v", self.save("v.npy", Q)]
        out = os.path.join(self.dir, "out")
        for extra, words in [([], ["--dout"]), (["--dout", self.save("bad.npy", np.ones((2, 2)))], ["bad.npy", "2x2", "3x4"]),
                             (["--dout", self.save("d.npy", np.ones((3, 4))), "--normalizer", "hardmax"], ["hardmax"])]:
            r = subprocess.run([ATTN, *args, *extra, "--dump", out], capture_output=True, text=True)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertTrue(r.stderr.startswith("error: "), r.stderr)
            for w in words:
                self.assertIn(w, r.stderr)
            self.assertFalse(os.path.exists(out), "the dump folder was written on an error")


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=1).result
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
