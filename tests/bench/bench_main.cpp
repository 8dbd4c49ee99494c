// bench_main.cpp: the benchmark program for our own kernels, built natively (attn_bench) and
// for node (attn_bench.js, the same source). The node driver (bench.mjs) runs it:
//   attn_bench gen DIR N D HEADS CAUSAL PROJ   write the inputs (.npy) and reference rows
//   attn_bench run DIR IMPL REPS [THREADS]     time our fused forward on them, print a JSON record
//   attn_bench staged N HEADS D_MODEL REPS     time the UI's staged forward() (every intermediate)
//   attn_bench backgen DIR / backward DIR IMPL REPS   the fused backward (dO and reference gradients)
//   attn_bench peak IMPL                       mul+add throughput from registers: the SIMD peak
//   attn_bench traingen DIR MODEL / train MODEL IMPL STEPS   training steps (bench_train.cpp)
//   attn_bench model DIR IMPL T DECODE REPS    a real checkpoint's prefill and decode (bench_model.cpp)
// Inputs are a fixed hash of the index, so every implementation sees the same numbers.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include "engine/engine.h"
#include "kernels/kernels.h"
#include "io/npy.h"
#include "platform/allocator.h"
#include "bench_clock.h"
#include "bench_simd.h"
#include "bench_train.h"
#include "bench_model.h"

namespace {

using bench::Clock;
using bench::max_rss_mb;
using bench::median;
using bench::ms_since;

// NOTE: V8 compiles a wasm function first with its baseline compiler and uses the optimized
// version only from the next call on (no on-stack replacement), and binaryen inlines any function
// with a single call site. Timed code is therefore called through a volatile function pointer,
// which nothing can inline, so every timed call after warm-up runs optimized code.
template <typename Fn>
Fn opaque(Fn f) {
  static Fn volatile p;
  p = f;
  return p;
}

// murmur3's finalizer of (index, stream): uniform in [-1, 1) with 24 bits
float hashed(uint32_t i, uint32_t stream) {
  uint32_t x = i * 0x9E3779B1u + stream * 0x85EBCA77u + 0x165667B1u;
  x ^= x >> 15; x *= 0x85EBCA77u; x ^= x >> 13; x *= 0xC2B2AE3Du; x ^= x >> 16;
  return float(x >> 8) * (2.0f / 16777216.0f) - 1.0f;
}
std::vector<float> make(size_t n, uint32_t stream, float scale) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; i++) v[i] = hashed(uint32_t(i), stream) * scale;
  return v;
}

struct Cfg {
  int n = 0, d = 64, heads = 1, causal = 0, proj = 0;
  int width() const { return heads * d; }  // d_model
};

bool load(const std::string& path, std::vector<float>* out) {
  attn::Mat m;
  std::string err;
  if (!attn::npy_load_mat(path, &m, &err)) {
    std::fprintf(stderr, "error: %s\n", err.c_str());
    return false;
  }
  out->assign(m.data(), m.data() + m.size());
  return true;
}

bool save(const std::string& path, const std::vector<float>& v, int rows, int cols) {
  std::string err;
  if (!attn::npy_save(path, v.data(), {rows, cols}, &err)) {
    std::fprintf(stderr, "error: %s\n", err.c_str());
    return false;
  }
  return true;
}

attn::MaskRule rule(const Cfg& c) {
  attn::MaskRule r;
  r.kind = c.causal ? attn::MaskRule::Causal : attn::MaskRule::None;
  return r;
}

// Our multi-head forward on the fused path. q, k, v (n, H d) or, with proj, x (n, dm) and
// w* (dm, dm). out (n, H d). scratch holds Q, K, V, O when projecting.
struct Fused {
  std::vector<float> Q, K, V, O, lse;
  attn::ThreadWorkspaces ws;  // one workspace per thread
  int threads = 1;            // 1: the very calls of the single-threaded kernels
  void gemm(int m, int n, int k, const float* A, const float* B, float* C) {
    attn::kern::gemm_threads(threads, m, n, k, A, k, B, n, C, n);
  }
  void run(const Cfg& c, const std::vector<float>* in, float* out) {
    const int n = c.n, dm = c.width();
    const float *q = in[0].data(), *k = in[1].data(), *v = in[2].data();
    float* o = out;
    if (c.proj) {
      Q.resize(size_t(n) * dm); K.resize(Q.size()); V.resize(Q.size()); O.resize(Q.size());
      gemm(n, dm, dm, in[0].data(), in[1].data(), Q.data());  // (n, dm) = X Wq
      gemm(n, dm, dm, in[0].data(), in[2].data(), K.data());
      gemm(n, dm, dm, in[0].data(), in[3].data(), V.data());
      q = Q.data(); k = K.data(); v = V.data(); o = O.data();
    }
    lse.resize(size_t(n));
    const float scale = 1.0f / std::sqrt(float(c.d));
    for (int h = 0; h < c.heads; h++)
      attn::kern::attention_threads(threads, 0, n, n, c.d, c.d, q + h * c.d, dm, k + h * c.d, dm, v + h * c.d, dm, scale,
                                    rule(c), o + h * c.d, dm, lse.data(), false, &ws);
    if (c.proj) gemm(n, dm, dm, O.data(), in[4].data(), out);  // (n, dm) = O Wo
  }
};

// rows of the reference output, from the scalar oracles (kref) in double
std::vector<float> reference_rows(const Cfg& c, const std::vector<float>* in, const std::vector<int>& rows) {
  const int n = c.n, dm = c.width();
  std::vector<float> Q, K, V;
  const float *q = in[0].data(), *k = in[1].data(), *v = in[2].data();
  if (c.proj) {
    Q.resize(size_t(rows.size()) * dm); K.resize(size_t(n) * dm); V.resize(K.size());
    for (size_t r = 0; r < rows.size(); r++)
      attn::kref::gemm(1, dm, dm, in[0].data() + size_t(rows[r]) * dm, dm, in[1].data(), dm, Q.data() + r * dm, dm);
    attn::kref::gemm(n, dm, dm, in[0].data(), dm, in[2].data(), dm, K.data(), dm);
    attn::kref::gemm(n, dm, dm, in[0].data(), dm, in[3].data(), dm, V.data(), dm);
    k = K.data(); v = V.data();
  }
  std::vector<float> o(rows.size() * size_t(dm)), out(o.size());
  float lse;
  for (size_t r = 0; r < rows.size(); r++) {
    const float* qr = c.proj ? Q.data() + r * dm : q + size_t(rows[r]) * dm;
    attn::MaskRule m = rule(c);
    m.offset = rows[r];  // one query row at position rows[r]
    for (int h = 0; h < c.heads; h++)
      attn::kref::attention(1, n, c.d, c.d, qr + h * c.d, dm, k + h * c.d, dm, v + h * c.d, dm,
                            1.0f / std::sqrt(float(c.d)), m, o.data() + r * dm + h * c.d, dm, &lse);
  }
  if (!c.proj) return o;
  attn::kref::gemm(int(rows.size()), dm, dm, o.data(), dm, in[4].data(), dm, out.data(), dm);
  return out;
}

// at most 64 rows spread over the sequence, always the first and the last
std::vector<int> sample_rows(int n) {
  std::vector<int> r;
  const int count = std::min(n, 64);
  for (int i = 0; i < count; i++) r.push_back(count == 1 ? 0 : int((long long)i * (n - 1) / (count - 1)));
  return r;
}

double attention_flops(const Cfg& c) {
  // QK^T and PV, 2 n^2 d each per head; causal does (n + 1) / 2n of it. Projections: 4 (n dm^2) MACs.
  double f = 4.0 * c.n * double(c.n) * c.d * c.heads;
  if (c.causal) f *= (c.n + 1.0) / (2.0 * c.n);
  if (c.proj) f += 4 * 2.0 * c.n * double(c.width()) * c.width();
  return f;
}

bool read_cfg(const std::string& dir, Cfg* c) {
  FILE* f = std::fopen((dir + "/cfg.txt").c_str(), "r");
  if (!f) { std::fprintf(stderr, "error: %s/cfg.txt is missing (run gen first)\n", dir.c_str()); return false; }
  int ok = std::fscanf(f, "%d %d %d %d %d", &c->n, &c->d, &c->heads, &c->causal, &c->proj);
  std::fclose(f);
  return ok == 5;
}

const char* kNames[] = {"q", "k", "v"};
const char* kProjNames[] = {"x", "wq", "wk", "wv", "wo"};

int cmd_gen(int argc, char** argv) {
  if (argc < 8) return 2;
  const std::string dir = argv[2];
  Cfg c;
  c.n = std::atoi(argv[3]); c.d = std::atoi(argv[4]); c.heads = std::atoi(argv[5]);
  c.causal = std::atoi(argv[6]); c.proj = std::atoi(argv[7]);
  const int dm = c.width();
  std::vector<float> in[5];
  const int count = c.proj ? 5 : 3;
  for (int i = 0; i < count; i++) {
    const bool weight = c.proj && i > 0;
    // weights ~ U(-1, 1) / sqrt(dm) keep projected activations O(1), like a trained layer
    in[i] = make(size_t(weight ? dm : c.n) * dm, uint32_t(i + 1), weight ? 1.0f / std::sqrt(float(dm)) : 1.0f);
    if (!save(dir + "/" + (c.proj ? kProjNames[i] : kNames[i]) + ".npy", in[i], weight ? dm : c.n, dm)) return 1;
  }
  std::vector<int> rows = sample_rows(c.n);
  std::vector<float> ri(rows.begin(), rows.end());
  std::vector<float> ref = reference_rows(c, in, rows);
  if (!save(dir + "/rows.npy", ri, int(rows.size()), 1) || !save(dir + "/ref.npy", ref, int(rows.size()), dm)) return 1;
  FILE* f = std::fopen((dir + "/cfg.txt").c_str(), "w");
  if (!f) return 1;
  std::fprintf(f, "%d %d %d %d %d\n", c.n, c.d, c.heads, c.causal, c.proj);
  std::fclose(f);
  return 0;
}

void print_record(const char* impl, const Cfg& c, double ms, double mem, double err, const char* extra) {
  std::printf("{\"impl\":\"%s\",\"n\":%d,\"d\":%d,\"heads\":%d,\"causal\":%s,\"proj\":%s,\"ms_median\":%.4f,"
              "\"gflops\":%.3f,\"peak_mem_mb\":%.2f,\"max_abs_err\":%.3g%s}\n",
              impl, c.n, c.d, c.heads, c.causal ? "true" : "false", c.proj ? "true" : "false", ms,
              attention_flops(c) / (ms * 1e6), mem, err, extra);
}

// DIR IMPL REPS, the arguments of run and backward, and the folder's cfg.txt: 0, or the exit code
struct RunArgs {
  std::string dir;
  const char* impl = "";
  int reps = 1;
  Cfg c;
};
int run_args(int argc, char** argv, RunArgs* r) {
  if (argc < 5) return 2;
  r->dir = argv[2];
  r->impl = argv[3];
  r->reps = std::max(1, std::atoi(argv[4]));
  return read_cfg(r->dir, &r->c) ? 0 : 1;
}

int cmd_run(int argc, char** argv) {
  RunArgs ra;
  if (int rc = run_args(argc, argv, &ra)) return rc;
  const auto& [dir, impl, reps, c] = ra;
  const double mem0 = max_rss_mb();
  std::vector<float> in[5], rows_f, ref;
  const int count = c.proj ? 5 : 3;
  for (int i = 0; i < count; i++)
    if (!load(dir + "/" + (c.proj ? kProjNames[i] : kNames[i]) + ".npy", &in[i])) return 1;
  if (!load(dir + "/rows.npy", &rows_f) || !load(dir + "/ref.npy", &ref)) return 1;
  const int dm = c.width();
  std::vector<float> out(size_t(c.n) * dm);
  Fused f;
  f.threads = argc > 5 ? std::max(1, std::atoi(argv[5])) : 1;
  auto run = opaque(+[](Fused* f, const Cfg* c, const std::vector<float>* in, float* out) { f->run(*c, in, out); });
  // warm-up, and the result we check: at least 3 runs and 300 ms (V8 recompiles hot wasm functions
  // in the background; three runs of a 0.1 ms size were timed while that was still going on)
  const auto warm = Clock::now();
  for (int i = 0; i < 3 || ms_since(warm) < 300; i++) run(&f, &c, in, out.data());
  double err = 0;
  for (size_t r = 0; r < rows_f.size(); r++)
    for (int j = 0; j < dm; j++)
      err = std::max(err, double(std::fabs(out[size_t(rows_f[r]) * dm + j] - ref[r * dm + j])));
  std::vector<double> times;
  const auto start = Clock::now();
  for (int i = 0; i < reps || (ms_since(start) < 1000 && i < 2000); i++) {
    auto t0 = Clock::now();
    run(&f, &c, in, out.data());
    times.push_back(ms_since(t0));
  }
  char extra[96] = "";
  double mem = max_rss_mb() - mem0;
#if defined(__EMSCRIPTEN__)
  // getrusage is empty under emscripten; the wasm heap (it never shrinks, so it is the high-water
  // mark, inputs included) is what a browser tab would have to give us
  mem = bench::high_water_mb();
  std::snprintf(extra, sizeof extra, ",\"wasm_heap_mb\":%.1f", mem);
#endif
  print_record(impl, c, median(times), mem, err, extra);
  return 0;
}

// ---- the backward pass (one head, no projections): dO and the reference gradients of sampled rows
// The reference, in double from the definition: lse_i and D_i = sum_j P_ij dP_ij for every row
// (O(n^2 d)), then for each sampled row r
//   dQ_r = scale sum_j P_rj (dP_rj - D_r) k_j,  dK_r = scale sum_i P_ir (dP_ir - D_i) q_i,  dV_r = sum_i P_ir dO_i
int cmd_backgen(int argc, char** argv) {
  if (argc < 3) return 2;
  const std::string dir = argv[2];
  Cfg c;
  if (!read_cfg(dir, &c)) return 1;
  if (c.heads != 1 || c.proj) { std::fprintf(stderr, "error: backgen needs one head without projections\n"); return 2; }
  std::vector<float> q, k, v;
  if (!load(dir + "/q.npy", &q) || !load(dir + "/k.npy", &k) || !load(dir + "/v.npy", &v)) return 1;
  const int n = c.n, d = c.d;
  const std::vector<float> dout = make(size_t(n) * d, 6, 1.0f);
  if (!save(dir + "/dout.npy", dout, n, d)) return 1;
  const double scale = 1.0 / std::sqrt(double(d));
  auto allowed = [&](int i, int j) { return !c.causal || j <= i; };
  auto dot = [&](const std::vector<float>& a, int i, const std::vector<float>& b, int j) {
    double s = 0;
    for (int t = 0; t < d; t++) s += double(a[size_t(i) * d + t]) * b[size_t(j) * d + t];
    return s;
  };
  std::vector<double> lse(static_cast<size_t>(n)), D(static_cast<size_t>(n)), s(static_cast<size_t>(n));
  for (int i = 0; i < n; i++) {
    double m = -1e300, z = 0, pd = 0;
    for (int j = 0; j < n; j++) if (allowed(i, j)) m = std::max(m, s[size_t(j)] = scale * dot(q, i, k, j));
    for (int j = 0; j < n; j++) if (allowed(i, j)) z += std::exp(s[size_t(j)] - m);
    lse[size_t(i)] = m + std::log(z);
    for (int j = 0; j < n; j++) if (allowed(i, j)) pd += std::exp(s[size_t(j)] - lse[size_t(i)]) * dot(dout, i, v, j);
    D[size_t(i)] = pd;
  }
  auto P = [&](int i, int j) { return allowed(i, j) ? std::exp(scale * dot(q, i, k, j) - lse[size_t(i)]) : 0.0; };
  const std::vector<int> rows = sample_rows(n);
  std::vector<float> rq, rk, rv;
  for (int r : rows) {
    std::vector<double> gq(size_t(d), 0.0), gk(size_t(d), 0.0), gv(size_t(d), 0.0);
    for (int j = 0; j < n; j++) {
      const double ds = P(r, j) * (dot(dout, r, v, j) - D[size_t(r)]) * scale;
      for (int t = 0; t < d; t++) gq[size_t(t)] += ds * k[size_t(j) * d + t];
    }
    for (int i = 0; i < n; i++) {
      const double p = P(i, r), ds = p * (dot(dout, i, v, r) - D[size_t(i)]) * scale;
      for (int t = 0; t < d; t++) {
        gk[size_t(t)] += ds * q[size_t(i) * d + t];
        gv[size_t(t)] += p * dout[size_t(i) * d + t];
      }
    }
    for (int t = 0; t < d; t++) { rq.push_back(float(gq[size_t(t)])); rk.push_back(float(gk[size_t(t)])); rv.push_back(float(gv[size_t(t)])); }
  }
  const int R = int(rows.size());
  return save(dir + "/ref_dq.npy", rq, R, d) && save(dir + "/ref_dk.npy", rk, R, d) && save(dir + "/ref_dv.npy", rv, R, d) ? 0 : 1;
}

// times kern::attention_backward (given the forward's O and lse, as training has them) and, for the
// peers whose gradients include their forward, forward + backward; checks the sampled rows
int cmd_backward(int argc, char** argv) {
  RunArgs ra;
  if (int rc = run_args(argc, argv, &ra)) return rc;
  const auto& [dir, impl, reps, c] = ra;
  std::vector<float> q, k, v, dout, rows_f, rq, rk, rv;
  if (!load(dir + "/q.npy", &q) || !load(dir + "/k.npy", &k) || !load(dir + "/v.npy", &v) || !load(dir + "/dout.npy", &dout) ||
      !load(dir + "/rows.npy", &rows_f) || !load(dir + "/ref_dq.npy", &rq) || !load(dir + "/ref_dk.npy", &rk) ||
      !load(dir + "/ref_dv.npy", &rv))
    return 1;
  const int n = c.n, d = c.d;
  attn::MaskRule mask;
  if (c.causal) mask.kind = attn::MaskRule::Causal;
  const float scale = 1.0f / std::sqrt(float(d));
  std::vector<float> o(size_t(n) * d), lse(static_cast<size_t>(n)), dq(size_t(n) * d), dk(size_t(n) * d), dv(size_t(n) * d);
  attn::Workspace ws;
  struct Args { int n, d; attn::MaskRule mask; float scale; const float *q, *k, *v, *dout; float *o, *lse, *dq, *dk, *dv; attn::Workspace* ws; };
  Args a{n, d, mask, scale, q.data(), k.data(), v.data(), dout.data(), o.data(), lse.data(), dq.data(), dk.data(), dv.data(), &ws};
  auto fwd = opaque(+[](const Args* a) {
    attn::kern::attention(a->n, a->n, a->d, a->d, a->q, a->d, a->k, a->d, a->v, a->d, a->scale, a->mask, a->o, a->d, a->lse, a->ws);
  });
  auto bwd = opaque(+[](const Args* a) {
    attn::kern::attention_backward(a->n, a->n, a->d, a->d, a->q, a->d, a->k, a->d, a->v, a->d, a->o, a->d, a->dout, a->d, a->lse,
                                   a->scale, a->mask, a->dq, a->d, a->dk, a->d, a->dv, a->d, a->ws);
  });
  const auto warm = Clock::now();
  for (int i = 0; i < 3 || ms_since(warm) < 300; i++) { fwd(&a); bwd(&a); }
  double err = 0;
  for (size_t r = 0; r < rows_f.size(); r++)
    for (int t = 0; t < d; t++) {
      const size_t at = size_t(rows_f[r]) * d + t, ref = r * d + t;
      err = std::max({err, double(std::fabs(dq[at] - rq[ref])), double(std::fabs(dk[at] - rk[ref])), double(std::fabs(dv[at] - rv[ref]))});
    }
  std::vector<double> times, both;
  const auto start = Clock::now();
  for (int i = 0; i < reps || (ms_since(start) < 1000 && i < 2000); i++) {
    auto t0 = Clock::now();
    fwd(&a);
    const double f = ms_since(t0);
    auto t1 = Clock::now();
    bwd(&a);
    times.push_back(ms_since(t1));
    both.push_back(f + times.back());
  }
  double mem = 0;
#if defined(__EMSCRIPTEN__)
  mem = bench::high_water_mb();  // the heap's high-water mark
#endif
  const double ms = median(times), frac = c.causal ? (n + 1) / (2.0 * n) : 1.0;
  // five (n, n, d) products: S again, dV, dP, dQ, dK (FlashAttention-2's count, 2.5x the forward's)
  const double flops = 10.0 * n * n * d * frac;
  std::printf("{\"impl\":\"%s\",\"pass\":\"backward\",\"n\":%d,\"d\":%d,\"heads\":1,\"causal\":%s,\"proj\":false,"
              "\"ms_median\":%.4f,\"ms_fwd_bwd\":%.4f,\"gflops\":%.3f,\"peak_mem_mb\":%.2f,\"max_abs_err\":%.3g,\"backend\":\"%s\"}\n",
              impl, n, d, c.causal ? "true" : "false", ms, median(both), flops / (ms * 1e6), mem, err, attn::kern::backend());
  return 0;
}

// the interactive recompute: every intermediate of the staged path, as the UI runs it
int cmd_staged(int argc, char** argv) {
  if (argc < 6) return 2;
  attn::Config cfg;
  const int n = std::atoi(argv[2]), heads = std::atoi(argv[3]), dm = std::atoi(argv[4]), reps = std::atoi(argv[5]);
  cfg.input = attn::Input::Matrices;
  cfg.d_model = dm;
  cfg.n_heads = heads;
  cfg.init = attn::Init::Xavier;
  cfg.X = attn::Mat(n, dm);
  for (int i = 0; i < cfg.X.size(); i++) cfg.X.data()[i] = hashed(uint32_t(i), 9);
  std::vector<double> times;
  // as the app does: the shown trace is passed in, and what an edit leaves alone is taken from it
  attn::Limits lim;
  lim.threads = argc > 6 ? std::max(1, std::atoi(argv[6])) : 1;
  auto fwd = opaque(+[](const attn::Config* c, const attn::Limits* l, const attn::Trace* prev) { return attn::forward(*c, *l, prev); });
  attn::Trace t = fwd(&cfg, &lim, nullptr);  // warm-up
  if (!t.ok) { std::fprintf(stderr, "error: %s\n", t.error.c_str()); return 1; }
  // what changes between passes: a cell of X (x), or the temperature (temperature, as when its
  // slider is dragged: the pass starts at normalization)
  const std::string edit = argc > 7 ? argv[7] : "x";
  if (edit != "x" && edit != "temperature") return 2;
  for (int i = 0; i < std::max(1, reps); i++) {
    if (edit == "x") cfg.edits = {{attn::Target::X, i % n, i % dm, 0.5f}};  // an edit, as when dragging a cell
    else cfg.temperature = 1.0f + 0.01f * float(i + 1);
    auto t0 = Clock::now();
    t = fwd(&cfg, &lim, &t);
    times.push_back(ms_since(t0));
  }
  Cfg c;
  c.n = n; c.heads = heads; c.d = dm / heads; c.proj = 1;
  print_record(edit == "x" ? "staged" : "staged-temperature", c, median(times), 0.0, 0.0, "");
  return 0;
}

int cmd_peak(int argc, char** argv) {
  const char* impl = argc > 2 ? argv[2] : "peak";
  float sink = 0;
  int best_a = 0;
  const double best = simd_peak_gflops(&best_a, &sink);
  std::printf("{\"impl\":\"%s\",\"n\":0,\"d\":0,\"heads\":0,\"causal\":false,\"proj\":false,\"ms_median\":0,"
              "\"gflops\":%.2f,\"peak_mem_mb\":0,\"max_abs_err\":0,\"backend\":\"%s\",\"accumulators\":%d%s}\n",
              impl, best, attn::kern::backend(), best_a, sink == 12345.0f ? " " : "");
  return 0;
}

// one product, for tuning the tile: gemm M N K (C = A B) and gemm_nt (C = A B^T)
int cmd_gemm(int argc, char** argv) {
  if (argc < 5) return 2;
  const int m = std::atoi(argv[2]), n = std::atoi(argv[3]), k = std::atoi(argv[4]);
  std::vector<float> A = make(size_t(m) * k, 1, 1.0f), B = make(size_t(k) * n, 2, 1.0f), C(size_t(m) * n);
  std::printf("%s\n", tile_report().c_str());  // the tile alone, from L1: the ceiling for every product
  for (int nt = 0; nt < 2; nt++) {
    std::vector<double> times;
    for (int i = 0; i < 30; i++) {
      auto t0 = Clock::now();
      if (nt) opaque(attn::kern::gemm_nt)(m, n, k, A.data(), k, B.data(), k, C.data(), n, 1.0f);
      else opaque(attn::kern::gemm)(m, n, k, A.data(), k, B.data(), n, C.data(), n, false);
      times.push_back(ms_since(t0));
    }
    std::printf("%s %dx%dx%d: %.3f ms, %.1f GFLOP/s\n", nt ? "gemm_nt" : "gemm", m, n, k, median(times),
                2.0 * m * n * k / (median(times) * 1e6));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  attn::platform::keep_freed_memory();  // as the desktop app does
  const std::string cmd = argc > 1 ? argv[1] : "";
  int rc = 2;
  if (cmd == "gen") rc = cmd_gen(argc, argv);
  else if (cmd == "run") rc = cmd_run(argc, argv);
  else if (cmd == "staged") rc = cmd_staged(argc, argv);
  else if (cmd == "backgen") rc = cmd_backgen(argc, argv);
  else if (cmd == "backward") rc = cmd_backward(argc, argv);
  else if (cmd == "peak") rc = cmd_peak(argc, argv);
  else if (cmd == "gemm") rc = cmd_gemm(argc, argv);
  else if (cmd == "traingen") rc = cmd_traingen(argc, argv);
  else if (cmd == "train") rc = cmd_train(argc, argv);
  else if (cmd == "model") rc = cmd_model(argc, argv);
  if (rc == 2) std::fprintf(stderr, "usage: attn_bench gen DIR N D HEADS CAUSAL PROJ | run DIR IMPL REPS [THREADS] | staged N HEADS D_MODEL REPS [THREADS [x|temperature]] | backgen DIR | backward DIR IMPL REPS | peak IMPL | traingen DIR a|b|c | train a|b|c IMPL STEPS | model DIR IMPL T DECODE REPS\n");
  return rc;
}
