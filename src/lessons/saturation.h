// saturation.h: the "why scale by sqrt(d_k)" curve shown in the Scaling stage.
#pragma once
#include <cstdint>
#include <vector>

namespace attn {

struct SaturationPoint {
  int d_k;
  float max_weight_unscaled;  // mean largest softmax weight, scores q.k
  float max_weight_scaled;    // same with q.k / sqrt(d_k)
};

// d_k = 1, 2, 4, ..., 512; n_keys random N(0,1) keys per sample; deterministic in seed.
std::vector<SaturationPoint> saturation_curve(int n_keys, int samples, uint64_t seed);

}  // namespace attn
