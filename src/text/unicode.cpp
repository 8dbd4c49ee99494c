// unicode.cpp: UTF-8 and the class lookups (binary search in the generated ranges).
#include "text/unicode.h"
#include <algorithm>

namespace attn::text {

namespace {
struct Range { uint32_t lo, hi; };
#include "unicode_ranges.inc"

template <size_t N>
bool in(const Range (&table)[N], uint32_t cp) {
  const Range* r = std::upper_bound(table, table + N, cp, [](uint32_t c, const Range& x) { return c < x.lo; });
  return r != table && cp <= (r - 1)->hi;
}
}  // namespace

bool is_letter(uint32_t cp) { return in(kLetter, cp); }
bool is_number(uint32_t cp) { return in(kNumber, cp); }
bool is_space(uint32_t cp) { return in(kSpace, cp); }

void decode_utf8(const std::string& s, std::vector<uint32_t>* cps, std::vector<size_t>* at) {
  cps->clear();
  at->clear();
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t c = uint8_t(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    bool ok = len > 0 && i + size_t(len) <= s.size();
    for (int k = 1; ok && k < len; k++) {
      const uint8_t x = uint8_t(s[i + size_t(k)]);
      ok = (x >> 6) == 2;
      cp = cp << 6 | (x & 0x3F);
    }
    if (!ok) { cp = 0xFFFD; len = 1; }
    at->push_back(i);
    cps->push_back(cp);
    i += size_t(len);
  }
  at->push_back(s.size());
}

}  // namespace attn::text
