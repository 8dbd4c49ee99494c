// test_npy.cpp: .npy encoding and decoding, including every corrupt-input class.
#include <doctest.h>
#include <cmath>
#include <cstring>
#include "io/npy.h"
#include "io/tensor_file.h"

using namespace attn;

namespace {
std::string header(const std::string& dict) {
  std::string h = dict;
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  out += char(h.size() & 0xff);
  out += char(h.size() >> 8);
  return out + h;
}
bool parse(const std::string& s, NpyArray* a, std::string* err) {
  return npy_parse(reinterpret_cast<const uint8_t*>(s.data()), s.size(), a, err);
}
}  // namespace

TEST_CASE("round trip of a 2-D and a 3-D array") {
  float d[6] = {1, 2, 3, 4, 5, 6};
  NpyArray a;
  std::string err;
  REQUIRE(parse(npy_encode(d, {2, 3}), &a, &err));
  CHECK(a.shape == std::vector<int64_t>{2, 3});
  CHECK(a.data[5] == 6.0f);
  REQUIRE(parse(npy_encode(d, {3, 1, 2}), &a, &err));
  CHECK(a.shape == std::vector<int64_t>{3, 1, 2});
  Mat m;
  CHECK_FALSE(npy_to_mat(a, &m, &err));
  CHECK(err.find("2-D") != std::string::npos);
}

TEST_CASE("float64 and Fortran order are read correctly") {
  double d[6] = {1, 4, 2, 5, 3, 6};  // column-major [[1,2,3],[4,5,6]]
  std::string s = header("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }");
  s.append(reinterpret_cast<const char*>(d), sizeof d);
  NpyArray a;
  std::string err;
  REQUIRE_MESSAGE(parse(s, &a, &err), err);
  CHECK(a.data == std::vector<double>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("corrupt inputs are refused with a message that says what is wrong") {
  float d[4] = {1, 2, 3, 4};
  std::string good = npy_encode(d, {2, 2});
  NpyArray a;
  std::string err;
  CHECK_FALSE(parse("hello world", &a, &err));
  CHECK(err.find("magic") != std::string::npos);
  CHECK_FALSE(parse(good.substr(0, good.size() - 3), &a, &err));
  CHECK(err.find("truncated") != std::string::npos);
  CHECK_FALSE(parse(good.substr(0, 40), &a, &err));
  CHECK_FALSE(parse(good + "xx", &a, &err));
  CHECK(err.find("unexpected bytes") != std::string::npos);
  CHECK_FALSE(parse(header("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }") + std::string(8, 0), &a, &err));
  CHECK(err.find("<i8") != std::string::npos);
  CHECK_FALSE(parse(header("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }") + std::string(4, 0), &a, &err));
  CHECK(err.find("big-endian") != std::string::npos);
  CHECK_FALSE(parse(header("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999), }"), &a, &err));
  CHECK(err.find("too large") != std::string::npos);
  CHECK_FALSE(parse(header("{'descr': '<f4', 'shape': (1,), }"), &a, &err));
  CHECK(err.find("corrupt") != std::string::npos);
}

TEST_CASE("NaN and Inf are rejected with their 1-based position") {
  float d[6] = {1, 2, 3, 4, std::numeric_limits<float>::quiet_NaN(), 6};
  NpyArray a;
  std::string err;
  std::string s = npy_encode(d, {2, 3});
  REQUIRE(parse(s, &a, &err));
  Mat m;
  CHECK_FALSE(npy_to_mat(a, &m, &err));
  CHECK(err == "NaN at row 2, column 2 (1-based)");
}

TEST_CASE("float16 .npy and .safetensors (F16, BF16, F32, F64) read exactly; bad headers refused") {
  // half: 1, -2, 65504 (max), 2^-24 (smallest subnormal), inf
  CHECK(half_to_float(0x3c00) == 1.0f);
  CHECK(half_to_float(0xc000) == -2.0f);
  CHECK(half_to_float(0x7bff) == 65504.0f);
  CHECK(half_to_float(0x0001) == std::ldexp(1.0f, -24));
  CHECK(std::isinf(half_to_float(0x7c00)));
  CHECK(bf16_to_float(0x3f80) == 1.0f);
  CHECK(bf16_to_float(0xc0a0) == -5.0f);
  // a safetensors file built byte by byte: q is F16 (2,) = [1, -2], k is BF16 (1,) = [1]
  const std::string h = R"({"q":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"k":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]}})";
  std::string f(8, '\0');
  for (int b = 0; b < 8; b++) f[size_t(b)] = char((h.size() >> (8 * b)) & 0xff);
  f += h;
  f += std::string("\x00\x3c\x00\xc0\x80\x3f", 6);
  TensorData t;
  std::string err;
  REQUIRE(safetensors_parse(reinterpret_cast<const uint8_t*>(f.data()), f.size(), "q", &t, &err));
  CHECK(t.dtype == "float16");
  CHECK(t.shape == std::vector<int64_t>{2});
  CHECK(t.data == std::vector<double>{1.0, -2.0});
  REQUIRE(safetensors_parse(reinterpret_cast<const uint8_t*>(f.data()), f.size(), "k", &t, &err));
  CHECK(t.dtype == "bfloat16");
  CHECK(t.data == std::vector<double>{1.0});
  CHECK_FALSE(safetensors_parse(reinterpret_cast<const uint8_t*>(f.data()), f.size(), "v", &t, &err));
  CHECK(err.find("no tensor named 'v' (it has: k, q)") != std::string::npos);
  CHECK_FALSE(safetensors_parse(reinterpret_cast<const uint8_t*>(f.data()), f.size() - 1, "k", &t, &err));  // past the end
  CHECK(err.find("data_offsets") != std::string::npos);
  std::string bad = f;
  bad[0] = char(0xff);  // the header length beyond the file
  CHECK_FALSE(safetensors_parse(reinterpret_cast<const uint8_t*>(bad.data()), bad.size(), "q", &t, &err));
}
