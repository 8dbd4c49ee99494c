// common.cpp: widgets shared by the panels; above all matrix_view, which every stage uses.
#include <cstring>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include "ui/ui.h"
#include "engine/rules.h"

namespace attn::ui {

namespace {
Screen* g_screen = nullptr;  // this frame's (begin_frame): the App's, set before any panel draws
}  // namespace

void begin_frame(Screen* screen) { g_screen = screen; }
Screen& screen() { return *g_screen; }

void mark(const char* name) {
  ImVec2 p0 = ImGui::GetItemRectMin(), p1 = ImGui::GetItemRectMax();
  screen().rects[name] = Rect{p0.x, p0.y, p1.x, p1.y};
}

bool temperature_slider(const char* id, float* T, const char* format) {
  // NOTE: the value is written beside the slider, not on it: ImGui centres a slider's text over
  // the track, where the grab covered a digit of it at T = 1.
  char label[48];
  std::snprintf(label, sizeof label, format, double(*T));
  ImGui::TextUnformatted(label);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x);  // the rest of the line
  return ImGui::SliderFloat(id, T, float(range_lo(Field::Temperature, Front::App)), float(range_hi(Field::Temperature, Front::App)),
                            "", ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_NoInput);
}

void help_marker(const char* text) {
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered() || ImGui::IsItemClicked()) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 28.0f);
    ImGui::TextUnformatted(text);
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
  }
}

ImU32 head_color(int head, float alpha) {
  // 8 distinguishable hues (Okabe-Ito-like), one per head
  static const ImVec4 c[] = {{0.90f, 0.62f, 0.00f, 1}, {0.34f, 0.71f, 0.91f, 1}, {0.00f, 0.62f, 0.45f, 1},
                             {0.94f, 0.89f, 0.26f, 1}, {0.00f, 0.45f, 0.70f, 1}, {0.84f, 0.37f, 0.00f, 1},
                             {0.80f, 0.47f, 0.65f, 1}, {0.60f, 0.60f, 0.60f, 1}};
  ImVec4 v = c[head % 8];
  v.w = alpha;
  return ImGui::GetColorU32(v);
}

std::string human(double v, const char* unit) {
  const char* pre[] = {"", "K", "M", "G", "T", "P"};
  int k = 0;
  while (std::fabs(v) >= 1000 && k < 5) { v /= 1000; k++; }
  char b[48];
  std::snprintf(b, sizeof b, v < 10 && k ? "%.1f %s%s" : "%.0f %s%s", v, pre[k], unit);
  return b;
}

std::string fmt(float v, int prec) { return fixed_text(double(v), prec); }

std::string clip_label(const std::string& s, float width) {
  if (ImGui::CalcTextSize(s.c_str()).x <= width) return s;
  std::string r = s;
  while (r.size() > 1 && ImGui::CalcTextSize((r + "…").c_str()).x > width) {
    r.pop_back();
    while (!r.empty() && (static_cast<unsigned char>(r.back()) & 0xC0) == 0x80) r.pop_back();  // UTF-8 boundary
  }
  return r + "…";
}

namespace {

void set_edit(Config* cfg, Target t, int r, int c, float v) {
  for (CellEdit& e : cfg->edits)
    if (e.target == t && e.row == r && e.col == c) { e.value = v; return; }
  cfg->edits.push_back({t, r, c, v});
}
}  // namespace

namespace {
struct Geom {
  float label_w, label_h, cw, ch;
  bool numbers;
  float num_scale = 1;  // the numbers' font size, relative to the number font
};
// Cell and label sizes that use the space given: cells grow to fill it (up to twice the size of a
// number, whose font grows with them up to 1.4x); numbers are shown whenever they fit at 85 % of
// the number font or more; square heatmap cells otherwise. Call with the mono font pushed.
Geom geometry(const MatrixView& v) {
  const float s = screen().dpi;
  const int R = int(v.m->rows()), C = int(v.m->cols());
  Geom g;
  const float num_w = ImGui::CalcTextSize("−0.00").x + 6 * s, num_h = ImGui::GetTextLineHeight() + 4 * s;
  float lw = 0;
  if (v.rows)
    for (const auto& t : *v.rows) lw = std::max(lw, ImGui::CalcTextSize(t.c_str()).x);
  g.label_w = v.rows ? std::min(lw, 90 * s) + 6 * s : 22 * s;
  g.label_h = ImGui::GetTextLineHeight() + 4 * s;
  const float avail_w = std::max(40 * s, v.max_w - g.label_w);
  const float avail_h = std::max(40 * s, v.max_h - g.label_h - (v.show_legend ? 26 * s : 0));
  const float fit_w = avail_w / float(C), fit_h = avail_h / float(R);
  g.numbers = fit_w >= 0.85f * num_w && fit_h >= 0.85f * num_h;
  if (g.numbers) {
    g.cw = std::floor(std::min(fit_w, 2.0f * num_w));
    g.ch = std::floor(std::min(fit_h, 2.0f * num_h));
    g.num_scale = std::min({g.cw / num_w, g.ch / num_h, 1.4f});
  } else {
    g.cw = g.ch = std::max(1.0f, std::floor(std::min({fit_w, fit_h, 40 * s})));
  }
  return g;
}
}  // namespace

float matrix_view_width(const MatrixView& v) {
  if (!v.m || v.m->size() == 0) return 0;
  ImGui::PushFont(screen().font_mono);
  Geom g = geometry(v);
  ImGui::PopFont();
  float legend = v.show_legend ? 200 * screen().dpi : 0;
  return std::max(g.label_w + g.cw * float(v.m->cols()), legend);
}

bool matrix_view(Stepper& sp, const MatrixView& v) {
  if (!v.m || v.m->size() == 0) return false;
  const Mat& m = *v.m;
  const int R = int(m.rows()), C = int(m.cols());
  const float s = screen().dpi;
  ImGui::PushID(v.key);
  if (v.title) {
    // a title with sub- or superscripts ("S = Q K^{T}", "W_q") is typeset
    if (std::strpbrk(v.title, "^_")) draw_formula(v.title, screen().font_ui, ImGui::GetFontSize(), ImGui::GetColorU32(ImGuiCol_Text));
    else ImGui::TextUnformatted(v.title);
    ImGui::SameLine();
    ImGui::TextDisabled("%d×%d", R, C);
  }
  ImGui::PushFont(screen().font_mono);
  const Geom g = geometry(v);
  const float label_w = g.label_w, label_h = g.label_h, cw = g.cw, ch = g.ch;
  const bool numbers = g.numbers;
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 p0(origin.x + label_w, origin.y + label_h);
  const ImVec2 size(cw * C, ch * R);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  // ---- column labels (tokens for keys, indices otherwise)
  // labels every `step` columns when cells are narrower than a short label
  const int step = cw >= 26 * s ? 1 : std::max(1, int(std::ceil(26 * s / cw)));
  for (int j = 0; j < C; j += step) {
    std::string lab = v.cols && j < int(v.cols->size()) ? (*v.cols)[size_t(j)] : std::to_string(j + 1);
    lab = clip_label(lab, step * cw - 3 * s);
    ImU32 col = j == v.highlight_col ? ImGui::GetColorU32(ImGuiCol_Text) : ImGui::GetColorU32(ImGuiCol_TextDisabled);
    dl->AddText(ImVec2(p0.x + j * cw + 2 * s, origin.y), col, lab.c_str());
  }
  // ---- row labels
  for (int i = 0; i < R; i++) {
    if (ch < ImGui::GetTextLineHeight() && i % std::max(1, int(std::ceil(ImGui::GetTextLineHeight() / ch))) != 0) continue;
    std::string lab = v.rows && i < int(v.rows->size()) ? (*v.rows)[size_t(i)] : std::to_string(i + 1);
    lab = clip_label(lab, label_w - 6 * s);
    ImU32 col = i == v.highlight_row ? ImGui::GetColorU32(ImGuiCol_Text) : ImGui::GetColorU32(ImGuiCol_TextDisabled);
    float tw = ImGui::CalcTextSize(lab.c_str()).x;
    dl->AddText(ImVec2(p0.x - tw - 4 * s, p0.y + i * ch + (ch - ImGui::GetTextLineHeight()) * 0.5f), col, lab.c_str());
  }
  // ---- the heatmap: colormapped by shaders/heatmap.frag into a texture
  float lo = 0, hi = 1;
  {
    float mn = INFINITY, mx = -INFINITY;
    for (Eigen::Index k = 0; k < m.size(); k++) {
      float x = m.data()[k];
      if (std::isfinite(x)) { mn = std::min(mn, x); mx = std::max(mx, x); }
    }
    if (mn > mx) mn = mx = 0;
    if (v.cmap == gfx::Colormap::Sequential) { lo = std::min(0.0f, mn); hi = std::max(mx, 1e-6f); }
    else { float e = std::max(std::fabs(mn), std::fabs(mx)); lo = -e; hi = e; }
  }
  unsigned tex = gfx::render(&screen().heatmaps[v.key], m, sp.version, v.cmap, lo, hi, int(size.x), int(size.y), screen().light);
  ImGui::SetCursorScreenPos(p0);
  if (tex) ImGui::Image((ImTextureID)(intptr_t)tex, size, ImVec2(0, 1), ImVec2(1, 0));
  else ImGui::Dummy(size);
  ImGui::SetCursorScreenPos(p0);
  ImGui::InvisibleButton("cells", ImVec2(std::max(size.x, 1.0f), std::max(size.y, 1.0f)));
  mark((std::string("cells:") + v.key).c_str());
  const bool hovered = ImGui::IsItemHovered();
  const bool active = ImGui::IsItemActive();
  // ---- numbers on top: dark on the light middle of a colormap, white on its dark ends
  if (numbers) {
    auto light_cell = [&](float x) {
      if (std::isinf(x)) return false;
      if (v.cmap == gfx::Colormap::Diverging) return std::fabs(x) < 0.55f * std::max(std::fabs(lo), std::fabs(hi));
      return (x - lo) / std::max(hi - lo, 1e-20f) > 0.62f;  // viridis turns light green-yellow here
    };
    ImFont* nf = ImGui::GetFont();
    const float fs = ImGui::GetFontSize() * g.num_scale, lh = ImGui::GetTextLineHeight() * g.num_scale;
    for (int i = 0; i < R; i++)
      for (int j = 0; j < C; j++) {
        std::string t = fmt(m(i, j));
        if (std::isinf(m(i, j))) t = "−∞";
        float tw = ImGui::CalcTextSize(t.c_str()).x * g.num_scale;
        ImVec2 tp(p0.x + j * cw + (cw - tw) * 0.5f, p0.y + i * ch + (ch - lh) * 0.5f);
        dl->AddText(nf, fs, tp, light_cell(m(i, j)) ? IM_COL32(20, 20, 28, 255) : IM_COL32(255, 255, 255, 255), t.c_str());
      }
  }
  // ---- linked highlights: a row and/or column outline
  const ImU32 hl = ImGui::GetColorU32(ImGuiCol_PlotLinesHovered);
  if (v.highlight_row >= 0 && v.highlight_row < R)
    dl->AddRect(ImVec2(p0.x, p0.y + v.highlight_row * ch), ImVec2(p0.x + size.x, p0.y + (v.highlight_row + 1) * ch), hl, 0, 0, 2 * s);
  if (v.highlight_col >= 0 && v.highlight_col < C)
    dl->AddRect(ImVec2(p0.x + v.highlight_col * cw, p0.y), ImVec2(p0.x + (v.highlight_col + 1) * cw, p0.y + size.y), hl, 0, 0, 2 * s);
  // ---- hover, tap, drag-to-edit, paint
  ImVec2 mp = ImGui::GetIO().MousePos;
  int hi_i = int(std::floor((mp.y - p0.y) / ch)), hj = int(std::floor((mp.x - p0.x) / cw));
  const bool in_cell = hi_i >= 0 && hi_i < R && hj >= 0 && hj < C;
  if (hovered && in_cell) {
    dl->AddRect(ImVec2(p0.x + hj * cw, p0.y + hi_i * ch), ImVec2(p0.x + (hj + 1) * cw, p0.y + (hi_i + 1) * ch),
                ImGui::GetColorU32(ImGuiCol_Text), 0, 0, 1.5f * s);
    sp.view.hover = true;
    sp.view.hover_id = v.id;
    sp.view.hover_head = v.head;
    sp.view.hover_grad = v.grad;
    sp.view.hover_i = hi_i;
    sp.view.hover_j = hj;
    if (!v.mask_paint && !sp.drag.active) {
      Explanation e = v.grad != GradId::Count ? explain_grad(sp.trace, sp.grads, v.grad, v.head, hi_i, hj) : explain(sp.trace, v.id, v.head, hi_i, hj);
      ImGui::PopFont();
      // the arithmetic is shown here, where the eye is (typeset, with real fractions); the card
      // below the stage then says what the outlines mean instead of repeating it
      ImGui::BeginTooltip();
      if (e.ok && !e.math.empty()) {
        draw_formula(e.math, screen().font_mono, screen().font_mono->FontSize * 1.1f, ImGui::GetColorU32(ImGuiCol_Text), 0);
      } else {
        ImGui::PushFont(screen().font_mono);
        ImGui::TextUnformatted(e.ok ? e.text.c_str() : (fmt(m(hi_i, hj), 4)).c_str());
        ImGui::PopFont();
      }
      if (v.editable) ImGui::TextDisabled("drag sideways to edit this value");
      ImGui::EndTooltip();
      ImGui::PushFont(screen().font_mono);
    }
  }
  if (ImGui::IsItemClicked() && in_cell) {
    if (v.mask_paint) {
      sp.mask_paint = sp.trace.allowed[size_t(hi_i) * sp.trace.n_k + hj] ? 0 : 1;
    } else if (v.editable) {
      sp.drag = CellDrag{true, v.target, hi_i, v.col_offset + hj, m(hi_i, hj), mp.x, false};
    }
    sp.view.pinned = true;
    sp.view.pin_id = v.id;
    sp.view.pin_head = v.head;
    sp.view.pin_i = hi_i;
    sp.view.pin_j = hj;
    if (v.select_rows) sp.view.query = hi_i;
  }
  if (v.mask_paint && active && sp.mask_paint >= 0 && in_cell) {
    Config c = sp.cfg;
    if (c.mask != MaskKind::Custom || c.custom_rows != sp.trace.n_q || c.custom_cols != sp.trace.n_k) {
      c.custom_mask = sp.trace.allowed;  // start from what is shown now
      c.custom_rows = sp.trace.n_q;
      c.custom_cols = sp.trace.n_k;
      c.mask = MaskKind::Custom;
    }
    uint8_t& cell = c.custom_mask[size_t(hi_i) * c.custom_cols + hj];
    if (cell != sp.mask_paint) {
      cell = uint8_t(sp.mask_paint);
      edit_config(c);
    }
  }
  if (sp.drag.active && active && v.editable && sp.drag.target == v.target) {
    float dx = mp.x - sp.drag.start_x;
    if (std::fabs(dx) > 2 * s) sp.drag.moved = true;
    if (sp.drag.moved) {
      float step = 0.01f * std::max(1.0f, std::fabs(sp.drag.start_value)) / s;
      float nv = sp.drag.start_value + dx * step;
      nv = std::round(nv * 1000.0f) / 1000.0f;
      Config c = sp.cfg;
      set_edit(&c, sp.drag.target, sp.drag.row, sp.drag.col, nv);
      edit_config(c);
    }
  }
  if (!ImGui::IsMouseDown(0)) { sp.drag.active = false; sp.mask_paint = -1; }
  ImGui::PopFont();
  // ---- legend: a gradient strip with its range
  ImGui::SetCursorScreenPos(ImVec2(origin.x, p0.y + size.y + 4 * s));
  if (v.show_legend) {
    Mat ramp(1, 64);  // (1, 64) from -1 to 1
    for (int k = 0; k < 64; k++) ramp(0, k) = k / 63.0f * 2 - 1;
    Mat r01 = ramp;
    if (v.cmap == gfx::Colormap::Sequential) r01 = (ramp.array() + 1) * 0.5f;
    std::string key = std::string(v.key) + "/legend";
    float lw = std::min(140 * s, std::max(60 * s, size.x));
    unsigned lt = gfx::render(&screen().heatmaps[key], r01, 1, v.cmap, v.cmap == gfx::Colormap::Sequential ? 0.0f : -1.0f, 1.0f, int(lw), int(8 * s), screen().light);
    ImGui::TextDisabled("%s", fmt(lo).c_str());
    ImGui::SameLine();
    ImVec2 c = ImGui::GetCursorScreenPos();
    ImGui::SetCursorScreenPos(ImVec2(c.x, c.y + (ImGui::GetTextLineHeight() - 8 * s) * 0.5f));
    if (lt) ImGui::Image((ImTextureID)(intptr_t)lt, ImVec2(lw, 8 * s), ImVec2(0, 1), ImVec2(1, 0));
    ImGui::SameLine();
    ImGui::TextDisabled("%s", fmt(hi).c_str());
    if (v.mask_paint) { ImGui::SameLine(); ImGui::TextDisabled("  click or drag to paint allowed / blocked"); }
  } else {
    ImGui::Dummy(ImVec2(size.x + label_w, 1));
  }
  ImGui::PopID();
  return hovered;
}

// One head's (T, T) weights as a small heatmap (a texture, through the heatmap pass every matrix
// view uses: thousands of cells as rectangles made software-rendered frames slow), token labels on
// hover. version identifies the weights shown. The colour is √w, so small weights stay visible.
void head_map(const char* cache, const float* A, int T, const std::vector<std::string>& labels, float size, const std::string& id,
              uint64_t version) {
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  Mat m(T, T);
  for (int k = 0; k < T * T; k++) m.data()[k] = std::sqrt(std::clamp(A[k], 0.0f, 1.0f));
  const unsigned tex = gfx::render(&screen().heatmaps[cache + id], m, version, gfx::Colormap::Sequential, 0.0f, 1.0f, int(size),
                                   int(size), screen().light);
  if (tex) ImGui::Image((ImTextureID)(intptr_t)tex, ImVec2(size, size), ImVec2(0, 1), ImVec2(1, 0));
  else ImGui::Dummy(ImVec2(size, size));
  ImGui::SetCursorScreenPos(p0);
  ImGui::InvisibleButton(id.c_str(), ImVec2(size, size));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float cell = size / float(T);
  if (ImGui::IsItemHovered()) {
    const ImVec2 mp = ImGui::GetIO().MousePos;
    const int i = std::clamp(int((mp.y - p0.y) / cell), 0, T - 1), j = std::clamp(int((mp.x - p0.x) / cell), 0, T - 1);
    dl->AddRect(ImVec2(p0.x + j * cell, p0.y + i * cell), ImVec2(p0.x + (j + 1) * cell, p0.y + (i + 1) * cell), IM_COL32_WHITE);
    ImGui::SetTooltip("query %d '%s' → key %d '%s': %.3f", i + 1, labels[size_t(i)].c_str(), j + 1, labels[size_t(j)].c_str(),
                      double(A[size_t(i) * T + j]));
  }
}

}  // namespace attn::ui
