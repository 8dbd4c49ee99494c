// test_math.cpp: the math layer (src/core/) the engine and the trained model share, each function
// against a reference written here from its definition (plain loops in double), its backward
// against central finite differences, its float form against its double form, and against the
// engine's own double stage where there is one (ggml's test-backend-ops idea: one reference per op).
#include <doctest.h>
#include <cmath>
#include <limits>
#include <vector>
#include "core/norms.h"
#include "core/normalize.h"
#include "core/positions.h"
#include "core/rng.h"
#include "engine/stages/stages.h"

using namespace attn;

namespace {
std::vector<double> randn(size_t n, uint64_t seed, double sd = 1.0) {
  Rng r(seed);
  std::vector<double> v(n);
  for (double& x : v) x = sd * double(r.normal());
  return v;
}
double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); i++) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}
// d f / d x_i by central differences, f: R^n -> R
template <class F>
std::vector<double> numeric_grad(std::vector<double> x, F f, double h = 1e-6) {
  std::vector<double> g(x.size());
  for (size_t i = 0; i < x.size(); i++) {
    const double x0 = x[i];
    x[i] = x0 + h;
    const double fp = f(x);
    x[i] = x0 - h;
    const double fm = f(x);
    x[i] = x0;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}
}  // namespace

TEST_CASE("math: RoPE in both layouts against the rotation's definition; inverse undoes it") {
  const int heads = 3, dh = 6, pos = 5;
  for (RopeLayout layout : {RopeLayout::Interleaved, RopeLayout::HalfSplit}) {
    for (double theta : {1e4, 5e5}) {
      std::vector<double> x = randn(size_t(heads) * dh, 3), y = x;
      rope_row(y.data(), heads, dh, pos, false, layout, theta);
      // the definition: pair (a, b) turned by pos * theta^(-2p/dh), a + ib -> (a + ib) e^{i angle};
      // Hugging Face's half-split pairs dim p with p + dh/2 (rotate_half), the interleaved 2p with 2p+1
      std::vector<double> want = x;
      for (int h = 0; h < heads; h++)
        for (int p = 0; p < dh / 2; p++) {
          const double ang = pos / std::pow(theta, 2.0 * p / dh);
          const int ia = h * dh + (layout == RopeLayout::HalfSplit ? p : 2 * p);
          const int ib = ia + (layout == RopeLayout::HalfSplit ? dh / 2 : 1);
          want[size_t(ia)] = x[size_t(ia)] * std::cos(ang) - x[size_t(ib)] * std::sin(ang);
          want[size_t(ib)] = x[size_t(ia)] * std::sin(ang) + x[size_t(ib)] * std::cos(ang);
        }
      CHECK(max_abs_diff(y, want) < 1e-14);
      rope_row(y.data(), heads, dh, pos, true, layout, theta);
      CHECK(max_abs_diff(y, x) < 1e-14);  // a rotation's transpose is its inverse
      // float against double: within float rounding
      std::vector<float> xf(x.begin(), x.end());
      rope_row(xf.data(), heads, dh, pos, false, layout, theta);
      for (size_t i = 0; i < xf.size(); i++) CHECK(double(xf[i]) == doctest::Approx(want[i]).epsilon(1e-5));
    }
  }
  // the engine's stage 2 is this function on its rows: the same bits
  Mat q(4, 8);
  for (int i = 0; i < q.size(); i++) q.data()[i] = float(std::sin(0.37 * i));
  Mat e = q;
  apply_rope(&e, 2);
  for (int r = 0; r < 4; r++) {
    std::vector<float> row(q.row(r).data(), q.row(r).data() + 8);
    rope_row(row.data(), 2, 4, r, false);
    for (int c = 0; c < 8; c++) CHECK(row[size_t(c)] == e(r, c));
  }
}

TEST_CASE("math: ALiBi's slopes and bias from the paper") {
  const std::vector<double> s8 = alibi_slopes(8);
  for (int h = 0; h < 8; h++) CHECK(s8[size_t(h)] == doctest::Approx(std::pow(2.0, -(h + 1))));
  // 6 heads, as the paper's code does: 4's slopes 2^(-2k), then 8's slopes [0::2] for the other two
  const std::vector<double> s6 = alibi_slopes(6);
  for (int h = 0; h < 4; h++) CHECK(s6[size_t(h)] == doctest::Approx(std::pow(2.0, -2.0 * (h + 1))));
  CHECK(s6[4] == doctest::Approx(0.5));
  CHECK(s6[5] == doctest::Approx(0.125));
  CHECK(alibi_bias(0.5, 5, 2, 0, true) == -1.5);
  CHECK(alibi_bias(0.5, 2, 5, 0, false) == -1.5);
  CHECK(alibi_bias(0.25, 1, 4, 2, true) == 0.25);  // bottom-right: query 1 sits at key 3
}

TEST_CASE("math: every normalizer's backward against finite differences of its exact forward") {
  const int n = 7;
  const std::vector<double> z0 = randn(n, 11, 1.5), dp = randn(n, 12);
  const uint8_t allowed[n] = {1, 1, 0, 1, 1, 1, 0};
  struct Case { Normalizer norm; double alpha; };
  for (Case c : {Case{Normalizer::Softmax, 1.5}, Case{Normalizer::Sparsemax, 1.5}, Case{Normalizer::Entmax, 1.5},
                 Case{Normalizer::Entmax, 1.3}, Case{Normalizer::Sigmoid, 1.5}, Case{Normalizer::Sum, 1.5}}) {
    INFO(name_of(c.norm) << " alpha " << c.alpha);
    std::vector<double> zpos = z0;
    if (c.norm == Normalizer::Sum) for (double& v : zpos) v = std::fabs(v) + 0.5;  // sum needs scores > 0
    // forward over the allowed keys (masked: 0), from the definitions via the exact rows
    auto forward = [&](const std::vector<double>& z) {
      std::vector<double> za, pa, p(n, 0.0);
      for (int j = 0; j < n; j++) if (allowed[j]) za.push_back(z[size_t(j)]);
      pa.resize(za.size());
      double a = 0, b = 0, s = 0;
      switch (c.norm) {
        case Normalizer::Softmax: softmax_exact(za, &pa, &a, &b); break;
        case Normalizer::Sparsemax: sparsemax_exact(za, &pa, &a); break;
        case Normalizer::Entmax: c.alpha == 1.5 ? entmax15_exact(za, &pa, &a) : entmax_exact(za, c.alpha, &pa, &a); break;
        case Normalizer::Sigmoid: for (size_t k = 0; k < za.size(); k++) pa[k] = 1 / (1 + std::exp(-za[k])); break;
        case Normalizer::Sum: for (double v : za) s += v; for (size_t k = 0; k < za.size(); k++) pa[k] = za[k] / s; break;
        default: break;
      }
      for (int j = 0, k = 0; j < n; j++) if (allowed[j]) p[size_t(j)] = pa[size_t(k++)];
      return p;
    };
    const std::vector<double> p = forward(zpos);
    {  // the one dispatch every caller uses gives the row from the definitions above
      std::vector<double> za, pa;
      for (int j = 0; j < n; j++) if (allowed[j]) za.push_back(zpos[size_t(j)]);
      pa.resize(za.size());
      double shift = -1, denom = -1;
      size_t bad = 99;
      REQUIRE(normalize_exact(c.norm, c.alpha, za, &pa, &shift, &denom, &bad));
      for (int j = 0, k = 0; j < n; j++) if (allowed[j]) CHECK(pa[size_t(k++)] == doctest::Approx(p[size_t(j)]).epsilon(1e-14));
      if (c.norm == Normalizer::Softmax) CHECK(shift == *std::max_element(za.begin(), za.end()));
    }
    std::vector<double> dz(n);
    REQUIRE(normalize_backward(c.norm, c.alpha, p.data(), dp.data(), n, allowed, zpos.data(), dz.data()));
    const std::vector<double> want = numeric_grad(zpos, [&](const std::vector<double>& z) {
      const std::vector<double> q = forward(z);
      double l = 0;
      for (int j = 0; j < n; j++) l += q[size_t(j)] * dp[size_t(j)];
      return l;
    });
    // entmax by bisection is exact to ~1e-12 only: the difference quotient then carries ~1e-6
    CHECK(max_abs_diff(dz, want) < (c.alpha == 1.3 ? 1e-4 : 1e-7));
    for (int j = 0; j < n; j++) if (!allowed[j]) CHECK(dz[size_t(j)] == 0.0);
    // the engine's stage-6 backward takes the stage's row (masked keys at -inf) and gives the same
    std::vector<float> logits(n);
    for (int j = 0; j < n; j++) logits[size_t(j)] = allowed[j] ? float(zpos[size_t(j)]) : -std::numeric_limits<float>::infinity();
    std::vector<double> pe = p, dze(n);
    std::string err;
    REQUIRE(normalize_row_backward(logits.data(), pe, dp.data(), n, c.norm, 1.0f, float(c.alpha), dze.data(), &err));
    std::vector<double> zf(n);
    for (int j = 0; j < n; j++) zf[size_t(j)] = double(logits[size_t(j)]);
    CHECK(max_abs_diff(dze, dz) < 1e-6);  // z rounded to float in the engine's row
  }
  {
    const std::vector<double> z = {0.5, 2.0, -0.25, 1.0};
    std::vector<double> pz(z.size());
    double shift = 0, denom = 0;
    size_t bad = 99;
    CHECK_FALSE(normalize_exact(Normalizer::Sum, 1.5, z, &pz, &shift, &denom, &bad));
    CHECK(bad == 2);
  }
  std::vector<double> p(n, 1.0 / n), dz(n);
  CHECK_FALSE(normalize_backward(Normalizer::Hardmax, 1.5, p.data(), dp.data(), n, nullptr, static_cast<const double*>(nullptr), dz.data()));
}

TEST_CASE("math: the model's softmax row in float against the exact one; sparse rows are the exact ones") {
  for (int n : {1, 3, 17, 33}) {
    const std::vector<double> z = randn(size_t(n), uint64_t(n), 3.0);
    std::vector<float> zf(z.begin(), z.end()), pf(static_cast<size_t>(n));
    std::vector<double> tz, tp, zr(zf.begin(), zf.end()), pe(static_cast<size_t>(n));
    double shift, denom;
    normalize_forward(Normalizer::Softmax, zf.data(), n, pf.data(), &tz, &tp);
    softmax_exact(zr, &pe, &shift, &denom);
    for (int j = 0; j < n; j++) CHECK(double(pf[size_t(j)]) == doctest::Approx(pe[size_t(j)]).epsilon(2e-6));
    std::vector<double> pd(static_cast<size_t>(n));
    normalize_forward(Normalizer::Sparsemax, zr.data(), n, pd.data(), &tz, &tp);
    sparsemax_exact(zr, &pe, &shift);
    CHECK(max_abs_diff(pd, pe) == 0.0);
  }
}

TEST_CASE("math: LayerNorm and RMSNorm against their definitions; backward against finite differences") {
  const int rows = 3, d = 5;
  const std::vector<double> x = randn(size_t(rows) * d, 21, 2.0), w = randn(d, 22), b = randn(d, 23), dy = randn(size_t(rows) * d, 24);
  std::vector<double> y(x.size()), xhat(x.size()), rstd(rows);
  layer_norm(rows, d, x.data(), w.data(), b.data(), xhat.data(), rstd.data(), y.data(), 1e-5);
  for (int r = 0; r < rows; r++) {
    double mean = 0, var = 0;
    for (int i = 0; i < d; i++) mean += x[size_t(r * d + i)] / d;
    for (int i = 0; i < d; i++) var += (x[size_t(r * d + i)] - mean) * (x[size_t(r * d + i)] - mean) / d;
    for (int i = 0; i < d; i++)
      CHECK(y[size_t(r * d + i)] == doctest::Approx((x[size_t(r * d + i)] - mean) / std::sqrt(var + 1e-5) * w[size_t(i)] + b[size_t(i)]).epsilon(1e-12));
  }
  auto loss_ln = [&](const std::vector<double>& xx) {
    std::vector<double> yy(xx.size()), h(xx.size()), rs(rows);
    layer_norm(rows, d, xx.data(), w.data(), b.data(), h.data(), rs.data(), yy.data(), 1e-5);
    double l = 0;
    for (size_t i = 0; i < yy.size(); i++) l += yy[i] * dy[i];
    return l;
  };
  std::vector<double> dx(x.size(), 0.0), dw(d, 0.0), db(d, 0.0);
  layer_norm_backward(rows, d, dy.data(), xhat.data(), rstd.data(), w.data(), dx.data(), dw.data(), db.data());
  CHECK(max_abs_diff(dx, numeric_grad(x, loss_ln)) < 1e-6);
  // RMSNorm: x / sqrt(mean(x^2) + eps) * w
  std::vector<double> yr(x.size()), rr(rows);
  rms_norm(rows, d, x.data(), w.data(), rr.data(), yr.data(), 1e-6);
  for (int r = 0; r < rows; r++) {
    double ms = 0;
    for (int i = 0; i < d; i++) ms += x[size_t(r * d + i)] * x[size_t(r * d + i)] / d;
    for (int i = 0; i < d; i++)
      CHECK(yr[size_t(r * d + i)] == doctest::Approx(x[size_t(r * d + i)] / std::sqrt(ms + 1e-6) * w[size_t(i)]).epsilon(1e-12));
  }
  auto loss_rms = [&](const std::vector<double>& xx, const std::vector<double>& ww) {
    std::vector<double> yy(xx.size()), rs(rows);
    rms_norm(rows, d, xx.data(), ww.data(), rs.data(), yy.data(), 1e-6);
    double l = 0;
    for (size_t i = 0; i < yy.size(); i++) l += yy[i] * dy[i];
    return l;
  };
  std::vector<double> dxr(x.size(), 0.0), dwr(d, 0.0);
  rms_norm_backward(rows, d, dy.data(), x.data(), rr.data(), w.data(), dxr.data(), dwr.data());
  CHECK(max_abs_diff(dxr, numeric_grad(x, [&](const std::vector<double>& xx) { return loss_rms(xx, w); })) < 1e-6);
  CHECK(max_abs_diff(dwr, numeric_grad(w, [&](const std::vector<double>& ww) { return loss_rms(x, ww); })) < 1e-6);
}

TEST_CASE("math: tanh-GELU, SiLU and SwiGLU against their definitions and derivatives") {
  const std::vector<double> u = randn(40, 31, 3.0);
  std::vector<double> g(u.size()), t(u.size());
  gelu_rows(u.data(), u.size(), g.data(), t.data());
  std::vector<float> uf(u.begin(), u.end()), gf(u.size()), tf(u.size());
  gelu_rows(uf.data(), uf.size(), gf.data(), tf.data());
  for (size_t i = 0; i < u.size(); i++) {
    const double x = u[i], want = 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
    CHECK(g[i] == doctest::Approx(want).epsilon(1e-14));
    CHECK(std::fabs(double(gf[i]) - double(float(want))) < 2e-6 * std::max(1.0, std::fabs(want)));  // the SIMD tanh
    const double h = 1e-6, xp = x + h, xm = x - h;
    auto gelu = [](double v) { return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v))); };
    CHECK(gelu_grad(x, t[i]) == doctest::Approx((gelu(xp) - gelu(xm)) / (2 * h)).epsilon(1e-7));
    CHECK(silu(x) == doctest::Approx(x / (1 + std::exp(-x))).epsilon(1e-14));
    CHECK(silu_grad(x) == doctest::Approx((silu(xp) - silu(xm)) / (2 * h)).epsilon(1e-7));
  }
  const std::vector<double> gate = randn(9, 41), up = randn(9, 42), dh = randn(9, 43);
  std::vector<double> h(9), dg(9), du(9);
  swiglu(9, gate.data(), up.data(), h.data());
  swiglu_backward(9, gate.data(), up.data(), dh.data(), dg.data(), du.data());
  for (size_t i = 0; i < 9; i++) {
    CHECK(h[i] == doctest::Approx(gate[i] / (1 + std::exp(-gate[i])) * up[i]).epsilon(1e-14));
    CHECK(du[i] == doctest::Approx(dh[i] * silu(gate[i])).epsilon(1e-14));
    CHECK(dg[i] == doctest::Approx(dh[i] * up[i] * silu_grad(gate[i])).epsilon(1e-14));
  }
}
