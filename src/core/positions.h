// positions.h: where tokens are, for attention, in one place for the engine and the model:
// sinusoidal tables, RoPE's rotation and its inverse (in both layouts checkpoints use), and ALiBi's
// slopes and bias. Pointer-level. The templates are inline so that each caller compiles them with
// its own instruction set (the trained model's with its SIMD build): the same lines, its own bits.
#pragma once
#include <cmath>
#include <vector>
#include "kernels/expect.h"

namespace attn {

// (n, d) row-major: PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(...) (Vaswani et al. 2017)
std::vector<float> sinusoidal_values(int n, int d);

// RoPE (Su et al. 2021) turns pair p of each head of width dh by pos * theta^(-2p/dh), so that
// q_i · k_j depends on i - j. Which dimensions pair up is the checkpoint's layout:
//   Interleaved  (2p, 2p+1): the paper's, Meta's original files, GGUF, and this project's models
//   HalfSplit    (p, p + dh/2): Hugging Face's rotate_half (GPT-NeoX), Llama, Mistral, Qwen2
// An odd last dimension (interleaved) stays as it is.
enum class RopeLayout { Interleaved, HalfSplit };
inline double rope_angle(int pos, int p, int dh, double theta) { return pos * std::pow(theta, -2.0 * p / dh); }

// x (heads, dh) at position pos, in place: (a, b) <- (a c - b s, a s + b c); inverse: the transposed
// rotation (a c + b s, -a s + b c), which is the backward pass of the forward. F: the type the
// factors cos, sin are rounded through (float for a double backward of a float forward).
// freqs (dh / 2), when given, replaces theta^(-2p/dh) pair by pair (Llama 3's rope_scaling).
template <class S, class F = S>
void rope_row(S* x, int heads, int dh, int pos, bool inverse, RopeLayout layout = RopeLayout::Interleaved,
              double theta = 10000.0, const double* freqs = nullptr) {
  ATTN_EXPECT(x && heads > 0 && dh > 0 && pos >= 0 && theta > 0 && (layout == RopeLayout::Interleaved || dh % 2 == 0));
  const int pairs = dh / 2;  // interleaved: 2p + 1 < dh; half-split: p < dh / 2
  const int other = layout == RopeLayout::HalfSplit ? dh / 2 : 1;  // distance from a to b
  for (int p = 0; p < pairs; p++) {
    const double angle = freqs ? pos * freqs[p] : rope_angle(pos, p, dh, theta);
    const S c = S(F(std::cos(angle))), s = inverse ? S(-F(std::sin(angle))) : S(F(std::sin(angle)));
    const int at = layout == RopeLayout::HalfSplit ? p : 2 * p;
    for (int h = 0; h < heads; h++) {
      S& a = x[h * dh + at];
      S& b = x[h * dh + at + other];
      const S u = a, v = b;
      a = u * c - v * s;
      b = u * s + v * c;
    }
  }
}

// ALiBi (Press et al. 2021): head h's slope m_h, for any number of heads (the paper's geometric
// sequence for a power of two, interleaved with the next power's for the rest)
std::vector<double> alibi_slopes(int n_heads);
// the bias -m (i + offset - j) added to a scaled score (causal), or -m |i + offset - j| (not);
// offset: n_k - n_q for a bottom-right alignment, else 0
inline double alibi_bias(double slope, int i, int j, int offset, bool causal) {
  const double dist = double(i + offset - j);
  return -slope * (causal ? dist : std::fabs(dist));
}

}  // namespace attn
