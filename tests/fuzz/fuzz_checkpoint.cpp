// fuzz_checkpoint.cpp: a checkpoint whose model.safetensors.index.json, or whose single weights
// file, is any bytes, beside a valid config.json: loaded or refused with a message, never a crash;
// what loads runs.
#include <cstddef>
#include <cstdint>
#include <string>
#include "models/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const std::string config =
      "{\"model_type\": \"gpt2\", \"n_embd\": 4, \"n_head\": 2, \"n_layer\": 1, \"n_positions\": 4, \"vocab_size\": 5}";
  for (int as_index = 0; as_index < 2; as_index++) {
    attn::models::Files files;
    files["config.json"] = config;
    if (as_index) {
      files["model.safetensors.index.json"] = bytes;
      files["model-00001-of-00001.safetensors"] = bytes;  // the index may point at it
    } else {
      files["model.safetensors"] = bytes;
    }
    attn::models::Model m;
    std::string err;
    if (!attn::models::load_model(std::move(files), &m, &err)) {
      if (err.empty()) __builtin_trap();
      continue;
    }
    attn::models::Pass p;
    if (!attn::models::run_model(m, {0, 1, 2}, {}, &p, &err) || p.logits.size() != 15) __builtin_trap();
  }
  return 0;
}
