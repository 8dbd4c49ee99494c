// head.cpp: the output head (logits at the scored rows) and the cross-entropy loss, forward and backward.
#include <algorithm>
#include <cmath>
#include "core/normalize.h"
#include "nn/layers.h"

namespace attn::nn {

template <class S>
void lm_head_forward(int d, const std::vector<int>& rows, const S* f, const Linear<const S>& head, std::vector<S>* fr,
                     S* logits, std::vector<S>* tmp) {
  const int R = int(rows.size());
  fr->resize(size_t(R) * d);
  for (int r = 0; r < R; r++) std::copy_n(f + size_t(rows[size_t(r)]) * d, d, fr->data() + size_t(r) * d);
  if (R) linear_forward(R, fr->data(), head, logits, false, tmp);
}

template <class S>
void lm_head_backward(int N, int d, const std::vector<int>& rows, const std::vector<S>& fr, const S* dlogits,
                      const Linear<const S>& head, const Linear<S>& G, std::vector<S>* dfr, S* df, std::vector<S>* tmp) {
  const int R = int(rows.size());
  dfr->resize(size_t(R) * d);
  if (R) linear_backward(R, fr.data(), dlogits, head, G, dfr->data(), false, tmp);  // d head = frᵀ dlogits
  std::fill(df, df + size_t(N) * d, S(0));
  for (int r = 0; r < R; r++) std::copy_n(dfr->data() + size_t(r) * d, d, df + size_t(rows[size_t(r)]) * d);
}

template <class S>
LossOut cross_entropy_forward(int V, const std::vector<int>& rows, const S* logits, const int* y, const float* wt,
                              S* probs) {
  LossOut out;
  std::vector<double> tz, tp;
  double wsum = 0, loss = 0;
  for (size_t r = 0; r < rows.size(); r++) {
    const int n = rows[r];
    const S* z = logits + r * V;
    normalize_forward(Normalizer::Softmax, z, V, probs + r * V, &tz, &tp);
    const float w = wt[n];
    if (w <= 0) continue;
    int arg = 0;
    for (int j = 1; j < V; j++)
      if (z[j] > z[arg]) arg = j;
    out.correct += arg == y[n];
    out.scored++;
    // log p_y = z_y - logsumexp(z), without the rounding of log(p_y) when p_y is tiny
    S m = z[0];
    for (int j = 1; j < V; j++) m = std::max(m, z[j]);
    S s = 0;
    for (int j = 0; j < V; j++) s += std::exp(z[j] - m);
    loss -= double(w) * double(z[y[n]] - m - std::log(s));
    wsum += w;
  }
  out.loss = wsum > 0 ? loss / wsum : 0;
  return out;
}

template <class S>
void cross_entropy_backward(int V, const std::vector<int>& rows, const S* probs, const int* y, const float* wt,
                            S* dlogits) {
  double wsum = 0;
  for (int n : rows) wsum += wt[n];
  for (size_t r = 0; r < rows.size(); r++) {
    const int n = rows[r];
    const S coef = wsum > 0 ? S(wt[n] / wsum) : S(0);
    for (int j = 0; j < V; j++) dlogits[r * V + j] = coef * probs[r * V + j];
    dlogits[r * V + y[n]] -= coef;
  }
}

template void lm_head_forward<float>(int, const std::vector<int>&, const float*, const Linear<const float>&,
                                     std::vector<float>*, float*, std::vector<float>*);
template void lm_head_forward<double>(int, const std::vector<int>&, const double*, const Linear<const double>&,
                                      std::vector<double>*, double*, std::vector<double>*);
template void lm_head_backward<float>(int, int, const std::vector<int>&, const std::vector<float>&, const float*,
                                      const Linear<const float>&, const Linear<float>&, std::vector<float>*, float*,
                                      std::vector<float>*);
template void lm_head_backward<double>(int, int, const std::vector<int>&, const std::vector<double>&, const double*,
                                       const Linear<const double>&, const Linear<double>&, std::vector<double>*,
                                       double*, std::vector<double>*);
template LossOut cross_entropy_forward<float>(int, const std::vector<int>&, const float*, const int*, const float*,
                                              float*);
template LossOut cross_entropy_forward<double>(int, const std::vector<int>&, const double*, const int*, const float*,
                                               double*);
template void cross_entropy_backward<float>(int, const std::vector<int>&, const float*, const int*, const float*,
                                            float*);
template void cross_entropy_backward<double>(int, const std::vector<int>&, const double*, const int*, const float*,
                                             double*);

}  // namespace attn::nn
