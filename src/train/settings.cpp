// settings.cpp: the table behind `attn train`'s options and config.json.
#include "train/settings.h"
#include "engine/train_rules.h"
#include <algorithm>
#include <initializer_list>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace attn::train {

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = [] {
    std::vector<Setting> t;
    for (const TrainRule& r : train_rules()) t.push_back({r.name, r.values, r.kind == TrainValue::Bool});
    return t;
  }();
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

bool to_double(const std::string& s, double* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (*end || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

}  // namespace

bool set_setting(TrainConfig* c, const std::string& key, const std::string& value, std::string* err) {
  const TrainRule* rule = find_train_rule(key);
  if (!rule) {
    std::string f = "--" + key;
    std::replace(f.begin(), f.end(), '_', '-');
    *err = "unknown setting " + f;
    return false;
  }
  const TrainKey k = rule->key;
  auto bad = [&](const std::string& what) { *err = train_flag(k) + " '" + value + "': expected " + what; return false; };
  ModelConfig& m = c->model;
  OptimConfig& o = c->opt;
  // numbers: parsed and held to the table's range here, once for every setting
  double d = 0;
  const bool numeric = rule->kind == TrainValue::Int || rule->kind == TrainValue::Real;
  if (numeric && (!to_double(value, &d) || !check_train_value(k, d).empty())) return bad(train_range_text(k));
  const int i = numeric && rule->kind == TrainValue::Int && std::fabs(d) < 2e9 ? int(d) : 0;
  if (rule->kind == TrainValue::Bool && value != "true" && value != "false") return bad("true or false");
  const bool yes = value == "true";
  switch (k) {
    case TrainKey::Task: c->task.name = value; return true;
    case TrainKey::K: c->task.k = i; return true;
    case TrainKey::Vocab: c->task.vocab = i; return true;
    case TrainKey::P: c->task.p = i; return true;
    case TrainKey::TrainFrac: c->task.train_frac = float(d); return true;
    case TrainKey::Layers: m.layers = i; return true;
    case TrainKey::Heads: m.heads = i; return true;
    case TrainKey::KvHeads: m.kv_heads = i; return true;
    case TrainKey::DModel: m.d_model = i; return true;
    case TrainKey::Mlp: m.mlp = yes; return true;
    case TrainKey::Ln: m.ln = yes; return true;
    case TrainKey::Posenc: return parse_name(value, &m.pos) || bad("learned, sinusoidal, rope, alibi or none");
    case TrainKey::Scale:
      if (value == "auto" || value == "none") { m.scale = value == "auto" ? ScaleMode::Auto : ScaleMode::None; return true; }
      if (!to_double(value, &d) || !check_train_value(k, d).empty()) return bad("auto, none or " + train_range_text(k));
      m.scale = ScaleMode::Custom;
      m.scale_value = float(d);
      return true;
    case TrainKey::Temperature: m.temperature = float(d); return true;
    case TrainKey::Mask:
      if (value == "task") c->mask = 0;
      else if (value == "causal") c->mask = 1;
      else if (value == "bidirectional") c->mask = 2;
      else return bad("task, causal or bidirectional");
      return true;
    // the one vocabulary's names, of the values the model has (its entmax is 1.5-entmax)
    case TrainKey::Normalizer:
      return one_of(value, {Normalizer::Softmax, Normalizer::Sparsemax, Normalizer::Entmax}, &m.norm) ||
             bad("softmax, sparsemax or entmax (1.5-entmax)");
    case TrainKey::Init:
      return one_of(value, {Init::Xavier, Init::Kaiming, Init::Normal}, &m.init) || bad("xavier, kaiming or normal");
    case TrainKey::Dropout: m.dropout = float(d); return true;
    case TrainKey::Optimizer:
      if (value != "adamw" && value != "sgd") return bad("adamw or sgd");
      o.kind = value == "adamw" ? Optimizer::AdamW : Optimizer::SGD;
      return true;
    case TrainKey::Lr: o.lr = d; return true;
    case TrainKey::Warmup: o.warmup = i; return true;
    case TrainKey::Schedule:
      if (value != "cosine" && value != "constant") return bad("cosine or constant");
      o.cosine = value == "cosine";
      return true;
    case TrainKey::Batch: o.batch = i; return true;
    case TrainKey::Steps: o.steps = i; return true;
    case TrainKey::Seed: c->seed = uint64_t(d); return true;
    case TrainKey::WeightDecay: o.weight_decay = d; return true;
    case TrainKey::Clip: o.clip = d; return true;
    case TrainKey::Beta1: o.beta1 = d; return true;
    case TrainKey::Beta2: o.beta2 = d; return true;
    case TrainKey::Eps: o.eps = d; return true;
    case TrainKey::Momentum: o.momentum = d; return true;
    case TrainKey::SnapshotEvery: c->snapshot_every = i; return true;
    case TrainKey::EvalEvery: c->eval_every = i; return true;
    case TrainKey::Count: break;
  }
  return bad("a known setting");
}

std::string check_settings(const TrainConfig& c) {
  // every number through its text, so that the one check (set_setting's) holds here too
  TrainConfig copy = c;
  std::string err;
  for (const TrainRule& r : train_rules()) {
    if (r.kind != TrainValue::Int && r.kind != TrainValue::Real) continue;
    const std::string v = get_setting(c, r.name);
    if (!set_setting(&copy, r.name, v, &err))
      return train_flag(r.key) + " must be " + train_range_text(r.key) + " (got " + sig_text(std::strtod(v.c_str(), nullptr), 10) + ")";
  }
  return "";
}

std::vector<std::string> conform_settings(TrainConfig* c) {
  std::vector<std::string> notes;
  ModelConfig& m = c->model;
  if (m.heads >= 1 && m.d_model % m.heads) {
    const int h = fit_heads(m.d_model, m.heads);
    notes.push_back("heads must divide d_model = " + std::to_string(m.d_model) + " (got " + std::to_string(m.heads) +
                    "): using " + std::to_string(h));
    m.heads = h;
    m.kv_heads = 0;
  }
  if (m.kv_heads > 0 && m.heads % m.kv_heads) {
    const int kv = fit_heads(m.heads, m.kv_heads);
    notes.push_back("key/value heads must divide heads = " + std::to_string(m.heads) + " (got " + std::to_string(m.kv_heads) +
                    "): using " + std::to_string(kv));
    m.kv_heads = kv == m.heads ? 0 : kv;
  }
  return notes;
}

bool needs_reset(const TrainConfig& a, const TrainConfig& b) {
  for (const TrainRule& r : train_rules())
    if (!r.live && get_setting(a, r.name) != get_setting(b, r.name)) return true;
  return false;
}

void copy_live(const TrainConfig& from, TrainConfig* to) {
  std::string err;
  for (const TrainRule& r : train_rules())
    if (r.live) set_setting(to, r.name, unquote(get_setting(from, r.name)), &err);
}

std::string unquote(const std::string& json_literal) {
  const std::string& s = json_literal;
  return s.size() >= 2 && s.front() == '"' && s.back() == '"' ? s.substr(1, s.size() - 2) : s;
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
