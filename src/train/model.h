// model.h: the small transformer the playground trains, its parameters as one flat array with
// named tensors, and its forward and backward passes, for float (training) and double
// (finite-difference checks, exact dumps): a configuration of the one transformer of nn/ (spec_of,
// weights_of), whose layer functions compute them.
//
//   h0 = tok_emb[x] + pos                       x (B, T) token ids, h (B·T, d)
//   per layer:  h += Attn(LN1(h)) · W_o         Q = a·W_q, K = a·W_k, V = a·W_v, heads of d/H
//               h += W2·GELU(W1·LN2(h) + b1) + b2    (with the MLP; d_ff = 4d, GPT-2's tanh GELU)
//   logits = LN_f(h) · unembed                  (B·T, V); loss = mean cross-entropy over answer positions
//
// Matrices are stored (d_in, d_out) and applied as x · W, as in the saved tensors' names below.
#pragma once
#include <cstdint>
#include <string>
#include <vector>
#include "core/options.h"
#include "kernels/kernels.h"
#include "nn/transformer.h"

namespace attn::train {

// The options are the one vocabulary's (engine/options.h): positions learned, sinusoidal, RoPE,
// ALiBi or none; softmax, sparsemax or 1.5-entmax; Xavier, Kaiming or normal(0, 0.02) init.

struct ModelConfig {
  int vocab = 10;       // V (the task sets it)
  int seq = 16;         // T, the context length (the task sets it)
  int layers = 2;       // L, 1-6
  int heads = 4;        // H
  int kv_heads = 0;     // H_kv, a divisor of H (0 = H: no grouping)
  int d_model = 64;     // d, a multiple of H
  bool mlp = true;      // the MLP block after attention
  bool ln = true;       // LayerNorms (ln1, ln2, ln_f); off: the attention-only setting of induction heads
  bool causal = true;   // the mask: causal (next-token tasks) or bidirectional
  PosEnc pos = PosEnc::Learned;
  ScaleMode scale = ScaleMode::Auto;
  float scale_value = 1.0f;  // with ScaleMode::Custom
  float temperature = 1.0f;
  Normalizer norm = Normalizer::Softmax;  // softmax, sparsemax or entmax (alpha 1.5)
  float dropout = 0.0f;      // on the attention weights, while training only
  Init init = Init::Xavier;             // xavier, kaiming or normal

  int kvh() const { return kv_heads > 0 ? kv_heads : heads; }
  int d_head() const { return d_model / heads; }
  int d_ff() const { return 4 * d_model; }
  float score_scale() const;  // the factor on q·k (auto: 1/sqrt(d_head))
};

// Checks ranges and divisibility; *err names the setting and the allowed values.
bool validate(const ModelConfig& c, std::string* err);

// One named tensor inside the flat parameter array.
struct TensorInfo {
  std::string name;          // "layers.0.wq", as saved
  std::vector<int> shape;    // (d_in, d_out) for matrices
  size_t offset = 0, size = 0;
  bool decay = false;        // weight decay applies (matrices and embeddings; not biases, not LayerNorm)
};

// Where each tensor sits. Offsets of absent tensors (no MLP, no LayerNorm, no learned positions)
// are npos.
struct Layout {
  static constexpr size_t npos = size_t(-1);
  struct LayerAt { size_t ln1w, ln1b, wq, wk, wv, wo, ln2w, ln2b, w1, b1, w2, b2; };
  std::vector<TensorInfo> tensors;
  std::vector<LayerAt> layer;
  size_t tok_emb = npos, pos_emb = npos, lnfw = npos, lnfb = npos, unembed = npos;
  size_t total = 0;
  int find(const std::string& name) const;  // index into tensors, or -1
};
Layout make_layout(const ModelConfig& c);

// Fills params (layout.total) for the config's init from one seeded stream, tensor by tensor in
// layout order: matrices (embeddings included, fan_in = rows, fan_out = cols) by Xavier uniform,
// Kaiming normal or normal(0, 0.02); biases 0; LayerNorm weights 1.
template <class S>
void init_params(const ModelConfig& c, const Layout& lay, uint64_t seed, std::vector<S>* params);

// A batch: B sequences of T tokens, their targets and loss weights (1 at the answer positions).
struct Batch {
  int B = 0, T = 0;
  std::vector<int> x, y;     // (B, T)
  std::vector<float> w;      // (B, T): 1 = scored
};

// Whether a pass of this config at sequence length T runs attention on the fused kernels
// (nn::fused_applies: float softmax without ALiBi or dropout, from nn::kFusedT tokens on). Never for
// the probe, whose views read the weights.
using nn::kFusedT;
bool fused(const ModelConfig& c, int T, bool is_float, bool dropout, bool record_scores);

// The model as a configuration of the one transformer (nn/transformer.h): its spec, and views of
// a flat array laid out by lay (the parameters, T = const S, or their gradients, T = S)
nn::Spec spec_of(const ModelConfig& c);
template <class T>
nn::Weights<T> weights_of(const ModelConfig& c, const Layout& lay, T* base);

// What one forward pass keeps for its backward pass (and for the probe's views): the transformer's
// cache, layers[l].{a, q, k, v, p, lse, keep, o, m, u, g, gt}, f, rows, logits, probs
template <class S>
using Cache = nn::Cache<S>;
using LossOut = nn::LossOut;  // cross-entropy and accuracy of one forward pass

// The forward pass. train: dropout on (seeded by dropout_seed). all_logits: logits at every
// position, (B·T, V) into cache->logits and rows = all (generation and evaluation use this).
template <class S>
LossOut forward(const ModelConfig& c, const Layout& lay, const std::vector<S>& params, const Batch& batch,
                Cache<S>* cache, bool train, uint64_t dropout_seed, bool all_logits = false);

// The backward pass of the last forward(): grads (layout.total) = dLoss/dparams, overwritten.
template <class S>
void backward(const ModelConfig& c, const Layout& lay, const std::vector<S>& params, const Batch& batch,
              const Cache<S>& cache, std::vector<S>* grads);

// Greedy decoding one token at a time: the transformer's forward at one new token, continuing from
// the keys and values its cache holds.
struct Decoder {
  Cache<float> cache;
  int t = 0;  // tokens consumed
  const std::vector<float>& k(int l) const { return cache.layers[size_t(l)].k; }     // (t, H_kv dh), after RoPE
  const std::vector<float>& v(int l) const { return cache.layers[size_t(l)].v; }     // (t, H_kv dh)
  const std::vector<float>& attn(int l) const { return cache.layers[size_t(l)].p; }  // the last step's weights (H, t)
};
// Feeds one token at position dec->t and returns its logits (V). Causal models only; t < T
// unless the position scheme has no table (RoPE, ALiBi, none). Matches forward()'s logits.
std::vector<float> decode_step(const ModelConfig& c, const Layout& lay, const std::vector<float>& params, int token,
                               Decoder* dec);

}  // namespace attn::train
