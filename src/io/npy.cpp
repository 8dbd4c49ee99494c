// npy.cpp: the .npy format (NEP 1): magic, version, little-endian header length, a Python dict
// literal header padded to 64 bytes, then the raw array data.
#include "io/npy.h"
#include "core/halfs.h"
#include "io/files.h"
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <fstream>
#include <iterator>
#include <sstream>

namespace attn {

namespace {

const size_t kMaxElements = size_t(1) << 28;  // 1 GiB of float32: refuse before allocating more

// value of key in the header dict, e.g. 'descr': '<f4' -> <f4 (quotes stripped)
bool dict_value(const std::string& h, const std::string& key, std::string* out) {
  size_t k = h.find("'" + key + "'");
  if (k == std::string::npos) return false;
  size_t c = h.find(':', k);
  if (c == std::string::npos) return false;
  size_t s = h.find_first_not_of(" ", c + 1);
  if (s == std::string::npos) return false;
  size_t e;
  if (h[s] == '\'') {
    e = h.find('\'', s + 1);
    if (e == std::string::npos) return false;
    *out = h.substr(s + 1, e - s - 1);
  } else if (h[s] == '(') {
    e = h.find(')', s);
    if (e == std::string::npos) return false;
    *out = h.substr(s + 1, e - s - 1);
  } else {
    e = h.find_first_of(",}", s);
    if (e == std::string::npos) return false;
    *out = h.substr(s, e - s);
  }
  return true;
}

}  // namespace

float half_to_float(uint16_t h) { return f16_value(h); }
float bf16_to_float(uint16_t b) { return bf16_value(b); }

bool npy_parse(const uint8_t* p, size_t n, NpyArray* out, std::string* err, bool allow_int) {
  if (n < 10 || std::memcmp(p, "\x93NUMPY", 6) != 0) {
    *err = "not a .npy file (the magic bytes \\x93NUMPY are missing)";
    return false;
  }
  const int major = p[6];
  size_t hlen, off;
  if (major == 1) { hlen = size_t(p[8]) | size_t(p[9]) << 8; off = 10; }
  else if (major == 2 || major == 3) {
    if (n < 12) { *err = "truncated .npy header"; return false; }
    hlen = size_t(p[8]) | size_t(p[9]) << 8 | size_t(p[10]) << 16 | size_t(p[11]) << 24;
    off = 12;
  } else {
    *err = "unsupported .npy version " + std::to_string(major);
    return false;
  }
  if (hlen > n - off) { *err = "truncated .npy header (says " + std::to_string(hlen) + " bytes, file has " + std::to_string(n - off) + ")"; return false; }
  const std::string h(reinterpret_cast<const char*>(p + off), hlen);
  std::string descr, fortran, shape;
  if (!dict_value(h, "descr", &descr) || !dict_value(h, "fortran_order", &fortran) || !dict_value(h, "shape", &shape)) {
    *err = "corrupt .npy header (needs descr, fortran_order and shape)";
    return false;
  }
  int elem;
  if (descr == "<f4") { elem = 4; out->dtype = "float32"; }
  else if (descr == "<f8") { elem = 8; out->dtype = "float64"; }
  else if (descr == "<f2") { elem = 2; out->dtype = "float16"; }
  else if (allow_int && descr == "<i4") { elem = -4; out->dtype = "int32"; }
  else if (allow_int && descr == "<i8") { elem = -8; out->dtype = "int64"; }
  else if (descr == ">f4" || descr == ">f8" || descr == ">f2") { *err = "big-endian data (" + descr + ") is not supported; save with arr.astype('<f4')"; return false; }
  else { *err = "dtype " + descr + " is not supported; save float16, float32 or float64 (arr.astype(np.float32))"; return false; }
  // shape: "3, 4" or "3," or ""
  out->shape.clear();
  std::stringstream ss(shape);
  std::string tok;
  size_t count = 1;
  while (std::getline(ss, tok, ',')) {
    size_t b = tok.find_first_not_of(" "), e2 = tok.find_last_not_of(" L");
    if (b == std::string::npos) continue;
    tok = tok.substr(b, e2 - b + 1);
    if (tok.empty() || tok.find_first_not_of("0123456789") != std::string::npos || tok.size() > 12) {
      *err = "corrupt .npy shape (" + shape + ")";
      return false;
    }
    int64_t d = std::stoll(tok);
    out->shape.push_back(d);
    if (d > 0 && count > kMaxElements / size_t(d)) { *err = "array too large (" + shape + "): the limit is 2^28 elements"; return false; }
    count *= size_t(d);
  }
  const bool fort = fortran.find("True") != std::string::npos;
  const size_t width = size_t(elem < 0 ? -elem : elem);
  const size_t need = count * width, have = n - off - hlen;
  if (have < need) {
    *err = "truncated data: shape (" + shape + ") of " + descr + " needs " + std::to_string(need) + " bytes but only " + std::to_string(have) + " follow the header";
    return false;
  }
  if (have > need) { *err = "corrupt .npy: " + std::to_string(have - need) + " unexpected bytes after the data"; return false; }
  out->data.resize(count);
  const uint8_t* d = p + off + hlen;
  for (size_t i = 0; i < count; i++) {
    if (elem == 4) { float f; std::memcpy(&f, d + 4 * i, 4); out->data[i] = f; }
    else if (elem == -4) { int32_t v; std::memcpy(&v, d + 4 * i, 4); out->data[i] = v; }
    else if (elem == -8) { int64_t v; std::memcpy(&v, d + 8 * i, 8); out->data[i] = double(v); }
    else if (elem == 2) { uint16_t hb; std::memcpy(&hb, d + 2 * i, 2); out->data[i] = half_to_float(hb); }
    else { double f; std::memcpy(&f, d + 8 * i, 8); out->data[i] = f; }
  }
  if (fort && out->shape.size() >= 2) {  // reorder Fortran (column-major) data into C order
    if (out->shape.size() != 2) { *err = "Fortran-order arrays are only supported in 2-D; use np.ascontiguousarray"; return false; }
    const size_t R = size_t(out->shape[0]), C = size_t(out->shape[1]);
    std::vector<double> c(count);
    for (size_t r = 0; r < R; r++)
      for (size_t k = 0; k < C; k++) c[r * C + k] = out->data[k * R + r];
    out->data.swap(c);
  }
  return true;
}

bool npy_to_mat(const NpyArray& a, Mat* out, std::string* err) {
  if (a.shape.size() != 2) { *err = "expected a 2-D array, got " + std::to_string(a.shape.size()) + "-D"; return false; }
  const int64_t R = a.shape[0], C = a.shape[1];
  if (R == 0 || C == 0) { *err = "the array is empty (" + std::to_string(R) + "x" + std::to_string(C) + ")"; return false; }
  for (int64_t i = 0; i < R * C; i++)
    if (!std::isfinite(a.data[size_t(i)])) {
      const double v = a.data[size_t(i)];
      *err = std::string(std::isnan(v) ? "NaN" : "Inf") + " at row " + std::to_string(i / C + 1) + ", column " +
             std::to_string(i % C + 1) + " (1-based)";
      return false;
    } else if (std::fabs(a.data[size_t(i)]) > double(std::numeric_limits<float>::max())) {
      char v[32];
      std::snprintf(v, sizeof v, "%g", a.data[size_t(i)]);
      *err = std::string(v) + " at row " + std::to_string(i / C + 1) + ", column " + std::to_string(i % C + 1) +
             " (1-based) is beyond float32's range (3.4e38)";
      return false;
    }
  *out = Eigen::Map<const MatD>(a.data.data(), R, C).cast<float>();
  return true;
}

bool npy_load_mat(const std::string& path, Mat* out, std::string* err) {
  std::ifstream f(path, std::ios::binary);
  if (!f) { *err = path + ": cannot open the file"; return false; }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  NpyArray a;
  std::string e;
  if (!npy_parse(bytes.data(), bytes.size(), &a, &e) || !npy_to_mat(a, out, &e)) {
    *err = path + ": " + e;
    return false;
  }
  return true;
}

namespace {
// the header and the raw little-endian data of one array; descr "<f4" or "<f8"
std::string encode(const char* descr, const void* data, size_t item, const std::vector<int64_t>& shape) {
  std::string dims;
  size_t count = 1;
  for (int64_t d : shape) { dims += std::to_string(d) + ", "; count *= size_t(d); }
  if (shape.size() > 1) dims.resize(dims.size() - 1);  // "3, 4," -> numpy writes "(3, 4)"
  if (shape.size() > 1) dims.pop_back();
  std::string h = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  out += char(h.size() & 0xff);
  out += char(h.size() >> 8);
  out += h;
  out.append(reinterpret_cast<const char*>(data), count * item);
  return out;
}
}  // namespace

std::string npy_encode(const float* data, const std::vector<int64_t>& shape) { return encode("<f4", data, sizeof(float), shape); }
std::string npy_encode_i64(const int64_t* data, const std::vector<int64_t>& shape) {
  return encode("<i8", data, sizeof(int64_t), shape);
}
std::string npy_encode_i32(const int32_t* data, const std::vector<int64_t>& shape) {
  return encode("<i4", data, sizeof(int32_t), shape);
}
std::string npy_encode_f64(const double* data, const std::vector<int64_t>& shape) {
  return encode("<f8", data, sizeof(double), shape);
}

bool npy_save(const std::string& path, const float* data, const std::vector<int64_t>& shape, std::string* err) {
  return write_file(path, npy_encode(data, shape), err);
}
bool npy_save_f64(const std::string& path, const double* data, const std::vector<int64_t>& shape, std::string* err) {
  return write_file(path, npy_encode_f64(data, shape), err);
}

}  // namespace attn
