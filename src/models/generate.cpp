// generate.cpp: the logit lens and generation from the KV cache (generate.h).
#include "models/generate.h"
#include <algorithm>
#include <new>

namespace attn::models {

std::vector<int> logit_lens(const Model& m, const Pass& pass, int t) {
  const nn::Spec& s = m.cfg.spec;
  const int d = s.d_model, V = s.vocab, L = s.layers;
  std::vector<int> out;
  if (t < 0 || t >= pass.cache.T) return out;
  std::vector<float> x(static_cast<size_t>(d)), f, fr, tmp, z(static_cast<size_t>(V));
  nn::NormCache<float> nc;
  for (int l = 0; l < L; l++) {
    const std::vector<float>& r = pass.cache.layers[size_t(l)].resid;  // (T, d)
    std::copy(r.begin() + size_t(t) * d, r.begin() + size_t(t + 1) * d, x.begin());
    nn::norm_forward(s.norm, 1, d, x, m.W.ln_f, &nc, &f);  // (1, d)
    nn::lm_head_forward(d, {0}, f.data(), m.W.head, &fr, z.data(), &tmp);
    out.push_back(int(std::max_element(z.begin(), z.end()) - z.begin()));
  }
  return out;
}

void generation_start(const Pass& pass, bool keep_weights, Generation* g) {
  *g = Generation();
  nn::Cache<float>& c = g->cache;
  c.keep_weights = keep_weights;
  c.keep_resid = false;
  c.knocked_out = pass.cache.knocked_out;
  c.layers.resize(pass.cache.layers.size());
  for (size_t l = 0; l < c.layers.size(); l++) {  // a step at position T reads the T keys and values before it
    c.layers[l].k = pass.cache.layers[l].k;
    c.layers[l].v = pass.cache.layers[l].v;
  }
  const size_t V = pass.logits.size() / (pass.last_logits ? 1 : pass.ids.size());
  g->logits.assign(pass.logits.end() - std::ptrdiff_t(V), pass.logits.end());
  g->T = int(pass.ids.size());
}

bool generation_step(const Model& m, const SampleOptions& so, Generation* g, std::string* err) {
  const nn::Spec& s = m.cfg.spec;
  if (s.pos == PosEnc::Learned && g->T >= m.cfg.n_positions) {
    *err = "the model has " + std::to_string(m.cfg.n_positions) + " learned positions, all used";
    return false;
  }
  const int next = choose_token(g->logits.data(), s.vocab, so, int(g->tokens.size()));
  g->tokens.push_back(next);
  try {
    nn::forward_blocks(s, m.W, 1, 1, g->T, &next, nn::Run(), &g->cache);
    std::vector<float> fr, tmp;
    nn::lm_head_forward(s.d_model, {0}, g->cache.f.data(), m.W.head, &fr, g->logits.data(), &tmp);
  } catch (const std::bad_alloc&) {
    *err = "out of memory after " + std::to_string(g->tokens.size()) + " generated tokens";
    return false;
  }
  g->T++;
  return true;
}

}  // namespace attn::models
