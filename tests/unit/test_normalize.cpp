// test_normalize.cpp: the normalizers, checked against worked examples (values from numpy)
// and against their defining properties.
#include <doctest.h>
#include <cmath>
#include <limits>
#include "engine/stages/stages.h"

using namespace attn;

namespace {
std::vector<float> norm(std::vector<float> x, Normalizer n, float T = 1.0f, float alpha = 1.5f) {
  RowResult r;
  std::string err;
  REQUIRE(normalize_row(x.data(), int(x.size()), n, T, alpha, &r, &err));
  return r.w;
}
void check_row(const std::vector<float>& got, const std::vector<double>& want, double tol) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); i++) CHECK_MESSAGE(std::fabs(got[i] - want[i]) <= tol, "index " << i << ": " << got[i] << " vs " << want[i]);
}
double sum(const std::vector<float>& w) { double s = 0; for (float v : w) s += v; return s; }
const float NINF = -std::numeric_limits<float>::infinity();
}  // namespace

TEST_CASE("softmax worked examples") {
  // numpy: exp(x - max) / sum
  check_row(norm({1.0f, 0.5f, 2.5f, -0.1f}, Normalizer::Softmax), {0.15573678, 0.09445913, 0.69796382, 0.05184027}, 1e-6);
  check_row(norm({0.6f, 0.3f, 1.1f}, Normalizer::Softmax), {0.29502533, 0.21856014, 0.48641453}, 1e-6);
  check_row(norm({4, 2, 1}, Normalizer::Softmax), {0.84379473, 0.1141952, 0.04201007}, 1e-6);
  check_row(norm({4, 2, 1}, Normalizer::Sum), {4.0 / 7, 2.0 / 7, 1.0 / 7}, 1e-7);
}

TEST_CASE("softmax is shift invariant and stable at +-1e30") {
  auto a = norm({0.3f, -1.2f, 2.0f, 0.7f}, Normalizer::Softmax);
  auto b = norm({100.3f, 98.8f, 102.0f, 100.7f}, Normalizer::Softmax);
  check_row(a, {b[0], b[1], b[2], b[3]}, 1e-5);
  auto big = norm({1e30f, -1e30f, 1e30f}, Normalizer::Softmax);
  check_row(big, {0.5, 0.0, 0.5}, 0);
  CHECK(sum(norm({1e30f, 1e30f, 1e30f, -1e30f}, Normalizer::Softmax)) == doctest::Approx(1.0));
}

TEST_CASE("temperature limits: T->0 is hardmax, T->inf is uniform") {
  auto cold = norm({0.2f, 0.9f, 0.5f, 0.9f}, Normalizer::Softmax, 1e-30f);
  check_row(cold, {0, 0.5, 0, 0.5}, 1e-7);
  check_row(norm({0.2f, 0.9f, 0.5f, 0.9f}, Normalizer::Hardmax), {0, 0.5, 0, 0.5}, 0);
  auto hot = norm({0.2f, 0.9f, 0.5f, -3.0f}, Normalizer::Softmax, 1e30f);
  check_row(hot, {0.25, 0.25, 0.25, 0.25}, 1e-7);
}

TEST_CASE("sparsemax and entmax give exact zeros and sum to 1") {
  // numpy: sort, cumulative support condition 1 + k z_(k) > sum_{j<=k} z_(j)
  check_row(norm({0.6f, 0.3f, 1.1f}, Normalizer::Sparsemax), {0.25, 0.0, 0.75}, 1e-6);
  check_row(norm({1.0f, 0.9f, 0.1f}, Normalizer::Sparsemax), {0.55, 0.45, 0.0}, 1e-6);
  // numpy bisection of [(a-1) z - tau]_+^(1/(a-1)), 200 steps
  auto e = norm({1.0f, 0.9f, 0.1f, -2.0f}, Normalizer::Entmax, 1, 1.5f);
  check_row(e, {0.5009187, 0.43264309, 0.06643821, 0.0}, 1e-5);
  CHECK(e[3] == 0.0f);
  check_row(norm({0.6f, 0.3f, 1.1f}, Normalizer::Entmax, 1, 1.5f), {0.27033735, 0.13685542, 0.59280723}, 1e-5);
  // general alpha by bisection
  check_row(norm({1.0f, 0.9f, 0.1f, -2.0f}, Normalizer::Entmax, 1, 1.25f), {0.462169877, 0.408614795, 0.129184492, 3.08358990e-05}, 1e-5);
  for (Normalizer n : {Normalizer::Sparsemax, Normalizer::Entmax}) {
    auto w = norm({3.0f, -1.0f, 0.5f, 2.9f, -7.0f}, n);
    CHECK(sum(w) == doctest::Approx(1.0).epsilon(1e-6));
    CHECK(w[4] == 0.0f);  // far below the threshold: exactly zero, not tiny
  }
  // alpha = 1 is softmax, alpha = 2 is sparsemax
  check_row(norm({0.6f, 0.3f, 1.1f}, Normalizer::Entmax, 1, 1.0f), {0.29502533, 0.21856014, 0.48641453}, 1e-6);
  check_row(norm({0.6f, 0.3f, 1.1f}, Normalizer::Entmax, 1, 2.0f), {0.25, 0.0, 0.75}, 1e-6);
}

TEST_CASE("sum normalization refuses non-positive scores and names the key") {
  float x[] = {0.5f, -0.2f, 1.0f};
  RowResult r;
  std::string err;
  CHECK_FALSE(normalize_row(x, 3, Normalizer::Sum, 1, 1.5f, &r, &err));
  CHECK(err.find("key 2") != std::string::npos);
  CHECK(err.find("has score -0.2;") != std::string::npos);  // the score as written, not -0.200000
  float tiny[] = {0.5f, -1e-9f};
  CHECK_FALSE(normalize_row(tiny, 2, Normalizer::Sum, 1, 1.5f, &r, &err));
  CHECK(err.find("has score -1e-09;") != std::string::npos);  // not rounded to -0.000000
}

TEST_CASE("sigmoid is per cell and unnormalized") {
  auto w = norm({0.0f, 2.0f, -2.0f}, Normalizer::Sigmoid);
  check_row(w, {0.5, 1 / (1 + std::exp(-2.0)), 1 / (1 + std::exp(2.0))}, 1e-7);
}

TEST_CASE("masked keys get exactly zero; a fully masked row is zero and flagged") {
  for (Normalizer n : {Normalizer::Softmax, Normalizer::Sum, Normalizer::Sigmoid, Normalizer::Sparsemax, Normalizer::Entmax, Normalizer::Hardmax}) {
    auto w = norm({0.5f, NINF, 1.0f}, n);
    CHECK(w[1] == 0.0f);
    float all[] = {NINF, NINF};
    RowResult r;
    std::string err;
    REQUIRE(normalize_row(all, 2, n, 1, 1.5f, &r, &err));
    CHECK(r.all_masked);
    CHECK(r.w[0] == 0.0f);
    CHECK(r.w[1] == 0.0f);
  }
}

TEST_CASE("row statistics") {
  float w[] = {0.5f, 0.5f, 0.0f};
  RowStats s = row_stats(w, 3, false);
  CHECK(s.entropy == doctest::Approx(std::log(2.0)));
  CHECK(s.max_w == 0.5f);
  CHECK(s.nonzero == 2);
}
