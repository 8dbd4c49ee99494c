// compare.cpp: the compare view of pin and compare (app/compare.cpp): the stage's matrix in A
// (pinned), in B (now) and their difference B - A, side by side, instead of the stage's matrices.
#include <algorithm>
#include <cmath>
#include "ui/ui.h"

namespace attn::ui {

void draw_compare() {
  App& a = app();
  const CompareView c = compare_now();
  ImGui::TextColored(ImVec4(1.0f, 0.77f, 0.0f, 1), "Comparing with pinned A");
  ImGui::SameLine();
  ImGui::TextDisabled("B is what you see now: change anything and the difference follows.");
  ImGui::SameLine();
  if (ImGui::SmallButton("Unpin")) { unpin(); return; }
  mark("unpin");
  if (!c.ok) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled("%s", c.why.c_str());
    ImGui::PopTextWrapPos();
    return;
  }
  const Trace& t = a.trace;
  const bool rows_are_queries = c.b->rows() == t.n_q;
  const bool cols_are_keys = c.b->cols() == t.n_k && a.view.stage >= int(Stage::Scores) && a.view.stage <= int(Stage::Normalize);
  const auto D = gfx::Colormap::Diverging;
  const gfx::Colormap cm = a.view.stage == int(Stage::Normalize) ? gfx::Colormap::Sequential : D;
  static std::string ta, tb, td;
  ta = "A (pinned): " + c.name;
  tb = "B (now): " + c.name;
  td = "B − A";
  auto view = [&](const char* key, const std::string& title, const Mat* m, gfx::Colormap map, MatrixId id) {
    MatrixView v;
    v.key = key;
    v.title = title.c_str();
    v.id = id;
    v.head = a.view.head;
    v.m = m;
    v.rows = rows_are_queries ? &t.tokens_q : nullptr;
    v.cols = cols_are_keys ? &t.tokens_k : nullptr;
    v.cmap = map;
    return v;
  };
  // A's cells are not B's: no hover arithmetic on A or on the difference (MatrixId::Count)
  MatrixView va = view("cmpA", ta, c.a, cm, MatrixId::Count), vb = view("cmpB", tb, c.b, cm, MatrixId::Count),
             vd = view("cmpD", td, &c.diff, D, MatrixId::Count);
  const float W = ImGui::GetContentRegionAvail().x, gap = ImGui::GetStyle().ItemSpacing.x * 2;
  const bool side = W > 700 * a.s;
  const float w = side ? (W - 2 * gap) / 3 : W, h = side ? std::max(200 * a.s, ImGui::GetContentRegionAvail().y - 120 * a.s) : 360 * a.s;
  int k = 0;
  for (MatrixView* v : {&va, &vb, &vd}) {
    v->max_w = w;
    v->max_h = h;
    if (k++ && side) ImGui::SameLine(0, gap);
    ImGui::BeginGroup();
    matrix_view(*v);
    ImGui::EndGroup();
  }
  mark("compare");
  float most = 0;
  for (Eigen::Index i = 0; i < c.diff.size(); i++)
    if (std::isfinite(c.diff.data()[i])) most = std::max(most, std::fabs(c.diff.data()[i]));
  ImGui::TextDisabled("largest change: %s", fmt(most, 4).c_str());
}

}  // namespace attn::ui
