// embed.cpp: token embeddings plus positions (learned or sinusoidal), and their backward pass.
#include "kernels/expect.h"
#include "nn/layers.h"

namespace attn::nn {

template <class S>
void embed_forward(PosEnc pos, int B, int T, int pos0, int d, const int* x, const EmbedWeights<const S>& W, S* h) {
  ATTN_EXPECT((W.tok || W.tok16) && (pos != PosEnc::Learned || W.pos) && pos0 >= 0);
  std::vector<S> row(W.tok16 ? size_t(d) : 0);
  std::vector<float> sin_table;  // (pos0 + T, d)
  if (pos == PosEnc::Sinusoidal) sin_table = sinusoidal_values(pos0 + T, d);
  for (int n = 0; n < B * T; n++) {
    const int t = pos0 + n % T;
    const S* e = W.tok ? W.tok + size_t(x[n]) * d : row.data();
    if (W.tok16) widen_halves(W.half, W.tok16 + size_t(x[n]) * d, size_t(d), row.data());
    for (int i = 0; i < d; i++) {
      S p = 0;
      if (pos == PosEnc::Learned) p = W.pos[size_t(t) * d + i];
      else if (pos == PosEnc::Sinusoidal) p = S(sin_table[size_t(t) * d + i]);
      h[size_t(n) * d + i] = e[i] + p;
    }
  }
}

template <class S>
void embed_backward(PosEnc pos, int B, int T, int d, const int* x, const S* dh, const EmbedWeights<S>& G) {
  for (int n = 0; n < B * T; n++) {
    S* dt = G.tok + size_t(x[n]) * d;
    for (int i = 0; i < d; i++) dt[i] += dh[size_t(n) * d + i];
    if (pos == PosEnc::Learned) {
      S* dp = G.pos + size_t(n % T) * d;
      for (int i = 0; i < d; i++) dp[i] += dh[size_t(n) * d + i];
    }
  }
}

template void embed_forward<float>(PosEnc, int, int, int, int, const int*, const EmbedWeights<const float>&, float*);
template void embed_forward<double>(PosEnc, int, int, int, int, const int*, const EmbedWeights<const double>&, double*);
template void embed_backward<float>(PosEnc, int, int, int, const int*, const float*, const EmbedWeights<float>&);
template void embed_backward<double>(PosEnc, int, int, int, const int*, const double*, const EmbedWeights<double>&);

}  // namespace attn::nn
