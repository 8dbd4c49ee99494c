// split.h: the pre-tokenizers' split patterns, written by hand as matchers over code points (the
// regexes each tokenizer.json names, recognized by their exact text):
//   Gpt2    's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//   Llama3  (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//   Qwen2   the same with \p{N} one digit at a time
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace attn::text {

enum class Pattern { Gpt2, Llama3, Qwen2, Count };
extern const char* const kPatternText[];  // the regex each pattern is, as tokenizer.json writes it
// which pattern a tokenizer.json regex is; false for one this project does not know
bool pattern_of(const std::string& regex, Pattern* out);

// Splits code points [from, to) of cps into pieces, appended as [begin, end) index ranges: every
// code point lands in exactly one piece, in order.
void split(Pattern p, const std::vector<uint32_t>& cps, size_t from, size_t to, std::vector<std::pair<size_t, size_t>>* out);

}  // namespace attn::text
