#!/usr/bin/python3
"""`attn check` names the bug: outputs made here with each well-known attention bug injected
(written independently in PyTorch, float64 unless the case says otherwise) must fail with that
bug's ID first; honest results computed by torch in fp16 and bf16 must pass; NaN in an output is
reported with where it is and why; bad input exits 2 with one error line.
Run with Debian's python3: /usr/bin/python3 test_check.py build/native/attn"""
import math
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


def attention(q, k, v, *, scale=None, mask="none", axis=-1, T=1.0, kv_map=None, swap=False, transpose=False,
              softcap=0.0, nan_rows=False, no_max=False, dtype=torch.float64):
    """q (H, n_q, d), k, v (H_kv, n_k, d) -> (H, n_q, d), with the bug switches of the checker."""
    H, n_q, d = q.shape
    H_kv, n_k, _ = k.shape
    q, k, v = (t.to(dtype) for t in (q, k, v))
    out = []
    for h in range(H):
        g = kv_map(h) if kv_map else h // (H // H_kv)
        s = (k[g] @ q[h].T) if swap else (q[h] @ k[g].T)
        s = s * (1 / math.sqrt(d) if scale is None else scale)
        if softcap:
            s = softcap * torch.tanh(s / softcap)
        allowed = torch.ones(n_q, n_k, dtype=torch.bool)
        if mask == "causal":
            allowed = torch.tril(allowed)
        elif mask == "causal-br":
            allowed = torch.tril(allowed, diagonal=n_k - n_q)
        elif mask == "causal-nodiag":
            allowed = torch.tril(allowed, diagonal=-1)
        elif mask == "causal-inverted":
            allowed = ~torch.tril(allowed)
        s = torch.where(allowed, s / T, torch.tensor(-math.inf, dtype=s.dtype))
        if no_max:  # exp without the max subtracted: overflows in fp16
            e = torch.exp(s)
            w = e / e.sum(dim=axis, keepdim=True)
        else:
            w = torch.softmax(s, dim=axis)
        if not nan_rows:
            w = torch.nan_to_num(w, nan=0.0)
        out.append((w.T if transpose else w) @ v[g])
    return torch.stack(out)


class Check(TempDirCase):
    PREFIX, SEED, DTYPE = "attn-check-", 5, np.float32

    def check(self, q, k, v, out, *extra):
        args = [ATTN, "check", "--q", self.save("q.npy", q), "--k", self.save("k.npy", k), "--v", self.save("v.npy", v),
                "--out", self.save("out.npy", out), *extra]
        return subprocess.run(args, capture_output=True, text=True)

    def causes(self, r):
        return [line.split(":")[1].strip() for line in r.stdout.splitlines() if line.startswith("likely cause:")]

    def inputs(self, H=2, H_kv=2, n_q=6, n_k=6, d=8):
        q = torch.tensor(self.rng.standard_normal((H, n_q, d)), dtype=torch.float32).double()
        k = torch.tensor(self.rng.standard_normal((H_kv, n_k, d)), dtype=torch.float32).double()
        v = torch.tensor(self.rng.standard_normal((H_kv, n_k, d)), dtype=torch.float32).double()
        return q, k, v

    def test_each_bug_named_first(self):
        cases = [  # (id, make the buggy output, attn options, shapes)
            ("no-scale", lambda q, k, v: attention(q, k, v, scale=1.0), [], {}),
            ("scale-d", lambda q, k, v: attention(q, k, v, scale=1 / 8), [], {}),
            ("scale-d-model", lambda q, k, v: attention(q, k, v, scale=1 / math.sqrt(16)), [], {}),
            ("softmax-axis", lambda q, k, v: attention(q, k, v, axis=-2), [], {}),
            ("causal-top-left", lambda q, k, v: attention(q, k, v, mask="causal"), ["--mask", "causal:bottom-right"], {"n_q": 4, "n_k": 7}),
            ("causal-bottom-right", lambda q, k, v: attention(q, k, v, mask="causal-br"), ["--mask", "causal"], {"n_q": 4, "n_k": 7}),
            ("causal-no-diagonal", lambda q, k, v: attention(q, k, v, mask="causal-nodiag"), ["--mask", "causal"], {}),
            ("mask-inverted", lambda q, k, v: attention(q, k, v, mask="causal-inverted"), ["--mask", "causal"], {}),
            ("gqa-tiled", lambda q, k, v: attention(q, k, v, kv_map=lambda h: h % 2), [], {"H": 6, "H_kv": 2}),
            ("qk-swapped", lambda q, k, v: attention(q, k, v, swap=True), [], {}),
            ("weights-transposed", lambda q, k, v: attention(q, k, v, transpose=True), [], {}),
            ("softcap-missing", lambda q, k, v: attention(q * 3, k * 3, v), ["--softcap", "2"], {}),
        ]
        for bug, make, extra, shapes in cases:
            with self.subTest(bug=bug):
                q, k, v = self.inputs(**shapes)
                if bug == "softcap-missing":
                    q, k = q * 3, k * 3
                    out = attention(q, k, v)
                else:
                    out = make(q, k, v)
                r = self.check(q.numpy(), k.numpy(), v.numpy(), out.numpy(), *extra)
                self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
                self.assertIn("FAIL", r.stdout)
                c = self.causes(r)
                self.assertTrue(c, f"{bug}: no cause named\n{r.stdout}")
                self.assertEqual(c[0], bug, f"{bug}: named {c}\n{r.stdout}")

    def test_fitted_temperature_ranks_after_exact(self):
        q, k, v = self.inputs()
        r = self.check(q.numpy(), k.numpy(), v.numpy(), attention(q, k, v, T=0.5).numpy())
        self.assertEqual(self.causes(r)[0], "temperature", r.stdout)
        self.assertIn("T = 0.5", r.stdout)
        r = self.check(q.numpy(), k.numpy(), v.numpy(), attention(q, k, v, scale=1.0).numpy())
        c = self.causes(r)
        self.assertEqual(c[0], "no-scale", r.stdout)
        self.assertIn("temperature", c, "a fitted T also matches no-scale, after it")
        self.assertGreater(c.index("temperature"), c.index("no-scale"))

    def test_nan_evidence(self):
        # bottom-right with n_q > n_k: the first rows see no key; a kernel that divides 0 by 0 gives NaN
        q, k, v = self.inputs(n_q=6, n_k=3)
        out = attention(q, k, v, mask="causal-br", nan_rows=True)
        self.assertTrue(torch.isnan(out).any())
        r = self.check(q.numpy(), k.numpy(), v.numpy(), out.numpy(), "--mask", "causal:bottom-right")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("NaN", r.stdout)
        self.assertEqual(self.causes(r)[0], "masked-row-nan", r.stdout)
        # softmax without the max subtracted, in fp16: exp overflows to inf, inf / inf = NaN
        q, k, v = self.inputs()
        q16, k16, v16 = ((t * 4).half() for t in (q, k, v))
        s = (q16.double() @ k16.double().transpose(1, 2)) / math.sqrt(8)
        self.assertGreater(float(s.max()), 11.1, "the scores must overflow fp16's exp")
        e = torch.exp(s.half().float()).half()  # fp16 exp: inf beyond 65504
        w = (e.float() / e.float().sum(-1, keepdim=True))
        out = (w.double() @ v16.double())
        self.assertTrue(torch.isnan(out).any())
        r = self.check(q16.float().numpy(), k16.float().numpy(), v16.float().numpy(), out.numpy(), "--dtype", "fp16")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(self.causes(r)[0], "no-max-subtraction", r.stdout)

    def test_honest_low_precision_passes(self):
        for dt, name in ((torch.float16, "fp16"), (torch.bfloat16, "bf16")):
            with self.subTest(dtype=name):
                q, k, v = (t.to(dt) for t in self.inputs(H=4, H_kv=2, n_q=16, n_k=16, d=16))
                s = (q.float() @ k.float().repeat_interleave(2, 0).transpose(1, 2) / 4).to(dt)
                w = torch.softmax(s.float(), -1).to(dt)
                out = (w.float() @ v.float().repeat_interleave(2, 0)).to(dt)
                r = self.check(q.float().numpy(), k.float().numpy(), v.float().numpy(), out.float().numpy(), "--dtype", name)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertIn("PASS", r.stdout)
                self.assertIn("tolerance", r.stdout)
                # and the same kernel with its scale forgotten still fails in that precision
                bad = (torch.softmax((s.float() * 4).to(dt).float(), -1).to(dt).float() @ v.float().repeat_interleave(2, 0)).to(dt)
                r = self.check(q.float().numpy(), k.float().numpy(), v.float().numpy(), bad.float().numpy(), "--dtype", name)
                self.assertEqual(r.returncode, 1, r.stdout)

    def test_float64_kept_in_double(self):
        """A float64 port (and its float64 inputs) checked at --dtype fp64: the reference must come
        from the unrounded inputs. Rounding the inputs to float32 alone moves the reference by far
        more than the fp64 tolerance (asserted here), so a checker that rounds would fail it."""
        q, k, v = (torch.tensor(self.rng.standard_normal(s)) for s in ((2, 6, 8), (2, 6, 8), (2, 6, 8)))
        out = attention(q, k, v, mask="causal")
        rounded = attention(*(t.float().double() for t in (q, k, v)), mask="causal")
        self.assertGreater(float((out - rounded).abs().max()), 1e-8)  # >> the fp64 atol of 1e-10
        save = lambda name, t: self.save(name, t.numpy(), np.float64)  # noqa: E731
        args = [ATTN, "check", "--q", save("q.npy", q), "--k", save("k.npy", k), "--v", save("v.npy", v), "--mask", "causal"]
        r = subprocess.run(args + ["--out", save("out.npy", out), "--dtype", "fp64"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("fp64", r.stdout)
        # the float32-rounded computation is a different result at fp64's tolerance
        r = subprocess.run(args + ["--out", save("out.npy", rounded), "--dtype", "fp64"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        # a float64 port that forgot the scale is still named at fp64
        bad = attention(q, k, v, mask="causal", scale=1.0)
        r = subprocess.run(args + ["--out", save("out.npy", bad), "--dtype", "fp64"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertEqual(self.causes(r)[0], "no-scale")

    def test_gradients(self):
        q, k, v = (t.requires_grad_() for t in self.inputs(H=2, H_kv=1, n_q=5, n_k=5, d=4))
        out = attention(q, k, v, mask="causal")
        dout = torch.tensor(self.rng.standard_normal(out.shape))
        out.backward(dout)
        paths = {n: self.save(n + ".npy", t.grad.numpy()) for n, t in (("dq", q), ("dk", k), ("dv", v))}
        extra = ["--mask", "causal", "--dout", self.save("do.npy", dout.numpy()), "--dq", paths["dq"], "--dk", paths["dk"], "--dv", paths["dv"]]
        r = self.check(q.detach().numpy(), k.detach().numpy(), v.detach().numpy(), out.detach().numpy(), *extra)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for n in ("dq", "dk", "dv"):
            self.assertRegex(r.stdout, rf"\n{n} .*PASS")
        bad = k.grad.numpy() * 1.01
        extra[extra.index("--dk") + 1] = self.save("dk_bad.npy", bad)
        r = self.check(q.detach().numpy(), k.detach().numpy(), v.detach().numpy(), out.detach().numpy(), *extra)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertRegex(r.stdout, r"\ndk .*FAIL")

    def test_bad_input(self):
        q, k, v = self.inputs()
        cases = [
            (["check", "--q", self.save("q.npy", q.numpy()), "--k", self.save("k.npy", k.numpy()), "--v", self.save("v.npy", v.numpy())], ["--out"]),
            (["check", "--q", self.path("q.npy"), "--k", self.path("k.npy"), "--v", self.path("v.npy"), "--out", self.save("o.npy", np.ones((2, 5, 8)))], ["o.npy", "(2, 5, 8)", "(2, 6, 8)"]),
            (["check", "--q", self.path("q.npy"), "--k", self.path("k.npy"), "--v", self.path("v.npy"), "--out", self.path("o.npy"), "--dtype", "fp8"], ["--dtype"]),
            (["check", "--q", self.path("q.npy"), "--k", self.path("k.npy"), "--v", self.path("v.npy"), "--out", self.path("o.npy"), "--dq", self.path("q.npy")], ["--dout"]),
            (["check", "--q", self.path("q.npy"), "--k", self.path("k.npy"), "--v", self.path("v.npy"), "--out", self.path("o.npy"), "--atol", "-1"], ["--atol"]),
        ]
        for args, words in cases:
            r = subprocess.run([ATTN, *args], capture_output=True, text=True)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertTrue(r.stderr.startswith("error: "), r.stderr)
            for w in words:
                self.assertIn(w, r.stderr)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=1).result
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
