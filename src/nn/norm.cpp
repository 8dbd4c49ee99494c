// norm.cpp: the norm layer (none, LayerNorm, RMSNorm) on core/norms.h's row functions.
#include "core/norms.h"
#include "nn/layers.h"

namespace attn::nn {

template <class S>
void norm_forward(const NormSpec& s, int rows, int d, const std::vector<S>& x, const NormWeights<const S>& W,
                  NormCache<S>* c, std::vector<S>* y) {
  if (s.kind == NormKind::None) { *y = x; return; }
  c->rstd.resize(size_t(rows));
  y->resize(size_t(rows) * d);
  if (s.kind == NormKind::Layer) {
    c->xhat.resize(size_t(rows) * d);
    layer_norm(rows, d, x.data(), W.w, W.b, c->xhat.data(), c->rstd.data(), y->data(), s.eps);
  } else {
    c->xhat.assign(x.begin(), x.begin() + ptrdiff_t(size_t(rows) * d));  // RMSNorm's backward reads x
    rms_norm(rows, d, x.data(), W.w, c->rstd.data(), y->data(), s.eps);
  }
}

template <class S>
void norm_backward(const NormSpec& s, int rows, int d, const S* dy, const NormCache<S>& c, const NormWeights<const S>& W,
                   S* dx, const NormWeights<S>& G) {
  if (s.kind == NormKind::None) {
    for (size_t i = 0; i < size_t(rows) * d; i++) dx[i] += dy[i];
  } else if (s.kind == NormKind::Layer) {
    layer_norm_backward(rows, d, dy, c.xhat.data(), c.rstd.data(), W.w, dx, G.w, G.b);
  } else {
    rms_norm_backward(rows, d, dy, c.xhat.data(), c.rstd.data(), W.w, dx, G.w);
  }
}

template void norm_forward<float>(const NormSpec&, int, int, const std::vector<float>&, const NormWeights<const float>&,
                                  NormCache<float>*, std::vector<float>*);
template void norm_forward<double>(const NormSpec&, int, int, const std::vector<double>&,
                                   const NormWeights<const double>&, NormCache<double>*, std::vector<double>*);
template void norm_backward<float>(const NormSpec&, int, int, const float*, const NormCache<float>&,
                                   const NormWeights<const float>&, float*, const NormWeights<float>&);
template void norm_backward<double>(const NormSpec&, int, int, const double*, const NormCache<double>&,
                                    const NormWeights<const double>&, double*, const NormWeights<double>&);

}  // namespace attn::nn
