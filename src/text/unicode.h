// unicode.h: UTF-8 code points and the three Unicode classes the tokenizers' split patterns use:
// letters (\p{L}), numbers (\p{N}) and white space (\s), from a table generated at build time from
// Debian's unicode-data (src/tools/gen_unicode.py).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace attn::text {

// The code points of s, with the byte offset each starts at (size + 1 entries: the last is s.size()).
// A malformed byte is read as U+FFFD of one byte, so that every byte belongs to some code point.
void decode_utf8(const std::string& s, std::vector<uint32_t>* cps, std::vector<size_t>* at);

bool is_letter(uint32_t cp);
bool is_number(uint32_t cp);
bool is_space(uint32_t cp);

}  // namespace attn::text
