// model.cpp: the Model mode's panel: open a real checkpoint, type a sentence, see its tokens,
// every layer × head as a small map labelled with the pattern it shows, one head in full with its
// knock-out, and the next-token prediction with and without the knocked-out heads.
#include <algorithm>
#include <cmath>
#include "modes/host.h"
#include "core/format.h"
#include "models/sample.h"
#include "ui/ui.h"

namespace attn::ui {

namespace {


// Opening by Hugging Face name: the known small models with their download sizes, a free field,
// the question before anything is fetched, and the download's progress with a Cancel
void draw_by_name(ModelView& M) {
  const float s = screen().dpi;
  if (M.downloading) {
    const double mb = 1024.0 * 1024.0;
    const float frac = M.dl_total > 0 ? float(M.dl_done / M.dl_total) : 0.0f;
    char label[160];
    std::snprintf(label, sizeof label, "%s: %.0f / %.0f MB (%.0f %%)", M.dl_file.c_str(), M.dl_done / mb, M.dl_total / mb,
                  100.0 * frac);
    ImGui::Text("Downloading %s", M.pending.c_str());
    ImGui::ProgressBar(frac, ImVec2(-90 * s, 0), label);
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) model_cancel_download();
    mark("model:cancel");
    return;
  }
  if (!M.pending.empty()) {
    double mb = -1;
    for (const KnownModel& k : known_models())
      if (M.pending == k.name) mb = k.mb;
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + ImGui::GetContentRegionAvail().x);
    if (mb > 0)
      ImGui::Text("Download %s? %.0f MB from huggingface.co, kept in this browser's cache so that a second visit does not "
                  "download it again.", M.pending.c_str(), mb);
    else
      ImGui::Text("Download %s from huggingface.co? Its size is known once the download starts; a model too large for "
                  "the page stops there.", M.pending.c_str());
    ImGui::PopTextWrapPos();
    if (ImGui::Button("Download")) model_download();
    mark("model:download");
    ImGui::SameLine();
    if (ImGui::Button("Not now")) M.pending.clear();
    mark("model:notnow");
    return;
  }
  ImGui::TextUnformatted("Or by its name on Hugging Face (downloaded once, with your yes):");
  for (const KnownModel& k : known_models()) {
    const bool fits = k.memory_mb <= kModelMemoryMb;
    char b[64];
    std::snprintf(b, sizeof b, "%.0f MB##%s", k.mb, k.name);
    if (!fits) ImGui::BeginDisabled();
    if (ImGui::SmallButton(b)) model_ask_download(k.name);
    if (!fits) ImGui::EndDisabled();
    mark((std::string("model:known:") + k.name).c_str());
    ImGui::SameLine();
    ImGui::Text("%s", k.name);
    ImGui::SameLine();
    if (fits) ImGui::TextDisabled("%s", k.what);
    else ImGui::TextDisabled("%s: too large for a tab (about %.0f MB of memory)", k.what, k.memory_mb);
  }
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s", M.typed_name.c_str());
  ImGui::SetNextItemWidth(260 * s);
  if (ImGui::InputTextWithHint("##modelname", "owner/name", buf, sizeof buf)) M.typed_name = buf;
  mark("model:name");
  ImGui::SameLine();
  if (ImGui::Button("Open by name")) model_ask_download(M.typed_name);
  mark("model:byname");
}

void draw_open(ModelView& M) {
  const float s = screen().dpi;
  ImGui::PushTextWrapPos(ImGui::GetContentRegionAvail().x);
  ImGui::TextUnformatted("Open a real model: a Hugging Face checkpoint's files from your own disk, run here, sent nowhere.");
  ImGui::TextDisabled("GPT-2, Llama (Llama 2/3, TinyLlama, SmolLM2), Mistral, Qwen2 or Qwen3, in F32, F16 or BF16. Pick or drop "
                      "config.json, model.safetensors (or its shards with model.safetensors.index.json) and tokenizer.json "
                      "together; on the desktop, start it with --model=FOLDER.");
  ImGui::PopTextWrapPos();
  ImGui::Spacing();
  if (ImGui::Button("Pick the model's files")) host::pick_model_files();
  mark("model:pick");
  if (!M.files.empty()) {
    ImGui::SameLine();
    std::string names;
    for (const auto& [n, b] : M.files) names += (names.empty() ? "" : ", ") + n;
    ImGui::TextDisabled("given: %s", names.c_str());
    if (ImGui::Button("Open")) model_open();
    mark("model:open");
  }
  ImGui::Dummy(ImVec2(0, 6 * s));
  if (host::is_web()) draw_by_name(M);
  else ImGui::TextDisabled("By name: download the folder (huggingface-cli download OWNER/NAME) and start with --model=FOLDER.");
  if (!M.error.empty()) {
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + ImGui::GetContentRegionAvail().x);
    ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.35f, 1), "%s", M.error.c_str());
    ImGui::PopTextWrapPos();
  }
  ImGui::Dummy(ImVec2(0, 8 * s));
}

// a probability as a bar the panel's width, the value on it; grey: the full model's, behind it
void prob_bar(double p, double was, bool compare, float width) {
  const float s = screen().dpi;
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const float h = ImGui::GetTextLineHeight();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p0, ImVec2(p0.x + width, p0.y + h), ImGui::GetColorU32(ImGuiCol_FrameBg), 2 * s);
  if (compare) dl->AddRectFilled(p0, ImVec2(p0.x + width * float(was), p0.y + h), IM_COL32(150, 150, 150, 110), 2 * s);
  dl->AddRectFilled(p0, ImVec2(p0.x + width * float(p), p0.y + h), head_color(0, 0.85f), 2 * s);
  char t[48];
  if (compare) std::snprintf(t, sizeof t, "%.1f %%  (all heads %.1f %%)", 100 * p, 100 * was);
  else std::snprintf(t, sizeof t, "%.1f %%", 100 * p);
  dl->AddText(ImVec2(p0.x + 4 * s, p0.y), ImGui::GetColorU32(ImGuiCol_Text), t);
  ImGui::Dummy(ImVec2(width, h));
}

// the next-token prediction at the last position: the likeliest as bars, shaped by temperature,
// top-k and top-p; with knocked-out heads, every head's in grey behind; the logit lens
void draw_prediction(ModelView& M) {
  const float s = screen().dpi;
  const int V = M.m.cfg.spec.vocab;
  const bool knocked = std::count(M.knocked.begin(), M.knocked.end(), 1) > 0;
  ImGui::TextUnformatted(knocked ? "Next token, with the knocked-out heads" : "Next token");
  help_marker("The likeliest next tokens after your text. Temperature divides the logits (low: sharper, high: flatter), "
              "top-k keeps the k likeliest, top-p the fewest whose probabilities reach p; the rest is renormalized. With "
              "heads knocked out, the grey bar behind is the model with every head.");
  const float w = ImGui::GetContentRegionAvail().x;
  float temp = float(M.sample.temperature);
  ImGui::SetNextItemWidth(w * 0.5f);
  if (ImGui::SliderFloat("temperature", &temp, 0.05f, 2.0f, "%.2f")) M.sample.temperature = temp;
  mark("model:temperature");
  ImGui::SetNextItemWidth(w * 0.5f);
  ImGui::SliderInt("top-k (0: all)", &M.sample.top_k, 0, 100);
  mark("model:topk");
  float top_p = float(M.sample.top_p);
  ImGui::SetNextItemWidth(w * 0.5f);
  if (ImGui::SliderFloat("top-p", &top_p, 0.05f, 1.0f, "%.2f")) M.sample.top_p = top_p;
  mark("model:topp");
  const auto now = models::next_token_distribution(M.pass.logits.data() + M.pass.logits.size() - size_t(V), V, M.sample);
  const auto full = models::next_token_distribution(M.full_logits.data(), V, M.sample);
  auto name = [&](int id) { return M.has_tokenizer ? "'" + M.tok.token_bytes(id) + "'" : std::to_string(id); };
  const float label_w = std::min(120 * s, w * 0.35f);
  for (size_t i = 0; i < now.size() && i < 8; i++) {
    const int id = now[i].first;
    double was = 0;
    for (const auto& f : full)
      if (f.first == id) was = f.second;
    ImGui::TextUnformatted(clip_label(name(id), label_w).c_str());
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("token id %d", id);
    ImGui::SameLine(label_w + 8 * s);
    prob_bar(now[i].second, was, knocked, std::max(60 * s, w - label_w - 12 * s));
  }
  if (knocked && !now.empty() && !full.empty() && now[0].first != full[0].first)
    ImGui::TextColored(ImVec4(1.0f, 0.7f, 0.3f, 1), "The prediction changed: with every head it is %s.", name(full[0].first).c_str());
  if (!M.lens.empty()) {
    ImGui::Spacing();
    ImGui::TextUnformatted("Logit lens");
    help_marker("The token the model would predict if it stopped after each layer: the residual stream after that "
                "block through the final norm and the output head. Watch where the final answer first appears.");
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + w);
    std::string line;
    for (size_t l = 0; l < M.lens.size(); l++) line += (l ? "  ·  " : "") + std::to_string(l) + ": " + name(M.lens[l]);
    ImGui::TextDisabled("%s", line.c_str());
    ImGui::PopTextWrapPos();
  }
}

// Generate: the text continued token by token from the KV cache; each new token's attention row
// in the selected head appended under the last as it comes
void draw_generate_controls(ModelView& M) {
  const float s = screen().dpi;
  if (M.generating) {
    if (ImGui::Button("Stop")) model_stop_generating();
    mark("model:stop");
    ImGui::SameLine();
    ImGui::TextDisabled("generating %zu / %d", M.gen.tokens.size(), M.gen_count);
    return;
  }
  if (ImGui::Button("Generate")) model_generate();
  mark("model:generate");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Continue the text token by token from the KV cache (with the knocked-out heads)");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(90 * s);
  ImGui::SliderInt("tokens", &M.gen_count, 1, 64);
  ImGui::SameLine();
  ImGui::Checkbox("greedy", &M.greedy);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Greedy: always the likeliest token. Off: drawn with the temperature, top-k and top-p of the next-token panel");
}

void draw_generate(ModelView& M) {
  const float s = screen().dpi;
  const nn::Spec& sp = M.m.cfg.spec;
  if (M.gen.tokens.empty() && M.gen_error.empty()) return;
  ImGui::TextUnformatted("Generated");
  if (!M.gen_error.empty()) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.35f, 1), "%s", M.gen_error.c_str());
  if (M.gen.tokens.empty()) return;
  auto name = [&](int id) { return M.has_tokenizer ? M.tok.token_bytes(id) : " " + std::to_string(id); };
  std::string text;
  for (int id : M.gen.tokens) text += name(id);
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + ImGui::GetContentRegionAvail().x);
  ImGui::TextColored(ImVec4(0.55f, 0.85f, 1.0f, 1), "…%s", text.c_str());
  ImGui::PopTextWrapPos();
  // layer, head's row for each generated token: one strip of cells over every position before it
  const int H = sp.attn.heads, T0 = int(M.ids.size());
  const int cols = T0 + int(M.gen_rows.size());
  const float avail = ImGui::GetContentRegionAvail().x;
  const float cell = std::max(2 * s, std::min(12 * s, (avail - 4 * s) / float(cols)));
  ImGui::TextDisabled("layer %d, head %d: each new token's weights (a row per token)", M.layer, M.head);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  for (size_t g = 0; g < M.gen_rows.size(); g++) {
    const int n = T0 + int(g) + 1;
    const float* row = M.gen_rows[g].data() + (size_t(M.layer) * H + M.head) * size_t(n);
    for (int j = 0; j < n && j < cols; j++) {
      const float v = std::sqrt(std::clamp(row[j], 0.0f, 1.0f));
      const ImVec2 a(p0.x + cell * float(j), p0.y + cell * float(g));
      dl->AddRectFilled(a, ImVec2(a.x + cell - 1, a.y + cell - 1), head_color(M.head, 0.08f + 0.92f * v));
    }
  }
  ImGui::Dummy(ImVec2(cell * float(cols), cell * float(M.gen_rows.size())));
  mark("model:genrows");
  if (ImGui::IsItemHovered()) {
    const ImVec2 m = ImGui::GetIO().MousePos;
    const int g = int((m.y - p0.y) / cell), j = int((m.x - p0.x) / cell);
    if (g >= 0 && g < int(M.gen_rows.size()) && j >= 0 && j <= T0 + g) {
      const float* row = M.gen_rows[size_t(g)].data() + (size_t(M.layer) * H + M.head) * size_t(T0 + g + 1);
      const std::string key = j < T0 ? M.token_labels[size_t(j)] : name(M.gen.tokens[size_t(j - T0)]);
      ImGui::SetTooltip("new token %d ('%s') → '%s': %.3f", g + 1, name(M.gen.tokens[size_t(g)]).c_str(), key.c_str(), double(row[j]));
    }
  }
}

void draw_grid(ModelView& M) {
  const float s = screen().dpi;
  const int L = M.layers(), H = M.heads(), T = M.tokens();
  ImGui::TextUnformatted(screen().narrow ? "Every head (rows: layers)" : "Every head (rows: layers, columns: heads)");
  help_marker("Each map is one head's attention on your text: row i is the query token, column j the key it reads. The "
              "label is the pattern it shows most (previous-token, induction, first-token or sink, self, uniform) and the "
              "score that decided it. Click a head to select it; a knocked-out head is crossed.");
  const float avail = ImGui::GetContentRegionAvail().x;
  const float size = std::clamp((avail - 40 * s) / float(H) - 6 * s, 26 * s, 140 * s);
  for (int l = 0; l < L; l++) {
    ImGui::Text("%2d", M.layer_name(l));
    for (int h = 0; h < H; h++) {
      ImGui::SameLine();
      ImGui::BeginGroup();
      const ImVec2 p0 = ImGui::GetCursorScreenPos();
      const float* A = M.weights(l, h);
      head_map("model:", A, T, M.token_labels, size, "m" + std::to_string(l) + "_" + std::to_string(h), M.version);
      if (ImGui::IsItemClicked()) { M.layer = l; M.head = h; }
      mark(("model:head" + std::to_string(l) + "_" + std::to_string(h)).c_str());
      ImDrawList* dl = ImGui::GetWindowDrawList();
      if (M.layer == l && M.head == h) dl->AddRect(p0, ImVec2(p0.x + size, p0.y + size), head_color(h), 0, 0, 2 * s);
      if (!M.given && M.knocked[size_t(l) * H + h]) {
        dl->AddLine(p0, ImVec2(p0.x + size, p0.y + size), IM_COL32(255, 90, 70, 220), 2 * s);
        dl->AddLine(ImVec2(p0.x + size, p0.y), ImVec2(p0.x, p0.y + size), IM_COL32(255, 90, 70, 220), 2 * s);
      }
      const train::HeadLabel& lab = M.labels[size_t(l) * H + h];
      if (size >= 56 * s) {
        // a mixed head leans towards its best pattern: say which
        const std::string t = lab.kind == train::HeadKind::Mixed ? std::string("~") + train::head_kind_name(lab.best)
                                                                 : train::head_kind_name(lab.kind);
        ImGui::TextDisabled("%s", clip_label(t, size).c_str());
      }
      ImGui::EndGroup();
      if (ImGui::IsItemHovered() && !ImGui::IsAnyItemActive())
        ImGui::SetTooltip("layer %d, head %d: %s (score %.2f)", M.layer_name(l), M.head_name(h), train::head_kind_name(lab.kind),
                          double(lab.score));
    }
  }
}

void draw_selected(ModelView& M) {
  const float s = screen().dpi;
  const int H = M.heads(), T = M.tokens();
  const train::HeadLabel& lab = M.labels[size_t(M.layer) * H + M.head];
  ImGui::Text("Layer %d, head %d: %s", M.layer_name(M.layer), M.head_name(M.head), train::head_kind_name(lab.kind));
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + ImGui::GetContentRegionAvail().x);
  ImGui::TextDisabled("previous %.2f · induction %.2f · first %.2f · self %.2f · uniformity %.2f", double(lab.prev),
                      double(lab.induction), double(lab.first), double(lab.self), double(lab.uniformity));
  ImGui::PopTextWrapPos();
  const float size = std::min(ImGui::GetContentRegionAvail().x, 260 * s);
  head_map("model:", M.weights(M.layer, M.head), T, M.token_labels, size, "selected",
           M.version + (uint64_t(M.layer) << 40) + (uint64_t(M.head) << 48));
  if (M.given) return;  // the weights alone: no model to open in the stepper or to knock heads out of
  if (ImGui::Button("Open in stepper")) model_open_in_stepper(M.layer, M.head);
  mark("model:stepper");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("This head's own Q (after RoPE), K and V on your tokens in the 8-stage stepper, with the arithmetic of every cell");
  ImGui::SameLine();
  const bool off = M.knocked[size_t(M.layer) * H + M.head];
  if (ImGui::Button(off ? "Restore this head" : "Knock this head out")) model_toggle_knock(M.layer, M.head);
  mark("model:knock");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(off ? "Give the head its output back and run the model again"
                          : "Zero the head's output before the output projection and run the model again");
  if (std::count(M.knocked.begin(), M.knocked.end(), 1) > 0) {
    ImGui::SameLine();
    if (ImGui::Button("Restore all")) {
      std::fill(M.knocked.begin(), M.knocked.end(), 0);
      model_run();
    }
  }
}

// the head view: the selected layer's heads as coloured toggles, their token lines together
void draw_lines(ModelView& M) {
  const float s = screen().dpi;
  const int H = M.heads(), T = M.tokens();
  if (int(M.line_heads.size()) != H) M.line_heads.assign(size_t(H), 0);
  ImGui::Text("Token lines, layer %d", M.layer_name(M.layer));
  help_marker("Each line joins a query token (left) to a key token (right); thicker and more opaque is more weight. The "
              "selected head is always drawn; click the other heads' squares to draw them too, each in its colour. Click a "
              "token on the left to focus its row; hover a token on the right for each head's weight on it.");
  for (int h = 0; h < H; h++) {
    if (h) ImGui::SameLine(0, 3 * s);
    if (ImGui::GetContentRegionAvail().x < 24 * s) ImGui::NewLine();
    const bool on = h == M.head || M.line_heads[size_t(h)];
    ImGui::PushStyleColor(ImGuiCol_Button, on ? head_color(h, 0.9f) : head_color(h, 0.18f));
    ImGui::PushStyleColor(ImGuiCol_ButtonHovered, head_color(h, 0.6f));
    char b[24];
    std::snprintf(b, sizeof b, "%d##lh%d", M.head_name(h), h);
    if (ImGui::SmallButton(b) && h != M.head) M.line_heads[size_t(h)] ^= 1;
    ImGui::PopStyleColor(2);
    mark(("model:lines" + std::to_string(h)).c_str());
  }
  std::vector<LineHead> heads;
  for (int h = 0; h < H; h++)
    if (h == M.head || M.line_heads[size_t(h)]) heads.push_back({h, M.weights(M.layer, h), "head " + std::to_string(M.head_name(h))});
  ImGui::BeginGroup();
  const int q = token_lines(heads, T, T, M.token_labels, M.token_labels, M.line_query);
  ImGui::EndGroup();
  mark("model:lines");
  if (q >= 0) M.line_query = q == M.line_query ? -1 : q;
}

// the text as chips: each token's text, its id and bytes on hover
void draw_chips(ModelView& M) {
  const float s = screen().dpi;
  ImGui::TextDisabled("%d tokens", M.tokens());
  for (int i = 0; i < M.tokens(); i++) {
    if (i) ImGui::SameLine(0, 3 * s);
    if (ImGui::GetContentRegionAvail().x < 40 * s) ImGui::NewLine();
    ImGui::PushID(i);
    ImGui::SmallButton(M.token_labels[size_t(i)].c_str());
    if (ImGui::IsItemHovered()) {
      std::string bytes;
      if (!M.given && M.has_tokenizer)
        for (unsigned char c : M.tok.token_bytes(M.ids[size_t(i)])) {
          char h[8];
          std::snprintf(h, sizeof h, "%02x ", c);
          bytes += h;
        }
      if (M.given) ImGui::SetTooltip("token %d", i);
      else ImGui::SetTooltip("token %d: id %d%s%s", i, M.ids[size_t(i)], bytes.empty() ? "" : ", bytes ", bytes.c_str());
    }
    ImGui::PopID();
  }
}

// the maps on the left, the selected head and its token lines on the right (and, with a model to
// run, the next-token panel and Generate); one column on a phone
void draw_body(ModelView& M, bool with_model) {
  const float s = screen().dpi;
  if (screen().narrow) {
    draw_grid(M);
    ImGui::Separator();
    draw_selected(M);
    draw_lines(M);
    if (with_model) {
      draw_prediction(M);
      draw_generate(M);
    }
    return;
  }
  const float right = std::min(380 * s, ImGui::GetContentRegionAvail().x * 0.38f);
  ImGui::BeginChild("##modelgrid", ImVec2(ImGui::GetContentRegionAvail().x - right - 10 * s, 0), false);
  draw_grid(M);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("##modelside", ImVec2(right, 0), false);
  draw_selected(M);
  ImGui::Separator();
  if (with_model) {
    draw_prediction(M);
    ImGui::Separator();
    draw_generate(M);
    ImGui::Separator();
  }
  draw_lines(M);
  ImGui::EndChild();
}

// attention handed in (a notebook's model_view / head_view): the weights as given, no model
void draw_given(ModelView& M) {
  const float s = screen().dpi;
  if (M.loaded) {
    if (ImGui::SmallButton("Back to the open model")) { M.given = false; model_run(); return; }
  } else if (ImGui::SmallButton("Open a real model")) {
    M.choosing = true;
  }
  ImGui::SameLine();
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + ImGui::GetContentRegionAvail().x);
  ImGui::TextUnformatted(M.given_title.empty() ? "Attention weights handed in" : M.given_title.c_str());
  ImGui::TextDisabled("%d layer(s) × %d head(s) on %d tokens, shown as given: no model runs here, so there is no "
                      "prediction and no knock-out", M.layers(), M.heads(), M.tokens());
  ImGui::PopTextWrapPos();
  draw_chips(M);
  ImGui::Separator();
  if (M.given_lines_first) {
    if (M.layers() > 1) {
      int l = M.layer;
      ImGui::SetNextItemWidth(200 * s);
      if (ImGui::SliderInt("layer", &l, 0, M.layers() - 1, "%d")) { M.layer = l; }
      mark("model:layer");
      ImGui::SameLine();
      ImGui::TextDisabled("(layer %d of the model)", M.layer_name(M.layer));
    }
    draw_lines(M);
    return;
  }
  draw_body(M, false);
}

}  // namespace

void draw_model_part(ModelView& M, const std::string& part) {
  if (!M.given && (!M.ran || !M.loaded)) { draw_model(M); return; }  // nothing to show yet: the mode itself (open, progress)
  if (part == "modelheads") draw_grid(M);
  else if (part == "lines") draw_lines(M);
  else if (part == "next" && !M.given) draw_prediction(M);
}

void draw_model(ModelView& M) {
  const float s = screen().dpi;
  if (M.given && !M.downloading && M.pending.empty() && !M.choosing) {
    draw_given(M);
    return;
  }
  if (!M.loaded || M.downloading || !M.pending.empty() || M.choosing) {
    if (M.loaded && !M.downloading) {
      if (ImGui::Button("Back to the open model")) { M.choosing = false; M.pending.clear(); }
      mark("model:back");
    }
    draw_open(M);
    return;
  }
  if (ImGui::SmallButton("Open another model")) M.choosing = true;
  mark("model:another");
  ImGui::SameLine();
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + ImGui::GetContentRegionAvail().x);
  ImGui::TextUnformatted(M.m.summary().c_str());
  ImGui::TextDisabled("opened in %.0f ms; ran in %.0f ms", M.load_ms, M.run_ms);
  for (const std::string& n : M.m.notes) ImGui::TextDisabled("%s", n.c_str());
  ImGui::PopTextWrapPos();
  // the input
  char buf[2048];
  std::string& field = M.has_tokenizer ? M.text : M.ids_text;
  std::snprintf(buf, sizeof buf, "%s", field.c_str());
  ImGui::SetNextItemWidth(-90 * s);
  const bool enter = ImGui::InputText("##modeltext", buf, sizeof buf, ImGuiInputTextFlags_EnterReturnsTrue);
  if (field != buf) {
    field = buf;
    model_text_edited();  // runs after a short pause; the last result stays until the new one is ready
  }
  mark("model:text");
  ImGui::SameLine();
  if (ImGui::Button("Run") || enter) model_run();
  mark("model:run");
  if (M.running()) {
    ImGui::TextDisabled("running the model: layer %d of %d…", std::min(M.job_layer(), M.m.cfg.spec.layers), M.m.cfg.spec.layers);
  } else if (M.ran) {
    draw_generate_controls(M);
  }
  if (!M.error.empty()) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.35f, 1), "%s", M.error.c_str());
  if (!M.ran) return;
  draw_chips(M);
  ImGui::Separator();
  draw_body(M, true);
}

}  // namespace attn::ui
