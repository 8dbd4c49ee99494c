// linear.cpp: y = x W + b in both stored layouts, and its backward pass, on nn/ops.h's products.
#include <algorithm>
#include "kernels/expect.h"
#include "nn/layers.h"
#include "nn/ops.h"

namespace attn::nn {

template <class S>
void linear_forward(int N, const S* x, const Linear<const S>& W, S* y, bool acc, std::vector<S>* tmp) {
  ATTN_EXPECT(W.w && W.in > 0 && W.out > 0 && W.ld >= (W.store == Store::InOut ? W.out : W.in));
  if (W.store == Store::InOut) mm(N, W.out, W.in, x, W.in, W.w, W.ld, y, W.out, acc, tmp);
  else mm_nt(N, W.out, W.in, x, W.in, W.w, W.ld, y, W.out, acc, tmp);
  if (W.b)
    for (int n = 0; n < N; n++)
      for (int i = 0; i < W.out; i++) y[size_t(n) * W.out + i] += W.b[i];
}

template <class S>
void linear_backward(int N, const S* x, const S* dy, const Linear<const S>& W, const Linear<S>& G, S* dx, bool acc_dx,
                     std::vector<S>* tmp) {
  ATTN_EXPECT(G.w && G.ld == W.ld && bool(G.b) == bool(W.b));
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
