// tokens.cpp: the BertViz view. Queries on the left, keys on the right, a line per pair
// whose thickness and opacity are the weight, coloured per head. Click a token to focus it.
#include <algorithm>
#include <cmath>
#include "ui/ui.h"

namespace attn::ui {

void draw_tokens() {
  App& a = app();
  const Trace& t = a.trace;
  if (!t.ok) return;
  const float s = a.dpi;
  bool& all_heads = a.view.tokens_all_heads;
  ImGui::Checkbox("All heads at once", &all_heads);
  help_marker("Each line joins a query (left) to a key (right); thicker and more opaque means more weight. Click a token on the left to focus its row.");
  const int n = std::max(t.n_q, t.n_k);
  const int shown = std::min(n, 48);
  const float row_h = ImGui::GetTextLineHeight() + 4 * s;
  const float W = ImGui::GetContentRegionAvail().x;
  const float col_w = std::min(110 * s, W * 0.3f);
  ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::Dummy(ImVec2(W, row_h * float(shown) + 4 * s));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float xl = p.x + col_w, xr = p.x + W - col_w;
  auto y_of = [&](int i) { return p.y + row_h * (float(i) + 0.5f); };
  for (int h = 0; h < t.n_heads; h++) {
    if (!all_heads && h != a.view.head) continue;
    const Mat& w = t.heads[size_t(h)].weights;
    for (int i = 0; i < std::min(t.n_q, shown); i++) {
      const bool focus = i == a.view.query;
      for (int j = 0; j < std::min(t.n_k, shown); j++) {
        float v = std::clamp(w(i, j), 0.0f, 1.0f);
        if (v < 0.01f) continue;
        float alpha = (focus ? 0.25f + 0.75f * v : 0.05f + 0.3f * v) / (all_heads ? 1.5f : 1.0f);
        dl->AddLine(ImVec2(xl + 4 * s, y_of(i)), ImVec2(xr - 4 * s, y_of(j)), head_color(h, alpha), std::max(1.0f, (focus ? 6.0f : 3.0f) * v * s));
      }
    }
  }
  ImGui::PushFont(a.font_mono);
  for (int i = 0; i < std::min(t.n_q, shown); i++) {
    const std::string& tok = t.tokens_q[size_t(i)];
    float tw = ImGui::CalcTextSize(tok.c_str()).x;
    ImVec2 tp(xl - tw - 2 * s, y_of(i) - ImGui::GetTextLineHeight() * 0.5f);
    if (i == a.view.query) dl->AddRectFilled(ImVec2(tp.x - 3 * s, tp.y - 1), ImVec2(xl, tp.y + ImGui::GetTextLineHeight() + 1), head_color(a.view.head, 0.35f), 3 * s);
    dl->AddText(tp, ImGui::GetColorU32(ImGuiCol_Text), tok.c_str());
    ImGui::SetCursorScreenPos(ImVec2(p.x, y_of(i) - row_h * 0.5f));
    ImGui::PushID(i);
    if (ImGui::InvisibleButton("q", ImVec2(col_w, row_h))) a.view.query = i;
    ImGui::PopID();
  }
  for (int j = 0; j < std::min(t.n_k, shown); j++)
    dl->AddText(ImVec2(xr + 2 * s, y_of(j) - ImGui::GetTextLineHeight() * 0.5f), ImGui::GetColorU32(ImGuiCol_Text), t.tokens_k[size_t(j)].c_str());
  ImGui::PopFont();
  ImGui::SetCursorScreenPos(ImVec2(p.x, p.y + row_h * float(shown) + 6 * s));
  if (n > shown) ImGui::TextDisabled("showing the first %d of %d tokens", shown, n);
  ImGui::Dummy(ImVec2(1, 1));
}

}  // namespace attn::ui
