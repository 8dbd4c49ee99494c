// split.cpp: each pattern's alternatives tried in order at every position, as a backtracking regex
// engine would, with the lookahead (?!\S) worked out by hand.
#include "text/split.h"
#include "text/unicode.h"

namespace attn::text {

const char* const kPatternText[] = {
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};
static_assert(sizeof(kPatternText) / sizeof(kPatternText[0]) == size_t(Pattern::Count), "a text for every pattern");

bool pattern_of(const std::string& regex, Pattern* out) {
  for (size_t i = 0; i < size_t(Pattern::Count); i++)
    if (regex == kPatternText[i]) { *out = Pattern(i); return true; }
  return false;
}

namespace {

struct Matcher {
  const std::vector<uint32_t>& c;
  size_t end;
  bool letter(size_t i) const { return i < end && is_letter(c[i]); }
  bool number(size_t i) const { return i < end && is_number(c[i]); }
  bool space(size_t i) const { return i < end && is_space(c[i]); }
  bool newline(size_t i) const { return i < end && (c[i] == '\r' || c[i] == '\n'); }
  bool other(size_t i) const { return i < end && !is_space(c[i]) && !is_letter(c[i]) && !is_number(c[i]); }
  static uint32_t lower(uint32_t x) { return x >= 'A' && x <= 'Z' ? x + 32 : x; }

  // 's 't 're 've 'm 'll 'd (case-insensitive for Llama 3 and Qwen2): the end, or i
  size_t contraction(size_t i, bool fold) const {
    if (i >= end || c[i] != '\'') return i;
    static const char* const kTails[] = {"s", "t", "re", "ve", "m", "ll", "d"};
    for (const char* t : kTails) {
      size_t j = i + 1;
      const char* p = t;
      while (*p && j < end && (fold ? lower(c[j]) : c[j]) == uint32_t(*p)) { p++; j++; }
      if (!*p) return j;
    }
    return i;
  }
  template <class Pred>
  size_t run(size_t i, Pred ok) const {
    while (i < end && ok(i)) i++;
    return i;
  }
  // \s+(?!\S) then \s+: a whitespace run, less its last character when a non-space follows it
  size_t spaces(size_t i) const {
    const size_t j = run(i, [&](size_t k) { return space(k); });
    if (j == i) return i;
    if (j < end && j - i > 1) return j - 1;  // (?!\S): leave the last space to the next word
    return j;                                // at the end, or a single space: \s+ takes it
  }

  size_t gpt2(size_t i) const {
    size_t j = contraction(i, false);
    if (j > i) return j;
    const size_t s = i < end && c[i] == ' ' ? i + 1 : i;  // the optional leading space
    if (letter(s)) return run(s, [&](size_t k) { return letter(k); });
    if (number(s)) return run(s, [&](size_t k) { return number(k); });
    if (other(s)) return run(s, [&](size_t k) { return other(k); });
    return spaces(i);
  }

  size_t llama3(size_t i, int max_digits) const {
    size_t j = contraction(i, true);
    if (j > i) return j;
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (letter(i)) return run(i, [&](size_t k) { return letter(k); });
    if (i < end && !newline(i) && !number(i) && letter(i + 1)) return run(i + 1, [&](size_t k) { return letter(k); });
    // \p{N}{1,3} (Qwen2: \p{N})
    if (number(i)) {
      j = i;
      while (j < end && int(j - i) < max_digits && number(j)) j++;
      return j;
    }
    // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
    const size_t s = i < end && c[i] == ' ' ? i + 1 : i;
    if (other(s)) {
      j = run(s, [&](size_t k) { return other(k); });
      return run(j, [&](size_t k) { return newline(k); });
    }
    // \s*[\r\n]+ : up to the run's last newline
    const size_t w = run(i, [&](size_t k) { return space(k); });
    for (size_t k = w; k > i; k--)
      if (newline(k - 1)) return k;
    return spaces(i);
  }
};

}  // namespace

void split(Pattern p, const std::vector<uint32_t>& cps, size_t from, size_t to, std::vector<std::pair<size_t, size_t>>* out) {
  const Matcher m{cps, to};
  size_t i = from;
  while (i < to) {
    size_t j = p == Pattern::Gpt2 ? m.gpt2(i) : m.llama3(i, p == Pattern::Llama3 ? 3 : 1);
    if (j <= i) j = i + 1;  // no alternative matched (cannot happen: \s+ or a class takes every code point)
    out->push_back({i, j});
    i = j;
  }
}

}  // namespace attn::text
