// cost.cpp: what the current settings cost, and how that grows with n: the quadratic
// wall that motivates linear and sparse attention.
#include <cmath>
#include <cstdio>
#include "ui/ui.h"
#include "kernels/kernels.h"

namespace attn::ui {

namespace {
// FLOPs of one forward pass: projections 4 x 2nd^2, scores and A.V 2 x 2n^2d
double flops(double n, double d) { return 4 * 2 * n * d * d + 2 * 2 * n * n * d; }
double linear_flops(double n, double d, double H) { return 4 * 2 * n * d * d + 2 * 2 * n * d * d / H; }
}  // namespace

void draw_cost(Stepper& sp) {
  const Trace& t = sp.trace;
  if (!t.ok) return;
  const double n = t.n_q, d = t.d_model, H = t.n_heads;
  ImGui::Text("n = %d tokens, d_model = %d, %d head(s)", t.n_q, t.d_model, t.n_heads);
  ImGui::Text("score cells: n² × heads = %s", human(double(t.n_q) * t.n_k * H, "").c_str());
  ImGui::Text("trace memory: %s", human(trace_bytes(t.n_q, t.n_k, t.n_heads, t.cfg.linear), "B").c_str());
  help_marker("The staged trace keeps scores, scaled, masked and weights (and linear attention's implied weights when shown): n × n float32 matrices per head.");
  ImGui::Text("FLOPs: %s", human(flops(n, d), "FLOP").c_str());
  ImGui::Text("last recompute: %.3f ms   (frame %.1f ms)", t.compute_ms, screen().frame_ms);
  help_marker("Measured time of the last full forward pass of the engine (all stages, all heads), on this device.");
  ImGui::Text("%s, %d thread%s", kernels_label().c_str(), engine_threads(), engine_threads() > 1 ? "s" : "");
  help_marker("The instruction set the engine's matrix kernels were built for: in the browser wasm-simd128-fma "
              "(relaxed SIMD's fused multiply-add) where the browser has relaxed SIMD, wasm-simd128 elsewhere; "
              "avx2-fma or sse2 natively. FMA: each multiply-add rounds once. Every kernel is tested against a "
              "plain scalar reference. Threads: "
              "the Long n panel and the recompute's two largest products (weights · V, concat · W_o) share "
              "their rows among them (same numbers as one thread); in the browser only a cross-origin "
              "isolated page can use more than one.");
  ImGui::Spacing();
  ImGui::TextUnformatted("As n grows (same d_model and heads)");
  if (ImGui::BeginTable("growth", 4, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupColumn("n");
    ImGui::TableSetupColumn("n² cells");
    ImGui::TableSetupColumn("softmax FLOPs");
    ImGui::TableSetupColumn("linear FLOPs");
    ImGui::TableHeadersRow();
    for (double m : {16.0, 256.0, 4096.0, 65536.0, 1048576.0}) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn(); ImGui::Text("%s", human(m, "").c_str());
      ImGui::TableNextColumn(); ImGui::Text("%s", human(m * m * H, "").c_str());
      ImGui::TableNextColumn(); ImGui::Text("%s", human(flops(m, d), "").c_str());
      ImGui::TableNextColumn(); ImGui::Text("%s", human(linear_flops(m, d, H), "").c_str());
    }
    ImGui::EndTable();
  }
  ImGui::PushTextWrapPos(0);
  ImGui::TextDisabled("Softmax attention compares every pair of tokens, so its cost and memory grow as n². "
                      "Linear attention reorders the product, φ(Q)(φ(K)⊤V), and grows as n.");
  ImGui::PopTextWrapPos();
}

}  // namespace attn::ui
