// flash.cpp: the fused attention forward for long sequences. Scores are made one (BR, BC) tile
// at a time, folded into a running softmax (max m, sum l, output O rescaled when m grows), and
// thrown away: memory stays O(n d) instead of O(n^2). Blocks the mask hides are never computed.
#include "kernels/expect.h"
#include <cmath>
#include <limits>
#include "kernels/kernels.h"
#include "kernels/microkernel.h"

namespace attn::kern {

using namespace attn::micro;

namespace {
constexpr int BR = 8 * MR;   // query rows per block (40 in wasm, 48 with AVX2)
// keys per block, a multiple of NR. (BR, BC) scores are 40-48 KB, more than L1, yet 256 measured
// 1-5 % faster than 128 in wasm (the softmax's per-row work, a horizontal max and sum and the
// rescale, is paid once per 256 keys) and the same natively.
constexpr int BC = 256;
constexpr int KCH = 2 * BC;  // keys per chunk: its K and V panels (256 KB at d = 64) stay in L2
}  // namespace

// Loop order: chunks of keys outside, query blocks inside. Every query block then reads the
// chunk's K and V from L2; with query blocks outside, each block would stream all of K and V
// from memory (2 MB at n = 4096, once per 40 queries). The running max, sum and output of every
// query live in the workspace between chunks: O(n d).
int attention_row_block() { return BR; }

void attention(int n_q, int n_k, int dk, int dv, const float* Q, int ldq, const float* K, int ldk,
               const float* V, int ldv, float scale, MaskRule mask, float* O, int ldo, float* lse,
               Workspace* ws) {
  ATTN_EXPECT(n_q >= 0 && n_k >= 0 && dk > 0 && dv > 0 && ldq >= dk && ldk >= dk && ldv >= dv && ldo >= dv && ws);
  attention_rows(0, n_q, n_k, dk, dv, Q, ldq, K, ldk, V, ldv, scale, mask, O, ldo, lse, false, ws);
}

// Rows [r0, r1) are a whole attention call of their own over r1 - r0 queries placed at r0 (the
// mask's offset moves with them), except that K and V may already be packed: they sit first in
// the workspace, and growing the workspace keeps them.
void attention_rows(int r0, int r1, int n_k, int dk, int dv, const float* Q, int ldq, const float* K, int ldk,
                    const float* V, int ldv, float scale, MaskRule mask, float* O, int ldo, float* lse,
                    bool reuse_kv, Workspace* ws) {
  const float ninf = -std::numeric_limits<float>::infinity();
  const int n_q = r1 - r0;
  if (n_q <= 0) return;
  Q += size_t(r0) * ldq;
  O += size_t(r0) * ldo;
  lse += r0;
  mask.offset += r0;
  const int nk_pad = round_up(std::max(n_k, 1), NR), dv_pad = round_up(std::max(dv, 1), NR);
  const int nq_pad = round_up(n_q, BR);
  // workspace layout, all O(n d): Kp (nk_pad, dk) in NR-key panels | Vp (dv_pad/NR panels of
  // (nk_pad, NR)) | Qs (nq_pad, dk) scaled queries | Oacc (nq_pad, dv_pad) | m, l (nq_pad) | S (BR, BC)
  const size_t kp_n = size_t(nk_pad) * dk, vp_n = size_t(nk_pad) * dv_pad;
  float* base = ws->get(kp_n + vp_n + size_t(nq_pad) * (dk + dv_pad + 2) + size_t(BR) * BC);
  float* Kp = base;
  float* Vp = Kp + kp_n;
  float* Qs = Vp + vp_n;
  float* Oacc = Qs + size_t(nq_pad) * dk;
  float* m = Oacc + size_t(nq_pad) * dv_pad;
  float* l = m + nq_pad;
  float* S = l + nq_pad;

  // pack K^T into panels of NR keys, and V into panels of NR columns (zero padding throughout)
  if (n_k > 0 && !reuse_kv) pack_bt(K, ldk, 0, dk, 0, n_k, Kp);  // keys past n_k come out as zero columns
  for (int c0 = 0; c0 < dv_pad && !reuse_kv; c0 += NR) {
    float* panel = Vp + size_t(c0) * nk_pad;
    const int w = std::max(0, std::min(NR, dv - c0));
    for (int j = 0; j < nk_pad; j++)
      for (int c = 0; c < NR; c++) panel[size_t(j) * NR + c] = (j < n_k && c < w) ? V[size_t(j) * ldv + c0 + c] : 0.0f;
  }
  // scaled queries, padded with zero rows (their results are discarded); running state. Scores,
  // m and the exponentials are in base 2 (log2 e folded into the scale): 2^x is cheaper than e^x.
  const float scale2 = scale * 1.44269504088896341f;
  for (int i = 0; i < nq_pad; i++) {
    for (int t = 0; t < dk; t++) Qs[size_t(i) * dk + t] = i < n_q ? Q[size_t(i) * ldq + t] * scale2 : 0.0f;
    m[i] = ninf;
    l[i] = 0.0f;
  }
  std::fill(Oacc, Oacc + size_t(nq_pad) * dv_pad, 0.0f);

  for (int k0 = 0; k0 < n_k; k0 += KCH) {
    const int k1 = std::min(n_k, k0 + KCH);
    for (int i0 = 0; i0 < n_q; i0 += BR) {
      const int rows = std::min(BR, n_q - i0);
      // keys any row of this block may see; for causal and window masks the ranges are monotone
      int lo = n_k, hi = 0, lo_all = 0, hi_all = n_k;
      for (int r : {0, rows - 1}) {
        int a, b;
        mask.range(i0 + r, n_k, &a, &b);
        lo = std::min(lo, a);
        hi = std::max(hi, b);
        lo_all = std::max(lo_all, a);  // keys every row sees: [lo_all, hi_all)
        hi_all = std::min(hi_all, b);
      }
      lo = std::max(lo, k0);
      hi = std::min(hi, k1);
      if (lo >= hi) continue;  // the mask hides this whole chunk from this block: skipped
      const float* qs = Qs + size_t(i0) * dk;
      float* ob = Oacc + size_t(i0) * dv_pad;
      for (int j0 = lo / NR * NR; j0 < hi; j0 += BC) {
        const int bc = std::min(BC, round_up(hi - j0, NR));  // keys in this block, NR-padded
        // pass 1: S = Qs . K^T for the block (tiles of MR rows x NR keys)
        for (int ir = 0; ir < BR; ir += MR)
          for (int jr = 0; jr < bc; jr += NR)
            tile(dk, qs + size_t(ir) * dk, dk, Kp + size_t(j0 + jr) * dk, S + size_t(ir) * BC + jr, BC, false);
        // pass 2: mask cells outside each row's range (only on blocks the mask cuts through)
        if (j0 < lo_all || j0 + bc > hi_all)
          for (int r = 0; r < rows; r++) {
            int a, b;
            mask.range(i0 + r, n_k, &a, &b);
            float* s = S + size_t(r) * BC;
            for (int c = 0; c < bc; c++)
              if (j0 + c < a || j0 + c >= b) s[c] = ninf;
          }
        // pass 3: online softmax. New max -> rescale what was summed so far by e^(m_old - m_new).
        for (int r = 0; r < rows; r++) {
          float* s = S + size_t(r) * BC;
          float& mr = m[i0 + r];
          F vm = splat(ninf);
          for (int c = 0; c < bc; c += W) vm = simd::max(vm, load(s + c));
          const float mx = hmax(vm);
          if (mx == ninf) {  // nothing visible in this block for this row
            for (int c = 0; c < bc; c++) s[c] = 0.0f;
            continue;
          }
          const float m_new = std::max(mr, mx);
          const F vnew = splat(m_new);
          F vs = splat(0.0f);
          for (int c = 0; c < bc; c += W) {
            F e = simd::exp2_nonpos(sub(load(s + c), vnew));
            store(s + c, e);
            vs = add(vs, e);
          }
          const float alpha = mr == ninf ? 0.0f : std::exp2(mr - m_new);
          l[i0 + r] = l[i0 + r] * alpha + hsum(vs);
          mr = m_new;
          if (alpha != 1.0f) {
            float* o = ob + size_t(r) * dv_pad;
            const F va = splat(alpha);
            for (int c = 0; c < dv_pad; c += W) store(o + c, mul(load(o + c), va));
          }
        }
        for (int r = rows; r < BR; r++) std::fill(S + size_t(r) * BC, S + size_t(r) * BC + bc, 0.0f);
        // pass 4: O += P . V for the block
        for (int ir = 0; ir < BR; ir += MR)
          for (int c0 = 0; c0 < dv_pad; c0 += NR)
            tile(bc, S + size_t(ir) * BC, BC, Vp + size_t(c0) * nk_pad + size_t(j0) * NR, ob + size_t(ir) * dv_pad + c0,
                 dv_pad, true);
      }
    }
  }
  // pass 5: O = Oacc / l, lse = m + log l (m back from base 2 to natural units)
  for (int i = 0; i < n_q; i++) {
    const float inv = l[i] > 0 ? 1.0f / l[i] : 0.0f;
    for (int c = 0; c < dv; c++) O[size_t(i) * ldo + c] = Oacc[size_t(i) * dv_pad + c] * inv;
    lse[i] = l[i] > 0 ? m[i] * 0.693147180559945309f + std::log(l[i]) : ninf;
  }
}

void weights_tile(int i0, int rows, int j0, int cols, int istep, int jstep, int dk, const float* Q, int ldq,
                  const float* K, int ldk, const float* lse, float scale, MaskRule mask, float* out) {
  for (int r = 0; r < rows; r++) {
    const int i = i0 + r * istep;
    const float* q = Q + size_t(i) * ldq;
    for (int c = 0; c < cols; c++) {
      const int j = j0 + c * jstep;
      float w = 0.0f;
      if (mask.allowed(i, j) && lse[i] != -std::numeric_limits<float>::infinity()) {
        const float* k = K + size_t(j) * ldk;
        F acc = splat(0.0f);
        int t = 0;
        for (; t + W <= dk; t += W) acc = madd(load(q + t), load(k + t), acc);
        float s = hsum(acc);
        for (; t < dk; t++) s += q[t] * k[t];  // leftovers
        w = std::exp(s * scale - lse[i]);
      }
      out[size_t(r) * cols + c] = w;
    }
  }
}

}  // namespace attn::kern
