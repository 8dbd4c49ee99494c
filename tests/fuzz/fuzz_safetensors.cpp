// fuzz_safetensors.cpp: .safetensors parsing of arbitrary bytes never crashes, never reads past
// the file, and what it accepts matches its own header.
#include <cstddef>
#include <cstdint>
#include "io/tensor_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  attn::TensorData t;
  std::string err;
  for (const char* name : {"q", "k", "__metadata__"})
    if (attn::safetensors_parse(data, size, name, &t, &err)) {
      size_t n = 1;
      for (int64_t d : t.shape) n *= size_t(d);
      if (n != t.data.size()) __builtin_trap();
    }
  return 0;
}
