// transformer.h: one decoder-only transformer, strung from the layers of layers.h. The model the
// playground trains and the real checkpoints it opens (GPT-2, Llama, Mistral, Qwen2, Qwen3) are specs of
// this one function list (llm.c's gpt2_forward):
//
//   h = embed(x)                                   (B·T, d)
//   per block:  a = norm1(h);  h += attention(a)   Q (B·T, H dh), K, V (B, n_k, H_kv dh)
//               m = norm2(h);  h += mlp(m)         (B·T, d_ff) inside
//   f = norm_f(h)                                  (B·T, d); logits = lm_head(f[rows])
#pragma once
#include <vector>
#include "nn/layers.h"

namespace attn::nn {

struct Spec {
  int vocab = 0, d_model = 0, layers = 0;
  PosEnc pos = PosEnc::Learned;  // learned and sinusoidal in embed; RoPE and ALiBi in attention
  NormSpec norm;                 // every norm of the model (kind None: the attention-only setting)
  AttentionSpec attn;
  bool mlp = true;               // the MLP sub-block
  MlpSpec ff;
};

template <class T>
struct Block {
  NormWeights<T> ln1, ln2;
  AttentionWeights<T> attn;
  MlpWeights<T> mlp;
};
template <class T>
struct Weights {
  EmbedWeights<T> embed;
  std::vector<Block<T>> blocks;
  NormWeights<T> ln_f;
  Linear<T> head;  // (d, V) InOut, or (V, d) OutIn: untied, or tied to embed.tok
};

// What one pass keeps, for the backward pass, the probe's views and the stepper.
template <class S>
struct Cache {
  struct LayerCache : AttentionCache<S>, MlpCache<S> {
    NormCache<S> n1, n2;   // norm1's and norm2's kept values
    std::vector<S> a;      // (B·T, d) attention's input
    std::vector<S> m;      // (B·T, d) the MLP's input
    std::vector<S> resid;  // (B·T, d) the residual stream after the block, when keep_resid
  };
  int B = 0, T = 0, pos0 = 0;
  std::vector<LayerCache> layers;
  NormCache<S> nf;
  std::vector<S> f;                // (B·T, d) the final norm's output
  std::vector<int> rows;           // the token rows with logits (b·T + t), in order
  std::vector<S> logits, probs;    // (rows, V)
  struct Work {
    AttentionWork<S> attn;
    MlpWork<S> mlp;
    std::vector<S> tmp, h, fr, dlog, dfr, df, dres, da, dm;
  };
  mutable Work work;               // scratch reused from step to step (fresh allocations cost page faults)
  bool record_scores = false;      // forward() also fills max_abs_score (the probe)
  bool keep_weights = false;       // always keep p (no fused path): the views and dumps read every weight
  bool keep_resid = false;         // keep each block's output in layers[l].resid
  std::vector<uint8_t> knocked_out;  // (L, H) or empty: heads whose output is zeroed
  std::vector<double> max_abs_score;  // (L, H) largest |scaled score| over allowed cells
};

// How a pass runs: training (dropout on, from this seed)
struct Run {
  bool train = false;
  uint64_t dropout_seed = 0;
};

// The blocks and the final norm of tokens x (B, T) at positions pos0 + t, into c->f; pos0 > 0
// (B = 1) continues from the keys and values c holds (decoding one token at a time).
template <class S>
void forward_blocks(const Spec& s, const Weights<const S>& W, int B, int T, int pos0, const int* x, const Run& run,
                    Cache<S>* c);
// forward_blocks in three parts, for a pass spread over frames (the Model mode): the embedding of
// x (B, T) at pos0, block l (in order, 0 first), the final norm. The same bits as forward_blocks.
template <class S>
void forward_begin(const Spec& s, const Weights<const S>& W, int B, int T, int pos0, const int* x, Cache<S>* c);
template <class S>
void forward_block(const Spec& s, const Weights<const S>& W, int l, const Run& run, Cache<S>* c);
template <class S>
void forward_end(const Spec& s, const Weights<const S>& W, Cache<S>* c);
// The backward pass of the last forward_blocks (pos0 = 0) from df (B·T, d), the gradient at the
// final norm's output: every weight's gradient into G (the caller zeroes it once: embeddings and
// norms accumulate, matrices are overwritten).
template <class S>
void backward_blocks(const Spec& s, const Weights<const S>& W, const int* x, const Cache<S>& c, const S* df,
                     const Weights<S>& G);

}  // namespace attn::nn
