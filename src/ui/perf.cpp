// ui_perf.cpp: the timing badge in the title bar: how long the last recompute took, which
// kernels the engine runs, and whether they are SIMD. Drawn only where it fits.
#include <cstdio>
#include "ui/ui.h"
#include "kernels/kernels.h"

namespace attn::ui {

void draw_perf_badge(float room) {
  const App& a = app();
  char text[160];
  if (a.view.train && a.train.playing)
    std::snprintf(text, sizeof text, "training %.0f steps/s · %.1f ms a step · %s kernels · SIMD %s", a.train.steps_per_s,
                  a.train.step_ms, kern::backend(), kern::simd_active() ? "on" : "off");
  else
    std::snprintf(text, sizeof text, "recompute %.2f ms · %s kernels · SIMD %s", a.trace.compute_ms, kern::backend(),
                  kern::simd_active() ? "on" : "off");
  if (ImGui::CalcTextSize(text).x > room) return;
  ImGui::SameLine();
  ImGui::TextDisabled("%s", text);
  mark("perf");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Time of the last full forward pass (every stage, every head) on this device.\n"
                      "Kernels: the instruction set of the engine's matrix kernels, each tested\n"
                      "against a plain scalar reference.");
}

}  // namespace attn::ui
