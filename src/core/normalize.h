// normalize.h: a row of scores into weights, forward and backward, for the engine (stage 6 and its
// backward) and the trained model alike. The exact rows in double (normalize.cpp) take the allowed
// logits z = x / T only (z non-empty) and say, through *shift, the row max (softmax) or the
// threshold tau (sparsemax, entmax). The templates are inline, so each caller compiles them with
// its own instruction set: normalize_forward is the trained model's row, normalize_backward both's.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>
#include "core/options.h"
#include "kernels/expect.h"
#include "kernels/kernels.h"

namespace attn {

// ---- exact rows in double, p (z.size())
// softmax, shifted by the row max so logits of +-1e30 neither overflow nor give NaN
void softmax_exact(const std::vector<double>& z, std::vector<double>* p, double* shift, double* denom);
// sparsemax (Martins & Astudillo 2016): the Euclidean projection of z onto the simplex, sort-based
void sparsemax_exact(const std::vector<double>& z, std::vector<double>* p, double* tau);
// 1.5-entmax (Peters et al. 2019), sort-based: p_i = [z_i/2 - tau]_+^2
void entmax15_exact(const std::vector<double>& z, std::vector<double>* p, double* tau);
// alpha-entmax, alpha in (1, 2), by bisection on tau: p_i = [(alpha-1) z_i - tau]_+^(1/(alpha-1))
void entmax_exact(const std::vector<double>& z, double alpha, std::vector<double>* p, double* tau);
// all the weight on the argmax, ties split evenly
void hardmax_exact(const std::vector<double>& z, std::vector<double>* p);
// p (z.size()) = norm's row of z, any normalizer (alpha: entmax's), the one each of the above gives;
// *shift the row max (softmax) or tau (sparsemax, entmax: on z's scale), *denom softmax's and sum's
// denominator. false when sum normalization meets a score <= 0 (*bad: its index in z).
bool normalize_exact(Normalizer norm, double alpha, const std::vector<double>& z, std::vector<double>* p, double* shift,
                     double* denom, size_t* bad);
// sparsemax and 1.5-entmax of z without their threshold (p is resized)
void sparsemax_row(const std::vector<double>& z, std::vector<double>* p);
void entmax15_row(const std::vector<double>& z, std::vector<double>* p);

// e (n) = exp(x (n)), x <= 0: the SIMD kernel in float (libm's expf was a tenth of a training step)
inline void exp_row(const float* x, float* e, int n) { kern::exp(x, e, n); }
inline void exp_row(const double* x, double* e, int n) {
  for (int j = 0; j < n; j++) e[j] = std::exp(x[j]);
}

// p (n) = normalize(z (n)), every key allowed: softmax (its max, exp, sum and 1/sum in S),
// sparsemax or 1.5-entmax (the exact rows, in double; tmp_z, tmp_p: scratch)
template <class S>
void normalize_forward(Normalizer norm, const S* z, int n, S* p, std::vector<double>* tmp_z, std::vector<double>* tmp_p) {
  ATTN_EXPECT(n > 0 && z && p && (norm == Normalizer::Softmax || norm == Normalizer::Sparsemax || norm == Normalizer::Entmax));
  if (norm == Normalizer::Softmax) {
    S m = z[0];
    for (int j = 1; j < n; j++) m = std::max(m, z[j]);
    for (int j = 0; j < n; j++) p[j] = z[j] - m;
    exp_row(p, p, n);
    S s = 0;
    for (int j = 0; j < n; j++) s += p[j];
    const S inv = S(1) / s;
    for (int j = 0; j < n; j++) p[j] *= inv;
    return;
  }
  tmp_z->assign(z, z + n);
  if (norm == Normalizer::Sparsemax) sparsemax_row(*tmp_z, tmp_p);
  else entmax15_row(*tmp_z, tmp_p);
  for (int j = 0; j < n; j++) p[j] = S((*tmp_p)[size_t(j)]);
}

// dz (n) = Jᵀ dp: the gradient at the normalizer's input z from the one at its weights p (n).
// allowed (n, or null: every key): dz is 0 where the mask hid the key. z (n): the input, which
// sum normalization's Jacobian needs (the others take null). The Jacobians:
//   softmax    J = diag(p) - p pᵀ
//   sparsemax  J = diag(s) - s sᵀ / |S|, s = 1 on the support S (p > 0)      (Martins & Astudillo 2016)
//   entmax α   J = diag(s) - s sᵀ / Σs, s_j = p_j^(2-α) on the support      (Peters et al. 2019)
//   sigmoid    J = diag(p (1 - p))
//   sum        p = z / Σz: J = (I - p 1ᵀ) / Σz (transposed: the one that is not symmetric)
// alpha <= 1 is softmax's and alpha >= 2 sparsemax's. false for hardmax, whose derivative is zero
// almost everywhere (dz is left 0).
template <class S>
bool normalize_backward(Normalizer norm, double alpha, const S* p, const S* dp, int n, const uint8_t* allowed, const S* z,
                        S* dz) {
  ATTN_EXPECT(n > 0 && p && dp && dz && (norm != Normalizer::Sum || z));
  auto ok = [&](int j) { return !allowed || allowed[j]; };
  for (int j = 0; j < n; j++) dz[j] = S(0);
  Normalizer kind = norm;
  if (norm == Normalizer::Entmax && alpha <= 1.0) kind = Normalizer::Softmax;
  if (norm == Normalizer::Entmax && alpha >= 2.0) kind = Normalizer::Sparsemax;
  switch (kind) {
    case Normalizer::Softmax: {  // dz_j = p_j (dp_j - Σ_k p_k dp_k); with a sink Σ p < 1 and its dp is 0
      S pd = 0;
      for (int j = 0; j < n; j++)
        if (ok(j)) pd += p[j] * dp[j];
      for (int j = 0; j < n; j++) dz[j] = ok(j) ? p[j] * (dp[j] - pd) : S(0);
      return true;
    }
    case Normalizer::Sparsemax:
    case Normalizer::Entmax: {  // J = diag(s) - s sᵀ / Σs on the support
      // 1.5-entmax's s = p^(1/2) as sqrt: correctly rounded, where pow need not be
      auto s_of = [&](int j) {
        if (!ok(j) || !(p[j] > 0)) return S(0);
        if (kind == Normalizer::Sparsemax) return S(1);
        return alpha == 1.5 ? S(std::sqrt(p[j])) : S(std::pow(p[j], S(2.0 - alpha)));
      };
      S ss = 0, sd = 0;
      for (int j = 0; j < n; j++) {
        const S s = s_of(j);
        ss += s;
        sd += s * dp[j];
      }
      if (!(ss > 0)) return true;
      for (int j = 0; j < n; j++) {
        const S s = s_of(j);
        dz[j] = s * dp[j] - s * sd / ss;
      }
      return true;
    }
    case Normalizer::Sigmoid:
      for (int j = 0; j < n; j++) dz[j] = ok(j) ? dp[j] * p[j] * (S(1) - p[j]) : S(0);
      return true;
    case Normalizer::Sum: {
      S total = 0, pd = 0;
      for (int j = 0; j < n; j++)
        if (ok(j)) { total += z[j]; pd += p[j] * dp[j]; }
      if (total == 0) return true;
      for (int j = 0; j < n; j++) dz[j] = ok(j) ? (dp[j] - pd) / total : S(0);
      return true;
    }
    case Normalizer::Hardmax:
    case Normalizer::Count: break;
  }
  return false;
}

}  // namespace attn
