// tasks.h: the seeded toy tasks the trainer learns, each with a held-out set that is never trained
// on and a fixed probe example whose attention is recorded over time.
//
//   copy       k digits, '|', the same k digits          scored on the answer
//   reverse    k digits, '|', the k digits reversed      scored on the answer
//   sort       6 digits from {0,1,2}, then the sorted 6 (the model sees 11, scored on the last 6)
//   induction  a random block A of k distinct tokens repeated (A A A ...), k drawn per sequence;
//              scored wherever the token's previous occurrence predicts the next one
//   modadd     a b = (a + b) mod p; a fraction of the p² pairs is trained on, the rest held out
//   histogram  (bidirectional) for each position, how many times its token occurs in the sequence
//
// Next-token tasks feed the sequence's first T tokens and predict the next one at each position.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>
#include "core/rng.h"
#include "train/model.h"

namespace attn::train {

struct TaskOptions {
  std::string name = "sort";
  int k = 0;            // copy/reverse: digits; induction: context length T; histogram: T (0 = the task's default)
  int p = 0;            // modadd: the modulus (0 = 97)
  float train_frac = 0; // modadd: the fraction of pairs trained on (0 = 0.3)
  int vocab = 0;        // copy/reverse: digits (10); induction: tokens (16); histogram: symbols (6)
};

struct Task {
  TaskOptions opt;
  int vocab = 0, seq = 0;       // V, T
  bool causal = true;           // histogram is bidirectional
  std::vector<std::string> token_names;  // V labels: "0".."9", "|", "="
  std::vector<Batch> heldout;   // the held-out set, in batches of up to 256
  Batch probe;                  // one fixed example (B = 1)
  std::vector<std::vector<int>> table;     // modadd: the (a, b) pairs trained on
  std::unordered_set<uint64_t> held_keys;  // hashes of held-out inputs (never sampled for training)
};

// Known names: copy, reverse, sort, induction, modadd, histogram. false with *err naming the
// option when the name or a size is wrong. seed fixes the held-out set and the probe.
bool make_task(const TaskOptions& opt, uint64_t seed, Task* out, std::string* err);
const std::vector<std::string>& task_names();
std::string describe_task(const std::string& name);  // one line with an example

// B training examples for step `step` of a run seeded with `seed` (a stream of its own per step,
// so a run resumed at any step draws the same batches).
void sample_batch(const Task& task, uint64_t seed, int64_t step, int B, Batch* out);

// The token ids of a space-separated prompt ("3 1 2 |"); *err names the first unknown token.
bool parse_tokens(const Task& task, const std::string& text, std::vector<int>* out, std::string* err);

}  // namespace attn::train
