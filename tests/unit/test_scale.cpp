// test_scale.cpp: stage 4, scaling, against its definition.
#include <doctest.h>
#include <cmath>
#include <tuple>
#include "engine/check.h"
#include "engine/stages/stages.h"
#include "reference.h"

using namespace attn;

TEST_CASE("scale: auto is 1/sqrt(d_head), none is 1, custom is the value; scaled = scores x factor") {
  Config c;
  CHECK(scale_factor(c, 16) == 0.25f);
  CHECK(scale_factor(c, 3) == 1.0f / std::sqrt(3.0f));
  c.scale = ScaleMode::None;
  CHECK(scale_factor(c, 16) == 1.0f);
  c.scale = ScaleMode::Custom;
  c.scale_value = -0.5f;
  CHECK(scale_factor(c, 16) == -0.5f);
  Mat s = ref::random_mat(5, 7, 3);
  Mat t = scale_scores(s, 0.37f);
  for (int i = 0; i < s.size(); i++) CHECK(t.data()[i] == s.data()[i] * 0.37f);  // one rounding each
}

TEST_CASE("ALiBi: Press et al.'s slopes for any number of heads; the bias and soft-capping by definition") {
  // 8 heads: 1/2, 1/4, ..., 1/256
  const std::vector<double> s8 = alibi_slopes(8);
  REQUIRE(s8.size() == 8);
  for (int h = 0; h < 8; h++) CHECK(s8[size_t(h)] == doctest::Approx(std::pow(0.5, h + 1)));
  // 6 heads: the 4-head slopes 2^-2, 2^-4, 2^-6, 2^-8, then every other 8-head slope: 2^-1, 2^-3
  const std::vector<double> s6 = alibi_slopes(6);
  const double want6[] = {0.25, 0.0625, 0.015625, 0.00390625, 0.5, 0.125};
  REQUIRE(s6.size() == 6);
  for (int h = 0; h < 6; h++) CHECK(s6[size_t(h)] == doctest::Approx(want6[h]));
  Mat z = Mat::Zero(3, 5);
  add_alibi(&z, 0.5, 2, true);  // query i at position i + 2
  CHECK(z(0, 0) == -1.0f);      // -0.5 (2 - 0)
  CHECK(z(2, 4) == 0.0f);
  Mat b = Mat::Zero(2, 4);
  add_alibi(&b, 0.25, 0, false);
  CHECK(b(0, 3) == -0.75f);     // -0.25 |0 - 3|
  CHECK(b(1, 0) == -0.25f);
  Mat cap(1, 3);
  cap << -100.0f, 0.5f, 30.0f;
  soft_cap(&cap, 20.0f);
  CHECK(cap(0, 0) == doctest::Approx(20.0 * std::tanh(-5.0)));
  CHECK(cap(0, 1) == doctest::Approx(20.0 * std::tanh(0.025)));
  CHECK(std::fabs(cap(0, 2)) < 20.0f);
}

TEST_CASE("check's rounding: fp16 and bf16 round to nearest even, fp16 overflows to inf") {
  CHECK(round_to(1.0 + 1.0 / 2048, Precision::F16) == 1.0);              // a tie: to the even neighbour
  CHECK(round_to(1.0 + 3.0 / 2048, Precision::F16) == 1.0 + 2.0 / 1024);  // a tie the other way
  CHECK(round_to(65504.0, Precision::F16) == 65504.0);
  CHECK(std::isinf(round_to(65520.0, Precision::F16)));
  CHECK(round_to(std::ldexp(1.0, -25) * 3, Precision::F16) == std::ldexp(1.0, -23));  // subnormal steps of 2^-24
  CHECK(round_to(1.0 + 1.0 / 256, Precision::BF16) == 1.0);
  CHECK(round_to(3.14159, Precision::BF16) == 3.140625);
  CHECK(round_to(0.1, Precision::F32) == double(0.1f));
}
