// long_attention.h: attention for long sequences on the fused path. Keeps Q, K, V, the output
// and each row's log-sum-exp, O(n d) in all; any weight is recomputed from them on demand, so
// the UI can pan and zoom over an n x n weight matrix that is never stored.
#pragma once
#include <string>
#include <vector>
#include "engine/kernels.h"
#include "engine/tensor.h"

namespace attn {

struct LongTrace {
  bool ok = false;
  std::string error;
  int n = 0, d = 0;
  bool causal = false;
  float scale = 1.0f;
  Mat Q, K, V;             // (n, d) each
  Mat O;                   // (n, d) attention output
  std::vector<float> lse;  // n: log-sum-exp of each row's scaled, masked scores
  double bytes = 0;        // memory the trace holds (what n x n would have needed: 4 n^2 bytes)
};

constexpr int kLongMaxN = 65536;

// Random Q, K, V (n, d) ~ U(-1, 1) from the seed: the demo input of the long-sequence view.
void long_random_inputs(int n, int d, uint64_t seed, Mat* Q, Mat* K, Mat* V);
// The fused forward over given Q (n, d), K (n, d), V (n, d_v); scale 1/sqrt(d). Never throws.
LongTrace forward_long(Mat Q, Mat K, Mat V, bool causal);
// The weights of a window at display resolution: out (rows, cols), cell (r, c) is the weight of
// query i0 + r * step_i on key j0 + c * step_j (0 outside the matrix or where the mask hides it).
Mat long_weights_window(const LongTrace& t, int i0, int j0, int step_i, int step_j, int rows, int cols);

}  // namespace attn
