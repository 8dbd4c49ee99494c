// rng.h: the project-owned random number generator.
// xorshift64* plus Box-Muller, so native, wasm and the CLI draw the same numbers
// (std::rand and std::*_distribution differ between glibc and musl).
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace attn {

struct Rng {
  uint64_t s;
  // A zero state would stay zero. NOTE: written as `if (s == 0) s = C;` before the warm-up,
  // Debian's GCC 12.2 at -O2 miscompiled this constructor (its add took an uninitialized register,
  // so native streams depended on the caller and differed from wasm's). A zero state stays zero
  // under xorshift and no other state reaches zero, so checking after the warm-up is equivalent.
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull) {
    for (int i = 0; i < 4; i++) next();
    if (s == 0) {
      s = 0x2545F4914F6CDD1Dull;
      for (int i = 0; i < 4; i++) next();
    }
  }
  uint64_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545F4914F6CDD1Dull;
  }
  // uniform in [0, 1) with 24 bits, exact in float
  float uniform() { return float(next() >> 40) * (1.0f / 16777216.0f); }
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  // standard normal by Box-Muller, computed in double for identical results everywhere
  float normal() {
    double u1 = (double(next() >> 11) + 1.0) * (1.0 / 9007199254740993.0);
    double u2 = double(next() >> 11) * (1.0 / 9007199254740992.0);
    return float(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  }
};

// Dropout's kept cells: keep (n) = 1 where stream `stream`'s uniform draw is >= p (kept with
// probability 1 - p), one draw a cell in order. The engine draws one stream per head, the trained
// model one per (layer, sequence, head), so a pattern does not depend on how the work is split.
inline void dropout_keep(uint64_t stream, float p, size_t n, uint8_t* keep) {
  Rng rng(stream);
  for (size_t i = 0; i < n; i++) keep[i] = !(rng.uniform() < p);
}

// FNV-1a: a word's stable seed for the hash-seeded fallback embedding.
inline uint64_t hash_str(const char* p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) { h ^= uint8_t(p[i]); h *= 1099511628211ull; }
  return h;
}

}  // namespace attn
