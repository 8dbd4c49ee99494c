// weights.cpp: each family's tensor names and shapes, as its checkpoints store them, mapped onto
// the one transformer's weight views. GPT-2's matrices are Conv1D, (in, out), applied as x·W, its
// q, k, v side by side in c_attn; the Llama family's are nn.Linear, (out, in), applied as x·Wᵀ.
// Sections: the tensor table | the arena | GPT-2 | the Llama family | load_model
#include <cmath>
#include <set>
#include "io/json.h"
#include "core/halfs.h"
#include "io/tensor_file.h"
#include "models/model.h"

namespace attn::models {

namespace {

// ---------------------------------------------------------------- the tensor table

struct Located {
  const std::string* file_name;
  const FileBytes* bytes;
  SafetensorsEntry e;
};
using Table = std::map<std::string, Located>;

bool index_file(const std::string& name, const FileBytes& bytes, Table* t, std::string* err) {
  std::vector<SafetensorsEntry> entries;
  std::string e;
  if (!safetensors_index(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &entries, &e)) {
    *err = name + ": " + e;
    return false;
  }
  for (SafetensorsEntry& x : entries) {
    auto [it, fresh] = t->emplace(x.name, Located{&name, &bytes, x});
    if (!fresh) { *err = name + ": tensor '" + x.name + "' is also in " + *it->second.file_name; return false; }
  }
  return true;
}

// the weight files: model.safetensors, or the shards model.safetensors.index.json lists
bool index_files(const Files& files, Table* t, size_t* bytes, std::string* err) {
  *bytes = 0;
  const auto idx = files.find("model.safetensors.index.json");
  std::set<std::string> shards;
  if (idx != files.end()) {
    Json root;
    const Json* map = nullptr;
    if (!json_parse(idx->second.text(), &root) || !(map = root.get("weight_map")) || map->kind != Json::Obj) {
      *err = "model.safetensors.index.json: not a JSON object with a 'weight_map' object";
      return false;
    }
    for (const auto& [tensor, file] : map->obj) {
      if (file.kind != Json::Str) { *err = "model.safetensors.index.json: the file of '" + tensor + "' is not a string"; return false; }
      shards.insert(file.str);
    }
    if (shards.empty()) { *err = "model.safetensors.index.json: its weight_map lists no file"; return false; }
  } else if (files.count("model.safetensors")) {
    shards.insert("model.safetensors");
  } else {
    *err = "no model.safetensors (nor model.safetensors.index.json with its shards) among the files";
    return false;
  }
  for (const std::string& s : shards) {
    const auto f = files.find(s);
    if (f == files.end()) { *err = "model.safetensors.index.json lists '" + s + "', which is not among the files"; return false; }
    if (!index_file(f->first, f->second, t, err)) return false;
    *bytes += f->second.size();
  }
  return true;
}

// ---------------------------------------------------------------- the arena

// Where a weight is: float32 (in the arena, or in the file's own bytes), or 16 bits in the file
struct Ref {
  const float* f = nullptr;
  const uint16_t* h = nullptr;
  Half half = Half::None;
  Ref plus(size_t n) const { return {f ? f + n : nullptr, h ? h + n : nullptr, half}; }
  explicit operator bool() const { return f || h; }
};

// Tensors asked for by name and shape. Matrices stay where the file holds them (F32, F16 and BF16
// read in place: the model takes about its file's size); the rest (norms, biases, F64, a matrix
// the file stores misaligned) are widened into one float arena. in_place false widens everything.
struct Arena {
  const Table& table;
  bool in_place = true;
  struct Ask { const Located* at; size_t count; bool matrix; Ref ref; };
  std::map<std::string, Ask> asked;
  std::set<std::string> dtypes;
  size_t params = 0;
  std::string first_error;

  // asks for `name` of `shape`; false (with the message kept) if absent or another shape
  // matrix: read by a product (or the token lookup), which may read it in place
  bool ask(const std::string& name, const std::vector<int64_t>& shape, bool matrix) {
    if (asked.count(name)) return true;
    const auto it = table.find(name);
    if (it == table.end()) return note("missing tensor '" + name + "' (expected " + shape_text(shape) + " from config.json)");
    const SafetensorsEntry& e = it->second.e;
    if (e.shape != shape)
      return note(*it->second.file_name + ": tensor '" + name + "' is " + shape_text(e.shape) + "; config.json implies " +
                  shape_text(shape));
    if (e.dtype != "F32" && e.dtype != "F16" && e.dtype != "BF16" && e.dtype != "F64")
      return note(*it->second.file_name + ": tensor '" + name + "' is " + e.dtype + " (F32, F16 or BF16 expected)");
    size_t count = 1;
    for (int64_t v : shape) count *= size_t(v);
    asked[name] = {&it->second, count, matrix, {}};
    dtypes.insert(e.dtype);
    params += count;
    return true;
  }
  bool note(const std::string& m) {
    if (first_error.empty()) first_error = m;
    return false;
  }
  static bool finite16(Half k, uint16_t v) {  // exponent bits not all ones
    return k == Half::BF16 ? (v & 0x7f80) != 0x7f80 : (v & 0x7c00) != 0x7c00;
  }
  // places every asked tensor, refusing NaN or Inf by tensor and index
  bool fill(std::vector<float>* arena, std::string* err) {
    size_t total = 0;
    auto widened = [&](const Ask& a) {
      const uint8_t* p = reinterpret_cast<const uint8_t*>(a.at->bytes->data()) + a.at->e.begin;
      const std::string& dt = a.at->e.dtype;
      const uintptr_t addr = reinterpret_cast<uintptr_t>(p);
      const bool aligned = dt == "F32" ? addr % alignof(float) == 0 : addr % alignof(uint16_t) == 0;
      return !(in_place && a.matrix && aligned && dt != "F64");
    };
    for (const auto& [name, a] : asked)
      if (widened(a)) total += a.count;
    arena->assign(total, 0.0f);
    size_t at = 0;
    for (auto& entry : asked) {
      const std::string& name = entry.first;  // not a structured binding: the lambda below captures it
      Ask& a = entry.second;
      const uint8_t* p = reinterpret_cast<const uint8_t*>(a.at->bytes->data()) + a.at->e.begin;
      const std::string& dt = a.at->e.dtype;
      auto bad = [&](size_t i, bool nan) {
        *err = *a.at->file_name + ": tensor '" + name + "' has " + (nan ? "NaN" : "Inf") + " at flat index " + std::to_string(i);
        return false;
      };
      if (widened(a)) {
        float* dst = arena->data() + at;
        at += a.count;
        widen(dt, p, a.count, dst);
        for (size_t i = 0; i < a.count; i++)
          if (!std::isfinite(dst[i])) return bad(i, std::isnan(dst[i]));
        a.ref.f = dst;
      } else if (dt == "F32") {
        a.ref.f = reinterpret_cast<const float*>(p);
        for (size_t i = 0; i < a.count; i++)
          if (!std::isfinite(a.ref.f[i])) return bad(i, std::isnan(a.ref.f[i]));
      } else {
        a.ref.h = reinterpret_cast<const uint16_t*>(p);
        a.ref.half = dt == "BF16" ? Half::BF16 : Half::F16;
        for (size_t i = 0; i < a.count; i++)
          if (!finite16(a.ref.half, a.ref.h[i])) return bad(i, (a.ref.h[i] & (a.ref.half == Half::BF16 ? 0x7f : 0x3ff)) != 0);
      }
    }
    return true;
  }
  Ref at(const std::string& name) const {
    const auto it = asked.find(name);
    return it == asked.end() ? Ref() : it->second.ref;
  }
};

using Lin = nn::Linear<const float>;
Lin linear(Ref w, const float* b, int in, int out, nn::Store store, int ld) {
  Lin L;
  L.w = w.f;
  L.w16 = w.h;
  L.half = w.half;
  L.b = b;
  L.in = in;
  L.out = out;
  L.store = store;
  L.ld = ld;
  return L;
}

// ---------------------------------------------------------------- GPT-2

// asks for every tensor (pass 1, arena empty) or builds the views (pass 2)
bool gpt2_weights(const Config& c, const std::string& pre, Arena* A, bool build, Model* m) {
  const nn::Spec& s = c.spec;
  const int64_t d = s.d_model, ff = s.ff.d_ff, V = s.vocab;
  auto ask = [&](const std::string& n, std::vector<int64_t> shape, bool matrix) -> Ref {
    if (!build) { A->ask(pre + n, shape, matrix); return Ref(); }
    return A->at(pre + n);
  };
  auto ref = [&](const std::string& n, std::vector<int64_t> shape) { return ask(n, shape, true); };
  auto get = [&](const std::string& n, std::vector<int64_t> shape) { return ask(n, shape, false).f; };  // in the arena
  nn::Weights<const float> W;
  const Ref wte = ref("wte.weight", {V, d});
  W.embed.tok = wte.f;
  W.embed.tok16 = wte.h;
  W.embed.half = wte.half;
  W.embed.pos = get("wpe.weight", {c.n_positions, d});  // added row by row: float32
  for (int l = 0; l < s.layers; l++) {
    const std::string p = "h." + std::to_string(l) + ".";
    nn::Block<const float> b;
    b.ln1 = {get(p + "ln_1.weight", {d}), get(p + "ln_1.bias", {d})};
    const Ref qkv = ref(p + "attn.c_attn.weight", {d, 3 * d});
    const float* qkv_b = get(p + "attn.c_attn.bias", {3 * d});
    const int di = int(d);
    b.attn.q = linear(qkv, qkv_b, di, di, nn::Store::InOut, 3 * di);  // columns q | k | v of (d, 3d)
    b.attn.k = linear(qkv.plus(size_t(d)), qkv_b ? qkv_b + d : nullptr, di, di, nn::Store::InOut, 3 * di);
    b.attn.v = linear(qkv.plus(size_t(2 * d)), qkv_b ? qkv_b + 2 * d : nullptr, di, di, nn::Store::InOut, 3 * di);
    b.attn.o = linear(ref(p + "attn.c_proj.weight", {d, d}), get(p + "attn.c_proj.bias", {d}), di, di, nn::Store::InOut, di);
    b.ln2 = {get(p + "ln_2.weight", {d}), get(p + "ln_2.bias", {d})};
    b.mlp.up = linear(ref(p + "mlp.c_fc.weight", {d, ff}), get(p + "mlp.c_fc.bias", {ff}), di, int(ff), nn::Store::InOut, int(ff));
    b.mlp.down = linear(ref(p + "mlp.c_proj.weight", {ff, d}), get(p + "mlp.c_proj.bias", {d}), int(ff), di, nn::Store::InOut, di);
    W.blocks.push_back(b);
  }
  W.ln_f = {get("ln_f.weight", {d}), get("ln_f.bias", {d})};
  // the head: lm_head.weight (V, d) when the file has it and the config unties it, else wte
  const bool own_head = !c.tied && A->table.count("lm_head.weight");
  const Ref head = own_head ? (build ? A->at("lm_head.weight") : (A->ask("lm_head.weight", {V, d}, true), Ref())) : wte;
  W.head = linear(head, nullptr, int(d), int(V), nn::Store::OutIn, int(d));
  if (build) m->W = W;
  return true;
}

// ---------------------------------------------------------------- the Llama family

bool llama_weights(const Config& c, Arena* A, bool build, Model* m) {
  const nn::Spec& s = c.spec;
  const int d = s.d_model, ff = s.ff.d_ff, V = s.vocab, dq = s.attn.q_width(), dkv = s.attn.kv_width();
  auto ask = [&](const std::string& n, std::vector<int64_t> shape, bool matrix) -> Ref {
    if (!build) { A->ask(n, shape, matrix); return Ref(); }
    return A->at(n);
  };
  auto ref = [&](const std::string& n, std::vector<int64_t> shape) { return ask(n, shape, true); };
  auto get = [&](const std::string& n, std::vector<int64_t> shape) { return ask(n, shape, false).f; };  // in the arena
  // nn.Linear: weight (out, in), bias (out)
  auto lin = [&](const std::string& n, int in, int out, bool bias) {
    return linear(ref(n + ".weight", {out, in}), bias ? get(n + ".bias", {out}) : nullptr, in, out, nn::Store::OutIn, in);
  };
  nn::Weights<const float> W;
  const Ref emb = ref("model.embed_tokens.weight", {V, d});
  W.embed.tok = emb.f;
  W.embed.tok16 = emb.h;
  W.embed.half = emb.half;
  for (int l = 0; l < s.layers; l++) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    nn::Block<const float> b;
    b.ln1 = {get(p + "input_layernorm.weight", {d}), nullptr};
    b.attn.q = lin(p + "self_attn.q_proj", d, dq, c.qkv_bias);
    b.attn.k = lin(p + "self_attn.k_proj", d, dkv, c.qkv_bias);
    b.attn.v = lin(p + "self_attn.v_proj", d, dkv, c.qkv_bias);
    b.attn.o = lin(p + "self_attn.o_proj", dq, d, c.o_bias);
    if (c.family == Family::Qwen3) {  // each head's q and k normalized over head_dim before RoPE
      b.attn.q_norm = get(p + "self_attn.q_norm.weight", {s.attn.d_head});
      b.attn.k_norm = get(p + "self_attn.k_norm.weight", {s.attn.d_head});
    }
    b.ln2 = {get(p + "post_attention_layernorm.weight", {d}), nullptr};
    b.mlp.gate = lin(p + "mlp.gate_proj", d, ff, c.mlp_bias);
    b.mlp.up = lin(p + "mlp.up_proj", d, ff, c.mlp_bias);
    b.mlp.down = lin(p + "mlp.down_proj", ff, d, c.mlp_bias);
    W.blocks.push_back(b);
  }
  W.ln_f = {get("model.norm.weight", {d}), nullptr};
  // lm_head.weight when present (whatever the config says); tied to embed_tokens when absent
  const bool own_head = A->table.count("lm_head.weight") > 0;
  W.head = own_head ? lin("lm_head", d, V, false) : linear(emb, nullptr, d, V, nn::Store::OutIn, d);
  if (build) m->W = W;
  return true;
}

}  // namespace

// ---------------------------------------------------------------- load_model

bool load_model(Files files, Model* out, std::string* err, bool in_place) {
  const auto cfg = files.find("config.json");
  if (cfg == files.end()) { *err = "no config.json among the files"; return false; }
  Model m;
  if (!read_config(cfg->second.text(), &m.cfg, err)) return false;
  Table table;
  if (!index_files(files, &table, &m.file_bytes, err)) return false;
  Arena A{table, in_place, {}, {}, 0, {}};
  std::string pre;
  if (m.cfg.family == Family::Gpt2) {
    if (table.count("transformer.wte.weight")) pre = "transformer.";
    gpt2_weights(m.cfg, pre, &A, false, &m);
  } else {
    llama_weights(m.cfg, &A, false, &m);
  }
  if (!A.first_error.empty()) { *err = A.first_error; return false; }
  if (!A.fill(&m.arena, err)) return false;
  if (m.cfg.family == Family::Gpt2) gpt2_weights(m.cfg, pre, &A, true, &m);
  else llama_weights(m.cfg, &A, true, &m);
  m.params = A.params;
  m.widened = !in_place;
  m.dtype = A.dtypes.size() == 1 ? *A.dtypes.begin() : "mixed";
  // what was left in the files, and how the head was decided
  size_t skipped = 0, buffers = 0;
  for (const auto& entry : table)
    if (const std::string& name = entry.first; !A.asked.count(name) && name != "lm_head.weight") {
      auto ends = [&name](const std::string& tail) {
        return name.size() >= tail.size() && name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
      };
      const bool buffer = ends(".attn.bias") || ends(".attn.masked_bias") || ends("rotary_emb.inv_freq");
      (buffer ? buffers : skipped)++;
    }
  if (buffers) m.notes.push_back("skipped " + std::to_string(buffers) + " stored buffers (causal masks, RoPE tables) the model recomputes");
  if (skipped) m.notes.push_back("ignored " + std::to_string(skipped) + " tensors that are not part of this architecture");
  const bool has_head = table.count("lm_head.weight") > 0;
  if (m.W.head.w == m.W.embed.tok && m.W.head.w16 == m.W.embed.tok16) {
    m.notes.push_back(m.cfg.tied ? "the output head is tied to the token embeddings"
                                 : "config.json unties the output head but the files have no lm_head.weight: tied to the embeddings");
  } else if (m.cfg.tied && has_head) {
    m.notes.push_back("config.json ties the output head, but lm_head.weight is in the files: it is used");
  }
  // the views point into the files' bytes (the table's entries do too): the model keeps them
  for (auto it = files.begin(); it != files.end();)
    it = is_weights_file(it->first) ? std::next(it) : files.erase(it);
  m.keep = std::move(files);
  *out = std::move(m);
  return true;
}

}  // namespace attn::models
