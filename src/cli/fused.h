// fused.h: `attn run` and `attn grad` past the staged limit. The staged path keeps (n_q, n_k)
// matrices per head and stops at Limits::max_n tokens; past it, plain softmax attention runs on the
// fused kernels: the output and each row's log-sum-exp forward, FlashAttention-2's backward for
// the gradients. O(n d) memory, float32 throughout (the staged path's gradients are float64).
#pragma once
#include <string>
#include <vector>
#include "cli/tensors.h"
#include "engine/config.h"

namespace attn::cli {

// Empty when cfg is plain softmax attention the fused kernels compute (any scale, no mask, causal
// (either alignment) or a sliding window); otherwise the first option that is not, as a message.
std::string fused_unsupported(const Config& cfg);

struct FusedResult {
  bool ok = false;
  std::string error;
  std::vector<Mat> out;             // B of (n_q, H d_v), heads side by side
  std::vector<Mat> lse;             // B of (n_q, H): each row's log-sum-exp (-inf: no key allowed)
  std::vector<Mat> dq, dk, dv;      // with dout: B of (n_q, H d_k), (n_k, H_kv d_k), (n_k, H_kv d_v)
};

// q, k, v: the inputs split into batch matrices (tensors.h); dout: B of (n_q, H d_v), or null for
// the forward alone. Grouped-query heads sum their gradients into their shared K, V head.
FusedResult run_fused(const Config& cfg, const Heads& q, const Heads& k, const Heads& v, const std::vector<Mat>* dout);

}  // namespace attn::cli
