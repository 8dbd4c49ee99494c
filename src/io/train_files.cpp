// train_files.cpp: a run's config.json and model.safetensors, written and read.
#include "io/train_files.h"
#include <cmath>
#include "io/files.h"
#include "io/json.h"
#include "io/tensor_file.h"

namespace attn {

using namespace train;  // the run's types: TrainConfig, Layout, Task, Snapshot

namespace {
template <class S>
std::string encode(const TrainConfig& cfg, const Layout& lay, const std::vector<S>& params) {
  std::vector<TensorOut> out;
  for (const TensorInfo& t : lay.tensors) {
    TensorOut o;
    o.name = t.name;
    for (int s : t.shape) o.shape.push_back(s);
    if constexpr (sizeof(S) == 8) o.f64 = reinterpret_cast<const double*>(params.data() + t.offset);
    else o.f32 = reinterpret_cast<const float*>(params.data() + t.offset);
    out.push_back(o);
  }
  return safetensors_encode(out, {{"format", "attention-playground"}, {"config", config_json(cfg)}});
}
}  // namespace

std::string model_safetensors(const TrainConfig& cfg, const Layout& lay, const std::vector<float>& params) {
  return encode(cfg, lay, params);
}
std::string model_safetensors(const TrainConfig& cfg, const Layout& lay, const std::vector<double>& params) {
  return encode(cfg, lay, params);
}

bool load_config(const std::string& path, TrainConfig* cfg, std::string* err) {
  std::string text;
  return read_file(path, &text, err) && parse_config(text, path, cfg, err);
}

bool parse_config(const std::string& text, const std::string& where, TrainConfig* cfg, std::string* err) {
  Json j;
  if (!json_parse(text, &j) || j.kind != Json::Obj) { *err = where + ": not a JSON object"; return false; }
  for (const auto& [key, v] : j.obj) {
    std::string value;
    if (v.kind == Json::Str) value = v.str;
    else if (v.kind == Json::Num) value = shortest_text(v.num);
    else if (v.kind == Json::Bool) value = v.b ? "true" : "false";
    else { *err = where + ": \"" + key + "\" must be a string, number or boolean"; return false; }
    std::string e;
    if (!set_setting(cfg, key, value, &e)) { *err = where + ": " + e; return false; }
  }
  return true;
}

bool load_weights(const std::string& path, const Layout& lay, std::vector<float>* params, std::string* err) {
  std::string bytes;
  return read_file(path, &bytes, err) && parse_weights(bytes, path, lay, params, err);
}

bool parse_weights(const std::string& bytes, const std::string& where, const Layout& lay, std::vector<float>* params,
                   std::string* err) {
  params->assign(lay.total, 0.0f);
  for (const TensorInfo& t : lay.tensors) {
    TensorData d;
    std::string e;
    if (!safetensors_parse(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), t.name, &d, &e)) {
      *err = where + ": " + e;
      return false;
    }
    std::vector<int64_t> want(t.shape.begin(), t.shape.end());
    if (d.shape != want) {
      *err = where + ": tensor '" + t.name + "' is " + shape_text(d.shape) + ", the config needs " + shape_text(want);
      return false;
    }
    for (float v : d.data)
      if (!std::isfinite(v)) { *err = where + ": tensor '" + t.name + "' holds NaN or Inf"; return false; }
    std::copy(d.data.begin(), d.data.end(), params->begin() + long(t.offset));
  }
  return true;
}

bool config_of_model(const std::string& bytes, std::string* config_text, std::string* err) {
  if (bytes.size() < 8) { *err = "not a .safetensors file"; return false; }
  uint64_t n = 0;
  for (int b = 7; b >= 0; b--) n = n << 8 | uint8_t(bytes[size_t(b)]);
  if (n > bytes.size() - 8) { *err = "not a .safetensors file (its header is cut short)"; return false; }
  Json h;
  if (!json_parse(bytes.substr(8, size_t(n)), &h) || h.kind != Json::Obj) { *err = "corrupt .safetensors header"; return false; }
  const Json* meta = h.get("__metadata__");
  const Json* cfg = meta ? meta->get("config") : nullptr;
  if (!cfg || cfg->kind != Json::Str) {
    *err = "no training config in its metadata (only models saved by attn train or the Train mode can be opened)";
    return false;
  }
  *config_text = cfg->str;
  return true;
}

}  // namespace attn
