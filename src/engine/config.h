// config.h: the one source of truth. A Config plus its seed determines every number;
// the UI, the URL, the CLI and the presets all edit or serialize this struct.
#pragma once
#include <string>
#include <vector>
#include "core/options.h"
#include "engine/tensor.h"

namespace attn {

enum class Input { Sentence, Matrices, QKV, Weights };  // where X, Q/K/V or the weights come from

// A user's edit of one cell, applied after the matrix is built and before it is used.
struct CellEdit {
  Target target;
  int row, col;
  float value;
};

struct Config {
  Input input = Input::Sentence;
  std::string sentence = "The cat sat on the mat because it was tired";
  std::string source;  // non-empty: cross-attention, K and V come from this sentence
  int d_model = 8;
  int n_heads = 2;
  PosEnc posenc = PosEnc::None;
  Init init = Init::Designed;
  ScoreFn score = ScoreFn::Dot;
  ScaleMode scale = ScaleMode::Auto;
  float scale_value = 1.0f;     // used when scale == Custom
  MaskKind mask = MaskKind::None;
  int window = 1;               // half-width w for MaskKind::Window
  std::vector<int> padding;     // key positions that are padding, for MaskKind::Padding
  MaskBits custom_mask;         // (n_q, n_k) row-major, 1 = may attend, for MaskKind::Custom
  int custom_rows = 0, custom_cols = 0;
  Normalizer normalizer = Normalizer::Softmax;
  float temperature = 1.0f;     // T > 0; weights are normalize(scores / T)
  float entmax_alpha = 1.5f;    // alpha in [1, 2] for Normalizer::Entmax
  float dropout = 0.0f;         // training-mode dropout probability on weights, 0 = off
  // ---- variants of 2024-2026 models
  int n_kv_heads = 0;           // grouped-query attention: H_kv key/value heads shared by the query
                                // heads (query head h reads KV head h / (H / H_kv)); 0 = one per head
  int qkv_heads = 1;            // heads of Q_in when Q, K, V are given directly (Input::QKV)
  bool alibi = false;           // ALiBi (Press et al. 2021): -m_h (i - j) added to the scaled scores
  float softcap = 0.0f;         // logit soft-capping c (Gemma 2): s' <- c tanh(s'/c); 0 = off
  std::vector<float> sinks;     // a learned sink logit per query head (normalized with the row, then
                                // dropped: rows sum to less than 1); empty = none. Softmax only
  int sink_tokens = 0;          // StreamingLLM: under a window mask, the first N keys stay visible
  bool linear = false;          // also compute linear attention for side-by-side display
  uint64_t seed = 1;
  std::vector<CellEdit> edits;

  // User-supplied matrices. Empty means "not supplied"; with Init set, W_* are drawn instead.
  Mat X, X_src;                 // (n_q, d_model), (n_k, d_model) for Input::Matrices
  std::vector<std::string> labels;  // Input::Matrices (and QKV with n_q = n_k): a token label per row of X (e.g. a trained
                                    // model's probe); empty or another count: t1 ... tn
  Mat Wq, Wk, Wv, Wo;           // (d_model, d_model); Wo may stay empty (= identity)
  Mat Q_in, K_in, V_in;         // (n_q, d), (n_k, d), (n_k, d_v) for Input::QKV (one head)
  Mat A_in;                     // (n_q, n_k) attention weights shown as they are, Input::Weights
};

// The engine's size limits (the CLI's ranges in engine/rules.h are these).
constexpr int kMaxDModel = 1024;
constexpr int kMaxHeads = 64;

// Resource limits, checked before allocating. The platform layer may lower them (wasm).
struct Limits {
  int max_n = 4096;             // staged path: the trace holds (n, n) matrices per head
  int max_d_model = kMaxDModel;
  int max_heads = kMaxHeads;
  double max_trace_bytes = 1.5e9;
  // threads the staged path's two largest products (weights . V per head, concat . W_o) may use;
  // any number gives the bits of one (rows are dealt out whole), so this changes only the time
  int threads = 1;
};

}  // namespace attn
