#!/usr/bin/python3
"""sqrt_dk.py: the 1/sqrt(d_k) experiment. The same seed, task and model trained with and without
scaling at d_head = 16, 64 and 256: d_model = 256 split into 16, 4 or 1 heads, so every run has the
same weights to learn (two attention-only layers with LayerNorm, on induction), reporting the steps until the loss's 20-step mean falls below
1.0, the gradient norms of layer 0's W_q and W_k over the first 50 steps, the attention entropy at
the start and at the end, the largest |score| at the start, and the final held-out accuracy.
   /usr/bin/python3 tests/experiments/sqrt_dk.py build/native/attn OUT_DIR [STEPS]"""
import csv
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from snapshots import read_snapshots  # noqa: E402

attn, out = sys.argv[1], sys.argv[2]
steps = int(sys.argv[3]) if len(sys.argv) > 3 else 1500
print("| d_head | scale | steps to loss < 1.0 | ‖∇W_q‖, ‖∇W_k‖ (layer 0, mean of steps 0-49) | entropy start → end (nats) "
      "| max \\|score\\| at step 0 | held-out accuracy |")
print("|---|---|---|---|---|---|---|")
for dh in (16, 64, 256):
    for scale in ("auto", "none"):
        run = os.path.join(out, f"dh{dh}_{scale}")
        subprocess.run([attn, "train", "--task", "induction", "--layers", "2", "--heads", str(256 // dh), "--d-model", "256",
                        "--no-mlp", "--scale", scale, "--steps", str(steps), "--batch", "32", "--lr", "1e-3",
                        "--seed", "1", "--eval-every", "50", "--out", run], check=True, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        with open(os.path.join(run, "log.csv")) as f:
            rows = list(csv.DictReader(f))
        loss = np.array([float(r["loss"]) for r in rows])
        mean20 = np.convolve(loss, np.ones(20) / 20, mode="valid")
        hit = np.nonzero(mean20 < 1.0)[0]
        reach = str(int(hit[0]) + 19) if len(hit) else f"not in {steps}"
        h, snaps = read_snapshots(os.path.join(run, "snapshots.bin"))
        early = [s for s in snaps if s["step"] < 50]
        gq = np.mean([s["norms"]["layers.0.wq"] for s in early])
        gk = np.mean([s["norms"]["layers.0.wk"] for s in early])
        acc = [float(r["heldout_acc"]) for r in rows if r["heldout_acc"]][-1]
        print(f"| {dh} | {'1/√d_k' if scale == 'auto' else '1 (none)'} | {reach} | {gq:.3g}, {gk:.3g} | "
              f"{snaps[0]['entropy'].mean():.2f} → {snaps[-1]['entropy'].mean():.2f} | "
              f"{snaps[0]['max_score'].max():.3g} | {100 * acc:.1f} % |", flush=True)
