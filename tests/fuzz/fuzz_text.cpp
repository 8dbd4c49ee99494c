// fuzz_text.cpp: CSV and JSON matrix import of arbitrary text.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include "io/matrix_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  attn::Mat m;
  std::string err;
  for (int k = 0; k < 2; k++) {
    bool ok = k == 0 ? attn::parse_csv(text, &m, &err) : attn::parse_json_matrix(text, &m, &err);
    if (ok && (!m.allFinite() || m.size() == 0)) __builtin_trap();  // accepted values are finite
  }
  return 0;
}
