// settings.cpp: the table behind `attn train`'s options and config.json.
#include "train/settings.h"
#include <algorithm>
#include <initializer_list>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace attn::train {

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = {
      {"task", "copy|reverse|sort|induction|modadd|histogram", false},
      {"k", "INT (copy/reverse: digits; induction, histogram: length; 0 = default)", false},
      {"vocab", "INT (copy/reverse: digits; induction: tokens; histogram: symbols; 0 = default)", false},
      {"p", "INT <= 113 (modadd's modulus; 0 = 97)", false},
      {"train_frac", "FLOAT in (0, 1) (modadd: the share of pairs trained on; 0 = 0.3)", false},
      {"layers", "1-6", false},
      {"heads", "1-16", false},
      {"kv_heads", "INT dividing heads (0 = heads)", false},
      {"d_model", "INT, a multiple of heads", false},
      {"mlp", "true|false", true},
      {"ln", "true|false (LayerNorm)", true},
      {"posenc", "learned|sinusoidal|rope|alibi|none", false},
      {"scale", "auto|none|FLOAT (auto = 1/sqrt(d_head))", false},
      {"temperature", "FLOAT", false},
      {"mask", "task|causal|bidirectional (task: causal, but bidirectional for histogram)", false},
      {"normalizer", "softmax|sparsemax|entmax (1.5-entmax)", false},
      {"init", "xavier|kaiming|normal (normal = N(0, 0.02), GPT-2)", false},
      {"dropout", "FLOAT in [0, 0.95) (on the attention weights)", false},
      {"optimizer", "adamw|sgd", false},
      {"lr", "FLOAT", false},
      {"warmup", "STEPS", false},
      {"schedule", "cosine|constant", false},
      {"batch", "INT", false},
      {"steps", "INT", false},
      {"seed", "INT", false},
      {"weight_decay", "FLOAT", false},
      {"clip", "FLOAT (global gradient norm; 0 = off)", false},
      {"beta1", "FLOAT", false},
      {"beta2", "FLOAT", false},
      {"eps", "FLOAT", false},
      {"momentum", "FLOAT (sgd)", false},
      {"snapshot_every", "STEPS (0 = steps / 400)", false},
      {"eval_every", "STEPS (0 = steps / 200, at least the snapshot interval)", false},
  };
  return table;
}


namespace {

// value as one of the option's names (core/options.h), if it names one of `allowed`
template <class E>
bool one_of(const std::string& value, std::initializer_list<E> allowed, E* out) {
  E e;
  if (!parse_name(value, &e) || std::find(allowed.begin(), allowed.end(), e) == allowed.end()) return false;
  *out = e;
  return true;
}

std::string flag(const std::string& key) {
  std::string f = "--" + key;
  for (char& ch : f)
    if (ch == '_') ch = '-';
  return f;
}

bool to_double(const std::string& s, double* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (*end || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

bool to_int(const std::string& s, long long lo, long long hi, long long* out) {
  double v;
  if (!to_double(s, &v) || v != std::floor(v) || v < double(lo) || v > double(hi)) return false;
  *out = (long long)v;
  return true;
}

}  // namespace

bool set_setting(TrainConfig* c, const std::string& key, const std::string& value, std::string* err) {
  ModelConfig& m = c->model;
  OptimConfig& o = c->opt;
  const std::string where = flag(key) + " '" + value + "'";
  auto bad = [&](const char* what) { *err = where + ": " + what; return false; };
  double d = 0;
  long long i = 0;
  auto integer = [&](long long lo, long long hi) { return to_int(value, lo, hi, &i); };
  auto number = [&]() { return to_double(value, &d); };
  if (key == "task") { c->task.name = value; return true; }
  if (key == "k") { if (!integer(0, 512)) return bad("expected an integer 0-512"); c->task.k = int(i); return true; }
  if (key == "vocab") { if (!integer(0, 1000)) return bad("expected an integer 0-1000"); c->task.vocab = int(i); return true; }
  if (key == "p") { if (!integer(0, 113)) return bad("expected an integer 2-113"); c->task.p = int(i); return true; }
  if (key == "train_frac") {
    if (!number() || d < 0 || d >= 1) return bad("expected a number in (0, 1)");
    c->task.train_frac = float(d);
    return true;
  }
  if (key == "layers") { if (!integer(1, 6)) return bad("expected 1 to 6 layers"); m.layers = int(i); return true; }
  if (key == "heads") { if (!integer(1, 16)) return bad("expected 1 to 16 heads"); m.heads = int(i); return true; }
  if (key == "kv_heads") { if (!integer(0, 16)) return bad("expected 0 to 16 (0 = heads)"); m.kv_heads = int(i); return true; }
  if (key == "d_model") { if (!integer(2, 1024)) return bad("expected 2 to 1024"); m.d_model = int(i); return true; }
  if (key == "mlp" || key == "ln") {
    if (value != "true" && value != "false") return bad("expected true or false");
    (key == "mlp" ? m.mlp : m.ln) = value == "true";
    return true;
  }
  if (key == "posenc") {
    if (!parse_name(value, &m.pos)) return bad("expected learned, sinusoidal, rope, alibi or none");
    return true;
  }
  if (key == "scale") {
    if (value == "auto") { m.scale = ScaleMode::Auto; return true; }
    if (value == "none") { m.scale = ScaleMode::None; return true; }
    if (!number() || !(d > 0 && d <= 1000)) return bad("expected auto, none or a number in (0, 1000]");
    m.scale = ScaleMode::Custom;
    m.scale_value = float(d);
    return true;
  }
  if (key == "temperature") {
    if (!number() || !(d >= 1e-3 && d <= 1e3)) return bad("expected a number in [0.001, 1000]");
    m.temperature = float(d);
    return true;
  }
  if (key == "mask") {
    if (value == "task") c->mask = 0;
    else if (value == "causal") c->mask = 1;
    else if (value == "bidirectional") c->mask = 2;
    else return bad("expected task, causal or bidirectional");
    return true;
  }
  // the one vocabulary's names, of the values the model has (its entmax is 1.5-entmax)
  if (key == "normalizer")
    return one_of(value, {Normalizer::Softmax, Normalizer::Sparsemax, Normalizer::Entmax}, &m.norm) ||
           bad("expected softmax, sparsemax or entmax (1.5-entmax)");
  if (key == "init")
    return one_of(value, {Init::Xavier, Init::Kaiming, Init::Normal}, &m.init) || bad("expected xavier, kaiming or normal");
  if (key == "dropout") {
    if (!number() || !(d >= 0 && d < 0.95)) return bad("expected a number in [0, 0.95)");
    m.dropout = float(d);
    return true;
  }
  if (key == "optimizer") {
    if (value == "adamw") o.kind = Optimizer::AdamW;
    else if (value == "sgd") o.kind = Optimizer::SGD;
    else return bad("expected adamw or sgd");
    return true;
  }
  if (key == "lr") { if (!number() || !(d > 0 && d <= 10)) return bad("expected a number in (0, 10]"); o.lr = d; return true; }
  if (key == "warmup") { if (!integer(0, 10000000)) return bad("expected a number of steps >= 0"); o.warmup = int(i); return true; }
  if (key == "schedule") {
    if (value != "cosine" && value != "constant") return bad("expected cosine or constant");
    o.cosine = value == "cosine";
    return true;
  }
  if (key == "batch") { if (!integer(1, 4096)) return bad("expected 1 to 4096"); o.batch = int(i); return true; }
  if (key == "steps") { if (!integer(1, 10000000)) return bad("expected 1 to 10000000"); o.steps = int(i); return true; }
  if (key == "seed") { if (!integer(0, (1ll << 53))) return bad("expected an integer >= 0"); c->seed = uint64_t(i); return true; }
  if (key == "weight_decay") {
    if (!number() || !(d >= 0 && d <= 100)) return bad("expected a number in [0, 100]");
    o.weight_decay = d;
    return true;
  }
  if (key == "clip") { if (!number() || d < 0) return bad("expected a number >= 0 (0 = off)"); o.clip = d; return true; }
  if (key == "beta1" || key == "beta2") {
    if (!number() || !(d >= 0 && d < 1)) return bad("expected a number in [0, 1)");
    (key == "beta1" ? o.beta1 : o.beta2) = d;
    return true;
  }
  if (key == "eps") { if (!number() || !(d > 0 && d < 1)) return bad("expected a number in (0, 1)"); o.eps = d; return true; }
  if (key == "momentum") {
    if (!number() || !(d >= 0 && d < 1)) return bad("expected a number in [0, 1)");
    o.momentum = d;
    return true;
  }
  if (key == "snapshot_every" || key == "eval_every") {
    if (!integer(0, 10000000)) return bad("expected a number of steps >= 0");
    (key == "snapshot_every" ? c->snapshot_every : c->eval_every) = int(i);
    return true;
  }
  *err = "unknown setting " + flag(key);
  return false;
}

std::string get_setting(const TrainConfig& c, const std::string& key) {
  const ModelConfig& m = c.model;
  const OptimConfig& o = c.opt;
  auto q = [](const std::string& s) { return "\"" + s + "\""; };
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  if (key == "task") return q(c.task.name);
  if (key == "k") return std::to_string(c.task.k);
  if (key == "vocab") return std::to_string(c.task.vocab);
  if (key == "p") return std::to_string(c.task.p);
  if (key == "train_frac") return shortest_text(double(c.task.train_frac));
  if (key == "layers") return std::to_string(m.layers);
  if (key == "heads") return std::to_string(m.heads);
  if (key == "kv_heads") return std::to_string(m.kv_heads);
  if (key == "d_model") return std::to_string(m.d_model);
  if (key == "mlp") return b(m.mlp);
  if (key == "ln") return b(m.ln);
  if (key == "posenc") return q(name_of(m.pos));
  if (key == "scale")
    return m.scale == ScaleMode::Auto ? q("auto") : m.scale == ScaleMode::None ? q("none") : shortest_text(double(m.scale_value));
  if (key == "temperature") return shortest_text(double(m.temperature));
  if (key == "mask") return q(c.mask == 0 ? "task" : c.mask == 1 ? "causal" : "bidirectional");
  if (key == "normalizer") return q(name_of(m.norm));
  if (key == "init") return q(name_of(m.init));
  if (key == "dropout") return shortest_text(double(m.dropout));
  if (key == "optimizer") return q(o.kind == Optimizer::AdamW ? "adamw" : "sgd");
  if (key == "lr") return shortest_text(o.lr);
  if (key == "warmup") return std::to_string(o.warmup);
  if (key == "schedule") return q(o.cosine ? "cosine" : "constant");
  if (key == "batch") return std::to_string(o.batch);
  if (key == "steps") return std::to_string(o.steps);
  if (key == "seed") return std::to_string(c.seed);
  if (key == "weight_decay") return shortest_text(o.weight_decay);
  if (key == "clip") return shortest_text(o.clip);
  if (key == "beta1") return shortest_text(o.beta1);
  if (key == "beta2") return shortest_text(o.beta2);
  if (key == "eps") return shortest_text(o.eps);
  if (key == "momentum") return shortest_text(o.momentum);
  if (key == "snapshot_every") return std::to_string(c.snapshot_every);
  if (key == "eval_every") return std::to_string(c.eval_every);
  return "null";
}

std::string config_json(const TrainConfig& c) {
  std::string s = "{\n";
  const auto& t = settings();
  for (size_t i = 0; i < t.size(); i++)
    s += std::string("  \"") + t[i].key + "\": " + get_setting(c, t[i].key) + (i + 1 < t.size() ? ",\n" : "\n");
  return s + "}\n";
}

}  // namespace attn::train
