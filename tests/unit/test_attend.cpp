// test_attend.cpp: stage 7, the weighted sum O = A V, against the naive product.
#include <doctest.h>
#include <cmath>
#include <tuple>
#include "engine/stages/stages.h"
#include "reference.h"

using namespace attn;

TEST_CASE("attend: O = A V against the naive product at odd sizes") {
  for (auto [nq, nk, dv] : {std::tuple{1, 1, 1}, {3, 17, 5}, {17, 33, 3}}) {
    Mat a = ref::random_mat(nq, nk, 4), v = ref::random_mat(nk, dv, 5);
    ref::check_close(attend(a, v), ref::matmul(ref::from(a), ref::from(v)), 1e-5, "A V");
  }
}
