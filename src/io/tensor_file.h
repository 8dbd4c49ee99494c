// tensor_file.h: tensors as people save them: .npy (float16/32/64, rank 1-4) and .safetensors
// ("FILE.safetensors:NAME": F16, BF16, F32, F64), read into float32 with the stored dtype kept.
// A boundary: every failure returns a message that starts with the file (and tensor) name.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace attn {

struct TensorData {
  std::vector<int64_t> shape;
  std::vector<double> data;  // C order, widened to float64 (a float64 file keeps its precision)
  std::string dtype;        // as stored: "float16", "bfloat16", "float32" or "float64"
};

// spec: "PATH.npy" or "PATH.safetensors:TENSOR_NAME". NaN or Inf is refused (naming where) unless
// allow_nonfinite: `attn check` reads a kernel's output, whose NaN is evidence, not bad input.
bool load_tensor(const std::string& spec, TensorData* out, std::string* err, bool allow_nonfinite = false);

// Parses an in-memory .safetensors file and takes the tensor `name` (err: what is wrong, without
// the file name). Its header is an 8-byte little-endian length, then a JSON object of
// {"name": {"dtype": "F16", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}.
bool safetensors_parse(const uint8_t* bytes, size_t size, const std::string& name, TensorData* out, std::string* err);

// Where each tensor of an in-memory .safetensors file sits: every entry checked (dtype known, shape
// and data_offsets agree, inside the file, no two tensors overlapping). begin, end: byte offsets
// from the start of the file. dtype as stored: "F32", "F16", "BF16", "F64", "I64", "U8", "BOOL", ...
struct SafetensorsEntry {
  std::string name, dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};
bool safetensors_index(const uint8_t* bytes, size_t size, std::vector<SafetensorsEntry>* out, std::string* err);
// count values of a float dtype ("F32", "F64", "F16" or "BF16") at d, widened or narrowed to T
template <class T>
void widen(const std::string& dtype, const uint8_t* d, size_t count, T* out);

// One tensor to write: float32 data (f32) or float64 (f64), C order.
struct TensorOut {
  std::string name;
  std::vector<int64_t> shape;
  const float* f32 = nullptr;
  const double* f64 = nullptr;
};
// A .safetensors file of the tensors in the given order (F32 or F64) with string metadata.
std::string safetensors_encode(const std::vector<TensorOut>& tensors,
                               const std::vector<std::pair<std::string, std::string>>& metadata = {});

// "(2, 3, 4)"
std::string shape_text(const std::vector<int64_t>& shape);

}  // namespace attn
