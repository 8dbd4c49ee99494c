// train_lessons.cpp: the Train mode's lessons (train_lessons.h). Each lesson's every run is
// trained a few steps in tests/unit/test_lessons.cpp, its loss log checked bit for bit.
#include "lessons/train_lessons.h"

namespace attn {

const std::vector<TrainLesson>& train_lesson_table() {
  static const std::vector<TrainLesson> L = {
      {"Induction heads",
       "Two attention-only layers learn to continue a repeated block: layer 1 grows a previous-token head, "
       "layer 2 an induction head that looks at the token after the current token's last occurrence, and the "
       "loss drops when it appears (90 % held out after about 350 steps: half a minute in a browser here). The "
       "1-layer model beside it has no way to do it.",
       "task:induction;layers:2;heads:4;d_model:64;mlp:false;ln:false;lr:0.001;batch:32;warmup:50",
       {{"1 layer", "layers:1"}}},
      {"Why scale by √d_k",
       "The same seed with and without the 1/√d_k factor at d_head = 64 (one head per layer). Unscaled, the "
       "scores start 8× larger, softmax starts nearly one-hot: watch the entropy and the gradient norms of W_q and W_k.",
       "task:induction;layers:2;heads:1;d_model:64;mlp:false;ln:true;lr:0.001;batch:32;warmup:50",
       {{"unscaled", "scale:none"}}},
      {"Initialization",
       "Xavier, Kaiming and normal(0, 0.02) on the same task and seed: the same model starting from weights of "
       "different sizes.",
       "task:sort;layers:2;heads:2;d_model:32;lr:0.003;batch:32;warmup:20;init:xavier",
       {{"Kaiming", "init:kaiming"}, {"normal(0.02)", "init:normal"}}},
      {"Sort",
       "A small model learns to sort 6 digits from {0, 1, 2}. Then type a sequence under Generate and watch it "
       "sort it, one token at a time, each new row of attention on screen.",
       "task:sort;layers:3;heads:3;d_model:48;lr:0.003;batch:64;warmup:20", {}},
      {"Grokking",
       "Modular addition with weight decay: the training batches are answered perfectly long before the held-out "
       "pairs are. On a desktop the held-out accuracy rises after about 1000 steps (a few minutes in a browser).",
       "task:modadd;p:97;train_frac:0.3;layers:1;heads:4;d_model:128;weight_decay:1;lr:0.001;beta2:0.98;batch:512;warmup:10",
       {}},
      {"Softmax vs sparsemax heads",
       "The same induction model with softmax and with sparsemax: sparsemax heads put exactly zero weight on most "
       "keys, so the learned patterns are crisp.",
       "task:induction;layers:2;heads:4;d_model:64;mlp:false;ln:false;lr:0.001;batch:32;warmup:50",
       {{"sparsemax", "normalizer:sparsemax"}}},
  };
  return L;
}

train::TrainConfig train_app_defaults() {
  train::TrainConfig c;
  c.task.name = "induction";
  c.opt.cosine = false;
  c.opt.steps = 10000000;
  c.opt.warmup = 50;
  return c;
}

bool apply_settings_text(train::TrainConfig* c, const std::string& text, std::string* err) {
  size_t a = 0;
  while (a < text.size()) {
    size_t b = text.find(';', a);
    if (b == std::string::npos) b = text.size();
    const std::string kv = text.substr(a, b - a);
    a = b + 1;
    if (kv.empty()) continue;
    const size_t colon = kv.find(':');
    if (colon == std::string::npos) { *err = "'" + kv + "' is not key:value"; return false; }
    const std::string k = kv.substr(0, colon), v = kv.substr(colon + 1);
    if (k == "lesson") continue;  // handled by the caller
    if (!train::set_setting(c, k, v, err)) return false;
  }
  return true;
}

const TrainLesson* find_lesson(const std::string& name) {
  for (const TrainLesson& l : train_lesson_table())
    if (name == l.name) return &l;
  return nullptr;
}

bool lesson_run_config(const TrainLesson& l, size_t run, train::TrainConfig* c, std::string* err) {
  *c = train_app_defaults();
  if (!apply_settings_text(c, l.setup, err)) return false;
  if (run == 0) return true;
  if (run > l.vs.size()) { *err = "lesson '" + std::string(l.name) + "' has " + std::to_string(l.vs.size()) + " comparison run(s)"; return false; }
  return apply_settings_text(c, l.vs[run - 1].second, err);
}

}  // namespace attn
