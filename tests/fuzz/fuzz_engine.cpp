// fuzz_engine.cpp: the engine fed arbitrary shapes and values through the config: bytes pick
// the sizes, modes and float bit patterns (NaN, Inf, subnormals, 1e38 included).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include "engine/engine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 12) return 0;
  size_t p = 0;
  auto byte = [&]() -> uint8_t { return p < size ? data[p++] : 0; };
  auto flt = [&]() -> float {
    uint32_t u = 0;
    for (int k = 0; k < 4; k++) u = u << 8 | byte();
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  };
  attn::Config c;
  c.input = attn::Input::QKV;
  const int nq = 1 + byte() % 9, nk = 1 + byte() % 9, d = 1 + byte() % 6, dv = 1 + byte() % 4;
  c.normalizer = attn::Normalizer(byte() % 6);
  c.mask = attn::MaskKind(byte() % 5);
  c.scale = attn::ScaleMode(byte() % 3);
  c.scale_value = flt();
  c.temperature = flt();
  c.entmax_alpha = 1.0f + (byte() % 101) / 100.0f;
  c.window = byte() % 4;
  c.linear = byte() & 1;
  c.custom_rows = nq;
  c.custom_cols = nk;
  for (int i = 0; i < nq * nk; i++) c.custom_mask.push_back(byte() & 1);
  c.Q_in.resize(nq, d);
  c.K_in.resize(nk, d);
  c.V_in.resize(nk, dv);
  for (attn::Mat* m : {&c.Q_in, &c.K_in, &c.V_in})
    for (Eigen::Index i = 0; i < m->size(); i++) m->data()[i] = flt();
  attn::Trace t = attn::forward(c);
  if (t.ok) {
    // refused or finite: a result that is accepted never carries NaN or Inf
    if (!t.output.allFinite()) __builtin_trap();
    for (const auto& h : t.heads)
      if (!h.weights.allFinite()) __builtin_trap();
    attn::explain(t, attn::MatrixId::Weights, 0, 0, 0);
    attn::compare_normalizers(t, 0, 0);
  } else if (t.error.empty()) {
    __builtin_trap();
  }
  return 0;
}
