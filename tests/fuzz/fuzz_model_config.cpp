// fuzz_model_config.cpp: config.json of any text: read or refused with a message, and what is read
// is a transformer the layers can run (heads divide, widths positive).
#include <cstddef>
#include <cstdint>
#include <string>
#include "models/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  attn::models::Config c;
  std::string err;
  if (!attn::models::read_config(std::string(reinterpret_cast<const char*>(data), size), &c, &err)) {
    if (err.empty()) __builtin_trap();  // every refusal says why
    return 0;
  }
  const auto& s = c.spec;
  if (s.d_model < 1 || s.layers < 1 || s.vocab < 2 || s.attn.heads < 1 || s.attn.kv_heads < 1 ||
      s.attn.heads % s.attn.kv_heads || s.attn.d_head < 1 || s.ff.d_ff < 1)
    __builtin_trap();
  if (!s.attn.rope_freqs.empty() && s.attn.rope_freqs.size() != size_t(s.attn.d_head / 2)) __builtin_trap();
  return 0;
}
