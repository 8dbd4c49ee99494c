// tour.cpp: the guided first minute. On a first visit (no state in the link, not an embed) six
// short steps point at the sentence, the stepper, a cell, the temperature, the mask and the
// presets, one sentence each. Skippable at any step; once dismissed it is never shown again
// (remembered by the host: localStorage on the web, a settings file on the desktop).
#include <algorithm>
#include "modes/host.h"
#include "ui/ui.h"

namespace attn::ui {

namespace {

struct TourStep {
  const char* target;  // a marked control's name (Screen::rects); "cells:" = the first matrix on screen
  const char* title;
  const char* text;
};

const TourStep kSteps[] = {
    {"sentence", "The input", "This sentence is what attention reads: every word becomes a token, one row in every matrix. Type your own."},
    {"stages", "Eight steps", "Attention in eight steps, from embeddings to the output. Step with these buttons or the ← → keys."},
    {"cells:", "Every number explains itself", "Hover or tap any cell: the card under the matrices shows the arithmetic that produced it."},
    {"temperature", "Temperature", "Scores are divided by T before softmax: slide left to sharpen the weights, right to flatten them."},
    {"mask", "The mask", "Who may look at whom. Choose causal and each token sees only itself and the past, as in GPT."},
    {"preset", "Presets", "Each preset teaches one idea in one click. That is the tour; press ? for the shortcuts."},
};
constexpr int kCount = int(sizeof kSteps / sizeof kSteps[0]);

// the target's rectangle this frame, if it was drawn
bool target_rect(const char* name, Rect* r) {
  if (std::string(name) == "stages") {  // the whole row of stage buttons
    auto s0 = screen().rects.find("stage0"), s7 = screen().rects.find("stage7");
    if (s0 == screen().rects.end() || s7 == screen().rects.end()) return false;
    *r = Rect{s0->second.x0, s0->second.y0, s7->second.x1, s7->second.y1};
    return true;
  }
  if (std::string(name) == "cells:") {
    for (const auto& [k, v] : screen().rects)
      if (k.rfind("cells:", 0) == 0 && v.x1 - v.x0 > 20 && v.y1 - v.y0 > 20) { *r = v; return true; }
    return false;
  }
  auto it = screen().rects.find(name);
  if (it == screen().rects.end()) return false;
  *r = it->second;
  return true;
}

}  // namespace

void end_tour(Stepper& sp) {
  sp.view.tour_step = -1;
  host::save_setting("tour", "done");
}

void draw_tour(Stepper& sp) {
  if (sp.view.tour_step < 0) return;
  if (sp.view.tour_step >= kCount || host::escape_pressed()) { end_tour(sp); return; }
  const TourStep& st = kSteps[sp.view.tour_step];
  const float s = screen().dpi;
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float w = std::min(330 * s, display.x - 16 * s);
  Rect r{display.x * 0.5f, display.y * 0.4f, display.x * 0.5f, display.y * 0.4f};
  const bool found = target_rect(st.target, &r);
  // a target off screen (the phone's one long column): scroll it into view, once per step
  int& scrolled = sp.view.tour_scrolled;
  if (found && scrolled != sp.view.tour_step && (r.y1 > display.y || r.y0 < 0)) {
    sp.view.scroll_request = r.y0 - display.y * 0.3f;
    scrolled = sp.view.tour_step;
  }
  if (found) {  // outline the target, on top of everything
    ImDrawList* fg = ImGui::GetForegroundDrawList();
    fg->AddRect(ImVec2(r.x0 - 3 * s, r.y0 - 3 * s), ImVec2(r.x1 + 3 * s, r.y1 + 3 * s), IM_COL32(255, 196, 0, 255), 4 * s, 0, 2.5f * s);
  }
  // below the target when there is room, else above it; clamped to the screen
  const float est_h = 130 * s;
  float x = std::clamp(r.x0, 8 * s, display.x - w - 8 * s);
  float y = r.y1 + 10 * s;
  if (y + est_h > display.y) y = r.y0 - est_h - 10 * s;
  y = std::clamp(y, 8 * s, std::max(8 * s, display.y - est_h));
  ImGui::SetNextWindowPos(ImVec2(x, y));
  ImGui::SetNextWindowSize(ImVec2(w, 0));
  ImGui::PushStyleColor(ImGuiCol_WindowBg, screen().light ? IM_COL32(255, 248, 225, 250) : IM_COL32(48, 42, 20, 250));
  ImGui::PushStyleColor(ImGuiCol_Border, IM_COL32(255, 196, 0, 255));
  ImGui::Begin("##tour", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_AlwaysAutoResize |
                                       ImGuiWindowFlags_NoFocusOnAppearing | ImGuiWindowFlags_NoNav);
  ImGui::PushFont(screen().font_title);
  ImGui::TextUnformatted(st.title);
  ImGui::PopFont();
  ImGui::SameLine();
  ImGui::TextDisabled("%d of %d", sp.view.tour_step + 1, kCount);
  ImGui::PushTextWrapPos(0);
  ImGui::TextUnformatted(st.text);
  ImGui::PopTextWrapPos();
  ImGui::Spacing();
  const bool last = sp.view.tour_step == kCount - 1;
  if (ImGui::Button(last ? "Done" : "Next")) {
    if (last) end_tour(sp);
    else sp.view.tour_step++;
  }
  mark("tour:next");
  if (!last) {
    ImGui::SameLine();
    if (ImGui::Button("Skip the tour")) end_tour(sp);
    mark("tour:skip");
  }
  ImGui::End();
  ImGui::PopStyleColor(2);
}

}  // namespace attn::ui
