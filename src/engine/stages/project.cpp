// project.cpp: stage 2 of the stepper. Q = Xpe.W_q, K = Xpe_src.W_k, V = Xpe_src.W_v: each token
// asks (q), advertises (k) and offers (v) through its own learned lens.
// Recomputed only where the inputs changed since the last pass (the caller's `prev` trace):
// dragging one cell of X changes one row of X, so its rows of Q, K and V are redone (3 d^2
// multiply-adds) instead of all of them (3 n d^2), which is most of a recompute at d_model = 512.
// Results are bit-identical to the full products: kern::gemv sums each row in the order gemm does.
#include "engine/stages/stages.h"
#include "kernels/kernels.h"

namespace attn {

namespace {

bool same(const SharedMat& a, const SharedMat& b) { return (a.p && a.p == b.p) || same_bits(a.get(), b.get()); }

void redo_rows(const Mat& x, const Mat& w, const std::vector<int>& rows, Mat* out) {
  for (int i : rows) kern::gemv(int(w.cols()), int(w.rows()), x.row(i).data(), w.data(), int(w.cols()), out->row(i).data());
}

}  // namespace

bool same_shape(const Mat& a, const Mat& b) { return a.rows() == b.rows() && a.cols() == b.cols(); }
bool same_bits(const Mat& a, const Mat& b) { return same_shape(a, b) && kern::same_bits(a.data(), b.data(), size_t(a.size())); }

std::vector<int> changed_rows(const Mat& x, const Mat& before) {
  std::vector<int> rows;
  for (Eigen::Index i = 0; i < x.rows(); i++)
    if (!kern::same_bits(x.row(i).data(), before.row(i).data(), size_t(x.cols()))) rows.push_back(int(i));
  return rows;
}

void project_qkv(const Projection& in, const Projection* prev, Mat* q, Mat* k, Mat* v) {
  if (prev && same(*in.wq, *prev->wq) && same(*in.wk, *prev->wk) && same(*in.wv, *prev->wv) &&
      same_shape(*in.xq, *prev->xq) && same_shape(*in.xk, *prev->xk)) {
    std::vector<int> rq = changed_rows(*in.xq, *prev->xq), rk = changed_rows(*in.xk, *prev->xk);
    // a few rows: redo those; many: the blocked product is faster than row by row
    if (rq.size() * 4 <= size_t(in.xq->rows()) && rk.size() * 4 <= size_t(in.xk->rows())) {
      *q = *prev->q;
      *k = *prev->k;
      *v = *prev->v;
      redo_rows(*in.xq, *in.wq, rq, q);
      redo_rows(*in.xk, *in.wk, rk, k);
      redo_rows(*in.xk, *in.wv, rk, v);
      return;
    }
  }
  *q = matmul(*in.xq, *in.wq);  // (n_q, d)
  *k = matmul(*in.xk, *in.wk);  // (n_k, d)
  *v = matmul(*in.xk, *in.wv);  // (n_k, d)
}

}  // namespace attn
