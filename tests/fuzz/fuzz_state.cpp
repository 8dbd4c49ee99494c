// fuzz_state.cpp: the URL / postMessage / argument state parser, then the engine on whatever
// config it produced: never a crash, and a decoded state re-encodes to a fixed point.
#include <cstddef>
#include <cstdint>
#include <string>
#include "engine/engine.h"
#include "io/share_state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> notes;
  attn::ShareState s = attn::decode_state(std::string(reinterpret_cast<const char*>(data), size), &notes);
  const std::string once = attn::encode_state(s);
  const std::string twice = attn::encode_state(attn::decode_state(once, nullptr));
  if (once != twice) __builtin_trap();
  attn::Limits lim;
  lim.max_n = 256;  // keep each run fast; the limit itself is tested elsewhere
  attn::Trace t = attn::forward(s.cfg, lim);
  if (t.ok && !t.output.allFinite()) __builtin_trap();
  return 0;
}
