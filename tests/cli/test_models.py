#!/usr/bin/python3
"""`attn model` on Hugging Face checkpoints this test writes itself (no model can be downloaded
here): the real tensor names, shapes, layouts, dtypes and config keys of GPT-2, Llama (with
Llama 3's rope_scaling), Mistral and Qwen2, random weights drawn by PyTorch, saved as .safetensors
(one file, or shards with model.safetensors.index.json). The reference is an independent float64
implementation of each architecture from its definition (numpy, below): every dumped intermediate
(q and k after RoPE, v, every head's weights, the residual stream after each block, the logits)
must match it, and so must a knocked-out head and a greedy generation. Bad checkpoints get one
error line naming the file, tensor or key, exit 2 and no dump folder.
Run with Debian's python3: /usr/bin/python3 test_models.py build/native/attn"""
import json
import math
import os
import struct
import subprocess
import sys
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_case import TempDirCase  # noqa: E402

ATTN = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "build/native/attn"
DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


# ---------------------------------------------------------------- writing checkpoints

def safetensors_bytes(tensors):
    """tensors: name -> torch tensor (any dtype of DTYPES, or a 0-d/int buffer). The format: an
    8-byte little-endian header length, a JSON header padded with spaces to 8 bytes, the data."""
    header, blobs, at = {}, [], 0
    names = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.uint8: "U8", torch.bool: "BOOL"}
    for name, t in tensors.items():
        t = t.contiguous()
        raw = t.view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def as64(t):
    return t.to(torch.float64).numpy()


def gpt2_checkpoint(d=32, heads=4, layers=2, n_pos=16, vocab=50, dtype="F32", prefix="", buffers=True, untied=False):
    g = torch.Generator().manual_seed(1)
    r = lambda *s, scale=0.3: (torch.randn(*s, generator=g) * scale).to(DTYPES[dtype])  # noqa: E731
    W = {}
    W[prefix + "wte.weight"] = r(vocab, d, scale=0.5)
    W[prefix + "wpe.weight"] = r(n_pos, d, scale=0.2)
    for i in range(layers):
        p = f"{prefix}h.{i}."
        W[p + "ln_1.weight"] = (1 + r(d, scale=0.1).float()).to(DTYPES[dtype])
        W[p + "ln_1.bias"] = r(d, scale=0.1)
        W[p + "attn.c_attn.weight"] = r(d, 3 * d, scale=0.6)  # Conv1D: (in, out), q | k | v
        W[p + "attn.c_attn.bias"] = r(3 * d, scale=0.1)
        W[p + "attn.c_proj.weight"] = r(d, d)
        W[p + "attn.c_proj.bias"] = r(d, scale=0.1)
        W[p + "ln_2.weight"] = (1 + r(d, scale=0.1).float()).to(DTYPES[dtype])
        W[p + "ln_2.bias"] = r(d, scale=0.1)
        W[p + "mlp.c_fc.weight"] = r(d, 4 * d)
        W[p + "mlp.c_fc.bias"] = r(4 * d, scale=0.1)
        W[p + "mlp.c_proj.weight"] = r(4 * d, d, scale=0.15)
        W[p + "mlp.c_proj.bias"] = r(d, scale=0.1)
        if buffers:  # the causal-mask buffers old files keep: skipped
            W[p + "attn.bias"] = torch.tril(torch.ones(1, 1, n_pos, n_pos)).to(torch.uint8)
            W[p + "attn.masked_bias"] = torch.tensor(-1e4)
    W[prefix + "ln_f.weight"] = (1 + r(d, scale=0.1).float()).to(DTYPES[dtype])
    W[prefix + "ln_f.bias"] = r(d, scale=0.1)
    if untied:
        W["lm_head.weight"] = r(vocab, d, scale=0.5)
    cfg = {"model_type": "gpt2", "n_embd": d, "n_head": heads, "n_layer": layers, "n_positions": n_pos,
           "vocab_size": vocab, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new",
           "architectures": ["GPT2LMHeadModel"]}
    if untied:
        cfg["tie_word_embeddings"] = False
    return cfg, W


def llama_checkpoint(family="llama", d=48, heads=6, kv=2, head_dim=12, layers=2, ff=64, vocab=60, dtype="F32",
                     theta=500000.0, tied=False, bias=False, window=None, rope_scaling=None):
    g = torch.Generator().manual_seed(2)
    r = lambda *s, scale=0.3: (torch.randn(*s, generator=g) * scale).to(DTYPES[dtype])  # noqa: E731
    W = {"model.embed_tokens.weight": r(vocab, d, scale=1.0)}
    for i in range(layers):
        p = f"model.layers.{i}."
        W[p + "input_layernorm.weight"] = (1 + r(d, scale=0.1).float()).to(DTYPES[dtype])
        for name, out in (("q", heads * head_dim), ("k", kv * head_dim), ("v", kv * head_dim)):
            W[p + f"self_attn.{name}_proj.weight"] = r(out, d, scale=0.45)  # nn.Linear: (out, in)
            if bias:
                W[p + f"self_attn.{name}_proj.bias"] = r(out, scale=0.3)
        W[p + "self_attn.o_proj.weight"] = r(d, heads * head_dim, scale=0.2)
        if family == "qwen3":  # RMSNorm over each head's dims, of q and of k, before RoPE
            W[p + "self_attn.q_norm.weight"] = (1 + r(head_dim, scale=0.3).float()).to(DTYPES[dtype])
            W[p + "self_attn.k_norm.weight"] = (1 + r(head_dim, scale=0.3).float()).to(DTYPES[dtype])
        W[p + "post_attention_layernorm.weight"] = (1 + r(d, scale=0.1).float()).to(DTYPES[dtype])
        W[p + "mlp.gate_proj.weight"] = r(ff, d, scale=0.3)
        W[p + "mlp.up_proj.weight"] = r(ff, d, scale=0.3)
        W[p + "mlp.down_proj.weight"] = r(d, ff, scale=0.2)
    W["model.norm.weight"] = (1 + r(d, scale=0.1).float()).to(DTYPES[dtype])
    if not tied:
        W["lm_head.weight"] = r(vocab, d, scale=0.3)
    cfg = {"model_type": family, "hidden_size": d, "intermediate_size": ff, "num_attention_heads": heads,
           "num_key_value_heads": kv, "head_dim": head_dim, "num_hidden_layers": layers, "vocab_size": vocab,
           "rms_norm_eps": 1e-5, "rope_theta": theta, "max_position_embeddings": 256, "tie_word_embeddings": tied,
           "hidden_act": "silu", "rope_scaling": rope_scaling, "torch_dtype": "bfloat16"}
    if window:
        cfg["sliding_window"] = window
    return cfg, W


def write_checkpoint(folder, cfg, W, shards=1):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg, f)
    names = list(W)
    if shards == 1:
        with open(os.path.join(folder, "model.safetensors"), "wb") as f:
            f.write(safetensors_bytes(W))
        return
    weight_map = {}
    for s in range(shards):
        part = names[s::shards]
        fname = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        with open(os.path.join(folder, fname), "wb") as f:
            f.write(safetensors_bytes({n: W[n] for n in part}))
        weight_map.update({n: fname for n in part})
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f)


# ---------------------------------------------------------------- the float64 references

def softmax(z):
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def attention(q, k, v, causal_window, knocked, bugs=(), d_model=None):
    """q (H, T, dh), k, v (H_kv, T, dh): query head h reads KV head h // (H / H_kv) (repeat_interleave)."""
    H, T, dh = q.shape
    rep = H // k.shape[0]
    if "gqa-tiled" in bugs:
        k, v = np.tile(k, (rep, 1, 1)), np.tile(v, (rep, 1, 1))
    else:
        k, v = np.repeat(k, rep, axis=0), np.repeat(v, rep, axis=0)
    s = q @ k.transpose(0, 2, 1) / math.sqrt(d_model if "scale-d-model" in bugs else dh)
    i, j = np.arange(T)[:, None], np.arange(T)[None, :]
    allowed = (j <= i) | ("causal-mask-missing" in bugs)
    if causal_window:
        allowed &= j > i - causal_window
    p = softmax(np.where(allowed, s, -np.inf))
    o = p @ v
    for h in knocked:
        o[h] = 0
    return p, o


def gpt2_reference(cfg, W, ids, knocked=(), bugs=()):
    pre = "transformer." if "transformer.wte.weight" in W else ""
    w = {n[len(pre):] if n.startswith(pre) else n: as64(t.float()) for n, t in W.items() if t.is_floating_point()}
    d, H = cfg["n_embd"], cfg["n_head"]
    dh, T = d // H, len(ids)

    def ln(x, n):
        m = x.mean(-1, keepdims=True)
        var = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / np.sqrt(var + 1e-5) * w[n + ".weight"] + w[n + ".bias"]

    def gelu_new(x):
        if "gelu-exact" in bugs:
            return 0.5 * x * (1 + torch.erf(torch.from_numpy(x) / math.sqrt(2)).numpy())
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))

    def conv1d(x, n):  # x W + b; with the bug, the (in, out) bytes read as nn.Linear's (out, in)
        m = w[n + ".weight"]
        if "conv1d-layout" in bugs:
            return x @ m.reshape(m.shape[1], m.shape[0]).T + w[n + ".bias"]
        return x @ m + w[n + ".bias"]

    h = w["wte.weight"][ids] + w["wpe.weight"][:T]
    out = {"ids": np.array(ids)}
    for layer in range(cfg["n_layer"]):
        p = f"h.{layer}."
        a = ln(h, p + "ln_1")
        qkv = conv1d(a, p + "attn.c_attn")  # Conv1D: x W + b
        q, k, v = (qkv[:, i * d:(i + 1) * d].reshape(T, H, dh).transpose(1, 0, 2) for i in range(3))
        probs, o = attention(q, k, v, 0, [hh for (ll, hh) in knocked if ll == layer], bugs, d)
        h = h + conv1d(o.transpose(1, 0, 2).reshape(T, d), p + "attn.c_proj")
        m = ln(h, p + "ln_2")
        h = h + conv1d(gelu_new(conv1d(m, p + "mlp.c_fc")), p + "mlp.c_proj")
        out.update({f"q.{layer}": q, f"k.{layer}": k, f"v.{layer}": v, f"attn.{layer}": probs, f"resid.{layer}": h})
    untied = cfg.get("tie_word_embeddings") is False and "lm-head-tied" not in bugs
    head = w["lm_head.weight"] if untied else w["wte.weight"]
    out["logits"] = ln(h, "ln_f") @ head.T
    return out


def llama3_inv_freq(dh, theta, rs):
    """transformers' _compute_llama3_parameters"""
    inv = 1.0 / theta ** (np.arange(0, dh, 2) / dh)
    factor, low, high, old = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"], rs["original_max_position_embeddings"]
    wavelen = 2 * math.pi / inv
    out = np.where(wavelen > old / low, inv / factor, inv)
    smooth = (old / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * out / factor + smooth * out
    medium = ~(wavelen < old / high) & ~(wavelen > old / low)
    return np.where(medium, smoothed, out)


def rope_half_split(x, inv_freq, interleaved=False):
    """x (heads, T, dh): Hugging Face's rotate_half form, dimension i paired with i + dh/2 (or, with
    interleaved, the pairs (2i, 2i+1) of Meta's and GGUF's layout: a porting bug on HF weights)."""
    T, dh = x.shape[1], x.shape[2]
    ang = np.arange(T)[:, None] * inv_freq[None, :]
    if interleaved:
        out = x.copy()
        a, b = x[..., 0::2], x[..., 1::2]
        out[..., 0::2] = a * np.cos(ang) - b * np.sin(ang)
        out[..., 1::2] = a * np.sin(ang) + b * np.cos(ang)
        return out
    cos, sin = np.cos(np.concatenate([ang, ang], -1)), np.sin(np.concatenate([ang, ang], -1))
    rot = np.concatenate([-x[..., dh // 2:], x[..., :dh // 2]], -1)
    return x * cos + rot * sin


def llama_reference(cfg, W, ids, knocked=(), bugs=()):
    w = {n: as64(t.float()) for n, t in W.items() if not ("qkv-bias-missing" in bugs and n.endswith("_proj.bias"))}
    d, H, Hkv, dh = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    T, eps, theta = len(ids), cfg["rms_norm_eps"], cfg["rope_theta"]
    rs = cfg.get("rope_scaling")
    if "rope-theta" in bugs:
        theta, rs = 10000.0, None
    inv = llama3_inv_freq(dh, theta, rs) if rs else 1.0 / theta ** (np.arange(0, dh, 2) / dh)
    il = "rope-interleaved" in bugs
    window = cfg.get("sliding_window") if cfg["model_type"] == "mistral" else None

    def rms(x, n):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w[n]

    def lin(x, n):  # nn.Linear: x W^T + b
        return x @ w[n + ".weight"].T + (w[n + ".bias"] if n + ".bias" in w else 0)

    silu = lambda x: x / (1 + np.exp(-x))  # noqa: E731
    h = w["model.embed_tokens.weight"][ids]
    out = {"ids": np.array(ids)}
    for layer in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        a = rms(h, p + "input_layernorm.weight")
        heads = lambda x, n: x.reshape(T, n, dh).transpose(1, 0, 2)  # noqa: E731
        q, k = heads(lin(a, p + "self_attn.q_proj"), H), heads(lin(a, p + "self_attn.k_proj"), Hkv)
        if cfg["model_type"] == "qwen3":  # Qwen3RMSNorm(head_dim) on every head's q and k
            q, k = rms(q, p + "self_attn.q_norm.weight"), rms(k, p + "self_attn.k_norm.weight")
        q, k = rope_half_split(q, inv, il), rope_half_split(k, inv, il)
        v = heads(lin(a, p + "self_attn.v_proj"), Hkv)
        probs, o = attention(q, k, v, window, [hh for (ll, hh) in knocked if ll == layer], bugs, d)
        h = h + lin(o.transpose(1, 0, 2).reshape(T, H * dh), p + "self_attn.o_proj")
        m = rms(h, p + "post_attention_layernorm.weight")
        h = h + lin(silu(lin(m, p + "mlp.gate_proj")) * lin(m, p + "mlp.up_proj"), p + "mlp.down_proj")
        out.update({f"q.{layer}": q, f"k.{layer}": k, f"v.{layer}": v, f"attn.{layer}": probs, f"resid.{layer}": h})
    own = "lm_head.weight" in w and "lm-head-tied" not in bugs
    head = w["lm_head.weight"] if own else w["model.embed_tokens.weight"]
    out["logits"] = rms(h, "model.norm.weight") @ head.T
    return out


# ---------------------------------------------------------------- the tests

class Models(TempDirCase):
    PREFIX = "attn-models-"

    def attn(self, *args, code=0):
        r = subprocess.run([ATTN, "model", *args], capture_output=True, text=True)
        self.assertEqual(r.returncode, code, r.stdout + r.stderr)
        return r

    def check(self, name, cfg, W, ids, reference, shards=1, knocked=()):
        folder, dump = self.path(name), self.path(name + "-dump")
        write_checkpoint(folder, cfg, W, shards)
        args = ["--model", folder, "--ids", ",".join(map(str, ids)), "--dump", dump]
        if knocked:
            args += ["--ablate", ",".join(f"{l}.{h}" for l, h in knocked)]
        r = self.attn(*args)
        ref = reference(cfg, W, ids, knocked)
        self.assertEqual(np.load(os.path.join(dump, "ids.npy")).dtype, np.int32)
        worst = {}
        for key, want in ref.items():
            got = np.load(os.path.join(dump, key + ".npy")).astype(np.float64)
            self.assertEqual(got.shape, want.shape, key)
            # float32 against float64: the error relative to the tensor's own scale
            err = np.abs(got - want).max() / max(1.0, np.abs(want).max())
            worst[key] = err
            self.assertLess(err, 2e-5, f"{name}: {key} differs from the float64 reference by {err:.3g}")
        self.assertEqual(len(worst), 2 + 5 * 2)
        print(f"  {name}: worst error {max(worst.values()):.2g} ({max(worst, key=worst.get)})", file=sys.stderr)
        # attention far from uniform: the test would not see a wrong mask or scale otherwise
        self.assertGreater(max(ref[f"attn.{l}"][:, 2:, :].max() for l in range(2)), 0.6)
        return r, ref

    def test_gpt2_f32_with_buffers_and_prefix(self):
        cfg, W = gpt2_checkpoint(prefix="transformer.")
        r, _ = self.check("gpt2", cfg, W, [3, 17, 5, 42, 8, 8, 1, 30], gpt2_reference)
        self.assertIn("gpt2, 2 layers, 4 heads (4 KV) of 8, d 32, vocab 50", r.stdout)
        self.assertIn("skipped 4 stored buffers", r.stdout)
        self.assertIn("tied to the token embeddings", r.stdout)

    def test_gpt2_f16_untied_without_prefix(self):
        cfg, W = gpt2_checkpoint(dtype="F16", buffers=False, untied=True)
        self.check("gpt2-f16", cfg, W, list(range(0, 48, 3)), gpt2_reference)  # all 16 positions

    def test_llama_bf16_gqa_head_dim_theta_untied(self):
        cfg, W = llama_checkpoint(dtype="BF16")  # 6 heads on 2 KV heads, head_dim 12 != 48 / 6, theta 5e5
        r, _ = self.check("llama", cfg, W, [1, 9, 22, 4, 59, 13, 13, 7, 30, 2], llama_reference)
        self.assertIn("BF16", r.stdout)
        # the matrices are read in their stored width: the weights take about the file's size, not twice it
        line = [ln for ln in r.stdout.splitlines() if ln.startswith("memory: ")][0]
        mem = float(line.split()[1])
        files = float(line.split("(files ")[1].split(" MB")[0])
        self.assertLess(mem, 1.1 * files, line)

    def test_llama_mqa_theta_1e4_tied_llama3_scaling_sharded(self):
        rs = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
              "original_max_position_embeddings": 8}
        cfg, W = llama_checkpoint(kv=1, head_dim=16, heads=4, theta=10000.0, tied=True, rope_scaling=rs)
        self.check("llama-mqa", cfg, W, [5, 1, 40, 22, 3, 3, 17, 8, 9], llama_reference, shards=3)

    def test_qwen3_qk_norm_bf16(self):
        # Qwen3: no biases, each head's q and k RMS-normalized before RoPE, GQA, tied, theta 1e6
        cfg, W = llama_checkpoint(family="qwen3", dtype="BF16", tied=True, theta=1e6)
        r, ref = self.check("qwen3", cfg, W, [7, 3, 50, 21, 9, 0, 11], llama_reference)
        self.assertIn("qwen3, 2 layers, 6 heads (2 KV) of 12", r.stdout)
        # the norms matter: the reference without them is far from what was dumped
        plain = llama_reference(dict(cfg, model_type="qwen2"), W, [7, 3, 50, 21, 9, 0, 11])
        self.assertGreater(np.abs(plain["q.0"] - ref["q.0"]).max(), 0.1)
        # a Qwen3 checkpoint without its q_norm is refused by name
        W2 = {n: t for n, t in W.items() if n != "model.layers.1.self_attn.q_norm.weight"}
        folder = self.path("qwen3-missing")
        write_checkpoint(folder, cfg, W2)
        bad = self.attn("--model", folder, "--ids", "1,2", code=2)
        self.assertIn("model.layers.1.self_attn.q_norm.weight", bad.stderr)

    def test_qwen2_biases_f16(self):
        cfg, W = llama_checkpoint(family="qwen2", dtype="F16", bias=True, tied=True, theta=1e6)
        self.check("qwen2", cfg, W, [7, 3, 50, 21, 9, 0, 11], llama_reference)
        # the biases matter: the same weights without them give other logits
        ref = llama_reference(cfg, W, [7, 3, 50, 21, 9, 0, 11])
        nob = llama_reference(cfg, {n: t for n, t in W.items() if not n.endswith(".bias")}, [7, 3, 50, 21, 9, 0, 11])
        self.assertGreater(np.abs(ref["logits"] - nob["logits"]).max(), 1e-2)

    def test_mistral_sliding_window(self):
        cfg, W = llama_checkpoint(family="mistral", kv=3, head_dim=8, window=3)
        _, ref = self.check("mistral", cfg, W, [4, 8, 15, 16, 23, 42, 1, 2], llama_reference)
        self.assertEqual(ref["attn.0"][0, 7, :5].max(), 0.0)  # keys older than the window get nothing

    def test_knocked_out_head_matches_the_reference_and_changes_the_prediction(self):
        cfg, W = llama_checkpoint()
        ids = [1, 9, 22, 4, 59, 13, 13, 7]
        self.check("knock", cfg, W, ids, llama_reference, knocked=((1, 2), (0, 5)))
        full, knocked = llama_reference(cfg, W, ids), llama_reference(cfg, W, ids, ((1, 2), (0, 5)))
        self.assertGreater(np.abs(full["logits"] - knocked["logits"]).max(), 1e-3)

    def test_greedy_generation_from_the_kv_cache(self):
        for name, (cfg, W), ref in (("gen-gpt2", gpt2_checkpoint(), gpt2_reference),
                                    ("gen-llama", llama_checkpoint(), llama_reference),
                                    ("gen-qwen3", llama_checkpoint(family="qwen3", tied=True), llama_reference)):
            folder = self.path(name)
            write_checkpoint(folder, cfg, W)
            ids = [3, 17, 5]
            r = self.attn("--model", folder, "--ids", ",".join(map(str, ids)), "--generate", "6", "--dump", folder + "-d")
            want, seq = [], list(ids)
            for _ in range(6):  # the whole pass again at every step, in float64
                nxt = int(np.argmax(ref(cfg, W, seq)["logits"][-1]))
                want.append(nxt)
                seq.append(nxt)
            got = np.load(os.path.join(folder + "-d", "generated.npy")).tolist()
            self.assertEqual(got, want, name)
            self.assertIn("generated: " + " ".join(map(str, want)), r.stdout)

    def test_sampling_is_seeded_and_respects_top_k(self):
        cfg, W = gpt2_checkpoint()
        folder = self.path("sample")
        write_checkpoint(folder, cfg, W)
        base = ["--model", folder, "--ids", "3,17,5", "--generate", "8", "--temperature", "1.5", "--top-k", "3"]
        gen = lambda out: [ln for ln in out.splitlines() if ln.startswith("generated:")]  # noqa: E731 (not the timing line)
        a = gen(self.attn(*base, "--seed", "7").stdout)
        self.assertEqual(len(a), 1)
        self.assertEqual(a, gen(self.attn(*base, "--seed", "7").stdout))
        top = self.attn("--model", folder, "--ids", "3,17,5", "--top", "3", "--top-k", "3").stdout
        self.assertEqual(len([ln for ln in top.splitlines() if "p = " in ln]), 3)
        probs = [float(ln.split("p = ")[1].split()[0]) for ln in top.splitlines() if "p = " in ln]
        self.assertAlmostEqual(sum(probs), 1.0, places=5)  # renormalized over the top 3

    def port_dump(self, name, ref):
        """a port's dump: the tensors of ref rounded to float32, ids as int32"""
        folder = self.path(name)
        os.makedirs(folder)
        for key, val in ref.items():
            np.save(os.path.join(folder, key + ".npy"), val.astype(np.int32 if key == "ids" else np.float32))
        return folder

    def check_model(self, folder, ids, theirs, code):
        r = subprocess.run([ATTN, "check-model", "--model", folder, "--ids", ",".join(map(str, ids)), "--theirs", theirs],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, code, r.stdout + r.stderr)
        return r.stdout

    def test_a_model_trained_here_exports_as_a_gpt2_folder(self):
        # attn train --export-hf: the folder is a GPT-2 checkpoint (its logits are the float64 GPT-2
        # reference's on its own tensors) computing what the trained model computes (the loss of the
        # trained weights by the definition of src/train/model.h equals GPT-2's cross-entropy)
        from torch_model import model_loss, read_safetensors
        run, hf = self.path("run"), self.path("hf")
        r = subprocess.run([ATTN, "train", "--task", "copy", "--steps", "30", "--layers", "2", "--d-model", "16", "--heads", "2",
                            "--out", run, "--export-hf", hf], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(os.listdir(hf)), ["config.json", "model.safetensors", "tokenizer.json"])
        cfg = json.load(open(os.path.join(hf, "config.json")))
        self.assertEqual((cfg["model_type"], cfg["n_layer"], cfg["n_head"], cfg["n_embd"], cfg["tie_word_embeddings"]),
                         ("gpt2", 2, 2, 16, False))
        W = {n: torch.from_numpy(a) for n, a in read_safetensors(os.path.join(hf, "model.safetensors"))[0].items()}
        self.assertEqual(tuple(W["transformer.h.0.attn.c_attn.weight"].shape), (16, 48))
        self.assertEqual(float(W["transformer.h.1.attn.c_attn.bias"].abs().max()), 0.0)
        # the task's tokens through the exported tokenizer.json: one id per character
        tok = json.loads(subprocess.run([ATTN, "tokenize", "--model", hf, "--text", "3141|"], capture_output=True, text=True,
                                        check=True).stdout)
        self.assertEqual(tok["tokens"], ["3", "1", "4", "1", "|"])
        ids = tok["ids"] + [3, 1, 4]
        dump = self.path("hf-dump")
        self.attn("--model", hf, "--ids", ",".join(map(str, ids)), "--dump", dump)
        ref = gpt2_reference(cfg, W, ids)
        got = np.load(os.path.join(dump, "logits.npy")).astype(np.float64)
        self.assertLess(np.abs(got - ref["logits"]).max(), 2e-5)
        tc = json.load(open(os.path.join(run, "config.json")))
        P = {n: torch.from_numpy(a.astype(np.float64)) for n, a in read_safetensors(os.path.join(run, "model.safetensors"))[0].items()}
        x = torch.tensor([ids[:-1]])
        y = torch.tensor([ids[1:]])
        mask = torch.ones_like(x, dtype=torch.float64)
        trained = float(model_loss(tc, P, x, y, mask, torch.float64))
        z = torch.from_numpy(ref["logits"][:-1])
        exported = float(torch.nn.functional.cross_entropy(z, y[0]))
        self.assertAlmostEqual(trained, exported, delta=1e-6)  # the two float64 definitions agree to ~1e-9 here
        # a setting GPT-2 cannot express is named before any training
        r = subprocess.run([ATTN, "train", "--task", "copy", "--steps", "5", "--posenc", "rope", "--out", self.path("run2"),
                            "--export-hf", self.path("hf2")], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("GPT-2 has learned positions; this model has rope", r.stderr)
        self.assertFalse(os.path.exists(self.path("run2")))

    def test_check_model_names_each_porting_mistake(self):
        cases = [  # (checkpoint, reference, the mistake, the tensor where it first shows)
            ("gpt2", gpt2_checkpoint(buffers=False), gpt2_reference, "conv1d-layout", "q.0"),
            ("gpt2", gpt2_checkpoint(buffers=False), gpt2_reference, "gelu-exact", "resid.0"),
            ("gpt2", gpt2_checkpoint(buffers=False), gpt2_reference, "causal-mask-missing", "attn.0"),
            ("gpt2", gpt2_checkpoint(buffers=False), gpt2_reference, "scale-d-model", "attn.0"),
            ("gpt2-untied", gpt2_checkpoint(buffers=False, untied=True), gpt2_reference, "lm-head-tied", "logits"),
            ("llama", llama_checkpoint(), llama_reference, "rope-interleaved", "q.0"),
            ("llama", llama_checkpoint(), llama_reference, "rope-theta", "q.0"),
            ("llama", llama_checkpoint(), llama_reference, "gqa-tiled", "attn.0"),
            ("llama", llama_checkpoint(), llama_reference, "lm-head-tied", "logits"),
            ("qwen2", llama_checkpoint(family="qwen2", bias=True, tied=True), llama_reference, "qkv-bias-missing", "q.0"),
        ]
        ids = [3, 17, 5, 42, 8, 8, 1, 30, 2]
        written = set()
        for name, (cfg, W), ref, bug, where in cases:
            folder = self.path(name)
            if name not in written:
                write_checkpoint(folder, cfg, W)
                written.add(name)
                honest = self.port_dump(name + "-honest", ref(cfg, W, ids))
                out = self.check_model(folder, ids, honest, 0)  # an honest float32 port passes
                self.assertIn("all 12 tensors match", out)  # ids, 5 per layer, logits
            theirs = self.port_dump(f"{name}-{bug}", ref(cfg, W, ids, bugs=(bug,)))
            out = self.check_model(folder, ids, theirs, 1)
            self.assertIn(f"first divergence: {where}\n", out, f"{bug}: {out}")
            causes = [ln.split(": ")[1] for ln in out.splitlines() if ln.startswith("likely cause:")]
            self.assertEqual(causes, [bug], f"{bug}: {out}")

    def test_check_model_on_a_subset_and_on_a_mistake_it_does_not_know(self):
        cfg, W = llama_checkpoint()
        folder = self.path("ck")
        write_checkpoint(folder, cfg, W)
        ids = [1, 9, 22, 4, 59]
        ref = llama_reference(cfg, W, ids)
        only = self.port_dump("only-logits", {"logits": ref["logits"]})
        self.assertIn("all 1 tensors match", self.check_model(folder, ids, only, 0))
        odd = dict(ref)
        odd["v.1"] = ref["v.1"] * 1.01  # a mistake none of the known ones is
        out = self.check_model(folder, ids, self.port_dump("odd", odd), 1)
        self.assertIn("first divergence: v.1", out)
        self.assertIn("cannot tell why", out)
        self.assertNotIn("likely cause", out)
        wrong_ids = dict(ref, ids=np.array([1, 9, 22, 4, 58]))
        out = self.check_model(folder, ids, self.port_dump("ids", wrong_ids), 1)
        self.assertIn("first divergence: ids", out)
        empty = self.path("empty")
        os.makedirs(empty)
        r = subprocess.run([ATTN, "check-model", "--model", folder, "--ids", "1,2", "--theirs", empty], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("none of the dump's files is one check-model reads", r.stderr)

    def test_bad_checkpoints_name_what_is_wrong(self):
        cfg, W = gpt2_checkpoint(buffers=False)

        def expect(name, cfg, W, needle, ids="1,2,3", raw=None):
            folder, dump = self.path(name), self.path(name + "-dump")
            write_checkpoint(folder, cfg, W)
            if raw:
                raw(folder)
            r = self.attn("--model", folder, "--ids", ids, "--dump", dump, code=2)
            self.assertIn(needle, r.stderr, name)
            self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
            self.assertTrue(r.stderr.startswith("error: "), r.stderr)
            self.assertFalse(os.path.exists(dump), name)

        missing = dict(W)
        del missing["h.1.mlp.c_fc.bias"]
        expect("missing", cfg, missing, "missing tensor 'h.1.mlp.c_fc.bias' (expected (128,) from config.json)")
        wrong = dict(W)
        wrong["h.0.attn.c_attn.weight"] = W["h.0.attn.c_attn.weight"].T.contiguous()  # read as nn.Linear
        expect("shape", cfg, wrong, "tensor 'h.0.attn.c_attn.weight' is (96, 32); config.json implies (32, 96)")
        nan = dict(W)
        nan["h.1.ln_2.weight"] = W["h.1.ln_2.weight"].clone()
        nan["h.1.ln_2.weight"][5] = float("nan")
        expect("nan", cfg, nan, "tensor 'h.1.ln_2.weight' has NaN at flat index 5")
        expect("mamba", dict(cfg, model_type="mamba"), W, "model_type 'mamba' is not supported; supported: gpt2, llama, mistral, qwen2, qwen3")
        expect("heads", dict(cfg, n_head=5), W, "n_embd 32 is not a multiple of n_head 5")
        expect("noembd", {k: v for k, v in cfg.items() if k != "n_embd"}, W, "config.json: 'n_embd' is missing")
        expect("vocab", cfg, W, "token 1 is id 50, past the vocabulary of 50", ids="1,50")
        expect("long", cfg, W, "17 tokens, but gpt2 has 16 learned positions", ids=",".join(["1"] * 17))
        lcfg, lW = llama_checkpoint()
        expect("rope", dict(lcfg, rope_scaling={"rope_type": "yarn", "factor": 4.0}), lW,
               "rope_scaling type 'yarn' is not supported (llama3, or none)")
        expect("kvdiv", dict(lcfg, num_key_value_heads=4), lW, "num_attention_heads 6 is not a multiple of num_key_value_heads 4")

        def truncate(folder):
            p = os.path.join(folder, "model.safetensors")
            with open(p, "rb") as f:
                b = f.read()
            with open(p, "wb") as f:
                f.write(b[:len(b) - 100])
        expect("truncated", cfg, W, "model.safetensors: tensor", raw=truncate)

        def huge_header(folder):
            with open(os.path.join(folder, "model.safetensors"), "wb") as f:
                f.write(struct.pack("<Q", 1 << 40) + b"{}")
        expect("header", cfg, W, "the header says 1099511627776 bytes", raw=huge_header)

        def overlap(folder):
            t = {"wte.weight": torch.zeros(4), "wpe.weight": torch.zeros(4)}
            b = bytearray(safetensors_bytes(t))
            n = struct.unpack("<Q", b[:8])[0]
            h = json.loads(bytes(b[8:8 + n]))
            h["wpe.weight"]["data_offsets"] = [8, 24]
            h["wte.weight"]["data_offsets"] = [0, 16]
            hb = json.dumps(h).encode().ljust(n)
            with open(os.path.join(folder, "model.safetensors"), "wb") as f:
                f.write(b[:8] + hb + b[8 + n:])
        expect("overlap", cfg, W, "overlap in the file's data", raw=overlap)

        def lost_shard(folder):
            os.remove(os.path.join(folder, "model.safetensors"))
            with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
                json.dump({"weight_map": {"wte.weight": "model-00001-of-00002.safetensors"}}, f)
        expect("shard", cfg, W, "model.safetensors.index.json lists 'model-00001-of-00002.safetensors', which is not among the files",
               raw=lost_shard)


if __name__ == "__main__":
    unittest.main(verbosity=1)
