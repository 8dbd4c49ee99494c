// test_torture.cpp: numeric extremes. Every result is finite and right in the limit, or the
// run is refused with a message; never NaN, never a crash.
#include <doctest.h>
#include <cmath>
#include <limits>
#include "engine/engine.h"

using namespace attn;

namespace {
Config qkv(const Mat& q, const Mat& k, const Mat& v) {
  Config c;
  c.input = Input::QKV;
  c.Q_in = q;
  c.K_in = k;
  c.V_in = v;
  return c;
}
// either refused with a message, or every number finite
void finite_or_refused(const Trace& t) {
  if (!t.ok) { CHECK_FALSE(t.error.empty()); return; }
  CHECK(t.output.allFinite());
  for (const HeadTrace& h : t.heads) CHECK(h.weights.allFinite());
}
}  // namespace

TEST_CASE("entries of +-1e38: the scores overflow and the run is refused, not NaN") {
  Mat q(2, 2), k(2, 2), v(2, 1);
  q << 1e38f, -1e38f, 1e38f, 1e38f;
  k << 1e38f, 1e38f, -1e38f, 1e38f;
  v << 1, 2;
  Trace t = forward(qkv(q, k, v));
  CHECK_FALSE(t.ok);
  CHECK(t.error.find("scale") != std::string::npos);
  // values near the limit overflow the weighted sum: refused too
  Mat q1 = Mat::Zero(1, 1), k1 = Mat::Zero(2, 1), v1(2, 1);
  v1 << 3e38f, 3e38f;
  Trace t2 = forward(qkv(q1, k1, v1));
  CHECK(t2.ok);  // 0.5 * 3e38 + 0.5 * 3e38 = 3e38 still fits
  CHECK(t2.output(0, 0) == doctest::Approx(3e38));
}

TEST_CASE("subnormal inputs give finite, correct results") {
  const float tiny = std::numeric_limits<float>::denorm_min();
  Mat q = Mat::Constant(3, 4, tiny), k = Mat::Constant(5, 4, tiny), v = Mat::Constant(5, 2, tiny);
  Trace t = forward(qkv(q, k, v));
  REQUIRE(t.ok);
  for (int j = 0; j < 5; j++) CHECK(t.heads[0].weights(0, j) == doctest::Approx(0.2));  // scores ~ 0: uniform
  CHECK(t.output.allFinite());
}

TEST_CASE("logits of +-1e30 through a custom scale stay finite") {
  Mat q(1, 1), k(3, 1), v(3, 1);
  q << 1;
  k << 1, -1, 0.5f;
  v << 1, 2, 3;
  Config c = qkv(q, k, v);
  c.scale = ScaleMode::Custom;
  c.scale_value = 1e30f;
  for (Normalizer n : {Normalizer::Softmax, Normalizer::Sparsemax, Normalizer::Entmax, Normalizer::Hardmax, Normalizer::Sigmoid}) {
    c.normalizer = n;
    const std::string nname = name_of(n);
    CAPTURE(nname);
    Trace t = forward(c);
    REQUIRE_MESSAGE(t.ok, t.error);
    if (n != Normalizer::Sigmoid) CHECK(t.heads[0].weights(0, 0) == doctest::Approx(1.0));  // argmax takes all
    CHECK(t.output.allFinite());
  }
  c.scale_value = 3.4e38f;  // scores times this overflow: refused
  c.normalizer = Normalizer::Softmax;
  k << 2, -1, 0.5f;
  c.K_in = k;
  finite_or_refused(forward(c));
}

TEST_CASE("n = 1 and d = 1") {
  Mat one = Mat::Constant(1, 1, 0.7f);
  Trace t = forward(qkv(one, one, one));
  REQUIRE(t.ok);
  CHECK(t.heads[0].weights(0, 0) == 1.0f);
  CHECK(t.output(0, 0) == doctest::Approx(0.7));
  Config c;
  c.sentence = "alone";
  c.d_model = 1;
  c.n_heads = 1;
  for (Init i : {Init::Designed, Init::Xavier, Init::Kaiming, Init::Identity}) {
    c.init = i;
    c.posenc = PosEnc::Rope;  // an odd (size 1) head dimension stays unrotated
    Trace s = forward(c);
    REQUIRE(s.ok);
    CHECK(s.heads[0].weights(0, 0) == 1.0f);
  }
}

TEST_CASE("temperature 1e-30 and 1e30") {
  Mat q(1, 2), k(3, 2), v = Mat::Identity(3, 3);
  q << 1, 0;
  k << 0.2f, 0, 0.9f, 0, 0.4f, 0;
  Config c = qkv(q, k, v);
  c.temperature = 1e-30f;
  Trace cold = forward(c);
  REQUIRE(cold.ok);
  CHECK(cold.heads[0].weights(0, 1) == 1.0f);  // hardmax in the limit
  c.temperature = 1e30f;
  Trace hot = forward(c);
  REQUIRE(hot.ok);
  for (int j = 0; j < 3; j++) CHECK(hot.heads[0].weights(0, j) == doctest::Approx(1.0 / 3));  // uniform
  c.temperature = 0;
  CHECK_FALSE(forward(c).ok);
  c.temperature = std::numeric_limits<float>::infinity();
  CHECK_FALSE(forward(c).ok);
  c.temperature = std::numeric_limits<float>::quiet_NaN();
  CHECK_FALSE(forward(c).ok);
}

TEST_CASE("all keys masked under every normalizer, with dropout and linear attention on") {
  Config c;
  c.sentence = "a b c d";
  c.mask = MaskKind::Custom;
  c.custom_rows = c.custom_cols = 4;
  c.custom_mask.assign(16, 0);
  c.dropout = 0.5f;
  c.linear = true;
  for (Normalizer n : {Normalizer::Softmax, Normalizer::Sum, Normalizer::Sigmoid, Normalizer::Sparsemax, Normalizer::Entmax, Normalizer::Hardmax}) {
    c.normalizer = n;
    Trace t = forward(c);
    REQUIRE(t.ok);
    CHECK(t.output.cwiseAbs().maxCoeff() == 0.0f);
    for (const HeadTrace& h : t.heads)
      for (const RowStats& s : h.stats) CHECK(s.all_masked);
  }
}

TEST_CASE("extreme scaling factors") {
  for (float s : {0.0f, -1.0f, 1e-38f, 1e-45f, 1e20f, -1e20f}) {
    CAPTURE(s);
    Config c;
    c.scale = ScaleMode::Custom;
    c.scale_value = s;
    finite_or_refused(forward(c));
  }
  Config c;
  c.scale = ScaleMode::Custom;
  c.scale_value = 0;
  Trace t = forward(c);
  REQUIRE(t.ok);
  CHECK(t.heads[0].weights(0, 3) == doctest::Approx(0.1));  // all scores 0: uniform over 10 keys
}
