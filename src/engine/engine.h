// engine.h: the engine's public API. Plain C++17 + Eigen: no GL, no ImGui, no emscripten.
// Errors come back in Trace::error / Explanation::ok; nothing throws past this API.
#pragma once
#include "engine/config.h"
#include "core/format.h"
#include "engine/trace.h"

namespace attn {

// One forward pass of the staged path: fills every intermediate. Never throws.
// prev, when given, is the last trace (of any config): what the edit left unchanged is taken
// from it instead of recomputed, with the same bits a full pass gives.
Trace forward(const Config& cfg, const Limits& limits = Limits{}, const Trace* prev = nullptr);

// Bytes of the n x n matrices the staged trace keeps: the quantity Limits::max_trace_bytes bounds.
double trace_bytes(int n_q, int n_k, int heads, bool linear);

// Empty when the config can run; otherwise a message naming the setting and the fix.
std::string validate(const Config& cfg, const Limits& limits = Limits{});

// The arithmetic behind one cell, for the UI's hover card and for tests.
struct Term {
  float a, b;       // the two factors (b = 1 for a plain addend)
  std::string label;
};
struct Explanation {
  bool ok = false;
  std::string symbol;     // e.g. "s₂₁"
  std::string formula;    // e.g. "q₂·k₁"
  std::vector<Term> terms;
  float value = 0;
  std::string text;       // the whole line, e.g. "s₂₁ = q₂·k₁ = 0.50×1.00 + … = 1.10"
  // the same line as markup for the typesetter (src/ui/formula.h), with real fractions and roots,
  // e.g. "α_{82} = \frac{e^{1.98 − 1.98}}{3.04} = …"; empty where text says it as well
  std::string math;
};
Explanation explain(const Trace& t, MatrixId id, int head, int row, int col);

// The selected row under every normalizer, for side-by-side bars.
struct NormalizerRow {
  Normalizer norm;
  bool ok;
  std::string error;
  std::vector<float> w;   // n_k
  RowStats stats;
};
std::vector<NormalizerRow> compare_normalizers(const Trace& t, int head, int row);

// "₁₂" for 12: subscript digits for explanation text
std::string subscript(int v);
// "3x4": a matrix's shape in messages
std::string shape_text(const Mat& m);

}  // namespace attn
