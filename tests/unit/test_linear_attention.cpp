// test_linear_attention.cpp: linear attention (phi = elu + 1) against its definition.
#include <doctest.h>
#include <cmath>
#include <tuple>
#include <vector>
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

TEST_CASE("linear attention backward: dq, dk, dv against central differences of its definition") {
  for (bool causal : {false, true}) {
    const Mat q = ref::random_mat(6, 3, 21), k = ref::random_mat(6, 3, 22), v = ref::random_mat(6, 2, 23);
    const Mat dO = ref::random_mat(6, 2, 24);
    MatD dq, dk, dv;
    linear_attention_backward(q, k, v, causal, dO.cast<double>(), &dq, &dk, &dv);
    // L = Σ dO ⊙ out, out from the definition in double: Σ_j φ(q_i)·φ(k_j) v_j / Σ_j φ(q_i)·φ(k_j)
    auto phi = [](double x) { return x > 0 ? x + 1 : std::exp(x); };
    auto loss = [&](const MatD& Q, const MatD& K, const MatD& V) {
      double L = 0;
      for (int i = 0; i < 6; i++) {
        double den = 0;
        std::vector<double> num(2, 0.0);
        for (int j = 0; j < (causal ? i + 1 : 6); j++) {
          double kap = 0;
          for (int t = 0; t < 3; t++) kap += phi(Q(i, t)) * phi(K(j, t));
          den += kap;
          for (int c = 0; c < 2; c++) num[size_t(c)] += kap * V(j, c);
        }
        for (int c = 0; c < 2; c++) L += double(dO(i, c)) * num[size_t(c)] / den;
      }
      return L;
    };
    MatD Q = q.cast<double>(), K = k.cast<double>(), V = v.cast<double>();
    for (auto item : {std::tuple{&Q, &dq, "dq"}, {&K, &dk, "dk"}, {&V, &dv, "dv"}}) {
      MatD* m = std::get<0>(item);
      const MatD* g = std::get<1>(item);
      const char* name = std::get<2>(item);  // (not a structured binding: INFO may not capture one in C++17)
      for (Eigen::Index i = 0; i < m->size(); i++) {
        const double keep = m->data()[i], h = 1e-6;
        m->data()[i] = keep + h;
        const double up = loss(Q, K, V);
        m->data()[i] = keep - h;
        const double down = loss(Q, K, V);
        m->data()[i] = keep;
        INFO(name << " cell " << i << (causal ? " causal" : ""));
        CHECK(g->data()[i] == doctest::Approx((up - down) / (2 * h)).epsilon(1e-6).scale(1));
      }
    }
  }
}
