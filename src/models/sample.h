// sample.h: the next-token distribution of a model's logits, and choosing a token from it:
// temperature, then top-k, then top-p (nucleus), renormalized; greedy at temperature 0.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

namespace attn::models {

struct SampleOptions {
  double temperature = 0;  // 0: greedy (the argmax); > 0 divides the logits
  int top_k = 0;           // keep the k most likely (0: all)
  double top_p = 1;        // keep the smallest set whose probability reaches p (1: all)
  uint64_t seed = 0;
};

// (token, probability) from most to least likely after the filters, probabilities summing to 1.
// Temperature 0 is read as 1 here (the distribution a greedy choice takes its argmax of).
std::vector<std::pair<int, double>> next_token_distribution(const float* logits, int V, const SampleOptions& o);
// The token chosen at step `step` of a generation: the argmax at temperature 0, else a draw
// from the filtered distribution with a stream seeded by (seed, step).
int choose_token(const float* logits, int V, const SampleOptions& o, int step);

}  // namespace attn::models
