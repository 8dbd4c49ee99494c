// perf.cpp: the timing badge in the title bar: how long the last recompute took, which
// kernels the engine runs, and whether they are SIMD. Drawn only where it fits.
#include <cstdio>
#include <string>
#include "ui/ui.h"
#include "kernels/kernels.h"

namespace attn::ui {

// "wasm-simd128-fma kernels · FMA" and the like: the build, and whether its multiply-add is fused here
// (relaxed SIMD leaves that to the machine: an x86 without FMA3 runs mul + add)
std::string kernels_label() {
  std::string s = std::string(kern::backend()) + " kernels";
  if (!kern::simd_active()) return s + " · SIMD off";
  return s + (kern::fused_madd() ? " · FMA" : " · SIMD");
}

void draw_perf_badge(float room, const Stepper& sp, const TrainView& tv) {
  char text[200];
  const std::string kernels = kernels_label();
  if (sp.view.train && tv.playing)
    std::snprintf(text, sizeof text, "training %.0f steps/s · %.1f ms a step · %s", tv.steps_per_s,
                  tv.step_ms, kernels.c_str());
  else
    std::snprintf(text, sizeof text, "recompute %.2f ms · %s", sp.trace.compute_ms, kernels.c_str());
  if (ImGui::CalcTextSize(text).x > room) return;
  ImGui::SameLine();
  ImGui::TextDisabled("%s", text);
  mark("perf");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Time of the last full forward pass (every stage, every head) on this device.\n"
                      "Kernels: the instruction set of the engine's matrix kernels, each tested\n"
                      "against a plain scalar reference. FMA: each multiply-add rounds once (a fused\n"
                      "multiply-add instruction); browsers without relaxed SIMD get the SIMD128 build.");
}

}  // namespace attn::ui
