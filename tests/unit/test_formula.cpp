// test_formula.cpp: the formula typesetter's boxes (src/ui/formula.cpp, which has no ImGui in it),
// measured with a plain font model: every character 0.5 em wide, ascent 0.8 em, descent 0.2 em.
#include <doctest.h>
#include <string>
#include "ui/formula.h"

using namespace attn::ui;

namespace {
size_t chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}
const TextMeasure kFont{[](const std::string& s, float size) { return 0.5f * size * float(chars(s)); }, 0.8f, 0.2f};

// the text ops of a box, in drawing order
std::vector<FormulaOp> texts(const FormulaBox& b) {
  std::vector<FormulaOp> t;
  for (const FormulaOp& op : b.ops)
    if (op.kind == FormulaOp::Text && !op.text.empty()) t.push_back(op);
  return t;
}
int lines(const FormulaBox& b) {
  int n = 0;
  for (const FormulaOp& op : b.ops) n += op.kind == FormulaOp::Line;
  return n;
}
}  // namespace

TEST_CASE("formula: plain text is one run on the baseline, as wide as the font says") {
  FormulaBox b = typeset("Q = X W", kFont, 20);
  CHECK(b.w == doctest::Approx(0.5 * 20 * 7));
  CHECK(b.asc == doctest::Approx(16));
  CHECK(b.desc == doctest::Approx(4));
  REQUIRE(texts(b).size() == 1);
  CHECK(texts(b)[0].y == 0);
}

TEST_CASE("formula: a subscript sits below the baseline and smaller; a superscript above") {
  FormulaBox sub = typeset("s_{ij}", kFont, 20);
  auto t = texts(sub);
  REQUIRE(t.size() == 2);
  CHECK(t[0].text == "s");
  CHECK(t[1].text == "ij");
  CHECK(t[1].y > 0);                  // below the baseline (y grows downwards)
  CHECK(t[1].size < t[0].size);
  CHECK(t[1].x >= kFont.width("s", 20));
  CHECK(sub.desc > 0.2f * 20);        // deeper than plain text
  FormulaBox sup = typeset("e^{x}", kFont, 20);
  t = texts(sup);
  REQUIRE(t.size() == 2);
  CHECK(t[1].y < 0);
  CHECK(sup.asc > 0.8f * 20);         // taller than plain text
  // only the last character takes the script: "max_k" as text scripts the x, \max takes a limit
  t = texts(typeset("ab_c", kFont, 20));
  REQUIRE(t.size() == 3);
  CHECK(t[0].text == "a");
  CHECK(t[1].text == "b");
}

TEST_CASE("formula: a fraction is taller than its numerator, with the bar between num and den") {
  FormulaBox num = typeset("e^{x}", kFont, 20), f = typeset("\\frac{e^{x}}{\\sum_k e^{x_k}}", kFont, 20);
  CHECK(f.height() > num.height());
  CHECK(f.asc > 0.3f * 20);           // the numerator is above the math axis
  CHECK(f.desc > 0.2f * 20);          // the denominator hangs below the baseline
  REQUIRE(lines(f) == 1);
  float bar_y = 0;
  for (const FormulaOp& op : f.ops)
    if (op.kind == FormulaOp::Line) { bar_y = op.y; CHECK(op.y1 == op.y); }
  auto t = texts(f);
  REQUIRE(t.size() >= 4);
  CHECK(t[0].text == "e");
  CHECK(t[0].y < bar_y);              // numerator above the bar
  CHECK(t.back().y > bar_y);          // denominator below it
  // centred: the narrower part is indented
  FormulaBox g = typeset("\\frac{1}{abcd}", kFont, 20);
  CHECK(texts(g)[0].x > texts(g)[1].x);
}

TEST_CASE("formula: a sum has its index below, a root its bar above the body") {
  FormulaBox s = typeset("\\sum_{k} x", kFont, 20);
  auto t = texts(s);
  REQUIRE(t.size() == 3);
  CHECK(t[0].text == "Σ");
  CHECK(t[0].size > 20);              // the operator is larger
  CHECK(t[1].text == "k");
  CHECK(t[1].y > t[0].y);             // the index below the operator
  CHECK(t[2].x > t[0].x);
  FormulaBox r = typeset("\\sqrt{d_k}", kFont, 20);
  CHECK(lines(r) == 3);               // two strokes and the bar
  float bar = 1e9f;
  for (const FormulaOp& op : r.ops)
    if (op.kind == FormulaOp::Line && op.y == op.y1) bar = op.y;
  CHECK(bar < -0.8f * 20);            // above the body's ascent
  CHECK(r.asc > 0.8f * 20);
}

TEST_CASE("formula: malformed markup is drawn as far as it goes; plain text for tooltips") {
  CHECK(typeset("\\frac{a", kFont, 20).w > 0);
  CHECK(typeset("x_", kFont, 20).w > 0);
  CHECK(typeset("}{", kFont, 20).w > 0);
  CHECK(typeset("", kFont, 20).w == 0);
  CHECK(formula_plain("\\frac{a}{b c}") == "a/(b c)");
  CHECK(formula_plain("α_{ij} = \\sqrt{d}") == "α_ij = √d");
  CHECK(formula_plain("\\sum_{k} e^{x}") == "Σ_k e^x");
  CHECK(formula_plain("\\{x\\}") == "{x}");
}
