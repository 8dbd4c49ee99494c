// mask.cpp: which keys each query may see. Blocked scores become -inf, so they get
// exactly zero weight after normalization: causal (GPT) hides the future, padding hides
// filler tokens, a window keeps attention local, a painted mask does anything else.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include "kernels/kernels.h"
#include "engine/stages/stages.h"

namespace attn {

int query_offset(const Config& cfg, int n_q, int n_k) {
  return cfg.mask == MaskKind::CausalBottomRight ? n_k - n_q : 0;
}

MaskRule mask_rule(const Config& cfg, int n_q, int n_k) {
  MaskRule rule;
  rule.kind = cfg.mask == MaskKind::Causal || cfg.mask == MaskKind::CausalBottomRight ? MaskRule::Causal
              : cfg.mask == MaskKind::Window                                           ? MaskRule::Window
                                                                                       : MaskRule::None;
  rule.window = cfg.window;
  rule.offset = query_offset(cfg, n_q, n_k);
  return rule;
}

MaskBits build_mask(const Config& cfg, int n_q, int n_k, std::string* notice) {
  MaskBits m(size_t(n_q) * n_k, 1);  // (n_q, n_k)
  // causal and window are rules the fused kernels apply block by block; one definition for both
  const MaskRule rule = mask_rule(cfg, n_q, n_k);
  for (int i = 0; i < n_q; i++)
    for (int j = 0; j < n_k; j++) {
      uint8_t& a = m[size_t(i) * n_k + j];
      switch (cfg.mask) {
        case MaskKind::None: break;
        case MaskKind::Causal:
        case MaskKind::CausalBottomRight: a = rule.allowed(i, j); break;
        case MaskKind::Window: a = rule.allowed(i, j) || j < cfg.sink_tokens; break;  // + StreamingLLM's first keys
        case MaskKind::Padding: break;  // below
        case MaskKind::Custom:
          if (i < cfg.custom_rows && j < cfg.custom_cols &&
              cfg.custom_mask.size() == size_t(cfg.custom_rows) * cfg.custom_cols)
            a = cfg.custom_mask[size_t(i) * cfg.custom_cols + j] ? 1 : 0;
          break;
        case MaskKind::Count: break;  // not a value
      }
    }
  if (cfg.mask == MaskKind::Padding)
    for (int j : cfg.padding)
      if (j >= 0 && j < n_k)
        for (int i = 0; i < n_q; i++) m[size_t(i) * n_k + j] = 0;
  if (cfg.mask == MaskKind::Custom && notice &&
      (cfg.custom_rows != n_q || cfg.custom_cols != n_k))
    *notice = "the painted mask is " + std::to_string(cfg.custom_rows) + "x" + std::to_string(cfg.custom_cols) +
              " but the scores are " + std::to_string(n_q) + "x" + std::to_string(n_k) +
              "; cells outside it are allowed";
  return m;
}

Mat apply_mask(const Mat& scaled, const MaskBits& allowed) {
  // NOTE: kern::copy, not Eigen's copy (a memcpy): in the recompute of n = 256 x 8 heads in wasm
  // this stage measured 100 -> 50 us a head. Why is not pinned down: copying alone, outside the
  // recompute, memcpy was the faster of the two.
  Mat masked(scaled.rows(), scaled.cols());  // (n_q, n_k)
  kern::copy(scaled.data(), masked.data(), size_t(scaled.size()));
  // nothing blocked: memchr reads a word at a time, std::find a byte (11 us against 36 us)
  if (!std::memchr(allowed.data(), 0, allowed.size())) return masked;
  // blocked cells come in runs (causal: one per row): find each run's ends with memchr and fill it,
  // instead of a test per cell (causal (256, 256) in wasm: 160 -> 76 us with the copy). allowed
  // holds 0 or 1 (build_mask).
  const float ninf = -std::numeric_limits<float>::infinity();
  const size_t n_k = size_t(masked.cols());
  for (Eigen::Index i = 0; i < masked.rows(); i++) {
    const uint8_t* a = allowed.data() + size_t(i) * n_k;
    const uint8_t* end = a + n_k;
    float* row = masked.row(i).data();
    for (const uint8_t* p = a; (p = static_cast<const uint8_t*>(std::memchr(p, 0, size_t(end - p))));) {
      const uint8_t* q = static_cast<const uint8_t*>(std::memchr(p, 1, size_t(end - p)));
      if (!q) q = end;
      std::fill(row + (p - a), row + (q - a), ninf);
      p = q;
    }
  }
  return masked;
}

}  // namespace attn
