// help.cpp: the keyboard shortcut overlay (H or F1).
#include "ui/ui.h"

namespace attn::ui {

void draw_help(Stepper& sp) {
  ImGuiIO& io = ImGui::GetIO();
  ImGui::SetNextWindowPos(ImVec2(io.DisplaySize.x * 0.5f, io.DisplaySize.y * 0.5f), ImGuiCond_Always, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowBgAlpha(0.97f);
  ImGui::Begin("Keyboard shortcuts", &sp.view.show_help, ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings);
  const char* rows[][2] = {{"← / →", "previous / next stage"}, {"Space", "play / pause"}, {"↑ / ↓", "previous / next query row"},
                           {"1 … 8", "select head"}, {"G", "all heads grid"}, {"T", "light / dark theme"},
                           {"H or F1", "this help"}, {"Esc", "close help, unpin a cell"},
                           {"hover / tap a cell", "show its arithmetic"}, {"drag a number sideways", "edit it (X, W, Q, K, V)"},
                           {"click / drag in stage 5", "paint the mask"}};
  if (ImGui::BeginTable("keys", 2, ImGuiTableFlags_RowBg)) {
    for (auto& r : rows) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::PushFont(screen().font_mono);
      ImGui::TextUnformatted(r[0]);
      ImGui::PopFont();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r[1]);
    }
    ImGui::EndTable();
  }
  ImGui::End();
}

}  // namespace attn::ui
