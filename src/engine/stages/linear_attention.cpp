// linear_attention.cpp: Katharopoulos et al. 2020. With a feature map phi instead of exp,
// sum_j phi(q_i).phi(k_j) v_j = phi(q_i) . (sum_j phi(k_j)^T v_j): O(n d^2), no n x n matrix.
#include <cmath>
#include "engine/stages/stages.h"

namespace attn {

namespace {
// phi(x) = elu(x) + 1 > 0, so every implied weight is positive
Mat phi(const Mat& x) {
  Mat r = x;
  for (Eigen::Index i = 0; i < r.size(); i++) {
    float v = r.data()[i];
    r.data()[i] = v > 0 ? v + 1.0f : std::exp(v);
  }
  return r;
}
}  // namespace

// q (n_q, dh), k (n_k, dh), v (n_k, dv) -> out (n_q, dv); implied (n_q, n_k) when non-null
void linear_attention(const Mat& q, const Mat& k, const Mat& v, bool causal, Mat* out, Mat* implied) {
  const Mat fq = phi(q), fk = phi(k);  // (n_q, dh), (n_k, dh)
  const int n_q = int(q.rows()), n_k = int(k.rows());
  *out = Mat::Zero(n_q, v.cols());
  if (!causal) {
    Mat S = fk.transpose() * v;        // (dh, dv) = sum_j phi(k_j)^T v_j
    Vec z = fk.colwise().sum();        // (1, dh)  = sum_j phi(k_j)
    for (int i = 0; i < n_q; i++) out->row(i) = (fq.row(i) * S) / fq.row(i).dot(z);
  } else {
    // prefix sums: S_i and z_i cover keys j <= i only
    Mat S = Mat::Zero(q.cols(), v.cols());
    Vec z = Vec::Zero(q.cols());
    for (int i = 0; i < n_q; i++) {
      if (i < n_k) {
        S += fk.row(i).transpose() * v.row(i);
        z += fk.row(i);
      }
      out->row(i) = (fq.row(i) * S) / fq.row(i).dot(z);
    }
  }
  if (implied) {
    *implied = fq * fk.transpose();    // (n_q, n_k) kernel values
    for (int i = 0; i < n_q; i++) {
      if (causal)
        for (int j = i + 1; j < n_k; j++) (*implied)(i, j) = 0;
      implied->row(i) /= implied->row(i).sum();
    }
  }
}

}  // namespace attn
