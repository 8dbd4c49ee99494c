// npy.h: reading and writing numpy .npy files (float16/float32/float64, little-endian, any rank up
// to 4 on reading; float32 or float64 on writing).
// A boundary: every failure returns a message naming what is wrong and where.
#pragma once
#include <cstdint>
#include <string>
#include <vector>
#include "engine/tensor.h"

namespace attn {

struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<double> data;  // C order, widened to float64 (exact for every dtype read)
  std::string dtype;        // as stored: "float16", "float32" or "float64"
};

// IEEE half and bfloat16 bit patterns to float (exact: every such value is a float)
float half_to_float(uint16_t h);
float bf16_to_float(uint16_t b);

// Parses an in-memory .npy; *err is "what is wrong" (the caller adds the file name). allow_int:
// int32 and int64 too (token ids), read into the doubles exactly below 2^53.
bool npy_parse(const uint8_t* bytes, size_t size, NpyArray* out, std::string* err, bool allow_int = false);
// A 2-D finite matrix, or an error naming the first NaN/Inf position or the wrong rank.
bool npy_to_mat(const NpyArray& a, Mat* out, std::string* err);
// Reads a file into a 2-D finite matrix; *err starts with the path.
bool npy_load_mat(const std::string& path, Mat* out, std::string* err);

// Encodes float32 data of the given shape (C order) as a version-1.0 .npy.
std::string npy_encode(const float* data, const std::vector<int64_t>& shape);
bool npy_save(const std::string& path, const float* data, const std::vector<int64_t>& shape, std::string* err);
// The same for float64 data (the gradients of `attn grad`, computed in double).
std::string npy_encode_f64(const double* data, const std::vector<int64_t>& shape);
// int64 data: token ids (a training batch's x and y)
std::string npy_encode_i64(const int64_t* data, const std::vector<int64_t>& shape);
std::string npy_encode_i32(const int32_t* data, const std::vector<int64_t>& shape);  // a real model's token ids
bool npy_save_f64(const std::string& path, const double* data, const std::vector<int64_t>& shape, std::string* err);

}  // namespace attn
