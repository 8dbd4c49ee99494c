// bench_simd.cpp: the SIMD peak and the register tile from L1 (bench_simd.h says why this is a
// file of its own). Built with the kernels' instruction set, and without Eigen.
#include "bench_simd.h"
#include "bench_clock.h"
#include <algorithm>
#include <cstdio>
#include <vector>
#include "kernels/kernels.h"
#include "kernels/microkernel.h"
#include "kernels/simd.h"

namespace {

using bench::Clock;
using bench::ms_since;
// a call nothing can inline (see bench_main.cpp's opaque())
template <typename Fn>
Fn opaque(Fn f) {
  static Fn volatile p;
  p = f;
  return p;
}

// The SIMD peak: A independent multiply chains feeding A independent add chains, so one mul
// and one add per lane per step with nothing but pipeline latency between them (what a GEMM's
// inner loop does: acc += a * b). b is 1 at run time, so no value drifts into denormals.
// NOTE: V8 runs a wasm function's first calls in its baseline compiler and switches to the
// optimizing one only for later calls (no on-stack replacement), so each measurement is one
// short call repeated many times, after warm-up calls.
volatile float g_one = 1.0f;
template <int A>
__attribute__((noinline)) attn::simd::F peak_loop(int iters, attn::simd::F seed) {
  using namespace attn::simd;
  F p[A], acc[A];
  for (int i = 0; i < A; i++) { p[i] = add(seed, splat(i * 1e-3f)); acc[i] = splat(0.0f); }
  const F b = splat(g_one);
  for (int it = 0; it < iters; it++)
    for (int i = 0; i < A; i++) {
      p[i] = mul(p[i], b);
      acc[i] = add(acc[i], p[i]);
    }
  F s = acc[0];
  for (int i = 1; i < A; i++) s = add(s, acc[i]);
  return mul(s, splat(1e-9f));
}
// with fused multiply-add (native AVX2+FMA): A chains of acc = x * b + acc, 2 flops per lane
template <int A>
__attribute__((noinline)) attn::simd::F peak_loop_fma(int iters, attn::simd::F seed) {
  using namespace attn::simd;
  F acc[A];
  for (int i = 0; i < A; i++) acc[i] = splat(0.0f);
  const F b = splat(g_one);
  for (int it = 0; it < iters; it++)
    for (int i = 0; i < A; i++) acc[i] = madd(seed, b, acc[i]);
  F s = acc[0];
  for (int i = 1; i < A; i++) s = add(s, acc[i]);
  return mul(s, splat(1e-9f));
}

template <int A>
double peak_of(float* sink) {
  using namespace attn::simd;
  const int iters = 20000;
  auto loop = opaque(kFma ? peak_loop_fma<A + 4> : peak_loop<A>);
  F s = splat(1.0f);
  for (int w = 0; w < 200; w++) s = loop(iters, s);  // warm-up: tier up
  double best = 0;
  for (int trial = 0; trial < 5; trial++) {
    auto t0 = Clock::now();
    for (int k = 0; k < 100; k++) s = loop(iters, s);
    best = std::max(best, 2.0 * W * (kFma ? A + 4 : A) * iters * 100 / (ms_since(t0) / 1000) / 1e9);
  }
  *sink += hsum(s);
  return best;
}

__attribute__((noinline)) void tile_call(const float* a, const float* bp, float* c) {
  attn::micro::tile(256, a, 256, bp, c, attn::micro::NR, true);
}

}  // namespace

double simd_peak_gflops(int* accumulators, float* sink) {
  double best = 0;
  double p[] = {peak_of<4>(sink), peak_of<6>(sink), peak_of<8>(sink)};
  for (int i = 0; i < 3; i++)
    if (p[i] > best) { best = p[i]; *accumulators = 4 + 2 * i + (attn::simd::kFma ? 4 : 0); }
  return best;
}

std::string tile_report() {
  std::vector<float> a(attn::micro::MR * 256, 0.5f), bp(256 * attn::micro::NR, 0.25f), c(attn::micro::MR * attn::micro::NR);
  std::vector<double> times;
  for (int i = 0; i < 30; i++) {
    auto t0 = Clock::now();
    auto call = opaque(tile_call);
    for (int r = 0; r < 2000; r++) call(a.data(), bp.data(), c.data());
    times.push_back(ms_since(t0));
  }
  std::sort(times.begin(), times.end());
  char b[96];
  std::snprintf(b, sizeof b, "tile %dx%d from L1: %.1f GFLOP/s", attn::micro::MR, attn::micro::NR,
                2.0 * attn::micro::MR * attn::micro::NR * 256 * 2000 / (times[times.size() / 2] * 1e6));
  return b;
}
