// test_lessons.cpp: every Train-mode lesson (lessons/train_lessons.h), each of its runs: the setup
// is valid, and its first steps' training log (loss and gradient norm, bit for bit) is the one
// recorded before the one-transformer work began (commit c5e7852), so a refactor of the model
// that changes any bit of training shows here. The log differs between instruction sets (AVX2
// FMA natively, SIMD128 in wasm), so each has its own record; an unrecorded backend checks only
// that two runs of one seed agree.
#include <doctest.h>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include "kernels/kernels.h"
#include "lessons/train_lessons.h"
#include "train/trainer.h"

using namespace attn;

namespace {
constexpr int kSteps = 12;

// FNV-1a over the bits of each step's loss and gradient norm
uint64_t log_fingerprint(const train::TrainConfig& c) {
  train::Trainer<float> t;
  std::string err;
  REQUIRE_MESSAGE(t.init(c, &err), err);
  uint64_t h = 1469598103934665603ull;
  for (int s = 0; s < kSteps; s++) {
    const train::StepStats st = t.train_step();
    REQUIRE_MESSAGE(st.ok, st.error);
    for (double v : {st.loss, st.grad_norm}) {
      uint64_t bits;
      std::memcpy(&bits, &v, 8);
      for (int b = 0; b < 8; b++) h = (h ^ ((bits >> (8 * b)) & 0xff)) * 1099511628211ull;
    }
  }
  return h;
}

// (backend, "lesson/run") -> fingerprint, recorded from the build of commit c5e7852
const std::map<std::string, uint64_t>& recorded() {
  static const std::map<std::string, uint64_t> r = {
#include "lesson_logs.inc"
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

// The build is -march=native: on a machine with AVX-512 the compiler may pick other instructions for
// the model's loops, and a run can round differently there; such a run has a record of its own.
bool avx512_build() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  return __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

void check_record(const std::string& key, const train::TrainConfig& c) {
  INFO(key);
  const uint64_t got = log_fingerprint(c);
  const std::string wide = key.substr(0, key.find(' ')) + "+avx512" + key.substr(key.find(' '));
  auto it = recorded().find(wide);
  if (!avx512_build() || it == recorded().end()) it = recorded().find(key);
  // the record's line for this run, printed where it is missing or differs (to record a new backend)
  if (it == recorded().end() || it->second != got)
    std::printf("    {\"%s\", 0x%016llxull},\n", key.c_str(), static_cast<unsigned long long>(got));
#if defined(ATTN_CHECKS)
  // the sanitizer build compiles at another optimization level: other bits; determinism only
  const bool record_applies = false;
#else
  const bool record_applies = it != recorded().end();
#endif
  if (record_applies) CHECK(got == it->second);
  else CHECK(got == log_fingerprint(c));  // no record for this backend: deterministic at least
}
}  // namespace

TEST_CASE("lessons: every Train-mode lesson's runs are valid and train as recorded") {
  const std::string backend = kern::backend();
  for (const TrainLesson& l : train_lesson_table()) {
    CHECK(std::strlen(l.text) > 40);
    for (size_t run = 0; run <= l.vs.size(); run++) {
      const std::string key = backend + " " + l.name + "/" + (run ? l.vs[run - 1].first : "lesson");
      INFO(key);
      train::TrainConfig c;
      std::string err;
      REQUIRE_MESSAGE(lesson_run_config(l, run, &c, &err), err);
      c.opt.batch = std::min(c.opt.batch, 64);  // the record's batch: a few seconds for all of them
      check_record(key, c);
    }
  }
  for (const auto& [name, setup] : kExtra) {
    train::TrainConfig c = train_app_defaults();
    std::string err;
    REQUIRE_MESSAGE(apply_settings_text(&c, setup, &err), err);
    check_record(backend + " " + name, c);
  }
}
