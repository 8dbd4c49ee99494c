// bench_model.cpp: the real-model rows of the bench program. A checkpoint's folder (written by
// bench.mjs with a real architecture's names and shapes and random weights) is read into memory,
// loaded, and run as attn model runs it: prefill (every position through every layer, the last
// position's logits) and decode (one token at a time from the KV cache), on one thread.
//   attn_bench model DIR IMPL T DECODE REPS   one JSON record per measured quantity (see below)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
#include "bench_clock.h"
#include "bench_model.h"
#include "kernels/kernels.h"
#include "models/generate.h"
#include "models/model.h"

namespace {

using bench::Clock;
using bench::median;
using bench::ms_since;

// Multiply-adds ×2 of a prefill of T tokens with the last position's logits: every projection and
// the MLP at every position, causal attention (scores and the weighted sum over the keys each query
// sees), and the output head once.
double prefill_flops(const attn::nn::Spec& s, int T) {
  const attn::nn::AttentionSpec& a = s.attn;
  const double d = s.d_model, proj = d * a.q_width() * 2 + d * a.kv_width() * 2;
  const double mlp = s.mlp ? d * s.ff.d_ff * (s.ff.act == attn::nn::Activation::SwiGlu ? 3 : 2) : 0;
  double keys = 0;  // Σ over queries of the keys each sees
  for (int t = 0; t < T; t++) keys += a.window > 0 ? std::min(t + 1, a.window) : t + 1;
  const double attn = 2.0 * keys * a.d_head * a.heads;
  return 2.0 * (s.layers * (T * (proj + mlp) + attn) + d * s.vocab);
}

std::vector<int> prompt(int T, int vocab) {
  std::vector<int> ids(static_cast<size_t>(T));
  for (int t = 0; t < T; t++) ids[size_t(t)] = int((uint32_t(t) * 2654435761u >> 7) % uint32_t(vocab));
  return ids;
}

}  // namespace

// Records (one line of JSON each, pass "model_prefill" and "model_decode"): ms_median of REPS
// prefills at T after a warm-up, and of DECODE tokens decoded after a prefill at T (ms per token);
// load_ms, the time from the files being in memory to the first logits (load_model and the first
// prefill); file_mb and peak_mem_mb (the heap's or the process's high-water mark, files included)
// of the lean passes the peers' match (RunOptions::lean), then full_ms and full_peak_mem_mb of one
// pass as the Model mode runs it (every head's weights kept).
int cmd_model(int argc, char** argv) {
  if (argc < 7) return 2;
  const std::string dir = argv[2], impl = argv[3];
  const int T = std::atoi(argv[4]), decode = std::atoi(argv[5]), reps = std::max(1, std::atoi(argv[6]));
  namespace M = attn::models;
  M::Files files;
  std::string err;
  if (!M::read_model_dir(dir, &files, &err)) { std::fprintf(stderr, "error: %s\n", err.c_str()); return 1; }
  auto t0 = Clock::now();
  M::Model m;
  if (!M::load_model(std::move(files), &m, &err)) { std::fprintf(stderr, "error: %s\n", err.c_str()); return 1; }
  const std::vector<int> ids = prompt(T, m.cfg.spec.vocab);
  M::RunOptions opt;
  opt.last_logits = true;
  opt.lean = true;  // what the next token needs, as the peers compute it
  M::Pass pass;
  if (!M::run_model(m, ids, opt, &pass, &err)) { std::fprintf(stderr, "error: %s\n", err.c_str()); return 1; }
  const double load_ms = ms_since(t0);
  // warm-up: at least 3 passes and 300 ms (V8 swaps in its optimized code between calls)
  const auto warm = Clock::now();
  for (int i = 0; i < 3 || ms_since(warm) < 300; i++)
    if (!M::run_model(m, ids, opt, &pass, &err)) { std::fprintf(stderr, "error: %s\n", err.c_str()); return 1; }
  std::vector<double> times;
  for (int r = 0; r < reps; r++) {
    t0 = Clock::now();
    if (!M::run_model(m, ids, opt, &pass, &err)) { std::fprintf(stderr, "error: %s\n", err.c_str()); return 1; }
    times.push_back(ms_since(t0));
  }
  const double ms = median(times), gflops = prefill_flops(m.cfg.spec, T) / (ms * 1e6);
  const double file_mb = double(m.file_bytes) / 1048576, lean_mb = bench::high_water_mb();
  // once more as the Model mode runs it, every head's weights and every intermediate kept
  M::RunOptions full;
  full.last_logits = true;
  M::Pass kept;
  t0 = Clock::now();
  if (!M::run_model(m, ids, full, &kept, &err)) { std::fprintf(stderr, "error: %s\n", err.c_str()); return 1; }
  const double full_ms = ms_since(t0), full_mb = bench::high_water_mb();
  kept = M::Pass();
  // the next token and its logit: the peers' must agree (bench.mjs compares them)
  const std::vector<float>& lg = pass.logits;  // (1, V)
  const int top = int(std::max_element(lg.begin(), lg.end()) - lg.begin());
  std::printf("{\"impl\":\"%s\",\"pass\":\"model_prefill\",\"T\":%d,\"ms_median\":%.3f,\"gflops\":%.2f,\"load_ms\":%.1f,"
              "\"file_mb\":%.1f,\"peak_mem_mb\":%.1f,\"full_ms\":%.1f,\"full_peak_mem_mb\":%.1f,\"dtype\":\"%s\","
              "\"params_m\":%.1f,\"backend\":\"%s\",\"top\":%d,\"logit_top\":%.6g}\n",
              impl.c_str(), T, ms, gflops, load_ms, file_mb, lean_mb, full_ms, full_mb, m.dtype.c_str(),
              double(m.params) / 1e6, attn::kern::backend(), top, double(lg[size_t(top)]));
  if (decode > 0) {
    // each token after a prefill at T, greedy, from the KV cache; the first steps warm the code
    M::Generation g;
    M::generation_start(pass, false, &g);
    M::SampleOptions so;
    std::vector<double> steps;
    for (int i = 0; i < decode + 2; i++) {
      t0 = Clock::now();
      if (!M::generation_step(m, so, &g, &err)) { std::fprintf(stderr, "error: %s\n", err.c_str()); return 1; }
      if (i >= 2) steps.push_back(ms_since(t0));
    }
    std::printf("{\"impl\":\"%s\",\"pass\":\"model_decode\",\"T\":%d,\"ms_median\":%.3f,\"tokens\":%d,"
                "\"file_mb\":%.1f,\"peak_mem_mb\":%.1f,\"dtype\":\"%s\"}\n",
                impl.c_str(), T, median(steps), decode, file_mb, bench::high_water_mb(), m.dtype.c_str());
  }
  return 0;
}
