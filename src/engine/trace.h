// trace.h: every intermediate of one forward pass, kept on purpose so the UI can step
// through the pipeline and never recompute math itself.
#pragma once
#include <algorithm>
#include <memory>
#include <string>
#include <vector>
#include "engine/config.h"

namespace attn {

// The pipeline stages, in the order the stepper shows them.
enum class Stage { Embed, Project, Scores, Scale, Mask, Normalize, Attend, Output, Count };
const char* stage_name(Stage);  // plain text ("Scores QK^T"); the UI typesets ui::stage_markup

// Every matrix the trace holds, addressable by the UI, explain() and the exporters.
enum class MatrixId { X, PE, Xpe, Q, K, V, Scores, Scaled, Masked, Weights, HeadOut, Concat, Output,
                      LinWeights, LinOut, Count };
const char* matrix_name(MatrixId);

// A weight matrix held by reference: the drawn weights stay the same across recomputes, and
// copying four of them into every trace is 4 MB per edit at d_model = 512. Immutable once made.
struct SharedMat {
  std::shared_ptr<const Mat> p;
  const Mat& get() const {
    static const Mat empty;
    return p ? *p : empty;
  }
  operator const Mat&() const { return get(); }
};

struct RowStats {
  float entropy;   // -sum p ln p, in nats
  float max_w;     // largest weight in the row
  int nonzero;     // weights > 0
  bool all_masked; // every key blocked: the row's weights and output are exactly 0
};

struct HeadTrace {
  Mat q, k, v;          // (n_q, d_head), (n_k, d_head), (n_k, d_head); after RoPE
  Mat scores;           // (n_q, n_k) raw q_i . k_j (or additive)
  Mat scaled;           // (n_q, n_k) scores * scale (+ ALiBi's bias, then soft-capped, when on)
  Mat masked;           // (n_q, n_k) scaled, -inf where blocked
  Mat weights;          // (n_q, n_k) normalize(masked / T), after dropout when on
  Mat out;              // (n_q, d_head) weights . v
  Mat lin_weights;      // (n_q, n_k) linear attention's implied weights (when Config::linear)
  Mat lin_out;          // (n_q, d_head) linear attention output, computed in O(n)
  std::vector<RowStats> stats;  // n_q
  // additive (Bahdanau) parameters: W1, W2 (d_head, d_head), v (1, d_head)
  Mat add_w1, add_w2, add_v;
  std::vector<float> row_max;   // n_q, max of masked/T per row (the softmax shift)
  std::vector<float> row_sum;   // n_q, the normalizer's denominator per row
};

struct Trace {
  bool ok = false;
  std::string error;                 // why the forward pass was refused (empty when ok)
  std::vector<std::string> notices;  // non-fatal remarks (e.g. rows with every key masked)
  Config cfg;                        // the config this trace was computed from
  std::vector<std::string> tokens_q, tokens_k;
  int n_q = 0, n_k = 0, d_model = 0, n_heads = 0, d_head = 0;
  int n_kv_heads = 0;                // key/value heads (= n_heads without grouped-query attention)
  int d_v = 0;                       // value width per head (= d_head unless V was given wider)
  int kv_of(int h) const { return h / std::max(1, n_heads / std::max(1, n_kv_heads)); }  // the KV head query head h reads
  bool cross = false;
  float scale = 1.0f;                // the factor actually applied
  Mat X, X_src;                      // (n_q, d_model), (n_k, d_model) embeddings
  Mat PE;                            // (max(n_q, n_k), d_model) sinusoidal table (zeros otherwise)
  Mat Xpe, Xpe_src;                  // embeddings after positional encoding
  SharedMat Wq, Wk, Wv, Wo;          // (d_model, d_model)
  // W_q, W_k, W_v, W_o as drawn for (init, d_model, seed), before imports and edits: (d, d), except
  // W_k and W_v (d, H_kv d_head) with grouped-query attention (the drawn matrices' first columns);
  // the next pass takes them from here instead of drawing 4 d^2 numbers again
  SharedMat drawn[4];
  Mat Q, K, V;                       // (n_q, H d_head), (n_k, H_kv d_head), (n_k, H_kv d_v); after RoPE
  // (n_q, d_model), (n_k, d_model) x2: the products X.W before RoPE and cell edits, kept only when
  // those changed them (else empty: Q, K, V are the products); the next pass redoes only the rows
  // whose input changed
  Mat Q_proj, K_proj, V_proj;
  MaskBits allowed;                  // (n_q, n_k)
  std::vector<HeadTrace> heads;      // n_heads
  Mat concat;                        // (n_q, d_model) heads side by side
  Mat output;                        // (n_q, d_model) concat . Wo
  double compute_ms = 0;             // measured by the caller

  // The matrix for (id, head); nullptr when absent. Per-head ids need a head.
  const Mat* matrix(MatrixId id, int head) const;
};

}  // namespace attn
