// generate.h: reading a real model's residual stream, and continuing its text. The logit lens (the
// token the model would predict from the residual stream after each block) and generation from
// the KV cache one token at a time, for `attn model --generate` and the Model mode's Generate.
#pragma once
#include <string>
#include <vector>
#include "models/model.h"
#include "models/sample.h"

namespace attn::models {

// (L) the likeliest token at position t when the residual stream after block l goes through the
// final norm and the output head (nostalgebraist's logit lens); the last entry is the model's own
std::vector<int> logit_lens(const Model& m, const Pass& pass, int t);

struct Generation {
  nn::Cache<float> cache;     // the keys and values of every position so far
  std::vector<float> logits;  // (V) the next token's
  int T = 0;                  // positions in the cache
  std::vector<int> tokens;    // the tokens generated so far
};
// From a pass over the prompt (run_model, with its knocked-out heads): its keys and values and its
// last position's logits, so the prompt is not run again. keep_weights: each step keeps its
// attention row, cache.layers[l].p: (H, 1, T) after the step.
void generation_start(const Pass& pass, bool keep_weights, Generation* g);
// Chooses the next token from g->logits (so: greedy at temperature 0), appends it, and runs it
// through the model so that g->logits is the one after it. False (err says why) at the model's
// last learned position or out of memory; the tokens chosen so far stay.
bool generation_step(const Model& m, const SampleOptions& so, Generation* g, std::string* err);

}  // namespace attn::models
