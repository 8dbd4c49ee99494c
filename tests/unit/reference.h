// reference.h: the independent naive oracle. Plain loops in double, no Eigen arithmetic,
// written from the textbook definitions; every engine result is checked against it.
#pragma once
#include <doctest.h>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>
#include "engine/tensor.h"

namespace ref {

using M = std::vector<std::vector<double>>;

inline M from(const attn::Mat& m) {
  M r(size_t(m.rows()), std::vector<double>(size_t(m.cols())));
  for (Eigen::Index i = 0; i < m.rows(); i++)
    for (Eigen::Index j = 0; j < m.cols(); j++) r[size_t(i)][size_t(j)] = m(i, j);
  return r;
}

inline M matmul(const M& a, const M& b) {
  M r(a.size(), std::vector<double>(b[0].size(), 0.0));
  for (size_t i = 0; i < a.size(); i++)
    for (size_t k = 0; k < b.size(); k++)
      for (size_t j = 0; j < b[0].size(); j++) r[i][j] += a[i][k] * b[k][j];
  return r;
}

inline M transpose(const M& a) {
  M r(a[0].size(), std::vector<double>(a.size()));
  for (size_t i = 0; i < a.size(); i++)
    for (size_t j = 0; j < a[0].size(); j++) r[j][i] = a[i][j];
  return r;
}

// softmax of one row with -inf entries excluded; an all-masked row gives zeros
inline std::vector<double> softmax(const std::vector<double>& x) {
  double m = -std::numeric_limits<double>::infinity();
  for (double v : x) m = std::max(m, v);
  std::vector<double> p(x.size(), 0.0);
  if (std::isinf(m) && m < 0) return p;
  double s = 0;
  for (size_t i = 0; i < x.size(); i++) s += (p[i] = std::exp(x[i] - m));
  for (double& v : p) v /= s;
  return p;
}

// single-head scaled dot-product attention: weights (n_q, n_k) and out (n_q, dv)
inline void attention(const M& q, const M& k, const M& v, double scale, const std::vector<uint8_t>& allowed,
                      double temperature, M* weights, M* out) {
  const size_t nq = q.size(), nk = k.size();
  weights->assign(nq, std::vector<double>(nk, 0.0));
  out->assign(nq, std::vector<double>(v[0].size(), 0.0));
  for (size_t i = 0; i < nq; i++) {
    std::vector<double> row(nk);
    for (size_t j = 0; j < nk; j++) {
      double s = 0;
      for (size_t t = 0; t < q[0].size(); t++) s += q[i][t] * k[j][t];
      row[j] = allowed.empty() || allowed[i * nk + j] ? s * scale / temperature : -std::numeric_limits<double>::infinity();
    }
    (*weights)[i] = softmax(row);
    for (size_t j = 0; j < nk; j++)
      for (size_t c = 0; c < v[0].size(); c++) (*out)[i][c] += (*weights)[i][j] * v[j][c];
  }
}

// Reports the max |difference| and the first mismatches, then asserts it is within tol.
inline void check_close(const attn::Mat& got, const M& want, double tol, const char* what) {
  REQUIRE_MESSAGE(size_t(got.rows()) == want.size(), what << ": row count");
  REQUIRE_MESSAGE(size_t(got.cols()) == want[0].size(), what << ": column count");
  double worst = 0;
  std::string first;
  int shown = 0;
  for (size_t i = 0; i < want.size(); i++)
    for (size_t j = 0; j < want[0].size(); j++) {
      double g = got(Eigen::Index(i), Eigen::Index(j)), w = want[i][j];
      double d = (std::isinf(g) && std::isinf(w) && (g > 0) == (w > 0)) ? 0 : std::fabs(g - w);
      if (!(d <= worst)) worst = d;
      if (!(d <= tol) && shown < 3) {
        char b[160];
        std::snprintf(b, sizeof b, " [%zu,%zu] got %.7g want %.7g;", i, j, g, w);
        first += b;
        shown++;
      }
    }
  CHECK_MESSAGE(worst <= tol, what << ": max |diff| " << worst << " > " << tol << first);
}

inline attn::Mat random_mat(int r, int c, uint64_t seed, float scale = 1.0f);

}  // namespace ref

#include "core/rng.h"
inline attn::Mat ref::random_mat(int r, int c, uint64_t seed, float scale) {
  attn::Rng rng(seed);
  attn::Mat m(r, c);
  for (Eigen::Index i = 0; i < m.size(); i++) m.data()[i] = scale * rng.normal();
  return m;
}
