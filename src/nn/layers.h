// layers.h: a transformer's layers as functions, each with its backward pass (llm.c's layer list):
// linear, embed, norm, attention, mlp, lm_head and the cross-entropy loss. One implementation for
// the model the playground trains and the real checkpoints it opens: a GPT-2 block and a Llama
// block are the same calls with different specs and weight views (transformer.h strings them).
// Written once for float (the SIMD kernels) and double (plain loops: finite differences, exact dumps).
//
// Weights are views into someone else's memory (the trained model's flat array, a mapped
// safetensors file); nothing here owns a parameter. T is `const S` for weights, `S` for gradients.
// Activations are (rows, width) row-major; rows = B·T, sequence b's token t at row b·T + t.
#pragma once
#include <cstdint>
#include <vector>
#include "core/halfs.h"
#include "core/options.h"
#include "core/positions.h"
#include "kernels/kernels.h"

namespace attn::nn {

// ---------------------------------------------------------------- linear
// How a checkpoint stores a matrix of a layer y (N, out) = x (N, in) · W + b:
//   InOut  (in, out), applied as x · W   GPT-2's Conv1D, the trained model
//   OutIn  (out, in), applied as x · Wᵀ  nn.Linear: Llama, Mistral, Qwen2; a head tied to (V, d) embeddings
enum class Store { InOut, OutIn };
template <class T>
struct Linear {
  T* w = nullptr;   // the stored matrix; ld: its row stride (a q slice of GPT-2's (d, 3d) c_attn has ld 3d)
  T* b = nullptr;   // (out) or null
  int in = 0, out = 0, ld = 0;
  Store store = Store::InOut;
  // a checkpoint's F16 or BF16 matrix in its stored width (w null): widened block by block as the
  // product reads it, so that a model takes about its file's size in memory (forward only)
  const uint16_t* w16 = nullptr;
  Half half = Half::None;
};
// y (N, out) = x W + b (acc: y += x W, then + b)
template <class S>
void linear_forward(int N, const S* x, const Linear<const S>& W, S* y, bool acc, std::vector<S>* tmp);
// dW, db (overwritten) = xᵀ dy, Σ dy; dx (N, in) = dy Wᵀ (acc: dx +=), skipped when dx is null
template <class S>
void linear_backward(int N, const S* x, const S* dy, const Linear<const S>& W, const Linear<S>& G, S* dx, bool acc_dx,
                     std::vector<S>* tmp);

// ---------------------------------------------------------------- embed
template <class T>
struct EmbedWeights {
  T* tok = nullptr;  // (V, d)
  T* pos = nullptr;  // (n_pos, d) learned positions (GPT-2's wpe), or null
  const uint16_t* tok16 = nullptr;  // the token table in its stored F16 / BF16 width (tok null), forward only
  Half half = Half::None;
};
// h (B·T, d) = tok[x] + positions at pos0 + t: learned (the table), sinusoidal, or none (RoPE and
// ALiBi act inside attention)
template <class S>
void embed_forward(PosEnc pos, int B, int T, int pos0, int d, const int* x, const EmbedWeights<const S>& W, S* h);
// dtok[x], dpos[t] += dh: the caller zeroes the gradients once
template <class S>
void embed_backward(PosEnc pos, int B, int T, int d, const int* x, const S* dh, const EmbedWeights<S>& G);

// ---------------------------------------------------------------- norm
enum class NormKind { None, Layer, Rms };  // none (a copy), LayerNorm (GPT-2), RMSNorm (Llama, Qwen2)
struct NormSpec {
  NormKind kind = NormKind::Layer;
  double eps = 1e-5;
};
template <class T>
struct NormWeights { T* w = nullptr; T* b = nullptr; };  // (d) each; RMSNorm has no b
template <class S>
struct NormCache {
  std::vector<S> xhat;  // (rows, d) LayerNorm: the normalized input; RMSNorm: the input itself
  std::vector<S> rstd;  // (rows) 1 / sigma
};
// y (rows, d) = norm(x), keeping what the backward pass reads
template <class S>
void norm_forward(const NormSpec& s, int rows, int d, const std::vector<S>& x, const NormWeights<const S>& W,
                  NormCache<S>* c, std::vector<S>* y);
// dx (rows, d) += d norm / dx · dy; dw, db += (the caller zeroes the gradients once)
template <class S>
void norm_backward(const NormSpec& s, int rows, int d, const S* dy, const NormCache<S>& c, const NormWeights<const S>& W,
                   S* dx, const NormWeights<S>& G);

// ---------------------------------------------------------------- attention
struct AttentionSpec {
  int heads = 4, kv_heads = 4, d_head = 16;  // H, H_kv (query head h reads KV head h / (H / H_kv)), dh
  bool causal = true;
  int window = 0;          // > 0: a causal query at p sees keys p - window < j <= p (Mistral's sliding window)
  PosEnc pos = PosEnc::None;  // Rope and Alibi act here; the others in embed
  RopeLayout rope = RopeLayout::Interleaved;
  double rope_theta = 10000.0;
  std::vector<double> rope_freqs;  // (dh / 2) when a rope_scaling replaces theta^(-2p/dh); else empty
  float scale = 1.0f;      // on q·k (1/sqrt(dh) in every real model)
  double qk_norm_eps = -1; // >= 0: each head's q and k RMS-normalized over dh (weights q_norm, k_norm) before RoPE (Qwen3)
  float temperature = 1.0f;
  Normalizer norm = Normalizer::Softmax;  // softmax, sparsemax or entmax (alpha 1.5)
  float dropout = 0.0f;    // on the weights, while training
  // which KV head query head h reads: Repeat, h / (H / H_kv) (every real model, repeat_interleave);
  // Tile, h % H_kv, the porting bug attn check-model names (gqa-tiled)
  enum class KvMap { Repeat, Tile } kv_map = KvMap::Repeat;
  int q_width() const { return heads * d_head; }
  int kv_width() const { return kv_heads * d_head; }
};
template <class T>
struct AttentionWeights {
  Linear<T> q, k, v, o;    // q (d, H dh), k, v (d, H_kv dh), o (H dh, d)
  T* q_norm = nullptr;     // (dh) Qwen3's per-head RMSNorm of q, when AttentionSpec::qk_norm_eps >= 0
  T* k_norm = nullptr;     // (dh) and of k
};

// What attention keeps of a pass, per layer. k and v hold every key so far: (B, pos0 + T, H_kv dh);
// across decode steps (B = 1) they are the KV cache.
template <class S>
struct AttentionCache {
  std::vector<S> q;             // (B·T, H dh) after RoPE
  std::vector<S> k, v;          // (B, pos0 + T, H_kv dh), after RoPE
  std::vector<S> p;             // (B, H, T, pos0 + T) the normalizer's weights (0 where masked); empty when fused
  std::vector<float> lse;       // (B, H, T) each row's log-sum-exp, when the fused path ran
  std::vector<uint8_t> keep;    // (B, H, T, T) dropout's kept cells (empty without dropout)
  std::vector<S> o;             // (B·T, H dh) the heads' outputs side by side
};
template <class S>
struct AttentionWork {
  std::vector<S> tmp, att, dO, dq, dk, dv, aT, dA, dZ;
  std::vector<float> gkv;  // the fused backward's dK, dV of one query head
  Workspace flash;         // the fused kernels' scratch, O(T d)
};
// How one pass runs: training (dropout from seed, stream per layer, sequence and head), whether
// the fused kernels may run, and where to record each head's largest |scaled score| (H) (the probe)
struct AttentionRun {
  bool dropout = false;
  uint64_t dropout_seed = 0;
  int layer = 0;
  bool fused = false;
  double* max_abs_score = nullptr;
  const uint8_t* knocked_out = nullptr;  // (H) or null: 1 = that head's output is zeroed before W_o
};

// From kFusedT keys on, float softmax attention runs on the fused kernels (FlashAttention's forward,
// FlashAttention-2's backward: the (T, T) weights are never stored, the cache keeps O and each
// row's log-sum-exp), where the weights would take B H T^2 floats a layer (at T = 512, batch 32 and
// 4 heads: 128 MB). Not with ALiBi, dropout, a sliding window, a KV cache, or the probe's record.
constexpr int kFusedT = 256;
bool fused_applies(const AttentionSpec& s, int T, int pos0, bool is_float, bool dropout, bool record_scores);

// h (B·T, d) += Attention(a) W_o + b_o, with a (B·T, d) the normalized input of tokens at pos0 + t.
// pos0 > 0 (decoding): B = 1, and c->k, c->v already hold the pos0 earlier keys and values.
template <class S>
void attention_forward(const AttentionSpec& s, int B, int T, int pos0, int d, const S* a,
                       const AttentionWeights<const S>& W, const AttentionRun& run, AttentionCache<S>* c, S* h,
                       AttentionWork<S>* w);
// From dh (B·T, d), the gradient at attention's output: the weights' gradients (overwritten) and
// da (B·T, d) = d loss / d a (overwritten). After a forward with pos0 = 0.
template <class S>
void attention_backward(const AttentionSpec& s, int B, int T, int d, const S* a, const S* dh,
                        const AttentionWeights<const S>& W, const AttentionCache<S>& c, float dropout,
                        const AttentionWeights<S>& G, S* da, AttentionWork<S>* w);

// ---------------------------------------------------------------- mlp
// GPT-2: down(GELU_tanh(up x)); Llama: down(silu(gate x) · up x); GeluErf: the exact GELU, which
// no model here uses (the porting bug attn check-model names gelu-exact)
enum class Activation { Gelu, SwiGlu, GeluErf };
struct MlpSpec {
  Activation act = Activation::Gelu;
  int d_ff = 0;
};
template <class T>
struct MlpWeights { Linear<T> up, gate, down; };  // up, gate (d, d_ff) (gate: SwiGLU only), down (d_ff, d)
template <class S>
struct MlpCache {
  std::vector<S> u;   // (rows, d_ff) up x (+ b)
  std::vector<S> gt;  // (rows, d_ff) GELU: its inner tanh; SwiGLU: gate x
  std::vector<S> g;   // (rows, d_ff) the activation, down's input
};
template <class S>
struct MlpWork { std::vector<S> tmp, dg, du, dgate; };
// h (rows, d) += MLP(m)
template <class S>
void mlp_forward(const MlpSpec& s, int rows, int d, const S* m, const MlpWeights<const S>& W, MlpCache<S>* c, S* h,
                 MlpWork<S>* w);
// from dh (rows, d): the weights' gradients (overwritten) and dm (rows, d) (overwritten)
template <class S>
void mlp_backward(const MlpSpec& s, int rows, int d, const S* m, const S* dh, const MlpWeights<const S>& W,
                  const MlpCache<S>& c, const MlpWeights<S>& G, S* dm, MlpWork<S>* w);

// ---------------------------------------------------------------- lm_head and loss
// logits (R, V) = f[rows] · head, from the final norm's output f (N, d); fr (R, d) keeps the gathered rows
template <class S>
void lm_head_forward(int d, const std::vector<int>& rows, const S* f, const Linear<const S>& head, std::vector<S>* fr,
                     S* logits, std::vector<S>* tmp);
// the head's gradient (overwritten) and df (N, d) (overwritten, 0 at rows not scored)
template <class S>
void lm_head_backward(int N, int d, const std::vector<int>& rows, const std::vector<S>& fr, const S* dlogits,
                      const Linear<const S>& head, const Linear<S>& G, std::vector<S>* dfr, S* df, std::vector<S>* tmp);

struct LossOut {
  double loss = 0;    // mean over scored positions (weighted)
  int correct = 0;    // scored positions whose argmax is the target
  int scored = 0;
};
// probs (R, V) = softmax(logits); loss = weighted mean of -log p(y) over the rows with weight > 0.
// rows[r] is the token row of logits row r; y, wt are per token row.
template <class S>
LossOut cross_entropy_forward(int V, const std::vector<int>& rows, const S* logits, const int* y, const float* wt,
                              S* probs);
// dlogits (R, V) = wt (probs - onehot(y)) / Σ wt
template <class S>
void cross_entropy_backward(int V, const std::vector<int>& rows, const S* probs, const int* y, const float* wt,
                            S* dlogits);

}  // namespace attn::nn
