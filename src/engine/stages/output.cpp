// output.cpp: stage 8 of the stepper. The heads' outputs side by side (concat) are mixed back
// into one d_model-wide vector per token by W_o: what the next layer reads.
#include "engine/stages/stages.h"
#include "kernels/kernels.h"

namespace attn {

// columns [c0, c0 + w) of src, or src into them: row by row with the SIMD copy, since Eigen's
// strided block copies run a scalar loop in wasm (8 heads x 3 slices of (n, d_head) per recompute)
Mat head_cols(const Mat& src, int c0, int w) {
  Mat out(src.rows(), w);
  for (Eigen::Index i = 0; i < src.rows(); i++) kern::copy(src.row(i).data() + c0, out.row(i).data(), size_t(w));
  return out;
}
void set_head_cols(const Mat& src, int c0, Mat* dst) {
  for (Eigen::Index i = 0; i < src.rows(); i++) kern::copy(src.row(i).data(), dst->row(i).data() + c0, size_t(src.cols()));
}

// concat (n_q, d_model) . wo (d_model, d_model) -> (n_q, d_model)
Mat output_projection(const Mat& concat, const Mat& wo, int threads) { return matmul(concat, wo, threads); }

}  // namespace attn
