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
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_case import TempDirCase  # noqa: E402
from torch_ops import alibi_slopes, rope, sparsemax  # noqa: E402

ATTN = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "build/native/attn"
torch.set_num_threads(1)


def normalize(m, kind, T):
    z = m / T
    if kind == "softmax":
        return torch.softmax(z, dim=-1)
    if kind == "sigmoid":
        return torch.where(torch.isfinite(z), torch.sigmoid(z), torch.zeros_like(z))
    if kind == "sparsemax":
        return sparsemax(z)
    raise ValueError(kind)


def attention(q, k, v, heads, mask, norm, T, scale, kv_heads=None, alibi=False, softcap=0.0, sinks=None):
    """q (n_q, H d), k (n_k, H_kv d), v (n_k, H_kv dv) -> concat (n_q, H dv); heads side by side."""
    kv_heads = kv_heads or heads
    n_q, d = q.shape
    n_k = k.shape[0]
    dh, dv = d // heads, v.shape[1] // kv_heads
    allowed = torch.ones(n_q, n_k, dtype=torch.bool)
    if mask == "causal":  # top-left: tril(diagonal=0), PyTorch's is_causal
        allowed = torch.tril(allowed)
    elif mask == "causal:bottom-right":  # FlashAttention >= 2.1
        allowed = torch.tril(allowed, diagonal=n_k - n_q)
    offset = n_k - n_q if mask == "causal:bottom-right" else 0
    dist = (torch.arange(n_q)[:, None] + offset - torch.arange(n_k)[None, :]).to(q.dtype)
    if not mask.startswith("causal"):
        dist = dist.abs()
    slopes = alibi_slopes(heads)
    outs = []
    for h in range(heads):
        g = h // (heads // kv_heads)  # repeat_interleave
        s = q[:, h * dh:(h + 1) * dh] @ k[:, g * dh:(g + 1) * dh].T
        s = s * (1 / math.sqrt(dh) if scale == "auto" else 1.0)
        if alibi:
            s = s - slopes[h] * dist
        if softcap:
            s = softcap * torch.tanh(s / softcap)
        m = torch.where(allowed, s, torch.full_like(s, -math.inf))
        if sinks is not None:  # a sink column, normalized with the row, then dropped
            col = sinks[h].reshape(1, 1).expand(n_q, 1)
            p = torch.softmax(torch.cat([m, col], dim=1) / T, dim=-1)[:, :n_k]
        else:
            p = normalize(m, norm, T)
        outs.append(p @ v[:, g * dv:(g + 1) * dv])
    return torch.cat(outs, dim=1)


def save_safetensors(path, tensors):
    """Our own writer of the format (PyTorch 1.13 has none): JSON header, then the raw data."""
    import json
    header, blobs, at = {}, [], 0
    for name, (arr, dtype) in tensors.items():
        if dtype == "BF16":  # round to nearest even, kept as the upper 16 bits of float32
            bits = np.ascontiguousarray(arr, dtype=np.float32).view(np.uint32)
            raw = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16).tobytes()
        else:
            raw = np.ascontiguousarray(arr, dtype={"F16": np.float16, "F32": np.float32, "F64": np.float64}[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    h = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little") + h + b"".join(blobs))


def heads_side_by_side(t):
    """(H, n, d) -> (n, H d)"""
    return t.permute(1, 0, 2).reshape(t.shape[1], -1)


class Grad(TempDirCase):
    PREFIX, SEED, DTYPE = "attn-grad-", 11, np.float32

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

    def test_projections_grouped_query(self):
        """--x with W_k, W_v of (d_model, H_kv d_head), as PyTorch and checkpoints store them under
        grouped-query attention: the output and every gradient, causal and not, MQA and GQA."""
        n, d = 7, 12
        for H, Hkv in ((3, 1), (4, 2)):
            for mask in ("none", "causal"):
                with self.subTest(H=H, Hkv=Hkv, mask=mask):
                    dh = d // H
                    X = self.rng.standard_normal((n, d)).astype(np.float32)
                    shapes = [(d, d), (d, Hkv * dh), (d, Hkv * dh), (d, d)]
                    W = [(self.rng.standard_normal(s) * 0.6).astype(np.float32) for s in shapes]
                    dY = self.rng.standard_normal((n, d)).astype(np.float32)
                    load = self.grad(["--x", self.save("x.npy", X), "--wq", self.save("wq.npy", W[0]),
                                      "--wk", self.save("wk.npy", W[1]), "--wv", self.save("wv.npy", W[2]),
                                      "--wo", self.save("wo.npy", W[3]), "--heads", str(H), "--kv-heads", str(Hkv),
                                      "--mask", mask, "--dout", self.save("dy.npy", dY)])
                    x = torch.tensor(X.astype(np.float64), requires_grad=True)
                    w = [torch.tensor(a.astype(np.float64), requires_grad=True) for a in W]
                    y = attention(x @ w[0], x @ w[1], x @ w[2], H, mask, "softmax", 1.0, "auto", kv_heads=Hkv) @ w[3]
                    (y * torch.tensor(dY.astype(np.float64))).sum().backward()
                    got_y = load("output.npy")
                    err = float(np.abs(got_y - y.detach().numpy()).max())
                    self.assertLess(err, 1e-5 * max(1.0, float(y.abs().max())), f"output: max error {err:.3g}")
                    # the weights are far from uniform, so a tiled (h mod H_kv) mapping would show
                    self.assertEqual(load("dwk.npy").shape, (d, Hkv * dh))
                    self.compare(load("dx.npy"), x.grad.numpy(), "dx")
                    for name, t in zip(("dwq", "dwk", "dwv", "dwo"), w):
                        self.compare(load(name + ".npy"), t.grad.numpy(), name)
        # a W_k that fits neither layout is refused with the shape expected
        X = np.ones((5, 12), np.float32)
        r = subprocess.run([ATTN, "run", "--x", self.save("x.npy", X), "--wq", self.save("wq.npy", np.eye(12, dtype=np.float32)),
                            "--wk", self.save("wk.npy", np.ones((12, 6), np.float32)), "--wv", self.save("wv.npy", np.ones((12, 4), np.float32)),
                            "--heads", "3", "--kv-heads", "1"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("wk.npy: shape 12x6 does not match d_model=12", r.stderr)
        self.assertIn("expected 12x4: d_model x H_kv d_head = 1 x 4", r.stderr)

    def test_variants_and_layouts(self):
        """(H, n, d) and (B, n, H, d) tensors, float16 and bfloat16 inputs, .safetensors, GQA/MQA,
        ALiBi, soft-capping, sinks and both causal alignments: dq, dk, dv in the inputs' layout."""
        cases = [  # (B, Hq, Hkv, n_q, n_k, d, layout, extra options, mask, dtype)
            (1, 6, 2, 5, 5, 3, "bhnd", {}, "none", "F32"),
            (1, 6, 1, 4, 6, 4, "bhnd", {"alibi": True}, "causal", "F16"),
            (2, 3, 3, 3, 6, 4, "bnhd", {"alibi": True}, "causal:bottom-right", "F32"),
            (1, 2, 2, 4, 4, 5, "bhnd", {"softcap": 1.5}, "none", "BF16"),
            (2, 4, 2, 4, 5, 3, "bnhd", {"sinks": [0.5, -1.0, 0.0, 2.0]}, "causal", "F64"),
        ]
        for B, Hq, Hkv, n_q, n_k, d, layout, extra, mask, dtype in cases:
            with self.subTest(B=B, Hq=Hq, Hkv=Hkv, layout=layout, extra=extra, mask=mask, dtype=dtype):
                def shape(H, n, dd):
                    return (H, n, dd) if B == 1 and layout == "bhnd" else ((B, H, n, dd) if layout == "bhnd" else (B, n, H, dd))
                Q = self.rng.standard_normal(shape(Hq, n_q, d))
                K = self.rng.standard_normal(shape(Hkv, n_k, d))
                V = self.rng.standard_normal(shape(Hkv, n_k, d))
                dO = self.rng.standard_normal(shape(Hq, n_q, d))
                # what the engine reads: the inputs rounded to the stated dtype
                if dtype == "F16":
                    Q, K, V = (a.astype(np.float16).astype(np.float64) for a in (Q, K, V))
                elif dtype == "BF16":
                    Q, K, V = (torch.tensor(a).to(torch.bfloat16).to(torch.float64).numpy() for a in (Q, K, V))
                else:
                    Q, K, V = (a.astype(np.float32).astype(np.float64) for a in (Q, K, V))
                path = os.path.join(self.dir, "qkv.safetensors")
                save_safetensors(path, {"q": (Q, dtype), "k": (K, dtype), "v": (V, dtype)})
                args = ["--q", path + ":q", "--k", path + ":k", "--v", path + ":v", "--dout", self.save("do.npy", dO),
                        "--mask", mask, "--layout", layout]
                if extra.get("alibi"):
                    args.append("--alibi")
                if extra.get("softcap"):
                    args += ["--softcap", str(extra["softcap"])]
                if extra.get("sinks"):
                    args += ["--sink", self.save("sinks.npy", np.array(extra["sinks"]))]
                load = self.grad(args)
                dOf = dO.astype(np.float32).astype(np.float64)
                grads = {"dq.npy": np.zeros_like(Q), "dk.npy": np.zeros_like(K), "dv.npy": np.zeros_like(V)}
                outs = np.zeros_like(dOf)
                for b in range(B):
                    def pick(a):  # this batch element as (H, n, d)
                        if a.ndim == 3:
                            return a
                        return a[b] if layout == "bhnd" else a[b].transpose(1, 0, 2)
                    q, k, v = (torch.tensor(heads_side_by_side(torch.tensor(pick(a))).numpy(), requires_grad=True) for a in (Q, K, V))
                    if extra.get("sinks") and b == 0:
                        sinks_t = torch.tensor(extra["sinks"], dtype=torch.float64, requires_grad=True)
                    sinks = sinks_t if extra.get("sinks") else None
                    out = attention(q, k, v, Hq, mask, "softmax", 1.0, "auto", kv_heads=Hkv, alibi=extra.get("alibi", False),
                                    softcap=extra.get("softcap", 0.0), sinks=sinks)
                    (out * heads_side_by_side(torch.tensor(pick(dOf)))).sum().backward()
                    for name, t, H in (("dq.npy", q, Hq), ("dk.npy", k, Hkv), ("dv.npy", v, Hkv)):
                        g = t.grad.numpy().reshape(t.shape[0], H, -1).transpose(1, 0, 2)  # (H, n, d)
                        if grads[name].ndim == 3:
                            grads[name][...] = g
                        elif layout == "bhnd":
                            grads[name][b] = g
                        else:
                            grads[name][b] = g.transpose(1, 0, 2)
                    o = out.detach().numpy().reshape(n_q, Hq, -1).transpose(1, 0, 2)
                    if outs.ndim == 3:
                        outs[...] = o
                    elif layout == "bhnd":
                        outs[b] = o
                    else:
                        outs[b] = o.transpose(1, 0, 2)
                np.testing.assert_allclose(load("output.npy"), outs, atol=2e-5, rtol=1e-4)
                if extra.get("sinks"):  # one gradient per head, summed over the batch
                    self.compare(load("dsink.npy"), sinks_t.grad.numpy(), "dsink")
                for name, want in grads.items():
                    self.assertEqual(load(name).shape, want.shape, name)
                    self.compare(load(name), want, name)

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
