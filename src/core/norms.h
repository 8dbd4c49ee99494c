// norms.h: the per-row layers of a transformer block besides attention, forward and backward,
// pointer-level: LayerNorm (GPT-2), RMSNorm (Llama, Mistral, Qwen2), GELU in its tanh form
// (GPT-2's gelu_new) and SiLU with SwiGLU (Llama's MLP). Templates over float and double, inline so
// each caller compiles them with its own instruction set. Rows are contiguous, (rows, d) row-major.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include "kernels/expect.h"
#include "kernels/kernels.h"

namespace attn {

// ---- LayerNorm
// y (rows, d) = (x - mean) / sqrt(var + eps) * w + b; xhat and rstd kept for the backward
template <class S>
void layer_norm(int rows, int d, const S* x, const S* w, const S* b, S* xhat, S* rstd, S* y, double eps = 1e-5) {
  ATTN_EXPECT(rows >= 0 && d > 0 && eps >= 0);
  for (int r = 0; r < rows; r++) {
    const S* xr = x + size_t(r) * d;
    S mean = 0, var = 0;
    for (int i = 0; i < d; i++) mean += xr[i];
    mean /= S(d);
    for (int i = 0; i < d; i++) var += (xr[i] - mean) * (xr[i] - mean);
    var /= S(d);
    const S rs = S(1) / std::sqrt(var + S(eps));
    rstd[r] = rs;
    for (int i = 0; i < d; i++) {
      const S h = (xr[i] - mean) * rs;
      xhat[size_t(r) * d + i] = h;
      y[size_t(r) * d + i] = h * w[i] + b[i];
    }
  }
}

// dx += rstd (dxh - mean(dxh) - xhat mean(dxh xhat)) with dxh = dy w; dw += Σ dy xhat, db += Σ dy
template <class S>
void layer_norm_backward(int rows, int d, const S* dy, const S* xhat, const S* rstd, const S* w, S* dx, S* dw, S* db) {
  for (int r = 0; r < rows; r++) {
    const S* g = dy + size_t(r) * d;
    const S* h = xhat + size_t(r) * d;
    S m1 = 0, m2 = 0;
    for (int i = 0; i < d; i++) {
      const S dh = g[i] * w[i];
      m1 += dh;
      m2 += dh * h[i];
      dw[i] += g[i] * h[i];
      db[i] += g[i];
    }
    m1 /= S(d);
    m2 /= S(d);
    for (int i = 0; i < d; i++) dx[size_t(r) * d + i] += rstd[r] * (g[i] * w[i] - m1 - h[i] * m2);
  }
}

// ---- GELU, tanh form (GPT-2's gelu_new): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
constexpr double kGeluC = 0.7978845608028654, kGeluA = 0.044715;
// its derivative at x, given t = tanh(sqrt(2/pi) (x + 0.044715 x^3)) from the forward pass
template <class S>
S gelu_grad(S x, S t) {
  return S(0.5) * (S(1) + t) + S(0.5) * x * (S(1) - t * t) * S(kGeluC) * (S(1) + S(3 * kGeluA) * x * x);
}

// g (n) = GELU(u), keeping the tanh values in t (n) for the backward pass. NOTE: libm's tanhf
// took half of a training step; in float, tanh(y) = 1 - 2 / (e^{2y} + 1) on the SIMD exp kernel
// (absolute error ~1e-7, where GELU's own approximation is ~1e-3).
inline void gelu_rows(const float* u, size_t n, float* g, float* t) {
  for (size_t i = 0; i < n; i++) {
    const float x = u[i];
    t[i] = std::min(80.0f, std::max(-80.0f, 2.0f * float(kGeluC) * (x + float(kGeluA) * x * x * x)));
  }
  for (size_t i = 0; i < n; i += 1 << 20) kern::exp(t + i, t + i, int(std::min<size_t>(n - i, 1 << 20)));
  for (size_t i = 0; i < n; i++) {
    t[i] = 1.0f - 2.0f / (t[i] + 1.0f);
    g[i] = 0.5f * u[i] * (1.0f + t[i]);
  }
}
inline void gelu_rows(const double* u, size_t n, double* g, double* t) {
  for (size_t i = 0; i < n; i++) {
    t[i] = std::tanh(kGeluC * (u[i] + kGeluA * u[i] * u[i] * u[i]));
    g[i] = 0.5 * u[i] * (1.0 + t[i]);
  }
}

// ---- RMSNorm: y = x / sqrt(mean(x^2) + eps) * w (no mean subtracted, no bias); rstd (rows) kept
template <class S>
void rms_norm(int rows, int d, const S* x, const S* w, S* rstd, S* y, double eps) {
  ATTN_EXPECT(rows >= 0 && d > 0 && eps >= 0);
  for (int r = 0; r < rows; r++) {
    const S* xr = x + size_t(r) * d;
    S ms = 0;
    for (int i = 0; i < d; i++) ms += xr[i] * xr[i];
    ms /= S(d);
    const S rs = S(1) / std::sqrt(ms + S(eps));
    rstd[r] = rs;
    for (int i = 0; i < d; i++) y[size_t(r) * d + i] = xr[i] * rs * w[i];
  }
}
// dx += rstd (dxh - xhat mean(dxh xhat)) with xhat = x rstd, dxh = dy w; dw += Σ dy xhat
template <class S>
void rms_norm_backward(int rows, int d, const S* dy, const S* x, const S* rstd, const S* w, S* dx, S* dw) {
  for (int r = 0; r < rows; r++) {
    const S* g = dy + size_t(r) * d;
    const S* xr = x + size_t(r) * d;
    const S rs = rstd[r];
    S m = 0;
    for (int i = 0; i < d; i++) {
      const S h = xr[i] * rs;
      m += g[i] * w[i] * h;
      dw[i] += g[i] * h;
    }
    m /= S(d);
    for (int i = 0; i < d; i++) dx[size_t(r) * d + i] += rs * (g[i] * w[i] - xr[i] * rs * m);
  }
}

// ---- SiLU (swish): x sigmoid(x); SwiGLU: h = silu(gate) * up, Llama's MLP before down_proj
template <class S>
S silu(S x) { return x / (S(1) + std::exp(-x)); }
// d silu / dx = sigmoid(x) (1 + x (1 - sigmoid(x)))
template <class S>
S silu_grad(S x) {
  const S sg = S(1) / (S(1) + std::exp(-x));
  return sg * (S(1) + x * (S(1) - sg));
}
// h (n) = silu(gate (n)) * up (n)
template <class S>
void swiglu(size_t n, const S* gate, const S* up, S* h) {
  for (size_t i = 0; i < n; i++) h[i] = silu(gate[i]) * up[i];
}
// dgate, dup (n) from dh (n), overwritten
template <class S>
void swiglu_backward(size_t n, const S* gate, const S* up, const S* dh, S* dgate, S* dup) {
  for (size_t i = 0; i < n; i++) {
    dgate[i] = dh[i] * up[i] * silu_grad(gate[i]);
    dup[i] = dh[i] * silu(gate[i]);
  }
}

}  // namespace attn
