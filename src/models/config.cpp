// config.cpp: config.json by model_type, into nn::Spec. The defaults are Hugging Face's own
// (GPT2Config, LlamaConfig, MistralConfig, Qwen2Config) for keys a saved config may leave out.
#include "models/config.h"
#include <cmath>
#include "io/json.h"

namespace attn::models {

namespace {
const char* const kFamilyNames[] = {"gpt2", "llama", "mistral", "qwen2", "qwen3"};
static_assert(sizeof(kFamilyNames) / sizeof(kFamilyNames[0]) == size_t(Family::Count), "a name for every family");

// Reads config.json's keys with the family's defaults, naming the key on every failure
struct Keys {
  const Json& root;
  std::string* err;
  bool fail(const std::string& m) { *err = "config.json: " + m; return false; }
  // an integer in [lo, hi]; def < lo: required
  bool integer(const char* key, int lo, int hi, int def, int* out) {
    const Json* v = root.get(key);
    if (!v || v->kind == Json::Null) {
      if (def < lo) return fail(std::string("'") + key + "' is missing");
      *out = def;
      return true;
    }
    if (v->kind != Json::Num || v->num != std::floor(v->num) || v->num < lo || v->num > hi)
      return fail(std::string("'") + key + "' must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
    *out = int(v->num);
    return true;
  }
  bool number(const char* key, double lo, double hi, double def, double* out) {
    const Json* v = root.get(key);
    if (!v || v->kind == Json::Null) { *out = def; return true; }
    if (v->kind != Json::Num || !(v->num >= lo && v->num <= hi))
      return fail(std::string("'") + key + "' must be a number from " + std::to_string(lo) + " to " + std::to_string(hi));
    *out = v->num;
    return true;
  }
  bool boolean(const char* key, bool def, bool* out) {
    const Json* v = root.get(key);
    if (!v || v->kind == Json::Null) { *out = def; return true; }
    if (v->kind != Json::Bool) return fail(std::string("'") + key + "' must be true or false");
    *out = v->b;
    return true;
  }
  std::string text(const char* key, const std::string& def) {
    const Json* v = root.get(key);
    return v && v->kind == Json::Str ? v->str : def;
  }
};

// Llama 3's rope_scaling (transformers' _compute_llama3_parameters): long wavelengths slowed by
// `factor`, short ones kept, the band between blended
bool llama3_freqs(const Json& rs, int dh, double theta, std::vector<double>* out, std::string* err) {
  Keys k{rs, err};
  double factor, low, high;
  int old_len;
  if (!k.number("factor", 1e-3, 1e6, 8.0, &factor) || !k.number("low_freq_factor", 1e-3, 1e6, 1.0, &low) ||
      !k.number("high_freq_factor", 1e-3, 1e6, 4.0, &high) ||
      !k.integer("original_max_position_embeddings", 1, 1 << 24, 8192, &old_len))
    return false;
  if (!(high > low)) { *err = "config.json: rope_scaling's high_freq_factor must exceed low_freq_factor"; return false; }
  const double pi = 3.14159265358979323846, low_wavelen = old_len / low, high_wavelen = old_len / high;
  out->resize(size_t(dh / 2));
  for (int p = 0; p < dh / 2; p++) {
    const double f = std::pow(theta, -2.0 * p / dh), wavelen = 2 * pi / f;
    double g = wavelen > low_wavelen ? f / factor : f;
    if (!(wavelen < high_wavelen) && !(wavelen > low_wavelen)) {
      const double smooth = (old_len / wavelen - low) / (high - low);
      g = (1 - smooth) * g / factor + smooth * g;
    }
    (*out)[size_t(p)] = g;
  }
  return true;
}

bool read_gpt2(Keys& k, Config* c) {
  nn::Spec& s = c->spec;
  int heads = 0, d_ff = 0;
  double eps = 1e-5;
  if (!k.integer("n_embd", 1, 1 << 16, -1, &s.d_model) || !k.integer("n_head", 1, 1024, -1, &heads) ||
      !k.integer("n_layer", 1, 1024, -1, &s.layers) || !k.integer("vocab_size", 2, 1 << 22, -1, &s.vocab) ||
      !k.integer("n_positions", 1, 1 << 20, 1024, &c->n_positions) ||
      !k.integer("n_inner", 1, 1 << 20, 4 * s.d_model, &d_ff) ||
      !k.number("layer_norm_epsilon", 0, 1, 1e-5, &eps) || !k.boolean("tie_word_embeddings", true, &c->tied))
    return false;
  if (s.d_model % heads)
    return k.fail("n_embd " + std::to_string(s.d_model) + " is not a multiple of n_head " + std::to_string(heads));
  const std::string act = k.text("activation_function", "gelu_new");
  if (act != "gelu_new" && act != "gelu_pytorch_tanh")
    return k.fail("activation_function '" + act + "' is not supported (gelu_new: GELU's tanh form)");
  bool scaled = true;
  if (!k.boolean("scale_attn_weights", true, &scaled)) return false;
  s.pos = PosEnc::Learned;
  s.norm = {nn::NormKind::Layer, eps};
  s.attn.heads = s.attn.kv_heads = heads;
  s.attn.d_head = s.d_model / heads;
  s.attn.scale = scaled ? float(1 / std::sqrt(double(s.attn.d_head))) : 1.0f;
  s.ff = {nn::Activation::Gelu, d_ff};
  c->qkv_bias = c->o_bias = c->mlp_bias = true;
  return true;
}

bool read_llama(Keys& k, Config* c) {
  nn::Spec& s = c->spec;
  nn::AttentionSpec& a = s.attn;
  int d_ff = 0, window = 0;
  double eps = 1e-6, theta = 10000;
  if (!k.integer("hidden_size", 1, 1 << 16, -1, &s.d_model) || !k.integer("intermediate_size", 1, 1 << 20, -1, &d_ff) ||
      !k.integer("num_attention_heads", 1, 1024, -1, &a.heads) ||
      !k.integer("num_key_value_heads", 1, 1024, a.heads, &a.kv_heads) ||
      !k.integer("num_hidden_layers", 1, 1024, -1, &s.layers) || !k.integer("vocab_size", 2, 1 << 22, -1, &s.vocab) ||
      !k.integer("max_position_embeddings", 1, 1 << 24, 2048, &c->n_positions) ||
      !k.number("rms_norm_eps", 0, 1, 1e-6, &eps) || !k.number("rope_theta", 1, 1e12, 10000, &theta) ||
      !k.boolean("tie_word_embeddings", false, &c->tied))
    return false;
  if (a.heads % a.kv_heads)
    return k.fail("num_attention_heads " + std::to_string(a.heads) + " is not a multiple of num_key_value_heads " +
                  std::to_string(a.kv_heads));
  const int dh_default = s.d_model % a.heads ? 0 : s.d_model / a.heads;
  if (!k.integer("head_dim", 1, 4096, dh_default ? dh_default : -1, &a.d_head)) return false;
  if (a.d_head % 2) return k.fail("head_dim " + std::to_string(a.d_head) + " must be even for RoPE's half-split pairs");
  const std::string act = k.text("hidden_act", "silu");
  if (act != "silu") return k.fail("hidden_act '" + act + "' is not supported (silu: SwiGLU's gate)");
  if (c->family == Family::Mistral && !k.integer("sliding_window", 1, 1 << 24, 0, &window)) return false;
  if (c->family == Family::Qwen2 || c->family == Family::Qwen3) {
    bool use = false;  // Qwen's sliding_window applies only with use_sliding_window
    if (!k.boolean("use_sliding_window", false, &use)) return false;
    if (use && !k.integer("sliding_window", 1, 1 << 24, 0, &window)) return false;
  }
  bool attention_bias = false, mlp_bias = false;
  if (!k.boolean("attention_bias", false, &attention_bias) || !k.boolean("mlp_bias", false, &mlp_bias)) return false;
  c->qkv_bias = attention_bias || c->family == Family::Qwen2;
  c->o_bias = attention_bias && c->family == Family::Llama;
  c->mlp_bias = mlp_bias && c->family == Family::Llama;
  if (c->family == Family::Qwen3) a.qk_norm_eps = eps;  // q_norm, k_norm: RMSNorm(head_dim, rms_norm_eps)
  s.pos = PosEnc::Rope;
  s.norm = {nn::NormKind::Rms, eps};
  a.pos = PosEnc::Rope;
  a.rope = RopeLayout::HalfSplit;
  a.rope_theta = theta;
  a.window = window;
  a.scale = float(1 / std::sqrt(double(a.d_head)));
  s.ff = {nn::Activation::SwiGlu, d_ff};
  const Json* rs = k.root.get("rope_scaling");
  if (rs && rs->kind != Json::Null) {
    if (rs->kind != Json::Obj) return k.fail("'rope_scaling' must be an object or null");
    Keys r{*rs, k.err};
    const std::string type = r.text("rope_type", r.text("type", ""));
    if (type == "default") return true;
    if (type != "llama3")
      return k.fail("rope_scaling type '" + type + "' is not supported (llama3, or none)");
    c->rope_scaling = type;
    return llama3_freqs(*rs, a.d_head, theta, &a.rope_freqs, k.err);
  }
  return true;
}
}  // namespace

const char* name_of(Family f) { return kFamilyNames[size_t(f)]; }

std::string supported_families() {
  std::string out;
  for (const char* n : kFamilyNames) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

bool read_config(const std::string& text, Config* out, std::string* err) {
  Json root;
  if (!json_parse(text, &root) || root.kind != Json::Obj) { *err = "config.json: not a JSON object"; return false; }
  Keys k{root, err};
  const Json* mt = root.get("model_type");
  if (!mt || mt->kind != Json::Str) return k.fail("'model_type' is missing (supported: " + supported_families() + ")");
  Config c;
  size_t f = 0;
  while (f < size_t(Family::Count) && mt->str != kFamilyNames[f]) f++;
  if (f == size_t(Family::Count))
    return k.fail("model_type '" + mt->str + "' is not supported; supported: " + supported_families());
  c.family = Family(f);
  c.spec.attn.causal = true;
  if (!(c.family == Family::Gpt2 ? read_gpt2(k, &c) : read_llama(k, &c))) return false;
  c.spec.mlp = true;
  *out = c;
  return true;
}

}  // namespace attn::models
