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
