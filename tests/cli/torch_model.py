"""torch_model.py: the transformer of src/train/model.h written in torch operations from the
definitions, by tensor name, and a .safetensors reader: what the training test and the training
benchmark's PyTorch peer share."""
import json
import math
import struct

import numpy as np
import torch

from torch_ops import alibi_slopes, sparsemax


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        dt = {"F32": np.float32, "F64": np.float64}[t["dtype"]]
        a, b = t["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype=dt).reshape(t["shape"]).copy()
    return out, header.get("__metadata__", {})


def entmax15(z):
    """Peters et al. 2019, exact sort-based 1.5-entmax over the last axis: p = [z/2 - tau]_+^2."""
    x = z / 2
    xs, _ = torch.sort(x, dim=-1, descending=True)
    k = torch.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    mean = torch.cumsum(xs, -1) / k
    ss = torch.cumsum(xs * xs, -1) / k
    delta = (1 - k * (ss - mean * mean)) / k
    tau_k = mean - torch.sqrt(torch.clamp(delta, min=0))
    support = (tau_k <= xs).sum(dim=-1, keepdim=True)
    tau = torch.gather(tau_k, -1, support - 1)
    return torch.clamp(x - tau, min=0) ** 2


def rope_bt(x, heads):
    """x (B, T, heads*dh): RoPE by position t, pairs (2p, 2p+1), angle t 10000^(-2p/dh)."""
    B, T, D = x.shape
    dh = D // heads
    pos = torch.arange(T, dtype=x.dtype)[:, None]
    p = torch.arange(dh // 2, dtype=x.dtype)[None, :]
    theta = pos * torch.pow(torch.tensor(10000.0, dtype=x.dtype), -2.0 * p / dh)  # (T, dh/2)
    c, s = torch.cos(theta), torch.sin(theta)
    xr = x.reshape(B, T, heads, dh // 2, 2)
    a, b = xr[..., 0], xr[..., 1]
    c, s = c[None, :, None, :], s[None, :, None, :]
    return torch.stack([a * c - b * s, a * s + b * c], dim=-1).reshape(B, T, D)


def layer_norm(x, w, b):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + 1e-5) * w + b


def gelu_tanh(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def model_loss(cfg, P, x, y, mask, dtype):
    """The transformer of src/train/model.h; P: name -> tensor (requires_grad)."""
    B, T = x.shape
    d, H = cfg["d_model"], cfg["heads"]
    Hkv = cfg["kv_heads"] or H
    dh = d // H
    causal = cfg["task"] != "histogram"
    h = P["tok_emb"][x]
    if cfg["posenc"] == "learned":
        h = h + P["pos_emb"][None, :T]
    elif cfg["posenc"] == "sinusoidal":
        pe = np.zeros((T, d))
        for pos in range(T):
            for c in range(d):
                ang = pos / 10000.0 ** ((c & ~1) / d)
                pe[pos, c] = math.cos(ang) if c & 1 else math.sin(ang)
        # the engine's table is float32 (src/engine/stages/posenc.cpp)
        h = h + torch.tensor(pe.astype(np.float32).astype(np.float64), dtype=dtype)[None]
    scale = {"auto": 1 / math.sqrt(dh), "none": 1.0}.get(cfg["scale"], cfg["scale"])
    if not isinstance(cfg["scale"], str):
        scale = float(np.float32(cfg["scale"]))
    if cfg["scale"] == "auto":
        scale = float(np.float32(1 / math.sqrt(dh)))  # the engine rounds the factor to float
    temp = float(np.float32(cfg["temperature"]))
    allowed = torch.ones(T, T, dtype=torch.bool)
    if causal:
        allowed = torch.tril(allowed)
    bias = torch.zeros(H, T, T, dtype=dtype)
    if cfg["posenc"] == "alibi":
        i = torch.arange(T)[:, None]
        j = torch.arange(T)[None, :]
        dist = (i - j).to(dtype) if causal else (i - j).abs().to(dtype)
        for hh, m in enumerate(alibi_slopes(H)):
            bias[hh] = -m * dist
    for l in range(cfg["layers"]):
        p = f"layers.{l}."
        a = layer_norm(h, P[p + "ln1.weight"], P[p + "ln1.bias"]) if cfg["ln"] else h
        q, k, v = a @ P[p + "wq"], a @ P[p + "wk"], a @ P[p + "wv"]
        if cfg["posenc"] == "rope":
            q, k = rope_bt(q, H), rope_bt(k, Hkv)
        q = q.reshape(B, T, H, dh).transpose(1, 2)
        k = k.reshape(B, T, Hkv, dh).transpose(1, 2).repeat_interleave(H // Hkv, dim=1)
        v = v.reshape(B, T, Hkv, dh).transpose(1, 2).repeat_interleave(H // Hkv, dim=1)
        s = (q @ k.transpose(-1, -2)) * scale + bias[None]
        z = (s / temp).masked_fill(~allowed, -1e9 if cfg["normalizer"] != "softmax" else float("-inf"))
        if cfg["normalizer"] == "softmax":
            w = torch.softmax(z, -1)
        elif cfg["normalizer"] == "sparsemax":
            w = sparsemax(z)
        else:
            w = entmax15(z)
        o = (w @ v).transpose(1, 2).reshape(B, T, d)
        h = h + o @ P[p + "wo"]
        if cfg["mlp"]:
            m = layer_norm(h, P[p + "ln2.weight"], P[p + "ln2.bias"]) if cfg["ln"] else h
            h = h + gelu_tanh(m @ P[p + "mlp.w1"] + P[p + "mlp.b1"]) @ P[p + "mlp.w2"] + P[p + "mlp.b2"]
    f = layer_norm(h, P["ln_f.weight"], P["ln_f.bias"]) if cfg["ln"] else h
    logits = f @ P["unembed"]
    ce = torch.nn.functional.cross_entropy(logits.reshape(B * T, -1), y.reshape(-1), reduction="none")
    wm = mask.reshape(-1)
    return (ce * wm).sum() / wm.sum()
