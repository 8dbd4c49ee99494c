// test_mask.cpp: the mask stage against its definitions, cell by cell: build_mask's rules
// (causal j <= i, window |i - j| <= w, padding columns, a painted mask) and apply_mask
// (a blocked cell becomes -inf, an allowed one keeps its bits), at odd sizes and densities.
#include <doctest.h>
#include <cmath>
#include <cstring>
#include <limits>
#include "engine/engine.h"
#include "core/rng.h"
#include "engine/stages/stages.h"

using namespace attn;

namespace {
Mat random_scores(int r, int c, uint64_t seed) {
  Rng rng(seed);
  Mat m(r, c);  // (r, c)
  for (Eigen::Index i = 0; i < m.size(); i++) m.data()[i] = rng.uniform(-3.0f, 3.0f);
  return m;
}
}  // namespace

TEST_CASE("build_mask follows each rule's definition, cell by cell") {
  for (auto [nq, nk] : {std::pair{1, 1}, {3, 7}, {17, 33}, {33, 17}}) {
    Config c;
    c.mask = MaskKind::Causal;
    MaskBits m = build_mask(c, nq, nk, nullptr);
    for (int i = 0; i < nq; i++)
      for (int j = 0; j < nk; j++) REQUIRE(m[size_t(i) * nk + j] == (j <= i ? 1 : 0));
    c.mask = MaskKind::Window;
    c.window = 2;
    m = build_mask(c, nq, nk, nullptr);
    for (int i = 0; i < nq; i++)
      for (int j = 0; j < nk; j++) REQUIRE(m[size_t(i) * nk + j] == (std::abs(i - j) <= 2 ? 1 : 0));
    c.mask = MaskKind::Padding;
    c.padding = {0, nk - 1, nk + 5, -1};  // out-of-range columns are ignored
    m = build_mask(c, nq, nk, nullptr);
    for (int i = 0; i < nq; i++)
      for (int j = 0; j < nk; j++) REQUIRE(m[size_t(i) * nk + j] == (j == 0 || j == nk - 1 ? 0 : 1));
  }
}

TEST_CASE("apply_mask: blocked cells are -inf, allowed cells keep their bits, any run of blocked cells") {
  const float ninf = -std::numeric_limits<float>::infinity();
  Rng rng(11);
  for (auto [nq, nk] : {std::pair{1, 1}, {3, 7}, {17, 33}, {64, 5}, {5, 300}})
    for (float density : {0.0f, 0.1f, 0.5f, 0.9f, 1.0f}) {  // share of blocked cells
      const Mat s = random_scores(nq, nk, uint64_t(nq * 1000 + nk));
      MaskBits allowed(size_t(nq) * nk);
      for (uint8_t& a : allowed) a = rng.uniform(0.0f, 1.0f) < density ? 0 : 1;
      if (nk > 2 && density > 0 && density < 1) {  // runs touching both row ends
        allowed[0] = allowed[1] = 0;
        allowed[size_t(nk) - 1] = 0;
      }
      const Mat m = apply_mask(s, allowed);
      REQUIRE(m.rows() == nq);
      REQUIRE(m.cols() == nk);
      for (int i = 0; i < nq; i++)
        for (int j = 0; j < nk; j++) {
          const size_t at = size_t(i) * nk + j;
          if (allowed[at]) REQUIRE(std::memcmp(&m(i, j), &s(i, j), sizeof(float)) == 0);
          else REQUIRE(m(i, j) == ninf);
        }
    }
}

TEST_CASE("causal alignment: top-left is tril(diagonal=0), bottom-right tril(diagonal=n_k-n_q); sink tokens") {
  Config c;
  for (auto sizes : {std::pair{3, 6}, {6, 3}, {4, 4}}) {
    const int nq = sizes.first, nk = sizes.second;  // (structured bindings cannot be captured by INFO in C++17)
    c.mask = MaskKind::Causal;
    const MaskBits tl = build_mask(c, nq, nk, nullptr);
    c.mask = MaskKind::CausalBottomRight;
    const MaskBits br = build_mask(c, nq, nk, nullptr);
    for (int i = 0; i < nq; i++)
      for (int j = 0; j < nk; j++) {
        INFO("n_q " << nq << " n_k " << nk << " cell " << i << "," << j);
        CHECK(tl[size_t(i) * nk + j] == (j <= i));
        CHECK(br[size_t(i) * nk + j] == (j <= i + nk - nq));
      }
  }
  // n_q > n_k bottom-right: the first rows see nothing at all (0 weights, never NaN)
  c.mask = MaskKind::CausalBottomRight;
  c.input = Input::QKV;
  c.Q_in = Mat::Ones(6, 2);
  c.K_in = Mat::Ones(3, 2);
  c.V_in = Mat::Ones(3, 2);
  Trace t = forward(c);
  REQUIRE(t.ok);
  CHECK(t.heads[0].weights.row(0).sum() == 0.0f);
  CHECK(t.heads[0].stats[0].all_masked);
  CHECK(t.output.allFinite());
  CHECK(t.notices.back().find("3 row(s) have every key masked") != std::string::npos);
  // StreamingLLM: a window of 1 plus the first 2 keys
  Config w;
  w.mask = MaskKind::Window;
  w.window = 1;
  w.sink_tokens = 2;
  const MaskBits s = build_mask(w, 8, 8, nullptr);
  for (int i = 0; i < 8; i++)
    for (int j = 0; j < 8; j++) CHECK(s[size_t(i) * 8 + j] == (std::abs(i - j) <= 1 || j < 2));
}
