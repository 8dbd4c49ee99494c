// backward.h: the gradients of the staged forward pass, every stage in reverse, for a loss whose
// gradient at the output is dY. Computed in double from the trace's intermediates (the float
// numbers the forward produced; the normalizers' weights recomputed in double from the masked
// scores), so they are the exact gradients of what forward() computed, up to double rounding.
//
//   Y = concat . W_o         dConcat = dY W_oᵀ            dW_o = concatᵀ dY
//   O = A V (per head)       dA = dO Vᵀ                    dV = Aᵀ dO
//   A = dropout(P)           dP = dA ⊙ kept / (1 - p)      (the forward's kept cells)
//   P = normalize(M / T)     dZ = Jᵀ dP, dM = dZ / T       (softmax, sparsemax, entmax, sigmoid, sum;
//                                                           a sink column: d sink = -p_sink Σ p dP / T)
//   M = mask(S′)             dS′ = dM where allowed, 0 where blocked
//   S′ = cap(S × scale + b)  dS = scale (1 - (S′/c)²) dS′    (ALiBi's bias b is a constant; no cap: dS = scale dS′)
//   S = Q Kᵀ (or additive)   dQ = dS K, dK = dSᵀ Q
//   RoPE                     the transposed rotation
//   Q = X′ W_q, ...          dW_q = X′ᵀ dQ, dX′ = dQ W_qᵀ + dK W_kᵀ + dV W_vᵀ (self-attention)
//   X′ = X + PE              dX = dX′
// Hardmax is refused (its derivative is zero almost everywhere), as are traces that did not compute.
#pragma once
#include <string>
#include <vector>
#include "engine/engine.h"
#include "engine/trace.h"

namespace attn {

struct HeadGrads {
  MatD dO;        // (n_q, dv)  at the head's output
  MatD dA;        // (n_q, n_k) at the weights as used (after dropout)
  MatD dP;        // (n_q, n_k) at the normalizer's output (before dropout)
  MatD dM;        // (n_q, n_k) at the masked scores (blocked cells 0)
  MatD dS;        // (n_q, n_k) at the raw scores s = q·k (or additive)
  MatD dq, dk, dv;  // (n_q, dh), (n_k, dh), (n_k, dv)
};

struct Grads {
  bool ok = false;
  std::string error;
  std::vector<HeadGrads> heads;  // n_heads
  MatD dConcat;                  // (n_q, d)   heads side by side
  MatD dQ, dK, dV;               // (n_q, d), (n_k, d) x2: at Q, K, V as the trace holds them (after RoPE)
  // the rest only when X and the weights were the inputs (not Q, K, V given directly):
  MatD dQ_proj, dK_proj;         // at X′ W_q and X′ W_k before RoPE (= dQ, dK without RoPE)
  MatD dX, dX_src;               // (n_q, d), (n_k, d): at the embeddings; self-attention: dX holds both
  MatD dWq, dWk, dWv, dWo;       // (d, d); W_k, W_v (d, H_kv d_head) with grouped-query attention
  std::vector<double> dsink;     // per query head, with attention sinks (else empty)
  MatD dY;                       // (n_q, d) the gradient at the output, as given
};

// The gradient matrices the stepper's backward stages show, addressable like MatrixId.
enum class GradId { dY, dConcat, dO, dA, dM, dS, dq, dk, dv, dQ, dK, dV, dX, dWq, dWk, dWv, dWo, Count };
const char* grad_name(GradId id);  // "∂L/∂α", ...
const MatD* grad_matrix(const Grads& g, GradId id, int head);
// The arithmetic behind one gradient cell, e.g.
// "∂L/∂m₈₂ = α₈₂ (∂L/∂α₈₂ − Σₖ α₈ₖ ∂L/∂α₈ₖ) / T = 0.329 × (0.120 − 0.050) = 0.023"
Explanation explain_grad(const Trace& t, const Grads& g, GradId id, int head, int i, int j);

// dY: (n_q, d_model), or (n_q, d_v) when Q, K, V were given. Never throws; ok = false with a
// message naming the problem (shape of dY, hardmax, an imported weight matrix).
Grads backward(const Trace& t, const Mat& dY);

}  // namespace attn
