// flash_backward.cpp: the fused attention backward (FlashAttention-2, Dao 2023, algorithm 2). The
// weights are recomputed tile by tile from Q, K and each row's log-sum-exp, used for the three
// gradients and thrown away: no (n_q, n_k) matrix is ever stored, extra memory is O(n d + tile^2).
//   P  = exp(scale Q_i K_j^T - lse_i)      (masked: 0)          (BQ, BK)
//   dV_j += P^T dO_i                                            (BK, dv)
//   dP = dO_i V_j^T                                             (BQ, BK)
//   dS = P o (dP - D_i),  D = rowsum(dO o O)                    (BQ, BK)
//   dQ_i += scale dS K_j,  dK_j += scale dS^T Q_i               (BQ, dk), (BK, dk)
// Loop order as in FlashAttention-2: key blocks outside (dK_j, dV_j stay in the workspace until the
// block is done), query blocks inside (dQ accumulates in place). Blocks the mask hides are skipped.
#include "kernels/expect.h"
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include "kernels/kernels.h"

namespace attn::kern {

namespace {
// Tile sizes, measured natively at n = 256, 1024, 4096 (ms; noise about 10 %): 64 x 64 0.57, 11.2, 199;
// 128 x 128 0.66, 11.5, 178; 96 x 256 0.55, 9-11, 139-145; 192 x 256 0.55, 8.8, 146. Larger tiles pay
// the products' packing over more work.
constexpr int BQ = 96;   // query rows per tile
constexpr int BK = 256;  // keys per tile
}  // namespace

void attention_backward(int n_q, int n_k, int dk, int dv, const float* Q, int ldq, const float* K, int ldk,
                        const float* V, int ldv, const float* O, int ldo, const float* dO, int lddo,
                        const float* lse, float scale, MaskRule mask, float* dQ, int lddq, float* dK, int lddk,
                        float* dV, int lddv, Workspace* ws) {
  ATTN_EXPECT(n_q >= 0 && n_k >= 0 && dk > 0 && dv > 0 && ldq >= dk && ldk >= dk && ldv >= dv && ldo >= dv && lddo >= dv);
  ATTN_EXPECT(lddq >= dk && lddk >= dk && lddv >= dv && lse && ws);
  const float ninf = -std::numeric_limits<float>::infinity();
  for (int i = 0; i < n_q; i++) std::fill(dQ + size_t(i) * lddq, dQ + size_t(i) * lddq + dk, 0.0f);
  // workspace: D (n_q) | lo, hi per row (2 n_q, as floats) | P, dP (BQ, BK) | dKj (BK, dk) | dVj (BK, dv)
  float* D = ws->get(size_t(n_q) * 3 + size_t(BQ) * BK * 2 + size_t(BK) * (dk + dv));
  float* lo_hi = D + n_q;
  float* P = lo_hi + 2 * size_t(n_q);
  float* dP = P + BQ * BK;
  float* dKj = dP + BQ * BK;
  float* dVj = dKj + size_t(BK) * dk;
  for (int i = 0; i < n_q; i++) {
    double s = 0;  // (one dot product per row: double costs nothing here and keeps D exact to float)
    for (int c = 0; c < dv; c++) s += double(dO[size_t(i) * lddo + c]) * O[size_t(i) * ldo + c];
    D[i] = float(s);
    int lo, hi;
    mask.range(i, n_k, &lo, &hi);
    if (lse[i] == ninf) lo = hi = 0;  // a row with no allowed key: no weights, no gradient
    lo_hi[2 * i] = float(lo);
    lo_hi[2 * i + 1] = float(hi);
  }
  for (int j0 = 0; j0 < n_k; j0 += BK) {
    const int bk = std::min(BK, n_k - j0);
    std::fill(dKj, dKj + size_t(bk) * dk, 0.0f);
    std::fill(dVj, dVj + size_t(bk) * dv, 0.0f);
    bool any_block = false;
    for (int i0 = 0; i0 < n_q; i0 += BQ) {
      const int bq = std::min(BQ, n_q - i0);
      bool any = false;  // does any row of this block see a key of this block?
      for (int r = 0; r < bq && !any; r++) any = int(lo_hi[2 * (i0 + r)]) < j0 + bk && int(lo_hi[2 * (i0 + r) + 1]) > j0;
      if (!any) continue;
      any_block = true;
      const float* Qi = Q + size_t(i0) * ldq;
      const float* dOi = dO + size_t(i0) * lddo;
      // P = exp(scale Q_i K_j^T - lse), 0 outside each row's allowed keys
      gemm_nt(bq, bk, dk, Qi, ldq, K + size_t(j0) * ldk, ldk, P, BK, scale);
      for (int r = 0; r < bq; r++) {
        float* p = P + r * BK;
        const int lo = std::max(0, int(lo_hi[2 * (i0 + r)]) - j0), hi = std::min(bk, int(lo_hi[2 * (i0 + r) + 1]) - j0);
        const float l = lse[i0 + r];
        for (int c = 0; c < bk; c++) p[c] = c >= lo && c < hi ? p[c] - l : ninf;
        exp(p, p, bk);
      }
      // dV_j += P^T dO_i (gemm_tn reads P^T in place)
      gemm_tn(bk, dv, bq, P, BK, dOi, lddo, dVj, dv, true);
      // dP = dO_i V_j^T, then dS = scale P o (dP - D) (in dP)
      gemm_nt(bq, bk, dv, dOi, lddo, V + size_t(j0) * ldv, ldv, dP, BK);
      for (int r = 0; r < bq; r++) {
        const float d = D[i0 + r];
        for (int c = 0; c < bk; c++) dP[r * BK + c] = scale * P[r * BK + c] * (dP[r * BK + c] - d);
      }
      // dQ_i += dS K_j, dK_j += dS^T Q_i
      gemm(bq, dk, bk, dP, BK, K + size_t(j0) * ldk, ldk, dQ + size_t(i0) * lddq, lddq, true);
      gemm_tn(bk, dk, bq, dP, BK, Qi, ldq, dKj, dk, true);
    }
    for (int c = 0; c < bk; c++) {
      float* dk_row = dK + size_t(j0 + c) * lddk;
      float* dv_row = dV + size_t(j0 + c) * lddv;
      if (any_block) {
        std::memcpy(dk_row, dKj + size_t(c) * dk, sizeof(float) * size_t(dk));
        std::memcpy(dv_row, dVj + size_t(c) * dv, sizeof(float) * size_t(dv));
      } else {
        std::fill(dk_row, dk_row + dk, 0.0f);
        std::fill(dv_row, dv_row + dv, 0.0f);
      }
    }
  }
}

}  // namespace attn::kern
