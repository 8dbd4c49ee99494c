// gemm.cpp: blocked matrix products (GotoBLAS loop order) and the row kernels: exp, softmax.
// B is packed once per (KC x NC) block into NR-wide panels that stay in L1 while the tile
// kernel sweeps the rows of A.
#include "kernels/expect.h"
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>
#include "kernels/kernels.h"
#include "kernels/microkernel.h"

namespace attn::kern {

using namespace attn::micro;

namespace {

constexpr int KC = 256;  // depth of a packed block: an NR panel is KC * NR * 4 bytes (8 KB in wasm)
constexpr int NC = 512;  // width of a packed B block: KC * NC * 4 = 512 KB, about L2
constexpr int MC = 16 * MR;  // rows of a packed A block (64 or 96): MC * KC * 4 <= 96 KB, in L2

thread_local std::vector<float> packed_b, packed_a;

// shared driver: pack(B, ..., out) lays out a (kc, nc) block of B or of B^T. A is copied block by
// block into contiguous rows (lda = kc), so the tile reads MR short sequential streams from L2
// instead of MR rows that lie a whole matrix row apart. With kTransA, A is given as A^T (k, m): the
// tile reads MR contiguous floats of each row of it in place (a whole panel's rows lie in one or two
// cache lines per depth step), and only a last, partial panel is packed, zero-padded, into (kc, MR).
template <bool kTransA = false, typename Pack>
void blocked(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
             bool accumulate, Pack pack) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {  // empty sum: C = 0 (or unchanged)
    if (!accumulate)
      for (int i = 0; i < m; i++) std::fill(C + size_t(i) * ldc, C + size_t(i) * ldc + n, 0.0f);
    return;
  }
  packed_b.resize(size_t(KC) * round_up(std::min(n, NC), NR));
  packed_a.resize(size_t(KC) * MC);  // rows past m are zeroed below: edge tiles read MR rows
  for (int jc = 0; jc < n; jc += NC) {
    const int nc = std::min(NC, n - jc);
    for (int pc = 0; pc < k; pc += KC) {
      const int kc = std::min(KC, k - pc);
      const bool acc = accumulate || pc > 0;
      pack(B, ldb, pc, kc, jc, nc, packed_b.data());
      for (int ic = 0; ic < m; ic += MC) {
        const int mc = std::min(MC, m - ic);
        if constexpr (kTransA) {
          if (const int ir = mc / MR * MR; ir < mc) {  // the partial panel
            const float* src = A + size_t(pc) * lda + ic + ir;
            for (int t = 0; t < kc; t++, src += lda)
              for (int r = 0; r < MR; r++) packed_a[size_t(t) * MR + r] = ir + r < mc ? src[r] : 0.0f;
          }
        } else {
          for (int i = 0; i < mc; i++)
            std::copy(A + size_t(ic + i) * lda + pc, A + size_t(ic + i) * lda + pc + kc, packed_a.data() + size_t(i) * kc);
          for (int i = mc; i < round_up(mc, MR); i++) std::fill_n(packed_a.data() + size_t(i) * kc, kc, 0.0f);
        }
        for (int jr = 0; jr < nc; jr += NR) {
          const float* bp = packed_b.data() + size_t(jr) * kc;
          const int nr = std::min(NR, nc - jr);
          for (int ir = 0; ir < mc; ir += MR) {
            float* c = C + size_t(ic + ir) * ldc + jc + jr;
            const int mr = std::min(MR, mc - ir);
            // A's panel: packed rows (lda kc); kTransA: in place (depth steps lda apart), or packed
            const float* a = !kTransA ? packed_a.data() + size_t(ir) * kc : mr == MR ? A + size_t(pc) * lda + ic + ir : packed_a.data();
            const int ld = !kTransA ? kc : mr == MR ? lda : MR;
            if (mr == MR && nr == NR) tile<kTransA>(kc, a, ld, bp, c, ldc, acc);
            else tile_edge<kTransA>(kc, a, ld, bp, c, ldc, acc, mr, nr);
          }
        }
      }
    }
  }
}

}  // namespace

const char* backend() { return simd::name(); }
bool simd_active() { return simd::kVector; }
bool fused_madd() {
  // 1 + 2^-23 squared is 1 + 2^-22 + 2^-46: only a fused multiply-add keeps the 2^-46 (see the test).
  // volatile: computed at run time, by the instruction the engine chose, not folded by the compiler
  volatile float a = 1.0f + 1.0f / 8388608.0f, c = -(1.0f + 1.0f / 4194304.0f);
  float out[simd::W];
  simd::store(out, simd::madd(simd::splat(a), simd::splat(a), simd::splat(c)));
  return out[0] != 0.0f;
}

void gemm(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
          bool accumulate) {
  ATTN_EXPECT(m >= 0 && n >= 0 && k >= 0 && lda >= k && ldb >= n && ldc >= n);
  ATTN_EXPECT((m == 0 || n == 0) || (C && (k == 0 || (A && B))));
  blocked(m, n, k, A, lda, B, ldb, C, ldc, accumulate, pack_b);
}

void gemv(int n, int k, const float* x, const float* B, int ldb, float* y) {
  // The same sums in the same order as gemm's tile: per KC block from zero, k ascending, with
  // madd (FMA natively, mul then add in wasm), the block's sum then added to what y holds. So a
  // row redone alone has the very bits of that row in a full product. B is streamed row by row.
  if (n <= 0) return;
  if (k <= 0) { std::fill(y, y + n, 0.0f); return; }
  thread_local std::vector<float> part;
  part.resize(size_t(round_up(n, W)));
  const int nv = n / W * W;
  for (int pc = 0; pc < k; pc += KC) {
    const int kc = std::min(KC, k - pc);
    std::fill(part.begin(), part.end(), 0.0f);
    for (int t = pc; t < pc + kc; t++) {
      const F xb = bcast(x + t);
      const float* b = B + size_t(t) * ldb;
      for (int j = 0; j < nv; j += W) store(part.data() + j, madd(xb, load(b + j), load(part.data() + j)));
      if (nv < n) {  // last columns: a padded vector, so they get the same arithmetic
        alignas(32) float tail[W] = {};
        std::copy(b + nv, b + n, tail);
        store(part.data() + nv, madd(xb, load(tail), load(part.data() + nv)));
      }
    }
    for (int j = 0; j < n; j++) y[j] = pc > 0 ? part[size_t(j)] + y[j] : part[size_t(j)];
  }
}

void gemv_t(int n, int k, const float* x, const float* B, int ldb, float* y) {
  ATTN_EXPECT(n >= 0 && k >= 0 && ldb >= k && (n == 0 || (y && (k == 0 || (x && B)))));
  const int kv = k / W * W;
  // four rows at a time, each x vector loaded once for the four: the loop streams B
  auto tail = [&](const float* b, int j0) {
    float t = 0;
    for (int p = j0; p < k; p++) t += x[p] * b[p];
    return t;
  };
  auto sum = [](F v) {
    alignas(32) float l[W];
    store(l, v);
    float t = 0;
    for (int i = 0; i < W; i++) t += l[i];
    return t;
  };
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    const float *b0 = B + size_t(j) * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;
    F s0 = splat(0), s1 = splat(0), s2 = splat(0), s3 = splat(0);
    for (int p = 0; p < kv; p += W) {
      const F xv = load(x + p);
      s0 = madd(xv, load(b0 + p), s0);
      s1 = madd(xv, load(b1 + p), s1);
      s2 = madd(xv, load(b2 + p), s2);
      s3 = madd(xv, load(b3 + p), s3);
    }
    y[j] = sum(s0) + tail(b0, kv);
    y[j + 1] = sum(s1) + tail(b1, kv);
    y[j + 2] = sum(s2) + tail(b2, kv);
    y[j + 3] = sum(s3) + tail(b3, kv);
  }
  for (; j < n; j++) {
    const float* b = B + size_t(j) * ldb;
    F s0 = splat(0);
    for (int p = 0; p < kv; p += W) s0 = madd(load(x + p), load(b + p), s0);
    y[j] = sum(s0) + tail(b, kv);
  }
}

void gemm_tn(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
             bool accumulate) {
  ATTN_EXPECT(m >= 0 && n >= 0 && k >= 0 && lda >= m && ldb >= n && ldc >= n);  // A is (k, m), read transposed
  blocked<true>(m, n, k, A, lda, B, ldb, C, ldc, accumulate, pack_b);
}

void gemm_nt(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
             float alpha) {
  ATTN_EXPECT(m >= 0 && n >= 0 && k >= 0 && lda >= k && ldb >= k && ldc >= n);  // B is (n, k), read transposed
  blocked(m, n, k, A, lda, B, ldb, C, ldc, false, pack_bt);
  if (alpha != 1.0f)
    for (int i = 0; i < m; i++) scale(C + size_t(i) * ldc, alpha, C + size_t(i) * ldc, size_t(n));
}

void exp(const float* x, float* y, int n) {
  ATTN_EXPECT(n >= 0 && (n == 0 || (x && y)));
  int i = 0;
  for (; i + W <= n; i += W) store(y + i, simd::exp(load(x + i)));
  // leftovers: one padded vector, so the tail gets the same rounding as the body
  if (i < n) {
    float in[W], out[W];
    for (int j = 0; j < W; j++) in[j] = i + j < n ? x[i + j] : 0.0f;
    store(out, simd::exp(load(in)));
    for (int j = 0; i + j < n; j++) y[i + j] = out[j];
  }
}

void copy(const float* x, float* y, size_t n) {
  size_t i = 0;
  for (; i + W <= n; i += W) store(y + i, load(x + i));
  for (; i < n; i++) y[i] = x[i];  // leftovers
}

void scale(const float* x, float a, float* y, size_t n) {
  const F va = splat(a);
  size_t i = 0;
  for (; i + W <= n; i += W) store(y + i, mul(load(x + i), va));
  for (; i < n; i++) y[i] = a * x[i];  // leftovers
}

void row_moments(const float* x, const float* w, int n, double* wx, int* nonzero, float* max_w) {
  const F zero = splat(0.0f), one = splat(1.0f);
  F acc = zero, cnt = zero, mx = zero;
  int j = 0;
  for (; j + W <= n; j += W) {
    const F wv = load(w + j);
    const I pos = gt(wv, zero);
    acc = madd(wv, keep(load(x + j), pos), acc);  // masked x = -inf has w = 0: kept out, never 0 * inf
    cnt = add(cnt, keep(one, pos));
    mx = simd::max(mx, wv);
  }
  double s = hsum(acc);
  float c = hsum(cnt), m = hmax(mx);
  for (; j < n; j++)  // leftovers
    if (w[j] > 0) {
      s += double(w[j]) * x[j];
      c += 1;
      m = std::max(m, w[j]);
    }
  *wx = s;
  *nonzero = int(c);
  *max_w = m;
}

// x - x is 0 for every finite x and NaN for +-inf and NaN
bool all_finite(const float* x, size_t n) {
  size_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W)
    if (!all_zero_diff(add(add(load(x + i), load(x + i + W)), add(load(x + i + 2 * W), load(x + i + 3 * W)))) &&
        !(all_zero_diff(load(x + i)) && all_zero_diff(load(x + i + W)) && all_zero_diff(load(x + i + 2 * W)) &&
          all_zero_diff(load(x + i + 3 * W))))
      return false;
  for (; i < n; i++)  // leftovers
    if (!(x[i] - x[i] == 0.0f)) return false;
  return true;
}

bool same_bits(const float* a, const float* b, size_t n) {
  size_t i = 0;
  for (; i + W <= n; i += W)
    if (!all_eq(load(a + i), load(b + i))) return false;
  return i == n || std::memcmp(a + i, b + i, (n - i) * sizeof(float)) == 0;  // leftovers
}

float softmax_row(const float* x, float* w, int n, float* sum_out, float beta) {
  // pass 1: row max
  const float ninf = -std::numeric_limits<float>::infinity();
  F vm = splat(ninf);
  int j = 0;
  for (; j + W <= n; j += W) vm = simd::max(vm, load(x + j));
  float m = hmax(vm);
  for (; j < n; j++) m = x[j] > m ? x[j] : m;
  if (m == ninf) {  // every key masked: zero weights, never NaN
    for (j = 0; j < n; j++) w[j] = 0.0f;
    if (sum_out) *sum_out = 0.0f;
    return m;
  }
  // pass 2: e^(x - max) and the sum (the shift keeps every exponent <= 0)
  F vs = splat(0.0f);
  // (x - max) * beta: multiplying by beta = 1 is exact, so T = 1 keeps the bits of no multiply
  const F vmax = splat(m), vbeta = splat(beta);
  for (j = 0; j + W <= n; j += W) {
    F e = simd::exp(mul(sub(load(x + j), vmax), vbeta));
    store(w + j, e);
    vs = add(vs, e);
  }
  float s = hsum(vs);
  for (; j < n; j++) s += (w[j] = std::exp((x[j] - m) * beta));  // leftovers
  // pass 3: normalize
  const F inv = splat(1.0f / s);
  for (j = 0; j + W <= n; j += W) store(w + j, mul(load(w + j), inv));
  for (; j < n; j++) w[j] *= 1.0f / s;
  if (sum_out) *sum_out = s;
  return m;
}

}  // namespace attn::kern
