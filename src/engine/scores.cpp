// scores.cpp: how well each query matches each key. Dot product (Vaswani et al. 2017)
// or additive (Bahdanau et al. 2015), before any scaling.
#include <cmath>
#include "engine/kernels.h"
#include "engine/stages.h"

namespace attn {

// q (n_q, dh), k (n_k, dh) -> (n_q, n_k)
Mat dot_scores(const Mat& q, const Mat& k) {
  Mat s(q.rows(), k.rows());
  kern::gemm_nt(int(q.rows()), int(k.rows()), int(q.cols()), q.data(), int(q.cols()), k.data(), int(k.cols()), s.data(),
                int(s.cols()));
  return s;
}

// s_ij = v . tanh(W1 q_i + W2 k_j). Projects once (n*dh^2), then n_q*n_k*dh tanh's.
Mat additive_scores(const Mat& q, const Mat& k, const Mat& w1, const Mat& w2, const Mat& v) {
  Mat a = q * w1.transpose();  // (n_q, dh), row i = W1 q_i
  Mat b = k * w2.transpose();  // (n_k, dh), row j = W2 k_j
  Mat s(q.rows(), k.rows());
  const int dh = int(q.cols());
  for (int i = 0; i < q.rows(); i++)
    for (int j = 0; j < k.rows(); j++) {
      float acc = 0;
      for (int t = 0; t < dh; t++) acc += v(0, t) * std::tanh(a(i, t) + b(j, t));
      s(i, j) = acc;
    }
  return s;
}

}  // namespace attn
