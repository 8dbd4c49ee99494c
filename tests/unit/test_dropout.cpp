// test_dropout.cpp: training-mode dropout on the weights (normalize.cpp).
#include <doctest.h>
#include "engine/engine.h"

using namespace attn;

TEST_CASE("dropout is seeded, zeroes cells and rescales the rest") {
  Config c;
  c.dropout = 0.5f;
  Trace a = forward(c), b = forward(c);
  c.dropout = 0;
  Trace plain = forward(c);
  REQUIRE(a.ok);
  CHECK(a.heads[0].weights == b.heads[0].weights);
  int zeros = 0;
  for (Eigen::Index i = 0; i < a.heads[0].weights.size(); i++) {
    float w = a.heads[0].weights.data()[i], p = plain.heads[0].weights.data()[i];
    if (w == 0) zeros++;
    else CHECK(w == doctest::Approx(2 * p));
  }
  CHECK(zeros > 20);  // 100 cells at p = 0.5
}
