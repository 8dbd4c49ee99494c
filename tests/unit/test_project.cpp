// test_project.cpp: stage 2, the projections and the weights they use: initializations against
// their definitions (with the very bits on every platform), and the reuse of the last pass's rows.
#include <doctest.h>
#include <cmath>
#include "core/rng.h"
#include "engine/stages/stages.h"
#include "reference.h"

using namespace attn;

namespace {
// lo + (hi - lo) u, rounded to float after each operation: what every platform must compute.
// volatile keeps the compiler from fusing the multiply and the add (an FMA rounds once, and
// would give other bits on the x86 desktop build than in the browser, where wasm has no FMA).
float uniform_by_definition(float lo, float hi, float u) {
  volatile float span = hi - lo;
  volatile float prod = span * u;
  return lo + prod;
}
}  // namespace

TEST_CASE("init: Xavier is U(-a, a), a = sqrt(6 / 2d), with the bits of the definition on every platform") {
  const int d = 6;
  Rng rng(42), twin(42);
  Mat w = init_weights(Init::Xavier, Target::Wq, d, &rng);  // (6, 6)
  const float a = std::sqrt(6.0f / float(d + d));
  for (int i = 0; i < w.size(); i++) {
    const float u = twin.uniform();
    CHECK(w.data()[i] == uniform_by_definition(-a, a, u));
    CHECK(std::fabs(w.data()[i]) <= a);
  }
}

TEST_CASE("init: Kaiming is N(0, 2/d); designed and identity are readable") {
  const int d = 64;
  Rng rng(7), twin(7);
  Mat w = init_weights(Init::Kaiming, Target::Wk, d, &rng);  // (64, 64)
  const float sd = std::sqrt(2.0f / float(d));
  double sq = 0;
  for (int i = 0; i < w.size(); i++) {
    CHECK(w.data()[i] == sd * twin.normal());
    sq += double(w.data()[i]) * w.data()[i];
  }
  CHECK(sq / double(w.size()) == doctest::Approx(2.0 / d).epsilon(0.1));  // 4096 draws: within 10 %
  Mat id = init_weights(Init::Identity, Target::Wv, 5, &rng);
  CHECK(id == Mat(Mat::Identity(5, 5)));
  Mat q = init_weights(Init::Designed, Target::Wq, 8, &rng);
  CHECK(q(kAction, kAnimate) == 0.6f);  // a verb looks for its actors
  CHECK(q(kPronoun, kPronoun) == 0.0f); // a pronoun does not look for pronouns
  CHECK(init_weights(Init::Designed, Target::Wk, 8, &rng) == Mat(Mat::Identity(8, 8)));
}

TEST_CASE("init: draw_weights draws W_q, W_k, W_v, W_o in that order from one seed") {
  SharedMat w[4];
  draw_weights(Init::Xavier, 5, 9, w);
  Rng rng(9);
  const Target order[4] = {Target::Wq, Target::Wk, Target::Wv, Target::X};
  for (int i = 0; i < 4; i++) CHECK(w[i].get() == init_weights(Init::Xavier, order[i], 5, &rng));
}

TEST_CASE("project: rows taken from the last pass give the bits of a full product") {
  const int n = 13, d = 7;
  Mat x = ref::random_mat(n, d, 1), xs = ref::random_mat(n + 2, d, 2);
  SharedMat wq{std::make_shared<const Mat>(ref::random_mat(d, d, 3))}, wk{std::make_shared<const Mat>(ref::random_mat(d, d, 4))},
      wv{std::make_shared<const Mat>(ref::random_mat(d, d, 5))};
  Mat q0, k0, v0;
  project_qkv(Projection{&x, &xs, &wq, &wk, &wv, nullptr, nullptr, nullptr}, nullptr, &q0, &k0, &v0);
  ref::check_close(q0, ref::matmul(ref::from(x), ref::from(wq.get())), 1e-5, "q");
  ref::check_close(v0, ref::matmul(ref::from(xs), ref::from(wv.get())), 1e-5, "v");
  // one cell of each input changes: its row is redone, the rest come from the last pass
  Mat x1 = x, xs1 = xs;
  x1(4, 2) += 1.5f;
  xs1(9, 0) -= 0.75f;
  const Projection before{&x, &xs, &wq, &wk, &wv, &q0, &k0, &v0};
  Mat q1, k1, v1, qf, kf, vf;
  project_qkv(Projection{&x1, &xs1, &wq, &wk, &wv, nullptr, nullptr, nullptr}, &before, &q1, &k1, &v1);
  project_qkv(Projection{&x1, &xs1, &wq, &wk, &wv, nullptr, nullptr, nullptr}, nullptr, &qf, &kf, &vf);
  CHECK(q1 == qf);
  CHECK(k1 == kf);
  CHECK(v1 == vf);
  CHECK(q1.row(4) != q0.row(4));
  CHECK(changed_rows(x1, x) == std::vector<int>{4});
  // other weights (same shape): the last pass's rows must not be used
  SharedMat wq2{std::make_shared<const Mat>(ref::random_mat(d, d, 6))};
  project_qkv(Projection{&x1, &xs1, &wq2, &wk, &wv, nullptr, nullptr, nullptr}, &before, &q1, &k1, &v1);
  ref::check_close(q1, ref::matmul(ref::from(x1), ref::from(wq2.get())), 1e-5, "q with new W_q");
}
