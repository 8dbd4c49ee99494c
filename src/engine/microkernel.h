// microkernel.h: the register-blocked inner loop every matrix product runs, and the packing
// that feeds it. C (MR x NR) += A (MR x kc, rows lda apart) . Bp (kc x NR, packed contiguously).
// Internal to the kernel files (gemm.cpp, flash.cpp).
#pragma once
#include <algorithm>
#include <cstring>
#include "engine/simd.h"

namespace attn::micro {

using namespace attn::simd;

constexpr int MR = 4;      // rows of C per tile: 4 broadcasts of A per step
constexpr int NR = 2 * W;  // columns of C per tile: 2 vector loads of Bp per step
// 8 accumulators + 2 B vectors + 1 A broadcast: fits the 16 vector registers of x86 (V8 and
// native SSE/AVX alike), which is why the tile is 4 x 2W and not larger.

inline int round_up(int x, int r) { return (x + r - 1) / r * r; }

// C tile (MR, NR), rows ldc apart: C = A . Bp (or C += when accumulate).
// All MR rows of A must be readable; the caller passes a row pointer it may discard.
// NOTE: not inlined: inside a large caller V8 allocates registers worse and the loop spills.
__attribute__((noinline)) inline void tile(int kc, const float* a, int lda, const float* bp, float* c, int ldc, bool accumulate) {
  F acc[MR][2];
  for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = splat(0.0f);
  const float* a0 = a;
  const float* a1 = a + lda;
  const float* a2 = a + 2 * lda;
  const float* a3 = a + 3 * lda;
  for (int t = 0; t < kc; t++) {
    const F b0 = load(bp), b1 = load(bp + W);
    bp += NR;
    F x = bcast(a0 + t);
    acc[0][0] = madd(x, b0, acc[0][0]);
    acc[0][1] = madd(x, b1, acc[0][1]);
    x = bcast(a1 + t);
    acc[1][0] = madd(x, b0, acc[1][0]);
    acc[1][1] = madd(x, b1, acc[1][1]);
    x = bcast(a2 + t);
    acc[2][0] = madd(x, b0, acc[2][0]);
    acc[2][1] = madd(x, b1, acc[2][1]);
    x = bcast(a3 + t);
    acc[3][0] = madd(x, b0, acc[3][0]);
    acc[3][1] = madd(x, b1, acc[3][1]);
  }
  for (int r = 0; r < MR; r++) {
    float* cr = c + r * ldc;
    if (accumulate) {
      acc[r][0] = add(acc[r][0], load(cr));
      acc[r][1] = add(acc[r][1], load(cr + W));
    }
    store(cr, acc[r][0]);
    store(cr + W, acc[r][1]);
  }
}

// The same for an edge tile: only mr x nr of C is written (A rows beyond mr are read from
// row 0 and thrown away).
inline void tile_edge(int kc, const float* a, int lda, const float* bp, float* c, int ldc, bool accumulate,
                      int mr, int nr) {
  float buf[MR * NR];
  const float* rows[MR];
  for (int r = 0; r < MR; r++) rows[r] = a + (r < mr ? r : 0) * lda;
  F acc[MR][2];
  for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = splat(0.0f);
  for (int t = 0; t < kc; t++) {
    const F b0 = load(bp + t * NR), b1 = load(bp + t * NR + W);
    for (int r = 0; r < MR; r++) {
      F x = bcast(rows[r] + t);
      acc[r][0] = madd(x, b0, acc[r][0]);
      acc[r][1] = madd(x, b1, acc[r][1]);
    }
  }
  for (int r = 0; r < MR; r++) {
    store(buf + r * NR, acc[r][0]);
    store(buf + r * NR + W, acc[r][1]);
  }
  for (int r = 0; r < mr; r++)
    for (int j = 0; j < nr; j++) c[r * ldc + j] = buf[r * NR + j] + (accumulate ? c[r * ldc + j] : 0.0f);
}

// Pack columns [j0, j0 + nc) x rows [t0, t0 + kc) of B (k, n) row-major into panels of NR columns:
// panel p is (kc, NR) contiguous; columns past nc are zero.
inline void pack_b(const float* B, int ldb, int t0, int kc, int j0, int nc, float* out) {
  for (int p = 0; p < nc; p += NR) {
    const int w = std::min(NR, nc - p);
    for (int t = 0; t < kc; t++) {
      const float* src = B + size_t(t0 + t) * ldb + j0 + p;
      float* dst = out + size_t(p) * kc + size_t(t) * NR;
      std::memcpy(dst, src, size_t(w) * sizeof(float));
      for (int j = w; j < NR; j++) dst[j] = 0.0f;
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
