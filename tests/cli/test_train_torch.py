#!/usr/bin/python3
"""`attn train` against PyTorch. Each case trains one step with --dump-first-step, then builds the
model of src/train/model.h from torch operations (written here from the definitions, by tensor
name), loads step0/'s weights and batch, and compares the loss and every gradient with
step0/grads.safetensors: relative error (over each tensor's norm) <= 1e-4 in float32 and 1e-10 with
--dtype float64. A float64 run's one optimizer step is compared with torch.optim.AdamW and SGD.
Run with Debian's python3: /usr/bin/python3 test_train_torch.py build/native/attn"""
import json
import os
import subprocess
import sys
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_case import TempDirCase  # noqa: E402
from torch_model import model_loss, read_safetensors  # noqa: E402

ATTN = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "build/native/attn"
torch.set_num_threads(1)


class TrainTorch(TempDirCase):
    PREFIX = "attn-train-"

    def run_attn(self, *args):
        r = subprocess.run([ATTN, "train", *args], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def compare_step0(self, dtype_flag, tol, *args):
        out = self.path("run")
        self.run_attn(*args, "--steps", "1", "--dump-first-step", "--dtype", dtype_flag, "--out", out)
        with open(os.path.join(out, "config.json")) as f:
            cfg = json.load(f)
        dtype = torch.float64 if dtype_flag == "float64" else torch.float32
        W, meta = read_safetensors(os.path.join(out, "step0", "weights.safetensors"))
        G, _ = read_safetensors(os.path.join(out, "step0", "grads.safetensors"))
        self.assertIn("config", meta)
        x = torch.tensor(np.load(os.path.join(out, "step0", "x.npy")))
        y = torch.tensor(np.load(os.path.join(out, "step0", "y.npy")))
        mask = torch.tensor(np.load(os.path.join(out, "step0", "loss_mask.npy")), dtype=dtype)
        ours_loss = float(np.load(os.path.join(out, "step0", "loss.npy"))[0])
        P = {k: torch.tensor(v, dtype=dtype, requires_grad=True) for k, v in W.items()}
        loss = model_loss(cfg, P, x, y, mask, dtype)
        loss.backward()
        self.assertLess(abs(loss.item() - ours_loss), tol * abs(ours_loss), f"loss {ours_loss} vs torch {loss.item()}")
        self.assertEqual(set(G), set(P))
        for name, t in P.items():
            ref = t.grad.double().numpy()
            err = np.linalg.norm(G[name].astype(np.float64) - ref) / max(np.linalg.norm(ref), 1e-30)
            self.assertLess(err, tol, f"{name}: relative error {err:.3g}")
        return out, cfg, W, G, P

    def test_sort_float32(self):
        self.compare_step0("float32", 1e-4, "--task", "sort", "--batch", "8", "--layers", "3", "--heads", "3",
                           "--d-model", "48")

    def test_sort_float64(self):
        self.compare_step0("float64", 1e-10, "--task", "sort", "--batch", "8", "--d-model", "10", "--heads", "2")

    def test_induction_rope_gqa_attention_only(self):
        for flag, tol in (("float64", 1e-10), ("float32", 1e-4)):
            self.compare_step0(flag, tol, "--task", "induction", "--k", "9", "--batch", "4", "--heads", "4",
                               "--kv-heads", "2", "--d-model", "16", "--no-mlp", "--no-ln", "--posenc", "rope")

    def test_histogram_bidirectional_sinusoidal_unscaled(self):
        self.compare_step0("float64", 1e-10, "--task", "histogram", "--k", "7", "--batch", "4", "--heads", "2",
                           "--d-model", "10", "--posenc", "sinusoidal", "--scale", "none", "--temperature", "0.7",
                           "--init", "kaiming")

    def test_copy_alibi_sparsemax_and_entmax(self):
        for norm in ("sparsemax", "entmax15"):
            self.compare_step0("float64", 1e-10, "--task", "copy", "--k", "3", "--batch", "4", "--heads", "2",
                               "--d-model", "10", "--posenc", "alibi", "--normalizer", norm, "--layers", "1",
                               "--init", "normal", "--scale", "0.6")

    def test_modadd_float32(self):
        self.compare_step0("float32", 1e-4, "--task", "modadd", "--p", "13", "--batch", "16", "--heads", "2",
                           "--d-model", "12", "--posenc", "none")

    def test_one_optimizer_step_matches_torch_optim(self):
        for opt in ("adamw", "sgd"):
            out, cfg, W, G, P = self.compare_step0(
                "float64", 1e-10, "--task", "sort", "--batch", "8", "--d-model", "10", "--heads", "2",
                "--optimizer", opt, "--lr", "0.01", "--warmup", "0", "--weight-decay", "0.1", "--clip", "0.3")
            after, _ = read_safetensors(os.path.join(out, "model.safetensors"))
            for name, t in P.items():
                t.grad = torch.tensor(G[name])  # our gradients: this compares the update alone
            decay = [t for n, t in P.items() if len(t.shape) == 2]
            rest = [t for n, t in P.items() if len(t.shape) != 2]
            torch.nn.utils.clip_grad_norm_(list(P.values()), 0.3)
            groups = [{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}]
            o = (torch.optim.AdamW(groups, lr=0.01, betas=(0.9, 0.999), eps=1e-8) if opt == "adamw"
                 else torch.optim.SGD(groups, lr=0.01, momentum=0.9))
            o.step()
            for name, t in P.items():
                err = np.abs(after[name] - t.detach().numpy()).max()
                self.assertLess(err, 1e-12, f"{opt} {name}: {err:.3g}")


class TrainCli(TempDirCase):
    PREFIX = "attn-train-cli-"

    def attn(self, *args):
        return subprocess.run([ATTN, *args], capture_output=True, text=True)

    def test_run_folder_eval_generate(self):
        out = self.path("sort")
        r = self.attn("train", "--task", "sort", "--steps", "400", "--batch", "32", "--d-model", "32", "--heads", "2",
                      "--lr", "3e-3", "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        for f in ("config.json", "log.csv", "model.safetensors", "snapshots.bin"):
            self.assertTrue(os.path.exists(os.path.join(out, f)), f)
        with open(os.path.join(out, "log.csv")) as f:
            rows = f.read().strip().split("\n")
        self.assertEqual(rows[0], "step,loss,heldout_acc,grad_norm,ms,lr,batch_acc")
        self.assertEqual(len(rows), 401)
        first, last = rows[1].split(","), rows[-1].split(",")
        self.assertLess(float(last[1]), float(first[1]) / 4)
        r = self.attn("eval", "--model", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        acc = float(r.stdout.split("held-out accuracy ")[1].split("%")[0])
        self.assertGreater(acc, 90.0, r.stdout)
        # the log's last held-out accuracy is what eval prints
        self.assertAlmostEqual(float(last[2]) * 100, acc, places=3)
        r = self.attn("generate", "--model", out, "--prompt", "2 0 1 2 0 1", "--dump", self.path("gen"))
        self.assertEqual(r.returncode, 0, r.stderr)
        toks = r.stdout.split()
        self.assertEqual(toks[:6], ["2", "0", "1", "2", "0", "1"])
        self.assertEqual(len(toks), 12)
        a = np.load(self.path("gen/step10/attn_l1.npy"))
        self.assertEqual(a.shape, (2, 11))
        np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-5)
        self.assertEqual(np.load(self.path("gen/step10/k_l0.npy")).shape, (11, 32))

    def test_deterministic(self):
        logs = []
        for run in ("a", "b"):
            out = self.path(run)
            r = self.attn("train", "--task", "copy", "--k", "4", "--steps", "30", "--batch", "8", "--d-model", "16",
                          "--dropout", "0.1", "--out", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(out, "log.csv")) as f:
                logs.append([line.split(",")[1] for line in f])
        self.assertEqual(logs[0], logs[1])

    def test_errors_name_the_problem(self):
        cases = [
            (["train", "--task", "sort"], "--out DIR is required"),
            (["train", "--task", "nope", "--out", self.path("x")], "unknown task 'nope'"),
            (["train", "--task", "sort", "--lr", "fast", "--out", self.path("x")], "--lr 'fast'"),
            (["train", "--task", "sort", "--heads", "3", "--d-model", "16", "--out", self.path("x")],
             "not a multiple of --heads 3"),
            (["train", "--task", "sort", "--bogus", "1", "--out", self.path("x")], "unknown setting --bogus"),
            (["eval", "--model", self.path("missing")], "not a folder"),
            (["generate", "--model", self.path("missing"), "--prompt", "1"], "not a folder"),
        ]
        for args, msg in cases:
            r = self.attn(*args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(msg, r.stderr)
            self.assertTrue(r.stderr.startswith("error: "), r.stderr)
            self.assertEqual(len(r.stderr.strip().split("\n")), 1, r.stderr)
        os.makedirs(self.path("empty"))
        r = self.attn("eval", "--model", self.path("empty"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("config.json: cannot open", r.stderr)

    def test_ctrl_c_writes_the_run_so_far(self):
        import signal
        import time
        out = self.path("stopped")
        p = subprocess.Popen([ATTN, "train", "--task", "sort", "--steps", "1000000", "--batch", "8", "--d-model", "16",
                              "--out", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        while not os.path.exists(os.path.join(out, "log.csv")) and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        p.send_signal(signal.SIGINT)
        stdout, stderr = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 130, stderr)
        self.assertIn("interrupted at step", stdout)
        W, _ = read_safetensors(os.path.join(out, "model.safetensors"))
        self.assertIn("unembed", W)
        with open(os.path.join(out, "log.csv")) as f:
            self.assertGreater(len(f.readlines()), 2)

    def test_divergence_stops_with_last_good_weights(self):
        out = self.path("boom")
        # SGD at lr 10 without LayerNorm or clipping overflows within a few steps
        r = self.attn("train", "--task", "copy", "--k", "3", "--steps", "200", "--batch", "8", "--d-model", "16",
                      "--optimizer", "sgd", "--lr", "10", "--clip", "0", "--no-ln", "--warmup", "0", "--out", out)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertRegex(r.stderr, r"error: step \d+: the loss is (NaN|Inf) \(the largest weight is in [a-z_.0-9]+, ")
        self.assertIn("--lr", r.stderr)
        W, _ = read_safetensors(os.path.join(out, "model.safetensors"))
        for name, a in W.items():
            self.assertTrue(np.isfinite(a).all(), name)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=1).result
    print(f"{result.testsRun - len(result.failures) - len(result.errors)} passed, "
          f"{len(result.failures) + len(result.errors)} failed")
    sys.exit(0 if result.wasSuccessful() else 1)
