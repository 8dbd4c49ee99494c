// test_linear_attention.cpp: linear attention (phi = elu + 1) against its definition.
#include <doctest.h>
#include <cmath>
#include "engine/stages/stages.h"
#include "reference.h"

using namespace attn;

TEST_CASE("linear attention: O(n) output equals its implied weights times V, causal too") {
  for (bool causal : {false, true}) {
    Mat q = ref::random_mat(17, 5, 11), k = ref::random_mat(17, 5, 12), v = ref::random_mat(17, 3, 13);
    Mat out, implied;
    linear_attention(q, k, v, causal, &out, &implied);
    ref::check_close(out, ref::matmul(ref::from(implied), ref::from(v)), 1e-4, "linear out");
    for (int i = 0; i < 17; i++) {
      CHECK(implied.row(i).sum() == doctest::Approx(1.0).epsilon(1e-5));
      if (causal) for (int j = i + 1; j < 17; j++) CHECK(implied(i, j) == 0.0f);
    }
    // the definition directly: phi = elu + 1, weight_ij proportional to phi(q_i).phi(k_j)
    auto phi = [](float x) { return x > 0 ? x + 1.0 : std::exp(double(x)); };
    double num = 0, den = 0;
    for (int j = 0; j < (causal ? 5 : 17); j++) {
      double kv = 0;
      for (int t = 0; t < 5; t++) kv += phi(q(4, t)) * phi(k(j, t));
      den += kv;
      if (j == 2) num = kv;
    }
    CHECK(implied(4, 2) == doctest::Approx(num / den).epsilon(1e-5));
  }
}
