// test_lessons.cpp: every Train-mode lesson (lessons/train_lessons.h), each of its runs: the setup
// is valid, and its first steps' training log (loss and gradient norm) is the one recorded, so a
// refactor of the model that changes training shows here. The wasm builds are held to the bits
// recorded before the one-transformer work began (commit c5e7852): their arithmetic is the same on
// every machine. The native build (-march=native) rounds as its CPU's code generation does, so it
// is held to the recorded values within a relative 1e-4, and to the same bits from run to run.
#include <doctest.h>
#include <cstdio>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include "kernels/kernels.h"
#include "lessons/train_lessons.h"
#include "train/trainer.h"

using namespace attn;

namespace {
constexpr int kSteps = 12;

// the first steps' loss and gradient norm, interleaved: (2 kSteps)
std::vector<double> train_log(const train::TrainConfig& c) {
  train::Trainer<float> t;
  std::string err;
  REQUIRE_MESSAGE(t.init(c, &err), err);
  std::vector<double> out;
  for (int s = 0; s < kSteps; s++) {
    const train::StepStats st = t.train_step();
    REQUIRE_MESSAGE(st.ok, st.error);
    out.push_back(st.loss);
    out.push_back(st.grad_norm);
  }
  return out;
}

// FNV-1a over the bits of each value
uint64_t fingerprint(const std::vector<double>& log) {
  uint64_t h = 1469598103934665603ull;
  for (double v : log) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    for (int b = 0; b < 8; b++) h = (h ^ ((bits >> (8 * b)) & 0xff)) * 1099511628211ull;
  }
  return h;
}

// (backend, "lesson/run") -> fingerprint: the wasm builds, whose arithmetic is the same on every
// machine (SIMD128 is fully specified), recorded from the build of commit c5e7852
const std::map<std::string, uint64_t>& recorded() {
  static const std::map<std::string, uint64_t> r = {
#include "lesson_logs.inc"
  };
  return r;
}

// "lesson/run" -> the log's values, natively. The native build is -march=native: another CPU's
// code generation (AVX-512 or not, another vendor's tuning) rounds differently, so natively the
// record holds to a relative 1e-4, which rounding leaves and a changed formula does not
const std::map<std::string, std::vector<double>>& recorded_values() {
  static const std::map<std::string, std::vector<double>> r = {
#include "lesson_values.inc"
  };
  return r;
}

// settings no lesson has, so that the record covers RoPE, grouped heads, ALiBi, entmax, dropout
// and sinusoidal positions too (the math of core/ the model calls)
const std::pair<const char*, const char*> kExtra[] = {
    {"rope-gqa", "task:induction;layers:2;heads:4;kv_heads:2;d_model:32;mlp:false;ln:false;lr:0.001;batch:16;warmup:50;posenc:rope"},
    {"alibi-entmax", "task:copy;layers:1;heads:2;d_model:16;lr:0.003;batch:16;warmup:20;posenc:alibi;normalizer:entmax"},
    {"histogram-dropout", "task:histogram;layers:1;heads:2;d_model:16;lr:0.003;batch:16;warmup:20;dropout:0.2;posenc:sinusoidal"},
};

void check_record(const std::string& backend, const std::string& run, const train::TrainConfig& c) {
  const std::string key = backend + " " + run;
  INFO(key);
  const std::vector<double> log = train_log(c);
  CHECK(fingerprint(log) == fingerprint(train_log(c)));  // the same seed: the same bits, on any machine
  if (backend.rfind("wasm", 0) == 0) {
    auto it = recorded().find(key);
    if (it == recorded().end() || it->second != fingerprint(log))  // the record's line, to record a new backend
      std::printf("    {\"%s\", 0x%016llxull},\n", key.c_str(), static_cast<unsigned long long>(fingerprint(log)));
    if (it != recorded().end()) CHECK(fingerprint(log) == it->second);
    return;
  }
  auto it = recorded_values().find(run);
  if (it == recorded_values().end()) {  // the record's line for a new run
    std::printf("    {\"%s\", {", run.c_str());
    for (size_t i = 0; i < log.size(); i++) std::printf("%s%.17g", i ? ", " : "", log[i]);
    std::printf("}},\n");
    CHECK_MESSAGE(false, "no recorded log for " << run);
    return;
  }
  REQUIRE(it->second.size() == log.size());
  for (size_t i = 0; i < log.size(); i++) {
    INFO("step " << i / 2 << (i % 2 ? " gradient norm" : " loss"));
    CHECK(std::abs(log[i] - it->second[i]) <= 1e-4 * std::abs(it->second[i]) + 1e-9);
  }
}
}  // namespace

TEST_CASE("lessons: every Train-mode lesson's runs are valid and train as recorded") {
  const std::string backend = kern::backend();
  for (const TrainLesson& l : train_lesson_table()) {
    CHECK(std::strlen(l.text) > 40);
    for (size_t run = 0; run <= l.vs.size(); run++) {
      const std::string name = std::string(l.name) + "/" + (run ? l.vs[run - 1].first : "lesson");
      INFO(name);
      train::TrainConfig c;
      std::string err;
      REQUIRE_MESSAGE(lesson_run_config(l, run, &c, &err), err);
      c.opt.batch = std::min(c.opt.batch, 64);  // the record's batch: a few seconds for all of them
      check_record(backend, name, c);
    }
  }
  for (const auto& [name, setup] : kExtra) {
    train::TrainConfig c = train_app_defaults();
    std::string err;
    REQUIRE_MESSAGE(apply_settings_text(&c, setup, &err), err);
    check_record(backend, name, c);
  }
}
