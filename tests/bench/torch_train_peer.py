#!/usr/bin/python3
"""torch_train_peer.py: PyTorch CPU on one thread training the bench model in DIR (written by
attn_bench traingen) on its fixed batch: 3 warm-up steps, then STEPS timed steps of forward,
backward and AdamW (no weight decay, no clipping, as ours). Prints one JSON record.
   /usr/bin/python3 torch_train_peer.py DIR MODEL STEPS"""
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from torch_model import model_loss, read_safetensors  # noqa: E402

torch.set_num_threads(1)
d, model, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(os.path.join(d, "config.json")) as f:
    cfg = json.load(f)
W, _ = read_safetensors(os.path.join(d, "weights.safetensors"))
P = {k: torch.tensor(v, requires_grad=True) for k, v in W.items()}
x = torch.tensor(np.load(os.path.join(d, "x.npy")))
y = torch.tensor(np.load(os.path.join(d, "y.npy")))
mask = torch.tensor(np.load(os.path.join(d, "loss_mask.npy")))
opt = torch.optim.AdamW(list(P.values()), lr=cfg["lr"], betas=(cfg["beta1"], cfg["beta2"]), eps=cfg["eps"],
                        weight_decay=0.0)
times, first, last = [], 0.0, 0.0
for i in range(3 + steps):
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = model_loss(cfg, P, x, y, mask, torch.float32)
    loss.backward()
    opt.step()
    ms = (time.perf_counter() - t0) * 1000
    if i == 0:
        first = loss.item()
    last = loss.item()
    if i >= 3:
        times.append(ms)
print(json.dumps({"impl": "torch-cpu-1t", "pass": "train_step", "model": model, "ms_median": float(np.median(times)),
                  "ms_min": min(times), "steps": steps, "loss_first": first, "loss_last": last,
                  "torch": torch.__version__}))
