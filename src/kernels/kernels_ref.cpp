// kernels_ref.cpp: the scalar reference of every kernel. Plain loops from the definitions,
// accumulating in double; always compiled. These are the oracles for tests and the bench.
#include <cmath>
#include <limits>
#include <vector>
#include "kernels/kernels.h"

namespace attn::kref {

void gemm(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
          bool accumulate) {
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      double s = accumulate ? C[size_t(i) * ldc + j] : 0.0;
      for (int t = 0; t < k; t++) s += double(A[size_t(i) * lda + t]) * B[size_t(t) * ldb + j];
      C[size_t(i) * ldc + j] = float(s);
    }
}

void gemm_nt(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
             float alpha) {
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      double s = 0;
      for (int t = 0; t < k; t++) s += double(A[size_t(i) * lda + t]) * B[size_t(j) * ldb + t];
      C[size_t(i) * ldc + j] = float(alpha * s);
    }
}

void gemm_tn(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
             bool accumulate) {
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      double s = accumulate ? C[size_t(i) * ldc + j] : 0.0;
      for (int t = 0; t < k; t++) s += double(A[size_t(t) * lda + i]) * B[size_t(t) * ldb + j];
      C[size_t(i) * ldc + j] = float(s);
    }
}

void exp(const float* x, float* y, int n) {
  for (int i = 0; i < n; i++) y[i] = float(std::exp(double(x[i])));
}

float softmax_row(const float* x, float* w, int n, float* sum_out, float beta) {
  double m = -std::numeric_limits<double>::infinity();
  for (int j = 0; j < n; j++) m = std::max(m, double(x[j]));
  double s = 0;
  if (std::isinf(m)) {
    for (int j = 0; j < n; j++) w[j] = 0;
  } else {
    std::vector<double> e(static_cast<size_t>(n));
    for (int j = 0; j < n; j++) s += (e[size_t(j)] = std::exp(double(beta) * (double(x[j]) - m)));
    for (int j = 0; j < n; j++) w[j] = float(e[size_t(j)] / s);
  }
  if (sum_out) *sum_out = float(s);
  return float(m);
}

void row_moments(const float* x, const float* w, int n, double* wx, int* nonzero, float* max_w) {
  *wx = 0;
  *nonzero = 0;
  *max_w = 0;
  for (int j = 0; j < n; j++)
    if (w[j] > 0) {
      *wx += double(w[j]) * x[j];
      ++*nonzero;
      *max_w = std::max(*max_w, w[j]);
    }
}

void attention(int n_q, int n_k, int dk, int dv, const float* Q, int ldq, const float* K, int ldk,
               const float* V, int ldv, float scale, MaskRule mask, float* O, int ldo, float* lse) {
  std::vector<double> s(size_t(n_q) * n_k);  // (n_q, n_k): the whole matrix, on purpose
  const double ninf = -std::numeric_limits<double>::infinity();
  for (int i = 0; i < n_q; i++) {
    // pass 1: scaled, masked scores and the row max
    double m = ninf;
    for (int j = 0; j < n_k; j++) {
      double acc = 0;
      for (int t = 0; t < dk; t++) acc += double(Q[size_t(i) * ldq + t]) * K[size_t(j) * ldk + t];
      double v = mask.allowed(i, j) ? acc * scale : ninf;
      s[size_t(i) * n_k + j] = v;
      m = std::max(m, v);
    }
    // pass 2: exponentials and their sum
    double sum = 0;
    for (int j = 0; j < n_k; j++) {
      double& v = s[size_t(i) * n_k + j];
      v = std::isinf(m) ? 0.0 : std::exp(v - m);
      sum += v;
    }
    // pass 3: normalized weights times V
    for (int c = 0; c < dv; c++) {
      double acc = 0;
      if (sum > 0)
        for (int j = 0; j < n_k; j++) acc += s[size_t(i) * n_k + j] / sum * V[size_t(j) * ldv + c];
      O[size_t(i) * ldo + c] = float(acc);
    }
    lse[i] = sum > 0 ? float(m + std::log(sum)) : -std::numeric_limits<float>::infinity();
  }
}

bool adamw(float* p, float* m1, float* m2, const float* g, size_t n, const kern::AdamWStep& a) {
  bool finite = true;
  for (size_t j = 0; j < n; j++) {
    const double gj = double(g[j]) * a.clip;
    const double e1 = double(a.beta1) * m1[j] + double(a.c1) * gj;
    const double e2 = double(a.beta2) * m2[j] + double(a.c2) * gj * gj;
    const double e = double(p[j]) * a.decay - double(a.step) * e1 / (std::sqrt(e2) / a.bc2s + a.eps);
    m1[j] = float(e1);
    m2[j] = float(e2);
    p[j] = float(e);
    finite = finite && std::isfinite(p[j]);
  }
  return finite;
}

void attention_backward(int n_q, int n_k, int dk, int dv, const float* Q, int ldq, const float* K, int ldk,
                        const float* V, int ldv, const float* dO, int lddo, float scale, MaskRule mask,
                        float* dQ, int lddq, float* dK, int lddk, float* dV, int lddv) {
  // P (n_q, n_k) from scratch (not from the forward's lse), dP = dO V^T, dS = P o (dP - rowsum(P o dP))
  std::vector<double> P(size_t(n_q) * n_k, 0.0), dS(size_t(n_q) * n_k, 0.0);
  for (int i = 0; i < n_q; i++) {
    double m = -std::numeric_limits<double>::infinity(), sum = 0;
    for (int j = 0; j < n_k; j++)
      if (mask.allowed(i, j)) {
        double acc = 0;
        for (int t = 0; t < dk; t++) acc += double(Q[size_t(i) * ldq + t]) * K[size_t(j) * ldk + t];
        P[size_t(i) * n_k + j] = acc * scale;
        m = std::max(m, acc * scale);
      }
    for (int j = 0; j < n_k; j++) {
      double& p = P[size_t(i) * n_k + j];
      p = mask.allowed(i, j) ? std::exp(p - m) : 0.0;
      sum += p;
    }
    double pdp = 0;
    for (int j = 0; j < n_k; j++) {
      double& p = P[size_t(i) * n_k + j];
      if (sum > 0) p /= sum;
      double dp = 0;
      for (int c = 0; c < dv; c++) dp += double(dO[size_t(i) * lddo + c]) * V[size_t(j) * ldv + c];
      dS[size_t(i) * n_k + j] = dp;
      pdp += p * dp;
    }
    for (int j = 0; j < n_k; j++) dS[size_t(i) * n_k + j] = P[size_t(i) * n_k + j] * (dS[size_t(i) * n_k + j] - pdp);
  }
  for (int i = 0; i < n_q; i++)
    for (int t = 0; t < dk; t++) {
      double acc = 0;
      for (int j = 0; j < n_k; j++) acc += dS[size_t(i) * n_k + j] * K[size_t(j) * ldk + t];
      dQ[size_t(i) * lddq + t] = float(scale * acc);
    }
  for (int j = 0; j < n_k; j++) {
    for (int t = 0; t < dk; t++) {
      double acc = 0;
      for (int i = 0; i < n_q; i++) acc += dS[size_t(i) * n_k + j] * Q[size_t(i) * ldq + t];
      dK[size_t(j) * lddk + t] = float(scale * acc);
    }
    for (int c = 0; c < dv; c++) {
      double acc = 0;
      for (int i = 0; i < n_q; i++) acc += P[size_t(i) * n_k + j] * dO[size_t(i) * lddo + c];
      dV[size_t(j) * lddv + c] = float(acc);
    }
  }
}

}  // namespace attn::kref
