// fused.cpp: attention past the staged limit on the fused kernels (fused.h says what and why).
#include "cli/fused.h"
#include <cmath>
#include <new>
#include "engine/stages/stages.h"
#include "kernels/kernels.h"

namespace attn::cli {

std::string fused_unsupported(const Config& cfg) {
  if (cfg.normalizer != Normalizer::Softmax) return std::string("--normalizer ") + name_of(cfg.normalizer);
  if (cfg.temperature != 1.0f) return "--temperature";
  if (cfg.mask != MaskKind::None && cfg.mask != MaskKind::Causal && cfg.mask != MaskKind::CausalBottomRight &&
      cfg.mask != MaskKind::Window)
    return std::string("--mask ") + name_of(cfg.mask);
  if (cfg.sink_tokens > 0) return "--sink-tokens";
  if (cfg.alibi) return "--alibi";
  if (cfg.softcap > 0) return "--softcap";
  if (!cfg.sinks.empty()) return "--sink";
  if (cfg.dropout > 0) return "--dropout";
  if (cfg.posenc == PosEnc::Rope) return "--posenc rope";
  if (cfg.score != ScoreFn::Dot) return "additive scores";
  return "";
}

FusedResult run_fused(const Config& cfg, const Heads& q, const Heads& k, const Heads& v, const std::vector<Mat>* dout) {
  FusedResult r;
  const int B = q.B, H = q.H, Hkv = k.H, nq = q.n, nk = k.n, dk = q.d, dv = v.d, group = H / Hkv;
  const MaskRule rule = mask_rule(cfg, nq, nk);  // fused_unsupported let through only the masks it can say
  const float scale = scale_factor(cfg, dk);
  Workspace ws;
  try {
    for (int b = 0; b < B; b++) {
      const Mat &Q = q.batch[size_t(b)], &K = k.batch[size_t(b)], &V = v.batch[size_t(b)];  // (n, heads x width)
      r.out.emplace_back(nq, H * dv);
      r.lse.emplace_back(nq, H);
      if (dout) {
        r.dq.push_back(Mat::Zero(nq, H * dk));
        r.dk.push_back(Mat::Zero(nk, Hkv * dk));
        r.dv.push_back(Mat::Zero(nk, Hkv * dv));
      }
      std::vector<float> lse(static_cast<size_t>(nq));
      Mat gk(nk, dk), gv(nk, dv);  // one query head's share of its K, V head's gradients
      for (int h = 0; h < H; h++) {
        const int kv = h / group;
        const float *qh = Q.data() + h * dk, *kh = K.data() + kv * dk, *vh = V.data() + kv * dv;
        float* oh = r.out.back().data() + h * dv;
        kern::attention(nq, nk, dk, dv, qh, H * dk, kh, Hkv * dk, vh, Hkv * dv, scale, rule, oh, H * dv, lse.data(), &ws);
        for (int i = 0; i < nq; i++) r.lse.back()(i, h) = lse[size_t(i)];
        if (!dout) continue;
        const Mat& dO = (*dout)[size_t(b)];
        kern::attention_backward(nq, nk, dk, dv, qh, H * dk, kh, Hkv * dk, vh, Hkv * dv, oh, H * dv, dO.data() + h * dv, H * dv,
                                 lse.data(), scale, rule, r.dq.back().data() + h * dk, H * dk, gk.data(), dk, gv.data(), dv, &ws);
        r.dk.back().middleCols(kv * dk, dk) += gk;
        r.dv.back().middleCols(kv * dv, dv) += gv;
      }
      for (const Mat* m : {&r.out.back(), dout ? &r.dq.back() : nullptr, dout ? &r.dk.back() : nullptr, dout ? &r.dv.back() : nullptr})
        if (m && !m->allFinite()) {
          r.error = (b > 0 || B > 1 ? "batch " + std::to_string(b + 1) + ": " : std::string()) +
                    (m == &r.out.back() ? "the output" : "a gradient") + " overflows float32: scale the inputs down";
          return r;
        }
    }
  } catch (const std::bad_alloc&) {
    r.error = "out of memory on the fused path (it needs O(n d) per head: n_q " + std::to_string(nq) + ", n_k " + std::to_string(nk) + ")";
    return r;
  }
  r.ok = true;
  return r;
}

}  // namespace attn::cli
