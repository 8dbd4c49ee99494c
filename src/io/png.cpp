// png.cpp: PNG = signature, IHDR, IDAT (a zlib stream of filter-0 rows in stored blocks), IEND.
#include "io/png.h"
#include <algorithm>

namespace attn {

uint32_t crc32(const uint8_t* p, size_t n, uint32_t crc) {
  static uint32_t table[256];
  static bool init = false;
  if (!init) {
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t c = i;
      for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    init = true;
  }
  crc = ~crc;
  for (size_t i = 0; i < n; i++) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

namespace {
void be32(std::string* s, uint32_t v) {
  for (int k = 3; k >= 0; k--) *s += char((v >> (8 * k)) & 0xff);
}
void chunk(std::string* out, const char* type, const std::string& data) {
  be32(out, uint32_t(data.size()));
  std::string td = std::string(type, 4) + data;
  *out += td;
  be32(out, crc32(reinterpret_cast<const uint8_t*>(td.data()), td.size()));
}
}  // namespace

std::string png_encode(const uint8_t* rgba, int w, int h) {
  // raw scanlines: a filter byte (0 = none) before each row
  std::string raw;
  raw.reserve(size_t(h) * (size_t(w) * 4 + 1));
  for (int y = 0; y < h; y++) {
    raw += '\0';
    raw.append(reinterpret_cast<const char*>(rgba + size_t(y) * w * 4), size_t(w) * 4);
  }
  // zlib: header, stored blocks of at most 65535 bytes, Adler-32
  std::string z = "\x78\x01";
  size_t pos = 0;
  do {
    size_t len = std::min<size_t>(65535, raw.size() - pos);
    bool last = pos + len == raw.size();
    z += char(last ? 1 : 0);
    z += char(len & 0xff);
    z += char(len >> 8);
    z += char(~len & 0xff);
    z += char((~len >> 8) & 0xff);
    z.append(raw, pos, len);
    pos += len;
  } while (pos < raw.size());
  uint32_t a = 1, b = 0;
  for (unsigned char c : raw) { a = (a + c) % 65521; b = (b + a) % 65521; }
  be32(&z, (b << 16) | a);
  std::string out = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  be32(&ihdr, uint32_t(w));
  be32(&ihdr, uint32_t(h));
  ihdr += std::string("\x08\x06\x00\x00\x00", 5);  // 8 bits, RGBA, deflate, no filter, no interlace
  chunk(&out, "IHDR", ihdr);
  chunk(&out, "IDAT", z);
  chunk(&out, "IEND", "");
  return out;
}

}  // namespace attn
