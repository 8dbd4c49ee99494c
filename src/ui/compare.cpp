// compare.cpp: the compare view of pin and compare (app/compare.cpp): the stage's matrix in A
// (pinned), in B (now) and their difference B - A, side by side, instead of the stage's matrices.
#include <algorithm>
#include <cmath>
#include "ui/ui.h"

namespace attn::ui {

void draw_compare(Stepper& sp) {
  const CompareView c = compare_now();
  if (ImGui::SmallButton("Unpin")) { unpin(); return; }
  mark("unpin");
  ImGui::SameLine();
  ImGui::TextColored(ImVec4(1.0f, 0.77f, 0.0f, 1), "Comparing with pinned A");
  ImGui::PushTextWrapPos(0);
  ImGui::TextDisabled("B is what you see now: change anything and the difference follows. Hover a cell for A, B and B − A.");
  ImGui::PopTextWrapPos();
  if (!c.ok) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled("%s", c.why.c_str());
    ImGui::PopTextWrapPos();
    return;
  }
  const Trace& t = sp.trace;
  const bool rows_are_queries = c.b->rows() == t.n_q;
  const bool cols_are_keys = c.b->cols() == t.n_k && sp.view.stage >= int(Stage::Scores) && sp.view.stage <= int(Stage::Normalize);
  const auto D = gfx::Colormap::Diverging;
  const gfx::Colormap cm = sp.view.stage == int(Stage::Normalize) ? gfx::Colormap::Sequential : D;
  std::string ta, tb, td;  // titles: the views below draw within this function
  ta = "A (pinned): " + c.name;
  tb = "B (now): " + c.name;
  td = "B − A";
  auto view = [&](const char* key, const std::string& title, const Mat* m, gfx::Colormap map, MatrixId id) {
    MatrixView v;
    v.key = key;
    v.title = title.c_str();
    v.id = id;
    v.head = sp.view.head;
    v.m = m;
    v.rows = rows_are_queries ? &t.tokens_q : nullptr;
    v.cols = cols_are_keys ? &t.tokens_k : nullptr;
    v.cmap = map;
    return v;
  };
  // A's cells are not B's: no hover arithmetic on A or on the difference (MatrixId::Count)
  MatrixView va = view("cmpA", ta, c.a, cm, MatrixId::Count), vb = view("cmpB", tb, c.b, cm, MatrixId::Count),
             vd = view("cmpD", td, &c.diff, D, MatrixId::Count);
  // wide: A | B | B - A in one row; narrower: A | B above, the difference below at full width,
  // where its numbers fit (every cell also tells A, B and B - A on hover)
  const float W = ImGui::GetContentRegionAvail().x, gap = ImGui::GetStyle().ItemSpacing.x * 2;
  const float H = screen().narrow || sp.view.embed ? 700 * screen().dpi : std::max(300 * screen().dpi, ImGui::GetContentRegionAvail().y - 60 * screen().dpi);
  const bool one_row = W > 900 * screen().dpi;
  va.max_w = vb.max_w = one_row ? (W - 2 * gap) / 3 : (W - gap) / 2;
  vd.max_w = one_row ? va.max_w : W;
  va.max_h = vb.max_h = one_row ? H : H * 0.42f;
  vd.max_h = one_row ? H : H * 0.55f;
  ImGui::BeginGroup();
  matrix_view(sp, va);
  ImGui::EndGroup();
  ImGui::SameLine(0, gap);
  ImGui::BeginGroup();
  matrix_view(sp, vb);
  ImGui::EndGroup();
  if (one_row) ImGui::SameLine(0, gap);
  ImGui::BeginGroup();
  matrix_view(sp, vd);
  ImGui::EndGroup();
  mark("compare");
  // every cell of the three, number by number
  if (sp.view.hover && sp.view.hover_id == MatrixId::Count && sp.view.hover_i >= 0 && sp.view.hover_i < c.diff.rows() &&
      sp.view.hover_j >= 0 && sp.view.hover_j < c.diff.cols()) {
    const int i = sp.view.hover_i, j = sp.view.hover_j;
    const std::string row = rows_are_queries && i < int(t.tokens_q.size()) ? t.tokens_q[size_t(i)] : std::to_string(i + 1);
    const std::string col = cols_are_keys && j < int(t.tokens_k.size()) ? t.tokens_k[size_t(j)] : std::to_string(j + 1);
    ImGui::SetTooltip("%s, row %s, column %s\nA = %s   B = %s   B − A = %s", c.name.c_str(), row.c_str(), col.c_str(),
                      fmt((*c.a)(i, j), 4).c_str(), fmt((*c.b)(i, j), 4).c_str(), fmt(c.diff(i, j), 4).c_str());
  }
  float most = 0;
  for (Eigen::Index i = 0; i < c.diff.size(); i++)
    if (std::isfinite(c.diff.data()[i])) most = std::max(most, std::fabs(c.diff.data()[i]));
  ImGui::TextDisabled("largest change: %s", fmt(most, 4).c_str());
}

}  // namespace attn::ui
