// test_stages_small.cpp: the small stages against their definitions: scale (4), attend (7) and
// output (8), with the head slicing that feeds them.
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

TEST_CASE("attend: O = A V against the naive product at odd sizes") {
  for (auto [nq, nk, dv] : {std::tuple{1, 1, 1}, {3, 17, 5}, {17, 33, 3}}) {
    Mat a = ref::random_mat(nq, nk, 4), v = ref::random_mat(nk, dv, 5);
    ref::check_close(attend(a, v), ref::matmul(ref::from(a), ref::from(v)), 1e-5, "A V");
  }
}

TEST_CASE("output: head slices round-trip into concat; Y = concat W_o against the naive product") {
  Mat q = ref::random_mat(5, 12, 6);
  Mat concat(5, 12);
  for (int h = 0; h < 3; h++) {
    Mat slice = head_cols(q, h * 4, 4);  // (5, 4)
    for (int i = 0; i < 5; i++)
      for (int j = 0; j < 4; j++) CHECK(slice(i, j) == q(i, h * 4 + j));
    set_head_cols(slice, h * 4, &concat);
  }
  CHECK(concat == q);
  Mat wo = ref::random_mat(12, 12, 7);
  ref::check_close(output_projection(concat, wo), ref::matmul(ref::from(concat), ref::from(wo)), 1e-5, "concat W_o");
}
