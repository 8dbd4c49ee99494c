// fuzz_train_files.cpp: a training run's files from arbitrary bytes (snapshots.bin, config.json, a
// model.safetensors with its config in the metadata) never crash and never read past the input;
// what is accepted is whole (every snapshot record complete, every weight of the layout present).
#include <cstddef>
#include <cstdint>
#include <string>
#include "io/snapshots.h"
#include "io/train_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attn;
  using namespace attn::train;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  std::string err;
  SnapshotFile f;
  if (decode_snapshots(bytes, &f, &err))
    for (const Snapshot& s : f.records)
      if (s.attn.size() != size_t(f.layers) * f.heads * f.seq * f.seq || s.tensor_norms.size() != f.tensors.size()) __builtin_trap();
  TrainConfig c;
  parse_config(bytes, "fuzz", &c, &err);
  std::string text;
  if (config_of_model(bytes, &text, &err)) {
    TrainConfig mc;
    Trainer<float> t;
    if (parse_config(text, "fuzz", &mc, &err) && mc.model.d_model <= 64 && mc.model.layers <= 2 && t.init(mc, &err)) {
      std::vector<float> p;
      if (parse_weights(bytes, "fuzz", t.lay, &p, &err) && p.size() != t.lay.total) __builtin_trap();
    }
  }
  return 0;
}
