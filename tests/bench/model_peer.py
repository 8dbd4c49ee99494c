#!/usr/bin/python3
"""model_peer.py: attn model's forward pass against PyTorch's (float32, one thread) on the same
GPT-2-small-shaped checkpoint (124 M parameters, random weights, written here with GPT-2's real
names and shapes), in one run: the ratio, not a fixed number, is the result. Each repeat is printed.
  usage: /usr/bin/python3 tests/bench/model_peer.py build/native/attn [T ...]"""
import os
import subprocess
import sys
import tempfile
import time

import torch

ARGS = sys.argv[1:]  # before the test module's import, which reads sys.argv
sys.argv = sys.argv[:1]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import test_models as tm  # noqa: E402

torch.set_num_threads(1)


def torch_gpt2(cfg, W, ids):
    """GPT-2 in torch float32 from its definition (the same as the tests' float64 reference)."""
    w = {n: t.float() for n, t in W.items() if t.is_floating_point()}
    d, H = cfg["n_embd"], cfg["n_head"]
    dh, T = d // H, len(ids)
    ln = lambda x, n: torch.nn.functional.layer_norm(x, (d,), w[n + ".weight"], w[n + ".bias"], 1e-5)  # noqa: E731
    h = w["wte.weight"][ids] + w["wpe.weight"][:T]
    mask = torch.full((T, T), float("-inf")).triu(1)
    for layer in range(cfg["n_layer"]):
        p = f"h.{layer}."
        qkv = ln(h, p + "ln_1") @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]
        q, k, v = (qkv[:, i * d:(i + 1) * d].reshape(T, H, dh).transpose(0, 1) for i in range(3))
        a = torch.softmax(q @ k.transpose(1, 2) / dh ** 0.5 + mask, -1)
        h = h + (a @ v).transpose(0, 1).reshape(T, d) @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        m = ln(h, p + "ln_2") @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"]
        h = h + torch.nn.functional.gelu(m, approximate="tanh") @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    return ln(h, "ln_f") @ w["wte.weight"].T


def main():
    attn = os.path.abspath(ARGS[0])
    lengths = [int(t) for t in ARGS[1:]] or [128, 512]
    folder = tempfile.mkdtemp(prefix="attn-bench-gpt2-")
    cfg, W = tm.gpt2_checkpoint(d=768, heads=12, layers=12, n_pos=1024, vocab=50257, buffers=False)
    tm.write_checkpoint(folder, cfg, W)
    print(f"GPT-2-small-shaped checkpoint: {sum(t.numel() for t in W.values()) / 1e6:.1f} M parameters, F32")
    for T in lengths:
        ids = [(i * 7919) % 50257 for i in range(T)]
        for rep in range(3):
            out = subprocess.run([attn, "model", "--model", folder, "--ids", ",".join(map(str, ids))],
                                 capture_output=True, text=True, check=True).stdout
            ours = float([ln for ln in out.splitlines() if ln.startswith("forward: ")][0].split()[1])
            with torch.no_grad():
                t0 = time.perf_counter()
                torch_gpt2(cfg, W, torch.tensor(ids))
                peer = (time.perf_counter() - t0) * 1000
            print(f"T {T:4d}  run {rep + 1}: attn {ours:8.1f} ms   torch-cpu-1t {peer:8.1f} ms   attn / torch speed {peer / ours:.2f}x")


if __name__ == "__main__":
    main()
