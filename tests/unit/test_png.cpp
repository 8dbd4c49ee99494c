// test_png.cpp: the PNG writer's structure, checked byte by byte against the format.
#include <doctest.h>
#include <vector>
#include "io/png.h"

using namespace attn;

namespace {
uint32_t be32(const std::string& s, size_t at) {
  return uint32_t(uint8_t(s[at])) << 24 | uint32_t(uint8_t(s[at + 1])) << 16 | uint32_t(uint8_t(s[at + 2])) << 8 | uint8_t(s[at + 3]);
}
}  // namespace

TEST_CASE("CRC-32 of a known string") {
  const char* s = "123456789";  // the standard check value
  CHECK(crc32(reinterpret_cast<const uint8_t*>(s), 9) == 0xCBF43926u);
}

TEST_CASE("PNG: signature, IHDR with the right size, valid chunk CRCs, stored pixels") {
  const int w = 300, h = 250;  // > 65535 raw bytes: several stored blocks
  std::vector<uint8_t> px(size_t(w) * h * 4);
  for (size_t i = 0; i < px.size(); i++) px[i] = uint8_t(i * 7);
  std::string png = png_encode(px.data(), w, h);
  REQUIRE(png.substr(0, 8) == "\x89PNG\r\n\x1a\n");
  CHECK(png.substr(12, 4) == "IHDR");
  CHECK(be32(png, 16) == uint32_t(w));
  CHECK(be32(png, 20) == uint32_t(h));
  size_t at = 8;
  int chunks = 0;
  while (at < png.size()) {
    uint32_t len = be32(png, at);
    uint32_t crc = crc32(reinterpret_cast<const uint8_t*>(png.data() + at + 4), len + 4);
    CHECK(crc == be32(png, at + 8 + len));
    at += 12 + len;
    chunks++;
  }
  CHECK(at == png.size());
  CHECK(chunks == 3);
  CHECK(png.substr(png.size() - 8, 4) == "IEND");
  // the first stored block holds row 0: filter byte 0, then the first pixels
  const size_t idat = 33 + 8;  // after IHDR chunk (8 + 13 + 12) and IDAT's length+type
  CHECK(uint8_t(png[idat]) == 0x78);
  CHECK(uint8_t(png[idat + 7]) == 0);       // filter byte of row 0
  CHECK(uint8_t(png[idat + 8 + 5]) == 35);  // px[5] = 5 * 7
}
