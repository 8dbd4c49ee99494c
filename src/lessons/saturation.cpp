// saturation.cpp: why scale by 1/sqrt(d_k). With q, k ~ N(0, I), q.k has variance d_k, so
// unscaled scores spread out as d_k grows and softmax collapses onto one key.
#include <algorithm>
#include <cmath>
#include "lessons/saturation.h"
#include "core/rng.h"
#include "engine/stages/stages.h"

namespace attn {

std::vector<SaturationPoint> saturation_curve(int n_keys, int samples, uint64_t seed) {
  std::vector<SaturationPoint> out;
  Rng rng(seed);
  std::vector<float> raw(size_t(n_keys), 0.0f), scaled(size_t(n_keys), 0.0f);
  for (int d = 1; d <= 512; d *= 2) {
    double max_raw = 0, max_scaled = 0;
    for (int s = 0; s < samples; s++) {
      std::vector<float> q(size_t(d), 0.0f);
      for (float& x : q) x = rng.normal();
      for (int j = 0; j < n_keys; j++) {
        double dot = 0;
        for (int t = 0; t < d; t++) dot += double(q[size_t(t)]) * rng.normal();
        raw[size_t(j)] = float(dot);
        scaled[size_t(j)] = float(dot / std::sqrt(double(d)));
      }
      RowResult r;
      std::string err;
      normalize_row(raw.data(), n_keys, Normalizer::Softmax, 1, 1.5f, &r, &err);
      max_raw += *std::max_element(r.w.begin(), r.w.end());
      normalize_row(scaled.data(), n_keys, Normalizer::Softmax, 1, 1.5f, &r, &err);
      max_scaled += *std::max_element(r.w.begin(), r.w.end());
    }
    out.push_back({d, float(max_raw / samples), float(max_scaled / samples)});
  }
  return out;
}

}  // namespace attn
