// test_long.cpp: the long-sequence view: the fused trace against the three-pass reference, and
// weights recomputed from the stored log-sum-exp against softmax of the full score row.
#include <doctest.h>
#include <algorithm>
#include <cmath>
#include <limits>
#include "engine/long_attention.h"

TEST_CASE("long: fused trace matches the reference; windows of weights are softmax rows") {
  for (bool causal : {false, true}) {
    const int n = 301, d = 16;
    attn::Mat Q, K, V;
    attn::long_random_inputs(n, d, 7, &Q, &K, &V);
    attn::LongTrace t = attn::forward_long(Q, K, V, causal);
    REQUIRE(t.ok);
    CHECK(t.bytes < 4.0 * n * n);  // O(n d): less than one n x n float matrix
    attn::MaskRule rule;
    rule.kind = causal ? attn::MaskRule::Causal : attn::MaskRule::None;
    attn::Mat O(n, d);
    std::vector<float> lse(static_cast<size_t>(n));
    attn::kref::attention(n, n, d, d, Q.data(), d, K.data(), d, V.data(), d, 0.25f, rule, O.data(), d, lse.data());
    CHECK((t.O - O).cwiseAbs().maxCoeff() < 2e-5f);
    // full-resolution window: every row is a probability distribution equal to softmax(scores)
    attn::Mat w = attn::long_weights_window(t, 0, 0, 1, 1, n, n);
    for (int i : {0, 1, 150, 300}) {
      double sum = 0;
      std::vector<double> s(static_cast<size_t>(n));
      double m = -1e300;
      for (int j = 0; j < n; j++) {
        double acc = 0;
        for (int c = 0; c < d; c++) acc += double(Q(i, c)) * K(j, c);
        s[size_t(j)] = rule.allowed(i, j) ? acc * 0.25 : -std::numeric_limits<double>::infinity();
        m = std::max(m, s[size_t(j)]);
      }
      double z = 0;
      for (int j = 0; j < n; j++) z += std::exp(s[size_t(j)] - m);
      for (int j = 0; j < n; j++) {
        sum += w(i, j);
        CHECK(w(i, j) == doctest::Approx(std::exp(s[size_t(j)] - m) / z).epsilon(1e-4).scale(1e-7));
      }
      CHECK(sum == doctest::Approx(1.0).epsilon(1e-5));
    }
    // a zoomed-out window samples every 10th row and column; past the edge it is 0
    attn::Mat z = attn::long_weights_window(t, 5, 0, 10, 10, 40, 40);
    CHECK(z(3, 2) == doctest::Approx(w(35, 20)).epsilon(1e-6));
    CHECK(z(30, 30) == 0.0f);  // row 305 does not exist
    if (causal) CHECK(z(1, 5) == 0.0f);  // query 15 may not see key 50
  }
}

TEST_CASE("long: bad shapes and sizes are refused with a message") {
  attn::Mat Q = attn::Mat::Ones(4, 3), K = attn::Mat::Ones(5, 3), V = attn::Mat::Ones(4, 3);
  attn::LongTrace t = attn::forward_long(Q, K, V, false);
  CHECK_FALSE(t.ok);
  CHECK(t.error.find("same number of rows") != std::string::npos);
  K = attn::Mat::Ones(4, 3);
  K(2, 1) = std::numeric_limits<float>::quiet_NaN();
  t = attn::forward_long(Q, K, V, false);
  CHECK(t.error.find("NaN") != std::string::npos);
  CHECK(attn::long_weights_window(t, 0, 0, 1, 1, 3, 3).isZero());  // no trace: zeros, no crash
}

// The app runs long sequences a slice of rows per frame; the slices must add up to the very bits
// of one whole call, whatever the slice size and the number of threads, with and without the
// causal mask. (d = 64: slices of 7 blocks and more are enough work for threads to be used.)
TEST_CASE("long attention: a job stepped in slices gives the bits of one call") {
  const int n = 300, d = 64;
  for (bool causal : {false, true}) {
    attn::Mat Q, K, V;
    attn::long_random_inputs(n, d, 11, &Q, &K, &V);
    const attn::LongTrace whole = attn::forward_long(Q, K, V, causal);
    REQUIRE(whole.ok);
    for (int threads : {1, 2, 3})
    for (int rows : {1, 50, 7 * attn::kern::attention_row_block(), n}) {
      attn::LongJob job;
      REQUIRE(attn::long_begin(Q, K, V, causal, &job));
      job.threads = threads;
      int steps = 0;
      while (!attn::long_step(&job, rows)) {
        CHECK(!job.t.ok);  // not done: no trace to show yet
        steps++;
      }
      INFO("causal " << causal << ", threads " << threads << ", rows per step " << rows << ", steps " << steps);
      REQUIRE(job.t.ok);
      CHECK(job.t.O == whole.O);
      CHECK(job.t.lse == whole.lse);
      CHECK(steps == (n - 1) / (std::max(1, (rows + attn::kern::attention_row_block() - 1) / attn::kern::attention_row_block()) *
                                attn::kern::attention_row_block()));
    }
  }
  attn::LongJob bad;
  CHECK_FALSE(attn::long_begin(attn::Mat(3, 2), attn::Mat(4, 2), attn::Mat(4, 2), false, &bad));
  CHECK(bad.t.error.find("same number of rows") != std::string::npos);
  CHECK(attn::long_step(&bad, 10));  // a refused job is done at once, with nothing to show
  CHECK_FALSE(bad.t.ok);
}
