// long.cpp: the long-sequence panel. Runs the fused path at n in the thousands and shows
// its weights as a map you can pan (drag) and zoom (wheel, buttons): every visible texel is
// recomputed from Q, K and the row's log-sum-exp, so no n x n matrix ever exists.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include "ui/ui.h"
#include "modes/host.h"
#include "modes/jobs.h"

namespace attn::ui {

namespace {

constexpr int kTexels = 256;  // samples per side of the map

// zoom by factor around the cell at fraction (fx, fy) of the map
void zoom(LongView* L, double factor, float fx, float fy) {
  const int old_w = L->window;
  const double ci = L->i0 + fy * old_w, cj = L->j0 + fx * old_w;
  L->window = int(std::lround(old_w * factor));
  long_clamp_window(L);
  L->i0 = int(std::lround(ci - fy * L->window));
  L->j0 = int(std::lround(cj - fx * L->window));
  long_clamp_window(L);
  L->version++;
}

}  // namespace

void draw_long(LongView& L) {
  const float s = screen().dpi;
  ImGui::PushTextWrapPos(0);
  ImGui::TextDisabled("Attention over thousands of tokens without the n × n matrix: scores are made one tile at a "
                      "time and folded into a running softmax; only Q, K, V, the output and each row's "
                      "log-sum-exp are kept. The map recomputes the weights it shows from them.");
  ImGui::PopTextWrapPos();
  const int sizes[] = {1024, 2048, 4096, 8192, 16384};
  ImGui::SetNextItemWidth(110 * s);
  if (ImGui::BeginCombo("n##long", std::to_string(L.n).c_str())) {
    for (int v : sizes)
      if (ImGui::Selectable(std::to_string(v).c_str(), v == L.n)) L.n = v;
    ImGui::EndCombo();
  }
  mark("long:n");
  ImGui::SameLine();
  ImGui::Checkbox("causal##long", &L.causal);
  mark("long:causal");
  ImGui::SameLine();
  if (L.running()) {
    if (ImGui::Button("Cancel")) L.job = LongJob{};  // the last finished map stays
    mark("long:cancel");
  } else if (ImGui::Button("Run")) {
    long_run();
  }
  mark("long:run");
  help_marker("Random Q, K, V (n × 64, uniform in [−1, 1], seed 1), one head, scale 1/√64. The fused kernel "
              "skips the blocks a causal mask hides.");
  if (L.running()) {
    const LongJob& j = L.job;
    char label[64];
    std::snprintf(label, sizeof label, "rows %d of %d", j.next, j.t.n);
    ImGui::ProgressBar(j.t.n ? float(j.next) / float(j.t.n) : 0.0f, ImVec2(-1, 0), label);
    mark("long:progress");
    ImGui::TextDisabled("computing n = %d%s: %.0f ms so far", j.t.n, j.t.causal ? ", causal" : "", L.run_ms);
    return;
  }
  if (!L.trace.ok) {
    ImGui::TextDisabled("Press Run to compute attention for n = %d.", L.n);
    return;
  }
  const LongTrace& t = L.trace;
  ImGui::Text("n = %d%s: fused forward %.0f ms%s", t.n, t.causal ? ", causal" : "", L.ms,
              L.threads > 1 ? (" on " + std::to_string(L.threads) + " threads").c_str() : "");
  ImGui::Text("memory %s; the n × n weights would take %s", human(t.bytes, "B").c_str(), human(4.0 * t.n * double(t.n), "B").c_str());

  // ---- the window's weights, sampled at kTexels per side (recomputed only when it moves)
  long_clamp_window(&L);
  const int W = L.window, step = std::max(1, W / kTexels), T = std::max(1, W / step);
  if (L.tile.rows() != T || L.tile.cols() != T || L.tile_version != L.version) {
    L.tile = long_weights_window(t, L.i0, L.j0, step, step, T, T);
    L.tile_version = L.version;
  }
  const float hi = std::max(L.tile.maxCoeff(), 1e-9f);
  ImGui::Text("rows %d–%d × keys %d–%d%s", L.i0 + 1, L.i0 + W, L.j0 + 1, L.j0 + W,
              step > 1 ? (", every " + std::to_string(step) + "th cell").c_str() : "");
  const float side = std::min(ImGui::GetContentRegionAvail().x, 420 * s);
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  // On a linear scale a long causal map is one dark square: the first rows see a few keys and give
  // them weights near 1, the rest spread ~1/n over thousands. Log10 over six decades shows both.
  constexpr float kDecades = 6;
  const float top = std::log10(hi), bottom = top - kDecades;
  const uint64_t shown_version = L.version * 2 + (L.log_scale ? 1 : 0);
  if (screen().heatmaps["long"].version != shown_version || L.shown.rows() != L.tile.rows() || L.shown.cols() != L.tile.cols()) {
    L.shown = L.tile;
    if (L.log_scale)
      for (Eigen::Index k = 0; k < L.shown.size(); k++)
        L.shown.data()[k] = L.shown.data()[k] > 0 ? std::max(bottom, std::log10(L.shown.data()[k])) : bottom;
  }
  unsigned tex = gfx::render(&screen().heatmaps["long"], L.shown, shown_version, gfx::Colormap::Sequential,
                             L.log_scale ? bottom : 0, L.log_scale ? top : hi, int(side), int(side), screen().light);
  if (tex) ImGui::Image((ImTextureID)(intptr_t)tex, ImVec2(side, side), ImVec2(0, 1), ImVec2(1, 0));
  ImGui::SetCursorScreenPos(p0);
  ImGui::InvisibleButton("long:map", ImVec2(side, side));
  mark("long:map");
  ImGuiIO& io = ImGui::GetIO();
  const float fx = std::clamp((io.MousePos.x - p0.x) / side, 0.0f, 1.0f), fy = std::clamp((io.MousePos.y - p0.y) / side, 0.0f, 1.0f);
  L.hover_i = L.hover_j = -1;
  if (ImGui::IsItemHovered()) {
    // a notch zooms by 2; trackpads send fractions of a notch, so they add up first
    L.wheel += io.MouseWheel;
    for (; L.wheel >= 1; L.wheel -= 1) zoom(&L, 0.5, fx, fy);
    for (; L.wheel <= -1; L.wheel += 1) zoom(&L, 2.0, fx, fy);
    const int r = std::min(T - 1, int(fy * T)), c = std::min(T - 1, int(fx * T));
    L.hover_i = L.i0 + r * step;
    L.hover_j = L.j0 + c * step;
    L.hover_w = L.tile(r, c);
    ImGui::SetTooltip("query %d, key %d: weight %.3g\n= exp(q·k / √%d − lse), lse = %.3f", L.hover_i + 1, L.hover_j + 1,
                      L.hover_w, t.d, t.lse[size_t(L.hover_i)]);
  }
  if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 2 * s)) {
    // drag moves the window with the pointer, in whole cells
    const ImVec2 dm = ImGui::GetMouseDragDelta(ImGuiMouseButton_Left, 2 * s);
    const int di = int(dm.y / side * W), dj = int(dm.x / side * W);
    if (di || dj) {
      L.i0 -= di;
      L.j0 -= dj;
      long_clamp_window(&L);
      L.version++;
      ImGui::ResetMouseDragDelta(ImGuiMouseButton_Left);
    }
  }
  if (L.log_scale) ImGui::TextDisabled("%.3g … %.3g, log scale  (drag to pan, wheel to zoom)", std::pow(10.0f, bottom), hi);
  else ImGui::TextDisabled("0 … %.3g  (drag to pan, wheel to zoom)", hi);
  ImGui::SameLine();
  ImGui::Checkbox("log##long", &L.log_scale);
  mark("long:log");
  if (ImGui::SmallButton("Zoom in")) zoom(&L, 0.5, 0.5f, 0.5f);
  mark("long:zoomin");
  ImGui::SameLine();
  if (ImGui::SmallButton("Zoom out")) zoom(&L, 2.0, 0.5f, 0.5f);
  mark("long:zoomout");
  ImGui::SameLine();
  if (ImGui::SmallButton("Whole matrix")) { L.window = 0; L.i0 = L.j0 = 0; long_clamp_window(&L); L.version++; }
  mark("long:reset");
}

}  // namespace attn::ui
