// tokens.cpp: the BertViz view. Queries on the left, keys on the right, a line per pair whose
// thickness and opacity are the weight, coloured per head. Click a token to focus it. The stepper's
// Tokens tab and the Model mode's head view both draw it.
#include <algorithm>
#include <cmath>
#include "ui/ui.h"

namespace attn::ui {

int token_lines(const std::vector<LineHead>& heads, int n_q, int n_k, const std::vector<std::string>& tokens_q,
                const std::vector<std::string>& tokens_k, int focus) {
  const float s = screen().dpi;
  const int n = std::max(n_q, n_k);
  const int shown = std::min(n, 48);
  const int sq = std::min(n_q, shown), sk = std::min(n_k, shown);
  const float row_h = ImGui::GetTextLineHeight() + 4 * s;
  const float W = std::min(ImGui::GetContentRegionAvail().x, 560 * s);  // wider lines are harder to follow
  const float col_w = std::min(110 * s, W * 0.3f);
  const ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::Dummy(ImVec2(W, row_h * float(shown) + 4 * s));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float xl = p.x + col_w, xr = p.x + W - col_w;
  auto y_of = [&](int i) { return p.y + row_h * (float(i) + 0.5f); };
  const float many = heads.size() > 1 ? 1.5f : 1.0f;
  for (const LineHead& hd : heads)
    for (int i = 0; i < sq; i++) {
      const bool focused = i == focus;
      for (int j = 0; j < sk; j++) {
        const float v = std::clamp(hd.w[size_t(i) * n_k + j], 0.0f, 1.0f);
        if (v < 0.01f) continue;
        const float alpha = (focus < 0 ? 0.1f + 0.5f * v : focused ? 0.25f + 0.75f * v : 0.05f + 0.3f * v) / many;
        dl->AddLine(ImVec2(xl + 4 * s, y_of(i)), ImVec2(xr - 4 * s, y_of(j)), head_color(hd.color, alpha),
                    std::max(1.0f, (focused ? 6.0f : 3.0f) * v * s));
      }
    }
  int clicked = -1;
  ImGui::PushFont(screen().font_mono);
  const float lh = ImGui::GetTextLineHeight();
  for (int i = 0; i < sq; i++) {
    const std::string& tok = tokens_q[size_t(i)];
    const float tw = ImGui::CalcTextSize(tok.c_str()).x;
    const ImVec2 tp(xl - tw - 2 * s, y_of(i) - lh * 0.5f);
    if (i == focus)
      dl->AddRectFilled(ImVec2(tp.x - 3 * s, tp.y - 1), ImVec2(xl, tp.y + lh + 1), head_color(heads.empty() ? 0 : heads[0].color, 0.35f), 3 * s);
    dl->AddText(tp, ImGui::GetColorU32(ImGuiCol_Text), tok.c_str());
    ImGui::SetCursorScreenPos(ImVec2(p.x, y_of(i) - row_h * 0.5f));
    ImGui::PushID(i);
    if (ImGui::InvisibleButton("q", ImVec2(col_w, row_h))) clicked = i;
    ImGui::PopID();
  }
  for (int j = 0; j < sk; j++) {
    dl->AddText(ImVec2(xr + 2 * s, y_of(j) - lh * 0.5f), ImGui::GetColorU32(ImGuiCol_Text), tokens_k[size_t(j)].c_str());
    ImGui::SetCursorScreenPos(ImVec2(xr, y_of(j) - row_h * 0.5f));
    ImGui::PushID(10000 + j);
    ImGui::InvisibleButton("k", ImVec2(col_w, row_h));
    // the strength on hover: the focused query's weight on this key in each head drawn (the
    // largest over the queries when none is focused)
    if (ImGui::IsItemHovered() && !heads.empty()) {
      std::string tip = (focus >= 0 ? "'" + tokens_q[size_t(focus)] + "' → " : std::string("largest weight on ")) + "'" +
                        tokens_k[size_t(j)] + "'";
      for (const LineHead& hd : heads) {
        float w = 0;
        for (int i = 0; i < n_q; i++)
          if (focus < 0 || i == focus) w = std::max(w, hd.w[size_t(i) * n_k + j]);
        char b[64];
        std::snprintf(b, sizeof b, "\n%s: %.3f", hd.name.c_str(), double(w));
        tip += b;
      }
      ImGui::SetTooltip("%s", tip.c_str());
    }
    ImGui::PopID();
  }
  ImGui::PopFont();
  ImGui::SetCursorScreenPos(ImVec2(p.x, p.y + row_h * float(shown) + 6 * s));
  if (n > shown) ImGui::TextDisabled("showing the first %d of %d tokens", shown, n);
  ImGui::Dummy(ImVec2(1, 1));
  return clicked;
}

void draw_tokens(Stepper& sp) {
  const Trace& t = sp.trace;
  if (!t.ok) return;
  bool& all_heads = sp.view.tokens_all_heads;
  ImGui::Checkbox("All heads at once", &all_heads);
  help_marker("Each line joins a query (left) to a key (right); thicker and more opaque means more weight. Click a token on the left to focus its row.");
  std::vector<LineHead> heads;
  for (int h = 0; h < t.n_heads; h++)
    if (all_heads || h == sp.view.head) heads.push_back({h, t.heads[size_t(h)].weights.data(), "head " + std::to_string(h + 1)});
  const int q = token_lines(heads, t.n_q, t.n_k, t.tokens_q, t.tokens_k, sp.view.query);
  if (q >= 0) sp.view.query = q;
}

}  // namespace attn::ui
