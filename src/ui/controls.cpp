// controls.cpp: every setting of the config, each with a (?) tooltip. Controls edit the
// config and mark it dirty; the engine recomputes once at the start of the next frame.
#include <algorithm>
#include <cmath>
#include "ui/ui.h"
#include "engine/rules.h"
#include "lessons/presets.h"
#include "imgui_stdlib.h"

namespace attn::ui {

namespace {
}  // namespace

void draw_controls(Stepper& sp) {
  Config c = sp.cfg;  // edited here, handed to edit_config() at the end if anything changed
  bool d = false;    // changed
  ImGui::PushItemWidth(-1);

  ImGui::TextUnformatted("Preset");
  help_marker("One-click setups that each teach one idea. The lesson says which row to look at.");
  const Preset* cur = find_preset(sp.preset);
  if (ImGui::BeginCombo("##preset", cur ? cur->title : "(custom)")) {
    for (const Preset& p : presets())
    {
      if (ImGui::Selectable(p.title, sp.preset == p.name)) load_preset(p.name);
      mark((std::string("preset:") + p.name).c_str());
    }
    ImGui::EndCombo();
  }
  mark("preset");
  if (cur) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled("%s", cur->lesson);
    ImGui::PopTextWrapPos();
  }
  ImGui::Separator();

  if (c.input == Input::Weights) {
    ImGui::TextWrapped("Showing an imported %d × %d weight matrix as it is.", int(c.A_in.rows()), int(c.A_in.cols()));
    if (ImGui::Button("Back to the sentence")) { c.input = Input::Sentence; c.A_in.resize(0, 0); d = true; }
  } else if (c.input == Input::QKV) {
    if (sp.cfg.qkv_heads > 1)
      ImGui::TextWrapped("Q, K and V are given directly (%d heads). Edit their cells in stage 2.", sp.cfg.qkv_heads);
    else
      ImGui::TextWrapped("Q, K and V are given directly (one head). Edit their cells in stage 2.");
  } else if (c.input == Input::Matrices) {
    ImGui::TextWrapped("X comes from an imported matrix (%d × %d).", int(c.X.rows()), int(c.X.cols()));
    if (ImGui::Button("Back to the sentence")) { c.input = Input::Sentence; c.X.resize(0, 0); d = true; }
  } else {
    ImGui::TextUnformatted("Sentence");
    help_marker("Type any sentence. Known words have readable features; unknown words get a deterministic hash-seeded vector.");
    if (ImGui::InputText("##sentence", &sp.sentence_buf)) { c.sentence = sp.sentence_buf; c.edits.clear(); d = true; sp.preset = ""; }
    mark("sentence");
    ImGui::TextUnformatted("Source (cross-attention)");
    help_marker("Leave empty for self-attention. Otherwise queries come from the sentence and keys/values from this one, as in translation.");
    if (ImGui::InputText("##source", &sp.source_buf)) { c.source = sp.source_buf; c.edits.clear(); d = true; }
  }

  if (c.input == Input::Sentence || c.input == Input::Matrices) {
    ImGui::TextUnformatted("d_model and heads");
    help_marker("d_model is the width of every token vector; heads split it into n_heads slices of d_head = d_model / heads columns.");
    static const int dims[] = {4, 8, 16, 32, 64, 128, 256, 512};
    int di = 0;
    for (int i = 0; i < 8; i++) if (dims[i] == c.d_model) di = i;
    ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.5f);
    if (ImGui::SliderInt("##dmodel", &di, 0, 7, ("d_model " + std::to_string(dims[di])).c_str())) {
      c.d_model = dims[di];
      if (c.input == Input::Matrices) c.input = Input::Sentence;
      c.n_heads = fit_heads(c.d_model, c.n_heads);
      c.edits.clear();
      d = true;
    }
    mark("d_model");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(-1);
    if (ImGui::SliderInt("##heads", &c.n_heads, 1, int(range_hi(Field::Heads, Front::App)), "%d heads")) {
      c.n_heads = fit_heads(c.d_model, c.n_heads);  // only divisors of d_model (quietly: the slider shows it)
      d = true;
    }
    mark("heads");

    ImGui::TextUnformatted("Positional encoding");
    help_marker("None: attention is blind to order. Sinusoidal: sin/cos waves added to X (Vaswani 2017). RoPE: rotates Q and K by position, so q·k depends on the offset.");
    d |= combo("##posenc", &c.posenc, {{PosEnc::None, "none"}, {PosEnc::Sinusoidal, "sinusoidal (added to X)"}, {PosEnc::Rope, "RoPE (rotates Q, K)"}});
    mark("posenc");

    ImGui::TextUnformatted("Weights");
    help_marker("Designed: readable hand-made W_q (pronouns look for referents). Xavier/Kaiming: random initializations as in training. Identity: Q = K = V = X.");
    d |= combo("##init", &c.init, {{Init::Designed, "designed (readable)"}, {Init::Xavier, "Xavier / Glorot"}, {Init::Kaiming, "Kaiming / He"}, {Init::Identity, "identity"}});
    ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.55f);
    int seed = int(c.seed);
    if (ImGui::InputInt("##seed", &seed)) { c.seed = uint64_t(std::max(0, seed)); d = true; }
    ImGui::SameLine();
    if (ImGui::Button("Re-roll")) { c.seed = c.seed * 6364136223846793005ull % 100000 + 1; d = true; }
    mark("reroll");
    help_marker("The seed drives every random number (weights, dropout). The same seed gives the same numbers on the web, the desktop and the CLI.");
  }

  ImGui::TextUnformatted("Score function");
  help_marker("Dot product q·k (Transformers) or additive v⊤tanh(W₁q + W₂k) (Bahdanau 2015, the original attention).");
  d |= combo("##score", &c.score, {{ScoreFn::Dot, "dot product q·k"}, {ScoreFn::Additive, "additive (Bahdanau)"}});

  ImGui::TextUnformatted("Scaling");
  help_marker("Divide scores by √d_k so their spread does not grow with d_k. Off: watch softmax saturate as d_model grows (try the 'why scale' preset).");
  d |= combo("##scale", &c.scale, {{ScaleMode::Auto, "1/√d_k (auto)"}, {ScaleMode::None, "off"}, {ScaleMode::Custom, "custom factor"}});
  mark("scale");
  if (c.scale == ScaleMode::Custom) d |= ImGui::SliderFloat("##scalev", &c.scale_value, 0.01f, 4.0f, "× %.3f", ImGuiSliderFlags_Logarithmic);

  ImGui::TextUnformatted("Mask");
  help_marker("None: every token sees every token (BERT). Causal: only the past (GPT), aligned top-left (PyTorch's is_causal); bottom-right aligns the last query with the last key (a KV cache, FlashAttention ≥ 2.1). Window: |i − j| ≤ w. Padding: hide the last tokens. Custom: paint cells in stage 5.");
  MaskKind before = c.mask;
  d |= combo("##mask", &c.mask, {{MaskKind::None, "none (bidirectional)"}, {MaskKind::Causal, "causal (GPT)"},
                                 {MaskKind::CausalBottomRight, "causal, bottom-right (KV cache)"}, {MaskKind::Window, "local window"},
                                 {MaskKind::Padding, "padding (last key)"}, {MaskKind::Custom, "custom (painted)"}});
  mark("mask");
  if (c.mask == MaskKind::Padding && before != MaskKind::Padding && c.padding.empty()) c.padding = {sp.trace.n_k - 1};
  if (c.mask == MaskKind::Window) {
    d |= ImGui::SliderInt("##window", &c.window, 0, 16, "half-width w = %d");
    d |= ImGui::SliderInt("##sinktok", &c.sink_tokens, 0, 4, "+ first %d key(s) always");
    mark("sink_tokens");
    help_marker("StreamingLLM (Xiao et al. 2023): beside the window, the first keys stay visible to every query. Models park "
                "attention there, so keeping them lets a sliding window run forever.");
  }
  if (c.mask == MaskKind::CausalBottomRight || (c.mask == MaskKind::Causal && sp.trace.n_q != sp.trace.n_k)) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled(c.mask == MaskKind::Causal ? "top-left: query i sees keys 1..i (PyTorch's is_causal)"
                                                   : "bottom-right: the last query sees every key (FlashAttention ≥ 2.1)");
    ImGui::PopTextWrapPos();
  }

  if (ImGui::CollapsingHeader("Variants of 2024–2026 models")) {
    if (c.input == Input::Sentence || c.input == Input::Matrices) {
      int kv = c.n_kv_heads > 0 ? c.n_kv_heads : c.n_heads;
      if (ImGui::SliderInt("##kvheads", &kv, 1, c.n_heads, "%d key/value head(s)")) {
        c.n_kv_heads = kv == c.n_heads ? 0 : fit_heads(c.n_heads, kv);
        d = true;
      }
      mark("kv_heads");
      help_marker("Grouped-query attention (Llama 2/3, Mistral): fewer K, V heads than query heads, each shared by a group "
                  "of query heads (head h reads KV head h / (H/H_kv), rounded down). 1 = multi-query attention. Saves KV-cache memory.");
    }
    d |= ImGui::Checkbox("ALiBi", &c.alibi);
    mark("alibi");
    help_marker("Press et al. 2021 (BLOOM, MPT): no position embeddings; each head subtracts m_h × distance from its "
                "scores, with slopes m_h = 2^(−8h/H), so far keys fade at a rate of its own.");
    bool cap = c.softcap > 0;
    if (ImGui::Checkbox("Soft-cap the scores", &cap)) { c.softcap = cap ? 5.0f : 0.0f; d = true; }
    mark("softcap");
    help_marker("Gemma 2: scores pass through c·tanh(s/c) after scaling, so none exceeds ±c and no key can take all the weight.");
    if (cap) d |= ImGui::SliderFloat("##softcap", &c.softcap, 0.5f, 50.0f, "c = %.1f", ImGuiSliderFlags_Logarithmic);
    bool sink = !c.sinks.empty();
    const int heads = query_heads(c);
    if (ImGui::Checkbox("Attention sink", &sink)) { c.sinks.assign(sink ? size_t(heads) : 0, 1.0f); d = true; }
    mark("sink");
    help_marker("A learned logit per head (gpt-oss): an extra column normalized with each row, then dropped, so a row "
                "may give part of its weight to nothing. Rows then sum to less than 1. Softmax only.");
    if (sink) {
      float v = c.sinks[0];
      if (ImGui::SliderFloat("##sinkv", &v, -5.0f, 5.0f, "sink logit %.2f")) { c.sinks.assign(size_t(heads), v); d = true; }
    }
  }
  if (!c.sinks.empty() && int(c.sinks.size()) != query_heads(c)) c.sinks.assign(size_t(query_heads(c)), c.sinks[0]);  // the heads changed

  ImGui::TextUnformatted("Normalizer");
  help_marker("How a row of scores becomes weights. Softmax: smooth, all positive. Sparsemax / entmax: exact zeros. Hardmax: argmax. Sum: s/Σs (positive scores only). Sigmoid: per cell, unnormalized.");
  d |= combo("##norm", &c.normalizer, {{Normalizer::Softmax, "softmax"}, {Normalizer::Sum, "sum  s/Σs"}, {Normalizer::Sigmoid, "sigmoid (per cell)"},
                                       {Normalizer::Sparsemax, "sparsemax"}, {Normalizer::Entmax, "α-entmax"}, {Normalizer::Hardmax, "hardmax"}});
  mark("normalizer");
  if (c.normalizer == Normalizer::Entmax) d |= ImGui::SliderFloat("##alpha", &c.entmax_alpha, 1.0f, 2.0f, "α = %.2f");

  ImGui::TextUnformatted("Temperature");
  help_marker("Scores are divided by T before normalizing. T → 0 approaches hardmax; T → ∞ approaches uniform weights.");
  d |= temperature_slider("##temp", &c.temperature, "T = %.2f");
  mark("temperature");

  bool drop = c.dropout > 0;
  if (ImGui::Checkbox("Dropout (training mode)", &drop)) { c.dropout = drop ? 0.1f : 0.0f; d = true; }
  help_marker("Randomly zeroes weights with probability p and scales the rest by 1/(1−p), as during training. Seeded.");
  if (drop) d |= ImGui::SliderFloat("##dropout", &c.dropout, 0.01f, 0.9f, "p = %.2f");
  d |= ImGui::Checkbox("Linear attention side by side", &c.linear);
  mark("linear");
  help_marker("Katharopoulos 2020: φ(q)·φ(k) with φ = elu+1 instead of exp, computed in O(n). Its implied weights appear next to softmax's in stage 6.");

  if (!c.edits.empty()) {
    ImGui::Text("%d edited cell(s)", int(c.edits.size()));
    ImGui::SameLine();
    if (ImGui::SmallButton("Clear edits")) { c.edits.clear(); d = true; }
  }
  ImGui::PopItemWidth();
  if (d) edit_config(c);
}

}  // namespace attn::ui
