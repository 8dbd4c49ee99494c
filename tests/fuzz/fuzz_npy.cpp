// fuzz_npy.cpp: .npy parsing of arbitrary bytes never crashes and never accepts a lie.
#include <cstddef>
#include <cstdint>
#include "io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  attn::NpyArray a;
  std::string err;
  if (attn::npy_parse(data, size, &a, &err)) {
    size_t n = 1;
    for (int64_t d : a.shape) n *= size_t(d);
    if (n != a.data.size()) __builtin_trap();  // the parser's data must match its own shape
    attn::Mat m;
    attn::npy_to_mat(a, &m, &err);
  }
  return 0;
}
