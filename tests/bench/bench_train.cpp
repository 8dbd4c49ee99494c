// bench_train.cpp: the training rows of make bench. Three models (the training issue's a, b, c),
// one fixed batch and one initial state written for every framework to read, then ms per
// optimizer step (forward, backward, AdamW) on one thread:
//   attn_bench traingen DIR MODEL           config.json, weights.safetensors, x.npy, y.npy, loss_mask.npy
//   attn_bench train MODEL IMPL STEPS       time STEPS steps after 3 warm-up steps; one JSON record
// Every framework takes the same 3 + STEPS steps on the same batch, so their last losses agree too.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
#include "bench_clock.h"
#include "bench_train.h"
#include "io/files.h"
#include "io/npy.h"
#include "io/train_files.h"
#include "train/settings.h"
#include "train/trainer.h"

using namespace attn;
using namespace attn::train;

namespace {

// a: V=3, T=11, d=48, H=3, L=3, MLP (the sort setting), batch 64; b: V=16, T=32, d=64, H=4, L=2,
// attention-only, batch 32; c: b with the MLP. AdamW at a constant 1e-3 without weight decay or
// clipping, so that Adam in frameworks without AdamW or clipping does the same arithmetic.
bool bench_config(const std::string& m, TrainConfig* c) {
  *c = TrainConfig();
  c->opt.lr = 1e-3;
  c->opt.warmup = 0;
  c->opt.cosine = false;
  c->opt.weight_decay = 0;
  c->opt.clip = 0;
  if (m == "a") {
    c->task.name = "sort";
    c->model.layers = 3;
    c->model.heads = 3;
    c->model.d_model = 48;
    c->opt.batch = 64;
  } else if (m == "b" || m == "c") {
    c->task.name = "induction";
    c->task.k = 32;
    c->task.vocab = 16;
    c->model.layers = 2;
    c->model.heads = 4;
    c->model.d_model = 64;
    c->model.mlp = m == "c";
    c->opt.batch = 32;
  } else {
    return false;
  }
  return true;
}

}  // namespace

int cmd_traingen(int argc, char** argv) {
  if (argc < 4) return 2;
  const std::string dir = argv[2];
  TrainConfig tc;
  if (!bench_config(argv[3], &tc)) return 2;
  Trainer<float> t;
  std::string err;
  if (!t.init(tc, &err)) { std::fprintf(stderr, "error: %s\n", err.c_str()); return 1; }
  sample_batch(t.task, t.cfg.seed, 0, t.cfg.opt.batch, &t.batch);
  const Batch& b = t.batch;
  std::vector<int64_t> x(b.x.begin(), b.x.end()), y(b.y.begin(), b.y.end());
  const std::vector<int64_t> shape = {b.B, b.T};
  if (!write_file(dir + "/config.json", config_json(t.cfg), &err) ||
      !write_file(dir + "/weights.safetensors", model_safetensors(t.cfg, t.lay, t.params), &err) ||
      !write_file(dir + "/x.npy", npy_encode_i64(x.data(), shape), &err) ||
      !write_file(dir + "/y.npy", npy_encode_i64(y.data(), shape), &err) ||
      !write_file(dir + "/loss_mask.npy", npy_encode(b.w.data(), shape), &err)) {
    std::fprintf(stderr, "error: %s\n", err.c_str());
    return 1;
  }
  return 0;
}

int cmd_train(int argc, char** argv) {
  if (argc < 5) return 2;
  const std::string model = argv[2], impl = argv[3];
  const int steps = std::max(1, std::atoi(argv[4]));
  TrainConfig tc;
  if (!bench_config(model, &tc)) return 2;
  Trainer<float> t;
  std::string err;
  if (!t.init(tc, &err)) { std::fprintf(stderr, "error: %s\n", err.c_str()); return 1; }
  sample_batch(t.task, t.cfg.seed, 0, t.cfg.opt.batch, &t.batch);
  const Batch b = t.batch;
  std::vector<double> times;
  double first = 0, last = 0;
  for (int i = 0; i < 3 + steps; i++) {
    const auto t0 = bench::Clock::now();
    const StepStats st = t.train_step_on(b);
    const double ms = bench::ms_since(t0);
    if (!st.ok) { std::fprintf(stderr, "error: %s\n", st.error.c_str()); return 1; }
    if (i == 0) first = st.loss;
    last = st.loss;
    if (i >= 3) times.push_back(ms);
  }
  std::printf("{\"impl\":\"%s\",\"pass\":\"train_step\",\"model\":\"%s\",\"ms_median\":%.4f,\"ms_min\":%.4f,"
              "\"steps\":%d,\"loss_first\":%.7g,\"loss_last\":%.7g,\"params\":%zu}\n",
              impl.c_str(), model.c_str(), bench::median(times), *std::min_element(times.begin(), times.end()), steps, first, last,
              t.lay.total);
  return 0;
}
