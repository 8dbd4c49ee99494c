// posenc.cpp: positional encodings. Without them attention is permutation-equivariant:
// "dog bites man" and "man bites dog" get the same weights, just reordered.
#include <cmath>
#include "engine/stages/stages.h"

namespace attn {

// PE (n, d): added to X before the projections (Vaswani et al. 2017)
std::vector<float> sinusoidal_values(int n, int d) {
  std::vector<float> pe(size_t(n) * d);  // (n, d)
  for (int pos = 0; pos < n; pos++)
    for (int c = 0; c < d; c++) {
      int i2 = c & ~1;  // 2i
      double angle = pos / std::pow(10000.0, double(i2) / d);
      pe[size_t(pos) * d + c] = float((c & 1) ? std::cos(angle) : std::sin(angle));
    }
  return pe;
}

Mat sinusoidal_table(int n, int d) {
  const std::vector<float> v = sinusoidal_values(n, d);
  return Eigen::Map<const Mat>(v.data(), n, d);
}

// M (n, n_heads*dh): RoPE (Su et al. 2021) rotates each (2p, 2p+1) pair of every head by
// pos * 10000^(-2p/dh), so q_i . k_j depends on i - j. An odd last dimension stays as is.
void apply_rope(Mat* M, int n_heads) {
  const int n = int(M->rows()), dh = int(M->cols()) / n_heads;
  for (int pos = 0; pos < n; pos++)
    for (int h = 0; h < n_heads; h++)
      for (int p = 0; 2 * p + 1 < dh; p++) {
        double theta = pos * std::pow(10000.0, -2.0 * p / dh);
        float c = float(std::cos(theta)), s = float(std::sin(theta));
        float& a = (*M)(pos, h * dh + 2 * p);
        float& b = (*M)(pos, h * dh + 2 * p + 1);
        float x = a, y = b;
        a = x * c - y * s;
        b = x * s + y * c;
      }
}

// Each pair (a, b) = (x c - y s, x s + y c) came from (x, y): the gradient flows back through the
// transposed rotation, dx = da c + db s, dy = -da s + db c. Same angles as apply_rope.
void apply_rope_transpose(MatD* M, int n_heads) {
  const int n = int(M->rows()), dh = int(M->cols()) / n_heads;
  for (int pos = 0; pos < n; pos++)
    for (int h = 0; h < n_heads; h++)
      for (int p = 0; 2 * p + 1 < dh; p++) {
        const double theta = pos * std::pow(10000.0, -2.0 * p / dh);
        // the forward rotated with the float-rounded cos and sin: use the same factors
        const double c = double(float(std::cos(theta))), s = double(float(std::sin(theta)));
        double& a = (*M)(pos, h * dh + 2 * p);
        double& b = (*M)(pos, h * dh + 2 * p + 1);
        const double da = a, db = b;
        a = da * c + db * s;
        b = -da * s + db * c;
      }
}

}  // namespace attn
