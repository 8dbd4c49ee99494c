// scores.cpp: how well each query matches each key. Dot product (Vaswani et al. 2017)
// or additive (Bahdanau et al. 2015), before any scaling.
#include <cmath>
#include "kernels/kernels.h"
#include "engine/stages/stages.h"

namespace attn {

// q (n_q, dh), k (n_k, dh) -> (n_q, n_k)
Mat dot_scores(const Mat& q, const Mat& k) {
  Mat s(q.rows(), k.rows());
  kern::gemm_nt(int(q.rows()), int(k.rows()), int(q.cols()), q.data(), int(q.cols()), k.data(), int(k.cols()), s.data(),
                int(s.cols()));
  return s;
}

// Dragging one cell of X changes one row of Q and of K per head: of the n^2 scores only that row
// and that column change. Each score is one dot product summed in the tile's order whatever the
// shape of the product it is part of, so a row (1 x n_k) or column (n_q x 1) product gives the
// very bits of the full one. Many changes: the full product is cheaper than row by row.
Mat dot_scores_update(const Mat& q, const Mat& k, const Mat& q0, const Mat& k0, const Mat& s0) {
  if (!same_shape(q, q0) || !same_shape(k, k0) || s0.rows() != q.rows() || s0.cols() != k.rows()) return dot_scores(q, k);
  const std::vector<int> rq = changed_rows(q, q0), rk = changed_rows(k, k0);
  if (rq.size() * 8 > size_t(q.rows()) || rk.size() * 8 > size_t(k.rows())) return dot_scores(q, k);
  Mat s = s0;  // (n_q, n_k)
  const int n_q = int(q.rows()), n_k = int(k.rows()), dh = int(q.cols());
  for (int i : rq) kern::gemm_nt(1, n_k, dh, q.row(i).data(), dh, k.data(), dh, s.row(i).data(), n_k);
  for (int j : rk) kern::gemm_nt(n_q, 1, dh, q.data(), dh, k.row(j).data(), dh, s.data() + j, n_k);
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

void dot_scores_backward(const MatD& dS, const Mat& q, const Mat& k, MatD* dq, MatD* dk) {
  *dq = dS * k.cast<double>();               // (n_q, dh)
  *dk = dS.transpose() * q.cast<double>();   // (n_k, dh)
}

// s_ij = Σ_u v_u tanh(a_iu + b_ju), a = q W1ᵀ, b = k W2ᵀ: ds_ij / da_iu = v_u (1 - tanh²(a_iu + b_ju))
void additive_scores_backward(const MatD& dS, const Mat& q, const Mat& k, const Mat& w1, const Mat& w2, const Mat& v,
                              MatD* dq, MatD* dk) {
  const MatD a = q.cast<double>() * w1.cast<double>().transpose();  // (n_q, dh)
  const MatD b = k.cast<double>() * w2.cast<double>().transpose();  // (n_k, dh)
  MatD da = MatD::Zero(a.rows(), a.cols()), db = MatD::Zero(b.rows(), b.cols());
  for (Eigen::Index i = 0; i < a.rows(); i++)
    for (Eigen::Index j = 0; j < b.rows(); j++) {
      if (dS(i, j) == 0) continue;
      for (Eigen::Index u = 0; u < a.cols(); u++) {
        const double t = std::tanh(a(i, u) + b(j, u)), g = dS(i, j) * double(v(0, u)) * (1 - t * t);
        da(i, u) += g;
        db(j, u) += g;
      }
    }
  *dq = da * w1.cast<double>();  // (n_q, dh)
  *dk = db * w2.cast<double>();  // (n_k, dh)
}

}  // namespace attn
