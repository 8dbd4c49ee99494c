// ops.cpp: float products on the SIMD gemm (A^T B on gemm_tn's panels; a transposed B that is
// accumulated into is copied once into *tmp, an O(n k) cost beside the O(m n k) product); double
// products as plain loops.
#include "nn/ops.h"
#include <algorithm>
#include "kernels/kernels.h"

namespace attn::nn {

namespace {
// dst (cols, rows) = srcᵀ, src (rows, cols) with leading dimension ld; in 16 x 16 blocks, so that
// both the reads and the writes stay within a few cache lines (row by row it was a quarter of a step)
template <class S>
void transpose(int rows, int cols, const S* src, int ld, S* dst) {
  constexpr int kB = 16;
  for (int r0 = 0; r0 < rows; r0 += kB)
    for (int c0 = 0; c0 < cols; c0 += kB) {
      const int r1 = std::min(rows, r0 + kB), c1 = std::min(cols, c0 + kB);
      for (int c = c0; c < c1; c++)
        for (int r = r0; r < r1; r++) dst[size_t(c) * rows + r] = src[size_t(r) * ld + c];
    }
}
}  // namespace

template <>
void mm<float>(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc, bool acc,
               std::vector<float>*) {
  if (m == 1 && !acc) return kern::gemv(n, k, A, B, ldb, C);  // a decoded token: gemm's bits, B not packed
  kern::gemm(m, n, k, A, lda, B, ldb, C, ldc, acc);
}
template <>
void mm_nt<float>(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc, bool acc,
                  std::vector<float>* tmp) {
  if (m == 1) {  // a decoded token: each weight row read once, in place
    if (!acc) return kern::gemv_t(n, k, A, B, ldb, C);
    tmp->resize(size_t(n));
    kern::gemv_t(n, k, A, B, ldb, tmp->data());
    for (int j = 0; j < n; j++) C[j] += (*tmp)[size_t(j)];
    return;
  }
  if (!acc) return kern::gemm_nt(m, n, k, A, lda, B, ldb, C, ldc, 1.0f);
  tmp->resize(size_t(n) * k);
  transpose(n, k, B, ldb, tmp->data());
  kern::gemm(m, n, k, A, lda, tmp->data(), n, C, ldc, true);
}
template <>
void mm_tn<float>(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc, bool acc,
                  std::vector<float>*) {
  kern::gemm_tn(m, n, k, A, lda, B, ldb, C, ldc, acc);  // packs A^T in panels: no transpose
}

template <>
void mm<double>(int m, int n, int k, const double* A, int lda, const double* B, int ldb, double* C, int ldc, bool acc,
                std::vector<double>*) {
  for (int i = 0; i < m; i++) {
    double* c = C + size_t(i) * ldc;
    if (!acc)
      for (int j = 0; j < n; j++) c[j] = 0;
    for (int p = 0; p < k; p++) {
      const double a = A[size_t(i) * lda + p];
      const double* b = B + size_t(p) * ldb;
      for (int j = 0; j < n; j++) c[j] += a * b[j];
    }
  }
}
template <>
void mm_nt<double>(int m, int n, int k, const double* A, int lda, const double* B, int ldb, double* C, int ldc,
                   bool acc, std::vector<double>*) {
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      double s = 0;
      for (int p = 0; p < k; p++) s += A[size_t(i) * lda + p] * B[size_t(j) * ldb + p];
      C[size_t(i) * ldc + j] = acc ? C[size_t(i) * ldc + j] + s : s;
    }
}
template <>
void mm_tn<double>(int m, int n, int k, const double* A, int lda, const double* B, int ldb, double* C, int ldc,
                   bool acc, std::vector<double>*) {
  if (!acc)
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) C[size_t(i) * ldc + j] = 0;
  for (int p = 0; p < k; p++)
    for (int i = 0; i < m; i++) {
      const double a = A[size_t(p) * lda + i];
      const double* b = B + size_t(p) * ldb;
      double* c = C + size_t(i) * ldc;
      for (int j = 0; j < n; j++) c[j] += a * b[j];
    }
}

}  // namespace attn::nn
