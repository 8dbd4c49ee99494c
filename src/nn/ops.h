// ops.h: the three matrix products a transformer's forward and backward passes need, for float
// (the project's SIMD kernels) and double (plain loops: the finite-difference checks and exact
// dumps). Row-major; ld* is the distance between rows; acc adds to C instead of overwriting it.
#pragma once
#include <vector>

namespace attn::nn {

// C (m, n) = A (m, k) · B (k, n)
template <class S>
void mm(int m, int n, int k, const S* A, int lda, const S* B, int ldb, S* C, int ldc, bool acc, std::vector<S>* tmp);
// C (m, n) = A (m, k) · Bᵀ, B given as (n, k)
template <class S>
void mm_nt(int m, int n, int k, const S* A, int lda, const S* B, int ldb, S* C, int ldc, bool acc, std::vector<S>* tmp);
// C (m, n) = Aᵀ · B, A given as (k, m), B (k, n)
template <class S>
void mm_tn(int m, int n, int k, const S* A, int lda, const S* B, int ldb, S* C, int ldc, bool acc, std::vector<S>* tmp);

}  // namespace attn::nn
