// transformer.cpp: the transformer of transformer.h as a list of layer calls, forward and backward.
#include "nn/transformer.h"
#include <type_traits>
#include "kernels/expect.h"

namespace attn::nn {

template <class S>
void forward_begin(const Spec& s, const Weights<const S>& W, int B, int T, int pos0, const int* x, Cache<S>* c) {
  const int N = B * T, d = s.d_model, H = s.attn.heads;
  ATTN_EXPECT(int(W.blocks.size()) == s.layers && B > 0 && T > 0);
  c->B = B;
  c->T = T;
  c->pos0 = pos0;
  c->layers.resize(size_t(s.layers));
  if (c->record_scores) c->max_abs_score.assign(size_t(s.layers) * H, 0.0);
  std::vector<S>& h = c->work.h;  // (N, d) the residual stream
  h.resize(size_t(N) * d);
  embed_forward(s.pos, B, T, pos0, d, x, W.embed, h.data());
}

template <class S>
void forward_block(const Spec& s, const Weights<const S>& W, int l, const Run& run, Cache<S>* c) {
  const int B = c->B, T = c->T, pos0 = c->pos0, N = B * T, d = s.d_model, H = s.attn.heads;
  auto& w = c->work;
  std::vector<S>& h = w.h;  // (N, d) the residual stream
  const bool dropout = run.train && s.attn.dropout > 0;
  const Block<const S>& Wl = W.blocks[size_t(l)];
  auto& L = c->layers[size_t(l)];
  AttentionRun ar;
  ar.dropout = dropout;
  ar.dropout_seed = run.dropout_seed;
  ar.layer = l;
  ar.fused = !c->keep_weights && fused_applies(s.attn, T, pos0, std::is_same_v<S, float>, dropout, c->record_scores);
  ar.max_abs_score = c->record_scores ? c->max_abs_score.data() + size_t(l) * H : nullptr;
  ATTN_EXPECT(c->knocked_out.empty() || c->knocked_out.size() == size_t(s.layers) * H);
  ar.knocked_out = c->knocked_out.empty() ? nullptr : c->knocked_out.data() + size_t(l) * H;
  norm_forward(s.norm, N, d, h, Wl.ln1, &L.n1, &L.a);
  attention_forward(s.attn, B, T, pos0, d, L.a.data(), Wl.attn, ar, &L, h.data(), &w.attn);
  if (s.mlp) {
    norm_forward(s.norm, N, d, h, Wl.ln2, &L.n2, &L.m);
    mlp_forward(s.ff, N, d, L.m.data(), Wl.mlp, &L, h.data(), &w.mlp);
  }
  if (c->keep_resid) L.resid = h;
}

template <class S>
void forward_end(const Spec& s, const Weights<const S>& W, Cache<S>* c) {
  norm_forward(s.norm, c->B * c->T, s.d_model, c->work.h, W.ln_f, &c->nf, &c->f);
}

template <class S>
void forward_blocks(const Spec& s, const Weights<const S>& W, int B, int T, int pos0, const int* x, const Run& run,
                    Cache<S>* c) {
  forward_begin(s, W, B, T, pos0, x, c);
  for (int l = 0; l < s.layers; l++) forward_block(s, W, l, run, c);
  forward_end(s, W, c);
}

template <class S>
void backward_blocks(const Spec& s, const Weights<const S>& W, const int* x, const Cache<S>& c, const S* df,
                     const Weights<S>& G) {
  const int B = c.B, T = c.T, N = B * T, d = s.d_model;
  ATTN_EXPECT(c.pos0 == 0);
  auto& w = c.work;
  std::vector<S>&dres = w.dres, &da = w.da, &dm = w.dm;  // (N, d) at the residual stream, at a, at m
  dres.assign(size_t(N) * d, S(0));
  norm_backward(s.norm, N, d, df, c.nf, W.ln_f, dres.data(), G.ln_f);
  da.resize(size_t(N) * d);
  dm.resize(size_t(N) * d);
  for (int l = s.layers - 1; l >= 0; l--) {
    const Block<const S>& Wl = W.blocks[size_t(l)];
    const Block<S>& Gl = G.blocks[size_t(l)];
    const auto& L = c.layers[size_t(l)];
    if (s.mlp) {  // h_out = h_mid + mlp(norm2(h_mid))
      mlp_backward(s.ff, N, d, L.m.data(), dres.data(), Wl.mlp, L, Gl.mlp, dm.data(), &w.mlp);
      norm_backward(s.norm, N, d, dm.data(), L.n2, Wl.ln2, dres.data(), Gl.ln2);
    }
    // h_mid = h_in + attention(norm1(h_in))
    attention_backward(s.attn, B, T, d, L.a.data(), dres.data(), Wl.attn, L, s.attn.dropout, Gl.attn, da.data(), &w.attn);
    norm_backward(s.norm, N, d, da.data(), L.n1, Wl.ln1, dres.data(), Gl.ln1);
  }
  embed_backward(s.pos, B, T, d, x, dres.data(), G.embed);
}

template void forward_begin<float>(const Spec&, const Weights<const float>&, int, int, int, const int*, Cache<float>*);
template void forward_block<float>(const Spec&, const Weights<const float>&, int, const Run&, Cache<float>*);
template void forward_end<float>(const Spec&, const Weights<const float>&, Cache<float>*);
template void forward_blocks<float>(const Spec&, const Weights<const float>&, int, int, int, const int*, const Run&,
                                    Cache<float>*);
template void forward_blocks<double>(const Spec&, const Weights<const double>&, int, int, int, const int*, const Run&,
                                     Cache<double>*);
template void backward_blocks<float>(const Spec&, const Weights<const float>&, const int*, const Cache<float>&,
                                     const float*, const Weights<float>&);
template void backward_blocks<double>(const Spec&, const Weights<const double>&, const int*, const Cache<double>&,
                                      const double*, const Weights<double>&);

}  // namespace attn::nn
