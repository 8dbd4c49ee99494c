// linear.cpp: y = x W + b in both stored layouts, and its backward pass, on nn/ops.h's products.
#include <algorithm>
#include "kernels/expect.h"
#include "nn/layers.h"
#include "nn/ops.h"

namespace attn::nn {

namespace {
// y (N, out) (+)= x W for a matrix stored in 16 bits: kBlock output rows (nn.Linear) or columns
// (Conv1D) at a time are widened into a scratch block and multiplied; the block is O(kBlock in)
template <class S>
void half_product(int N, const S* x, const Linear<const S>& W, S* y, bool acc, std::vector<S>* tmp) {
  constexpr int kBlock = 64;
  std::vector<S> wide;
  for (int o0 = 0; o0 < W.out; o0 += kBlock) {
    const int n = std::min(kBlock, W.out - o0);
    if (W.store == Store::OutIn) {  // rows o0..o0+n of (out, in): contiguous runs of `in`
      wide.resize(size_t(n) * W.in);
      for (int r = 0; r < n; r++) widen_halves(W.half, W.w16 + size_t(o0 + r) * W.ld, size_t(W.in), wide.data() + size_t(r) * W.in);
      mm_nt(N, n, W.in, x, W.in, wide.data(), W.in, y + o0, W.out, acc, tmp);
    } else {  // columns o0..o0+n of (in, out)
      wide.resize(size_t(W.in) * n);
      for (int i = 0; i < W.in; i++) widen_halves(W.half, W.w16 + size_t(i) * W.ld + o0, size_t(n), wide.data() + size_t(i) * n);
      mm(N, n, W.in, x, W.in, wide.data(), n, y + o0, W.out, acc, tmp);
    }
  }
}
}  // namespace

template <class S>
void linear_forward(int N, const S* x, const Linear<const S>& W, S* y, bool acc, std::vector<S>* tmp) {
  ATTN_EXPECT((W.w || W.w16) && W.in > 0 && W.out > 0 && W.ld >= (W.store == Store::InOut ? W.out : W.in));
  if (W.w16) half_product(N, x, W, y, acc, tmp);
  else if (W.store == Store::InOut) mm(N, W.out, W.in, x, W.in, W.w, W.ld, y, W.out, acc, tmp);
  else mm_nt(N, W.out, W.in, x, W.in, W.w, W.ld, y, W.out, acc, tmp);
  if (W.b)
    for (int n = 0; n < N; n++)
      for (int i = 0; i < W.out; i++) y[size_t(n) * W.out + i] += W.b[i];
}

template <class S>
void linear_backward(int N, const S* x, const S* dy, const Linear<const S>& W, const Linear<S>& G, S* dx, bool acc_dx,
                     std::vector<S>* tmp) {
  ATTN_EXPECT(G.w && W.w && G.ld == W.ld && bool(G.b) == bool(W.b));  // not for 16-bit stored weights
  if (G.b) {  // db (out) = Σ_n dy, summed in row order
    std::fill(G.b, G.b + W.out, S(0));
    for (int n = 0; n < N; n++)
      for (int i = 0; i < W.out; i++) G.b[i] += dy[size_t(n) * W.out + i];
  }
  if (W.store == Store::InOut) {
    mm_tn(W.in, W.out, N, x, W.in, dy, W.out, G.w, W.ld, false, tmp);                  // dW (in, out) = xᵀ dy
    if (dx) mm_nt(N, W.in, W.out, dy, W.out, W.w, W.ld, dx, W.in, acc_dx, tmp);         // dx = dy Wᵀ
  } else {
    mm_tn(W.out, W.in, N, dy, W.out, x, W.in, G.w, W.ld, false, tmp);                  // dW (out, in) = dyᵀ x
    if (dx) mm(N, W.in, W.out, dy, W.out, W.w, W.ld, dx, W.in, acc_dx, tmp);            // dx = dy W
  }
}

template void linear_forward<float>(int, const float*, const Linear<const float>&, float*, bool, std::vector<float>*);
template void linear_forward<double>(int, const double*, const Linear<const double>&, double*, bool, std::vector<double>*);
template void linear_backward<float>(int, const float*, const float*, const Linear<const float>&, const Linear<float>&,
                                     float*, bool, std::vector<float>*);
template void linear_backward<double>(int, const double*, const double*, const Linear<const double>&,
                                      const Linear<double>&, double*, bool, std::vector<double>*);

}  // namespace attn::nn
