// normalize.cpp: the normalizers' rows in double, exact (see normalize.h). Built without the
// kernels' instruction set: these are the references, and the engine's stage 6 itself.
#include "core/normalize.h"
#include <algorithm>
#include <functional>
#include <limits>

namespace attn {

using Row = std::vector<double>;

// softmax, shifted by the row max so logits of +-1e30 neither overflow nor give NaN
void softmax_exact(const Row& z, Row* p, double* shift, double* denom) {
  double m = *std::max_element(z.begin(), z.end());
  double s = 0;
  for (size_t i = 0; i < z.size(); i++) s += ((*p)[i] = std::exp(z[i] - m));
  for (double& v : *p) v /= s;
  *shift = m;
  *denom = s;
}

// sparsemax (Martins & Astudillo 2016): Euclidean projection onto the simplex
void sparsemax_exact(const Row& z, Row* p, double* tau_out) {
  Row s = z;
  std::sort(s.begin(), s.end(), std::greater<double>());
  // k = 1 is always in the support (1 + z > z); testing it would fail for |z| ~ 1e30 in double
  double cum = s[0], tau = s[0] - 1.0;
  for (size_t k = 2; k <= s.size(); k++) {
    cum += s[k - 1];
    if (1.0 + k * s[k - 1] > cum) tau = (cum - 1.0) / double(k);
  }
  for (size_t i = 0; i < z.size(); i++) (*p)[i] = std::max(z[i] - tau, 0.0);
  *tau_out = tau;
}

// 1.5-entmax (Peters et al. 2019), exact sort-based: p_i = [z_i/2 - tau]_+^2
void entmax15_exact(const Row& z, Row* p, double* tau_out) {
  Row x = z;
  for (double& v : x) v *= 0.5;
  Row s = x;
  std::sort(s.begin(), s.end(), std::greater<double>());
  double cum = 0, cum2 = 0, tau = s[0] - 1.0;
  for (size_t k = 1; k <= s.size(); k++) {
    cum += s[k - 1];
    cum2 += s[k - 1] * s[k - 1];
    double mean = cum / k, ss = cum2 / k;
    double delta = (1.0 - k * (ss - mean * mean)) / k;
    double t = mean - std::sqrt(std::max(delta, 0.0));
    if (t <= s[k - 1]) tau = t;
  }
  double sum = 0;
  for (size_t i = 0; i < z.size(); i++) {
    double v = std::max(x[i] - tau, 0.0);
    sum += ((*p)[i] = v * v);
  }
  for (double& v : *p) v /= sum;  // exact up to rounding; renormalize the last ulp
  *tau_out = tau;
}

// alpha-entmax for alpha in (1, 2) by bisection on tau: p_i = [(alpha-1) z_i - tau]_+^(1/(alpha-1))
void entmax_exact(const Row& z, double alpha, Row* p, double* tau_out) {
  const double am1 = alpha - 1.0, inv = 1.0 / am1;
  double mx = -std::numeric_limits<double>::infinity();
  for (double v : z) mx = std::max(mx, am1 * v);
  double lo = mx - 1.0, hi = mx - std::pow(1.0 / z.size(), am1);
  auto mass = [&](double tau) {
    double s = 0;
    for (double v : z) s += std::pow(std::max(am1 * v - tau, 0.0), inv);
    return s;
  };
  for (int it = 0; it < 100; it++) {
    double mid = 0.5 * (lo + hi);
    (mass(mid) >= 1.0 ? lo : hi) = mid;
  }
  double tau = 0.5 * (lo + hi), sum = 0;
  for (size_t i = 0; i < z.size(); i++) sum += ((*p)[i] = std::pow(std::max(am1 * z[i] - tau, 0.0), inv));
  for (double& v : *p) v /= sum;
  *tau_out = tau;
}

// hardmax: all weight on the argmax, ties split evenly
void hardmax_exact(const Row& z, Row* p) {
  double m = *std::max_element(z.begin(), z.end());
  int ties = int(std::count(z.begin(), z.end(), m));
  for (size_t i = 0; i < z.size(); i++) (*p)[i] = z[i] == m ? 1.0 / ties : 0.0;
}

void sparsemax_row(const Row& z, Row* p) {
  double tau = 0;
  p->resize(z.size());
  sparsemax_exact(z, p, &tau);
}

void entmax15_row(const Row& z, Row* p) {
  double tau = 0;
  p->resize(z.size());
  entmax15_exact(z, p, &tau);
}

bool normalize_exact(Normalizer norm, double alpha, const Row& z, Row* p, double* shift, double* denom, size_t* bad) {
  *shift = *denom = 0;
  // All of them are shift-invariant, so the sparse ones work on z - max: thresholds near 1 then
  // keep their precision even for logits of 1e30.
  const double zmax = *std::max_element(z.begin(), z.end());
  Row zs = z;
  for (double& v : zs) v -= zmax;
  switch (norm) {
    case Normalizer::Softmax: softmax_exact(z, p, shift, denom); break;
    case Normalizer::Sum: {
      double s = 0;
      for (size_t i = 0; i < z.size(); i++) {
        if (!(z[i] > 0)) { *bad = i; return false; }
        s += z[i];
      }
      for (size_t i = 0; i < z.size(); i++) (*p)[i] = z[i] / s;
      *denom = s;
      break;
    }
    case Normalizer::Sigmoid:
      for (size_t i = 0; i < z.size(); i++) (*p)[i] = 1.0 / (1.0 + std::exp(-z[i]));
      break;
    case Normalizer::Sparsemax: sparsemax_exact(zs, p, shift); break;
    case Normalizer::Entmax:
      if (alpha <= 1.0) softmax_exact(z, p, shift, denom);
      else if (alpha >= 2.0) sparsemax_exact(zs, p, shift);
      else if (alpha == 1.5) entmax15_exact(zs, p, shift);
      else entmax_exact(zs, alpha, p, shift);
      break;
    case Normalizer::Hardmax: hardmax_exact(z, p); break;
    case Normalizer::Count: break;  // not a value
  }
  // tau on the caller's scale: sparsemax thresholds z, entmax thresholds (alpha-1) z
  if (norm == Normalizer::Sparsemax || (norm == Normalizer::Entmax && alpha >= 2.0)) *shift += zmax;
  else if (norm == Normalizer::Entmax && alpha > 1.0) *shift += (alpha - 1.0) * zmax;
  return true;
}

}  // namespace attn
