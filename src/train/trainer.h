// trainer.h: a training run: task + model + optimizer, one step at a time, deterministic (one seed
// gives one loss curve, bit for bit, within a build). The CLI drives it in a loop; the app can
// drive it in slices of a frame.
#pragma once
#include <cstdint>
#include <string>
#include <vector>
#include "train/model.h"
#include "train/tasks.h"

namespace attn::train {

enum class Optimizer { AdamW, SGD };

struct OptimConfig {
  Optimizer kind = Optimizer::AdamW;
  double lr = 1e-3;
  int warmup = 100;            // steps of linear warmup from 0
  bool cosine = true;          // cosine decay to 0 at `steps` after the warmup (else constant)
  int steps = 2000;
  int batch = 64;
  double weight_decay = 0.01;  // AdamW: decoupled (PyTorch's); SGD: added to the gradient. Matrices only.
  double clip = 1.0;           // global gradient norm limit (0 = off)
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // AdamW
  double momentum = 0.9;                           // SGD
};

struct TrainConfig {
  TaskOptions task;
  ModelConfig model;           // vocab, seq and causal come from the task
  OptimConfig opt;
  uint64_t seed = 1;           // init, batches, dropout, held-out set
  int snapshot_every = 0;      // 0: steps / 400 (at least 1); the first 50 steps always
  int eval_every = 0;          // held-out evaluation; 0: steps / 200, at least the snapshot interval
  // the mask: 0 = the task's (causal for next-token tasks, bidirectional for histogram); 1 = causal;
  // 2 = bidirectional (on a next-token task the model then sees the answer: a lesson in why masks exist)
  int mask = 0;
};

struct StepStats {
  bool ok = true;
  std::string error;           // when !ok: the step, the parameter, what to try
  int64_t step = 0;            // the step just taken (0-based)
  double loss = 0, grad_norm = 0, lr = 0, ms = 0;
  int correct = 0, scored = 0; // training accuracy of this batch
  std::vector<float> tensor_norms;  // per tensor of the layout, before clipping
};

struct EvalStats {
  double loss = 0, acc = 0;    // mean loss and token accuracy over the held-out set
  int correct = 0, scored = 0;
  double seq_acc = 0;          // fraction of sequences with every scored token right
};

// The probe's state at one step: what the snapshots file and the Train mode show.
struct Snapshot {
  int64_t step = 0;
  float loss = 0, grad_norm = 0;
  float heldout_acc = -1;      // -1: not evaluated at this step
  std::vector<float> tensor_norms;  // per tensor
  std::vector<float> entropy;       // (L, H) mean row entropy of the probe's weights, in nats
  std::vector<float> max_score;     // (L, H) largest |scaled score| over the allowed cells
  std::vector<float> attn;          // (L, H, T, T) the probe's weights (0 where masked)
};

template <class S>
struct Trainer {
  TrainConfig cfg;
  Task task;
  Layout lay;
  std::vector<S> params, grads, m1, m2;     // (layout.total) each; m1, m2: AdamW's moments or SGD's momentum
  std::vector<S> last_good, last_m1, last_m2;  // before the last update
  Cache<S> cache;
  Batch batch;
  int64_t step = 0;            // steps taken

  // Builds the task, validates the model and draws the initial weights. false with *err.
  bool init(const TrainConfig& c, std::string* err);
  // One optimizer step on the step's batch. A non-finite loss or gradient stops before the
  // update (weights unchanged) with a message; so does a non-finite weight after it (restored).
  StepStats train_step();
  // The same on a given batch (the benchmark repeats one batch so every framework sees the same data).
  StepStats train_step_on(const Batch& b);
  // The learning rate at step s (warmup, then cosine or constant).
  double lr_at(int64_t s) const;
  // Loss and accuracy over the held-out set (no dropout); max_seqs > 0: over its first max_seqs
  // sequences only (the Train mode's live curve, where a whole pass would stall a frame).
  EvalStats evaluate(int max_seqs = 0);
  // Forward and backward only, on the step's batch (no update): the dump of the first step.
  double loss_and_grads(int64_t at_step);
  // The seed of step at_step's dropout masks (the same for the step and its first-step dump).
  uint64_t dropout_seed(int64_t at_step) const;
  // The probe's weights, entropy and max |score| (no dropout), plus the given step's numbers.
  Snapshot snapshot(const StepStats& last, float heldout_acc);
};

extern template struct Trainer<float>;
extern template struct Trainer<double>;

// Whether `step` (0-based) gets a snapshot: every step of the first 50, then every `every`.
bool snapshot_due(int64_t step, int every);
int snapshot_interval(const TrainConfig& c);

}  // namespace attn::train
