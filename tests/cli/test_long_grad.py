#!/usr/bin/python3
"""`attn run` and `attn grad` past the staged limit (n > 4096): plain softmax attention on the fused
kernels, FlashAttention-2's backward for the gradients. Checked against PyTorch autograd in float64
(attention spelled out from its definition, as test_grad_torch.py does), in 2-D and in the 4-D
(B, H, n, d) layout with grouped-query heads; options the fused path lacks are refused by name.
Run with Debian's python3: /usr/bin/python3 test_long_grad.py build/native/attn"""
import os
import subprocess
import sys
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_case import TempDirCase  # noqa: E402

ATTN = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "build/native/attn"
torch.set_num_threads(1)


def attention(q, k, v, scale, allowed):
    """(.., n_q, d), (.., n_k, d), (.., n_k, d_v); allowed (n_q, n_k) bool -> output, lse in float64"""
    s = (q @ k.transpose(-1, -2)) * scale
    s = s.masked_fill(~allowed, float("-inf"))
    return torch.softmax(s, dim=-1) @ v, torch.logsumexp(s, dim=-1)


class LongGrad(TempDirCase):
    PREFIX = "attn-long-"
    SEED = 11

    def attn(self, *args):
        return subprocess.run([ATTN, *args], capture_output=True, text=True)

    def check(self, got, want, what, tol):
        err = np.abs(got - want).max() / max(1.0, np.abs(want).max())
        self.assertLess(err, tol, "%s: relative error %.3g" % (what, err))

    def test_2d_causal(self):
        n, d = 4100, 16
        q, k, v, do = (self.rng.standard_normal((n, d)).astype(np.float32) for _ in range(4))
        r = self.attn("grad", "--q", self.save("q.npy", q), "--k", self.save("k.npy", k), "--v", self.save("v.npy", v),
                      "--dout", self.save("do.npy", do), "--mask", "causal", "--dump", self.path("out"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("fused path", r.stdout)
        Q, K, V = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (q, k, v))
        allowed = torch.ones(n, n, dtype=torch.bool).tril()
        O, lse = attention(Q, K, V, d ** -0.5, allowed)
        grads = torch.autograd.grad(O, (Q, K, V), torch.tensor(do, dtype=torch.float64))
        self.check(np.load(self.path("out/output.npy")), O.detach().numpy(), "output", 1e-5)
        self.check(np.load(self.path("out/lse.npy")).reshape(n), lse.detach().numpy(), "lse", 1e-5)
        for name, g in zip(("dq", "dk", "dv"), grads):
            got = np.load(self.path("out/%s.npy" % name))
            self.assertEqual(got.shape, (n, d))
            self.check(got, g.numpy(), name, 1e-5)

    def test_4d_grouped_window_custom_scale(self):
        # (B, H, n, d) with 4 query heads on 2 key/value heads, a sliding window and scale 0.3
        B, H, Hkv, n, d = 2, 4, 2, 4097, 8
        q = self.rng.standard_normal((B, H, n, d)).astype(np.float32)
        k, v = (self.rng.standard_normal((B, Hkv, n, d)).astype(np.float32) for _ in range(2))
        do = self.rng.standard_normal((B, H, n, d)).astype(np.float32)
        r = self.attn("grad", "--q", self.save("q.npy", q), "--k", self.save("k.npy", k), "--v", self.save("v.npy", v),
                      "--dout", self.save("do.npy", do), "--mask", "window:40", "--scale", "0.3", "--dump", self.path("out"))
        self.assertEqual(r.returncode, 0, r.stderr)
        Q, K, V = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (q, k, v))
        idx = torch.arange(n)
        allowed = (idx[:, None] - idx[None, :]).abs() <= 40
        Kx, Vx = K.repeat_interleave(H // Hkv, dim=1), V.repeat_interleave(H // Hkv, dim=1)
        O, _ = attention(Q, Kx, Vx, 0.3, allowed)
        grads = torch.autograd.grad(O, (Q, K, V), torch.tensor(do, dtype=torch.float64))
        self.check(np.load(self.path("out/output.npy")), O.detach().numpy(), "output", 1e-5)
        for name, g in zip(("dq", "dk", "dv"), grads):
            got = np.load(self.path("out/%s.npy" % name))
            self.assertEqual(got.shape, tuple(g.shape), name)
            self.check(got, g.numpy(), name, 1e-5)

    def test_refusals(self):
        n, d = 4100, 4
        q = self.save("q.npy", self.rng.standard_normal((n, d)).astype(np.float32))
        r = self.attn("run", "--q", q, "--k", q, "--v", q, "--normalizer", "sparsemax")
        self.assertEqual(r.returncode, 2)
        self.assertIn("above the staged limit of 4096", r.stderr)
        self.assertIn("--normalizer sparsemax is not part of it", r.stderr)
        bad = self.save("do.npy", np.zeros((n, d + 1), np.float32))
        r = self.attn("grad", "--q", q, "--k", q, "--v", q, "--dout", bad, "--dump", self.path("out"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("--dout is the gradient at the output", r.stderr)
        self.assertFalse(os.path.exists(self.path("out")))


if __name__ == "__main__":
    unittest.main()
