// snapshots.cpp: snapshots.bin, written and read (format in snapshots.h).
#include "io/snapshots.h"
#include <cmath>
#include <cstring>
#include "io/json.h"

namespace attn {

using namespace train;  // the run's types: TrainConfig, Layout, Task, Snapshot

namespace {

size_t cells(int T, bool causal) { return causal ? size_t(T) * (T + 1) / 2 : size_t(T) * T; }

template <class V>
void put(std::string* out, V v) { out->append(reinterpret_cast<const char*>(&v), sizeof v); }

}  // namespace

std::string snapshot_header(const TrainConfig& cfg, const Task& task, const Layout& lay) {
  std::string j = "{\"layers\":" + std::to_string(cfg.model.layers) + ",\"heads\":" + std::to_string(cfg.model.heads) +
                  ",\"seq\":" + std::to_string(task.seq) + ",\"causal\":" + (task.causal ? "true" : "false") +
                  ",\"tensors\":[";
  for (size_t i = 0; i < lay.tensors.size(); i++) j += (i ? "," : "") + json_quote(lay.tensors[i].name);
  j += "],\"tokens\":[";
  for (int t = 0; t < task.seq; t++) j += (t ? "," : "") + std::to_string(task.probe.x[size_t(t)]);
  j += "],\"token_names\":[";
  for (size_t i = 0; i < task.token_names.size(); i++) j += (i ? "," : "") + json_quote(task.token_names[i]);
  j += "]}";
  std::string out = "ATTNSNAP";
  put(&out, uint32_t(1));
  put(&out, uint32_t(j.size()));
  return out + j;
}

size_t snapshot_record_bytes(const TrainConfig& cfg, size_t n_tensors) {
  const size_t LH = size_t(cfg.model.layers) * cfg.model.heads;
  return 8 + 12 + 4 * n_tensors + 8 * LH + LH * cells(cfg.model.seq, cfg.model.causal);
}

void append_snapshot(const TrainConfig& cfg, const Snapshot& s, std::string* out) {
  const int T = cfg.model.seq, LH = cfg.model.layers * cfg.model.heads;
  put(out, int64_t(s.step));
  put(out, s.loss);
  put(out, s.grad_norm);
  put(out, s.heldout_acc);
  for (float v : s.tensor_norms) put(out, v);
  for (float v : s.entropy) put(out, v);
  for (float v : s.max_score) put(out, v);
  for (int h = 0; h < LH; h++)
    for (int i = 0; i < T; i++)
      for (int j = 0; j < (cfg.model.causal ? i + 1 : T); j++) {
        const float w = s.attn[(size_t(h) * T + i) * T + j];
        out->push_back(char(uint8_t(std::lround(std::fmin(1.0f, std::fmax(0.0f, w)) * 255.0f))));
      }
}

bool decode_snapshots(const std::string& b, SnapshotFile* out, std::string* err) {
  if (b.size() < 16 || b.compare(0, 8, "ATTNSNAP") != 0) { *err = "not a snapshots file (no ATTNSNAP at byte 0)"; return false; }
  uint32_t version, hlen;
  std::memcpy(&version, b.data() + 8, 4);
  std::memcpy(&hlen, b.data() + 12, 4);
  if (version != 1) { *err = "snapshots version " + std::to_string(version) + " (this build reads version 1)"; return false; }
  if (hlen > b.size() - 16) { *err = "truncated header (it says " + std::to_string(hlen) + " bytes)"; return false; }
  Json h;
  if (!json_parse(b.substr(16, hlen), &h) || h.kind != Json::Obj) { *err = "corrupt header JSON at byte 16"; return false; }
  auto num = [&](const char* k) { const Json* v = h.get(k); return v && v->kind == Json::Num ? int(v->num) : -1; };
  out->layers = num("layers");
  out->heads = num("heads");
  out->seq = num("seq");
  const Json* causal = h.get("causal");
  out->causal = causal && causal->b;
  if (out->layers < 1 || out->layers > 6 || out->heads < 1 || out->heads > 64 || out->seq < 1 || out->seq > 1024) {
    *err = "header: layers, heads or seq missing or out of range";
    return false;
  }
  out->tensors.clear();
  out->token_names.clear();
  out->tokens.clear();
  if (const Json* t = h.get("tensors"))
    for (const Json& v : t->arr) out->tensors.push_back(v.str);
  if (const Json* t = h.get("token_names"))
    for (const Json& v : t->arr) out->token_names.push_back(v.str);
  if (const Json* t = h.get("tokens"))
    for (const Json& v : t->arr) out->tokens.push_back(int(v.num));
  const int T = out->seq, LH = out->layers * out->heads;
  const size_t nt = out->tensors.size(), C = cells(T, out->causal);
  const size_t rec = 8 + 12 + 4 * nt + 8 * size_t(LH) + size_t(LH) * C;
  size_t at = 16 + hlen;
  if ((b.size() - at) % rec) {
    *err = "truncated: " + std::to_string(b.size() - at) + " record bytes is not a whole number of " + std::to_string(rec) +
           "-byte records";
    return false;
  }
  out->records.clear();
  auto f32 = [&](size_t p) { float v; std::memcpy(&v, b.data() + p, 4); return v; };
  for (; at < b.size(); at += rec) {
    Snapshot s;
    int64_t step;
    std::memcpy(&step, b.data() + at, 8);
    s.step = step;
    size_t p = at + 8;
    s.loss = f32(p);
    s.grad_norm = f32(p + 4);
    s.heldout_acc = f32(p + 8);
    p += 12;
    for (size_t i = 0; i < nt; i++, p += 4) s.tensor_norms.push_back(f32(p));
    for (int i = 0; i < LH; i++, p += 4) s.entropy.push_back(f32(p));
    for (int i = 0; i < LH; i++, p += 4) s.max_score.push_back(f32(p));
    s.attn.assign(size_t(LH) * T * T, 0.0f);
    for (int hh = 0; hh < LH; hh++)
      for (int i = 0; i < T; i++)
        for (int j = 0; j < (out->causal ? i + 1 : T); j++)
          s.attn[(size_t(hh) * T + i) * T + j] = float(uint8_t(b[p++])) / 255.0f;
    out->records.push_back(std::move(s));
  }
  return true;
}

}  // namespace attn
