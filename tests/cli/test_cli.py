#!/usr/bin/python3
"""CLI tests for `attn`: results against numpy, and every bad-input class against its contract
(exit code 2, one 'error:' line naming the file or argument, the dump folder untouched).
Run with Debian's python3 (it has numpy): /usr/bin/python3 test_cli.py build/native/attn"""
import os
import shutil
import subprocess
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_case import TempDirCase  # noqa: E402

ATTN = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "build/native/attn"


def softmax(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    e = np.exp(x - m)
    s = e.sum(axis=axis, keepdims=True)
    return np.divide(e, s, out=np.zeros_like(e), where=s > 0)


class Cli(TempDirCase):
    PREFIX, SEED = "attn-cli-", 7

    def run_attn(self, *args):
        return subprocess.run([ATTN, *args], capture_output=True, text=True)

    def load(self, out, name):
        return np.load(os.path.join(out, name))

    # ---------------------------------------------------------------- results against numpy
    def test_qkv_all_intermediates(self):
        n_q, n_k, d, dv = 7, 9, 5, 3
        Q = self.rng.standard_normal((n_q, d)).astype(np.float32)
        K = self.rng.standard_normal((n_k, d))  # float64 input is accepted
        V = self.rng.standard_normal((n_k, dv)).astype(np.float32)
        out = self.path("dump")
        r = self.run_attn("run", "--q", self.save("q.npy", Q), "--k", self.save("k.npy", K), "--v", self.save("v.npy", V),
                          "--mask", "causal", "--temperature", "0.5", "--dump", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        scores = Q.astype(np.float64) @ K.T
        scaled = scores / np.sqrt(d)
        masked = np.where(np.tril(np.ones((n_q, n_k))) > 0, scaled, -np.inf)
        weights = softmax(masked / 0.5)
        np.testing.assert_allclose(self.load(out, "scores.npy"), scores, atol=1e-5)
        np.testing.assert_allclose(self.load(out, "scaled.npy"), scaled, atol=1e-5)
        got_masked = self.load(out, "masked.npy")
        self.assertTrue(np.all(np.isneginf(got_masked) == np.isneginf(masked)))
        np.testing.assert_allclose(self.load(out, "weights.npy"), weights, atol=1e-6)
        np.testing.assert_allclose(self.load(out, "output.npy"), weights @ V, atol=1e-5)
        self.assertEqual(self.load(out, "weights.npy").dtype, np.float32)
        self.assertIn("scale: 0.447214", r.stdout)
        self.assertIn("entropy", r.stdout)

    def test_x_multihead_with_wo_and_rope(self):
        n, d, H = 6, 8, 2
        X = self.rng.standard_normal((n, d)).astype(np.float32)
        W = [self.rng.standard_normal((d, d)).astype(np.float32) * 0.4 for _ in range(4)]
        out = self.path("dump")
        args = ["run", "--x", self.save("x.npy", X), "--wq", self.save("wq.npy", W[0]), "--wk", self.save("wk.npy", W[1]),
                "--wv", self.save("wv.npy", W[2]), "--wo", self.save("wo.npy", W[3]), "--heads", str(H),
                "--posenc", "sinusoidal", "--dump", out]
        r = self.run_attn(*args)
        self.assertEqual(r.returncode, 0, r.stderr)
        pos = np.arange(n)[:, None]
        i2 = (np.arange(d) // 2 * 2)[None, :]
        ang = pos / np.power(10000.0, i2 / d)
        pe = np.where(np.arange(d) % 2 == 0, np.sin(ang), np.cos(ang))
        Xp = X + pe
        Q, K, V = Xp @ W[0], Xp @ W[1], Xp @ W[2]
        np.testing.assert_allclose(self.load(out, "q.npy"), Q, atol=1e-4)
        dh = d // H
        heads = []
        for h in range(H):
            s = slice(h * dh, (h + 1) * dh)
            w = softmax(Q[:, s] @ K[:, s].T / np.sqrt(dh))
            np.testing.assert_allclose(self.load(out, "weights.npy")[h], w, atol=1e-5)
            heads.append(w @ V[:, s])
        self.assertEqual(self.load(out, "scores.npy").shape, (H, n, n))
        self.assertEqual(self.load(out, "heads.npy").shape, (H, n, dh))
        concat = np.concatenate(heads, axis=1)
        np.testing.assert_allclose(self.load(out, "concat.npy"), concat, atol=1e-4)
        np.testing.assert_allclose(self.load(out, "output.npy"), concat @ W[3], atol=1e-4)

    def test_x_without_wo_output_equals_concat(self):
        X = self.rng.standard_normal((4, 6)).astype(np.float32)
        W = self.rng.standard_normal((6, 6)).astype(np.float32)
        out = self.path("d")
        r = self.run_attn("run", "--x", self.save("x.npy", X), "--wq", self.save("w.npy", W), "--wk", self.path("w.npy"),
                          "--wv", self.path("w.npy"), "--heads", "3", "--dump", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        np.testing.assert_array_equal(self.load(out, "output.npy"), self.load(out, "concat.npy"))

    def test_normalizers_mask_file_and_scale(self):
        Q = np.array([[1, 0, 1, 0]], np.float32)
        K = np.array([[0.5, 0.2, 0.1, 0.3], [0.1, 0.8, 0.2, 0.1], [0.2, 0.1, 0.9, 0.4]], np.float32)
        V = np.eye(3, dtype=np.float32)
        base = ["run", "--q", self.save("q.npy", Q), "--k", self.save("k.npy", K), "--v", self.save("v.npy", V), "--scale", "none"]
        cases = {"softmax": [0.29502533, 0.21856014, 0.48641453], "sum": [0.6 / 2, 0.3 / 2, 1.1 / 2],
                 "sparsemax": [0.25, 0.0, 0.75], "hardmax": [0, 0, 1], "sigmoid": list(1 / (1 + np.exp(-np.array([0.6, 0.3, 1.1]))))}
        for name, want in cases.items():
            out = self.path("d-" + name)
            r = self.run_attn(*base, "--normalizer", name, "--dump", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            np.testing.assert_allclose(self.load(out, "weights.npy")[0], want, atol=1e-6, err_msg=name)
        out = self.path("d-mask")
        mask = self.save("mask.npy", np.array([[1, 0, 1]], np.float32))
        r = self.run_attn(*base, "--mask", mask, "--scale", "2", "--dump", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        np.testing.assert_allclose(self.load(out, "weights.npy")[0], softmax(np.array([1.2, -np.inf, 2.2])), atol=1e-6)

    def test_presets_list_and_run(self):
        r = self.run_attn("presets")
        self.assertEqual(r.returncode, 0)
        self.assertIn("cat-it", r.stdout)
        out = self.path("p")
        r = self.run_attn("run", "--preset", "cat-it", "--dump", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        w = self.load(out, "weights.npy")
        self.assertEqual(w.shape, (2, 10, 10))
        self.assertEqual(int(np.argmax(w[0, 7])), 1)  # "it" -> "cat"

    def test_existing_dir_keeps_other_files(self):
        out = self.path("keep")
        os.mkdir(out)
        with open(os.path.join(out, "notes.txt"), "w") as f:
            f.write("mine")
        r = self.run_attn("run", "--preset", "causal", "--dump", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(os.path.join(out, "weights.npy")))
        with open(os.path.join(out, "notes.txt")) as f:
            self.assertEqual(f.read(), "mine")
        self.assertEqual(sorted(os.listdir(self.dir)).count("keep.attn-tmp"), 0)

    # ---------------------------------------------------------------- bad input: exit 2, one line, DIR untouched
    def bad(self, args, must_contain):
        out = self.path("untouched")
        os.mkdir(out)
        with open(os.path.join(out, "sentinel"), "w") as f:
            f.write("x")
        r = self.run_attn(*args, "--dump", out)
        self.assertEqual(r.returncode, 2, f"{args}: {r.stdout} {r.stderr}")
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertTrue(lines[0].startswith("error: "), lines[0])
        for s in must_contain:
            self.assertIn(s, lines[0])
        self.assertEqual(os.listdir(out), ["sentinel"])
        self.assertFalse(os.path.exists(out + ".attn-tmp"))
        shutil.rmtree(out)
        return lines[0]

    def qkv(self, Q=None, K=None, V=None):
        Q = self.rng.standard_normal((3, 4)) if Q is None else Q
        K = self.rng.standard_normal((5, 4)) if K is None else K
        V = self.rng.standard_normal((5, 2)) if V is None else V
        return ["run", "--q", self.save("q.npy", Q), "--k", self.save("k.npy", K), "--v", self.save("v.npy", V)]

    def test_bad_nan(self):
        K = self.rng.standard_normal((5, 4))
        K[3, 1] = np.nan
        self.bad(self.qkv(K=K), ["k.npy", "NaN", "row 4, column 2"])

    def test_bad_inf(self):
        V = self.rng.standard_normal((5, 2))
        V[0, 0] = -np.inf
        self.bad(self.qkv(V=V), ["v.npy", "Inf", "row 1, column 1"])

    def test_bad_shape_mismatch(self):
        self.bad(self.qkv(K=self.rng.standard_normal((5, 3))), ["k.npy", "columns"])
        self.bad(self.qkv(V=self.rng.standard_normal((4, 2))), ["v.npy", "rows"])
        X = self.rng.standard_normal((4, 6))
        args = ["run", "--x", self.save("x.npy", X), "--wq", self.save("wq.npy", np.eye(6)), "--wk", self.save("wk.npy", np.eye(5)),
                "--wv", self.path("wq.npy")]
        self.bad(args, ["wk.npy", "5x5", "d_model=6"])
        args[6] = self.path("wq.npy")
        self.bad(args + ["--heads", "4"], ["--heads 4", "x.npy"])

    def test_bad_rank(self):
        self.bad(self.qkv(Q=self.rng.standard_normal((2, 3, 4))), ["q.npy", "2-D", "3-D"])
        self.bad(self.qkv(Q=self.rng.standard_normal(4)), ["q.npy", "2-D", "1-D"])

    def test_bad_truncated_and_corrupt(self):
        args = self.qkv()
        with open(self.path("k.npy"), "rb") as f:
            data = f.read()
        with open(self.path("k.npy"), "wb") as f:
            f.write(data[:-7])
        self.bad(args, ["k.npy", "truncated"])
        with open(self.path("k.npy"), "wb") as f:
            f.write(b"garbage, not numpy at all")
        self.bad(args, ["k.npy", "not a .npy"])
        np.save(self.path("k.npy"), np.ones((5, 4), np.int64))
        self.bad(args, ["k.npy", "<i8"])
        self.bad(["run", "--q", self.path("missing.npy"), "--k", self.path("k.npy"), "--v", self.path("v.npy")], ["missing.npy", "cannot open"])

    def test_bad_options(self):
        args = self.qkv()
        self.bad(args + ["--frobnicate", "1"], ["--frobnicate"])
        self.bad(args + ["--temperature", "0"], ["--temperature", "'0'"])
        self.bad(args + ["--temperature", "-1"], ["--temperature"])
        self.bad(args + ["--temperature", "nan"], ["--temperature"])
        self.bad(args + ["--normalizer", "softmin"], ["normalizer", "softmin"])
        self.bad(args + ["--mask", "diagonal"], ["--mask", "diagonal"])
        self.bad(args + ["--scale", "huge"], ["--scale", "huge"])
        self.bad(args + ["--posenc", "rope"], ["--posenc"])
        self.bad(args + ["--mask", self.save("m.npy", np.ones((2, 2)))], ["m.npy", "2x2", "3x5"])
        self.bad(["run", "--preset", "nope"], ["nope"])
        self.bad(["run"], ["--preset"])
        self.bad(["launch"], ["launch"])
        self.bad(args + ["--temperature"], ["--temperature", "needs a value"])

    def test_bad_new_options_and_tensors(self):
        args = self.qkv()
        self.bad(args + ["--kv-heads", "0"], ["--kv-heads", "at least 1"])
        self.bad(args + ["--kv-heads", "abc"], ["--kv-heads", "'abc'"])
        self.bad(args + ["--softcap", "-1"], ["--softcap", "'-1'", "from 0"])
        self.bad(args + ["--sink", "abc"], ["--sink", "'abc'"])
        self.bad(args + ["--sink-tokens", "2"], ["--sink-tokens", "window"])
        self.bad(args + ["--layout", "bhdn"], ["--layout", "bhdn"])
        self.bad(args + ["--mask", "causal:middle"], ["--mask", "causal:middle"])
        self.bad(args + ["--sink", self.save("s.npy", np.zeros(3))], ["s.npy", "3 sink logit(s)", "1 query heads"])
        self.bad(args + ["--normalizer", "sparsemax", "--sink", "0.5"], ["sink", "softmax"])
        Q3 = self.rng.standard_normal((3, 4, 5)).astype(np.float32)
        K3 = self.rng.standard_normal((2, 6, 5)).astype(np.float32)
        self.bad(["run", "--q", self.save("q3.npy", Q3), "--k", self.save("k3.npy", K3), "--v", self.save("v3.npy", K3)],
                 ["k3.npy", "2 key/value heads do not divide", "3 heads"])
        st = self.path("w.safetensors")
        with open(st, "wb") as f:
            h = b'{"q": {"dtype": "F32", "shape": [4, 5], "data_offsets": [0, 80]}}'
            f.write(len(h).to_bytes(8, "little") + h + np.zeros((4, 5), np.float32).tobytes())
        self.bad(["run", "--q", st, "--k", st + ":q", "--v", st + ":q"], ["w.safetensors", "name the tensor"])
        self.bad(["run", "--q", st + ":nope", "--k", st + ":q", "--v", st + ":q"], ["w.safetensors", "no tensor named 'nope'", "q"])
        self.bad(["grad"] + args[1:], ["--dout"])

    def test_sum_normalizer_error_names_row(self):
        self.bad(self.qkv() + ["--normalizer", "sum"], ["row", "sum normalization"])


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=1).result
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
