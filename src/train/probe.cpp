// probe.cpp: head labels from a probe's weights, and a trained layer as a stepper Config.
#include "train/probe.h"
#include <algorithm>
#include <cmath>

namespace attn::train {

const char* head_kind_name(HeadKind k) {
  switch (k) {
    case HeadKind::PreviousToken: return "previous-token";
    case HeadKind::Induction: return "induction";
    case HeadKind::FirstToken: return "first-token";
    case HeadKind::Self: return "self";
    case HeadKind::Uniform: return "uniform";
    case HeadKind::Mixed: return "mixed";
  }
  return "?";
}

HeadLabel classify_head(const float* A, int T, const int* tokens, bool causal) {
  HeadLabel h;
  int n_prev = 0, n_ind = 0;
  double prev = 0, first = 0, self = 0, ind = 0, uni = 0;
  for (int i = 0; i < T; i++) {
    const float* row = A + size_t(i) * T;
    const int allowed = causal ? i + 1 : T;
    self += row[i];
    double ent = 0;
    for (int j = 0; j < allowed; j++)
      if (row[j] > 0) ent -= double(row[j]) * std::log(double(row[j]));
    uni += std::exp(ent) / allowed;
    if (i >= 1) {
      prev += row[i - 1];
      first += row[0];
      n_prev++;
    }
    // the tokens after the current token's earlier occurrences (the induction targets: in a
    // sequence that repeats more than once the weight may spread over several of them)
    double on_targets = 0;
    bool any = false;
    for (int j = i - 1; j >= 0; j--)
      if (tokens[j] == tokens[i] && j + 1 < allowed) {
        on_targets += row[j + 1];
        any = true;
      }
    if (any) { ind += on_targets; n_ind++; }
  }
  h.prev = n_prev ? float(prev / n_prev) : 0;
  h.first = n_prev ? float(first / n_prev) : 0;
  h.self = float(self / T);
  h.uniformity = float(uni / T);
  h.has_repeats = n_ind > 0;
  h.induction = n_ind ? float(ind / n_ind) : 0;
  const std::pair<float, HeadKind> cands[] = {{h.prev, HeadKind::PreviousToken}, {h.induction, HeadKind::Induction},
                                              {h.first, HeadKind::FirstToken}, {h.self, HeadKind::Self}};
  auto best = *std::max_element(std::begin(cands), std::end(cands),
                                [](const auto& a, const auto& b) { return a.first < b.first; });
  h.score = best.first;
  h.best = best.second;
  if (best.first >= 0.5f) h.kind = best.second;
  else if (h.uniformity >= 0.85f) { h.kind = HeadKind::Uniform; h.score = h.uniformity; }
  return h;
}

bool stepper_config(const ModelConfig& c, const Layout& lay, const std::vector<float>& params, const Batch& probe,
                    int layer, const std::vector<std::string>& token_names, Config* out, std::string* err) {
  if (layer < 0 || layer >= c.layers) { *err = "no layer " + std::to_string(layer + 1); return false; }
  if (probe.B != 1) { *err = "the probe must be one sequence"; return false; }
  Cache<float> cache;
  forward(c, lay, params, probe, &cache, false, 0, true);
  const int T = probe.T, d = c.d_model, dkv = c.kvh() * c.d_head();
  Config g;
  g.input = Input::Matrices;
  g.d_model = d;
  g.n_heads = c.heads;
  g.n_kv_heads = c.kv_heads;
  // one vocabulary: the model's options are the stepper's, except that learned and sinusoidal
  // positions are already inside X (the layer's input) and ALiBi is the stepper's alibi variant
  g.posenc = c.pos == PosEnc::Rope ? PosEnc::Rope : PosEnc::None;
  g.alibi = c.pos == PosEnc::Alibi;
  g.init = Init::Designed;
  g.scale = c.scale;
  g.scale_value = c.scale_value;
  g.temperature = c.temperature;
  g.normalizer = c.norm;
  g.entmax_alpha = 1.5f;
  g.mask = c.causal ? MaskKind::Causal : MaskKind::None;
  for (int t = 0; t < T; t++) {  // the stepper labels X's rows with the probe's tokens
    const int id = probe.x[size_t(t)];
    g.labels.push_back(id < int(token_names.size()) ? token_names[size_t(id)] : std::to_string(id));
  }
  auto mat = [&](size_t off, int rows, int cols) {
    Mat m(rows, cols);
    std::copy_n(params.data() + off, size_t(rows) * cols, m.data());
    return m;
  };
  const Layout::LayerAt& W = lay.layer[size_t(layer)];
  g.X = Mat(T, d);
  std::copy_n(cache.layers[size_t(layer)].a.data(), size_t(T) * d, g.X.data());
  g.Wq = mat(W.wq, d, d);
  g.Wk = mat(W.wk, d, dkv);
  g.Wv = mat(W.wv, d, dkv);
  g.Wo = mat(W.wo, d, d);
  *out = std::move(g);
  return true;
}

}  // namespace attn::train
