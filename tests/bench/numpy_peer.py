"""numpy_peer.py: numpy + OpenBLAS (one thread) on one bench folder; prints one JSON record.
   OPENBLAS_NUM_THREADS=1 /usr/bin/python3 numpy_peer.py DIR REPS
The same decomposed attention a numpy user writes: scores, a stable softmax, weights . V."""
import json, os, resource, sys, time
import numpy as np

def max_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def main():
    d_, reps = sys.argv[1], max(1, int(sys.argv[2]))
    n, d, heads, causal, proj = (int(x) for x in open(os.path.join(d_, "cfg.txt")).read().split())
    dm = heads * d
    mem0 = max_rss_mb()
    names = ["x", "wq", "wk", "wv", "wo"] if proj else ["q", "k", "v"]
    t = {k: np.load(os.path.join(d_, k + ".npy")) for k in names}
    rows = np.load(os.path.join(d_, "rows.npy")).astype(int).ravel()
    ref = np.load(os.path.join(d_, "ref.npy"))
    scale = np.float32(1 / np.sqrt(d))
    mask = np.triu(np.full((n, n), -np.inf, np.float32), 1) if causal else None

    def run():
        if proj:
            q, k, v = t["x"] @ t["wq"], t["x"] @ t["wk"], t["x"] @ t["wv"]
        else:
            q, k, v = t["q"], t["k"], t["v"]
        qh = (q * scale).reshape(n, heads, d).transpose(1, 0, 2)   # (H, n, d)
        kh = k.reshape(n, heads, d).transpose(1, 2, 0)             # (H, d, n)
        vh = v.reshape(n, heads, d).transpose(1, 0, 2)             # (H, n, d)
        s = qh @ kh                                                # (H, n, n)
        if mask is not None:
            s += mask
        s -= s.max(axis=-1, keepdims=True)
        np.exp(s, out=s)
        s /= s.sum(axis=-1, keepdims=True)
        o = (s @ vh).transpose(1, 0, 2).reshape(n, dm)             # (n, H d)
        return o @ t["wo"] if proj else o

    # warm-up: at least 3 runs and 300 ms, as for every implementation
    i, warm = 0, time.perf_counter()
    while i < 3 or time.perf_counter() - warm < 0.3:
        out = run()
        i += 1
    err = float(np.abs(out[rows] - ref).max())
    times, start = [], time.perf_counter()
    i = 0
    while i < reps or (time.perf_counter() - start < 1.0 and i < 2000):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000)
        i += 1
    ms = sorted(times)[len(times) // 2]
    flops = 4.0 * n * n * d * heads * ((n + 1) / (2 * n) if causal else 1) + (8.0 * n * dm * dm if proj else 0)
    print(json.dumps({"impl": "numpy-openblas", "n": n, "d": d, "heads": heads, "causal": bool(causal),
                      "proj": bool(proj), "ms_median": round(ms, 4), "gflops": round(flops / (ms * 1e6), 3),
                      "peak_mem_mb": round(max_rss_mb() - mem0, 2), "max_abs_err": err,
                      "blas": blas_name()}))

def blas_name():
    # which BLAS numpy really uses: Debian's libblas.so.3 alternative points at OpenBLAS or the reference BLAS
    try:
        return os.path.basename(os.path.dirname(os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")))
    except OSError:
        return "unknown"

if __name__ == "__main__":
    main()
