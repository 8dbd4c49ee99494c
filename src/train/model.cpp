// model.cpp: the transformer of model.h, forward and backward, written once for float and double.
// Sections: names and layout | init | row helpers (LayerNorm, GELU, normalizers, RoPE) |
//           attention | forward | backward | decoding with a KV cache
#include "train/model.h"
#include <algorithm>
#include <cmath>
#include <cstdio>
#include "core/rng.h"
#include "core/normalize.h"
#include "core/norms.h"
#include "core/positions.h"
#include "kernels/kernels.h"
#include "train/ops.h"

namespace attn::train {

// ---------------------------------------------------------------- names and layout

float ModelConfig::score_scale() const {
  if (scale == ScaleMode::None) return 1.0f;
  if (scale == ScaleMode::Custom) return scale_value;
  return float(1.0 / std::sqrt(double(d_head())));
}

bool validate(const ModelConfig& c, std::string* err) {
  auto fail = [&](const std::string& m) { *err = m; return false; };
  if (c.layers < 1 || c.layers > 6) return fail("--layers must be 1 to 6 (got " + std::to_string(c.layers) + ")");
  if (c.heads < 1 || c.heads > 16) return fail("--heads must be 1 to 16 (got " + std::to_string(c.heads) + ")");
  if (c.d_model < 2 || c.d_model > 1024) return fail("--d-model must be 2 to 1024 (got " + std::to_string(c.d_model) + ")");
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
  if (!(c.temperature >= 1e-3f && c.temperature <= 1e3f)) return fail("--temperature must be in [0.001, 1000]");
  if (c.scale == ScaleMode::Custom && !(c.scale_value > 0 && c.scale_value <= 1e3f))
    return fail("--scale must be auto, none or a number in (0, 1000]");
  if (!(c.dropout >= 0 && c.dropout < 0.95f)) return fail("--dropout must be in [0, 0.95)");
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

// ---------------------------------------------------------------- row helpers

namespace {

// out (rows, d) = LayerNorm(x) keeping xhat and rstd for the backward pass, or a copy of x without LayerNorm
template <class S>
void ln_or_copy(bool ln, int rows, int d, const std::vector<S>& x, const S* w, const S* b, std::vector<S>* xhat,
                std::vector<S>* rstd, std::vector<S>* out) {
  if (!ln) { *out = x; return; }
  xhat->resize(size_t(rows) * d);
  rstd->resize(size_t(rows));
  out->resize(size_t(rows) * d);
  layer_norm(rows, d, x.data(), w, b, xhat->data(), rstd->data(), out->data());
}


// Where head hh (reading KV head g) of sequence b starts: in Q and the heads' output (rows of d),
// in K and V (rows of H_kv·d_head), and its (T, T) block of weights.
struct HeadAt {
  size_t q, kv, p;
  HeadAt(int b, int hh, int g, int T, int d, int dkv, int dh, int H)
      : q(size_t(b) * T * d + size_t(hh) * dh), kv(size_t(b) * T * dkv + size_t(g) * dh), p((size_t(b) * H + hh) * T * T) {}
};

// dropout's kept cells for (seed, layer, batch row, head): a stream per (l, b, h) so that the
// pattern does not depend on how the work is split
uint64_t dropout_stream(uint64_t seed, int l, int b, int h) {
  return seed ^ (uint64_t(l + 1) * 0x9E3779B97F4A7C15ull) ^ (uint64_t(b + 1) * 0xC2B2AE3D27D4EB4Full) ^
         (uint64_t(h + 1) * 0x165667B19E3779F9ull);
}

template <class S>
S* at(std::vector<S>& v, size_t off) { return v.data() + off; }
template <class S>
const S* at(const std::vector<S>& v, size_t off) { return v.data() + off; }

}  // namespace

// ---------------------------------------------------------------- forward

bool fused(const ModelConfig& c, int T, bool is_float, bool dropout, bool record_scores) {
  return is_float && T >= kFusedT && c.norm == Normalizer::Softmax && c.pos != PosEnc::Alibi && !dropout && !record_scores;
}

namespace {
MaskRule mask_rule(const ModelConfig& c) {
  MaskRule r;
  r.kind = c.causal ? MaskRule::Causal : MaskRule::None;
  return r;
}
}  // namespace

template <class S>
LossOut forward(const ModelConfig& c, const Layout& lay, const std::vector<S>& P, const Batch& batch, Cache<S>* cache,
                bool train, uint64_t dropout_seed, bool all_logits) {
  const int B = batch.B, T = batch.T, N = B * T, d = c.d_model, V = c.vocab, H = c.heads, Hkv = c.kvh();
  const int dh = c.d_head(), dkv = Hkv * dh, group = H / Hkv, ff = c.d_ff();
  const bool dropout = train && c.dropout > 0;
  const S keep_scale = dropout ? S(1) / (S(1) - S(c.dropout)) : S(1);
  const std::vector<double> slopes = c.pos == PosEnc::Alibi ? alibi_slopes(H) : std::vector<double>();
  Cache<S>& C = *cache;
  C.B = B;
  C.T = T;
  C.layers.resize(size_t(c.layers));
  if (C.record_scores) C.max_abs_score.assign(size_t(c.layers) * H, S(0));
  std::vector<S>& tmp = C.work.tmp;
  std::vector<S>& att = C.work.att;
  att.resize(size_t(T) * T);
  std::vector<double> tz, tp;

  // h0 (N, d) = tok_emb[x] + positions
  std::vector<S>& h = C.work.h;
  h.resize(size_t(N) * d);
  std::vector<float> sin_table;  // (T, d)
  if (c.pos == PosEnc::Sinusoidal) sin_table = sinusoidal_values(T, d);
  for (int n = 0; n < N; n++) {
    const int t = n % T;
    const S* e = at(P, lay.tok_emb + size_t(batch.x[size_t(n)]) * d);
    for (int i = 0; i < d; i++) {
      S pos = 0;
      if (c.pos == PosEnc::Learned) pos = P[lay.pos_emb + size_t(t) * d + i];
      else if (c.pos == PosEnc::Sinusoidal) pos = S(sin_table[size_t(t) * d + i]);
      h[size_t(n) * d + i] = e[i] + pos;
    }
  }

  for (int l = 0; l < c.layers; l++) {
    const Layout::LayerAt& W = lay.layer[size_t(l)];
    auto& L = C.layers[size_t(l)];
    // pass 1: a (N, d) = LN1(h)
    ln_or_copy(c.ln, N, d, h, at(P, W.ln1w), at(P, W.ln1b), &L.a_hat, &L.a_rstd, &L.a);
    // pass 2: Q (N, d), K, V (N, dkv); RoPE rotates Q and K by each row's position
    L.q.resize(size_t(N) * d);
    L.k.resize(size_t(N) * dkv);
    L.v.resize(size_t(N) * dkv);
    mm(N, d, d, L.a.data(), d, at(P, W.wq), d, L.q.data(), d, false, &tmp);
    mm(N, dkv, d, L.a.data(), d, at(P, W.wk), dkv, L.k.data(), dkv, false, &tmp);
    mm(N, dkv, d, L.a.data(), d, at(P, W.wv), dkv, L.v.data(), dkv, false, &tmp);
    if (c.pos == PosEnc::Rope)
      for (int n = 0; n < N; n++) {
        rope_row(L.q.data() + size_t(n) * d, H, dh, n % T, false);
        rope_row(L.k.data() + size_t(n) * dkv, Hkv, dh, n % T, false);
      }
    // pass 3, per sequence and head: z = (scale q·k + bias) / T, masked; p = normalize(z) (B, H, T, T);
    // dropout; o = p · v. Fused: o and each row's log-sum-exp straight from q, k, v (softmax(alpha q·k),
    // alpha = scale / T), no (T, T) matrix kept.
    L.o.resize(size_t(N) * d);
    if (fused(c, T, std::is_same_v<S, float>, dropout, C.record_scores)) {
      if constexpr (std::is_same_v<S, float>) {
        L.p.clear();
        L.keep.clear();
        L.lse.resize(size_t(B) * H * T);
        const float alpha = float(c.score_scale()) / float(c.temperature);
        for (int b = 0; b < B; b++)
          for (int hh = 0; hh < H; hh++) {
            const HeadAt at_h(b, hh, hh / group, T, d, dkv, dh, H);
            kern::attention(T, T, dh, dh, L.q.data() + at_h.q, d, L.k.data() + at_h.kv, dkv, L.v.data() + at_h.kv, dkv, alpha,
                            mask_rule(c), L.o.data() + at_h.q, d, L.lse.data() + (size_t(b) * H + hh) * T, &C.work.flash);
          }
      }
    } else {
      L.lse.clear();
      L.p.assign(size_t(B) * H * T * T, S(0));
      if (dropout) L.keep.assign(size_t(B) * H * T * T, 1);
      else L.keep.clear();
      for (int b = 0; b < B; b++)
        for (int hh = 0; hh < H; hh++) {
          const int g = hh / group;
          const HeadAt at_h(b, hh, g, T, d, dkv, dh, H);
          const S* q = L.q.data() + at_h.q;
          const S* k = L.k.data() + at_h.kv;
          const S* v = L.v.data() + at_h.kv;
          S* p = L.p.data() + at_h.p;
          mm_nt(T, T, dh, q, d, k, dkv, att.data(), T, false, &tmp);  // raw q·k (T, T)
          for (int i = 0; i < T; i++) {
            const int hi = c.causal ? i + 1 : T;
            S* z = att.data() + size_t(i) * T;
            for (int j = 0; j < hi; j++) {
              S s = z[j] * S(c.score_scale());
              if (!slopes.empty()) s += S(alibi_bias(slopes[size_t(hh)], i, j, 0, c.causal));
              if (C.record_scores) {
                S& mx = C.max_abs_score[size_t(l) * H + hh];
                mx = std::max(mx, S(std::fabs(double(s))));
              }
              z[j] = s / S(c.temperature);
            }
            normalize_forward(c.norm, z, hi, p + size_t(i) * T, &tz, &tp);
          }
          const S* a = p;
          if (dropout) {
            uint8_t* keep = L.keep.data() + (size_t(b) * H + hh) * T * T;
            dropout_keep(dropout_stream(dropout_seed, l, b, hh), c.dropout, size_t(T) * T, keep);
            for (int i = 0; i < T * T; i++) att[size_t(i)] = keep[i] ? p[i] * keep_scale : S(0);
            a = att.data();
          }
          mm(T, dh, T, a, T, v, dkv, L.o.data() + at_h.q, d, false, &tmp);
        }
    }
    // pass 4: h += o · W_o
    mm(N, d, d, L.o.data(), d, at(P, W.wo), d, h.data(), d, true, &tmp);
    // pass 5: the MLP, h += GELU(LN2(h) W1 + b1) W2 + b2
    if (c.mlp) {
      ln_or_copy(c.ln, N, d, h, at(P, W.ln2w), at(P, W.ln2b), &L.m_hat, &L.m_rstd, &L.m);
      L.u.resize(size_t(N) * ff);
      L.g.resize(size_t(N) * ff);
      L.gt.resize(size_t(N) * ff);
      mm(N, ff, d, L.m.data(), d, at(P, W.w1), ff, L.u.data(), ff, false, &tmp);
      for (int n = 0; n < N; n++)
        for (int i = 0; i < ff; i++) L.u[size_t(n) * ff + i] += P[W.b1 + size_t(i)];
      gelu_rows(L.u.data(), L.u.size(), L.g.data(), L.gt.data());
      mm(N, d, ff, L.g.data(), ff, at(P, W.w2), d, h.data(), d, true, &tmp);
      for (int n = 0; n < N; n++)
        for (int i = 0; i < d; i++) h[size_t(n) * d + i] += P[W.b2 + size_t(i)];
    }
  }
  ln_or_copy(c.ln, N, d, h, at(P, lay.lnfw), at(P, lay.lnfb), &C.f_hat, &C.f_rstd, &C.f);
  // logits (R, V) at the scored rows (or all rows), their softmax, the loss
  C.rows.clear();
  for (int n = 0; n < N; n++)
    if (all_logits || batch.w[size_t(n)] > 0) C.rows.push_back(n);
  const int R = int(C.rows.size());
  std::vector<S>& fr = C.work.fr;
  fr.resize(size_t(R) * d);
  for (int r = 0; r < R; r++)
    std::copy_n(C.f.data() + size_t(C.rows[size_t(r)]) * d, d, fr.data() + size_t(r) * d);
  C.logits.resize(size_t(R) * V);
  C.probs.resize(size_t(R) * V);
  if (R) mm(R, V, d, fr.data(), d, at(P, lay.unembed), V, C.logits.data(), V, false, &tmp);
  LossOut out;
  double wsum = 0, loss = 0;
  for (int r = 0; r < R; r++) {
    const int n = C.rows[size_t(r)];
    const S* z = C.logits.data() + size_t(r) * V;
    S* p = C.probs.data() + size_t(r) * V;
    normalize_forward(Normalizer::Softmax, z, V, p, &tz, &tp);
    const float w = batch.w[size_t(n)];
    if (w <= 0) continue;
    const int y = batch.y[size_t(n)];
    int arg = 0;
    for (int j = 1; j < V; j++)
      if (z[j] > z[arg]) arg = j;
    out.correct += arg == y;
    out.scored++;
    // log p_y = z_y - logsumexp(z), without the rounding of log(p_y) when p_y is tiny
    S m = z[0];
    for (int j = 1; j < V; j++) m = std::max(m, z[j]);
    S s = 0;
    for (int j = 0; j < V; j++) s += std::exp(z[j] - m);
    loss -= double(w) * double(z[y] - m - std::log(s));
    wsum += w;
  }
  out.loss = wsum > 0 ? loss / wsum : 0;
  return out;
}

// ---------------------------------------------------------------- backward

template <class S>
void backward(const ModelConfig& c, const Layout& lay, const std::vector<S>& P, const Batch& batch,
              const Cache<S>& C, std::vector<S>* grads) {
  const int B = C.B, T = C.T, N = B * T, d = c.d_model, V = c.vocab, H = c.heads, Hkv = c.kvh();
  const int dh = c.d_head(), dkv = Hkv * dh, group = H / Hkv, ff = c.d_ff();
  const S alpha = S(c.score_scale()) / S(c.temperature);
  const bool dropout = !C.layers.empty() && !C.layers[0].keep.empty();
  const S keep_scale = dropout ? S(1) / (S(1) - S(c.dropout)) : S(1);
  std::vector<S>& G = *grads;
  G.assign(lay.total, S(0));
  typename Cache<S>::Work& w = C.work;
  std::vector<S>& tmp = w.tmp;

  // dlogits (R, V) = w (softmax - onehot) / Σw
  const int R = int(C.rows.size());
  double wsum = 0;
  for (int r = 0; r < R; r++) wsum += batch.w[size_t(C.rows[size_t(r)])];
  std::vector<S>&dlog = w.dlog, &fr = w.fr, &dfr = w.dfr;
  dlog.assign(size_t(R) * V, S(0));
  fr.resize(size_t(R) * d);
  dfr.resize(size_t(R) * d);
  for (int r = 0; r < R; r++) {
    const int n = C.rows[size_t(r)];
    const S coef = wsum > 0 ? S(batch.w[size_t(n)] / wsum) : S(0);
    for (int j = 0; j < V; j++) dlog[size_t(r) * V + j] = coef * C.probs[size_t(r) * V + j];
    dlog[size_t(r) * V + batch.y[size_t(n)]] -= coef;
    std::copy_n(C.f.data() + size_t(n) * d, d, fr.data() + size_t(r) * d);
  }
  std::vector<S>& dres = w.dres;  // (N, d) at the residual stream
  dres.assign(size_t(N) * d, S(0));
  if (R) {
    mm_tn(d, V, R, fr.data(), d, dlog.data(), V, at(G, lay.unembed), V, false, &tmp);     // d unembed = fᵀ dlogits
    mm_nt(R, d, V, dlog.data(), V, at(P, lay.unembed), V, dfr.data(), d, false, &tmp);   // df = dlogits unembedᵀ
  }
  std::vector<S>& df = w.df;
  df.assign(size_t(N) * d, S(0));
  for (int r = 0; r < R; r++)
    std::copy_n(dfr.data() + size_t(r) * d, d, df.data() + size_t(C.rows[size_t(r)]) * d);
  if (c.ln)
    layer_norm_backward(N, d, df.data(), C.f_hat.data(), C.f_rstd.data(), at(P, lay.lnfw), dres.data(), at(G, lay.lnfw),
                        at(G, lay.lnfb));
  else
    dres = df;

  std::vector<S>&dg = w.dg, &du = w.du, &dm = w.dm, &dO = w.dO, &dq = w.dq, &dk = w.dk, &dv = w.dv, &da = w.da,
                 &aT = w.aT, &dA = w.dA, &dZ = w.dZ;
  dO.resize(size_t(N) * d);
  dq.resize(size_t(N) * d);
  dk.resize(size_t(N) * dkv);
  dv.resize(size_t(N) * dkv);
  da.resize(size_t(N) * d);
  aT.resize(size_t(T) * T);
  dA.resize(size_t(T) * T);
  dZ.resize(size_t(T) * T);
  for (int l = c.layers - 1; l >= 0; l--) {
    const Layout::LayerAt& W = lay.layer[size_t(l)];
    const auto& L = C.layers[size_t(l)];
    // the MLP: h_out = h_mid + GELU(m W1 + b1) W2 + b2
    if (c.mlp) {
      dg.assign(size_t(N) * ff, S(0));
      for (int n = 0; n < N; n++)
        for (int i = 0; i < d; i++) G[W.b2 + size_t(i)] += dres[size_t(n) * d + i];
      mm_tn(ff, d, N, L.g.data(), ff, dres.data(), d, at(G, W.w2), d, false, &tmp);   // dW2 = gᵀ dh
      mm_nt(N, ff, d, dres.data(), d, at(P, W.w2), d, dg.data(), ff, false, &tmp);    // dg = dh W2ᵀ
      du.resize(size_t(N) * ff);
      for (size_t i = 0; i < du.size(); i++) du[i] = dg[i] * gelu_grad(L.u[i], L.gt[i]);
      for (int n = 0; n < N; n++)
        for (int i = 0; i < ff; i++) G[W.b1 + size_t(i)] += du[size_t(n) * ff + i];
      mm_tn(d, ff, N, L.m.data(), d, du.data(), ff, at(G, W.w1), ff, false, &tmp);  // dW1 = mᵀ du
      dm.assign(size_t(N) * d, S(0));
      mm_nt(N, d, ff, du.data(), ff, at(P, W.w1), ff, dm.data(), d, false, &tmp);   // dm = du W1ᵀ
      if (c.ln)
        layer_norm_backward(N, d, dm.data(), L.m_hat.data(), L.m_rstd.data(), at(P, W.ln2w), dres.data(),
                            at(G, W.ln2w), at(G, W.ln2b));
      else
        for (size_t i = 0; i < dres.size(); i++) dres[i] += dm[i];
    }
    // attention's output: h_mid = h_in + o W_o
    mm_tn(d, d, N, L.o.data(), d, dres.data(), d, at(G, W.wo), d, false, &tmp);       // dW_o = oᵀ dh
    mm_nt(N, d, d, dres.data(), d, at(P, W.wo), d, dO.data(), d, false, &tmp);        // do = dh W_oᵀ
    std::fill(dk.begin(), dk.end(), S(0));
    std::fill(dv.begin(), dv.end(), S(0));
    if constexpr (std::is_same_v<S, float>) {
      if (!L.lse.empty()) {  // the forward ran fused: FlashAttention-2's backward from q, k, v, o, lse
        std::vector<float>& g = C.work.gkv;  // one query head's dK, dV (T, dh) each
        g.resize(size_t(2) * T * dh);
        float *gk = g.data(), *gv = g.data() + size_t(T) * dh;
        for (int b = 0; b < B; b++)
          for (int hh = 0; hh < H; hh++) {
            const HeadAt at_h(b, hh, hh / group, T, d, dkv, dh, H);
            kern::attention_backward(T, T, dh, dh, L.q.data() + at_h.q, d, L.k.data() + at_h.kv, dkv, L.v.data() + at_h.kv, dkv,
                                     L.o.data() + at_h.q, d, dO.data() + at_h.q, d, L.lse.data() + (size_t(b) * H + hh) * T,
                                     float(alpha), mask_rule(c), dq.data() + at_h.q, d, gk, dh, gv, dh, &C.work.flash);
            for (int t = 0; t < T; t++)  // grouped query heads share their K, V head: their gradients add up
              for (int i = 0; i < dh; i++) {
                dk[at_h.kv + size_t(t) * dkv + i] += gk[size_t(t) * dh + i];
                dv[at_h.kv + size_t(t) * dkv + i] += gv[size_t(t) * dh + i];
              }
          }
      }
    }
    for (int b = 0; b < B && L.lse.empty(); b++)  // (unfused: from the weights the forward kept)
      for (int hh = 0; hh < H; hh++) {
        const int g = hh / group;
        const HeadAt at_h(b, hh, g, T, d, dkv, dh, H);
        const S* q = L.q.data() + at_h.q;
        const S* k = L.k.data() + at_h.kv;
        const S* v = L.v.data() + at_h.kv;
        const S* p = L.p.data() + at_h.p;
        const uint8_t* keep = dropout ? L.keep.data() + (size_t(b) * H + hh) * T * T : nullptr;
        const S* dob = dO.data() + at_h.q;
        const S* a = p;  // the weights as used: p with dropout applied
        if (dropout) {
          for (int i = 0; i < T * T; i++) aT[size_t(i)] = keep[i] ? p[i] * keep_scale : S(0);
          a = aT.data();
        }
        mm_nt(T, T, dh, dob, d, v, dkv, dA.data(), T, false, &tmp);                        // dA = dO Vᵀ
        mm_tn(T, dh, T, a, T, dob, d, dv.data() + at_h.kv, dkv, true, &tmp);  // dV += Aᵀ dO
        for (int i = 0; i < T; i++) {
          const int hi = c.causal ? i + 1 : T;
          S* dp = dA.data() + size_t(i) * T;
          if (dropout)
            for (int j = 0; j < hi; j++) dp[j] = keep[size_t(i) * T + j] ? dp[j] * keep_scale : S(0);
          S* dz = dZ.data() + size_t(i) * T;
          normalize_backward(c.norm, 1.5, p + size_t(i) * T, dp, hi, nullptr, static_cast<const S*>(nullptr), dz);
          for (int j = 0; j < hi; j++) dz[j] *= alpha;  // ds = dz scale / T (ALiBi's bias is a constant)
          for (int j = hi; j < T; j++) dz[j] = 0;
        }
        mm(T, dh, T, dZ.data(), T, k, dkv, dq.data() + at_h.q, d, false, &tmp);  // dQ = dS K
        mm_tn(T, dh, T, dZ.data(), T, q, d, dk.data() + at_h.kv, dkv, true, &tmp);  // dK += dSᵀ Q
      }
    if (c.pos == PosEnc::Rope)
      for (int n = 0; n < N; n++) {
        rope_row(dq.data() + size_t(n) * d, H, dh, n % T, true);
        rope_row(dk.data() + size_t(n) * dkv, Hkv, dh, n % T, true);
      }
    // the projections: dW = aᵀ d(Q|K|V), da = dQ W_qᵀ + dK W_kᵀ + dV W_vᵀ
    mm_tn(d, d, N, L.a.data(), d, dq.data(), d, at(G, W.wq), d, false, &tmp);
    mm_tn(d, dkv, N, L.a.data(), d, dk.data(), dkv, at(G, W.wk), dkv, false, &tmp);
    mm_tn(d, dkv, N, L.a.data(), d, dv.data(), dkv, at(G, W.wv), dkv, false, &tmp);
    mm_nt(N, d, d, dq.data(), d, at(P, W.wq), d, da.data(), d, false, &tmp);
    mm_nt(N, d, dkv, dk.data(), dkv, at(P, W.wk), dkv, da.data(), d, true, &tmp);
    mm_nt(N, d, dkv, dv.data(), dkv, at(P, W.wv), dkv, da.data(), d, true, &tmp);
    if (c.ln)
      layer_norm_backward(N, d, da.data(), L.a_hat.data(), L.a_rstd.data(), at(P, W.ln1w), dres.data(), at(G, W.ln1w),
                          at(G, W.ln1b));
    else
      for (size_t i = 0; i < dres.size(); i++) dres[i] += da[i];
  }
  // the embeddings
  for (int n = 0; n < N; n++) {
    S* dt = at(G, lay.tok_emb + size_t(batch.x[size_t(n)]) * d);
    for (int i = 0; i < d; i++) dt[i] += dres[size_t(n) * d + i];
    if (c.pos == PosEnc::Learned) {
      S* dpos = at(G, lay.pos_emb + size_t(n % T) * d);
      for (int i = 0; i < d; i++) dpos[i] += dres[size_t(n) * d + i];
    }
  }
}

// ---------------------------------------------------------------- decoding with a KV cache

std::vector<float> decode_step(const ModelConfig& c, const Layout& lay, const std::vector<float>& P, int token,
                               Decoder* dec) {
  const int d = c.d_model, V = c.vocab, H = c.heads, Hkv = c.kvh(), dh = c.d_head(), dkv = Hkv * dh;
  const int group = H / Hkv, ff = c.d_ff(), t = dec->t;
  const std::vector<double> slopes = c.pos == PosEnc::Alibi ? alibi_slopes(H) : std::vector<double>();
  dec->k.resize(size_t(c.layers));
  dec->v.resize(size_t(c.layers));
  dec->attn.assign(size_t(c.layers), {});
  const size_t du = static_cast<size_t>(d);
  std::vector<float> tmp, h(du), a(du), xhat(du), q(du), o(du), z;
  std::vector<double> tz, tp;
  float rstd = 0;
  std::vector<float> sin_table;  // (t + 1, d)
  if (c.pos == PosEnc::Sinusoidal) sin_table = sinusoidal_values(t + 1, d);
  for (int i = 0; i < d; i++) {
    float pos = 0;
    if (c.pos == PosEnc::Learned) pos = P[lay.pos_emb + size_t(t) * d + i];
    else if (c.pos == PosEnc::Sinusoidal) pos = sin_table[size_t(t) * d + i];
    h[size_t(i)] = P[lay.tok_emb + size_t(token) * d + i] + pos;
  }
  for (int l = 0; l < c.layers; l++) {
    const Layout::LayerAt& W = lay.layer[size_t(l)];
    if (c.ln) layer_norm(1, d, h.data(), at(P, W.ln1w), at(P, W.ln1b), xhat.data(), &rstd, a.data());
    else a = h;
    std::vector<float>& K = dec->k[size_t(l)];
    std::vector<float>& Vc = dec->v[size_t(l)];
    K.resize(size_t(t + 1) * dkv);
    Vc.resize(size_t(t + 1) * dkv);
    mm(1, d, d, a.data(), d, at(P, W.wq), d, q.data(), d, false, &tmp);
    mm(1, dkv, d, a.data(), d, at(P, W.wk), dkv, K.data() + size_t(t) * dkv, dkv, false, &tmp);
    mm(1, dkv, d, a.data(), d, at(P, W.wv), dkv, Vc.data() + size_t(t) * dkv, dkv, false, &tmp);
    if (c.pos == PosEnc::Rope) {
      rope_row(q.data(), H, dh, t, false);
      rope_row(K.data() + size_t(t) * dkv, Hkv, dh, t, false);
    }
    std::vector<float>& rows = dec->attn[size_t(l)];
    rows.assign(size_t(H) * (t + 1), 0.0f);
    z.resize(size_t(t + 1));
    for (int hh = 0; hh < H; hh++) {
      const int g = hh / group;
      mm_nt(1, t + 1, dh, q.data() + hh * dh, d, K.data() + g * dh, dkv, z.data(), t + 1, false, &tmp);
      for (int j = 0; j <= t; j++) {
        float s = z[size_t(j)] * c.score_scale();
        if (!slopes.empty()) s += float(alibi_bias(slopes[size_t(hh)], t, j, 0, true));
        z[size_t(j)] = s / c.temperature;
      }
      float* w = rows.data() + size_t(hh) * (t + 1);
      normalize_forward(c.norm, z.data(), t + 1, w, &tz, &tp);
      mm(1, dh, t + 1, w, t + 1, Vc.data() + g * dh, dkv, o.data() + hh * dh, d, false, &tmp);
    }
    mm(1, d, d, o.data(), d, at(P, W.wo), d, h.data(), d, true, &tmp);
    if (c.mlp) {
      std::vector<float> m(du), u(static_cast<size_t>(ff));
      if (c.ln) layer_norm(1, d, h.data(), at(P, W.ln2w), at(P, W.ln2b), xhat.data(), &rstd, m.data());
      else m = h;
      mm(1, ff, d, m.data(), d, at(P, W.w1), ff, u.data(), ff, false, &tmp);
      std::vector<float> tt(u.size());
      for (int i = 0; i < ff; i++) u[size_t(i)] += P[W.b1 + size_t(i)];
      gelu_rows(u.data(), u.size(), u.data(), tt.data());
      mm(1, d, ff, u.data(), ff, at(P, W.w2), d, h.data(), d, true, &tmp);
      for (int i = 0; i < d; i++) h[size_t(i)] += P[W.b2 + size_t(i)];
    }
  }
  std::vector<float> f(du), logits(static_cast<size_t>(V));
  if (c.ln) layer_norm(1, d, h.data(), at(P, lay.lnfw), at(P, lay.lnfb), xhat.data(), &rstd, f.data());
  else f = h;
  mm(1, V, d, f.data(), d, at(P, lay.unembed), V, logits.data(), V, false, &tmp);
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

}  // namespace attn::train
