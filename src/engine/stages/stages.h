// stages.h: one free function per pipeline stage, each in its own file of this folder, in the
// stepper's order: embed (+ posenc), project (+ init_weights), scores, scale, mask, normalize,
// attend, output; linear_attention beside them. forward.cpp calls them in that order.
// Shapes: n_q queries, n_k keys, d = d_model, dh = d_head.
#pragma once
#include <string>
#include <vector>
#include "engine/config.h"
#include "core/rng.h"
#include "engine/stages/embed.h"
#include "kernels/kernels.h"
#include "core/normalize.h"
#include "core/positions.h"
#include "engine/trace.h"

namespace attn {

// posenc.cpp: (n, d) table, PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(...)
Mat sinusoidal_table(int n, int d);
// posenc.cpp: rotates pairs (2p, 2p+1) of every head block of M (n, n_heads*dh) by pos * theta_p
void apply_rope(Mat* M, int n_heads);

// project.cpp: the inputs and results of one projection: q = xq . wq (n_q, d), k = xk . wk and
// v = xk . wv (n_k, d). All pointers; q, k, v unused on input.
struct Projection {
  const Mat *xq, *xk;
  const SharedMat *wq, *wk, *wv;
  const Mat *q, *k, *v;
};
// project.cpp: q, k, v from in's inputs. prev, when given, is the last pass's projection: the rows
// whose inputs did not change are taken from it (same bits as recomputing them). Weights are
// recognized by identity first (the same shared matrix), by content otherwise.
void project_qkv(const Projection& in, const Projection* prev, Mat* q, Mat* k, Mat* v);
// project.cpp: indices of the rows of x whose bits differ from those of before (same shape)
std::vector<int> changed_rows(const Mat& x, const Mat& before);
bool same_shape(const Mat& a, const Mat& b);
bool same_bits(const Mat& a, const Mat& b);  // same shape and every float the same bits
// init_weights.cpp: (d, d) weights for one of W_q, W_k, W_v (Target) or W_o (Target::X)
Mat init_weights(Init init, Target which, int d, Rng* rng);
// init_weights.cpp: W_q, W_k, W_v, W_o for (init, d, seed), drawn in that order from one Rng
void draw_weights(Init init, int d, uint64_t seed, SharedMat out[4]);

// scores.cpp: (n_q, n_k) = q (n_q, dh) . k^T (n_k, dh)
Mat dot_scores(const Mat& q, const Mat& k);
// scores.cpp: the same, given s0 = dot_scores(q0, k0) from the last pass: only the rows of q and
// the rows of k (columns of s) that changed are recomputed, with the same bits as dot_scores
Mat dot_scores_update(const Mat& q, const Mat& k, const Mat& q0, const Mat& k0, const Mat& s0);
// scores.cpp: (n_q, n_k), s_ij = v . tanh(W1 q_i + W2 k_j); W1, W2 (dh, dh), v (1, dh)
Mat additive_scores(const Mat& q, const Mat& k, const Mat& w1, const Mat& w2, const Mat& v);

// scale.cpp: the factor applied to the scores (auto: 1/sqrt(d_head), none: 1, custom)
float scale_factor(const Config& cfg, int d_head);
// scale.cpp: (n_q, n_k) = scores (n_q, n_k) * factor
Mat scale_scores(const Mat& scores, float factor);
// scale.cpp: s′_ij += -m (p_i - j) (causal) or -m |p_i - j| (bidirectional), p_i = i + offset
void add_alibi(Mat* scaled, double slope, int offset, bool causal);
// scale.cpp: s′ <- c tanh(s′ / c), c > 0 (Gemma 2's logit soft-capping)
void soft_cap(Mat* scaled, float c);

// scores.cpp: the backward of dot_scores: dq (n_q, dh) = dS K, dk (n_k, dh) = dSᵀ Q
void dot_scores_backward(const MatD& dS, const Mat& q, const Mat& k, MatD* dq, MatD* dk);
// scores.cpp: the backward of additive_scores with respect to q and k (W1, W2, v held fixed)
void additive_scores_backward(const MatD& dS, const Mat& q, const Mat& k, const Mat& w1, const Mat& w2, const Mat& v,
                              MatD* dq, MatD* dk);

// mask.cpp: query i sits at key position i + offset: n_k - n_q for the bottom-right causal mask, else 0
int query_offset(const Config& cfg, int n_q, int n_k);
// mask.cpp: the rule of a causal (either alignment) or window mask, as the fused kernels take it
// (None for every other kind: those are not rules; a window's sink tokens are not part of it)
MaskRule mask_rule(const Config& cfg, int n_q, int n_k);
// mask.cpp: (n_q, n_k) allowed bits for the config's mask; notes mismatches in *notice
MaskBits build_mask(const Config& cfg, int n_q, int n_k, std::string* notice);
// mask.cpp: (n_q, n_k) copy of scaled with -inf where blocked
Mat apply_mask(const Mat& scaled, const MaskBits& allowed);

// normalize.cpp: one row of n logits (-inf = masked) -> n weights, all in double.
// Returns false with *err set when the normalizer is undefined for the row (sum of non-positives).
struct RowResult {
  std::vector<float> w;
  double shift = 0, denom = 0;  // softmax: row max and sum of exponentials; sum: the sum
  bool all_masked = false;
};
bool normalize_row(const float* logits, int n, Normalizer norm, float temperature, float alpha,
                   RowResult* out, std::string* err);
// normalize.cpp: the same, also giving the row's weights in double (masked keys 0) in *exact when
// non-null: what the backward pass differentiates
bool normalize_row_exact(const float* logits, int n, Normalizer norm, float temperature, float alpha,
                         RowResult* out, std::vector<double>* exact, std::string* err, const float* sink = nullptr);
// normalize.cpp: whole matrix, row by row; fills weights (n_q, n_k), stats, row_max, row_sum
// sink, when non-null: a logit (on the scores' scale) normalized with every row, then dropped.
bool normalize_rows(const Mat& masked, Normalizer norm, float temperature, float alpha, HeadTrace* h,
                    std::string* err, const float* sink = nullptr);
RowStats row_stats(const float* w, int n, bool all_masked);
// normalize.cpp: seeded training-mode dropout on weights (n_q, n_k), kept cells scaled by 1/(1-p)
void apply_dropout(Mat* weights, float p, uint64_t seed);
// normalize.cpp: dz (n) = Jᵀ dp, the row's normalizer differentiated at its weights p (double,
// from normalize_row_exact) with respect to z = logits / T; masked keys get 0. False for hardmax.
bool normalize_row_backward(const float* logits, const std::vector<double>& p, const double* dp, int n, Normalizer norm,
                            float temperature, float alpha, double* dz, std::string* err);
// normalize.cpp: which of `cells` cells (row-major) apply_dropout keeps for (p, seed): 1 = kept
std::vector<uint8_t> dropout_kept(size_t cells, float p, uint64_t seed);
// posenc.cpp: the transpose of apply_rope (rotation by -pos * theta): the backward pass of RoPE
void apply_rope_transpose(MatD* M, int n_heads);

// attend.cpp: (n_q, dh) = weights (n_q, n_k) . v (n_k, dh)
Mat attend(const Mat& weights, const Mat& v, int threads = 1);
// attend.cpp: a (m, k) . b (k, n) -> (m, n) with the blocked SIMD kernel (kernels.h)
Mat matmul(const Mat& a, const Mat& b, int threads = 1);

// output.cpp: columns [c0, c0 + w) of src (n, w), for one head's slice of Q, K, V
Mat head_cols(const Mat& src, int c0, int w);
// output.cpp: writes src (n, w) into columns [c0, c0 + w) of *dst: one head's part of concat
void set_head_cols(const Mat& src, int c0, Mat* dst);
// output.cpp: (n_q, d) = concat (n_q, d) . W_o (d, d)
Mat output_projection(const Mat& concat, const Mat& wo, int threads = 1);

// linear_attention.cpp: phi(x) = elu(x) + 1; out (n_q, dh) in O(n); implied (n_q, n_k) if non-null
void linear_attention(const Mat& q, const Mat& k, const Mat& v, bool causal, Mat* out, Mat* implied);
// linear_attention.cpp: its backward, in double: dq (n_q, dh), dk (n_k, dh), dv (n_k, dv) for dout (n_q, dv)
void linear_attention_backward(const Mat& q, const Mat& k, const Mat& v, bool causal, const MatD& dout, MatD* dq, MatD* dk,
                               MatD* dv);

}  // namespace attn
