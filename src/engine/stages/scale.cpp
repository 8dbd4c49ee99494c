// scale.cpp: stage 4 of the stepper. Scores are multiplied by 1/sqrt(d_head) so that their spread
// does not grow with d_head and softmax stays out of saturation (Vaswani et al. 2017, 3.2.1).
#include <cmath>
#include "engine/stages/stages.h"
#include "kernels/kernels.h"

namespace attn {

float scale_factor(const Config& cfg, int d_head) {
  switch (cfg.scale) {
    case ScaleMode::Auto: return 1.0f / std::sqrt(float(d_head));
    case ScaleMode::None: return 1.0f;
    case ScaleMode::Custom: return cfg.scale_value;
  }
  return 1.0f;
}

// scores (n_q, n_k) -> scaled (n_q, n_k) = scores * factor
Mat scale_scores(const Mat& scores, float factor) {
  Mat scaled(scores.rows(), scores.cols());
  kern::scale(scores.data(), factor, scaled.data(), size_t(scores.size()));
  return scaled;
}

}  // namespace attn
