// formula.h: a small math typesetter for the stage formulas and the hover card: fractions with a
// bar, sums with their index below, sub- and superscripts, square roots with their bar. It lays
// out boxes from a text measure only (no ImGui here), so tests can check the boxes; formula_draw.cpp
// draws the result with ImGui's draw lists and the embedded fonts.
//
// Markup, a small subset of LaTeX:
//   x_i  x_{ij}  x^2  x^{2i/d}        sub- and superscript of the last character (or group)
//   \frac{num}{den}                   a fraction with a bar
//   \sqrt{x}                          a square root with its bar
//   \sum_{k}  \max_{k}                a big operator with its limit below (and ^{...} above)
//   {...}                             a group; \{ \} \_ \^ \\ are the characters themselves
// Everything else is text, UTF-8, drawn as it is.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace attn::ui {

// How wide a run of text is at a font size, and the font's ascent and descent per unit of size.
struct TextMeasure {
  std::function<float(const std::string& text, float size)> width;
  float ascent = 0.8f;   // above the baseline, times the size
  float descent = 0.2f;  // below the baseline, times the size
};

// One thing to draw, relative to the formula's origin: x to the right, y down, baseline at y = 0.
struct FormulaOp {
  enum Kind { Text, Line } kind = Text;
  float x = 0, y = 0;    // Text: the start of the text's baseline; Line: one end
  float x1 = 0, y1 = 0;  // Line: the other end
  float size = 0;        // Text: font size; Line: thickness
  std::string text;
};

// A laid-out formula: its width, its extent above and below the baseline, and what to draw.
struct FormulaBox {
  float w = 0, asc = 0, desc = 0;
  std::vector<FormulaOp> ops;
  float height() const { return asc + desc; }
};

// Lays out markup at font size `size`. Malformed markup (an unclosed brace, \frac with one
// argument) is laid out as far as it goes, never refused: a formula is always drawn.
FormulaBox typeset(const std::string& markup, const TextMeasure& m, float size);

// The markup with its commands removed, for tooltips, tests and plain-text exports:
// "\frac{a}{b}" -> "a/b", "x_{ij}" -> "x_ij".
std::string formula_plain(const std::string& markup);

}  // namespace attn::ui
