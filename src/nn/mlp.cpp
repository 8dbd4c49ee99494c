// mlp.cpp: the MLP layer, GELU (GPT-2: down(GELU_tanh(up x + b) ) + b) or SwiGLU (Llama:
// down(silu(gate x) · up x)), and its backward pass.
#include <cmath>
#include "core/norms.h"
#include "kernels/expect.h"
#include "nn/layers.h"

namespace attn::nn {

template <class S>
void mlp_forward(const MlpSpec& s, int rows, int d, const S* m, const MlpWeights<const S>& W, MlpCache<S>* c, S* h,
                 MlpWork<S>* w) {
  const size_t n = size_t(rows) * s.d_ff;
  (void)d;  // in the entry checks only
  ATTN_EXPECT(W.up.in == d && W.up.out == s.d_ff && W.down.in == s.d_ff && W.down.out == d);
  c->u.resize(n);
  c->g.resize(n);
  c->gt.resize(n);
  linear_forward(rows, m, W.up, c->u.data(), false, &w->tmp);  // u (rows, d_ff) = m W_up + b
  if (s.act == Activation::Gelu) {
    gelu_rows(c->u.data(), n, c->g.data(), c->gt.data());
  } else if (s.act == Activation::GeluErf) {
    for (size_t i = 0; i < n; i++) c->g[i] = S(0.5) * c->u[i] * (S(1) + std::erf(c->u[i] * S(0.7071067811865476)));
  } else {
    ATTN_EXPECT((W.gate.w || W.gate.w16) && W.gate.out == s.d_ff);
    linear_forward(rows, m, W.gate, c->gt.data(), false, &w->tmp);  // gt (rows, d_ff) = m W_gate
    swiglu(n, c->gt.data(), c->u.data(), c->g.data());
  }
  linear_forward(rows, c->g.data(), W.down, h, true, &w->tmp);  // h += g W_down + b
}

template <class S>
void mlp_backward(const MlpSpec& s, int rows, int d, const S* m, const S* dh, const MlpWeights<const S>& W,
                  const MlpCache<S>& c, const MlpWeights<S>& G, S* dm, MlpWork<S>* w) {
  const size_t n = size_t(rows) * s.d_ff;
  w->dg.resize(n);
  w->du.resize(n);
  linear_backward(rows, c.g.data(), dh, W.down, G.down, w->dg.data(), false, &w->tmp);  // dW_down, dg = dh W_downᵀ
  if (s.act == Activation::Gelu || s.act == Activation::GeluErf) {
    for (size_t i = 0; i < n; i++) {
      const S x = c.u[i];  // exact GELU's derivative: Phi(x) + x phi(x)
      w->du[i] = w->dg[i] * (s.act == Activation::Gelu ? gelu_grad(x, c.gt[i])
                                                       : S(0.5) * (S(1) + std::erf(x * S(0.7071067811865476))) +
                                                             x * std::exp(S(-0.5) * x * x) * S(0.3989422804014327));
    }
    linear_backward(rows, m, w->du.data(), W.up, G.up, dm, false, &w->tmp);  // dW_up, dm = du W_upᵀ
  } else {
    w->dgate.resize(n);
    swiglu_backward(n, c.gt.data(), c.u.data(), w->dg.data(), w->dgate.data(), w->du.data());
    linear_backward(rows, m, w->du.data(), W.up, G.up, dm, false, &w->tmp);
    linear_backward(rows, m, w->dgate.data(), W.gate, G.gate, dm, true, &w->tmp);
  }
  (void)d;
}

template void mlp_forward<float>(const MlpSpec&, int, int, const float*, const MlpWeights<const float>&,
                                 MlpCache<float>*, float*, MlpWork<float>*);
template void mlp_forward<double>(const MlpSpec&, int, int, const double*, const MlpWeights<const double>&,
                                  MlpCache<double>*, double*, MlpWork<double>*);
template void mlp_backward<float>(const MlpSpec&, int, int, const float*, const float*, const MlpWeights<const float>&,
                                  const MlpCache<float>&, const MlpWeights<float>&, float*, MlpWork<float>*);
template void mlp_backward<double>(const MlpSpec&, int, int, const double*, const double*,
                                   const MlpWeights<const double>&, const MlpCache<double>&, const MlpWeights<double>&,
                                   double*, MlpWork<double>*);

}  // namespace attn::nn
