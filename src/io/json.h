// json.h: the JSON this project reads (safetensors headers, a training run's config.json, the
// snapshots header): objects, arrays, strings, numbers, true/false/null. String escapes are
// decoded except \uXXXX, which is kept as written (no name or setting we read has one).
#pragma once
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
// "text" with quotes and backslashes escaped
std::string json_quote(const std::string& s);

}  // namespace attn
