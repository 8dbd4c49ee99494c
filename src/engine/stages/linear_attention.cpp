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

// The backward of linear attention for a gradient dout (n_q, dv) at its output, in double, through
// its implied weights w_ij = κ_ij / Σ_k κ_ik, κ_ij = φ(q_i)·φ(k_j) (j <= i when causal):
//   dv_j = Σ_i w_ij dout_i,   dw_ij = dout_i · v_j,   dκ_ij = (dw_ij - Σ_k w_ik dw_ik) / Σ_k κ_ik,
//   dφ(q_i) = Σ_j dκ_ij φ(k_j),   dφ(k_j) = Σ_i dκ_ij φ(q_i),   φ'(x) = 1 (x > 0) or e^x.
void linear_attention_backward(const Mat& q, const Mat& k, const Mat& v, bool causal, const MatD& dout, MatD* dq, MatD* dk,
                               MatD* dv) {
  const int n_q = int(q.rows()), n_k = int(k.rows());
  auto phi_d = [](const Mat& x, MatD* f, MatD* df) {
    *f = MatD(x.rows(), x.cols());
    *df = MatD(x.rows(), x.cols());
    for (Eigen::Index i = 0; i < x.size(); i++) {
      const double y = double(x.data()[i]);
      f->data()[i] = y > 0 ? y + 1 : std::exp(y);
      df->data()[i] = y > 0 ? 1.0 : std::exp(y);
    }
  };
  MatD fq, dfq, fk, dfk;
  phi_d(q, &fq, &dfq);
  phi_d(k, &fk, &dfk);
  const MatD vd = v.cast<double>();
  MatD kappa = fq * fk.transpose();  // (n_q, n_k)
  if (causal)
    for (int i = 0; i < n_q; i++)
      for (int j = i + 1; j < n_k; j++) kappa(i, j) = 0;
  MatD w(n_q, n_k), dkappa(n_q, n_k);
  for (int i = 0; i < n_q; i++) {
    const double sum = kappa.row(i).sum();
    w.row(i) = kappa.row(i) / sum;
    const Eigen::RowVectorXd dw = dout.row(i) * vd.transpose();  // (1, n_k)
    const double wdw = w.row(i).dot(dw);
    for (int j = 0; j < n_k; j++) dkappa(i, j) = causal && j > i ? 0.0 : (dw(j) - wdw) / sum;
  }
  *dv = w.transpose() * dout;                                        // (n_k, dv)
  *dq = (dkappa * fk).cwiseProduct(dfq);                             // (n_q, dh)
  *dk = (dkappa.transpose() * fq).cwiseProduct(dfk);                 // (n_k, dh)
}

}  // namespace attn
