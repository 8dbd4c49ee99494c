// row.cpp: one query's row as bars: raw scores beside the resulting weights, then the
// same row under every normalizer, one above another, with entropy. Temperature is live.
#include <algorithm>
#include <cmath>
#include "ui/ui.h"

namespace attn::ui {

namespace {
// horizontal bars, one per key; values in [lo, hi], zero line at 0
void bars(const char* id, const std::vector<float>& vals, const std::vector<std::string>& labels, float lo, float hi,
          ImU32 pos_col, ImU32 neg_col, float width, bool show_labels) {
  const float s = screen().dpi, row_h = ImGui::GetTextLineHeight() + 2 * s;
  const float label_w = show_labels ? 70 * s : 0, num_w = 46 * s;
  const float bar_w = std::max(20 * s, width - label_w - num_w);
  ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::PushID(id);
  ImGui::Dummy(ImVec2(width, row_h * float(vals.size())));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float zero_x = p.x + label_w + bar_w * (0 - lo) / std::max(hi - lo, 1e-9f);
  for (size_t j = 0; j < vals.size(); j++) {
    const float y = p.y + row_h * float(j);
    if (show_labels) {
      std::string l = j < labels.size() ? labels[j] : std::to_string(j + 1);
      dl->AddText(ImVec2(p.x, y), ImGui::GetColorU32(ImGuiCol_TextDisabled), l.c_str());
    }
    float v = vals[j];
    if (std::isinf(v)) {
      dl->AddText(ImVec2(p.x + label_w + 2 * s, y), ImGui::GetColorU32(ImGuiCol_TextDisabled), "masked");
      continue;
    }
    float x = p.x + label_w + bar_w * (std::clamp(v, lo, hi) - lo) / std::max(hi - lo, 1e-9f);
    dl->AddRectFilled(ImVec2(std::min(zero_x, x), y + 2 * s), ImVec2(std::max(zero_x, x) + 1, y + row_h - 2 * s), v >= 0 ? pos_col : neg_col, 2 * s);
    ImGui::PushFont(screen().font_mono);
    dl->AddText(ImVec2(p.x + label_w + bar_w + 4 * s, y), ImGui::GetColorU32(ImGuiCol_Text), fmt(v, 3).c_str());
    ImGui::PopFont();
  }
  dl->AddLine(ImVec2(zero_x, p.y), ImVec2(zero_x, p.y + row_h * float(vals.size())), ImGui::GetColorU32(ImGuiCol_Border));
  ImGui::PopID();
}
}  // namespace

void draw_row_bars(Stepper& sp) {
  const Trace& t = sp.trace;
  if (!t.ok) return;
  const int h = std::clamp(sp.view.head, 0, t.n_heads - 1), i = std::clamp(sp.view.query, 0, t.n_q - 1);
  const HeadTrace& ht = t.heads[size_t(h)];
  const float s = screen().dpi;
  ImGui::Text("Query");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(std::min(170 * s, ImGui::GetContentRegionAvail().x * 0.5f));
  if (ImGui::BeginCombo("##query", t.tokens_q[size_t(i)].c_str())) {
    for (int r = 0; r < t.n_q; r++)
      if (ImGui::Selectable((std::to_string(r + 1) + " " + t.tokens_q[size_t(r)]).c_str(), r == i)) sp.view.query = r;
    ImGui::EndCombo();
  }
  mark("query");
  help_marker("The selected query row (↑/↓, or click a row of any n×n matrix). Its scores and weights are drawn as bars.");
  ImGui::SameLine();
  ImGui::TextDisabled("head %d", h + 1);
  if (Config c = sp.cfg; temperature_slider("##T", &c.temperature, "temperature T = %.2f")) edit_config(c);
  const RowStats& st = ht.stats[size_t(i)];
  ImGui::PushTextWrapPos(0);
  ImGui::Text("entropy %.3f nats (max %.3f) · max weight %.3f · %d nonzero", st.entropy, std::log(double(t.n_k)), st.max_w, st.nonzero);
  ImGui::PopTextWrapPos();
  if (st.all_masked) ImGui::TextColored(ImVec4(1, 0.6f, 0.2f, 1), "every key is masked for this query: weights and output are 0");
  if (t.n_k > 64) { ImGui::TextDisabled("(bars show at most 64 keys; %d here)", t.n_k); }
  const int nk = std::min(t.n_k, 64);

  std::vector<float> sc(ht.masked.row(i).data(), ht.masked.row(i).data() + nk), w(ht.weights.row(i).data(), ht.weights.row(i).data() + nk);
  float lo = 0, hi = 0;
  for (float v : sc) if (std::isfinite(v)) { lo = std::min(lo, v); hi = std::max(hi, v); }
  const float full = ImGui::GetContentRegionAvail().x;
  const bool side = full > 330 * s;
  const float half = side ? (full - ImGui::GetStyle().ItemSpacing.x) * 0.5f : full;
  ImGui::BeginGroup();
  ImGui::TextUnformatted("scores (after scale and mask)");
  bars("scores", sc, t.tokens_k, lo, std::max(hi, lo + 1e-6f), IM_COL32(200, 80, 60, 230), IM_COL32(60, 110, 200, 230), half, true);
  ImGui::EndGroup();
  if (side) ImGui::SameLine();
  ImGui::BeginGroup();
  ImGui::Text("weights (%s)", name_of(t.cfg.normalizer));
  bars("weights", w, t.tokens_k, 0, 1, head_color(h, 0.9f), IM_COL32(60, 110, 200, 230), half, !side);
  ImGui::EndGroup();

  ImGui::Spacing();
  ImGui::Separator();
  ImGui::TextUnformatted("The same row under every normalizer");
  help_marker("Same scores, same temperature: softmax keeps every key, sparsemax and entmax cut weak keys to exactly 0, hardmax keeps one, sum needs positive scores, sigmoid does not sum to 1.");
  // the keys, once above the strips (shortened to the bar's width; hover a bar for the full token)
  const float strip_w = ImGui::GetContentRegionAvail().x, bar_w = strip_w / float(nk);
  {
    ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::Dummy(ImVec2(strip_w, ImGui::GetTextLineHeight()));
    for (int j = 0; j < nk; j++) {
      const std::string lab = clip_label(t.tokens_k[size_t(j)], bar_w - 2 * s);
      const float tw = ImGui::CalcTextSize(lab.c_str()).x;
      ImGui::GetWindowDrawList()->AddText(ImVec2(p.x + j * bar_w + (bar_w - tw) * 0.5f, p.y), ImGui::GetColorU32(ImGuiCol_TextDisabled), lab.c_str());
    }
  }
  for (const NormalizerRow& r : compare_normalizers(t, h, i)) {
    ImGui::PushID(int(r.norm));
    ImGui::Text("%s", name_of(r.norm));
    ImGui::SameLine();
    if (!r.ok) {
      ImGui::PushTextWrapPos(0);
      ImGui::TextDisabled("undefined here: %s", r.error.c_str());
      ImGui::PopTextWrapPos();
      ImGui::PopID();
      continue;
    }
    ImGui::TextDisabled("entropy %.2f, %d nonzero", r.stats.entropy, r.stats.nonzero);
    std::vector<float> v(r.w.begin(), r.w.begin() + nk);
    // one compact strip of bars per normalizer
    ImVec2 p = ImGui::GetCursorScreenPos();
    const float W = ImGui::GetContentRegionAvail().x, H = 34 * s, bw = W / float(nk);
    ImGui::Dummy(ImVec2(W, H));
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(p, ImVec2(p.x + W, p.y + H), ImGui::GetColorU32(ImGuiCol_FrameBg));
    // values on the bars when a bar is wide enough for "0.00" at the number font's size
    ImGui::PushFont(screen().font_mono);
    const bool values = bw >= ImGui::CalcTextSize("0.00").x + 4 * s;
    for (int j = 0; j < nk; j++) {
      float hgt = std::clamp(v[size_t(j)], 0.0f, 1.0f) * (H - 2 * s);
      dl->AddRectFilled(ImVec2(p.x + j * bw + 1, p.y + H - hgt), ImVec2(p.x + (j + 1) * bw - 1, p.y + H), r.norm == t.cfg.normalizer ? head_color(h) : IM_COL32(120, 140, 170, 220));
      if (values) {
        const std::string val = fmt(v[size_t(j)], 2);
        const float tw = ImGui::CalcTextSize(val.c_str()).x;
        dl->AddText(ImVec2(p.x + j * bw + (bw - tw) * 0.5f, p.y + 1 * s), ImGui::GetColorU32(ImGuiCol_Text), val.c_str());
      }
    }
    ImGui::PopFont();
    if (ImGui::IsItemHovered()) {
      int j = std::clamp(int((ImGui::GetIO().MousePos.x - p.x) / bw), 0, nk - 1);
      ImGui::SetTooltip("%s: %s", t.tokens_k[size_t(j)].c_str(), fmt(v[size_t(j)], 4).c_str());
    }
    ImGui::PopID();
  }
}

}  // namespace attn::ui
