// normalize.cpp: turns each row of scores into weights. Softmax exponentiates, so it
// amplifies differences; its alternatives differ in how many keys keep nonzero weight.
// Sections: one row (its exact normalizer in core/normalize.cpp) | rows, stats, dropout
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include "kernels/kernels.h"
#include "core/normalize.h"
#include "engine/stages/stages.h"

namespace attn {

namespace {

using Row = std::vector<double>;  // logits z = x / T of the allowed keys only

}  // namespace

bool normalize_row(const float* logits, int n, Normalizer norm, float temperature, float alpha,
                   RowResult* out, std::string* err) {
  return normalize_row_exact(logits, n, norm, temperature, alpha, out, nullptr, err);
}

bool normalize_row_exact(const float* logits, int n, Normalizer norm, float temperature, float alpha,
                         RowResult* out, std::vector<double>* exact, std::string* err, const float* sink) {
  if (exact) exact->assign(size_t(n), 0.0);
  out->w.assign(size_t(n), 0.0f);
  out->shift = out->denom = 0;
  out->all_masked = false;
  // pass 1: gather the allowed logits, divided by the temperature (in double: 1e30 / 1e-30 fits)
  std::vector<int> idx;
  Row z;
  for (int j = 0; j < n; j++)
    if (logits[j] != -std::numeric_limits<float>::infinity()) {
      idx.push_back(j);
      z.push_back(double(logits[j]) / double(temperature));
    }
  if (z.empty()) {  // every key masked: zero weights, flagged, never NaN (with a sink: all on the sink)
    out->all_masked = true;
    return true;
  }
  // an attention sink: one more logit in the row, normalized with it and dropped after (softmax
  // only: validate() refuses the rest), so the row's weights sum to less than 1
  if (sink && norm == Normalizer::Softmax) {
    idx.push_back(-1);
    z.push_back(double(*sink) / double(temperature));
  }
  // pass 2: the normalizer itself (core/normalize.cpp: one exact row per normalizer)
  Row p(z.size(), 0.0);
  size_t bad = 0;
  if (!normalize_exact(norm, double(alpha), z, &p, &out->shift, &out->denom, &bad)) {
    if (err) {
      char score[32];  // %g: -0.3086, 1e-08 and 1e+30 alike, not to_string's six fixed decimals
      std::snprintf(score, sizeof score, "%.4g", z[bad] * temperature);
      *err = "sum normalization needs every score > 0, but key " + std::to_string(idx[bad] + 1) +
             " has score " + score + "; use softmax or a positive input";
    }
    return false;
  }
  for (size_t i = 0; i < z.size(); i++)
    if (idx[i] >= 0) out->w[size_t(idx[i])] = float(p[i]);
  if (exact)
    for (size_t i = 0; i < z.size(); i++)
      if (idx[i] >= 0) (*exact)[size_t(idx[i])] = p[i];
  return true;
}

RowStats row_stats(const float* w, int n, bool all_masked) {
  RowStats s{0, 0, 0, all_masked};
  double sum = 0;
  for (int j = 0; j < n; j++) sum += w[j];
  // float log: the entropy is shown with 2 decimals, and this runs for every row on every recompute
  const float inv = sum > 0 ? float(1.0 / sum) : 0.0f;
  double h = 0;
  for (int j = 0; j < n; j++) {
    if (w[j] > 0) {
      s.nonzero++;
      const float p = w[j] * inv;  // sigmoid rows do not sum to 1: entropy of the renormalized row
      h -= double(p) * std::log(p);
    }
    s.max_w = std::max(s.max_w, w[j]);
  }
  s.entropy = float(h);
  return s;
}

bool normalize_rows(const Mat& masked, Normalizer norm, float temperature, float alpha, HeadTrace* h,
                    std::string* err, const float* sink) {
  const int n_q = int(masked.rows()), n_k = int(masked.cols());
  h->stats.assign(size_t(n_q), RowStats{});
  h->row_max.assign(size_t(n_q), 0.0f);
  h->row_sum.assign(size_t(n_q), 0.0f);
  RowResult r;
  // softmax at every temperature (the common case, and every recompute while its slider is dragged)
  // runs on the SIMD row kernel in float, with 1/T folded into the exponent's input; everything
  // else takes the double path above. The row max and the entropy are on the scale of z = x / T.
  // (1/T is exact for T = 1, so that case keeps the bits it always had.)
  const bool fast = norm == Normalizer::Softmax && !sink;
  const float beta = 1.0f / temperature;
  h->weights.resize(n_q, n_k);  // every row is written below
  for (int i = 0; i < n_q; i++) {
    if (fast) {
      float* w = h->weights.row(i).data();
      float sum = 0;
      const float m = kern::softmax_row(masked.row(i).data(), w, n_k, &sum, beta);
      const bool all_masked = sum == 0;
      const double mz = double(m) * beta;  // the max of z
      h->row_max[size_t(i)] = all_masked ? 0.0f : float(mz);
      h->row_sum[size_t(i)] = sum;
      // entropy without a log per cell: ln p_j = z_j - max z - ln s, so H = max z + ln s - sum_j p_j z_j
      RowStats st{0, 0, 0, all_masked};
      double px = 0;
      kern::row_moments(masked.row(i).data(), w, n_k, &px, &st.nonzero, &st.max_w);
      st.entropy = all_masked ? 0.0f : float(std::max(0.0, mz + std::log(double(sum)) - px * beta));
      h->stats[size_t(i)] = st;
      continue;
    }
    std::string row_err;
    if (!normalize_row_exact(masked.row(i).data(), n_k, norm, temperature, alpha, &r, nullptr, &row_err, sink)) {
      if (err) *err = "row " + std::to_string(i + 1) + ": " + row_err;
      return false;
    }
    std::copy(r.w.begin(), r.w.end(), h->weights.row(i).data());
    h->row_max[size_t(i)] = float(r.shift);
    h->row_sum[size_t(i)] = float(r.denom);
    h->stats[size_t(i)] = row_stats(r.w.data(), n_k, r.all_masked);
  }
  return true;
}

std::vector<uint8_t> dropout_kept(size_t cells, float p, uint64_t seed) {
  std::vector<uint8_t> kept(cells, 1);
  if (p <= 0) return kept;
  dropout_keep(seed ^ 0xD0D0D0D0ull, p, cells, kept.data());
  return kept;
}

void apply_dropout(Mat* weights, float p, uint64_t seed) {
  if (p <= 0) return;
  const std::vector<uint8_t> kept = dropout_kept(size_t(weights->size()), p, seed);
  const float keep = 1.0f / (1.0f - p);
  for (Eigen::Index i = 0; i < weights->size(); i++) {
    float& w = weights->data()[i];
    w = kept[size_t(i)] ? w * keep : 0.0f;
  }
}


// The Jacobians are core/normalize.h's; this takes the stage's row as it is, logits of -inf for
// the keys the mask hid, and p in double.
bool normalize_row_backward(const float* logits, const std::vector<double>& p, const double* dp, int n, Normalizer norm,
                            float temperature, float alpha, double* dz, std::string* err) {
  std::vector<uint8_t> allowed(static_cast<size_t>(n));
  std::vector<double> z(size_t(n), 0.0);
  for (int j = 0; j < n; j++) {
    allowed[size_t(j)] = logits[j] != -std::numeric_limits<float>::infinity();
    if (allowed[size_t(j)]) z[size_t(j)] = double(logits[j]) / double(temperature);
  }
  if (normalize_backward(norm, double(alpha), p.data(), dp, n, allowed.data(), z.data(), dz)) return true;
  if (err) *err = "hardmax has no useful gradient (its derivative is zero almost everywhere): use softmax, sparsemax or entmax";
  return false;
}

}  // namespace attn
