// probe.h: reading a trained model's attention: what kind of head a pattern is (the labels the
// Train mode shows), and the stepper's Config for one layer of the model on the probe example, so
// that every stepper view works on learned weights.
#pragma once
#include <string>
#include <vector>
#include "engine/config.h"
#include "train/model.h"

namespace attn::train {

enum class HeadKind { PreviousToken, Induction, FirstToken, Self, Uniform, Mixed };
const char* head_kind_name(HeadKind k);  // "previous-token", "induction", "first-token", "self", "uniform", "mixed"

struct HeadLabel {
  HeadKind kind = HeadKind::Mixed;
  HeadKind best = HeadKind::Mixed;  // the pattern with the largest score (what a Mixed head leans to)
  float score = 0;  // the score that decided it (for Mixed: the best of the four)
  // mean weight on: the previous token, the tokens after the current token's earlier occurrences,
  // the first token, itself; uniformity = mean over rows of e^entropy / allowed keys (1 = uniform)
  float prev = 0, induction = 0, first = 0, self = 0, uniformity = 0;
  bool has_repeats = false;  // the probe repeats a token (otherwise there is no induction score)
};

// A (T, T) weights of one head (0 where masked), tokens (T) the probe's input. A pattern is named
// when its score reaches 0.5 (uniform: 0.85), the largest score winning.
HeadLabel classify_head(const float* A, int T, const int* tokens, bool causal);

// The stepper's config for layer `layer` of the model on the probe batch (B = 1): X = the layer's
// attention input (LN1 of the residual stream, so positions are inside it), the layer's W_q, W_k,
// W_v, W_o, heads, grouped-query, RoPE or ALiBi, scale, temperature, normalizer and mask. false with
// *err when the model's options have no stepper equivalent.
bool stepper_config(const ModelConfig& c, const Layout& lay, const std::vector<float>& params, const Batch& probe,
                    int layer, const std::vector<std::string>& token_names, Config* out, std::string* err);

}  // namespace attn::train
