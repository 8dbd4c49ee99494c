// model.cpp: a checkpoint's folder read, described, and run: nn::forward_blocks over its views,
// then the head at every position.
#include "models/model.h"
#include <cstdio>
#include <filesystem>
#include "io/files.h"

namespace attn::models {

std::string Model::summary() const {
  const nn::Spec& s = cfg.spec;
  char params_text[32];
  if (params >= 1000000) std::snprintf(params_text, sizeof params_text, "%.1f M params", double(params) / 1e6);
  else std::snprintf(params_text, sizeof params_text, "%.1f k params", double(params) / 1e3);
  return std::string(name_of(cfg.family)) + ", " + std::to_string(s.layers) + " layers, " +
         std::to_string(s.attn.heads) + " heads (" + std::to_string(s.attn.kv_heads) + " KV) of " +
         std::to_string(s.attn.d_head) + ", d " + std::to_string(s.d_model) + ", vocab " + std::to_string(s.vocab) +
         ", " + params_text + ", " + dtype;
}

size_t Model::memory_bytes() const {
  size_t b = arena.size() * sizeof(float);
  for (const auto& [name, bytes] : keep) b += bytes.size();
  return b;
}

bool read_model_dir(const std::string& dir, Files* out, std::string* err, bool with_weights) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) { *err = dir + ": not a folder (a checkpoint's folder holds config.json and model.safetensors)"; return false; }
  out->clear();
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const bool wanted = name == "config.json" || name == "tokenizer.json" || name == "vocab.json" || name == "merges.txt" ||
                        name == "model.safetensors.index.json" ||
                        (with_weights && is_weights_file(name));
    if (!wanted || !e.is_regular_file(ec)) continue;
    if (is_weights_file(name)) {
      if (!map_file(e.path().string(), &(*out)[name], err)) return false;
    } else {
      std::string bytes;
      if (!read_file(e.path().string(), &bytes, err)) return false;
      (*out)[name] = std::move(bytes);
    }
  }
  if (ec) { *err = dir + ": " + ec.message(); return false; }
  if (with_weights && !out->count("config.json")) { *err = dir + ": no config.json in this folder"; return false; }
  return true;
}

std::map<std::string, std::string> text_files(const Files& files) {
  std::map<std::string, std::string> out;
  for (const auto& [name, bytes] : files)
    if (!is_weights_file(name)) out[name] = bytes.text();
  return out;
}

bool is_weights_file(const std::string& name) {
  const std::string ext = ".safetensors";
  return name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0;
}

bool is_folder(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}

bool run_model_start(const Model& m, const std::vector<int>& ids, const RunOptions& opt, Pass* out, std::string* err) {
  const nn::Spec& s = m.cfg.spec;
  const int T = int(ids.size());
  if (T < 1) { *err = "no tokens to run"; return false; }
  for (int t = 0; t < T; t++)
    if (ids[size_t(t)] < 0 || ids[size_t(t)] >= s.vocab) {
      *err = "token " + std::to_string(t) + " is id " + std::to_string(ids[size_t(t)]) + ", past the vocabulary of " +
             std::to_string(s.vocab);
      return false;
    }
  if (s.pos == PosEnc::Learned && T > m.cfg.n_positions) {
    *err = std::to_string(T) + " tokens, but " + name_of(m.cfg.family) + " has " + std::to_string(m.cfg.n_positions) +
           " learned positions (n_positions)";
    return false;
  }
  nn::Cache<float>& c = out->cache;
  c.keep_weights = !opt.lean;
  c.keep_resid = !opt.lean;
  c.knocked_out.clear();
  if (!opt.knock_out.empty()) {
    c.knocked_out.assign(size_t(s.layers) * s.attn.heads, 0);
    for (const auto& [l, h] : opt.knock_out) {
      if (l < 0 || l >= s.layers || h < 0 || h >= s.attn.heads) {
        *err = "head " + std::to_string(l) + "." + std::to_string(h) + " does not exist (layers 0-" +
               std::to_string(s.layers - 1) + ", heads 0-" + std::to_string(s.attn.heads - 1) + ")";
        return false;
      }
      c.knocked_out[size_t(l) * s.attn.heads + h] = 1;
    }
  }
  out->ids = ids;
  out->last_logits = opt.last_logits;
  out->lean = opt.lean;
  try {
    nn::forward_begin(s, m.W, 1, T, 0, ids.data(), &c);
  } catch (const std::bad_alloc&) {
    *err = "out of memory running " + std::to_string(T) + " tokens";
    return false;
  }
  return true;
}

namespace {
// A lean pass: layer l's intermediates, all but its keys and values, become layer l + 1's buffers
// (emptied, so each is filled as on a first pass; the capacity stays), or are freed after the last.
void hand_on(nn::Cache<float>* c, int l) {
  auto& a = c->layers[size_t(l)];
  const bool last = l + 1 == int(c->layers.size());
  auto& b = last ? a : c->layers[size_t(l) + 1];
  for (auto [x, y] : {std::pair{&a.q, &b.q}, {&a.p, &b.p}, {&a.o, &b.o}, {&a.a, &b.a}, {&a.m, &b.m}, {&a.u, &b.u},
                      {&a.gt, &b.gt}, {&a.g, &b.g}, {&a.resid, &b.resid}, {&a.n1.xhat, &b.n1.xhat},
                      {&a.n1.rstd, &b.n1.rstd}, {&a.n2.xhat, &b.n2.xhat}, {&a.n2.rstd, &b.n2.rstd}}) {
    if (last) { std::vector<float>().swap(*x); continue; }
    std::swap(*x, *y);
    x->clear();
    y->clear();
  }
}
}  // namespace

bool run_model_layer(const Model& m, int l, Pass* out, std::string* err) {
  try {
    nn::forward_block(m.cfg.spec, m.W, l, nn::Run(), &out->cache);
    if (out->lean) hand_on(&out->cache, l);
  } catch (const std::bad_alloc&) {
    *err = "out of memory running " + std::to_string(out->ids.size()) + " tokens (every head's weights are kept: try fewer tokens)";
    return false;
  }
  return true;
}

bool run_model_finish(const Model& m, Pass* out, std::string* err) {
  const nn::Spec& s = m.cfg.spec;
  nn::Cache<float>& c = out->cache;
  const int T = c.T;
  try {
    nn::forward_end(s, m.W, &c);
    std::vector<int> rows;
    for (int t = out->last_logits ? T - 1 : 0; t < T; t++) rows.push_back(t);
    out->logits.resize(rows.size() * s.vocab);
    nn::lm_head_forward(s.d_model, rows, c.f.data(), m.W.head, &c.work.fr, out->logits.data(), &c.work.tmp);
  } catch (const std::bad_alloc&) {
    *err = "out of memory for the logits of " + std::to_string(T) + " tokens";
    return false;
  }
  return true;
}

bool run_model(const Model& m, const std::vector<int>& ids, const RunOptions& opt, Pass* out, std::string* err) {
  if (!run_model_start(m, ids, opt, out, err)) return false;
  for (int l = 0; l < m.cfg.spec.layers; l++)
    if (!run_model_layer(m, l, out, err)) return false;
  return run_model_finish(m, out, err);
}

}  // namespace attn::models
