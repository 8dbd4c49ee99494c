// test_scores.cpp: stage 3, the score functions, against their definitions.
#include <doctest.h>
#include <cmath>
#include "engine/engine.h"
#include "engine/stages/stages.h"
#include "reference.h"

using namespace attn;

TEST_CASE("additive scores follow v.tanh(W1 q + W2 k)") {
  Config c;
  c.score = ScoreFn::Additive;
  Trace t = forward(c);
  REQUIRE(t.ok);
  const HeadTrace& h = t.heads[1];
  double s = 0;
  for (int u = 0; u < t.d_head; u++) {
    double a = 0, b = 0;
    for (int w = 0; w < t.d_head; w++) { a += h.add_w1(u, w) * h.q(2, w); b += h.add_w2(u, w) * h.k(5, w); }
    s += h.add_v(0, u) * std::tanh(a + b);
  }
  CHECK(h.scores(2, 5) == doctest::Approx(s).epsilon(1e-5));
}
