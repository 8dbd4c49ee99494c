// trainer.cpp: the optimizer step (AdamW as PyTorch's, SGD with momentum, warmup + cosine,
// global-norm clipping), held-out evaluation and the probe's snapshot.
#include "train/trainer.h"
#include "train/settings.h"
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <type_traits>
#include "kernels/kernels.h"

namespace attn::train {

bool snapshot_due(int64_t step, int every) { return step < 50 || (every > 0 && step % every == 0); }

int snapshot_interval(const TrainConfig& c) {
  if (c.snapshot_every > 0) return c.snapshot_every;
  return std::max(1, c.opt.steps / 400);
}

template <class S>
bool Trainer<S>::init(const TrainConfig& c, std::string* err) {
  cfg = c;
  if (!make_task(cfg.task, cfg.seed, &task, err)) return false;
  cfg.task = task.opt;  // with the task's defaults filled in
  cfg.model.vocab = task.vocab;
  cfg.model.seq = task.seq;
  cfg.model.causal = cfg.mask == 0 ? task.causal : cfg.mask == 1;
  if (!validate(cfg.model, err)) return false;
  if (std::string e = check_settings(cfg); !e.empty()) { *err = e; return false; }
  lay = make_layout(cfg.model);
  init_params(cfg.model, lay, cfg.seed, &params);
  m1.assign(lay.total, S(0));
  m2.assign(lay.total, S(0));
  step = 0;
  return true;
}

template <class S>
double Trainer<S>::lr_at(int64_t s) const {
  const OptimConfig& o = cfg.opt;
  if (s < o.warmup) return o.lr * double(s + 1) / double(o.warmup);
  if (!o.cosine || o.steps <= o.warmup) return o.lr;
  const double t = std::min(1.0, double(s - o.warmup) / double(o.steps - o.warmup));
  return o.lr * 0.5 * (1.0 + std::cos(3.141592653589793 * t));
}

template <class S>
uint64_t Trainer<S>::dropout_seed(int64_t at_step) const {
  return cfg.seed ^ uint64_t(at_step) * 0x9E3779B9ull;
}

template <class S>
double Trainer<S>::loss_and_grads(int64_t at_step) {
  sample_batch(task, cfg.seed, at_step, cfg.opt.batch, &batch);
  cache.record_scores = false;
  const LossOut lo = forward(cfg.model, lay, params, batch, &cache, true, dropout_seed(at_step));
  backward(cfg.model, lay, params, batch, cache, &grads);
  return lo.loss;
}

namespace {
const char* kFix = "lower --lr, keep --scale auto, or clip gradients (--clip 1)";
}

template <class S>
StepStats Trainer<S>::train_step() {
  sample_batch(task, cfg.seed, step, cfg.opt.batch, &batch);
  return train_step_on(batch);
}

template <class S>
StepStats Trainer<S>::train_step_on(const Batch& batch) {
  const auto t0 = std::chrono::steady_clock::now();
  StepStats st;
  st.step = step;
  cache.record_scores = false;
  const LossOut lo = forward(cfg.model, lay, params, batch, &cache, true, dropout_seed(step));
  st.loss = lo.loss;
  st.correct = lo.correct;
  st.scored = lo.scored;
  auto stop = [&](const std::string& m) {
    st.ok = false;
    st.error = "step " + std::to_string(step) + ": " + m + "; training stopped with the last good weights (" + kFix + ")";
    return st;
  };
  if (!std::isfinite(st.loss)) {
    // the weights are finite (every update is checked): name the largest, where the overflow starts
    size_t worst = 0;
    double big = 0;
    for (size_t i = 0; i < lay.tensors.size(); i++)
      for (size_t j = lay.tensors[i].offset; j < lay.tensors[i].offset + lay.tensors[i].size; j++)
        if (std::fabs(double(params[j])) > big) { big = std::fabs(double(params[j])); worst = i; }
    char b[64];
    std::snprintf(b, sizeof b, "%.3g", big);
    return stop(std::string("the loss is ") + (std::isnan(st.loss) ? "NaN" : "Inf") + " (the largest weight is in " +
                lay.tensors[worst].name + ", |w| = " + b + ")");
  }
  backward(cfg.model, lay, params, batch, cache, &grads);
  // per-tensor norms, and the first non-finite gradient by name
  st.tensor_norms.resize(lay.tensors.size());
  double total = 0;
  for (size_t i = 0; i < lay.tensors.size(); i++) {
    const TensorInfo& t = lay.tensors[i];
    double s = 0;
    for (size_t j = 0; j < t.size; j++) s += double(grads[t.offset + j]) * double(grads[t.offset + j]);
    if (!std::isfinite(s)) return stop("the gradient of " + t.name + " is " + (std::isnan(s) ? "NaN" : "Inf"));
    st.tensor_norms[i] = float(std::sqrt(s));
    total += s;
  }
  st.grad_norm = std::sqrt(total);
  // clipping by the global norm, as torch.nn.utils.clip_grad_norm_
  const OptimConfig& o = cfg.opt;
  S clip = S(1);
  if (o.clip > 0 && st.grad_norm > o.clip) clip = S(o.clip / (st.grad_norm + 1e-6));
  const double lr = lr_at(step);
  st.lr = lr;
  // what a failed update restores: the weights and the optimizer's state before it
  last_good = params;
  last_m1 = m1;
  last_m2 = m2;
  const double t = double(step + 1);
  const S bc1 = S(1.0 - std::pow(o.beta1, t)), bc2s = S(std::sqrt(1.0 - std::pow(o.beta2, t)));
  // one tensor's update in plain loops (double, and SGD): w * 0 is 0 for every finite w and NaN
  // otherwise, so one sum checks the updated tensor in passing
  auto update = [&](const TensorInfo& ti, S wd) {
    S check = 0;
    for (size_t j = ti.offset; j < ti.offset + ti.size; j++) {
      S g = grads[j] * clip;
      S& p = params[j];
      if (o.kind == Optimizer::AdamW) {
        p *= S(1) - S(lr) * wd;
        m1[j] = S(o.beta1) * m1[j] + S(1 - o.beta1) * g;
        m2[j] = S(o.beta2) * m2[j] + S(1 - o.beta2) * g * g;
        const S denom = std::sqrt(m2[j]) / bc2s + S(o.eps);
        p -= S(lr) / bc1 * m1[j] / denom;
      } else {
        g += wd * p;
        m1[j] = step == 0 ? g : S(o.momentum) * m1[j] + g;
        p -= S(lr) * m1[j];
      }
      check += p * S(0);
    }
    return std::isfinite(double(check));
  };
  for (const TensorInfo& ti : lay.tensors) {
    const S wd = ti.decay ? S(o.weight_decay) : S(0);
    bool finite;
    if constexpr (std::is_same_v<S, float>) {
      if (o.kind == Optimizer::AdamW) {  // on SIMD lanes, every value rounded as in the loop below
        const kern::AdamWStep a{S(1) - S(lr) * wd, S(o.beta1), S(o.beta2), S(1 - o.beta1), S(1 - o.beta2), S(lr) / bc1,
                                bc2s, S(o.eps), clip};
        const size_t at = ti.offset;
        finite = kern::adamw(&params[at], &m1[at], &m2[at], &grads[at], ti.size, a);
      } else {
        finite = update(ti, wd);
      }
    } else {
      finite = update(ti, wd);
    }
    if (!finite) {
      params = last_good;
      m1 = last_m1;
      m2 = last_m2;
      return stop("the update made " + ti.name + " non-finite");
    }
  }
  step++;
  st.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return st;
}

template <class S>
EvalStats Trainer<S>::evaluate(int max_seqs) {
  EvalStats e;
  Cache<S> c;
  int seqs = 0, seqs_right = 0;
  double loss = 0;
  Batch part;
  for (const Batch& full : task.heldout) {
    if (max_seqs > 0 && seqs >= max_seqs) break;
    const Batch* bp = &full;
    if (max_seqs > 0 && seqs + full.B > max_seqs) {  // the first sequences of this batch only
      part = full;
      part.B = max_seqs - seqs;
      part.x.resize(size_t(part.B) * part.T);
      part.y.resize(size_t(part.B) * part.T);
      part.w.resize(size_t(part.B) * part.T);
      bp = &part;
    }
    const Batch& b = *bp;
    const LossOut lo = forward(cfg.model, lay, params, b, &c, false, 0, true);
    loss += lo.loss * lo.scored;
    e.correct += lo.correct;
    e.scored += lo.scored;
    // per sequence: every scored position right (rows are all positions, in order)
    const int V = cfg.model.vocab;
    for (int r = 0; r < b.B; r++) {
      bool all = true;
      for (int t = 0; t < b.T; t++) {
        const size_t n = size_t(r) * b.T + t;
        if (b.w[n] <= 0) continue;
        const S* z = c.logits.data() + n * V;
        int arg = 0;
        for (int j = 1; j < V; j++)
          if (z[j] > z[arg]) arg = j;
        all = all && arg == b.y[n];
      }
      seqs++;
      seqs_right += all;
    }
  }
  e.loss = e.scored ? loss / e.scored : 0;
  e.acc = e.scored ? double(e.correct) / e.scored : 0;
  e.seq_acc = seqs ? double(seqs_right) / seqs : 0;
  return e;
}

template <class S>
Snapshot Trainer<S>::snapshot(const StepStats& last, float heldout_acc) {
  Snapshot s;
  s.step = last.step;
  s.loss = float(last.loss);
  s.grad_norm = float(last.grad_norm);
  s.heldout_acc = heldout_acc;
  s.tensor_norms = last.tensor_norms;
  Cache<S> c;
  c.record_scores = true;
  forward(cfg.model, lay, params, task.probe, &c, false, 0, true);
  const int L = cfg.model.layers, H = cfg.model.heads, T = task.seq;
  s.entropy.assign(size_t(L) * H, 0.0f);
  s.max_score.assign(size_t(L) * H, 0.0f);
  s.attn.assign(size_t(L) * H * T * T, 0.0f);
  for (int l = 0; l < L; l++)
    for (int h = 0; h < H; h++) {
      const S* p = c.layers[size_t(l)].p.data() + size_t(h) * T * T;
      double ent = 0;
      for (int i = 0; i < T; i++)
        for (int j = 0; j < T; j++) {
          const double w = double(p[size_t(i) * T + j]);
          if (w > 0) ent -= w * std::log(w);
          s.attn[(size_t(l) * H + h) * T * T + size_t(i) * T + j] = float(w);
        }
      s.entropy[size_t(l) * H + h] = float(ent / T);
      s.max_score[size_t(l) * H + h] = float(c.max_abs_score[size_t(l) * H + h]);
    }
  return s;
}

template struct Trainer<float>;
template struct Trainer<double>;

}  // namespace attn::train
