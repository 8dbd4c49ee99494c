// png.h: a minimal PNG writer (RGBA8, stored deflate blocks): no compression library needed,
// so the desktop and the browser write identical files.
#pragma once
#include <cstdint>
#include <string>

namespace attn {

// rgba: width*height*4 bytes, top row first.
std::string png_encode(const uint8_t* rgba, int width, int height);
uint32_t crc32(const uint8_t* data, size_t n, uint32_t crc = 0);

}  // namespace attn
