// train_rules.h: the training settings' rows of the one rules table (rules.cpp holds both
// tables). A header of its own, without Eigen, since the trained model (train/, built with the
// kernels' instruction set) reads it.
#pragma once
#include <string>
#include <vector>

namespace attn {

// The largest h <= heads that divides d_model (at least 1): the stepper's and the training rule.
int fit_heads(int d_model, int heads);

// Every setting of a training run, one row each, in the order a run's config.json lists them:
// `attn train --NAME` (dashes), config.json (underscores), the Train panel and its link all take
// their ranges from here (train/settings.cpp maps each key to its field of a TrainConfig).
enum class TrainKey {
  Task, K, Vocab, P, TrainFrac, Layers, Heads, KvHeads, DModel, Mlp, Ln, Posenc, Scale, Temperature, Mask,
  Normalizer, Init, Dropout, Optimizer, Lr, Warmup, Schedule, Batch, Steps, Seed, WeightDecay, Clip, Beta1,
  Beta2, Eps, Momentum, SnapshotEvery, EvalEvery, Count
};
enum class TrainValue { Int, Real, Bool, Name };  // Name: one of the words in `values`
struct TrainRule {
  TrainKey key;
  const char* name;      // "weight_decay": config.json; the CLI flag is --weight-decay
  TrainValue kind;
  double lo, hi;         // what a run may take (Int, Real); hi may be infinite
  bool lo_open, hi_open; // (lo, ...] and [..., hi): the ends themselves are refused
  double app_lo, app_hi; // what the Train panel's control offers (equal: no slider)
  bool live;             // applies at the next step of a running model; the others wait for Reset
  const char* values;    // what it accepts, for the usage text
};
const std::vector<TrainRule>& train_rules();  // one row per TrainKey, in TrainKey order
const TrainRule& train_rule(TrainKey k);
const TrainRule* find_train_rule(const std::string& name);  // nullptr: no such setting
std::string train_flag(TrainKey k);  // "--weight-decay"
// Empty when v is in the setting's range; else what it expects: "an integer from 1 to 6",
// "a number in (0, 10]"
std::string check_train_value(TrainKey k, double v);
std::string train_range_text(TrainKey k);

}  // namespace attn
