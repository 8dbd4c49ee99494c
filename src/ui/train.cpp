// train.cpp: the Train mode. Lessons, the model and optimizer settings, Play / Pause / Step /
// Reset; the loss and held-out accuracy curves (every run of a lesson overlaid); the probe's
// attention for every layer and head at the step the timeline shows; per-head labels, entropy and
// max |score|; gradient norms per parameter group; Open in stepper; Generate; exports.
// Sections: helpers | settings | curves | attention grid | heads and gradients | generate | layout
#include <algorithm>
#include <cmath>
#include <cstdio>
#include "ui/ui.h"
#include "modes/host.h"
#include "engine/train_rules.h"
#include "imgui_stdlib.h"
#include "io/snapshots.h"
#include "io/train_files.h"
#include "train/settings.h"

namespace attn::ui {

namespace {

// ---------------------------------------------------------------- helpers

// the run the grid, the measures, Open and Generate show (a lesson may train several)
TrainRun& shown_run(TrainView& T) {
  T.shown = std::clamp(T.shown, 0, int(T.runs.size()) - 1);
  return T.runs[size_t(T.shown)];
}

std::string num(double v, int prec = 3) { return sig_text(v, prec); }

std::string pct(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f %%", 100.0 * v);
  return b;
}

// the width of a control followed by a "(?)" on its line
float with_help() { return ImGui::GetContentRegionAvail().x - ImGui::CalcTextSize("(?)").x - ImGui::GetStyle().ItemSpacing.x; }

// the panel's combos fill the line up to their (?)
template <typename E>
bool combo(const char* label, E* e, std::initializer_list<std::pair<E, const char*>> items) {
  return ui::combo(label, e, items, with_help());
}

// ---------------------------------------------------------------- settings

// The panel's ends of a setting (engine/rules.h's table: what a browser trains in minutes)
int lo(TrainKey k) { return int(train_rule(k).app_lo); }
int hi(TrainKey k) { return int(train_rule(k).app_hi); }
float flo(TrainKey k) { return float(train_rule(k).app_lo); }
float fhi(TrainKey k) { return float(train_rule(k).app_hi); }

// A slider over the stops inside the setting's panel range; a value between stops shows the
// nearest one below it and stays until the slider is moved.
bool stops_slider(const char* id, int* v, std::initializer_list<int> all, TrainKey k, const char* what) {
  std::vector<int> stops;
  for (int x : all)
    if (x >= lo(k) && x <= hi(k)) stops.push_back(x);
  int at = 0;
  for (size_t i = 0; i < stops.size(); i++)
    if (stops[i] <= *v) at = int(i);
  const std::string label = what + std::to_string(*v);
  if (!ImGui::SliderInt(id, &at, 0, int(stops.size()) - 1, label.c_str(), ImGuiSliderFlags_AlwaysClamp)) return false;
  *v = stops[size_t(at)];
  return true;
}

void draw_settings(TrainView& T) {
  train::TrainConfig c = T.cfg;  // edited here, handed to edit_train_config() at the end if anything changed
  bool ch = false;
  const float s = screen().dpi;
  ImGui::PushTextWrapPos(0);
  ImGui::TextDisabled("Lessons: one click sets up a run and starts it.");
  for (const auto& [name, text] : train_lessons()) {
    const bool cur = name == T.lesson;
    if (cur) ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_ButtonActive));
    if (ImGui::Button(name.c_str(), ImVec2(-FLT_MIN, 0))) train_lesson(name);
    if (cur) ImGui::PopStyleColor();
    mark(("lesson:" + name).c_str());
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text.c_str());
  }
  ImGui::Separator();
  // Play / Pause / Step / Reset
  if (ImGui::Button(T.playing ? "Pause" : "Play", ImVec2(70 * s, 0))) {
    if (!T.ready) train_reset();
    T.playing = !T.playing && T.error.empty();
  }
  mark("train:play");
  ImGui::SameLine();
  if (ImGui::Button("Step")) { T.playing = false; train_step_once(); }
  mark("train:step");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("One optimizer step (forward, backward, update), then pause");
  ImGui::SameLine();
  const bool stale = T.ready && !T.runs.empty() && train::needs_reset(T.cfg, T.runs[0].cfg);
  if (stale) ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.75f, 0.45f, 0.1f, 1));
  if (ImGui::Button("Reset")) { T.playing = false; train_reset(); }
  if (stale) ImGui::PopStyleColor();
  mark("train:reset");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Start over from the initial weights: the same seed gives the same run, step for step");
  if (stale) ImGui::TextColored(ImVec4(1.0f, 0.65f, 0.25f, 1), "Changed settings apply on Reset.");

  auto section = [](const char* t) { ImGui::Spacing(); ImGui::TextDisabled("%s", t); };
  section("Task");
  std::string task = c.task.name;
  ImGui::SetNextItemWidth(with_help());
  if (ImGui::BeginCombo("##ttask", task.c_str())) {
    for (const std::string& n : train::task_names()) {
      if (ImGui::Selectable(n.c_str(), n == task)) { c.task = train::TaskOptions(); c.task.name = n; ch = true; }
      mark(("ttask:" + n).c_str());
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", train::describe_task(n).c_str());
    }
    ImGui::EndCombo();
  }
  help_marker("What the model learns. Each task has a held-out set it never trains on (the accuracy curve: its first 128 "
              "sequences while training, the whole set in attn eval) and a fixed "
              "probe example whose attention the grid shows.");

  section("Model");
  ImGui::SetNextItemWidth(with_help());
  ch |= ImGui::SliderInt("##tlayers", &c.model.layers, lo(TrainKey::Layers), hi(TrainKey::Layers), "%d layer(s)");
  help_marker("Transformer blocks. Induction needs two: one head finds the previous token, the next one uses it.");
  ImGui::SetNextItemWidth(with_help());
  ch |= stops_slider("##tdmodel", &c.model.d_model, {16, 24, 32, 48, 64, 96, 128}, TrainKey::DModel, "d_model ");
  help_marker("The width of the residual stream. d_head = d_model / heads.");
  ImGui::SetNextItemWidth(with_help());
  if (ImGui::SliderInt("##theads", &c.model.heads, lo(TrainKey::Heads), hi(TrainKey::Heads), "%d head(s)")) {
    c.model.kv_heads = 0;
    ch = true;
  }
  mark("train:heads");
  help_marker("Heads per layer (lowered to a divisor of d_model). Each head has its own pattern in the grid.");
  int kv = c.model.kv_heads > 0 ? c.model.kv_heads : c.model.heads;
  ImGui::SetNextItemWidth(with_help());
  if (ImGui::SliderInt("##tkv", &kv, lo(TrainKey::KvHeads), c.model.heads, "%d key/value head(s)")) {
    c.model.kv_heads = kv;
    ch = true;
  }
  help_marker("Grouped-query attention: the query heads share this many key/value heads (1 = multi-query). Fewer "
              "K and V heads, smaller KV cache.");
  ch |= ImGui::Checkbox("MLP", &c.model.mlp);
  help_marker("The feed-forward block after attention (4 d wide, GELU). Off: an attention-only model.");
  ImGui::SameLine();
  ch |= ImGui::Checkbox("LayerNorm", &c.model.ln);
  help_marker("LayerNorm before attention, the MLP and the unembedding. Off: the classic setting for induction heads.");
  ch |= combo("##tpos", &c.model.pos, {{PosEnc::Learned, "learned positions"}, {PosEnc::Sinusoidal, "sinusoidal"},
                                {PosEnc::Rope, "RoPE"}, {PosEnc::Alibi, "ALiBi"}, {PosEnc::None, "no positions"}});
  help_marker("How the model knows where a token is: a learned vector per position, the sinusoidal table, rotating "
              "Q and K (RoPE), a distance penalty on the scores (ALiBi), or nothing.");

  section("Attention");
  ch |= combo("##tscale", &c.model.scale, {{ScaleMode::Auto, "scale 1/√d_k"}, {ScaleMode::None, "no scaling"}});
  help_marker("Scores are divided by √d_head so that their size does not grow with d_head; without it softmax "
              "starts saturated (see the lesson).");
  ImGui::SetNextItemWidth(with_help());
  ch |= ImGui::SliderFloat("##ttemp", &c.model.temperature, flo(TrainKey::Temperature), fhi(TrainKey::Temperature),
                           "temperature %.2f", ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp);
  help_marker("Scores are divided by T before the normalizer: low T sharpens, high T flattens (Reset to apply).");
  ch |= combo("##tmask", &c.mask, {{0, "the task's mask"}, {1, "causal"}, {2, "bidirectional"}});
  help_marker("Causal: each position sees only the tokens before it. Bidirectional on a next-token task lets the "
              "model see the token it must predict: watch the held-out accuracy jump, and why causal masks exist. "
              "The task's: causal, but bidirectional for histogram.");
  ch |= combo("##tnorm", &c.model.norm, {{Normalizer::Softmax, "softmax"}, {Normalizer::Sparsemax, "sparsemax"},
                                  {Normalizer::Entmax, "1.5-entmax"}});
  help_marker("How scores become weights. Sparsemax and entmax give exact zeros.");
  float dropout = c.model.dropout;
  ImGui::SetNextItemWidth(with_help());
  if (ImGui::SliderFloat("##tdropout", &dropout, flo(TrainKey::Dropout), fhi(TrainKey::Dropout), "dropout %.2f",
                         ImGuiSliderFlags_AlwaysClamp)) { c.model.dropout = dropout; ch = true; }
  help_marker("Dropout on the attention weights while training (changes apply at once).");

  section("Optimizer");
  ch |= combo("##tinit", &c.model.init, {{Init::Xavier, "Xavier init"}, {Init::Kaiming, "Kaiming init"},
                                  {Init::Normal, "normal(0, 0.02) init"}});
  help_marker("How the initial weights are drawn: Xavier uniform, Kaiming normal (std √(2/fan_in)), or GPT-2's N(0, 0.02).");
  ch |= combo("##topt", &c.opt.kind, {{train::Optimizer::AdamW, "AdamW"}, {train::Optimizer::SGD, "SGD + momentum"}});
  help_marker("AdamW as PyTorch's (decoupled weight decay), or SGD with momentum 0.9.");
  float lr = float(c.opt.lr);
  ImGui::SetNextItemWidth(with_help());
  if (ImGui::SliderFloat("##tlr", &lr, flo(TrainKey::Lr), fhi(TrainKey::Lr), "learning rate %.4f",
                         ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp)) { c.opt.lr = lr; ch = true; }
  mark("train:lr");
  help_marker("Step size (changes apply at once). Too large and the run diverges: it stops at that step with the last good weights.");
  float wd = float(c.opt.weight_decay);
  ImGui::SetNextItemWidth(with_help());
  if (ImGui::SliderFloat("##twd", &wd, flo(TrainKey::WeightDecay), fhi(TrainKey::WeightDecay), "weight decay %.2f",
                         ImGuiSliderFlags_AlwaysClamp)) { c.opt.weight_decay = wd; ch = true; }
  help_marker("Pulls the matrices toward zero every step (changes apply at once). Grokking needs it.");
  float clip = float(c.opt.clip);
  ImGui::SetNextItemWidth(with_help());
  if (ImGui::SliderFloat("##tclip", &clip, flo(TrainKey::Clip), fhi(TrainKey::Clip),
                         clip > 0 ? "clip gradients at %.2f" : "no clipping", ImGuiSliderFlags_AlwaysClamp)) { c.opt.clip = clip; ch = true; }
  help_marker("Scales the gradients down when their global norm is larger (changes apply at once). 0: off.");
  ImGui::SetNextItemWidth(with_help());
  ch |= stops_slider("##tbatch", &c.opt.batch, {8, 16, 32, 64, 128, 256, 512}, TrainKey::Batch, "batch ");
  help_marker("Sequences per step.");
  int seed = int(c.seed);
  ImGui::SetNextItemWidth(with_help());
  if (ImGui::InputInt("##tseed", &seed)) { c.seed = uint64_t(std::max(0, seed)); ch = true; }
  help_marker("The seed of the initial weights, the batches, dropout and the held-out set: the same seed is the same run.");
  ImGui::PopTextWrapPos();

  if (ch) edit_train_config(c);
}

// ---------------------------------------------------------------- curves

struct Series {
  const std::vector<int>* x;        // steps, or nullptr: x = index
  const std::vector<float>* y;
  ImU32 col;
  std::string label;
};

// A line plot of several series over steps, y in [lo, hi] (log10 when log), hover reads the value.
void plot(const char* id, const std::vector<Series>& series, float height, bool log, float lo, float hi, const char* what) {
  const float s = screen().dpi;
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const float w = ImGui::GetContentRegionAvail().x;
  ImGui::InvisibleButton(id, ImVec2(w, height));
  mark(id);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 p1(p0.x + w, p0.y + height);
  dl->AddRectFilled(p0, p1, ImGui::GetColorU32(ImGuiCol_FrameBg), 4 * s);
  int max_x = 1;
  bool any = false;
  for (const Series& se : series)
    if (!se.y->empty()) { any = true; max_x = std::max(max_x, se.x ? se.x->back() : int(se.y->size()) - 1); }
  if (!any) {
    dl->AddText(ImVec2(p0.x + 6 * s, p0.y + 2 * s), ImGui::GetColorU32(ImGuiCol_TextDisabled), (std::string(what) + ": no steps yet (press Play)").c_str());
    return;
  }
  auto tr = [&](float v) { return log ? std::log10(std::max(v, 1e-6f)) : v; };
  const float a = tr(lo), b = tr(hi);
  // the lines keep clear of the range labels written at the top and the bottom
  const float margin = ImGui::GetFontSize() + 4 * s;
  auto to_px = [&](int x, float y) {
    const float fx = float(x) / float(max_x), fy = (tr(y) - a) / (b - a + 1e-12f);
    return ImVec2(p0.x + 4 * s + fx * (w - 8 * s), p1.y - margin - std::clamp(fy, 0.0f, 1.0f) * (height - 2 * margin));
  };
  for (const Series& se : series) {
    const size_t n = se.y->size();
    if (n == 0) continue;
    // at most ~2 points per pixel: every k-th point
    const size_t k = std::max<size_t>(1, n / size_t(std::max(1.0f, w)));
    ImVec2 prev = to_px(se.x ? (*se.x)[0] : 0, (*se.y)[0]);
    for (size_t i = k; i < n; i += k) {
      const ImVec2 p = to_px(se.x ? (*se.x)[i] : int(i), (*se.y)[i]);
      dl->AddLine(prev, p, se.col, 1.5f * s);
      prev = p;
    }
  }
  // the axis range, and the label of each series
  dl->AddText(ImVec2(p0.x + 6 * s, p0.y + 2 * s), ImGui::GetColorU32(ImGuiCol_TextDisabled), (what + std::string("  ") + num(hi)).c_str());
  dl->AddText(ImVec2(p0.x + 6 * s, p1.y - ImGui::GetFontSize() - 2 * s), ImGui::GetColorU32(ImGuiCol_TextDisabled),
              (num(lo) + "   step " + std::to_string(max_x)).c_str());
  if (ImGui::IsItemHovered() && !series.empty()) {
    const float fx = std::clamp((ImGui::GetIO().MousePos.x - p0.x - 4 * s) / (w - 8 * s), 0.0f, 1.0f);
    const int step = int(std::lround(fx * max_x));
    dl->AddLine(ImVec2(p0.x + 4 * s + fx * (w - 8 * s), p0.y), ImVec2(p0.x + 4 * s + fx * (w - 8 * s), p1.y),
                ImGui::GetColorU32(ImGuiCol_TextDisabled));
    std::string tip = "step " + std::to_string(step);
    for (const Series& se : series) {
      if (se.y->empty()) continue;
      size_t i = 0;
      if (se.x) i = size_t(std::lower_bound(se.x->begin(), se.x->end(), step) - se.x->begin());
      else i = size_t(step);
      i = std::min(i, se.y->size() - 1);
      tip += "\n" + (se.label.empty() ? std::string(what) : se.label) + ": " + num((*se.y)[i], 4);
    }
    ImGui::SetTooltip("%s", tip.c_str());
  }
}

// "■ label" for each series, on as many lines as the width needs
void legend(const std::vector<Series>& series) {
  for (size_t i = 0; i < series.size(); i++) {
    const std::string text = "■ " + series[i].label;
    if (i) {
      ImGui::SameLine();
      if (ImGui::CalcTextSize(text.c_str()).x > ImGui::GetContentRegionAvail().x) ImGui::NewLine();
    }
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(series[i].col), "%s", text.c_str());
  }
}

void draw_curves(TrainView& T) {
  const float s = screen().dpi;
  std::vector<Series> loss, acc;
  float lmax = 0.1f, lmin = 10;
  // the training batches' accuracy of the main run, as a 20-step mean (faint): against the held-out
  // curve it shows memorization (grokking) or generalization
  std::vector<float> batch_mean;
  if (!T.runs.empty()) {
    double acc20 = 0;
    const std::vector<float>& b = T.runs[0].batch_acc;
    for (size_t i = 0; i < b.size(); i++) {
      acc20 += b[i] - (i >= 20 ? b[i - 20] : 0.0f);
      batch_mean.push_back(float(acc20 / double(std::min<size_t>(i + 1, 20))));
    }
    acc.push_back({nullptr, &batch_mean, ImGui::GetColorU32(ImGuiCol_TextDisabled), "training batches"});
  }
  for (size_t i = 0; i < T.runs.size(); i++) {
    const TrainRun& r = T.runs[i];
    loss.push_back({nullptr, &r.loss, head_color(int(i)), r.label});
    acc.push_back({&r.eval_step, &r.eval_acc, head_color(int(i)), r.label});
    for (float v : r.loss)
      if (std::isfinite(v)) { lmax = std::max(lmax, v); lmin = std::min(lmin, v); }
  }
  ImGui::Checkbox("log scale", &T.log_loss);
  mark("train:log");
  const float h = 110 * s;
  plot("train:loss", loss, h, T.log_loss, T.log_loss ? std::max(1e-4f, lmin) : 0.0f, lmax, "loss");
  plot("train:acc", acc, h, false, 0.0f, 1.0f, "held-out accuracy (grey: training batches)");
  if (T.runs.size() > 1) {
    std::vector<Series> keys;
    for (size_t i = 0; i < T.runs.size(); i++) keys.push_back({nullptr, nullptr, head_color(int(i)), T.runs[i].label});
    legend(keys);
  }
}

// ---------------------------------------------------------------- attention grid

// The shown snapshot of run r: the scrubbed one, or the latest.
const train::Snapshot* shown(const TrainRun& r, int scrub) {
  if (r.snaps.empty()) return nullptr;
  if (scrub < 0 || scrub >= int(r.snaps.size())) return &r.snaps.back();
  return &r.snaps[size_t(scrub)];
}

void draw_grid(TrainView& T) {
  const float s = screen().dpi;
  if (T.runs.empty()) return;
  if (T.runs.size() > 1) {
    ImGui::TextUnformatted("Show");
    for (size_t i = 0; i < T.runs.size(); i++) {
      ImGui::SameLine();
      if (ImGui::RadioButton(T.runs[i].label.c_str(), T.shown == int(i))) T.shown = int(i);
      mark(("train:show" + std::to_string(i)).c_str());
    }
    help_marker("Which run's attention, head measures and gradients are shown (and opened in the stepper or generated "
                "from): the lesson trains them side by side from the same seed.");
  }
  const TrainRun& r = shown_run(T);
  // the timeline: every recorded snapshot of the main run
  const int n = int(r.snaps.size());
  int idx = T.scrub < 0 ? n - 1 : std::min(T.scrub, n - 1);
  const train::Snapshot* sn = shown(r, T.scrub);
  if (!sn) return;
  ImGui::TextUnformatted(T.scrub < 0 ? "Timeline (following the run)" : "Timeline");
  help_marker("Drag to replay the probe's attention as it was at any recorded step: every step of the first 50, then "
              "every few steps. Drag back to before the loss dropped to see a head that was not there yet.");
  ImGui::SameLine();
  if (ImGui::SmallButton("Live")) T.scrub = -1;
  mark("train:live");
  ImGui::SetNextItemWidth(-FLT_MIN);
  const std::string lab = sn->step < 0 ? "initial weights" : "step " + std::to_string(sn->step + 1);
  if (ImGui::SliderInt("##tscrub", &idx, 0, std::max(0, n - 1), lab.c_str())) T.scrub = idx;
  mark("train:scrub");
  // the probe's tokens as labels
  std::vector<std::string> labels;
  const int Tn = r.t.task.seq;
  for (int t = 0; t < Tn; t++) {
    const int id = r.t.task.probe.x[size_t(t)];
    labels.push_back(r.t.task.token_names[size_t(id)]);
  }
  std::string probe;
  for (const std::string& l : labels) probe += l + " ";
  ImGui::TextDisabled("probe: %s", probe.c_str());
  const int L = r.t.cfg.model.layers, H = r.t.cfg.model.heads;
  const float avail = ImGui::GetContentRegionAvail().x;
  const float size = std::clamp((avail - 10 * s * H) / float(H), 48 * s, 150 * s);
  for (int l = 0; l < L; l++)
    for (int h = 0; h < H; h++) {
      if (h) ImGui::SameLine();
      ImGui::BeginGroup();
      const float* A = sn->attn.data() + (size_t(l) * H + h) * Tn * Tn;
      const train::HeadLabel hl = train::classify_head(A, Tn, r.t.task.probe.x.data(), r.t.task.causal);
      const std::string title = "L" + std::to_string(l + 1) + " H" + std::to_string(h + 1);
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(head_color(h)), "%s", title.c_str());
      const uint64_t version = (uint64_t(T.shown) << 58) ^ (T.generation << 40) ^ (uint64_t(sn->step + 2) << 8) ^ uint64_t(size);
      head_map("train:", A, Tn, labels, size, "map" + std::to_string(l) + "_" + std::to_string(h), version);
      mark(("train:map" + std::to_string(l) + "_" + std::to_string(h)).c_str());
      if (ImGui::IsItemClicked()) { T.layer = l; T.head = h; }
      const std::string kind = hl.kind == train::HeadKind::Mixed ? "mixed, " + std::string(train::head_kind_name(hl.best)) + " " + num(hl.score, 2)
                                                                 : std::string(train::head_kind_name(hl.kind)) + " " + num(hl.score, 2);
      ImGui::TextDisabled("%s", clip_label(kind, size).c_str());
      ImGui::EndGroup();
    }
}

// ---------------------------------------------------------------- heads and gradients

void draw_heads_and_grads(TrainView& T) {
  const float s = screen().dpi;
  if (T.runs.empty()) return;
  const TrainRun& r = shown_run(T);
  const train::Snapshot* sn = shown(r, T.scrub);
  if (!sn) return;
  const int L = r.t.cfg.model.layers, H = r.t.cfg.model.heads, Tn = r.t.task.seq;
  if (T.runs.size() > 1) ImGui::TextDisabled("%s", r.label.c_str());
  ImGui::TextUnformatted("Heads at this step");
  help_marker("Each head's pattern on the probe, named when one kind of weight dominates (the score is the mean weight "
              "that decided it): previous-token, induction (the token after the current token's last occurrence), "
              "first-token (a sink), self, uniform. Entropy in nats (0 = one key; ln n = uniform); max |score| is the largest "
              "scaled score, which saturates softmax when large.");
  if (ImGui::BeginTable("heads", 4, ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_RowBg)) {
    ImGui::TableSetupColumn("head");
    ImGui::TableSetupColumn("pattern");
    ImGui::TableSetupColumn("entropy");
    ImGui::TableSetupColumn("max |s|");
    ImGui::TableHeadersRow();
    for (int l = 0; l < L; l++)
      for (int h = 0; h < H; h++) {
        const float* A = sn->attn.data() + (size_t(l) * H + h) * Tn * Tn;
        const train::HeadLabel hl = train::classify_head(A, Tn, r.t.task.probe.x.data(), r.t.task.causal);
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(head_color(h)), "L%d H%d", l + 1, h + 1);
        ImGui::TableNextColumn();
        if (hl.kind == train::HeadKind::Mixed) ImGui::TextDisabled("mixed (%s %s)", train::head_kind_name(hl.best), num(hl.score, 2).c_str());
        else ImGui::Text("%s %s", train::head_kind_name(hl.kind), num(hl.score, 2).c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(num(sn->entropy[size_t(l) * H + h], 3).c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(num(sn->max_score[size_t(l) * H + h], 3).c_str());
      }
    ImGui::EndTable();
  }
  // each head's entropy over the recorded steps, for the selected layer
  {
    const int l = std::clamp(T.layer, 0, L - 1);
    std::vector<std::vector<float>> ent(static_cast<size_t>(H));  // (H, snapshots)
    std::vector<int> at;
    for (const train::Snapshot& x : r.snaps) {
      if (x.step < 0) continue;
      at.push_back(int(x.step));
      for (int h = 0; h < H; h++) ent[size_t(h)].push_back(x.entropy[size_t(l) * H + h]);
    }
    std::vector<Series> es;
    for (int h = 0; h < H; h++) es.push_back({&at, &ent[size_t(h)], head_color(h), "H" + std::to_string(h + 1)});
    ImGui::Spacing();
    ImGui::Text("Entropy over time, layer %d", l + 1);
    help_marker("Each head's mean attention entropy on the probe (nats) at every recorded step: it falls as a head "
                "specializes. Click a head in the grid to choose the layer.");
    plot("train:entropy", es, 80 * s, false, 0.0f, std::log(float(std::max(2, Tn))), "entropy");
  }
  // gradient norms per group over the recorded snapshots
  ImGui::Spacing();
  ImGui::TextUnformatted("Gradient norms");
  help_marker("The norm of each group's gradient at the recorded steps (log scale). Below 1e-6 they have vanished; "
              "above 1e3 they explode: lower the learning rate, keep the scaling, or clip.");
  const auto& tensors = r.t.lay.tensors;
  auto group_of = [](const std::string& n) {
    if (n.find(".wq") != std::string::npos || n.find(".wk") != std::string::npos) return 0;
    if (n.find(".wv") != std::string::npos || n.find(".wo") != std::string::npos) return 1;
    if (n.find("mlp") != std::string::npos) return 2;
    if (n.find("emb") != std::string::npos || n == "unembed") return 3;
    return 4;
  };
  static const char* names[] = {"W_q, W_k", "W_v, W_o", "MLP", "embeddings", "LayerNorm"};
  std::vector<std::vector<float>> g(5);
  std::vector<int> steps;
  for (const train::Snapshot& x : r.snaps) {
    if (x.step < 0 || x.tensor_norms.size() != tensors.size()) continue;
    double acc[5] = {0, 0, 0, 0, 0};
    for (size_t i = 0; i < tensors.size(); i++) acc[group_of(tensors[i].name)] += double(x.tensor_norms[i]) * x.tensor_norms[i];
    for (int k = 0; k < 5; k++) g[size_t(k)].push_back(float(std::sqrt(acc[k])));
    steps.push_back(int(x.step));
  }
  std::vector<Series> ser;
  float lo = 1e-3f, hi = 1;
  for (int k = 0; k < 5; k++) {
    bool any = false;
    for (float v : g[size_t(k)])
      if (v > 0) { any = true; lo = std::min(lo, v); hi = std::max(hi, v); }
    if (any) ser.push_back({&steps, &g[size_t(k)], head_color(k), names[k]});
  }
  plot("train:grads", ser, 90 * s, true, std::max(1e-8f, lo), hi, "gradient norm");
  if (!ser.empty()) {
    legend(ser);
    const float last = ser[0].y->empty() ? 1.0f : ser[0].y->back();
    if (last < 1e-6f) ImGui::TextColored(ImVec4(1, 0.6f, 0.2f, 1), "W_q, W_k gradients have vanished (%.1e)", double(last));
    if (r.t.step > 0 && hi > 1e3f) ImGui::TextColored(ImVec4(1, 0.6f, 0.2f, 1), "gradients are exploding (up to %.1e)", double(hi));
  }
}

// ---------------------------------------------------------------- open in stepper, generate, export

void draw_actions(TrainView& T) {
  if (T.runs.empty()) return;
  const TrainRun& r = shown_run(T);
  const int L = r.t.cfg.model.layers, H = r.t.cfg.model.heads;
  ImGui::TextUnformatted("Open in stepper");
  help_marker("Puts layer L's learned W_q, W_k, W_v, W_o and the probe's residual stream (after LayerNorm) into the "
              "staged pipeline: every stepper view, hover arithmetic and backward stage then works on learned attention. "
              "Click a head in the grid to choose it.");
  int layer1 = std::clamp(T.layer, 0, L - 1) + 1, head1 = std::clamp(T.head, 0, H - 1) + 1;  // shown 1-based
  ImGui::SetNextItemWidth(90 * screen().dpi);
  ImGui::SliderInt("##tlayer", &layer1, 1, L, "layer %d", ImGuiSliderFlags_AlwaysClamp);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(90 * screen().dpi);
  ImGui::SliderInt("##thead", &head1, 1, H, "head %d", ImGuiSliderFlags_AlwaysClamp);
  T.layer = std::clamp(layer1, 1, L) - 1;
  T.head = std::clamp(head1, 1, H) - 1;
  ImGui::SameLine();
  if (ImGui::Button("Open")) train_open_in_stepper(T.layer, T.head);
  mark("train:open");

  ImGui::Spacing();
  ImGui::TextUnformatted("Generate");
  help_marker("The trained model continues your prompt one token at a time (greedy, with a KV cache); below, each "
              "step's new attention row for the selected layer, one line per head.");
  ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x - 90 * screen().dpi);
  ImGui::InputText("##tprompt", &T.prompt);
  mark("train:prompt");
  ImGui::SameLine();
  if (ImGui::Button("Generate")) train_generate();
  mark("train:generate");
  if (!T.gen_tokens.empty()) {
    std::string out;
    for (size_t i = 0; i < T.gen_tokens.size(); i++) {
      if (int(i) == T.gen_prompt_len) out += "| ";
      out += r.t.task.token_names[size_t(T.gen_tokens[i])] + " ";
    }
    ImGui::TextWrapped("%s", out.c_str());
    // the newest rows: (L, H, t) for the last fed token, the selected layer
    const std::vector<float>& rows = T.gen_rows.back();
    const int t = int(T.gen_rows.size());
    const float cw = std::min(14.0f * screen().dpi, (ImGui::GetContentRegionAvail().x - 30 * screen().dpi) / float(t));
    ImDrawList* dl = ImGui::GetWindowDrawList();
    for (int h = 0; h < H; h++) {
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(head_color(h)), "H%d", h + 1);
      ImGui::SameLine();
      const ImVec2 p = ImGui::GetCursorScreenPos();
      for (int j = 0; j < t; j++) {
        const float w = rows[(size_t(T.layer) * H + h) * t + j];
        dl->AddRectFilled(ImVec2(p.x + j * cw, p.y), ImVec2(p.x + (j + 1) * cw - 1, p.y + ImGui::GetFontSize()),
                          head_color(h, 0.1f + 0.9f * std::sqrt(std::clamp(w, 0.0f, 1.0f))));
      }
      ImGui::Dummy(ImVec2(cw * t, ImGui::GetFontSize()));
    }
    ImGui::TextDisabled("KV cache: %d keys per layer", t);
  }

  ImGui::Spacing();
  ImGui::TextUnformatted("Export");
  if (ImGui::SmallButton("Curves (CSV)")) {
    std::string csv = "step,loss,batch_acc,heldout_acc\n";
    size_t e = 0;
    for (size_t i = 0; i < r.loss.size(); i++) {
      while (e < r.eval_step.size() && r.eval_step[e] < int(i)) e++;
      const bool has = e < r.eval_step.size() && r.eval_step[e] == int(i);
      csv += std::to_string(i) + "," + num(r.loss[i], 7) + "," + num(r.batch_acc[i], 4) + "," + (has ? num(r.eval_acc[e], 5) : "") + "\n";
    }
    set_status(host::save_file("train_curves.csv", csv, "text/csv"));
  }
  mark("train:export_csv");
  ImGui::SameLine();
  if (ImGui::SmallButton("Snapshots")) {
    std::string bytes = snapshot_header(r.t.cfg, r.t.task, r.t.lay);
    for (const train::Snapshot& x : r.snaps)
      if (x.step >= 0) append_snapshot(r.t.cfg, x, &bytes);
    set_status(host::save_file("snapshots.bin", bytes, "application/octet-stream"));
  }
  mark("train:export_snaps");
  ImGui::SameLine();
  if (ImGui::SmallButton("Model")) {
    set_status(host::save_file("model.safetensors", model_safetensors(r.t.cfg, r.t.lay, r.t.params), "application/octet-stream") +
               " (with config.json, attn eval and generate read it)");
    host::save_file("config.json", train::config_json(r.t.cfg), "application/json");
  }
  mark("train:export_model");
  ImGui::SameLine();
  if (ImGui::SmallButton("Picture")) screen().capture = 1;
  mark("train:export_png");
  // as a real checkpoint: GPT-2's files, opened in the Model mode or downloaded
  const std::string why = train_hf_inexpressible();
  if (!why.empty()) ImGui::BeginDisabled();
  if (ImGui::SmallButton("Open in the Model mode")) train_open_in_model_mode();
  mark("train:to_model");
  ImGui::SameLine();
  if (ImGui::SmallButton("Hugging Face folder")) {
    std::map<std::string, std::string> files;
    std::string err;
    if (train_hf_files(&files, &err)) {
      for (const auto& [name, bytes] : files) host::save_file(name, bytes, "application/octet-stream");
      set_status("saved config.json, model.safetensors and tokenizer.json: a GPT-2 folder (attn model --model DIR reads it)");
    } else {
      set_status(err);
    }
  }
  mark("train:export_hf");
  if (!why.empty()) {
    ImGui::EndDisabled();
    ImGui::TextDisabled("As a GPT-2 checkpoint: not this model (%s)", why.c_str());
  } else if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("The trained model as GPT-2's files (config.json, model.safetensors, a tokenizer.json of the task's tokens)");
  }
}

void draw_status(TrainView& T) {
  if (T.runs.empty()) {
    if (!T.error.empty()) ImGui::TextColored(ImVec4(1, 0.4f, 0.3f, 1), "%s", T.error.c_str());
    return;
  }
  const TrainRun& r = T.runs[0];
  ImGui::Text("step %lld   loss %s   held-out %s   %s", (long long)r.t.step, r.loss.empty() ? "–" : num(r.loss.back(), 4).c_str(),
              r.eval_acc.empty() ? "–" : pct(r.eval_acc.back()).c_str(),
              T.playing ? (num(T.steps_per_s, 3) + " steps/s, " + num(T.step_ms, 3) + " ms a step").c_str() : "paused");
  mark("train:status");
  if (!T.error.empty()) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(ImVec4(1, 0.45f, 0.3f, 1), "Stopped: %s", T.error.c_str());
    ImGui::TextDisabled("The weights on screen are the last good ones. Change a setting and press Reset to try again.");
    ImGui::PopTextWrapPos();
  }
}

}  // namespace

// ---------------------------------------------------------------- layout

namespace {
// the first visit loads the first lesson, paused
void ensure_configured(TrainView& T) {
  if (T.configured) return;
  T.configured = true;
  train_lesson(train_lessons().front().first);
  T.playing = false;
}
}  // namespace

void draw_train_part(TrainView& T, const std::string& part) {
  ensure_configured(T);
  if (part == "curves") { draw_status(T); draw_curves(T); }
  else if (part == "attention") draw_grid(T);
  else if (part == "measures") draw_heads_and_grads(T);
  else if (part == "settings") draw_settings(T);
}

void draw_train(TrainView& T) {
  ensure_configured(T);
  const float s = screen().dpi;
  if (!T.lesson.empty()) {
    for (const auto& [name, text] : train_lessons())
      if (name == T.lesson) {
        ImGui::PushTextWrapPos(0);
        ImGui::TextDisabled("%s: %s", name.c_str(), text.c_str());
        ImGui::PopTextWrapPos();
      }
  }
  if (screen().narrow) {
    draw_status(T);
    draw_curves(T);
    draw_grid(T);
    if (ImGui::CollapsingHeader("Settings and lessons", ImGuiTreeNodeFlags_DefaultOpen)) draw_settings(T);
    if (ImGui::CollapsingHeader("Heads and gradients")) draw_heads_and_grads(T);
    if (ImGui::CollapsingHeader("Open, generate, export")) draw_actions(T);
    return;
  }
  const float avail_h = ImGui::GetContentRegionAvail().y;
  const float left_w = 290 * s, right_w = std::min(380 * s, ImGui::GetIO().DisplaySize.x * 0.3f);
  ImGui::BeginChild("tsettings", ImVec2(left_w, avail_h), true);
  draw_settings(T);
  ImGui::EndChild();
  ImGui::SameLine();
  const float center_w = ImGui::GetContentRegionAvail().x - right_w - ImGui::GetStyle().ItemSpacing.x;
  ImGui::BeginChild("tcenter", ImVec2(center_w, avail_h), true);
  draw_status(T);
  draw_curves(T);
  draw_grid(T);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("tside", ImVec2(right_w, avail_h), true);
  draw_heads_and_grads(T);
  ImGui::Separator();
  draw_actions(T);
  ImGui::EndChild();
}

}  // namespace attn::ui
