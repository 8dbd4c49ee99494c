"""snapshots.py: reads a training run's snapshots.bin (format: src/io/snapshots.h) into Python."""
import json
import struct

import numpy as np


def read_snapshots(path):
    with open(path, "rb") as f:
        b = f.read()
    if b[:8] != b"ATTNSNAP":
        raise ValueError(f"{path}: not a snapshots file")
    version, hlen = struct.unpack("<II", b[8:16])
    h = json.loads(b[16:16 + hlen])
    L, H, T, causal = h["layers"], h["heads"], h["seq"], h["causal"]
    nt, LH = len(h["tensors"]), L * H
    cells = T * (T + 1) // 2 if causal else T * T
    rec = 8 + 12 + 4 * nt + 8 * LH + LH * cells
    out = []
    for at in range(16 + hlen, len(b), rec):
        step, loss, gnorm, acc = struct.unpack("<qfff", b[at:at + 20])
        p = at + 20
        norms = np.frombuffer(b, "<f4", nt, p); p += 4 * nt
        ent = np.frombuffer(b, "<f4", LH, p); p += 4 * LH
        mx = np.frombuffer(b, "<f4", LH, p); p += 4 * LH
        w = np.frombuffer(b, "u1", LH * cells, p).astype(np.float32) / 255
        attn = np.zeros((LH, T, T), np.float32)
        if causal:
            rows, cols = np.tril_indices(T)
            attn[:, rows, cols] = w.reshape(LH, cells)
        else:
            attn[:] = w.reshape(LH, T, T)
        out.append({"step": step, "loss": loss, "grad_norm": gnorm, "heldout_acc": acc,
                    "norms": dict(zip(h["tensors"], norms)), "entropy": ent.reshape(L, H),
                    "max_score": mx.reshape(L, H), "attn": attn.reshape(L, H, T, T)})
    return h, out
