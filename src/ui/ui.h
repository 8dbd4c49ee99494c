// ui.h: the panels (one file each) and the shared widgets they draw with.
#pragma once
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>
#include "modes/modes.h"
#include "imgui.h"
#include "ui/formula.h"

namespace attn::ui {

// ---- the frame (common.cpp): what every panel draws with, whatever its mode. The app hands it in
// at the start of each frame (as ImGui holds its own context); the panels get their mode's state
// as an argument and never reach for the whole App.
void begin_frame(Screen* screen);
Screen& screen();
void mark(const char* name);  // records the last item's rectangle under name (Screen::rects)

// ---- shared widgets (common.cpp)
// A combo of an option's values, each with its label; width > 0 sets the combo's width. Each
// choice is a named control for tests: "##mask" with "causal (GPT)" is "mask:causal (GPT)".
template <typename E>
bool combo(const char* label, E* e, std::initializer_list<std::pair<E, const char*>> items, float width = 0) {
  const char* cur = "";
  for (auto& [v, n] : items)
    if (v == *e) cur = n;
  bool changed = false;
  if (width > 0) ImGui::SetNextItemWidth(width);
  if (ImGui::BeginCombo(label, cur)) {
    for (auto& [v, n] : items) {
      if (ImGui::Selectable(n, v == *e)) { *e = v; changed = true; }
      mark((std::string(label + 2) + ":" + n).c_str());
    }
    ImGui::EndCombo();
  }
  return changed;
}
void help_marker(const char* text);  // "(?)" with a tooltip
// The temperature slider (logarithmic, over the range engine/rules.h gives the app), its value
// written before it by format ("T = %.2f"), filling the rest of the line; one widget wherever
// temperature can be set. True when moved.
bool temperature_slider(const char* id, float* T, const char* format);
ImU32 head_color(int head, float alpha = 1.0f);
std::string fmt(float v, int prec = 2);  // "−0.42", "−∞"
std::string human(double v, const char* unit);
std::string clip_label(const std::string& s, float width);  // shortened with "…" to fit width (current font)  // 3 significant-ish digits and an SI prefix: "8.4 MB", "268 MFLOP"

struct MatrixView {
  const char* key;                      // unique id, also the heatmap cache key
  const char* title;                    // shown above, e.g. "Q (head 1)"
  MatrixId id = MatrixId::Weights;      // for explain() and hover
  int head = 0;
  const Mat* m = nullptr;
  const std::vector<std::string>* rows = nullptr;  // token labels, may be null
  const std::vector<std::string>* cols = nullptr;
  gfx::Colormap cmap = gfx::Colormap::Diverging;
  bool editable = false;                // drag a cell to change it
  Target target = Target::X;
  int col_offset = 0;                   // edit column = col_offset + c (per-head slices)
  float max_w = 300, max_h = 300;       // space available
  int highlight_row = -1, highlight_col = -1;
  bool select_rows = false;             // clicking a row selects the query
  bool mask_paint = false;              // the mask editor: click or drag to paint
  bool show_legend = true;
  GradId grad = GradId::Count;          // a gradient matrix: hover explains it with explain_grad
};
// Draws a matrix: heatmap (shader) with numbers when cells are large enough, labels, legend,
// hover explanation, linked highlights, cell editing. Returns true when hovered.
bool matrix_view(Stepper& sp, const MatrixView& v);
float matrix_view_width(const MatrixView& v);  // the width matrix_view will take

// One head's (T, T) weights as a small heatmap (the heatmap pass: thousands of cells as rectangles
// made software-rendered frames slow), colour √w so small weights stay visible, token labels on
// hover. cache prefixes the texture's key (the mode drawing it); version identifies the weights.
void head_map(const char* cache, const float* A, int T, const std::vector<std::string>& labels, float size,
              const std::string& id, uint64_t version);

// The token lines (BertViz's head view, tokens.cpp): queries on the left, keys on the right, a line
// per pair whose thickness and opacity are the weight, one colour per head; the focused query's
// lines stand out, a hovered key shows each head's weight. Returns the query clicked, or -1.
struct LineHead {
  int color;                            // head_color's index
  const float* w;                       // (n_q, n_k) row-major weights
  std::string name;                     // "head 3", for the hover
};
int token_lines(const std::vector<LineHead>& heads, int n_q, int n_k, const std::vector<std::string>& tokens_q,
                const std::vector<std::string>& tokens_k, int focus);

// ---- formulas (formula_draw.cpp): markup of formula.h typeset at the cursor in font at size px,
// in colour col, shrunk (to 60 % at most) when wider than max_w (0: no limit). One item.
FormulaBox draw_formula(const std::string& markup, ImFont* font, float size, ImU32 col, float max_w = 0);
// a button labelled with typeset markup (id: "##name"), at the current font; and its width
bool formula_button(const char* id, const std::string& markup);
float formula_button_width(const std::string& markup);
// a stage's name as markup: "Scores QK^{T}" with a typeset superscript T, legible at every size
// (the ⊤ glyph, borrowed from the number font at the baseline, read as a Cyrillic т at 1x)
std::string stage_markup(Stage s);

// ---- panels
void draw_stepper(Stepper& sp, const TrainView& tv);       // stepper.cpp: stage row, prev/next/play
void draw_stage(Stepper& sp);         // stage.cpp: the current stage's formula, prose and matrices
void draw_controls(Stepper& sp);      // controls.cpp: every config control with (?) tooltips
void draw_row_bars(Stepper& sp);      // row.cpp: selected query's scores vs weights, normalizer comparison
void draw_tokens(Stepper& sp);        // tokens.cpp: BertViz-style lines
void draw_heads_grid(Stepper& sp);    // heads.cpp: all heads as small heatmaps
void draw_cost(Stepper& sp);          // cost.cpp: n^2 cells, memory, FLOPs, time
void draw_perf_badge(float room, const Stepper& sp, const TrainView& tv);  // perf.cpp: last recompute time, kernel backend, SIMD (if it fits)
std::string kernels_label();        // perf.cpp: "wasm-simd128-fma kernels · FMA": the build and whether madd fuses here
void draw_help(Stepper& sp);          // help.cpp: shortcuts overlay
void draw_tour(Stepper& sp);          // tour.cpp: the first visit's guided minute (when View::tour_step >= 0)
void end_tour(Stepper& sp);           // tour.cpp: dismisses it for good (remembered between sessions)
void draw_long(LongView& lv);          // long.cpp: the fused path at large n, pan/zoom weight map
void draw_check(Stepper& sp);         // check.cpp: the Check tab: your Q, K, V and output against the reference
void draw_train(TrainView& tv);         // train.cpp: the Train mode (settings, curves, the probe's heads over time)
void draw_train_part(TrainView& tv, const std::string& part);  // train.cpp: one part for embeds: curves, attention, measures, settings
void draw_model(ModelView& mv);         // model.cpp: the Model mode (a real checkpoint's heads on your text)
void draw_model_part(ModelView& mv, const std::string& part);  // one part for embeds: modelheads, lines, next
void draw_backward_stage(Stepper& sp); // backward.cpp: the current stage's gradients (View::backward)
void draw_compare(Stepper& sp);       // compare.cpp: A | B | B − A of the stage's matrix, when something is pinned
void draw_explain_card(Stepper& sp);  // stage.cpp: what a hovered cell's outlines mean, or a pinned cell's arithmetic
void draw_import_dialog(Stepper& sp); // import.cpp: "use this matrix as X / W / Q / K / V"
void draw_share_button(Stepper& sp);  // share.cpp: link and iframe snippet
void draw_export_button(Stepper& sp); // share.cpp: PNG / CSV / JSON / .npy / NumPy
void draw_capture_matrix(Stepper& sp);// share.cpp: the single matrix drawn for a PNG export

// Every matrix that can be exported, for the current head.
struct ExportItem {
  std::string label;   // "weights (head 1)"
  std::string stem;    // "weights_h1"
  const Mat* m;
  MatrixId id;
  gfx::Colormap cmap;
};
std::vector<ExportItem> export_items(const Stepper& sp);

}  // namespace attn::ui
