// share_state.cpp: key=value encoding of ShareState. Readable keys, %-encoded values, floats
// written with 9 significant digits so state -> text -> state is exact.
#include "io/share_state.h"
#include "core/format.h"
#include "engine/rules.h"
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include "lessons/presets.h"

namespace attn {

// numbers are parsed as numbers here; their ranges are engine/rules.h's business (conform below)
constexpr long long kAny = 1000000000LL;

namespace {

std::string pct(const std::string& v) {
  static const char* hex = "0123456789ABCDEF";
  std::string r;
  for (unsigned char c : v) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ',' || c == ':') r += char(c);
    else { r += '%'; r += hex[c >> 4]; r += hex[c & 15]; }
  }
  return r;
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool unpct(const std::string& v, std::string* out) {
  out->clear();
  for (size_t i = 0; i < v.size(); i++) {
    if (v[i] == '%') {
      if (i + 2 >= v.size()) return false;
      int a = hexval(v[i + 1]), b = hexval(v[i + 2]);
      if (a < 0 || b < 0) return false;
      *out += char(a * 16 + b);
      i += 2;
    } else if (v[i] == '+') {
      *out += ' ';
    } else {
      *out += v[i];
    }
  }
  return true;
}

std::string fnum(double v) { return sig_text(v, 9); }  // a float's 9 digits read back exactly

bool to_double(const std::string& s, double lo, double hi, double* out) {
  if (s.empty() || s.size() > 32) return false;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v) || v < lo || v > hi) return false;
  *out = v;
  return true;
}

// NOTE: long is 32 bits in wasm32; seeds need 64.
bool to_int(const std::string& s, long long lo, long long hi, long long* out) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  long long v = std::strtoll(s.c_str(), nullptr, 10);
  if (v < lo || v > hi) return false;
  *out = v;
  return true;
}

// painted mask: "RxC:" then the bits row-major, 4 per hex digit
std::string encode_mask(const Config& c) {
  std::string r = std::to_string(c.custom_rows) + "x" + std::to_string(c.custom_cols) + ":";
  const size_t n = c.custom_mask.size();
  for (size_t i = 0; i < n; i += 4) {
    int v = 0;
    for (size_t k = 0; k < 4; k++) v |= (i + k < n && c.custom_mask[i + k] ? 1 : 0) << (3 - k);
    r += "0123456789abcdef"[v];
  }
  return r;
}

bool decode_mask(const std::string& s, Config* c) {
  size_t x = s.find('x'), colon = s.find(':');
  long long R, C;
  if (x == std::string::npos || colon == std::string::npos || colon < x) return false;
  if (!to_int(s.substr(0, x), 1, 4096, &R) || !to_int(s.substr(x + 1, colon - x - 1), 1, 4096, &C)) return false;
  const std::string bits = s.substr(colon + 1);
  const size_t n = size_t(R) * size_t(C);
  if (bits.size() != (n + 3) / 4) return false;
  MaskBits m(n);
  for (size_t i = 0; i < n; i++) {
    int v = hexval(bits[i / 4]);
    if (v < 0) return false;
    m[i] = (v >> (3 - i % 4)) & 1;
  }
  c->custom_rows = int(R);
  c->custom_cols = int(C);
  c->custom_mask = std::move(m);
  return true;
}

// edits: "Q.2.3:1.5,Wq.0.1:-0.25"
std::string encode_edits(const Config& c) {
  std::string r;
  for (const CellEdit& e : c.edits) {
    if (!r.empty()) r += ',';
    r += std::string(name_of(e.target)) + "." + std::to_string(e.row) + "." + std::to_string(e.col) + ":" + fnum(e.value);
  }
  return r;
}

bool decode_edits(const std::string& s, Config* c) {
  std::vector<CellEdit> out;
  size_t p = 0;
  while (p < s.size()) {
    size_t q = s.find(',', p);
    if (q == std::string::npos) q = s.size();
    const std::string item = s.substr(p, q - p);
    size_t d1 = item.find('.'), d2 = d1 == std::string::npos ? d1 : item.find('.', d1 + 1), colon = item.find(':');
    if (d1 == std::string::npos || d2 == std::string::npos || colon == std::string::npos || colon < d2) return false;
    CellEdit e;
    long long r, col;
    double v;
    if (!parse_name(item.substr(0, d1), &e.target) || !to_int(item.substr(d1 + 1, d2 - d1 - 1), 0, 4095, &r) ||
        !to_int(item.substr(d2 + 1, colon - d2 - 1), 0, 4095, &col) || !to_double(item.substr(colon + 1), -1e6, 1e6, &v))
      return false;
    e.row = int(r);
    e.col = int(col);
    e.value = float(v);
    out.push_back(e);
    if (int(out.size()) > kMaxEdits) return false;
    p = q + 1;
  }
  c->edits = std::move(out);
  return true;
}

std::string scale_text(const Config& c) {
  return c.scale == ScaleMode::Auto ? "auto" : c.scale == ScaleMode::None ? "none" : fnum(c.scale_value);
}

}  // namespace

std::string encode_state(const ShareState& s) {
  const Config& c = s.cfg;
  std::string r;
  auto kv = [&](const char* k, const std::string& v) { r += (r.empty() ? "" : "&") + std::string(k) + "=" + pct(v); };
  if (!s.preset.empty()) kv("preset", s.preset);
  if (c.input == Input::Sentence) {
    kv("sentence", c.sentence);
    kv("source", c.source);  // always: an empty value overrides a preset's source
    kv("d", std::to_string(c.d_model));
    kv("heads", std::to_string(c.n_heads));
  }
  kv("posenc", name_of(c.posenc));
  kv("init", name_of(c.init));
  kv("score", name_of(c.score));
  kv("scale", scale_text(c));
  kv("mask", name_of(c.mask));
  if (c.mask == MaskKind::Window) kv("w", std::to_string(c.window));
  if (c.mask == MaskKind::Padding) {
    std::string p;
    for (int j : c.padding) p += (p.empty() ? "" : ",") + std::to_string(j);
    kv("pad", p);
  }
  if (c.mask == MaskKind::Custom && !c.custom_mask.empty()) kv("paint", encode_mask(c));
  kv("norm", name_of(c.normalizer));
  if (c.normalizer == Normalizer::Entmax) kv("alpha", fnum(c.entmax_alpha));
  kv("T", fnum(c.temperature));
  kv("seed", std::to_string(c.seed));
  kv("dropout", fnum(c.dropout));
  kv("linear", c.linear ? "1" : "0");
  // the variants, only when on (older links stay as they were)
  if (c.n_kv_heads > 0) kv("kv", std::to_string(c.n_kv_heads));
  if (c.alibi) kv("alibi", "1");
  if (c.softcap > 0) kv("softcap", fnum(c.softcap));
  if (!c.sinks.empty()) {
    std::string v;
    for (float x : c.sinks) v += (v.empty() ? "" : ",") + fnum(x);
    kv("sink", v);
  }
  if (c.sink_tokens > 0) kv("sinktok", std::to_string(c.sink_tokens));
  if (!c.edits.empty()) kv("edits", encode_edits(c));
  kv("stage", std::to_string(s.stage + 1));
  if (!s.model_mode) kv("head", std::to_string(s.head + 1));
  kv("q", std::to_string(s.query + 1));
  kv("view", s.grid ? "grid" : "single");
  kv("theme", s.light ? "light" : "dark");
  if (s.embed) kv("embed", "1");
  if (!s.panels.empty()) kv("panels", s.panels);
  if (!s.pin.empty()) kv("pin", s.pin);
  if (s.model_mode) {
    kv("mode", "model");
    if (!s.model.empty()) kv("model", s.model);
    if (!s.model_text.empty()) kv("text", s.model_text);
    kv("layer", std::to_string(s.model_layer));
    kv("head", std::to_string(s.model_head));
  }
  if (s.train_mode) {
    kv("mode", "train");
    if (!s.train.empty()) kv("train", s.train);
    if (s.train_step >= 0) kv("tstep", std::to_string(s.train_step));
  }
  return r;
}

bool valid_model_name(const std::string& s) {
  const size_t slash = s.find('/');
  if (s.size() > 96 || slash == std::string::npos || slash == 0 || slash + 1 == s.size() || s.find('/', slash + 1) != std::string::npos ||
      s.find("..") != std::string::npos)
    return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '/')) return false;
  return true;
}

ShareState decode_state(const std::string& text_in, std::vector<std::string>* notices) {
  ShareState s;
  auto note = [&](const std::string& n) { if (notices && notices->size() < 20) notices->push_back(n); };
  std::string text = text_in;
  if (!text.empty() && text[0] == '#') text.erase(0, 1);
  // pass 1: split and decode; the preset is applied first so that later keys override it
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t p = 0;
  while (p <= text.size() && pairs.size() < 200) {
    size_t q = text.find('&', p);
    if (q == std::string::npos) q = text.size();
    std::string item = text.substr(p, q - p);
    p = q + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    std::string key = item.substr(0, eq), raw = eq == std::string::npos ? "" : item.substr(eq + 1), val;
    if (key.size() > 32) { note("ignored a key longer than 32 characters"); continue; }
    if (raw.size() > kMaxValue * 3) { note("ignored " + key + ": the value is too long"); continue; }
    if (!unpct(raw, &val)) { note("ignored " + key + ": bad %-encoding"); continue; }
    pairs.emplace_back(key, val);
  }
  for (const auto& [k, v] : pairs)
    if (k == "preset") {
      if (apply_preset(v, &s.cfg)) s.preset = v;
      else note("ignored preset: unknown name");
    }
  // in the Model mode, layer and head name the model's head (from 0), not the stepper's
  bool model_link = false;
  for (const auto& [k, v] : pairs) model_link |= k == "mode" && v == "model";
  // pass 2: every other key
  Config& c = s.cfg;
  for (const auto& [k, v] : pairs) {
    double d;
    long long n;
    bool ok = true;
    if (k == "preset") continue;
    else if (k == "sentence" || k == "source") {
      if (v.size() > kMaxText) { note("ignored " + k + ": longer than " + std::to_string(kMaxText) + " characters"); continue; }
      if (v.find('\0') != std::string::npos) { ok = false; }
      else if (k == "sentence") { c.sentence = v; c.input = Input::Sentence; }
      else c.source = v;
    } else if (k == "d") { ok = to_int(v, -kAny, kAny, &n); if (ok) c.d_model = int(n); }
    else if (k == "heads") { ok = to_int(v, -kAny, kAny, &n); if (ok) c.n_heads = int(n); }
    else if (k == "posenc") ok = parse_name(v, &c.posenc);
    else if (k == "init") ok = parse_name(v, &c.init);
    else if (k == "score") ok = parse_name(v, &c.score);
    else if (k == "scale") {
      if (v == "auto") c.scale = ScaleMode::Auto;
      else if (v == "none") c.scale = ScaleMode::None;
      else if ((ok = to_double(v, -1e4, 1e4, &d))) { c.scale = ScaleMode::Custom; c.scale_value = float(d); }
    } else if (k == "mask") ok = parse_name(v, &c.mask);
    else if (k == "w") { ok = to_int(v, -kAny, kAny, &n); if (ok) c.window = int(n); }
    else if (k == "pad") {
      std::vector<int> pad;
      size_t a = 0;
      while (ok && a < v.size()) {
        size_t b = v.find(',', a);
        if (b == std::string::npos) b = v.size();
        ok = to_int(v.substr(a, b - a), 0, 4095, &n) && pad.size() < 4096;
        pad.push_back(int(n));
        a = b + 1;
      }
      if (ok) c.padding = pad;
    } else if (k == "paint") ok = decode_mask(v, &c);
    else if (k == "norm") ok = parse_name(v, &c.normalizer);
    else if (k == "alpha") { ok = to_double(v, -kAny, kAny, &d); if (ok) c.entmax_alpha = float(d); }
    else if (k == "T") { ok = to_double(v, -kAny, kAny, &d); if (ok) c.temperature = float(d); }
    else if (k == "seed") { ok = to_int(v, 0, 999999999999LL, &n); if (ok) c.seed = uint64_t(n); }
    else if (k == "dropout") { ok = to_double(v, -kAny, kAny, &d); if (ok) c.dropout = float(d); }
    else if (k == "linear") { ok = v == "0" || v == "1"; if (ok) c.linear = v == "1"; }
    else if (k == "kv") { ok = to_int(v, -kAny, kAny, &n); if (ok) c.n_kv_heads = int(n); }
    else if (k == "alibi") { ok = v == "0" || v == "1"; if (ok) c.alibi = v == "1"; }
    else if (k == "softcap") { ok = to_double(v, -kAny, kAny, &d); if (ok) c.softcap = float(d); }
    else if (k == "sinktok") { ok = to_int(v, -kAny, kAny, &n); if (ok) c.sink_tokens = int(n); }
    else if (k == "sink") {  // one logit per head, comma-separated
      std::vector<float> s;
      size_t a = 0;
      while (ok && a <= v.size() && s.size() < 64) {
        size_t b = v.find(',', a);
        if (b == std::string::npos) b = v.size();
        ok = to_double(v.substr(a, b - a), -1e4, 1e4, &d);
        s.push_back(float(d));
        a = b + 1;
      }
      if (ok) c.sinks = s;
    }
    else if (k == "edits") ok = decode_edits(v, &c);
    else if (k == "stage") { ok = to_int(v, 1, 8, &n); if (ok) s.stage = int(n) - 1; }
    else if (k == "head" && model_link) { ok = to_int(v, 0, 1023, &n); if (ok) s.model_head = int(n); }
    else if (k == "head") { ok = to_int(v, 1, 8, &n); if (ok) s.head = int(n) - 1; }
    else if (k == "q") { ok = to_int(v, 1, 4096, &n); if (ok) s.query = int(n) - 1; }
    else if (k == "view") { ok = v == "grid" || v == "single"; if (ok) s.grid = v == "grid"; }
    else if (k == "theme") { ok = v == "light" || v == "dark"; if (ok) s.light = v == "light"; }
    else if (k == "embed") { ok = v == "0" || v == "1"; if (ok) s.embed = v == "1"; }
    else if (k == "pin") {  // checked when applied (decode_state of its own); a pin inside a pin is ignored there
      ok = v.size() <= kMaxValue;
      if (ok) s.pin = v;
    }
    else if (k == "mode") {
      ok = v == "train" || v == "stepper" || v == "model";
      if (ok) { s.train_mode = v == "train"; s.model_mode = v == "model"; }
    }
    else if (k == "model") { ok = valid_model_name(v); if (ok) s.model = v; }
    else if (k == "text") { ok = v.size() <= kMaxText * 4; if (ok) s.model_text = v; }
    else if (k == "layer") { ok = to_int(v, 0, 1023, &n); if (ok) s.model_layer = int(n); }
    else if (k == "train") {  // checked when applied (the training settings' own rules)
      ok = v.size() <= 2000;
      if (ok) s.train = v;
    }
    else if (k == "tstep") { ok = to_int(v, 0, 1000000, &n); if (ok) s.train_step = int(n); }
    else if (k == "panels") { ok = v.size() < 100 && v.find_first_not_of("abcdefghijklmnopqrstuvwxyz,") == std::string::npos; if (ok) s.panels = v; }
    else { note("ignored unknown key '" + k.substr(0, 20) + "'"); continue; }
    if (!ok) note("ignored " + k + ": invalid value");
  }
  // numbers out of range: the one policy of engine/rules.h (moved to the range's end, and said)
  for (const std::string& n : conform(&c, Front::App)) note(n);
  if (!c.sinks.empty() && (int(c.sinks.size()) != c.n_heads || c.normalizer != Normalizer::Softmax)) {
    note("ignored sink: it needs one logit per head (" + std::to_string(c.n_heads) + ") and softmax");
    c.sinks.clear();
  }
  return s;
}

}  // namespace attn
