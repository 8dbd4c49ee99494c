// test_output.cpp: stage 8, the heads side by side (concat) and Y = concat W_o.
#include <doctest.h>
#include <cmath>
#include <tuple>
#include "engine/stages/stages.h"
#include "reference.h"

using namespace attn;

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
