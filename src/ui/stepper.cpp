// stepper.cpp: the top bar. The pipeline as a row of stages with prev / next / play,
// the head selector, theme and help. The current stage is highlighted.
#include <algorithm>
#include "ui/ui.h"
#include "modes/host.h"

namespace attn::ui {

void draw_stepper(Stepper& sp, const TrainView& tv) {
  const float s = screen().dpi;
  if (sp.view.embed) {
    // embedded: no title row, just a way out to the full playground at the same state
    if (ImGui::SmallButton("Open full playground ↗")) {
      ShareState st = share_state();
      st.embed = false;
      st.panels.clear();
      host::open_url("index.html#" + encode_state(st));
    }
    mark("open_full");
    if (sp.view.train) return;  // an embed of the Train views: they have their own controls
    ImGui::SameLine();
  } else {
    ImGui::PushFont(screen().font_title);
    ImGui::TextUnformatted("Attention Playground");
    ImGui::PopFont();
    // right-aligned share, export, theme and help; on a phone they get their own row
    const ImGuiStyle& st = ImGui::GetStyle();
    const float bw = ImGui::CalcTextSize("Share / EmbedExportLight themeHelp (H)").x + 8 * st.FramePadding.x + 3 * st.ItemSpacing.x + 4 * s;
    if (!screen().narrow) {
      ImGui::SameLine();
      ImGui::TextDisabled("every step of attention, live");
      // the room left between the subtitle's end and the right-aligned buttons (the cursor is on the next line now)
      const float used = ImGui::GetItemRectMax().x - ImGui::GetWindowPos().x;
      draw_perf_badge(ImGui::GetWindowContentRegionMax().x - bw - used - 2 * st.ItemSpacing.x - 10 * s, sp, tv);
      ImGui::SameLine(std::max(ImGui::GetCursorPosX() + 10 * s, ImGui::GetWindowContentRegionMax().x - bw));
    }
    draw_share_button(sp);
    ImGui::SameLine();
    draw_export_button(sp);
    ImGui::SameLine();
    if (ImGui::SmallButton(sp.view.light ? "Dark theme" : "Light theme")) sp.view.light = !sp.view.light;
    mark("theme");
    ImGui::SameLine();
    if (ImGui::SmallButton("Help (H)")) sp.view.show_help = !sp.view.show_help;
    mark("help");
  }

  if (!sp.view.embed) {
    // the two modes beside the stepper: a button each, lit while its mode is on; one mode at a time
    auto mode_button = [&](const char* label, const char* name, bool* mode, bool* other, const char* tip) {
      const bool on = *mode;  // the click below flips it: push and pop by the value before
      if (on) ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_ButtonActive));
      if (ImGui::Button(label)) { *mode = !*mode; *other = false; }
      if (on) ImGui::PopStyleColor();
      mark(name);
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", *mode ? "Back to the stepper" : tip);
    };
    mode_button("Train", "train", &sp.view.train, &sp.view.model, "Train a small transformer here and watch its heads form");
    ImGui::SameLine();
    mode_button("Model", "model", &sp.view.model, &sp.view.train,
                "Open a real model (GPT-2, Llama, Qwen2, ...) and see its every head on your text");
    if (sp.view.train || sp.view.model) {
      // the Train mode has its own controls: only the status line stays
      if (!screen().status.empty()) {
        ImGui::SameLine();
        ImGui::PushTextWrapPos(0.0f);  // a long message wraps at the window's edge (a phone's narrow width)
        ImGui::TextColored(ImVec4(1.0f, 0.6f, 0.2f, 1), "%s", screen().status.c_str());
        ImGui::PopTextWrapPos();
      }
      return;
    }
    ImGui::SameLine();
  }
  const int last = int(Stage::Count) - 1;
  if (ImGui::ArrowButton("prev", ImGuiDir_Left)) { sp.view.stage = std::max(0, sp.view.stage - 1); sp.view.playing = false; }
  mark("prev");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Previous stage (←)");
  ImGui::SameLine();
  if (ImGui::ArrowButton("next", ImGuiDir_Right)) { sp.view.stage = std::min(last, sp.view.stage + 1); sp.view.playing = false; }
  mark("next");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Next stage (→)");
  ImGui::SameLine();
  if (ImGui::Button(sp.view.playing ? "Pause" : "Play")) { sp.view.playing = !sp.view.playing; sp.view.play_last_ms = 0; }
  mark("play");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Step through the stages automatically (Space)");
  if (!sp.view.embed) {
    ImGui::SameLine();
    if (ImGui::Button(sp.pin_on ? "Unpin A" : "Pin as A")) {
      if (sp.pin_on) unpin();
      else pin_current();
    }
    mark("pin");
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("Keep what you see now as A. Then change anything (mask, temperature, positions…): each stage "
                        "shows A, the new B and the difference B − A, number by number. The link keeps both.");
    ImGui::SameLine();
    if (ImGui::Button(sp.view.backward ? "Forward" : "Backward")) sp.view.backward = !sp.view.backward;
    mark("backward");
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("Step backward through the gradients of L = the selected query's output row (Σ_c y_ic): ∂L/∂Y → ∂L/∂α → ∂L/∂s → "
                        "∂L/∂Q, K, V → ∂L/∂X, ∂L/∂W, with the same matrices and hover arithmetic as the forward stages.");
  }
  for (int i = 0; i <= last; i++) {
    ImGui::SameLine();
    // wrap onto a new line when the row is full (phones)
    const std::string label = std::to_string(i + 1) + " " + stage_markup(Stage(i));
    const float w = formula_button_width(label);
    if (ImGui::GetCursorPosX() + w > ImGui::GetWindowContentRegionMax().x) ImGui::NewLine();
    const bool cur = i == sp.view.stage;
    if (cur) ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_ButtonActive));
    else ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_FrameBg));
    if (formula_button(("##stage" + std::to_string(i)).c_str(), label)) { sp.view.stage = i; sp.view.playing = false; }
    ImGui::PopStyleColor();
    mark(("stage" + std::to_string(i)).c_str());
  }
  // head selector
  if (sp.trace.n_heads > 1) {
    ImGui::TextUnformatted("Head");
    for (int h = 0; h < sp.trace.n_heads; h++) {
      ImGui::SameLine();
      const bool cur = h == sp.view.head && !sp.view.heads_grid;
      ImGui::PushStyleColor(ImGuiCol_Button, cur ? head_color(h, 0.85f) : head_color(h, 0.25f));
      ImGui::PushStyleColor(ImGuiCol_Text, cur ? ImVec4(0, 0, 0, 1) : ImGui::GetStyleColorVec4(ImGuiCol_Text));
      if (ImGui::Button(std::to_string(h + 1).c_str())) { sp.view.head = h; sp.view.heads_grid = false; }
      ImGui::PopStyleColor(2);
      mark(("head" + std::to_string(h)).c_str());
    }
    ImGui::SameLine();
    if (ImGui::Checkbox("All heads", &sp.view.heads_grid)) {}
    mark("heads_grid");
    help_marker("Show every head's weights as a grid of small heatmaps; click one to open it (G).");
  }
  // status line: the last refusal, export or import message, and any engine notices
  if (!screen().status.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(1.0f, 0.6f, 0.2f, 1), "%s", screen().status.c_str());
  }
  for (const std::string& n : sp.trace.notices) ImGui::TextDisabled("note: %s", n.c_str());
  if (!screen().gfx_error.empty()) ImGui::TextColored(ImVec4(1, 0.3f, 0.3f, 1), "%s", screen().gfx_error.c_str());
}

}  // namespace attn::ui
