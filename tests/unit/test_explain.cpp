// test_explain.cpp: the arithmetic behind a cell, as the hover card shows it.
#include <doctest.h>
#include <cmath>
#include "engine/engine.h"
#include "reference.h"

using namespace attn;

TEST_CASE("explain gives the arithmetic of a score and of a softmax weight") {
  Config c;
  c.input = Input::QKV;
  c.Q_in = Mat(1, 4); c.Q_in << 1, 0, 1, 0;
  c.K_in = Mat(3, 4); c.K_in << 0.5f, 0.2f, 0.1f, 0.3f, 0.1f, 0.8f, 0.2f, 0.1f, 0.2f, 0.1f, 0.9f, 0.4f;
  c.V_in = Mat::Identity(3, 3);
  c.scale = ScaleMode::None;
  Trace t = forward(c);
  REQUIRE(t.ok);
  Explanation s = explain(t, MatrixId::Scores, 0, 0, 2);
  REQUIRE(s.ok);
  CHECK(s.terms.size() == 4);
  CHECK(s.value == doctest::Approx(1.1));
  CHECK(s.text == "s₁₃ = q₁·k₃ = 1.00×0.20 + 0.00×0.10 + 1.00×0.90 + 0.00×0.40 = 1.10");
  Explanation w = explain(t, MatrixId::Weights, 0, 0, 0);
  CHECK(w.value == doctest::Approx(0.29502533));
  // e^(0.6 - 1.1) = 0.607; denominator = 1 + e^-0.5 + e^-0.8 = 2.056
  CHECK(w.text == "α₁₁ = e^(0.60−1.10) / Σ = 0.607/2.06 = 0.295");
  // the same line for the typesetter: real fractions (src/ui/formula.h markup)
  CHECK(w.math == "α_{11} = \\frac{e^{0.60 − 1.10}}{2.06} = \\frac{0.607}{2.06} = 0.295");
  CHECK(s.math == "s_{13} = q_{1}·k_{3} = 1.00×0.20 + 0.00×0.10 + 1.00×0.90 + 0.00×0.40 = 1.10");
  c.scale = ScaleMode::Auto;  // s' = s x 1/sqrt(4): a root in the card
  Trace ta = forward(c);
  CHECK(explain(ta, MatrixId::Scaled, 0, 0, 2).math == "s′_{13} = 1.10 × \\frac{1}{\\sqrt{4}} = 0.55");
  Explanation o = explain(t, MatrixId::HeadOut, 0, 0, 2);
  CHECK(o.value == doctest::Approx(0.48641453));
  CHECK_FALSE(explain(t, MatrixId::Scores, 0, 5, 0).ok);  // out of range: refused, no crash
}
