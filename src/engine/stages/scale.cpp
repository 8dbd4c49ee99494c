// scale.cpp: stage 4 of the stepper. Scores are multiplied by 1/sqrt(d_head) so that their spread
// does not grow with d_head and softmax stays out of saturation (Vaswani et al. 2017, 3.2.1).
#include <cmath>
#include "core/positions.h"
#include "engine/stages/stages.h"
#include "kernels/kernels.h"

namespace attn {

float scale_factor(const Config& cfg, int d_head) {
  switch (cfg.scale) {
    case ScaleMode::Auto: return 1.0f / std::sqrt(float(d_head));
    case ScaleMode::None: return 1.0f;
    case ScaleMode::Custom: return cfg.scale_value;
    case ScaleMode::Count: break;  // not a value
  }
  return 1.0f;
}

// scores (n_q, n_k) -> scaled (n_q, n_k) = scores * factor
Mat scale_scores(const Mat& scores, float factor) {
  Mat scaled(scores.rows(), scores.cols());
  kern::scale(scores.data(), factor, scaled.data(), size_t(scores.size()));
  return scaled;
}

// Press et al. 2021: for n a power of two, m_h = 2^(-8 (h+1) / n); otherwise the slopes of the
// nearest smaller power of two, then every other slope of the next one (their reference code).
void add_alibi(Mat* scaled, double slope, int offset, bool causal) {
  for (Eigen::Index i = 0; i < scaled->rows(); i++)
    for (Eigen::Index j = 0; j < scaled->cols(); j++) (*scaled)(i, j) += float(alibi_bias(slope, int(i), int(j), offset, causal));
}

void soft_cap(Mat* scaled, float c) {
  for (Eigen::Index k = 0; k < scaled->size(); k++) scaled->data()[k] = float(double(c) * std::tanh(double(scaled->data()[k]) / c));
}

}  // namespace attn
