// test_scale.cpp: stage 4, scaling, against its definition.
#include <doctest.h>
#include <cmath>
#include <tuple>
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
