// halfs.h: the 16-bit float formats checkpoints store (IEEE half, bfloat16) and their widening, in
// one place for the file readers and the layers that read such weights in their stored width.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace attn {

enum class Half : uint8_t { None, F16, BF16 };

// bfloat16: the top 16 bits of a float32
inline float bf16_value(uint16_t b) {
  const uint32_t bits = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
// IEEE half: exact in float (subnormals normalized, inf and NaN kept)
inline float f16_value(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;  // +-0
    } else {        // subnormal: normalize
      int e = -1;
      uint32_t m = man;
      do { e++; m <<= 1; } while (!(m & 0x400));
      bits = sign | uint32_t(127 - 15 - e) << 23 | (m & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | man << 13;  // inf, nan
  } else {
    bits = sign | (exp + 127 - 15) << 23 | man << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
// n values of kind k at src, widened into dst (float or double: both exact)
template <class S>
void widen_halves(Half k, const uint16_t* src, size_t n, S* dst) {
  if (k == Half::BF16)
    for (size_t i = 0; i < n; i++) dst[i] = S(bf16_value(src[i]));
  else
    for (size_t i = 0; i < n; i++) dst[i] = S(f16_value(src[i]));
}

}  // namespace attn
