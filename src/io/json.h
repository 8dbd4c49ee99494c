// json.h: the JSON this project reads (safetensors headers, a training run's config.json, the
// snapshots header, tokenizer.json): objects, arrays, strings, numbers, true/false/null. String
// escapes are decoded, \uXXXX (and surrogate pairs) into UTF-8.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace attn {

struct Json {
  enum Kind { Null, Bool, Num, Str, Arr, Obj } kind = Null;
  bool b = false;
  double num = 0;
  std::string str;
  std::vector<Json> arr;
  std::map<std::string, Json> obj;
  const Json* get(const std::string& key) const;  // an object's member, or nullptr
};

// false on malformed text, trailing garbage, or nesting deeper than 16
bool json_parse(const std::string& text, Json* out);
// code point cp (at most U+10FFFF) as UTF-8
void append_utf8(uint32_t cp, std::string* out);
// "text" with quotes and backslashes escaped
std::string json_quote(const std::string& s);

}  // namespace attn
