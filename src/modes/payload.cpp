// payload.cpp: tensors handed in from outside (a notebook's views, a host page's attn:load
// message): the attention weights of every layer and head for the Model mode's model view and head
// view, one or more heads' real Q, K, V for the stepper, or someone's Q, K, V and output for the
// Check tab. The meta (JSON) says what each tensor is; the bytes hold them. Everything is checked
// before anything on screen changes: a refused payload leaves the state as it was.
#include <cmath>
#include <cstring>
#include "modes/modes.h"
#include "core/halfs.h"
#include "io/json.h"

namespace attn {

namespace {

constexpr double kMaxValues = 64.0 * 1024 * 1024;  // 256 MB of float32: past it the page refuses (the notebook side says so first)

// One tensor: its shape and its values widened to float (row-major)
struct Tensor {
  std::vector<int> shape;
  std::vector<float> data;
  int dim(int i) const { return shape[size_t(i)]; }
};

std::string shape_str(const std::vector<int>& s) {
  std::string t = "(";
  for (size_t i = 0; i < s.size(); i++) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + (s.size() == 1 ? ",)" : ")");
}

// meta.tensors[name] read from bytes: rank as expected, inside the bytes, finite unless allowed.
// False with err naming the tensor when not; absent (and optional) gives an empty shape.
bool read_tensor(const Json& meta, const std::string& bytes, const std::string& name, int rank, bool optional,
                 bool nonfinite_ok, Tensor* out, std::string* err) {
  out->shape.clear();
  out->data.clear();
  const Json* all = meta.get("tensors");
  const Json* t = all && all->kind == Json::Obj ? all->get(name) : nullptr;
  if (!t || t->kind == Json::Null) {
    if (!optional) *err = "'" + name + "' is missing";
    return optional;
  }
  const Json* shape = t->get("shape");
  const Json* dtype = t->get("dtype");
  const Json* offset = t->get("offset");
  if (t->kind != Json::Obj || !shape || shape->kind != Json::Arr || !dtype || dtype->kind != Json::Str || !offset ||
      offset->kind != Json::Num) {
    *err = "'" + name + "' needs a shape, a dtype and an offset";
    return false;
  }
  const int width = dtype->str == "float32" ? 4 : dtype->str == "float16" ? 2 : 0;
  if (!width) { *err = "'" + name + "' is " + dtype->str.substr(0, 20) + ": only float32 and float16 are read"; return false; }
  double count = 1;
  for (const Json& d : shape->arr) {
    if (d.kind != Json::Num || d.num < 1 || d.num > 1e7 || d.num != std::floor(d.num)) {
      *err = "'" + name + "' has a shape with a size that is not a positive whole number";
      return false;
    }
    out->shape.push_back(int(d.num));
    count *= d.num;
  }
  if (int(out->shape.size()) != rank) {
    *err = "'" + name + "' has shape " + shape_str(out->shape) + ": " + std::to_string(rank) + " dimensions expected";
    return false;
  }
  if (count > kMaxValues) {
    *err = "'" + name + "' " + shape_str(out->shape) + " holds " + std::to_string(int64_t(count)) + " values; the page takes at most " +
           std::to_string(int64_t(kMaxValues));
    return false;
  }
  const double at = offset->num;
  if (at < 0 || at != std::floor(at) || at + count * width > double(bytes.size())) {
    *err = "'" + name + "' " + shape_str(out->shape) + " does not fit in the " + std::to_string(bytes.size()) + " bytes handed in";
    return false;
  }
  out->data.resize(size_t(count));
  const unsigned char* p = reinterpret_cast<const unsigned char*>(bytes.data()) + size_t(at);
  for (size_t i = 0; i < out->data.size(); i++) {
    if (width == 4) std::memcpy(&out->data[i], p + 4 * i, 4);
    else out->data[i] = f16_value(uint16_t(p[2 * i] | p[2 * i + 1] << 8));
    if (!nonfinite_ok && !std::isfinite(out->data[i])) {
      *err = "'" + name + "' holds a NaN or an infinity at flat index " + std::to_string(i);
      return false;
    }
  }
  return true;
}

// (n, d) rows of head h of an (H, n, d) tensor, the heads side by side: (n, H d)
Mat side_by_side(const Tensor& t) {
  const int H = t.dim(0), n = t.dim(1), d = t.dim(2);
  Mat m(n, H * d);
  for (int h = 0; h < H; h++)
    for (int i = 0; i < n; i++)
      for (int c = 0; c < d; c++) m(i, h * d + c) = t.data[(size_t(h) * n + i) * d + c];
  return m;
}

Mat matrix(const Tensor& t) {
  Mat m(t.dim(0), t.dim(1));
  std::memcpy(m.data(), t.data.data(), t.data.size() * sizeof(float));
  return m;
}

std::vector<std::string> tokens_of(const Json& meta) {
  std::vector<std::string> out;
  if (const Json* t = meta.get("tokens"); t && t->kind == Json::Arr)
    for (const Json& s : t->arr) out.push_back(s.kind == Json::Str ? s.str.substr(0, 64) : std::string("?"));
  return out;
}

int int_of(const Json& meta, const char* key, int fallback) {
  const Json* v = meta.get(key);
  return v && v->kind == Json::Num && std::isfinite(v->num) ? int(v->num) : fallback;
}

std::vector<int> ints_of(const Json& meta, const char* key) {
  std::vector<int> out;
  if (const Json* v = meta.get(key); v && v->kind == Json::Arr)
    for (const Json& x : v->arr) out.push_back(x.kind == Json::Num ? int(x.num) : -1);
  return out;
}

// the stepper's options from the meta: the mask ("none", "causal", "causal-bottom-right" or a
// (n_q, n_k) tensor, nonzero = may attend) and the scale (a number, else 1/sqrt(d_k))
bool options_of(const Json& meta, const std::string& bytes, int n_q, int n_k, Config* c, std::string* err) {
  Tensor mask;
  if (!read_tensor(meta, bytes, "mask", 2, true, false, &mask, err)) return false;
  const Json* kind = meta.get("mask");
  if (!mask.shape.empty()) {
    if (mask.dim(0) != n_q || mask.dim(1) != n_k) {
      *err = "the mask is " + shape_str(mask.shape) + " but the scores are (" + std::to_string(n_q) + ", " + std::to_string(n_k) + ")";
      return false;
    }
    c->mask = MaskKind::Custom;
    c->custom_rows = n_q;
    c->custom_cols = n_k;
    c->custom_mask.assign(size_t(n_q) * n_k, 0);
    for (size_t i = 0; i < mask.data.size(); i++) c->custom_mask[i] = mask.data[i] != 0;
  } else if (kind && kind->kind == Json::Str) {
    if (kind->str == "none") c->mask = MaskKind::None;
    else if (kind->str == "causal") c->mask = MaskKind::Causal;
    else if (kind->str == "causal-bottom-right") c->mask = MaskKind::CausalBottomRight;
    else { *err = "mask '" + kind->str.substr(0, 30) + "': use none, causal, causal-bottom-right or an (n_q, n_k) array"; return false; }
  }
  if (const Json* s = meta.get("scale"); s && s->kind == Json::Num) {
    if (!std::isfinite(s->num) || s->num <= 0) { *err = "the scale must be a positive number"; return false; }
    c->scale = ScaleMode::Custom;
    c->scale_value = float(s->num);
  }
  return true;
}

bool load_attention(const Json& meta, const std::string& bytes, bool lines_first, std::string* err) {
  Tensor a;
  if (!read_tensor(meta, bytes, "attention", 4, false, false, &a, err)) return false;
  const int L = a.dim(0), H = a.dim(1), T = a.dim(2);
  if (a.dim(3) != T) { *err = "the attention is " + shape_str(a.shape) + ": its last two sizes (queries, keys) must be equal"; return false; }
  std::vector<std::string> tokens = tokens_of(meta);
  if (!tokens.empty() && int(tokens.size()) != T) {
    *err = std::to_string(tokens.size()) + " tokens for attention over " + std::to_string(T) + " positions";
    return false;
  }
  if (tokens.empty())
    for (int i = 0; i < T; i++) tokens.push_back(std::to_string(i));
  ModelView& M = app().model;
  M.given = true;
  M.ran = false;
  M.given_lines_first = lines_first;
  M.given_layers = L;
  M.given_heads = H;
  M.given_p = std::move(a.data);
  M.token_labels = std::move(tokens);
  M.ids.clear();
  M.layer_names = ints_of(meta, "layer_names");
  M.head_names = ints_of(meta, "head_names");
  if (int(M.layer_names.size()) != L) M.layer_names.clear();
  if (int(M.head_names.size()) != H) M.head_names.clear();
  const Json* title = meta.get("title");
  M.given_title = title && title->kind == Json::Str ? title->str.substr(0, 200) : "";
  M.layer = std::clamp(int_of(meta, "layer", 0), 0, L - 1);
  M.head = std::clamp(int_of(meta, "head", 0), 0, H - 1);
  M.error.clear();
  M.version++;
  model_label_heads();
  App& ap = app();
  ap.stepper.view.model = true;
  ap.stepper.view.train = false;
  return true;
}

// (H, n_q, d_k), (H_kv, n_k, d_k), (H_kv, n_k, d_v): the heads into the stepper
bool load_stepper(const Json& meta, const std::string& bytes, Config* c, std::string* err) {
  Tensor q, k, v;
  if (!read_tensor(meta, bytes, "q", 3, false, false, &q, err) || !read_tensor(meta, bytes, "k", 3, false, false, &k, err) ||
      !read_tensor(meta, bytes, "v", 3, false, false, &v, err))
    return false;
  if (k.dim(0) != v.dim(0) || k.dim(1) != v.dim(1)) {
    *err = "k is " + shape_str(k.shape) + " and v is " + shape_str(v.shape) + ": they need the same heads and keys";
    return false;
  }
  if (q.dim(2) != k.dim(2)) { *err = "q is " + shape_str(q.shape) + " and k is " + shape_str(k.shape) + ": d_k differs"; return false; }
  if (q.dim(0) % k.dim(0)) {
    *err = std::to_string(q.dim(0)) + " query heads do not share " + std::to_string(k.dim(0)) + " key/value heads evenly";
    return false;
  }
  c->input = Input::QKV;
  c->qkv_heads = q.dim(0);
  c->n_heads = q.dim(0);
  c->n_kv_heads = k.dim(0);
  c->Q_in = side_by_side(q);
  c->K_in = side_by_side(k);
  c->V_in = side_by_side(v);
  c->posenc = PosEnc::None;
  c->normalizer = Normalizer::Softmax;
  c->temperature = 1;
  c->scale = ScaleMode::Auto;
  c->mask = MaskKind::None;
  c->labels = tokens_of(meta);
  if (!c->labels.empty() && int(c->labels.size()) != q.dim(1)) {
    *err = std::to_string(c->labels.size()) + " tokens for " + std::to_string(q.dim(1)) + " queries";
    return false;
  }
  return options_of(meta, bytes, q.dim(1), k.dim(1), c, err);
}

bool load_check(const Json& meta, const std::string& bytes, std::string* err) {
  Tensor q, k, v, out, dout, dq, dk, dv;
  if (!read_tensor(meta, bytes, "q", 2, false, false, &q, err) || !read_tensor(meta, bytes, "k", 2, false, false, &k, err) ||
      !read_tensor(meta, bytes, "v", 2, false, false, &v, err) || !read_tensor(meta, bytes, "out", 2, false, true, &out, err) ||
      !read_tensor(meta, bytes, "dout", 2, true, false, &dout, err) || !read_tensor(meta, bytes, "dq", 2, true, true, &dq, err) ||
      !read_tensor(meta, bytes, "dk", 2, true, true, &dk, err) || !read_tensor(meta, bytes, "dv", 2, true, true, &dv, err))
    return false;
  // the stepper shows the same head with the same options: the check's reference is what it steps through
  Config c;
  if (q.dim(1) != k.dim(1)) { *err = "q is " + shape_str(q.shape) + " and k is " + shape_str(k.shape) + ": d_k differs"; return false; }
  if (k.dim(0) != v.dim(0)) { *err = "k is " + shape_str(k.shape) + " and v is " + shape_str(v.shape) + ": they need the same keys"; return false; }
  if (out.dim(0) != q.dim(0) || out.dim(1) != v.dim(1)) {
    *err = "out is " + shape_str(out.shape) + "; (" + std::to_string(q.dim(0)) + ", " + std::to_string(v.dim(1)) + ") expected (queries, d_v)";
    return false;
  }
  if (!dq.shape.empty() || !dk.shape.empty() || !dv.shape.empty()) {
    if (dout.shape.empty()) { *err = "dq, dk and dv need dout (the gradient at the output they came from)"; return false; }
  }
  const std::pair<const Tensor*, const Tensor*> same[] = {{&dout, &out}, {&dq, &q}, {&dk, &k}, {&dv, &v}};
  const char* const names[] = {"dout", "dq", "dk", "dv"};
  for (int i = 0; i < 4; i++)
    if (!same[i].first->shape.empty() && same[i].first->shape != same[i].second->shape) {
      *err = std::string(names[i]) + " is " + shape_str(same[i].first->shape) + "; " + shape_str(same[i].second->shape) + " expected";
      return false;
    }
  c.input = Input::QKV;
  c.qkv_heads = c.n_heads = c.n_kv_heads = 1;
  c.Q_in = matrix(q);
  c.K_in = matrix(k);
  c.V_in = matrix(v);
  c.posenc = PosEnc::None;
  c.labels = tokens_of(meta);
  if (!c.labels.empty() && int(c.labels.size()) != q.dim(0)) c.labels.clear();
  if (!options_of(meta, bytes, q.dim(0), k.dim(0), &c, err)) return false;
  const Json* prec = meta.get("precision");
  const std::string p = prec && prec->kind == Json::Str ? prec->str : "fp32";
  if (p != "fp32" && p != "fp16" && p != "bf16") { *err = "precision '" + p.substr(0, 20) + "': use fp32, fp16 or bf16"; return false; }
  App& a = app();
  a.stepper.preset.clear();
  edit_config(c);
  auto& ck = a.stepper.check;
  ck = {};
  ck.q = c.Q_in;
  ck.k = c.K_in;
  ck.v = c.V_in;
  ck.out = matrix(out);
  if (!dout.shape.empty()) ck.dout = matrix(dout);
  if (!dq.shape.empty()) ck.dq = matrix(dq);
  if (!dk.shape.empty()) ck.dk = matrix(dk);
  if (!dv.shape.empty()) ck.dv = matrix(dv);
  const Json* src = meta.get("source");  // where the tensors came from, as the sender says it
  for (auto& n : ck.names) n = src && src->kind == Json::Str ? src->str.substr(0, 60) : "handed in";
  ck.precision = p == "fp16" ? 1 : p == "bf16" ? 2 : 0;
  recompute_if_dirty();
  check_run();
  return true;
}

}  // namespace

bool app_load_payload(const std::string& meta_text, const std::string& bytes, std::string* err) {
  Json meta;
  if (!json_parse(meta_text, &meta) || meta.kind != Json::Obj) { *err = "the payload's description is not a JSON object"; return false; }
  const Json* view = meta.get("view");
  const std::string v = view && view->kind == Json::Str ? view->str : "";
  App& a = app();
  if (v == "model" || v == "head") return load_attention(meta, bytes, v == "head", err);
  if (v == "stepper") {
    Config c;
    if (!load_stepper(meta, bytes, &c, err)) return false;
    a.stepper.preset.clear();
    edit_config(c);
    a.stepper.view.model = a.stepper.view.train = false;
    a.stepper.view.head = std::clamp(int_of(meta, "head", 0), 0, c.n_heads - 1);
    a.stepper.view.stage = std::clamp(int_of(meta, "stage", 5), 0, 7);
    a.stepper.view.query = std::clamp(int_of(meta, "query", int(c.Q_in.rows()) - 1), 0, int(c.Q_in.rows()) - 1);
    return true;
  }
  if (v == "check") {
    if (!load_check(meta, bytes, err)) return false;
    a.stepper.view.model = a.stepper.view.train = false;
    a.stepper.view.show_check = true;
    a.stepper.view.stage = 6;  // the weighted sum: the output being checked
    return true;
  }
  *err = "view '" + v.substr(0, 30) + "': use model, head, stepper or check";
  return false;
}

}  // namespace attn
