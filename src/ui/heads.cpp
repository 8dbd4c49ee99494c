// ui_heads.cpp: every head's weights as a grid of small heatmaps; click one to open it.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include "ui/ui.h"

namespace attn::ui {

void draw_heads_grid() {
  App& a = app();
  const Trace& t = a.trace;
  if (!t.ok) return;
  const float s = a.s;
  ImGui::TextUnformatted("All heads: attention weights");
  help_marker("Each head learns its own pattern. Click a head to open it in full.");
  const float W = ImGui::GetContentRegionAvail().x;
  const int cols = std::max(1, std::min(t.n_heads, int(W / (170 * s))));
  const float cell = (W - ImGui::GetStyle().ItemSpacing.x * float(cols - 1)) / float(cols);
  for (int h = 0; h < t.n_heads; h++) {
    if (h % cols) ImGui::SameLine();
    ImGui::BeginGroup();
    ImGui::PushID(h);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(head_color(h)), "head %d", h + 1);
    char key[32];
    std::snprintf(key, sizeof key, "grid%d", h);
    const Mat& w = t.heads[size_t(h)].weights;
    const float side = cell - 4 * s;
    const float cw = side / float(w.cols()), ch = std::min(side / float(w.rows()), cw * 1.5f);
    unsigned tex = gfx::render(&a.heatmaps[key], w, a.version, gfx::Colormap::Sequential, 0, std::max(1e-6f, w.maxCoeff()),
                               int(cw * float(w.cols())), int(ch * float(w.rows())), a.view.light);
    if (tex && ImGui::ImageButton((ImTextureID)(intptr_t)tex, ImVec2(cw * float(w.cols()), ch * float(w.rows())), ImVec2(0, 1), ImVec2(1, 0), 1)) {
      a.view.head = h;
      a.view.heads_grid = false;
      if (a.view.stage < 1) a.view.stage = int(Stage::Normalize);
    }
    mark(("grid" + std::to_string(h)).c_str());
    ImGui::PopID();
    ImGui::EndGroup();
  }
}

}  // namespace attn::ui
