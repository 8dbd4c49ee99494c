// check.cpp: check-model's passes (float32 ours, float64 reference, float64 with each mistake),
// the comparison in forward order, and which mistakes reproduce the first divergence.
// Sections: a pass as named tensors | the reference and the mistakes | the comparison
#include "models/check.h"
#include <algorithm>
#include <cmath>
#include <cstdio>
#include "io/tensor_file.h"

namespace attn::models {

// ---------------------------------------------------------------- a pass as named tensors

namespace {
// (heads, T, dh) from rows (T, heads·dh)
template <class S>
std::vector<double> by_head(const std::vector<S>& rows, int T, int heads, int dh) {
  std::vector<double> out(size_t(heads) * T * dh);
  for (int h = 0; h < heads; h++)
    for (int t = 0; t < T; t++)
      for (int i = 0; i < dh; i++) out[(size_t(h) * T + t) * dh + i] = double(rows[size_t(t) * heads * dh + size_t(h) * dh + i]);
  return out;
}
template <class S>
std::vector<double> widened(const std::vector<S>& v) { return std::vector<double>(v.begin(), v.end()); }
}  // namespace

template <class S>
std::vector<Named> pass_tensors(const nn::Spec& s, const nn::Cache<S>& c, const std::vector<S>& logits) {
  const int T = c.T, H = s.attn.heads, Hkv = s.attn.kv_heads, dh = s.attn.d_head;
  std::vector<Named> out;
  for (size_t l = 0; l < c.layers.size(); l++) {
    const auto& L = c.layers[l];
    const std::string n = std::to_string(l);
    out.push_back({"q." + n, {H, T, dh}, by_head(L.q, T, H, dh)});
    out.push_back({"k." + n, {Hkv, T, dh}, by_head(L.k, T, Hkv, dh)});
    out.push_back({"v." + n, {Hkv, T, dh}, by_head(L.v, T, Hkv, dh)});
    out.push_back({"attn." + n, {H, T, T}, widened(L.p)});
    out.push_back({"resid." + n, {T, s.d_model}, widened(L.resid)});
  }
  if (!logits.empty()) out.push_back({"logits", {T, s.vocab}, widened(logits)});
  return out;
}
template std::vector<Named> pass_tensors<float>(const nn::Spec&, const nn::Cache<float>&, const std::vector<float>&);
template std::vector<Named> pass_tensors<double>(const nn::Spec&, const nn::Cache<double>&, const std::vector<double>&);

// ---------------------------------------------------------------- the reference and the mistakes

namespace {

struct Hypothesis {
  const char* id;        // "rope-interleaved", ...
  const char* sentence;  // what the mistake is
};
enum Bug { Conv1d, RopeInterleaved, RopeTheta, GqaTiled, QkvBiasMissing, CausalMissing, ScaleDModel, GeluExact, HeadTied, kBugs };
const std::vector<Hypothesis> kHypotheses = {
    {"conv1d-layout", "GPT-2's Conv1D matrices, stored (in, out) and applied as x W, were read as nn.Linear's (out, in)"},
    {"rope-interleaved", "RoPE turns interleaved pairs (2i, 2i+1), but Hugging Face's checkpoints pair dimension i with i + d_head/2 (rotate_half)"},
    {"rope-theta", "RoPE's base is not the config's rope_theta (10000 was used, or its rope_scaling was left out)"},
    {"gqa-tiled", "query head h reads KV head h % H_kv (tiled); it should read h / (H / H_kv) (repeat_interleave)"},
    {"qkv-bias-missing", "the q, k and v projections' biases were left out"},
    {"causal-mask-missing", "no causal mask: every token attends to later tokens too"},
    {"scale-d-model", "the scores were scaled by 1/sqrt(d_model) instead of 1/sqrt(d_head)"},
    {"gelu-exact", "the exact (erf) GELU was used where the model uses the tanh approximation (gelu_new)"},
    {"lm-head-tied", "the output head was tied to the token embeddings, but this model has its own lm_head.weight"},
};
static_assert(kBugs == 9, "a hypothesis for every bug");

bool applies(Bug b, const Model& m) {
  const nn::Spec& s = m.cfg.spec;
  switch (b) {
    case Conv1d: case GeluExact: return m.cfg.family == Family::Gpt2;
    case RopeInterleaved: return s.attn.pos == PosEnc::Rope;
    case RopeTheta: return s.attn.pos == PosEnc::Rope && (s.attn.rope_theta != 10000.0 || !s.attn.rope_freqs.empty());
    case GqaTiled: return s.attn.kv_heads > 1 && s.attn.kv_heads < s.attn.heads;
    case QkvBiasMissing: return m.W.blocks.size() && m.W.blocks[0].attn.q.b;
    case CausalMissing: return true;
    case ScaleDModel: return s.attn.d_head != s.d_model;
    case HeadTied: return m.W.head.w != m.W.embed.tok;
    default: return false;
  }
}

// The weights in double: views at the same places as the float arena's (into a double arena
// widened once per check), and the scratch a mistake may build its own matrices in
struct DoubleWeights {
  std::vector<double> scratch;
  nn::Weights<const double> W;
};
const double* rebase(const float* p, const Model& m, const std::vector<double>& d) {
  return p ? d.data() + (p - m.arena.data()) : nullptr;
}
nn::Linear<const double> rebase(const nn::Linear<const float>& L, const Model& m, const std::vector<double>& d) {
  nn::Linear<const double> o;
  o.w = rebase(L.w, m, d);
  o.b = rebase(L.b, m, d);
  o.in = L.in;
  o.out = L.out;
  o.ld = L.ld;
  o.store = L.store;
  return o;
}
nn::NormWeights<const double> rebase(const nn::NormWeights<const float>& N, const Model& m, const std::vector<double>& d) {
  return {rebase(N.w, m, d), rebase(N.b, m, d)};
}

// the model's views over A, the float arena widened to double
nn::Weights<const double> widen_weights(const Model& m, const std::vector<double>& A) {
  nn::Weights<const double> W;
  W.embed = {rebase(m.W.embed.tok, m, A), rebase(m.W.embed.pos, m, A)};
  W.blocks.clear();
  for (const auto& b : m.W.blocks) {
    nn::Block<const double> o;
    o.ln1 = rebase(b.ln1, m, A);
    o.ln2 = rebase(b.ln2, m, A);
    o.attn = {rebase(b.attn.q, m, A), rebase(b.attn.k, m, A), rebase(b.attn.v, m, A), rebase(b.attn.o, m, A)};
    o.mlp = {rebase(b.mlp.up, m, A), rebase(b.mlp.gate, m, A), rebase(b.mlp.down, m, A)};
    W.blocks.push_back(o);
  }
  W.ln_f = rebase(m.W.ln_f, m, A);
  W.head = rebase(m.W.head, m, A);
  return W;
}

// conv1d-layout: a tensor of `in` x `out` values at p read as (out, in) and applied as x Wᵀ, i.e.
// as the (in, out) matrix E[i][o] = p[o in + i]; written into scratch, returned there
const double* reinterpret(const double* p, int in, int out, std::vector<double>* scratch, size_t at) {
  for (int i = 0; i < in; i++)
    for (int o = 0; o < out; o++) (*scratch)[at + size_t(i) * out + o] = p[size_t(o) * in + i];
  return scratch->data() + at;
}
void apply_conv1d(DoubleWeights* D) {
  size_t need = 0;
  for (const auto& b : D->W.blocks)
    need += size_t(b.attn.q.in) * b.attn.q.ld + size_t(b.attn.o.in) * b.attn.o.out + size_t(b.mlp.up.in) * b.mlp.up.out +
            size_t(b.mlp.down.in) * b.mlp.down.out;
  D->scratch.assign(need, 0.0);
  size_t at = 0;
  for (auto& b : D->W.blocks) {
    const int d = b.attn.q.in, wide = b.attn.q.ld;  // c_attn: (d, 3d), q | k | v in its columns
    const double* e = reinterpret(b.attn.q.w, d, wide, &D->scratch, at);
    at += size_t(d) * wide;
    b.attn.k.w = e + (b.attn.k.w - b.attn.q.w);
    b.attn.v.w = e + (b.attn.v.w - b.attn.q.w);
    b.attn.q.w = e;
    auto whole = [&](nn::Linear<const double>& L) {
      L.w = reinterpret(L.w, L.in, L.out, &D->scratch, at);
      at += size_t(L.in) * L.out;
    };
    whole(b.attn.o);
    whole(b.mlp.up);
    whole(b.mlp.down);
  }
}

void apply(Bug b, const Model& m, nn::Spec* s, DoubleWeights* D) {
  switch (b) {
    case Conv1d: apply_conv1d(D); break;
    case RopeInterleaved: s->attn.rope = RopeLayout::Interleaved; break;
    case RopeTheta: s->attn.rope_theta = 10000.0; s->attn.rope_freqs.clear(); break;
    case GqaTiled: s->attn.kv_map = nn::AttentionSpec::KvMap::Tile; break;
    case QkvBiasMissing:
      for (auto& blk : D->W.blocks) blk.attn.q.b = blk.attn.k.b = blk.attn.v.b = nullptr;
      break;
    case CausalMissing: s->attn.causal = false; s->attn.window = 0; break;
    case ScaleDModel: s->attn.scale = float(1 / std::sqrt(double(s->d_model))); break;
    case GeluExact: s->ff.act = nn::Activation::GeluErf; break;
    case HeadTied:
      D->W.head.w = D->W.embed.tok;
      D->W.head.store = nn::Store::OutIn;
      D->W.head.ld = s->d_model;
      break;
    default: break;
  }
  (void)m;
}

// the pass in double over the widened weights W, with mistake `bug` (-1: none) switched on
bool double_pass(const Model& m, const nn::Weights<const double>& W, const std::vector<int>& ids, int bug,
                 std::vector<Named>* out, std::string* err) {
  DoubleWeights D;
  D.W = W;
  nn::Spec s = m.cfg.spec;
  if (bug >= 0) apply(Bug(bug), m, &s, &D);
  nn::Cache<double> c;
  c.keep_weights = c.keep_resid = true;
  try {
    nn::forward_blocks(s, D.W, 1, int(ids.size()), 0, ids.data(), nn::Run(), &c);
    std::vector<int> rows(ids.size());
    for (size_t t = 0; t < rows.size(); t++) rows[t] = int(t);
    std::vector<double> logits(ids.size() * size_t(s.vocab));
    nn::lm_head_forward(s.d_model, rows, c.f.data(), D.W.head, &c.work.fr, logits.data(), &c.work.tmp);
    *out = pass_tensors(s, c, logits);
  } catch (const std::bad_alloc&) {
    *err = "out of memory for the float64 reference of " + std::to_string(ids.size()) + " tokens";
    return false;
  }
  return true;
}

}  // namespace


// ---------------------------------------------------------------- the comparison

namespace {

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}
std::string where(const std::vector<int64_t>& shape, size_t flat) {
  static const char* const kAxes3[] = {"h", "t", "i"};
  std::vector<int64_t> at(shape.size());
  for (size_t k = shape.size(); k-- > 0;) {
    at[k] = int64_t(flat % size_t(shape[k]));
    flat /= size_t(shape[k]);
  }
  std::string s = "(";
  for (size_t k = 0; k < at.size(); k++) {
    const char* axis = shape.size() == 3 ? kAxes3[k] : shape.size() == 2 ? (k ? "i" : "t") : "t";
    s += (k ? ", " : "") + std::string(axis) + " " + std::to_string(at[k]);
  }
  return s + ")";
}
const Named* find(const std::vector<Named>& v, const std::string& name) {
  for (const Named& n : v)
    if (n.name == name) return &n;
  return nullptr;
}
// max |a - b| and where; inf when b has a non-finite value
double max_err(const std::vector<double>& a, const std::vector<double>& b, size_t* at) {
  double worst = 0;
  *at = 0;
  for (size_t i = 0; i < a.size(); i++) {
    const double e = std::isfinite(b[i]) ? std::fabs(a[i] - b[i]) : INFINITY;
    if (e > worst) { worst = e; *at = i; }
  }
  return worst;
}

}  // namespace

bool check_model(const Model& m, const std::vector<int>& ids, const std::vector<TheirTensor>& theirs, double atol,
                 ModelCheck* out, std::string* err) {
  if (!m.widened) { *err = "check-model needs the model loaded with every weight widened (load_model's in_place false)"; return false; }
  ModelCheck r;
  Pass ours_pass;
  if (!run_model(m, ids, {}, &ours_pass, err)) return false;
  const std::vector<Named> ours = pass_tensors(m.cfg.spec, ours_pass.cache, ours_pass.logits);
  std::vector<double> arena;  // the weights in double, once for the reference and every mistake
  try {
    arena.assign(m.arena.begin(), m.arena.end());
  } catch (const std::bad_alloc&) {
    *err = "out of memory for the float64 copy of the weights";
    return false;
  }
  const nn::Weights<const double> W = widen_weights(m, arena);
  std::vector<Named> ref;
  if (!double_pass(m, W, ids, -1, &ref, err)) return false;
  std::map<std::string, const TheirTensor*> given;
  for (const TheirTensor& t : theirs) given[t.name] = &t;
  if (given.empty()) { *err = "none of the dump's files is one check-model reads (ids, q.L, k.L, v.L, attn.L, resid.L, logits)"; return false; }
  // their token ids first: another tokenizer makes every later tensor differ
  if (const auto it = given.find("ids"); it != given.end()) {
    ModelVerdict v;
    v.name = "ids";
    const TheirTensor& t = *it->second;
    v.pass = t.v.size() == ids.size();
    for (size_t i = 0; v.pass && i < ids.size(); i++)
      if (t.v[i] != ids[i]) { v.pass = false; v.worst_at = "(t " + std::to_string(i) + ")"; }
    if (!v.pass) v.problem = "their token ids differ from ours" + (v.worst_at.empty() ? std::string(" in length") : " at " + v.worst_at);
    r.tensors.push_back(v);
    if (!v.pass) r.first_bad = "ids";
  }
  std::map<std::string, double> tols;
  for (const Named& n : ref) {
    const auto it = given.find(n.name);
    if (it == given.end()) continue;
    const TheirTensor& t = *it->second;
    ModelVerdict v;
    v.name = n.name;
    double scale = 0;
    for (double x : n.v) scale = std::max(scale, std::fabs(x));
    size_t at = 0;
    const Named* f = find(ours, n.name);
    const double f32 = max_err(n.v, f->v, &at);
    v.tol = tols[n.name] = 2 * f32 + (atol >= 0 ? atol : std::max(1e-6, 1e-5 * scale));
    if (t.shape != n.shape) {
      v.problem = "its shape is " + shape_text(t.shape) + "; ours is " + shape_text(n.shape);
    } else {
      v.max_abs = max_err(n.v, t.v, &at);
      v.worst_at = where(n.shape, at);
      v.pass = v.max_abs <= v.tol;
      if (!std::isfinite(v.max_abs)) v.problem = "non-finite value at " + v.worst_at;
    }
    if (!v.pass && r.first_bad.empty()) r.first_bad = n.name;
    r.tensors.push_back(v);
  }
  r.tolerance = "tolerance per tensor = 2 x our float32 pass's max error against our float64 pass + atol (" +
                (atol >= 0 ? num(atol) : std::string("1e-5 x the tensor's largest magnitude, at least 1e-6")) + ")";
  r.pass = r.first_bad.empty();
  if (!r.pass && r.first_bad != "ids") {
    // which mistakes reproduce their first divergence (and everything of theirs before it)
    const TheirTensor& bad = *given.at(r.first_bad);
    const bool rope_place = r.first_bad.compare(0, 2, "q.") == 0 || r.first_bad.compare(0, 2, "k.") == 0;
    bool pos0_agrees = false;
    if (rope_place && bad.shape.size() == 3) {  // RoPE turns nothing at position 0
      const Named* n = find(ref, r.first_bad);
      pos0_agrees = bad.shape == n->shape;
      const int64_t T = n->shape[1], dh = n->shape[2];
      for (int64_t h = 0; pos0_agrees && h < n->shape[0]; h++)
        for (int64_t i = 0; i < dh; i++)
          if (std::fabs(n->v[size_t(h * T * dh + i)] - bad.v[size_t(h * T * dh + i)]) > tols[r.first_bad]) pos0_agrees = false;
    }
    for (int b = 0; b < kBugs; b++) {
      if (!applies(Bug(b), m)) continue;
      if ((b == RopeInterleaved || b == RopeTheta) && !(rope_place && pos0_agrees)) continue;
      std::vector<Named> hyp;
      if (!double_pass(m, W, ids, b, &hyp, err)) return false;
      bool fits = true;
      for (const Named& n : hyp) {
        const auto it = given.find(n.name);
        if (it == given.end() || it->second->shape != n.shape) continue;
        size_t at = 0;
        if (max_err(n.v, it->second->v, &at) > tols[n.name]) { fits = false; break; }
        if (n.name == r.first_bad) break;  // what follows may differ for other reasons too
      }
      if (fits) r.causes.push_back(std::string(kHypotheses[size_t(b)].id) + ": " + kHypotheses[size_t(b)].sentence);
    }
    if (r.causes.empty()) {
      std::string tried;
      for (int b = 0; b < kBugs; b++)
        if (applies(Bug(b), m)) tried += (tried.empty() ? "" : ", ") + std::string(kHypotheses[size_t(b)].id);
      r.notes.push_back("cannot tell why: none of the known mistakes that apply to this model (" + tried + ") reproduces " +
                        r.first_bad);
    }
  } else if (r.first_bad == "ids") {
    r.notes.push_back("the token ids differ: compare tokenizers first (attn tokenize), then run both on the same --ids");
  }
  *out = std::move(r);
  return true;
}

}  // namespace attn::models
