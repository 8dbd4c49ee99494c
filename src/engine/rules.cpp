// rules.cpp: the table of ranges, the one out-of-range policy (conform) and the engine's own
// last check (validate): see rules.h.
#include "engine/rules.h"
#include <algorithm>
#include <cmath>
#include <sstream>
#include <type_traits>
#include "engine/engine.h"
#include "core/format.h"

namespace attn {

namespace {
std::string num(double v) { return sig_text(v, 10); }  // 1048576, not 1.04858e+06
}  // namespace

const std::vector<Range>& ranges() {
  // App: what the controls offer (the temperature slider's ends, the heads slider's 8, the d_model
  // slider's 512 and imports up to the engine's 1024). CLI: the engine's limits.
  static const std::vector<Range> table = {
      {Field::DModel, "d", "d_model", true, 1, kMaxDModel, 1, kMaxDModel},
      {Field::Heads, "heads", "heads", true, 1, 8, 1, kMaxHeads},
      {Field::Temperature, "T", "temperature", false, 0.05, 20, 1e-6, 1e6},
      {Field::Window, "w", "window half-width", true, 0, 4096, 0, 1 << 20},
      {Field::Dropout, "dropout", "dropout", false, 0, 0.95, 0, 0.95},
      {Field::EntmaxAlpha, "alpha", "entmax alpha", false, 1, 2, 1, 2},
      {Field::KvHeads, "kv", "key/value heads", true, 0, 8, 0, kMaxHeads},
      {Field::Softcap, "softcap", "soft-cap", false, 0, 100, 0, 1e6},
      {Field::SinkTokens, "sinktok", "sink tokens", true, 0, 4096, 0, 1 << 20},
  };
  return table;
}
static_assert(int(Field::Count) == 9, "one row of ranges() per Field");

const Range& range_of(Field f) { return ranges()[size_t(f)]; }
double range_lo(Field f, Front front) { return front == Front::Cli ? range_of(f).cli_lo : range_of(f).lo; }
double range_hi(Field f, Front front) { return front == Front::Cli ? range_of(f).cli_hi : range_of(f).hi; }

std::string check_range(Field f, double v, Front front) {
  const Range& r = range_of(f);
  const double lo = range_lo(f, front), hi = range_hi(f, front);
  if (std::isfinite(v) && v >= lo && v <= hi && (!r.integer || v == std::floor(v))) return "";
  return std::string(r.label) + " must be " + (r.integer ? "an integer" : "a number") + " from " + num(lo) + " to " +
         num(hi) + " (got " + num(v) + ")";
}

int fit_heads(int d_model, int heads) {
  int h = std::max(1, heads);
  while (h > 1 && d_model % h) h--;
  return h;
}

std::vector<std::string> conform(Config* c, Front front) {
  std::vector<std::string> notes;
  auto clamp = [&](Field f, auto* v) {
    const double lo = range_lo(f, front), hi = range_hi(f, front), was = double(*v);
    if (!check_range(f, was, front).empty()) {
      const double to = std::isfinite(was) ? std::clamp(was, lo, hi) : lo;
      *v = static_cast<std::remove_reference_t<decltype(*v)>>(to);
      notes.push_back(check_range(f, was, front) + ": using " + num(double(*v)));
    }
  };
  // the one vocabulary's position schemes the stepper reads its own way: ALiBi is its alibi
  // variant; learned positions need a trained table, which only the Train mode has
  if (c->posenc == PosEnc::Alibi) { c->posenc = PosEnc::None; c->alibi = true; }
  if (c->posenc == PosEnc::Learned || c->posenc == PosEnc::Count) {
    notes.push_back("positions 'learned' need a trained table (the Train mode has one): using none");
    c->posenc = PosEnc::None;
  }
  const bool sized = c->input == Input::Sentence || c->input == Input::Matrices;
  if (sized) {
    clamp(Field::DModel, &c->d_model);
    clamp(Field::Heads, &c->n_heads);
    if (int h = fit_heads(c->d_model, c->n_heads); h != c->n_heads) {
      notes.push_back("heads must divide d_model = " + std::to_string(c->d_model) + " (got " + std::to_string(c->n_heads) +
                      "): using " + std::to_string(h));
      c->n_heads = h;
    }
  }
  clamp(Field::Temperature, &c->temperature);
  clamp(Field::Window, &c->window);
  clamp(Field::Dropout, &c->dropout);
  clamp(Field::EntmaxAlpha, &c->entmax_alpha);
  clamp(Field::KvHeads, &c->n_kv_heads);
  clamp(Field::Softcap, &c->softcap);
  clamp(Field::SinkTokens, &c->sink_tokens);
  const int heads = query_heads(*c);
  if (c->n_kv_heads > 0 && heads % c->n_kv_heads) {
    const int kv = fit_heads(heads, c->n_kv_heads);
    notes.push_back("key/value heads must divide heads = " + std::to_string(heads) + " (got " + std::to_string(c->n_kv_heads) +
                    "): using " + std::to_string(kv));
    c->n_kv_heads = kv;
  }
  return notes;
}

// ---------------------------------------------------------------- training settings

const std::vector<TrainRule>& train_rules() {
  constexpr double inf = HUGE_VAL, steps = 10000000;
  using V = TrainValue;
  using K = TrainKey;
  // the panel offers a model a browser trains in minutes; runs from the CLI may be larger
  static const std::vector<TrainRule> table = {
      {K::Task, "task", V::Name, 0, 0, false, false, 0, 0, false, "copy|reverse|sort|induction|modadd|histogram"},
      {K::K, "k", V::Int, 0, 512, false, false, 0, 0, false, "INT (copy/reverse: digits; induction, histogram: length; 0 = default)"},
      {K::Vocab, "vocab", V::Int, 0, 1000, false, false, 0, 0, false, "INT (copy/reverse: digits; induction: tokens; histogram: symbols; 0 = default)"},
      {K::P, "p", V::Int, 0, 113, false, false, 0, 0, false, "INT <= 113 (modadd's modulus; 0 = 97)"},
      {K::TrainFrac, "train_frac", V::Real, 0, 1, false, true, 0, 0, false, "FLOAT in (0, 1) (modadd: the share of pairs trained on; 0 = 0.3)"},
      {K::Layers, "layers", V::Int, 1, 6, false, false, 1, 4, false, "1-6"},
      {K::Heads, "heads", V::Int, 1, 16, false, false, 1, 8, false, "1-16"},
      {K::KvHeads, "kv_heads", V::Int, 0, 16, false, false, 1, 8, false, "INT dividing heads (0 = heads)"},
      {K::DModel, "d_model", V::Int, 2, 1024, false, false, 16, 128, false, "INT, a multiple of heads"},
      {K::Mlp, "mlp", V::Bool, 0, 1, false, false, 0, 0, false, "true|false"},
      {K::Ln, "ln", V::Bool, 0, 1, false, false, 0, 0, false, "true|false (LayerNorm)"},
      {K::Posenc, "posenc", V::Name, 0, 0, false, false, 0, 0, false, "learned|sinusoidal|rope|alibi|none"},
      {K::Scale, "scale", V::Name, 0, 1000, true, false, 0, 0, false, "auto|none|FLOAT (auto = 1/sqrt(d_head))"},
      {K::Temperature, "temperature", V::Real, 1e-3, 1e3, false, false, 0.25, 4, false, "FLOAT in [0.001, 1000]"},
      {K::Mask, "mask", V::Name, 0, 0, false, false, 0, 0, false, "task|causal|bidirectional (task: causal, but bidirectional for histogram)"},
      {K::Normalizer, "normalizer", V::Name, 0, 0, false, false, 0, 0, false, "softmax|sparsemax|entmax (1.5-entmax)"},
      {K::Init, "init", V::Name, 0, 0, false, false, 0, 0, false, "xavier|kaiming|normal (normal = N(0, 0.02), GPT-2)"},
      {K::Dropout, "dropout", V::Real, 0, 0.95, false, true, 0, 0.5, true, "FLOAT in [0, 0.95) (on the attention weights)"},
      {K::Optimizer, "optimizer", V::Name, 0, 0, false, false, 0, 0, false, "adamw|sgd"},
      {K::Lr, "lr", V::Real, 0, 10, true, false, 1e-4, 0.1, true, "FLOAT in (0, 10]"},
      {K::Warmup, "warmup", V::Int, 0, steps, false, false, 0, 0, false, "STEPS"},
      {K::Schedule, "schedule", V::Name, 0, 0, false, false, 0, 0, true, "cosine|constant"},
      {K::Batch, "batch", V::Int, 1, 4096, false, false, 8, 512, false, "INT"},
      {K::Steps, "steps", V::Int, 1, steps, false, false, 0, 0, true, "INT"},
      {K::Seed, "seed", V::Int, 0, 9007199254740992.0, false, false, 0, 0, false, "INT"},
      {K::WeightDecay, "weight_decay", V::Real, 0, 100, false, false, 0, 2, true, "FLOAT in [0, 100]"},
      {K::Clip, "clip", V::Real, 0, inf, false, false, 0, 5, true, "FLOAT (global gradient norm; 0 = off)"},
      {K::Beta1, "beta1", V::Real, 0, 1, false, true, 0, 0, false, "FLOAT in [0, 1)"},
      {K::Beta2, "beta2", V::Real, 0, 1, false, true, 0, 0, false, "FLOAT in [0, 1)"},
      {K::Eps, "eps", V::Real, 0, 1, true, true, 0, 0, false, "FLOAT in (0, 1)"},
      {K::Momentum, "momentum", V::Real, 0, 1, false, true, 0, 0, false, "FLOAT in [0, 1) (sgd)"},
      {K::SnapshotEvery, "snapshot_every", V::Int, 0, steps, false, false, 0, 0, true, "STEPS (0 = steps / 400)"},
      {K::EvalEvery, "eval_every", V::Int, 0, steps, false, false, 0, 0, true, "STEPS (0 = steps / 200, at least the snapshot interval)"},
  };
  return table;
}
static_assert(int(TrainKey::Count) == 33, "one row of train_rules() per TrainKey");

const TrainRule& train_rule(TrainKey k) { return train_rules()[size_t(k)]; }

const TrainRule* find_train_rule(const std::string& name) {
  for (const TrainRule& r : train_rules())
    if (name == r.name) return &r;
  return nullptr;
}

std::string train_flag(TrainKey k) {
  std::string f = std::string("--") + train_rule(k).name;
  for (char& ch : f)
    if (ch == '_') ch = '-';
  return f;
}

std::string train_range_text(TrainKey k) {
  const TrainRule& r = train_rule(k);
  if (r.kind == TrainValue::Int) return "an integer from " + num(r.lo) + " to " + num(r.hi);
  if (!std::isfinite(r.hi)) return std::string("a number ") + (r.lo_open ? "> " : ">= ") + num(r.lo);
  return std::string("a number in ") + (r.lo_open ? "(" : "[") + num(r.lo) + ", " + num(r.hi) + (r.hi_open ? ")" : "]");
}

std::string check_train_value(TrainKey k, double v) {
  const TrainRule& r = train_rule(k);
  const bool ok = !std::isnan(v) && (r.lo_open ? v > r.lo : v >= r.lo) && (r.hi_open ? v < r.hi : v <= r.hi) &&
                  (r.kind != TrainValue::Int || (std::isfinite(v) && v == std::floor(v)));
  return ok ? "" : train_range_text(k);
}

// What would break the math, whoever set the config (the ranges above are the fronts' business).
std::string validate(const Config& cfg, const Limits& lim) {
  std::ostringstream e;
  const int heads = query_heads(cfg);
  if (cfg.posenc != PosEnc::None && cfg.posenc != PosEnc::Sinusoidal && cfg.posenc != PosEnc::Rope)
    e << "positions '" << name_of(cfg.posenc) << "' are not the stepper's: it takes none, sinusoidal, rope, or the alibi variant";
  else if (!(cfg.temperature > 0) || !std::isfinite(cfg.temperature))
    e << "temperature must be a finite number > 0 (got " << cfg.temperature << ")";
  else if (cfg.input != Input::QKV && (cfg.d_model < 1 || cfg.d_model > lim.max_d_model))
    e << "d_model must be between 1 and " << lim.max_d_model << " (got " << cfg.d_model << ")";
  else if (cfg.input != Input::QKV && (cfg.n_heads < 1 || cfg.n_heads > lim.max_heads))
    e << "heads must be between 1 and " << lim.max_heads << " (got " << cfg.n_heads << ")";
  else if (cfg.input != Input::QKV && cfg.d_model % cfg.n_heads != 0)
    e << "d_model (" << cfg.d_model << ") must be divisible by heads (" << cfg.n_heads << ")";
  else if (cfg.scale == ScaleMode::Custom && !std::isfinite(cfg.scale_value))
    e << "the custom scale must be a finite number (got " << cfg.scale_value << ")";
  else if (cfg.mask == MaskKind::Window && cfg.window < 0)
    e << "the window half-width must be >= 0 (got " << cfg.window << ")";
  else if (!(cfg.dropout >= 0 && cfg.dropout < 1))
    e << "dropout must be in [0, 1) (got " << cfg.dropout << ")";
  else if (!(cfg.entmax_alpha >= 1 && cfg.entmax_alpha <= 2))
    e << "entmax alpha must be in [1, 2] (got " << cfg.entmax_alpha << ")";
  else if (cfg.input == Input::QKV && cfg.qkv_heads < 1)
    e << "Q, K and V given directly need at least 1 head (got " << cfg.qkv_heads << ")";
  else if (cfg.n_kv_heads < 0 || cfg.n_kv_heads > heads || (cfg.n_kv_heads > 0 && heads % cfg.n_kv_heads))
    e << "key/value heads (" << cfg.n_kv_heads << ") must divide the " << heads << " query heads (grouped-query attention)";
  else if (!(cfg.softcap >= 0) || !std::isfinite(cfg.softcap))
    e << "the soft-cap must be a finite number >= 0, 0 = off (got " << cfg.softcap << ")";
  else if (cfg.sink_tokens < 0)
    e << "sink tokens must be >= 0 (got " << cfg.sink_tokens << ")";
  else if (!cfg.sinks.empty() && int(cfg.sinks.size()) != heads)
    e << "attention sinks need one logit per query head: " << heads
      << ", got " << cfg.sinks.size();
  else if (!cfg.sinks.empty() && cfg.normalizer != Normalizer::Softmax)
    e << "attention sinks are defined for softmax (they take part of each row's mass); use softmax";
  else if (std::any_of(cfg.sinks.begin(), cfg.sinks.end(), [](float v) { return !std::isfinite(v); }))
    e << "the sink logits must be finite numbers";
  return e.str();
}

}  // namespace attn
