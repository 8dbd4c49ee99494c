#!/usr/bin/python3
"""torch_backward_peer.py: PyTorch CPU autograd on one thread, the backward of one attention head
on the bench folder DIR (q, k, v, dout and the reference rows of attn_bench backgen). The forward
is built from PyTorch's operations (1.13 has no scaled_dot_product_attention): S = (q k^T) scale,
causal mask, softmax, P v. Timed: torch.autograd.grad of the kept graph (the backward alone, as
ours is timed given the forward's O and lse); also forward + backward. Prints one JSON record.
   /usr/bin/python3 torch_backward_peer.py DIR REPS"""
import json
import os
import resource
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)


def main():
    d_, reps = sys.argv[1], max(1, int(sys.argv[2]))
    n, d, heads, causal, proj = (int(x) for x in open(os.path.join(d_, "cfg.txt")).read().split())
    mem0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    q, k, v = (torch.tensor(np.load(os.path.join(d_, t + ".npy")), requires_grad=True) for t in ("q", "k", "v"))
    dout = torch.tensor(np.load(os.path.join(d_, "dout.npy")))
    rows = np.load(os.path.join(d_, "rows.npy")).astype(int).ravel()
    refs = [np.load(os.path.join(d_, "ref_d%s.npy" % t)) for t in "qkv"]
    scale = 1.0 / np.sqrt(d)
    mask = torch.triu(torch.full((n, n), float("-inf")), 1) if causal else None

    def forward():
        s = (q @ k.T) * scale
        if mask is not None:
            s = s + mask
        return torch.softmax(s, dim=-1) @ v

    def backward(o):
        return torch.autograd.grad(o, (q, k, v), dout, retain_graph=True)

    start = time.perf_counter()
    i = 0
    while i < 3 or time.perf_counter() - start < 0.3:
        grads = backward(forward())
        i += 1
    err = max(float(np.abs(g.numpy()[rows] - r).max()) for g, r in zip(grads, refs))
    times, both = [], []
    start = time.perf_counter()
    i = 0
    while i < reps or (time.perf_counter() - start < 1.0 and i < 2000):
        t0 = time.perf_counter()
        o = forward()
        t1 = time.perf_counter()
        backward(o)
        t2 = time.perf_counter()
        times.append((t2 - t1) * 1000)
        both.append((t2 - t0) * 1000)
        i += 1
    ms, ms_both = sorted(times)[len(times) // 2], sorted(both)[len(both) // 2]
    flops = 10.0 * n * n * d * ((n + 1) / (2.0 * n) if causal else 1.0)
    print(json.dumps({"impl": "torch-cpu-1t", "pass": "backward", "n": n, "d": d, "heads": 1, "causal": bool(causal),
                      "proj": False, "ms_median": round(ms, 4), "ms_fwd_bwd": round(ms_both, 4),
                      "gflops": round(flops / (ms * 1e6), 3),
                      "peak_mem_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - mem0, 2),
                      "max_abs_err": err, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
