// model.cpp: the transformer of model.h, forward and backward, written once for float and double.
// The passes themselves are the one transformer's (nn/transformer.h): this file says which
// configuration of it the trained model is and where its tensors sit.
// Sections: names and layout | init | as a configuration of the transformer | forward and backward |
//           decoding with a KV cache
#include "train/model.h"
#include <algorithm>
#include <cmath>
#include <cstdio>
#include "core/format.h"
#include "core/rng.h"
#include "engine/train_rules.h"

namespace attn::train {

// ---------------------------------------------------------------- names and layout

float ModelConfig::score_scale() const {
  if (scale == ScaleMode::None) return 1.0f;
  if (scale == ScaleMode::Custom) return scale_value;
  return float(1.0 / std::sqrt(double(d_head())));
}

bool validate(const ModelConfig& c, std::string* err) {
  auto fail = [&](const std::string& m) { *err = m; return false; };
  // the ranges are the training settings' (engine/rules.cpp)
  auto range = [&](TrainKey k, double v) {
    const std::string e = check_train_value(k, v);
    return e.empty() || fail(train_flag(k) + " must be " + e + " (got " + sig_text(v, 10) + ")");
  };
  if (!range(TrainKey::Layers, c.layers) || !range(TrainKey::Heads, c.heads) || !range(TrainKey::DModel, c.d_model) ||
      !range(TrainKey::Temperature, c.temperature) || !range(TrainKey::Dropout, c.dropout) ||
      (c.scale == ScaleMode::Custom && !range(TrainKey::Scale, c.scale_value)))
    return false;
  if (c.d_model % c.heads)
    return fail("--d-model " + std::to_string(c.d_model) + " is not a multiple of --heads " + std::to_string(c.heads));
  if (c.kv_heads < 0 || c.kvh() > c.heads || c.heads % c.kvh())
    return fail("--kv-heads " + std::to_string(c.kv_heads) + " must divide --heads " + std::to_string(c.heads));
  if (c.norm != Normalizer::Softmax && c.norm != Normalizer::Sparsemax && c.norm != Normalizer::Entmax)
    return fail(std::string("normalizer ") + name_of(c.norm) + " is not one the model trains with (softmax, sparsemax or entmax)");
  if (c.init != Init::Xavier && c.init != Init::Kaiming && c.init != Init::Normal)
    return fail(std::string("init ") + name_of(c.init) + " is the stepper's; the model starts from xavier, kaiming or normal");
  if (c.pos == PosEnc::Rope && c.d_head() % 2)
    return fail("--posenc rope needs an even d_head (d_model / heads = " + std::to_string(c.d_head()) + ")");
  if (c.vocab < 2 || c.vocab > 4096) return fail("vocabulary must be 2 to 4096 tokens");
  if (c.seq < 1 || c.seq > 1024) return fail("sequence length must be 1 to 1024");
  return true;
}

int Layout::find(const std::string& name) const {
  for (size_t i = 0; i < tensors.size(); i++)
    if (tensors[i].name == name) return int(i);
  return -1;
}

Layout make_layout(const ModelConfig& c) {
  Layout lay;
  const int d = c.d_model, dkv = c.kvh() * c.d_head();
  auto add = [&](const std::string& name, std::vector<int> shape, bool decay) {
    TensorInfo t;
    t.name = name;
    t.shape = shape;
    t.size = 1;
    for (int s : shape) t.size *= size_t(s);
    t.offset = lay.total;
    t.decay = decay;
    lay.total += t.size;
    lay.tensors.push_back(t);
    return t.offset;
  };
  lay.tok_emb = add("tok_emb", {c.vocab, d}, true);
  if (c.pos == PosEnc::Learned) lay.pos_emb = add("pos_emb", {c.seq, d}, true);
  for (int l = 0; l < c.layers; l++) {
    const std::string p = "layers." + std::to_string(l) + ".";
    Layout::LayerAt at;
    at.ln1w = at.ln1b = at.ln2w = at.ln2b = at.w1 = at.b1 = at.w2 = at.b2 = Layout::npos;
    if (c.ln) { at.ln1w = add(p + "ln1.weight", {d}, false); at.ln1b = add(p + "ln1.bias", {d}, false); }
    at.wq = add(p + "wq", {d, d}, true);
    at.wk = add(p + "wk", {d, dkv}, true);
    at.wv = add(p + "wv", {d, dkv}, true);
    at.wo = add(p + "wo", {d, d}, true);
    if (c.mlp) {
      if (c.ln) { at.ln2w = add(p + "ln2.weight", {d}, false); at.ln2b = add(p + "ln2.bias", {d}, false); }
      at.w1 = add(p + "mlp.w1", {d, c.d_ff()}, true);
      at.b1 = add(p + "mlp.b1", {c.d_ff()}, false);
      at.w2 = add(p + "mlp.w2", {c.d_ff(), d}, true);
      at.b2 = add(p + "mlp.b2", {d}, false);
    }
    lay.layer.push_back(at);
  }
  if (c.ln) { lay.lnfw = add("ln_f.weight", {d}, false); lay.lnfb = add("ln_f.bias", {d}, false); }
  lay.unembed = add("unembed", {d, c.vocab}, true);
  return lay;
}

// ---------------------------------------------------------------- init

template <class S>
void init_params(const ModelConfig& c, const Layout& lay, uint64_t seed, std::vector<S>* params) {
  params->assign(lay.total, S(0));
  Rng rng(seed);
  for (const TensorInfo& t : lay.tensors) {
    S* p = params->data() + t.offset;
    const bool is_ln_weight = t.name.find("ln") != std::string::npos && t.name.find(".weight") != std::string::npos;
    if (t.shape.size() == 1) {  // biases 0, LayerNorm weights 1
      for (size_t i = 0; i < t.size; i++) p[i] = is_ln_weight ? S(1) : S(0);
      continue;
    }
    const double fan_in = t.shape[0], fan_out = t.shape[1];
    for (size_t i = 0; i < t.size; i++) {
      switch (c.init) {
        case Init::Xavier: {
          const double a = std::sqrt(6.0 / (fan_in + fan_out));
          p[i] = S(rng.uniform(float(-a), float(a)));
          break;
        }
        case Init::Kaiming: p[i] = S(double(rng.normal()) * std::sqrt(2.0 / fan_in)); break;
        case Init::Normal: p[i] = S(double(rng.normal()) * 0.02); break;
        default: p[i] = S(0); break;  // the stepper's (designed, identity): validate() refuses them
      }
    }
  }
}

// ---------------------------------------------------------------- as a configuration of the transformer

nn::Spec spec_of(const ModelConfig& c) {
  nn::Spec s;
  s.vocab = c.vocab;
  s.d_model = c.d_model;
  s.layers = c.layers;
  s.pos = c.pos;
  s.norm.kind = c.ln ? nn::NormKind::Layer : nn::NormKind::None;
  s.norm.eps = 1e-5;
  nn::AttentionSpec& a = s.attn;
  a.heads = c.heads;
  a.kv_heads = c.kvh();
  a.d_head = c.d_head();
  a.causal = c.causal;
  a.pos = c.pos;
  a.rope = RopeLayout::Interleaved;
  a.rope_theta = 10000.0;
  a.scale = c.score_scale();
  a.temperature = c.temperature;
  a.norm = c.norm;
  a.dropout = c.dropout;
  s.mlp = c.mlp;
  s.ff.act = nn::Activation::Gelu;
  s.ff.d_ff = c.d_ff();
  return s;
}

template <class T>
nn::Weights<T> weights_of(const ModelConfig& c, const Layout& lay, T* base) {
  auto at = [&](size_t off) -> T* { return off == Layout::npos ? nullptr : base + off; };
  auto linear = [&](size_t w, int in, int out, size_t b = Layout::npos) {  // every matrix is (in, out)
    nn::Linear<T> L;
    L.w = at(w);
    L.b = at(b);
    L.in = in;
    L.out = out;
    L.ld = out;
    return L;
  };
  const int d = c.d_model, dkv = c.kvh() * c.d_head();
  nn::Weights<T> W;
  W.embed.tok = at(lay.tok_emb);
  W.embed.pos = at(lay.pos_emb);
  for (const Layout::LayerAt& l : lay.layer) {
    nn::Block<T> b;
    b.ln1 = {at(l.ln1w), at(l.ln1b)};
    b.ln2 = {at(l.ln2w), at(l.ln2b)};
    b.attn.q = linear(l.wq, d, d);
    b.attn.k = linear(l.wk, d, dkv);
    b.attn.v = linear(l.wv, d, dkv);
    b.attn.o = linear(l.wo, d, d);
    if (c.mlp) {
      b.mlp.up = linear(l.w1, d, c.d_ff(), l.b1);
      b.mlp.down = linear(l.w2, c.d_ff(), d, l.b2);
    }
    W.blocks.push_back(b);
  }
  W.ln_f = {at(lay.lnfw), at(lay.lnfb)};
  W.head = linear(lay.unembed, d, c.vocab);
  return W;
}

bool fused(const ModelConfig& c, int T, bool is_float, bool dropout, bool record_scores) {
  return nn::fused_applies(spec_of(c).attn, T, 0, is_float, dropout, record_scores);
}

// ---------------------------------------------------------------- forward and backward

template <class S>
LossOut forward(const ModelConfig& c, const Layout& lay, const std::vector<S>& P, const Batch& batch, Cache<S>* cache,
                bool train, uint64_t dropout_seed, bool all_logits) {
  const nn::Spec s = spec_of(c);
  const nn::Weights<const S> W = weights_of(c, lay, P.data());
  Cache<S>& C = *cache;
  nn::Run run;
  run.train = train;
  run.dropout_seed = dropout_seed;
  nn::forward_blocks(s, W, batch.B, batch.T, 0, batch.x.data(), run, &C);
  // logits (R, V) at the scored rows (or all rows), their softmax, the loss
  C.rows.clear();
  for (int n = 0; n < batch.B * batch.T; n++)
    if (all_logits || batch.w[size_t(n)] > 0) C.rows.push_back(n);
  C.logits.resize(C.rows.size() * size_t(c.vocab));
  C.probs.resize(C.logits.size());
  nn::lm_head_forward(c.d_model, C.rows, C.f.data(), W.head, &C.work.fr, C.logits.data(), &C.work.tmp);
  return nn::cross_entropy_forward(c.vocab, C.rows, C.logits.data(), batch.y.data(), batch.w.data(), C.probs.data());
}

template <class S>
void backward(const ModelConfig& c, const Layout& lay, const std::vector<S>& P, const Batch& batch, const Cache<S>& C,
              std::vector<S>* grads) {
  const nn::Spec s = spec_of(c);
  const nn::Weights<const S> W = weights_of(c, lay, P.data());
  grads->assign(lay.total, S(0));
  const nn::Weights<S> G = weights_of(c, lay, grads->data());
  auto& w = C.work;
  w.dlog.resize(C.rows.size() * size_t(c.vocab));  // (R, V)
  w.df.resize(size_t(C.B) * C.T * c.d_model);      // (B·T, d)
  nn::cross_entropy_backward(c.vocab, C.rows, C.probs.data(), batch.y.data(), batch.w.data(), w.dlog.data());
  nn::lm_head_backward(C.B * C.T, c.d_model, C.rows, w.fr, w.dlog.data(), W.head, G.head, &w.dfr, w.df.data(), &w.tmp);
  nn::backward_blocks(s, W, batch.x.data(), C, w.df.data(), G);
}

// ---------------------------------------------------------------- decoding with a KV cache

std::vector<float> decode_step(const ModelConfig& c, const Layout& lay, const std::vector<float>& P, int token,
                               Decoder* dec) {
  const nn::Spec s = spec_of(c);
  const nn::Weights<const float> W = weights_of(c, lay, P.data());
  nn::forward_blocks(s, W, 1, 1, dec->t, &token, nn::Run(), &dec->cache);
  std::vector<float> logits(size_t(c.vocab));
  nn::lm_head_forward(c.d_model, {0}, dec->cache.f.data(), W.head, &dec->cache.work.fr, logits.data(),
                      &dec->cache.work.tmp);
  dec->t++;
  return logits;
}

template void init_params<float>(const ModelConfig&, const Layout&, uint64_t, std::vector<float>*);
template void init_params<double>(const ModelConfig&, const Layout&, uint64_t, std::vector<double>*);
template LossOut forward<float>(const ModelConfig&, const Layout&, const std::vector<float>&, const Batch&,
                                Cache<float>*, bool, uint64_t, bool);
template LossOut forward<double>(const ModelConfig&, const Layout&, const std::vector<double>&, const Batch&,
                                 Cache<double>*, bool, uint64_t, bool);
template void backward<float>(const ModelConfig&, const Layout&, const std::vector<float>&, const Batch&,
                              const Cache<float>&, std::vector<float>*);
template void backward<double>(const ModelConfig&, const Layout&, const std::vector<double>&, const Batch&,
                               const Cache<double>&, std::vector<double>*);
template nn::Weights<const float> weights_of(const ModelConfig&, const Layout&, const float*);
template nn::Weights<float> weights_of(const ModelConfig&, const Layout&, float*);
template nn::Weights<const double> weights_of(const ModelConfig&, const Layout&, const double*);
template nn::Weights<double> weights_of(const ModelConfig&, const Layout&, double*);

}  // namespace attn::train
