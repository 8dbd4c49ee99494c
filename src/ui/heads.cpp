// heads.cpp: every head's weights as a grid of small labelled heatmaps. Hover a cell for its
// arithmetic (the card below the grid), or open a head in full with its button.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include "ui/ui.h"

namespace attn::ui {

void draw_heads_grid(Stepper& sp) {
  const Trace& t = sp.trace;
  if (!t.ok) return;
  const float s = screen().dpi;
  ImGui::TextUnformatted("All heads: attention weights");
  help_marker("Each head learns its own pattern. Rows are queries, columns keys (token labels, shortened when "
              "space is short: hover a cell for the full tokens and its arithmetic). Open a head to step through it.");
  const float W = ImGui::GetContentRegionAvail().x;
  // at least ~260 px a head, so that token labels and a legend fit beside the cells
  const int cols = std::max(1, std::min(t.n_heads, int(W / (260 * s))));
  const float cell = (W - ImGui::GetStyle().ItemSpacing.x * float(cols - 1)) / float(cols);
  for (int h = 0; h < t.n_heads; h++) {
    if (h % cols) ImGui::SameLine();
    ImGui::BeginGroup();
    ImGui::PushID(h);
    ImGui::PushStyleColor(ImGuiCol_Text, head_color(h));
    char label[32];
    std::snprintf(label, sizeof label, "head %d · open", h + 1);
    if (ImGui::SmallButton(label)) {
      sp.view.head = h;
      sp.view.heads_grid = false;
      if (sp.view.stage < 1) sp.view.stage = int(Stage::Normalize);
    }
    ImGui::PopStyleColor();
    mark(("grid" + std::to_string(h)).c_str());
    char key[16];  // the heatmap's cache key (matrix_view copies it)
    std::snprintf(key, sizeof key, "grid%d", h);
    MatrixView v;
    v.key = key;
    v.title = nullptr;
    v.id = MatrixId::Weights;
    v.head = h;
    v.m = &t.heads[size_t(h)].weights;
    v.rows = &t.tokens_q;
    v.cols = &t.tokens_k;
    v.cmap = gfx::Colormap::Sequential;
    v.max_w = cell - 4 * s;
    v.max_h = cell;
    v.show_legend = true;
    if (sp.view.hover_prev && sp.view.hover_prev_head == h && sp.view.hover_prev_id == MatrixId::Weights) {
      v.highlight_row = sp.view.hover_prev_i;
      v.highlight_col = sp.view.hover_prev_j;
    }
    matrix_view(sp, v);
    ImGui::PopID();
    ImGui::EndGroup();
  }
  draw_explain_card(sp);
}

}  // namespace attn::ui
