// test_posenc.cpp: stage 1b, positional encodings, against their definitions.
#include <doctest.h>
#include <cmath>
#include "engine/stages/stages.h"
#include "reference.h"

using namespace attn;

TEST_CASE("sinusoidal table follows the definition") {
  Mat pe = sinusoidal_table(5, 6);
  CHECK(pe(0, 0) == doctest::Approx(0.0));
  CHECK(pe(0, 1) == doctest::Approx(1.0));
  CHECK(pe(3, 2) == doctest::Approx(std::sin(3 / std::pow(10000.0, 2.0 / 6))));
  CHECK(pe(3, 5) == doctest::Approx(std::cos(3 / std::pow(10000.0, 4.0 / 6))));
}

TEST_CASE("RoPE makes q.k depend only on the offset i - j") {
  Mat q = ref::random_mat(1, 8, 5), k = ref::random_mat(1, 8, 6);
  Mat Q(6, 8), K(6, 8);
  for (int i = 0; i < 6; i++) { Q.row(i) = q; K.row(i) = k; }
  apply_rope(&Q, 2);
  apply_rope(&K, 2);
  // per head, (pos 3, pos 1) and (pos 5, pos 3) have the same offset
  for (int h = 0; h < 2; h++) {
    float a = Q.row(3).segment(h * 4, 4).dot(K.row(1).segment(h * 4, 4));
    float b = Q.row(5).segment(h * 4, 4).dot(K.row(3).segment(h * 4, 4));
    CHECK(a == doctest::Approx(b).epsilon(1e-5));
  }
  CHECK(Q.row(4).norm() == doctest::Approx(q.norm()).epsilon(1e-6));
}
