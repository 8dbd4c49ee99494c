// test_train.cpp: the trained model. Every parameter's gradient against central finite differences
// of the loss in double, at odd sizes, for each option (LayerNorm, MLP, positions, normalizers,
// grouped-query, dropout, bidirectional); float against double; determinism; the optimizer's
// first step from its definition; the tasks' examples; decoding with a KV cache against the full
// forward; snapshots written and read; a diverging step stopped with the last good weights.
#include <doctest.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>
#include "core/rng.h"
#include "io/snapshots.h"
#include "io/tensor_file.h"
#include "io/train_files.h"
#include "engine/engine.h"
#include "train/model.h"
#include "train/probe.h"
#include "train/settings.h"
#include "train/trainer.h"

using namespace attn;
using namespace attn::train;

namespace {

Batch random_batch(const ModelConfig& c, int B, uint64_t seed) {
  Rng rng(seed);
  Batch b;
  b.B = B;
  b.T = c.seq;
  for (int i = 0; i < B * c.seq; i++) {
    b.x.push_back(int(rng.next() % uint64_t(c.vocab)));
    b.y.push_back(int(rng.next() % uint64_t(c.vocab)));
    b.w.push_back(i == 0 || rng.uniform() < 0.6f ? 1.0f : 0.0f);
  }
  return b;
}

// max over parameters of |analytic - numeric| / max(1e-6, |numeric|, |analytic|) per tensor, and
// the name of the worst
void check_fd(const ModelConfig& c, uint64_t seed) {
  const Layout lay = make_layout(c);
  std::vector<double> P;
  init_params(c, lay, seed, &P);
  // LayerNorm weights at 1 and biases at 0 would hide mistakes: move them off their defaults
  Rng rng(seed + 7);
  for (const TensorInfo& t : lay.tensors)
    if (t.shape.size() == 1)
      for (size_t i = 0; i < t.size; i++) P[t.offset + i] += 0.3 * double(rng.normal());
  const Batch b = random_batch(c, 2, seed + 1);
  Cache<double> cache;
  const uint64_t dseed = 99;
  forward(c, lay, P, b, &cache, true, dseed);
  std::vector<double> G;
  backward(c, lay, P, b, cache, &G);
  for (const TensorInfo& t : lay.tensors) {
    double worst = 0;
    for (size_t i = 0; i < t.size; i++) {
      const size_t j = t.offset + i;
      const double h = 1e-6, keep = P[j];
      Cache<double> cc;
      P[j] = keep + h;
      const double lp = forward(c, lay, P, b, &cc, true, dseed).loss;
      P[j] = keep - h;
      const double lm = forward(c, lay, P, b, &cc, true, dseed).loss;
      P[j] = keep;
      const double num = (lp - lm) / (2 * h);
      const double err = std::fabs(num - G[j]) / std::max({1e-4, std::fabs(num), std::fabs(G[j])});
      worst = std::max(worst, err);
    }
    INFO("tensor " << t.name);
    // central differences at h = 1e-6 in double: truncation ~1e-12, rounding ~1e-10 / 1e-6
    CHECK(worst < 1e-5);
  }
}

// a small training run of task: d_model d, heads heads, batch batch (the rest at their defaults)
TrainConfig small_run(const char* task, int d, int heads, int batch) {
  TrainConfig tc;
  tc.task.name = task;
  tc.model.d_model = d;
  tc.model.heads = heads;
  tc.opt.batch = batch;
  return tc;
}

// decode_step, token by token from an empty KV cache, against forward()'s logits at every position
// (and its weights in layer `check_layer`, when given)
void check_decode(const ModelConfig& c, uint64_t seed, double eps, int check_layer = -1) {
  const Layout lay = make_layout(c);
  std::vector<float> P;
  init_params(c, lay, seed, &P);
  const Batch b = random_batch(c, 1, seed + 1);
  Cache<float> cache;
  forward(c, lay, P, b, &cache, false, 0, true);
  Decoder dec;
  for (int t = 0; t < c.seq; t++) {
    const std::vector<float> z = decode_step(c, lay, P, b.x[size_t(t)], &dec);
    for (int v = 0; v < c.vocab; v++) REQUIRE(z[size_t(v)] == doctest::Approx(cache.logits[size_t(t) * c.vocab + v]).epsilon(eps));
    if (check_layer < 0) continue;
    for (int h = 0; h < c.heads; h++)  // the new row of weights is the forward's row t
      for (int j = 0; j <= t; j++)
        REQUIRE(dec.attn(check_layer)[size_t(h) * (t + 1) + j] ==
                doctest::Approx(cache.layers[size_t(check_layer)].p[(size_t(h) * c.seq + t) * c.seq + j]).epsilon(eps));
  }
}

ModelConfig small() {
  ModelConfig c;
  c.vocab = 5;
  c.seq = 5;
  c.layers = 2;
  c.heads = 2;
  c.d_model = 6;  // d_head = 3: odd
  return c;
}

}  // namespace

TEST_CASE("train: every gradient matches finite differences (LayerNorm, MLP, learned positions, softmax)") {
  check_fd(small(), 1);
}

TEST_CASE("train: gradients without LayerNorm or MLP, with RoPE, ALiBi, sinusoidal, none") {
  ModelConfig c = small();
  c.d_model = 8;  // RoPE needs an even d_head
  c.ln = false;
  c.mlp = false;
  c.pos = PosEnc::Rope;
  check_fd(c, 2);
  c.pos = PosEnc::Alibi;
  c.ln = true;
  check_fd(c, 3);
  c.pos = PosEnc::Sinusoidal;
  c.mlp = true;
  check_fd(c, 4);
  c.pos = PosEnc::None;
  c.layers = 1;
  check_fd(c, 5);
}

TEST_CASE("train: gradients with sparsemax, 1.5-entmax, grouped-query, dropout, bidirectional, scale and temperature") {
  ModelConfig c = small();
  c.norm = Normalizer::Sparsemax;
  check_fd(c, 6);
  c.norm = Normalizer::Entmax;
  check_fd(c, 7);
  c.norm = Normalizer::Softmax;
  c.heads = 4;
  c.kv_heads = 2;
  c.d_model = 8;
  check_fd(c, 8);
  c.kv_heads = 1;
  c.dropout = 0.3f;
  check_fd(c, 9);
  c.dropout = 0;
  c.causal = false;
  c.scale = ScaleMode::None;
  c.temperature = 0.7f;
  check_fd(c, 10);
  c.scale = ScaleMode::Custom;
  c.scale_value = 0.37f;
  c.init = Init::Kaiming;
  check_fd(c, 11);
}

// Runs c in float and in double from the same weights (seed) on one random batch of B sequences:
// the losses agree to 1e-5 and every tensor's gradient to 1e-4 (float rounding through the layers).
// The float cache is left in *cf for the caller's own checks.
void check_float_matches_double(const ModelConfig& c, int B, uint64_t seed, bool train, Cache<float>* cf) {
  const Layout lay = make_layout(c);
  std::vector<double> Pd;
  init_params(c, lay, seed, &Pd);
  std::vector<float> Pf(Pd.begin(), Pd.end());
  const Batch b = random_batch(c, B, seed + 1);
  Cache<double> cd;
  const double ld = forward(c, lay, Pd, b, &cd, train, 0).loss;
  const double lf = forward(c, lay, Pf, b, cf, train, 0).loss;
  CHECK(std::fabs(ld - lf) < 1e-5 * std::fabs(ld));
  std::vector<double> Gd;
  std::vector<float> Gf;
  backward(c, lay, Pd, b, cd, &Gd);
  backward(c, lay, Pf, b, *cf, &Gf);
  for (const TensorInfo& t : lay.tensors) {
    double num = 0, den = 0;
    for (size_t i = t.offset; i < t.offset + t.size; i++) {
      num += (double(Gf[i]) - Gd[i]) * (double(Gf[i]) - Gd[i]);
      den += Gd[i] * Gd[i];
    }
    INFO("tensor " << t.name);
    CHECK(std::sqrt(num / std::max(den, 1e-30)) < 1e-4);
  }
}

TEST_CASE("train: float forward and backward agree with double") {
  ModelConfig c = small();
  c.d_model = 12;
  c.seq = 7;
  Cache<float> cf;
  check_float_matches_double(c, 3, 3, false, &cf);
}

// From kFusedT tokens on, float attention runs on the fused kernels (no (T, T) weights kept); the
// double pass never does. Loss and every gradient must still agree with it, causal and not, with
// grouped-query heads, RoPE and a temperature; the probe (record_scores) keeps the weights.
TEST_CASE("train: at long sequences the float pass runs fused and agrees with double") {
  for (bool causal : {true, false}) {
    ModelConfig c = small();
    c.d_model = 16;
    c.heads = 4;
    c.kv_heads = 2;
    c.layers = 2;
    c.seq = kFusedT + 3;
    c.causal = causal;
    c.pos = attn::PosEnc::Rope;
    c.temperature = 0.7f;
    INFO("causal " << causal);
    REQUIRE(fused(c, c.seq, true, false, false));
    REQUIRE_FALSE(fused(c, c.seq - 4, true, false, false));
    Cache<float> cf;
    check_float_matches_double(c, 2, 5, true, &cf);
    CHECK(cf.layers[0].p.empty());  // nothing (T, T) kept
    CHECK(cf.layers[1].lse.size() == size_t(2) * c.heads * c.seq);
    const Layout lay = make_layout(c);
    std::vector<double> Pd;
    init_params(c, lay, 5, &Pd);
    std::vector<float> Pf(Pd.begin(), Pd.end());
    const Batch b = random_batch(c, 2, 6);
    Cache<float> probe;
    probe.record_scores = true;
    forward(c, lay, Pf, b, &probe, false, 0);
    CHECK(probe.layers[0].p.size() == size_t(2) * c.heads * c.seq * c.seq);
  }
}

TEST_CASE("train: one seed gives one loss curve, bit for bit") {
  TrainConfig tc = small_run("sort", 16, 2, 16);
  tc.opt.warmup = 0;
  tc.opt.lr = 3e-3;
  tc.model.dropout = 0.1f;
  std::vector<double> a, b;
  for (std::vector<double>* out : {&a, &b}) {
    Trainer<float> t;
    std::string err;
    REQUIRE(t.init(tc, &err));
    for (int i = 0; i < 20; i++) out->push_back(t.train_step().loss);
  }
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
  // and it learns: the last five batches' mean loss is below the first five's
  double first = 0, last = 0;
  for (int i = 0; i < 5; i++) { first += a[size_t(i)]; last += a[a.size() - 1 - size_t(i)]; }
  CHECK(last < 0.8 * first);
}

TEST_CASE("train: AdamW's first step is p (1 - lr wd) - lr g / (|g| + eps), after clipping") {
  TrainConfig tc = small_run("copy", 8, 2, 4);
  tc.task.k = 3;
  tc.opt.warmup = 0;
  tc.opt.lr = 0.01;
  tc.opt.weight_decay = 0.1;
  tc.opt.clip = 0.5;
  Trainer<double> t;
  std::string err;
  REQUIRE(t.init(tc, &err));
  const std::vector<double> p0 = t.params;
  t.loss_and_grads(0);
  const std::vector<double> g = t.grads;
  double norm = 0;
  for (double v : g) norm += v * v;
  norm = std::sqrt(norm);
  REQUIRE(norm > 0.5);  // so that clipping acts
  const StepStats st = t.train_step();
  REQUIRE(st.ok);
  CHECK(st.grad_norm == doctest::Approx(norm).epsilon(1e-12));
  const double k = 0.5 / (norm + 1e-6);
  for (const TensorInfo& ti : t.lay.tensors)
    for (size_t j = ti.offset; j < ti.offset + ti.size; j++) {
      const double gc = g[j] * k;
      const double want = p0[j] * (1 - 0.01 * (ti.decay ? 0.1 : 0.0)) - 0.01 * gc / (std::fabs(gc) + 1e-8);
      REQUIRE(t.params[j] == doctest::Approx(want).epsilon(1e-12));
    }
}

TEST_CASE("train: SGD with momentum, two steps by hand") {
  TrainConfig tc = small_run("sort", 8, 2, 4);
  tc.opt.kind = Optimizer::SGD;
  tc.opt.warmup = 0;
  tc.opt.cosine = false;
  tc.opt.lr = 0.1;
  tc.opt.clip = 0;
  tc.opt.weight_decay = 0.05;
  Trainer<double> t;
  std::string err;
  REQUIRE(t.init(tc, &err));
  std::vector<double> p = t.params, buf(p.size());
  for (int s = 0; s < 2; s++) {
    t.loss_and_grads(s);
    const std::vector<double> g = t.grads;
    REQUIRE(t.train_step().ok);
    for (const TensorInfo& ti : t.lay.tensors)
      for (size_t j = ti.offset; j < ti.offset + ti.size; j++) {
        const double gj = g[j] + (ti.decay ? 0.05 : 0.0) * p[j];
        buf[j] = s == 0 ? gj : 0.9 * buf[j] + gj;
        p[j] -= 0.1 * buf[j];
      }
  }
  for (size_t j = 0; j < p.size(); j++) REQUIRE(t.params[j] == doctest::Approx(p[j]).epsilon(1e-12));
}

TEST_CASE("train: the learning-rate schedule: linear warmup, then cosine to 0") {
  Trainer<float> t;
  t.cfg.opt.lr = 0.1;
  t.cfg.opt.warmup = 10;
  t.cfg.opt.steps = 110;
  CHECK(t.lr_at(0) == doctest::Approx(0.01));
  CHECK(t.lr_at(9) == doctest::Approx(0.1));
  CHECK(t.lr_at(60) == doctest::Approx(0.05));  // halfway through the cosine
  CHECK(t.lr_at(110) == doctest::Approx(0.0));
  t.cfg.opt.cosine = false;
  CHECK(t.lr_at(100) == doctest::Approx(0.1));
}

TEST_CASE("train: the tasks' examples") {
  std::string err;
  Task t;
  TaskOptions o;
  o.name = "sort";
  REQUIRE(make_task(o, 5, &t, &err));
  CHECK(t.seq == 11);
  CHECK(t.vocab == 3);
  Batch b;
  sample_batch(t, 5, 0, 64, &b);
  for (int r = 0; r < b.B; r++) {
    // the full sequence is x then y's last token; its second half is the first half sorted
    std::vector<int> seq(b.x.begin() + r * 11, b.x.begin() + r * 11 + 11);
    seq.push_back(b.y[size_t(r) * 11 + 10]);
    std::vector<int> first(seq.begin(), seq.begin() + 6);
    std::sort(first.begin(), first.end());
    CHECK(std::equal(first.begin(), first.end(), seq.begin() + 6));
    for (int i = 0; i < 11; i++) CHECK(b.w[size_t(r) * 11 + i] == (i >= 5 ? 1.0f : 0.0f));
  }
  int held = 0;
  for (const Batch& hb : t.heldout) held += hb.B;
  CHECK(held == 146);
  // no training example is held out (sort has only 729 inputs, so this is a real risk)
  for (int s = 0; s < 20; s++) {
    sample_batch(t, 5, s, 64, &b);
    for (int r = 0; r < b.B; r++)
      for (const Batch& hb : t.heldout)
        for (int q = 0; q < hb.B; q++)
          REQUIRE(!std::equal(hb.x.begin() + q * 11, hb.x.begin() + q * 11 + 11, b.x.begin() + r * 11));
  }

  o.name = "modadd";
  o.p = 11;
  o.train_frac = 0.4f;
  REQUIRE(make_task(o, 5, &t, &err));
  CHECK(t.table.size() == 48);  // round(0.4 * 121)
  CHECK(t.heldout[0].B == 121 - 48);
  sample_batch(t, 5, 3, 16, &b);
  for (int r = 0; r < b.B; r++) {
    CHECK(b.x[size_t(r) * 3 + 2] == 11);  // '='
    CHECK(b.y[size_t(r) * 3 + 2] == (b.x[size_t(r) * 3] + b.x[size_t(r) * 3 + 1]) % 11);
    CHECK(b.w[size_t(r) * 3 + 2] == 1.0f);
  }

  o = TaskOptions();
  o.name = "induction";
  o.k = 20;
  REQUIRE(make_task(o, 5, &t, &err));
  sample_batch(t, 5, 0, 32, &b);
  for (int r = 0; r < b.B; r++) {
    const int* x = b.x.data() + r * 20;
    int m = 0;  // the block length: the first scored position
    while (b.w[size_t(r) * 20 + m] == 0) m++;
    CHECK(m >= 5);
    CHECK(m <= 10);
    for (int i = m; i < 20; i++) {
      CHECK(x[i] == x[i - m]);
      CHECK(b.y[size_t(r) * 20 + i] == x[i - m + 1]);
    }
    for (int i = 0; i < m; i++)
      for (int j = 0; j < i; j++) CHECK(x[i] != x[j]);  // distinct within the block
  }

  o = TaskOptions();
  o.name = "histogram";
  REQUIRE(make_task(o, 5, &t, &err));
  CHECK(!t.causal);
  sample_batch(t, 5, 0, 8, &b);
  for (int r = 0; r < b.B; r++)
    for (int i = 0; i < 10; i++) {
      int n = 0;
      for (int j = 0; j < 10; j++) n += b.x[size_t(r) * 10 + j] == b.x[size_t(r) * 10 + i];
      CHECK(b.y[size_t(r) * 10 + i] == n);
    }

  o.name = "reverse";
  o.k = 4;
  REQUIRE(make_task(o, 5, &t, &err));
  sample_batch(t, 5, 0, 4, &b);
  for (int r = 0; r < b.B; r++) {
    const int* x = b.x.data() + r * 8;
    CHECK(x[4] == 10);  // '|'
    for (int i = 0; i < 3; i++) CHECK(x[5 + i] == x[3 - i]);
    CHECK(b.y[size_t(r) * 8 + 7] == x[0]);
  }

  o.name = "nope";
  CHECK(!make_task(o, 5, &t, &err));
  CHECK(err.find("unknown task 'nope'") != std::string::npos);
}

TEST_CASE("train: decoding with a KV cache gives the full forward's logits") {
  for (PosEnc pe : {PosEnc::Learned, PosEnc::Rope, PosEnc::Alibi, PosEnc::Sinusoidal}) {
    ModelConfig c = small();
    c.d_model = 8;
    c.heads = 4;
    c.kv_heads = 2;
    c.seq = 6;
    c.pos = pe;
    check_decode(c, 12, 1e-5, 1);
  }
}

TEST_CASE("train: settings round-trip through config.json text, and bad values are named") {
  TrainConfig a;
  std::string err;
  REQUIRE(set_setting(&a, "lr", "0.003", &err));
  REQUIRE(set_setting(&a, "posenc", "rope", &err));
  REQUIRE(set_setting(&a, "mlp", "false", &err));
  REQUIRE(set_setting(&a, "scale", "0.25", &err));
  CHECK(!set_setting(&a, "lr", "fast", &err));
  CHECK(err == "--lr 'fast': expected a number in (0, 10]");
  CHECK(!set_setting(&a, "heads", "0", &err));
  CHECK(err.find("--heads '0'") == 0);
  // the mask: the task's by default, or as set
  TrainConfig m = small_run("copy", 8, 2, 4);
  Trainer<float> tm;
  REQUIRE(tm.init(m, &err));
  CHECK(tm.cfg.model.causal);
  REQUIRE(set_setting(&m, "mask", "bidirectional", &err));
  REQUIRE(tm.init(m, &err));
  CHECK(!tm.cfg.model.causal);
  m.task.name = "histogram";
  REQUIRE(set_setting(&m, "mask", "task", &err));
  REQUIRE(tm.init(m, &err));
  CHECK(!tm.cfg.model.causal);
  REQUIRE(set_setting(&m, "mask", "causal", &err));
  REQUIRE(tm.init(m, &err));
  CHECK(tm.cfg.model.causal);
  CHECK(!set_setting(&m, "mask", "sideways", &err));
  const std::string json = config_json(a);
  CHECK(json.find("\"lr\": 0.003,") != std::string::npos);
  CHECK(json.find("\"posenc\": \"rope\"") != std::string::npos);
  CHECK(json.find("\"scale\": 0.25") != std::string::npos);
  CHECK(json.find("\"mlp\": false") != std::string::npos);
}

TEST_CASE("train: snapshots are written and read back") {
  TrainConfig tc = small_run("sort", 8, 2, 4);
  Trainer<float> t;
  std::string err;
  REQUIRE(t.init(tc, &err));
  std::string bytes = snapshot_header(t.cfg, t.task, t.lay);
  const size_t header = bytes.size();
  std::vector<Snapshot> written;
  for (int i = 0; i < 3; i++) {
    const StepStats st = t.train_step();
    written.push_back(t.snapshot(st, i == 2 ? 0.5f : -1.0f));
    append_snapshot(t.cfg, written.back(), &bytes);
  }
  // step, 3 floats, 29 tensor norms (2 + 12 per layer + 3), 2 x (L H) floats, L H x 66 causal cells of T = 11
  CHECK(bytes.size() - header == 3 * (8 + 12 + 4 * 29 + 8 * 4 + 4 * 66));
  CHECK(t.lay.tensors.size() == 29);
  SnapshotFile f;
  REQUIRE(decode_snapshots(bytes, &f, &err));
  CHECK(f.layers == 2);
  CHECK(f.seq == 11);
  CHECK(f.tensors.size() == t.lay.tensors.size());
  REQUIRE(f.records.size() == 3);
  CHECK(f.records[2].heldout_acc == 0.5f);
  CHECK(f.records[1].step == 1);
  CHECK(f.records[1].loss == written[1].loss);
  for (size_t i = 0; i < written[1].attn.size(); i++) CHECK(std::fabs(f.records[1].attn[i] - written[1].attn[i]) <= 0.5f / 255);
  // each causal row's weights sum to 1
  const float* row = written[0].attn.data() + 5 * 11;
  float s = 0;
  for (int j = 0; j < 11; j++) s += row[j];
  CHECK(s == doctest::Approx(1.0f).epsilon(1e-5));
  CHECK(!decode_snapshots(bytes.substr(0, bytes.size() - 3), &f, &err));
  CHECK(err.find("truncated") == 0);
}

TEST_CASE("train: a non-finite loss stops the step with the last good weights and a message") {
  TrainConfig tc = small_run("copy", 8, 2, 4);
  Trainer<float> t;
  std::string err;
  REQUIRE(t.init(tc, &err));
  REQUIRE(t.train_step().ok);
  t.params[t.lay.layer[0].wq] = std::numeric_limits<float>::infinity();
  const std::vector<float> before = t.params;
  const StepStats st = t.train_step();
  CHECK(!st.ok);
  CHECK(st.error.find("step 1: ") == 0);
  CHECK(st.error.find("NaN") != std::string::npos);
  CHECK(st.error.find("--lr") != std::string::npos);
  CHECK(t.step == 1);
  CHECK(std::memcmp(before.data(), t.params.data(), before.size() * sizeof(float)) == 0);
}

TEST_CASE("train: sort learns: the held-out accuracy rises well above chance in 150 steps") {
  TrainConfig tc = small_run("sort", 32, 2, 32);
  tc.model.layers = 2;
  tc.opt.steps = 150;
  tc.opt.warmup = 10;
  tc.opt.lr = 3e-3;
  Trainer<float> t;
  std::string err;
  REQUIRE(t.init(tc, &err));
  const double before = t.evaluate().acc;
  for (int i = 0; i < 150; i++) REQUIRE(t.train_step().ok);
  const EvalStats e = t.evaluate();
  INFO("held-out accuracy " << before << " -> " << e.acc);
  CHECK(e.acc > 0.8);  // chance is about 1/3 (0.6 knowing the digit counts' order)
}

TEST_CASE("train: a trained layer opened in the stepper gives the model's own weights") {
  for (PosEnc pe : {PosEnc::Learned, PosEnc::Rope, PosEnc::Alibi}) {
    ModelConfig c = small();
    c.d_model = 8;
    c.heads = 4;
    c.kv_heads = 2;
    c.seq = 6;
    c.pos = pe;
    c.temperature = 0.8f;
    const Layout lay = make_layout(c);
    std::vector<float> P;
    init_params(c, lay, 21, &P);
    const Batch b = random_batch(c, 1, 22);
    Cache<float> cache;
    forward(c, lay, P, b, &cache, false, 0, true);
    std::vector<std::string> names;
    for (int v = 0; v < c.vocab; v++) names.push_back("w" + std::to_string(v) + "'");
    for (int l = 0; l < 2; l++) {
      Config g;
      std::string err;
      REQUIRE(stepper_config(c, lay, P, b, l, names, &g, &err));
      const Trace tr = forward(g);
      REQUIRE(tr.ok);
      REQUIRE(tr.n_heads == 4);
      // the stepper's rows and columns carry the probe's tokens, not t1 ... tn
      REQUIRE(tr.tokens_q.size() == 6);
      REQUIRE(tr.tokens_k.size() == 6);
      for (int i = 0; i < 6; i++) {
        CHECK(tr.tokens_q[size_t(i)] == "w" + std::to_string(b.x[size_t(i)]) + "'");
        CHECK(tr.tokens_k[size_t(i)] == tr.tokens_q[size_t(i)]);
      }
      for (int h = 0; h < 4; h++)
        for (int i = 0; i < 6; i++)
          for (int j = 0; j < 6; j++)
            REQUIRE(tr.heads[size_t(h)].weights(i, j) ==
                    doctest::Approx(cache.layers[size_t(l)].p[(size_t(h) * 6 + i) * 6 + j]).epsilon(1e-5));
    }
  }
}

TEST_CASE("train: head labels from their patterns") {
  const int T = 6;
  const int tokens[T] = {1, 2, 3, 1, 2, 3};
  std::vector<float> A(T * T, 0.0f);
  for (int i = 0; i < T; i++) A[size_t(i) * T + std::max(0, i - 1)] = 1;  // previous token
  HeadLabel h = classify_head(A.data(), T, tokens, true);
  CHECK(h.kind == HeadKind::PreviousToken);
  CHECK(h.prev == doctest::Approx(1.0));
  std::fill(A.begin(), A.end(), 0.0f);
  for (int i = 0; i < T; i++) A[size_t(i) * T + (i >= 3 ? i - 2 : 0)] = 1;  // the token after the last occurrence
  h = classify_head(A.data(), T, tokens, true);
  CHECK(h.kind == HeadKind::Induction);
  CHECK(h.induction == doctest::Approx(1.0));
  std::fill(A.begin(), A.end(), 0.0f);
  for (int i = 0; i < T; i++)
    for (int j = 0; j <= i; j++) A[size_t(i) * T + j] = 1.0f / float(i + 1);
  h = classify_head(A.data(), T, tokens, true);
  CHECK(h.kind == HeadKind::Uniform);
  CHECK(h.uniformity == doctest::Approx(1.0));
  std::fill(A.begin(), A.end(), 0.0f);
  for (int i = 0; i < T; i++) A[size_t(i) * T] = 1;  // first token
  CHECK(classify_head(A.data(), T, tokens, true).kind == HeadKind::FirstToken);
}

TEST_CASE("train: decoding at the Train mode's sizes (d_model 64, 4 heads, T = 32) matches the full forward") {
  ModelConfig c;
  c.vocab = 16;
  c.seq = 32;
  c.layers = 2;
  c.heads = 4;
  c.d_model = 64;
  c.mlp = false;
  c.ln = false;
  check_decode(c, 5, 1e-4);
}

TEST_CASE("train: a saved model carries its config: read back from the bytes, weights and settings equal") {
  TrainConfig tc;
  tc.task.name = "reverse";
  tc.task.k = 5;
  tc.model.d_model = 12;
  tc.model.heads = 3;
  tc.model.pos = PosEnc::Rope;
  tc.opt.lr = 0.0025;
  Trainer<float> t;
  std::string err;
  REQUIRE(t.init(tc, &err));
  t.train_step();
  const std::string bytes = model_safetensors(t.cfg, t.lay, t.params);
  std::string text;
  REQUIRE(config_of_model(bytes, &text, &err));
  TrainConfig back;
  REQUIRE(parse_config(text, "model", &back, &err));
  CHECK(config_json(back) == config_json(t.cfg));  // every setting, through JSON escaped inside JSON
  Trainer<float> u;
  REQUIRE(u.init(back, &err));
  std::vector<float> p;
  REQUIRE(parse_weights(bytes, "model", u.lay, &p, &err));
  CHECK(std::memcmp(p.data(), t.params.data(), p.size() * sizeof(float)) == 0);
  // a tensor file without a training config is refused with the reason
  const float one = 1;
  TensorOut o;
  o.name = "x";
  o.shape = {1};
  o.f32 = &one;
  CHECK(!config_of_model(safetensors_encode({o}), &text, &err));
  CHECK(err.find("no training config") == 0);
  // weights of another shape name the tensor
  TrainConfig other = back;
  other.model.d_model = 24;
  Trainer<float> w;
  REQUIRE(w.init(other, &err));
  CHECK(!parse_weights(bytes, "model", w.lay, &p, &err));
  CHECK(err.find("tensor 'tok_emb' is (") != std::string::npos);
}
