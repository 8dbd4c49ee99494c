// microkernel.h: the register-blocked inner loop every matrix product runs, and the packing
// that feeds it. C (MR x NR) += A (MR x kc, rows lda apart) . Bp (kc x NR, packed contiguously).
// Internal to the kernel files (gemm.cpp, flash.cpp).
#pragma once
#include <algorithm>
#include <cstring>
#include "kernels/simd.h"

namespace attn::micro {

using namespace attn::simd;

#if defined(__AVX2__) && !defined(__wasm_simd128__)
constexpr int MR = 6;      // rows of C per tile: 12 accumulators hide the FMA latency (4 cycles x 2 ports)
#else
constexpr int MR = 5;      // rows of C per tile: 5 x 8 measured ~9 % faster than 4 x 8 in V8
#endif
constexpr int NR = 2 * W;  // columns of C per tile: 2 vector loads of Bp per step
// wasm/SSE: 10 accumulators + 2 B vectors + 1 A broadcast fit the 16 vector registers V8 and
// SSE have (4 x 12 and 6 x 8 spilled in V8); AVX2 has room for 6 x 2W (12 + 3), as in BLIS.

inline int round_up(int x, int r) { return (x + r - 1) / r * r; }

// C tile (MR, NR), rows ldc apart: C = A . Bp (or C += when accumulate).
// A is MR rows lda apart (kPanel false), or a panel: the MR values of each depth step side by side,
// depth steps lda apart (kPanel true): A^T read in place from its source (A^T's rows are columns
// there, MR of them contiguous), or packed (lda = MR). Either way the same sums in the same order.
// All MR rows of A must be readable; the caller passes a row pointer it may discard.
// Written out row by row, not as loops over an array: with an array GCC kept some accumulators
// on the stack (a store and a load per step), at a third of the speed.
// NOTE: not inlined: inside a large caller V8 allocates registers worse and the loop spills.
template <bool kPanel = false>
__attribute__((noinline)) void tile(int kc, const float* a, int lda, const float* bp, float* c, int ldc, bool accumulate) {
  const F z = splat(0.0f);
  F c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
  const int rs = kPanel ? 1 : lda;  // from one row of A to the next (and kPanel: lda from one depth step)
  const float *a0 = a, *a1 = a + rs, *a2 = a + 2 * rs, *a3 = a + 3 * rs;
  const float *a4 = MR > 4 ? a + 4 * rs : a, *a5 = MR > 5 ? a + 5 * rs : a;
#define ATTN_ROW(r)                                   \
  {                                                   \
    const F x = bcast(a##r + (kPanel ? t * lda : t)); \
    c##r##0 = madd(x, b0, c##r##0);                   \
    c##r##1 = madd(x, b1, c##r##1);                   \
  }
  for (int t = 0; t < kc; t++) {
    const F b0 = load(bp), b1 = load(bp + W);
    bp += NR;
    ATTN_ROW(0) ATTN_ROW(1) ATTN_ROW(2) ATTN_ROW(3)
    if constexpr (MR > 4) ATTN_ROW(4)
    if constexpr (MR > 5) ATTN_ROW(5)
  }
#undef ATTN_ROW
  auto put = [&](int r, F lo, F hi) {
    float* cr = c + r * ldc;
    if (accumulate) {
      lo = add(lo, load(cr));
      hi = add(hi, load(cr + W));
    }
    store(cr, lo);
    store(cr + W, hi);
  };
  put(0, c00, c01);
  put(1, c10, c11);
  put(2, c20, c21);
  put(3, c30, c31);
  if constexpr (MR > 4) put(4, c40, c41);
  if constexpr (MR > 5) put(5, c50, c51);
}

// The same for an edge tile: only mr x nr of C is written. The tile is computed whole into a
// buffer (A must have MR readable rows: callers pad) and the valid part copied out.
template <bool kPanel = false>
inline void tile_edge(int kc, const float* a, int lda, const float* bp, float* c, int ldc, bool accumulate,
                      int mr, int nr) {
  alignas(32) float buf[MR * NR];
  tile<kPanel>(kc, a, lda, bp, buf, NR, false);
  for (int r = 0; r < mr; r++)
    for (int j = 0; j < nr; j++) c[r * ldc + j] = accumulate ? buf[r * NR + j] + c[r * ldc + j] : buf[r * NR + j];
}

// Pack columns [j0, j0 + nc) x rows [t0, t0 + kc) of B (k, n) row-major into panels of NR columns:
// panel p is (kc, NR) contiguous; columns past nc are zero.
inline void pack_b(const float* B, int ldb, int t0, int kc, int j0, int nc, float* out) {
  // row by row: B is read contiguously, each row scattered to its NR-wide slot in every panel
  for (int t = 0; t < kc; t++) {
    const float* src = B + size_t(t0 + t) * ldb + j0;
    int p = 0;
    for (; p + NR <= nc; p += NR) {
      float* dst = out + size_t(p) * kc + size_t(t) * NR;
      store(dst, load(src + p));
      store(dst + W, load(src + p + W));
    }
    if (p < nc) {  // last, partial panel: zero padding
      float* dst = out + size_t(p) * kc + size_t(t) * NR;
      for (int j = 0; j < NR; j++) dst[j] = p + j < nc ? src[p + j] : 0.0f;
    }
  }
}

// The same for B^T, with B given as (n, k): panel p holds rows j0+p.. of B as columns.
inline void pack_bt(const float* B, int ldb, int t0, int kc, int j0, int nc, float* out) {
  for (int p = 0; p < nc; p += NR) {
    const int w = std::min(NR, nc - p);
    float* panel = out + size_t(p) * kc;
    for (int j = 0; j < NR; j++) {
      if (j < w) {
        const float* src = B + size_t(j0 + p + j) * ldb + t0;
        for (int t = 0; t < kc; t++) panel[size_t(t) * NR + j] = src[t];
      } else {
        for (int t = 0; t < kc; t++) panel[size_t(t) * NR + j] = 0.0f;
      }
    }
  }
}

}  // namespace attn::micro
