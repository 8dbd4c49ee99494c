// test_mask.cpp: the mask stage against its definitions, cell by cell: build_mask's rules
// (causal j <= i, window |i - j| <= w, padding columns, a painted mask) and apply_mask
// (a blocked cell becomes -inf, an allowed one keeps its bits), at odd sizes and densities.
#include <doctest.h>
#include <cmath>
#include <cstring>
#include <limits>
#include "engine/rng.h"
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
