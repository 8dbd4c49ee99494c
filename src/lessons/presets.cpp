// presets.cpp: the teaching presets. They use the "designed" weights and the built-in
// vocabulary, so the pattern each one teaches is visible at head 1 without training.
#include "lessons/presets.h"
#include "engine/stages/embed.h"
#include "engine/trace.h"

namespace attn {

namespace {

void cat_it(Config* c) { c->sentence = "The cat sat on the mat because it was tired"; }
void grandmother(Config* c) { c->sentence = "My grandmother bakes incredible cookies"; }
void trophy_big(Config* c) { c->sentence = "The trophy doesn't fit in the suitcase because it's too big"; }
void trophy_small(Config* c) { c->sentence = "The trophy doesn't fit in the suitcase because it's too small"; }
void translate(Config* c) {
  c->sentence = "I am a student";
  c->source = "Je suis étudiant";
  c->init = Init::Identity;
}
void dog_bites(Config* c) {
  c->sentence = "dog bites man";
  c->init = Init::Xavier;
  c->n_heads = 1;
}
void dog_bites_pe(Config* c) {
  dog_bites(c);
  c->posenc = PosEnc::Sinusoidal;
}
void one_query(Config* c) {
  c->input = Input::QKV;
  c->sentence = "query";
  c->Q_in = Mat(1, 4);
  c->Q_in << 1, 0, 1, 0;
  c->K_in = Mat(3, 4);  // keys: cat, mat, tired
  c->K_in << 0.5f, 0.2f, 0.1f, 0.3f,
             0.1f, 0.8f, 0.2f, 0.1f,
             0.2f, 0.1f, 0.9f, 0.4f;
  c->V_in = Mat(3, 2);
  c->V_in << 1, 0,
             0, 1,
             1, 1;
  c->scale = ScaleMode::None;
  c->n_heads = 1;
}
// The worked example of the articles: four scores, one softmax. Q = [1] and K = the scores as a
// column, so q.k_j is score j exactly; V = I, so the output row is the weights themselves.
void four_scores(Config* c) {
  c->input = Input::QKV;
  c->sentence = "query";
  c->Q_in = Mat(1, 1);
  c->Q_in << 1;
  c->K_in = Mat(4, 1);
  c->K_in << 1.0f, 0.5f, 2.5f, -0.1f;
  c->V_in = Mat::Identity(4, 4);
  c->scale = ScaleMode::None;
  c->n_heads = 1;
}
void causal(Config* c) {
  c->sentence = "The cat sat on the mat";
  c->mask = MaskKind::Causal;
}
void why_scale(Config* c) {
  c->sentence = "The cat sat on the mat because it was tired";
  c->d_model = 64;
  c->n_heads = 1;
  c->init = Init::Kaiming;
  c->scale = ScaleMode::None;
}
// ---- the variants of 2024-2026 models, one preset each
void gqa(Config* c) {
  c->sentence = "The cat sat on the mat because it was tired";
  c->d_model = 16;
  c->n_heads = 4;
  c->n_kv_heads = 2;
  c->init = Init::Xavier;
}
void alibi(Config* c) {
  c->sentence = "The cat sat on the mat because it was tired";
  c->mask = MaskKind::Causal;
  c->alibi = true;
}
void softcap(Config* c) {
  why_scale(c);
  c->softcap = 5.0f;
}
void sinks(Config* c) {
  c->sentence = "The cat sat on the mat because it was tired";
  c->sinks = {1.5f, 1.5f};
}
void causal_br(Config* c) {
  c->sentence = "I am a student";
  c->source = "Moi , je suis un étudiant";
  c->init = Init::Identity;
  c->mask = MaskKind::CausalBottomRight;
}
void linear(Config* c) {
  c->sentence = "The cat sat on the mat because it was tired";
  c->linear = true;
}

}  // namespace

const std::vector<Preset>& presets() {
  static const std::vector<Preset> list = {
      {"cat-it", "The cat … it was tired", "Row \"it\": its query finds \"cat\" because \"tired\" says it is animate.", cat_it, "it", -1},
      {"grandmother", "My grandmother bakes cookies", "Row \"incredible\": a quality looks for the thing it describes, \"cookies\".", grandmother, "incredible", -1},
      {"trophy-big", "Trophy … too big", "Row \"it's\": \"too big\" points the pronoun at the trophy.", trophy_big, "it's", -1},
      {"trophy-small", "Trophy … too small", "Row \"it's\": \"too small\" points it at the suitcase instead.", trophy_small, "it's", -1},
      {"translate", "Je suis étudiant → I am a student", "Cross-attention: English queries attend to French keys; \"student\" finds \"étudiant\".", translate, "student", -1},
      {"dog-bites", "dog bites man (no position)", "Without positions attention cannot tell \"dog bites man\" from \"man bites dog\": the rows just swap.", dog_bites, nullptr, -1},
      {"dog-bites-pe", "dog bites man (+ sinusoidal)", "With sinusoidal positions added, swapping the words changes the numbers, not just their order.", dog_bites_pe, nullptr, -1},
      {"one-query", "One query, three keys", "q = [1,0,1,0] against cat, mat, tired: scores [0.6, 0.3, 1.1], softmax [0.295, 0.219, 0.486].", one_query, nullptr, -1},
      {"four-scores", "Four scores → softmax", "Scores [1.0, 0.5, 2.5, −0.1] become weights [0.156, 0.094, 0.698, 0.052]: the largest score takes most of the weight, yet every key keeps some.", four_scores, nullptr, int(Stage::Normalize)},
      {"causal", "Causal vs bidirectional", "GPT-style: each token sees only itself and the past, so the upper triangle is exactly 0.", causal, nullptr, -1},
      {"why-scale", "Why scale by √d_k", "d_k = 64 without scaling: scores grow like √d_k and softmax saturates. Switch scaling on to compare.", why_scale, nullptr, -1},
      {"gqa", "Grouped-query attention", "4 query heads share 2 key/value heads: heads 1 and 2 read the same K and V, so their weights differ only through their queries.", gqa, "it", int(Stage::Scores)},
      {"alibi", "ALiBi: distance as a bias", "No position embeddings: each head subtracts its slope × distance from the scores, so with causal masking a nearer key wins ties.", alibi, "it", int(Stage::Scale)},
      {"softcap", "Soft-capping (Gemma 2)", "Unscaled scores at d_k = 64 would saturate softmax; c·tanh(s/c) with c = 5 bends them into (−5, 5) and the weights stay spread.", softcap, "it", int(Stage::Scale)},
      {"sinks", "Attention sinks", "Each head has a sink logit of 1.5: every row gives part of its weight to the sink, so rows sum to less than 1.", sinks, "it", int(Stage::Normalize)},
      {"causal-bottom-right", "Causal mask, bottom-right", "4 queries over 6 keys: aligned bottom-right (a KV cache), the last query sees every key; top-left (PyTorch's is_causal), it would see 4.", causal_br, nullptr, int(Stage::Mask)},
      {"linear", "Softmax vs linear attention", "Linear attention (φ = elu+1) runs in O(n); its implied weights are flatter than softmax's.", linear, nullptr, -1},
  };
  return list;
}

const Preset* find_preset(const std::string& name) {
  for (const Preset& p : presets())
    if (name == p.name) return &p;
  return nullptr;
}

int preset_query(const Preset& p, const Config& cfg) {
  if (!p.focus) return 0;
  const std::vector<std::string> toks = tokenize(cfg.sentence);
  int row = 0;
  for (size_t i = 0; i < toks.size(); i++)
    if (toks[i] == p.focus) row = int(i);  // the last match, as the app always chose
  return row;
}

bool apply_preset(const std::string& name, Config* cfg) {
  const Preset* p = find_preset(name);
  if (!p) return false;
  *cfg = Config{};
  p->apply(cfg);
  return true;
}

}  // namespace attn
