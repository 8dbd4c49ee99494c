// attend.cpp: the weighted sum. Each output row is a blend of the value rows,
// mixed in the proportions the weights give.
#include "kernels/kernels.h"
#include "engine/stages/stages.h"

namespace attn {

// weights (n_q, n_k) . v (n_k, dh) -> (n_q, dh)
Mat attend(const Mat& weights, const Mat& v, int threads) { return matmul(weights, v, threads); }

// (m, k) . (k, n) on the SIMD kernel; every product of the staged path goes through here
Mat matmul(const Mat& a, const Mat& b, int threads) {
  Mat c(a.rows(), b.cols());
  kern::gemm_threads(threads, int(a.rows()), int(b.cols()), int(a.cols()), a.data(), int(a.cols()), b.data(),
                     int(b.cols()), c.data(), int(c.cols()));
  return c;
}

}  // namespace attn
