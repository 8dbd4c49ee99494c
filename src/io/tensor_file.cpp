// tensor_file.cpp: .npy and .safetensors into TensorData. The safetensors header is JSON: a small
// parser of our own reads it (objects, arrays, strings, integers; nesting bounded), checking every
// offset against the file's size before touching the data.
#include "io/tensor_file.h"
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include "io/files.h"
#include "io/json.h"
#include "io/npy.h"

namespace attn {

namespace {

const size_t kMaxElements = size_t(1) << 28;

bool whole(double v) { return v >= 0 && v <= 9.0e15 && v == double(int64_t(v)); }

}  // namespace

template <class T>
void widen(const std::string& dtype, const uint8_t* d, size_t count, T* out) {
  for (size_t i = 0; i < count; i++) {
    if (dtype == "F32") { float f; std::memcpy(&f, d + 4 * i, 4); out[i] = T(f); }
    else if (dtype == "F64") { double f; std::memcpy(&f, d + 8 * i, 8); out[i] = T(f); }
    else {
      uint16_t b;
      std::memcpy(&b, d + 2 * i, 2);
      out[i] = T(dtype == "F16" ? half_to_float(b) : bf16_to_float(b));
    }
  }
}
template void widen<float>(const std::string&, const uint8_t*, size_t, float*);
template void widen<double>(const std::string&, const uint8_t*, size_t, double*);

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); i++) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

bool safetensors_index(const uint8_t* p, size_t n, std::vector<SafetensorsEntry>* out, std::string* err) {
  out->clear();
  if (n < 8) { *err = "not a .safetensors file (shorter than its 8-byte header length)"; return false; }
  uint64_t hlen = 0;
  for (int b = 7; b >= 0; b--) hlen = hlen << 8 | p[b];
  if (hlen > n - 8 || hlen > 100u << 20) {
    *err = "not a .safetensors file, or truncated: the header says " + std::to_string(hlen) + " bytes, the file has " + std::to_string(n - 8);
    return false;
  }
  const std::string h(reinterpret_cast<const char*>(p + 8), size_t(hlen));
  Json root;
  if (!json_parse(h, &root) || root.kind != Json::Obj) { *err = "corrupt .safetensors header (not a JSON object)"; return false; }
  const uint64_t data_at = 8 + hlen, data_n = n - data_at;
  for (const auto& [name, t] : root.obj) {
    if (name == "__metadata__") continue;
    const Json *dt = t.get("dtype"), *sh = t.get("shape"), *off = t.get("data_offsets");
    if (t.kind != Json::Obj || !dt || dt->kind != Json::Str || !sh || sh->kind != Json::Arr || !off || off->kind != Json::Arr ||
        off->arr.size() != 2 || off->arr[0].kind != Json::Num || off->arr[1].kind != Json::Num || !whole(off->arr[0].num) ||
        !whole(off->arr[1].num)) {
      *err = "tensor '" + name + "': corrupt entry (needs dtype, shape and two data_offsets)";
      return false;
    }
    static const std::map<std::string, size_t> kElem = {{"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8},
                                                         {"I32", 4}, {"I16", 2}, {"I8", 1}, {"U8", 1}, {"BOOL", 1}};
    const auto el = kElem.find(dt->str);
    if (el == kElem.end()) { *err = "tensor '" + name + "': dtype " + dt->str + " is not one safetensors defines here"; return false; }
    SafetensorsEntry e;
    e.name = name;
    e.dtype = dt->str;
    uint64_t count = 1;
    for (const Json& d : sh->arr) {
      if (d.kind != Json::Num || !whole(d.num)) { *err = "tensor '" + name + "': corrupt shape"; return false; }
      const int64_t v = int64_t(d.num);
      if (v > 0 && count > (uint64_t(1) << 40) / uint64_t(v)) { *err = "tensor '" + name + "': shape too large"; return false; }
      e.shape.push_back(v);
      count *= uint64_t(v);
    }
    const uint64_t b0 = uint64_t(off->arr[0].num), b1 = uint64_t(off->arr[1].num);
    if (b1 < b0 || b1 > data_n || b1 - b0 != count * el->second) {
      *err = "tensor '" + name + "': its data_offsets [" + std::to_string(b0) + ", " + std::to_string(b1) + ") do not hold " +
             shape_text(e.shape) + " of " + dt->str + " within the file's " + std::to_string(data_n) + " data bytes";
      return false;
    }
    e.begin = data_at + b0;
    e.end = data_at + b1;
    out->push_back(e);
  }
  // no two tensors may share bytes (a crafted header could alias one tensor's data as another's)
  std::vector<const SafetensorsEntry*> by_start;
  for (const SafetensorsEntry& e : *out) by_start.push_back(&e);
  std::sort(by_start.begin(), by_start.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < by_start.size(); i++)
    if (by_start[i]->begin < by_start[i - 1]->end && by_start[i]->end > by_start[i]->begin) {
      *err = "tensors '" + by_start[i - 1]->name + "' and '" + by_start[i]->name + "' overlap in the file's data";
      return false;
    }
  return true;
}

bool safetensors_parse(const uint8_t* p, size_t n, const std::string& name, TensorData* out, std::string* err) {
  std::vector<SafetensorsEntry> index;
  if (!safetensors_index(p, n, &index, err)) return false;
  const SafetensorsEntry* e = nullptr;
  for (const SafetensorsEntry& x : index)
    if (x.name == name) e = &x;
  if (!e) {
    std::string names;
    size_t k = 0;
    for (const SafetensorsEntry& x : index)
      if (k++ < 8) names += (names.empty() ? "" : ", ") + x.name;
    *err = "no tensor named '" + name + "' (it has: " + (names.empty() ? "none" : names) + (k > 8 ? ", ..." : "") + ")";
    return false;
  }
  static const std::map<std::string, std::string> kFloat = {
      {"F32", "float32"}, {"F64", "float64"}, {"F16", "float16"}, {"BF16", "bfloat16"}};
  const auto fl = kFloat.find(e->dtype);
  if (fl == kFloat.end()) { *err = "tensor '" + name + "': dtype " + e->dtype + " is not supported (F16, BF16, F32 or F64)"; return false; }
  size_t count = 1;
  for (int64_t v : e->shape) count *= size_t(v);
  if (count > kMaxElements) { *err = "tensor '" + name + "': too large (the limit is 2^28 elements)"; return false; }
  out->shape = e->shape;
  out->dtype = fl->second;
  out->data.resize(count);
  widen(e->dtype, p + e->begin, count, out->data.data());
  return true;
}

bool load_tensor(const std::string& spec, TensorData* out, std::string* err, bool allow_nonfinite) {
  std::string path = spec, name;
  const size_t st = spec.find(".safetensors:");
  if (st != std::string::npos) {
    path = spec.substr(0, st + 12);
    name = spec.substr(st + 13);
    if (name.empty()) { *err = spec + ": name the tensor after the colon (FILE.safetensors:NAME)"; return false; }
  } else if (spec.size() > 12 && spec.substr(spec.size() - 12) == ".safetensors") {
    *err = spec + ": name the tensor: " + spec + ":NAME";
    return false;
  }
  std::string bytes;
  if (!read_file(path, &bytes, err)) return false;
  const auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
  std::string e;
  if (!name.empty()) {
    if (!safetensors_parse(b, bytes.size(), name, out, &e)) { *err = path + ": " + e; return false; }
  } else {
    NpyArray a;
    if (!npy_parse(b, bytes.size(), &a, &e)) { *err = path + ": " + e; return false; }
    out->shape = a.shape;
    out->data = std::move(a.data);
    out->dtype = a.dtype;
  }
  if (out->shape.empty() || out->shape.size() > 4) {
    *err = spec + ": expected an array of rank 1 to 4, got rank " + std::to_string(out->shape.size()) + " " + shape_text(out->shape);
    return false;
  }
  for (size_t i = 0; i < out->data.size() && !allow_nonfinite; i++)
    if (!std::isfinite(out->data[i])) {
      // the position, 1-based: "row 4, column 2" in 2-D, "(1, 2, 4, 2)" otherwise
      std::vector<int64_t> at(out->shape.size());
      size_t rest = i;
      for (size_t k = at.size(); k-- > 0;) {
        at[k] = int64_t(rest % size_t(out->shape[k])) + 1;
        rest /= size_t(out->shape[k]);
      }
      const std::string where = at.size() == 2 ? "row " + std::to_string(at[0]) + ", column " + std::to_string(at[1])
                                               : "index " + shape_text(at);
      *err = spec + ": " + (std::isnan(out->data[i]) ? "NaN" : "Inf") + " at " + where + " (1-based)";
      return false;
    }
  return true;
}

std::string safetensors_encode(const std::vector<TensorOut>& tensors,
                               const std::vector<std::pair<std::string, std::string>>& metadata) {
  std::string h = "{";
  if (!metadata.empty()) {
    h += "\"__metadata__\":{";
    for (size_t i = 0; i < metadata.size(); i++)
      h += (i ? "," : "") + json_quote(metadata[i].first) + ":" + json_quote(metadata[i].second);
    h += "}";
  }
  size_t at = 0;
  for (const TensorOut& t : tensors) {
    size_t count = 1;
    for (int64_t s : t.shape) count *= size_t(s);
    const size_t bytes = count * (t.f64 ? 8 : 4);
    h += std::string(h.size() > 1 ? "," : "") + json_quote(t.name) + ":{\"dtype\":\"" + (t.f64 ? "F64" : "F32") +
         "\",\"shape\":[";
    for (size_t i = 0; i < t.shape.size(); i++) h += (i ? "," : "") + std::to_string(t.shape[i]);
    h += "],\"data_offsets\":[" + std::to_string(at) + "," + std::to_string(at + bytes) + "]}";
    at += bytes;
  }
  h += "}";
  while (h.size() % 8) h += ' ';  // the data starts 8-byte aligned
  std::string out(8, '\0');
  for (int b = 0; b < 8; b++) out[size_t(b)] = char((uint64_t(h.size()) >> (8 * b)) & 0xff);
  out += h;
  for (const TensorOut& t : tensors) {
    size_t count = 1;
    for (int64_t s : t.shape) count *= size_t(s);
    if (t.f64) out.append(reinterpret_cast<const char*>(t.f64), count * 8);
    else out.append(reinterpret_cast<const char*>(t.f32), count * 4);
  }
  return out;
}

}  // namespace attn
