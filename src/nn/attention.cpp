// attention.cpp: the attention layer, forward and backward: projections (with or without biases,
// grouped-query K and V), RoPE in either layout, scores with ALiBi, the mask (causal, a sliding
// window, a KV cache's offset), the normalizer, dropout, the weighted sum and the output projection.
// Sections: the mask and where a head sits | forward | backward
#include <algorithm>
#include <cmath>
#include <type_traits>
#include "core/normalize.h"
#include "core/norms.h"
#include "core/rng.h"
#include "kernels/expect.h"
#include "nn/layers.h"
#include "nn/ops.h"

namespace attn::nn {

// ---------------------------------------------------------------- the mask and where a head sits

namespace {

// the keys [lo, hi) query row i (at position pos0 + i) may see, among n_k
void key_range(const AttentionSpec& s, int i, int pos0, int n_k, int* lo, int* hi) {
  const int p = pos0 + i;
  *lo = 0;
  *hi = s.causal ? std::min(n_k, p + 1) : n_k;
  if (s.causal && s.window > 0) *lo = std::max(0, p - s.window + 1);
}

MaskRule fused_mask(const AttentionSpec& s) {
  MaskRule r;
  r.kind = s.causal ? MaskRule::Causal : MaskRule::None;
  return r;
}

// Where query head hh (reading KV head g) of sequence b starts: in Q and O (rows of H dh), in K
// and V (rows of H_kv dh, n_k of them per sequence), and its (T, n_k) block of weights.
struct HeadAt {
  size_t q, kv, p;
  HeadAt(const AttentionSpec& s, int b, int hh, int T, int n_k)
      : q(size_t(b) * T * s.q_width() + size_t(hh) * s.d_head),
        kv(size_t(b) * n_k * s.kv_width() +
           size_t(s.kv_map == AttentionSpec::KvMap::Repeat ? hh / (s.heads / s.kv_heads) : hh % s.kv_heads) * s.d_head),
        p((size_t(b) * s.heads + hh) * T * n_k) {}
};

// dropout's kept cells for (seed, layer, batch row, head): a stream per (l, b, h) so that the
// pattern does not depend on how the work is split
uint64_t dropout_stream(uint64_t seed, int l, int b, int h) {
  return seed ^ (uint64_t(l + 1) * 0x9E3779B97F4A7C15ull) ^ (uint64_t(b + 1) * 0xC2B2AE3D27D4EB4Full) ^
         (uint64_t(h + 1) * 0x165667B19E3779F9ull);
}

template <class S>
void rope_rows(const AttentionSpec& s, int B, int T, int pos0, S* x, int heads, bool inverse) {
  const int width = heads * s.d_head;
  for (int n = 0; n < B * T; n++)
    rope_row(x + size_t(n) * width, heads, s.d_head, pos0 + n % T, inverse, s.rope, s.rope_theta,
             s.rope_freqs.empty() ? nullptr : s.rope_freqs.data());
}

}  // namespace

bool fused_applies(const AttentionSpec& s, int T, int pos0, bool is_float, bool dropout, bool record_scores) {
  return is_float && T >= kFusedT && pos0 == 0 && s.window == 0 && s.norm == Normalizer::Softmax &&
         s.pos != PosEnc::Alibi && !dropout && !record_scores;
}

// ---------------------------------------------------------------- forward

template <class S>
void attention_forward(const AttentionSpec& s, int B, int T, int pos0, int d, const S* a,
                       const AttentionWeights<const S>& W, const AttentionRun& run, AttentionCache<S>* c, S* h,
                       AttentionWork<S>* w) {
  const int N = B * T, H = s.heads, dh = s.d_head, dq = s.q_width(), dkv = s.kv_width(), n_k = pos0 + T;
  (void)d;  // the model's width: in the entry checks only
  ATTN_EXPECT(H > 0 && s.kv_heads > 0 && H % s.kv_heads == 0 && (pos0 == 0 || B == 1));
  ATTN_EXPECT(pos0 == 0 || c->k.size() == size_t(pos0) * dkv);
  ATTN_EXPECT(W.q.out == dq && W.k.out == dkv && W.v.out == dkv && W.o.in == dq && W.o.out == d);
  const S keep_scale = run.dropout ? S(1) / (S(1) - S(s.dropout)) : S(1);
  const std::vector<double> slopes = s.pos == PosEnc::Alibi ? alibi_slopes(H) : std::vector<double>();
  std::vector<S>& tmp = w->tmp;
  // Q (N, H dh); K, V: the new rows after the pos0 cached ones, (B, n_k, H_kv dh)
  c->q.resize(size_t(N) * dq);
  c->k.resize(size_t(B) * n_k * dkv);
  c->v.resize(size_t(B) * n_k * dkv);
  S* k_new = c->k.data() + size_t(pos0) * dkv;
  S* v_new = c->v.data() + size_t(pos0) * dkv;
  linear_forward(N, a, W.q, c->q.data(), false, &tmp);
  linear_forward(N, a, W.k, k_new, false, &tmp);
  linear_forward(N, a, W.v, v_new, false, &tmp);
  if (s.qk_norm_eps >= 0) {  // Qwen3: every head's q and k RMS-normalized over its dh, before the rotation
    ATTN_EXPECT(W.q_norm && W.k_norm);
    tmp.resize(size_t(N) * H);  // each head row's 1/rms (not kept: inference only)
    rms_norm(N * H, dh, c->q.data(), W.q_norm, tmp.data(), c->q.data(), s.qk_norm_eps);
    rms_norm(N * s.kv_heads, dh, k_new, W.k_norm, tmp.data(), k_new, s.qk_norm_eps);
  }
  if (s.pos == PosEnc::Rope) {  // rotate Q and the new K by each row's position
    rope_rows(s, B, T, pos0, c->q.data(), H, false);
    rope_rows(s, B, T, pos0, k_new, s.kv_heads, false);
  }
  // per sequence and head: z = (scale q·k + bias) / temperature over the allowed keys; p = normalize(z)
  // (B, H, T, n_k); dropout; o = p · v. Fused: o and each row's log-sum-exp straight from q, k, v
  // (softmax(alpha q·k), alpha = scale / temperature), no (T, n_k) matrix kept.
  c->o.resize(size_t(N) * dq);
  if (run.fused) {
    ATTN_EXPECT((fused_applies(s, T, pos0, std::is_same_v<S, float>, run.dropout, run.max_abs_score != nullptr)));
    if constexpr (std::is_same_v<S, float>) {
      c->p.clear();
      c->keep.clear();
      c->lse.resize(size_t(B) * H * T);
      const float alpha = s.scale / s.temperature;
      for (int b = 0; b < B; b++)
        for (int hh = 0; hh < H; hh++) {
          const HeadAt at(s, b, hh, T, n_k);
          kern::attention(T, n_k, dh, dh, c->q.data() + at.q, dq, c->k.data() + at.kv, dkv, c->v.data() + at.kv, dkv,
                          alpha, fused_mask(s), c->o.data() + at.q, dq, c->lse.data() + (size_t(b) * H + hh) * T,
                          &w->flash);
        }
    }
  } else {
    std::vector<S>& att = w->att;
    att.resize(size_t(T) * n_k);
    std::vector<double> tz, tp;
    c->lse.clear();
    c->p.assign(size_t(B) * H * T * n_k, S(0));
    if (run.dropout) c->keep.assign(size_t(B) * H * T * n_k, 1);
    else c->keep.clear();
    for (int b = 0; b < B; b++)
      for (int hh = 0; hh < H; hh++) {
        const HeadAt at(s, b, hh, T, n_k);
        const S* k = c->k.data() + at.kv;
        S* p = c->p.data() + at.p;
        mm_nt(T, n_k, dh, c->q.data() + at.q, dq, k, dkv, att.data(), n_k, false, &tmp);  // raw q·k (T, n_k)
        for (int i = 0; i < T; i++) {
          int lo, hi;
          key_range(s, i, pos0, n_k, &lo, &hi);
          S* z = att.data() + size_t(i) * n_k;
          for (int j = lo; j < hi; j++) {
            S v = z[j] * S(s.scale);
            if (!slopes.empty()) v += S(alibi_bias(slopes[size_t(hh)], i, j, pos0, s.causal));
            if (run.max_abs_score) {
              double& mx = run.max_abs_score[hh];
              mx = std::max(mx, double(S(std::fabs(double(v)))));
            }
            z[j] = v / S(s.temperature);
          }
          if (hi > lo) normalize_forward(s.norm, z + lo, hi - lo, p + size_t(i) * n_k + lo, &tz, &tp);
        }
        const S* weights = p;
        if (run.dropout) {
          uint8_t* keep = c->keep.data() + (size_t(b) * H + hh) * T * n_k;
          dropout_keep(dropout_stream(run.dropout_seed, run.layer, b, hh), s.dropout, size_t(T) * n_k, keep);
          for (size_t i = 0; i < size_t(T) * n_k; i++) att[i] = keep[i] ? p[i] * keep_scale : S(0);
          weights = att.data();
        }
        mm(T, dh, n_k, weights, n_k, c->v.data() + at.kv, dkv, c->o.data() + at.q, dq, false, &tmp);
      }
  }
  if (run.knocked_out)  // a knocked-out head adds nothing to the residual stream
    for (int hh = 0; hh < H; hh++)
      if (run.knocked_out[hh])
        for (int n = 0; n < N; n++) std::fill_n(c->o.data() + size_t(n) * dq + size_t(hh) * dh, dh, S(0));
  linear_forward(N, c->o.data(), W.o, h, true, &tmp);  // h += o W_o + b_o
}

// ---------------------------------------------------------------- backward

template <class S>
void attention_backward(const AttentionSpec& s, int B, int T, int d, const S* a, const S* dh,
                        const AttentionWeights<const S>& W, const AttentionCache<S>& c, float dropout,
                        const AttentionWeights<S>& G, S* da, AttentionWork<S>* w) {
  const int N = B * T, H = s.heads, dhd = s.d_head, dq = s.q_width(), dkv = s.kv_width();
  (void)d;
  const S alpha = S(s.scale) / S(s.temperature);
  const bool dropped = !c.keep.empty();
  const S keep_scale = dropped ? S(1) / (S(1) - S(dropout)) : S(1);
  ATTN_EXPECT(c.k.size() == size_t(N) * dkv);  // no KV cache: pos0 = 0
  ATTN_EXPECT(s.qk_norm_eps < 0);               // Qwen3's q/k norms are for running checkpoints, not training
  std::vector<S>&tmp = w->tmp, &dO = w->dO, &dQ = w->dq, &dK = w->dk, &dV = w->dv;
  dO.resize(size_t(N) * dq);
  dQ.resize(size_t(N) * dq);
  dK.assign(size_t(N) * dkv, S(0));
  dV.assign(size_t(N) * dkv, S(0));
  linear_backward(N, c.o.data(), dh, W.o, G.o, dO.data(), false, &tmp);  // dW_o = oᵀ dh, do = dh W_oᵀ
  if constexpr (std::is_same_v<S, float>) {
    if (!c.lse.empty()) {  // the forward ran fused: FlashAttention-2's backward from q, k, v, o, lse
      std::vector<float>& g = w->gkv;  // one query head's dK, dV (T, dh) each
      g.resize(size_t(2) * T * dhd);
      float *gk = g.data(), *gv = g.data() + size_t(T) * dhd;
      for (int b = 0; b < B; b++)
        for (int hh = 0; hh < H; hh++) {
          const HeadAt at(s, b, hh, T, T);
          kern::attention_backward(T, T, dhd, dhd, c.q.data() + at.q, dq, c.k.data() + at.kv, dkv, c.v.data() + at.kv,
                                   dkv, c.o.data() + at.q, dq, dO.data() + at.q, dq,
                                   c.lse.data() + (size_t(b) * H + hh) * T, float(alpha), fused_mask(s),
                                   dQ.data() + at.q, dq, gk, dhd, gv, dhd, &w->flash);
          for (int t = 0; t < T; t++)  // grouped query heads share their K, V head: their gradients add up
            for (int i = 0; i < dhd; i++) {
              dK[at.kv + size_t(t) * dkv + i] += gk[size_t(t) * dhd + i];
              dV[at.kv + size_t(t) * dkv + i] += gv[size_t(t) * dhd + i];
            }
        }
    }
  }
  if (c.lse.empty()) {  // unfused: from the weights the forward kept
    std::vector<S>&aT = w->aT, &dA = w->dA, &dZ = w->dZ;
    aT.resize(size_t(T) * T);
    dA.resize(size_t(T) * T);
    dZ.resize(size_t(T) * T);
    for (int b = 0; b < B; b++)
      for (int hh = 0; hh < H; hh++) {
        const HeadAt at(s, b, hh, T, T);
        const S* q = c.q.data() + at.q;
        const S* k = c.k.data() + at.kv;
        const S* v = c.v.data() + at.kv;
        const S* p = c.p.data() + at.p;
        const uint8_t* keep = dropped ? c.keep.data() + (size_t(b) * H + hh) * T * T : nullptr;
        const S* dob = dO.data() + at.q;
        const S* used = p;  // the weights as used: p with dropout applied
        if (dropped) {
          for (size_t i = 0; i < size_t(T) * T; i++) aT[i] = keep[i] ? p[i] * keep_scale : S(0);
          used = aT.data();
        }
        mm_nt(T, T, dhd, dob, dq, v, dkv, dA.data(), T, false, &tmp);          // dA = dO Vᵀ
        mm_tn(T, dhd, T, used, T, dob, dq, dV.data() + at.kv, dkv, true, &tmp);  // dV += Aᵀ dO
        for (int i = 0; i < T; i++) {
          int lo, hi;
          key_range(s, i, 0, T, &lo, &hi);
          S* dp = dA.data() + size_t(i) * T;
          if (dropped)
            for (int j = lo; j < hi; j++) dp[j] = keep[size_t(i) * T + j] ? dp[j] * keep_scale : S(0);
          S* dz = dZ.data() + size_t(i) * T;
          for (int j = 0; j < lo; j++) dz[j] = 0;
          if (hi > lo)
            normalize_backward(s.norm, 1.5, p + size_t(i) * T + lo, dp + lo, hi - lo, nullptr,
                               static_cast<const S*>(nullptr), dz + lo);
          for (int j = lo; j < hi; j++) dz[j] *= alpha;  // ds = dz scale / temperature (ALiBi's bias is a constant)
          for (int j = hi; j < T; j++) dz[j] = 0;
        }
        mm(T, dhd, T, dZ.data(), T, k, dkv, dQ.data() + at.q, dq, false, &tmp);     // dQ = dS K
        mm_tn(T, dhd, T, dZ.data(), T, q, dq, dK.data() + at.kv, dkv, true, &tmp);  // dK += dSᵀ Q
      }
  }
  if (s.pos == PosEnc::Rope) {  // the rotation's transpose
    rope_rows(s, B, T, 0, dQ.data(), H, true);
    rope_rows(s, B, T, 0, dK.data(), s.kv_heads, true);
  }
  // the projections: dW = aᵀ d(Q|K|V), da = dQ W_qᵀ + dK W_kᵀ + dV W_vᵀ
  linear_backward(N, a, dQ.data(), W.q, G.q, da, false, &tmp);
  linear_backward(N, a, dK.data(), W.k, G.k, da, true, &tmp);
  linear_backward(N, a, dV.data(), W.v, G.v, da, true, &tmp);
}

template void attention_forward<float>(const AttentionSpec&, int, int, int, int, const float*,
                                       const AttentionWeights<const float>&, const AttentionRun&,
                                       AttentionCache<float>*, float*, AttentionWork<float>*);
template void attention_forward<double>(const AttentionSpec&, int, int, int, int, const double*,
                                        const AttentionWeights<const double>&, const AttentionRun&,
                                        AttentionCache<double>*, double*, AttentionWork<double>*);
template void attention_backward<float>(const AttentionSpec&, int, int, int, const float*, const float*,
                                        const AttentionWeights<const float>&, const AttentionCache<float>&, float,
                                        const AttentionWeights<float>&, float*, AttentionWork<float>*);
template void attention_backward<double>(const AttentionSpec&, int, int, int, const double*, const double*,
                                         const AttentionWeights<const double>&, const AttentionCache<double>&, float,
                                         const AttentionWeights<double>&, double*, AttentionWork<double>*);

}  // namespace attn::nn
