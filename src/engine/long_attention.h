// long_attention.h: attention for long sequences on the fused path. Keeps Q, K, V, the output
// and each row's log-sum-exp, O(n d) in all; any weight is recomputed from them on demand, so
// the UI can pan and zoom over an n x n weight matrix that is never stored.
#pragma once
#include <string>
#include <vector>
#include "kernels/kernels.h"
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

// The same forward a slice of query rows at a time, so that the app can spread n = 16384 (seconds
// on a phone) over frames with a progress bar instead of freezing the page. Same bits as
// forward_long. begin validates and allocates (false with job->t.error when refused); each step
// computes about `rows` more query rows and returns true once all n are done (then job->t.ok).
struct LongJob {
  LongTrace t;          // Q, K, V, and O and lse filled as rows complete
  ThreadWorkspaces ws;  // K and V packed once per thread, reused by every step
  int next = 0;         // first query row not computed yet
  int threads = 1;      // each step's rows are shared among this many threads (same bits)
};
bool long_begin(Mat Q, Mat K, Mat V, bool causal, LongJob* job);
bool long_step(LongJob* job, int rows);
// The weights of a window at display resolution: out (rows, cols), cell (r, c) is the weight of
// query i0 + r * step_i on key j0 + c * step_j (0 outside the matrix or where the mask hides it).
Mat long_weights_window(const LongTrace& t, int i0, int j0, int step_i, int step_j, int rows, int cols);

}  // namespace attn
