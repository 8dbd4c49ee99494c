// test_saturation.cpp: the "why scale by sqrt(d_k)" curve of the Scaling stage, against what
// the definition predicts: unscaled scores have variance d_k, so the largest softmax weight
// climbs towards 1 as d_k grows; scaled ones keep a spread of 1 and stay flat.
#include <doctest.h>
#include <cmath>
#include "lessons/saturation.h"

using namespace attn;

TEST_CASE("saturation curve: d_k = 1 .. 512, unscaled saturates, scaled stays flat, deterministic") {
  const auto curve = saturation_curve(16, 64, 3);
  REQUIRE(curve.size() == 10);
  for (size_t i = 0; i < curve.size(); i++) CHECK(curve[i].d_k == 1 << i);
  // d_k = 1: both are the same softmax of N(0, 1) scores
  CHECK(curve[0].max_weight_unscaled == doctest::Approx(curve[0].max_weight_scaled).epsilon(1e-6));
  // 16 keys at unit spread: E[max weight] is about 0.2 (far from 1/16 and from 1)
  for (const auto& p : curve) {
    CHECK(p.max_weight_scaled > 0.1f);
    CHECK(p.max_weight_scaled < 0.4f);
  }
  // at d_k = 512 the unscaled scores have a spread of sqrt(512) = 22.6: the top key usually leads
  // the next by several units, and takes most of the weight (0.93 over these 64 samples)
  CHECK(curve.back().max_weight_unscaled > 0.85f);
  for (size_t i = 3; i < curve.size(); i++) CHECK(curve[i].max_weight_unscaled > curve[i].max_weight_scaled);
  const auto again = saturation_curve(16, 64, 3);
  CHECK(again.back().max_weight_unscaled == curve.back().max_weight_unscaled);
}
