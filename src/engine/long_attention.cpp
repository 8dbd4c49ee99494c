// long_attention.cpp: the fused path as the app and the CLI see it (see long_attention.h).
#include "engine/long_attention.h"
#include <algorithm>
#include <cmath>
#include <new>
#include "core/rng.h"

namespace attn {

void long_random_inputs(int n, int d, uint64_t seed, Mat* Q, Mat* K, Mat* V) {
  Rng rng(seed);
  for (Mat* m : {Q, K, V}) {
    m->resize(n, d);
    for (Eigen::Index i = 0; i < m->size(); i++) m->data()[i] = rng.uniform(-1.0f, 1.0f);
  }
}

namespace {
// an allocation failed: the job ends with nothing to show and says why
void refuse_oom(LongJob* job, int n) {
  *job = LongJob{};
  job->t.error = "out of memory for n = " + std::to_string(n) + ": use a shorter sequence";
}
double workspace_bytes(const ThreadWorkspaces& tw) {
  double b = 0;
  for (const Workspace& w : tw.ws) b += double(w.buf.size()) * sizeof(float);
  return b;
}
}  // namespace

bool long_begin(Mat Q, Mat K, Mat V, bool causal, LongJob* job) {
  *job = LongJob{};
  LongTrace& t = job->t;
  const int n = int(Q.rows()), d = int(Q.cols());
  if (n < 1 || d < 1 || K.rows() != n || K.cols() != d || V.rows() != n) {
    t.error = "Q, K and V must have the same number of rows, and Q and K the same columns";
    return false;
  }
  if (n > kLongMaxN) {
    t.error = "n = " + std::to_string(n) + " is above the long-sequence limit of " + std::to_string(kLongMaxN);
    return false;
  }
  for (const Mat* m : {&Q, &K, &V})
    if (!m->allFinite()) {
      t.error = "the inputs have NaN or Inf";
      return false;
    }
  try {
    t.n = n;
    t.d = d;
    t.causal = causal;
    t.scale = 1.0f / std::sqrt(float(d));
    t.O.resize(n, V.cols());
    t.lse.resize(size_t(n));
    t.Q = std::move(Q);
    t.K = std::move(K);
    t.V = std::move(V);
  } catch (const std::bad_alloc&) {
    refuse_oom(job, n);
    return false;
  }
  return true;
}

bool long_step(LongJob* job, int rows) {
  LongTrace& t = job->t;
  if (t.ok || t.n == 0) return true;
  // whole blocks of the kernel, so that the slices add up to the bits of one call
  const int block = kern::attention_row_block();
  const int r1 = std::min(t.n, job->next + std::max(1, (rows + block - 1) / block) * block);
  MaskRule rule;
  rule.kind = t.causal ? MaskRule::Causal : MaskRule::None;
  try {
    kern::attention_threads(job->threads, job->next, r1, t.n, t.d, int(t.V.cols()), t.Q.data(), t.d, t.K.data(), t.d,
                            t.V.data(), int(t.V.cols()), t.scale, rule, t.O.data(), int(t.O.cols()), t.lse.data(),
                            job->next > 0, &job->ws);
  } catch (const std::bad_alloc&) {
    refuse_oom(job, t.n);
    return true;
  }
  job->next = r1;
  if (r1 < t.n) return false;
  t.bytes = double(t.Q.size() + t.K.size() + t.V.size() + t.O.size() + t.lse.size()) * sizeof(float) +
            workspace_bytes(job->ws);
  t.ok = true;
  return true;
}

LongTrace forward_long(Mat Q, Mat K, Mat V, bool causal) {
  LongJob job;
  if (long_begin(std::move(Q), std::move(K), std::move(V), causal, &job)) long_step(&job, job.t.n);
  return std::move(job.t);
}

Mat long_weights_window(const LongTrace& t, int i0, int j0, int step_i, int step_j, int rows, int cols) {
  Mat out = Mat::Zero(std::max(rows, 0), std::max(cols, 0));
  if (!t.ok || rows <= 0 || cols <= 0 || step_i < 1 || step_j < 1) return out;
  MaskRule rule;
  rule.kind = t.causal ? MaskRule::Causal : MaskRule::None;
  // the part of the window inside the matrix: whole rows and columns only
  const int r_end = std::min(rows, i0 >= t.n ? 0 : (t.n - 1 - i0) / step_i + 1);
  const int c_end = std::min(cols, j0 >= t.n ? 0 : (t.n - 1 - j0) / step_j + 1);
  if (i0 < 0 || j0 < 0 || r_end <= 0 || c_end <= 0) return out;
  Mat tile(r_end, c_end);
  kern::weights_tile(i0, r_end, j0, c_end, step_i, step_j, t.d, t.Q.data(), t.d, t.K.data(), t.d, t.lse.data(), t.scale,
                     rule, tile.data());
  out.topLeftCorner(r_end, c_end) = tile;
  return out;
}

}  // namespace attn
