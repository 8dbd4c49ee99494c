// posenc.cpp: positional encodings. Without them attention is permutation-equivariant:
// "dog bites man" and "man bites dog" get the same weights, just reordered.
#include <cmath>
#include "core/positions.h"
#include "engine/stages/stages.h"

namespace attn {

Mat sinusoidal_table(int n, int d) {
  const std::vector<float> v = sinusoidal_values(n, d);
  return Eigen::Map<const Mat>(v.data(), n, d);
}

// M (n, n_heads*dh): RoPE (Su et al. 2021) rotates each (2p, 2p+1) pair of every head by
// pos * 10000^(-2p/dh), so q_i . k_j depends on i - j. An odd last dimension stays as is.
void apply_rope(Mat* M, int n_heads) {
  const int n = int(M->rows()), dh = int(M->cols()) / n_heads;
  for (int pos = 0; pos < n; pos++) rope_row(M->row(pos).data(), n_heads, dh, pos, false);  // core/positions.h
}

// Each pair (a, b) = (x c - y s, x s + y c) came from (x, y): the gradient flows back through the
// transposed rotation, dx = da c + db s, dy = -da s + db c. Same angles as apply_rope.
void apply_rope_transpose(MatD* M, int n_heads) {
  const int n = int(M->rows()), dh = int(M->cols()) / n_heads;
  // the forward rotated with the float-rounded cos and sin: the same factors (F = float)
  for (int pos = 0; pos < n; pos++) rope_row<double, float>(M->row(pos).data(), n_heads, dh, pos, true);
}

}  // namespace attn
