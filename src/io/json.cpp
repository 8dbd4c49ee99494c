// json.cpp: a small recursive reader (nesting bounded to 16) and the writer's escaping.
#include "io/json.h"
#include <cstring>

namespace attn {

namespace {

struct Reader {
  const std::string& s;
  size_t i = 0;
  int depth = 0;
  void ws() { while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) i++; }
  bool string(std::string* out) {
    if (i >= s.size() || s[i] != '"') return false;
    i++;
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\') {  // \" \\ \/ \n \t \r \b \f are decoded; \uXXXX is kept as written
        if (++i >= s.size()) return false;
        const char e = s[i];
        if (e == 'n') { *out += '\n'; i++; continue; }
        if (e == 't') { *out += '\t'; i++; continue; }
        if (e == 'r') { *out += '\r'; i++; continue; }
        if (e == 'b') { *out += '\b'; i++; continue; }
        if (e == 'f') { *out += '\f'; i++; continue; }
        if (e == 'u') { *out += '\\'; continue; }
      }
      *out += s[i++];
    }
    if (i >= s.size()) return false;
    i++;
    return true;
  }
  bool value(Json* v) {
    if (++depth > 16) return false;
    ws();
    if (i >= s.size()) return false;
    bool ok = false;
    if (s[i] == '{') {
      v->kind = Json::Obj;
      i++;
      ws();
      if (i < s.size() && s[i] == '}') { i++; ok = true; }
      while (!ok) {
        ws();
        std::string key;
        if (!string(&key)) break;
        ws();
        if (i >= s.size() || s[i] != ':') break;
        i++;
        if (!value(&v->obj[key])) break;
        ws();
        if (i < s.size() && s[i] == ',') { i++; continue; }
        if (i < s.size() && s[i] == '}') { i++; ok = true; }
        break;
      }
    } else if (s[i] == '[') {
      v->kind = Json::Arr;
      i++;
      ws();
      if (i < s.size() && s[i] == ']') { i++; ok = true; }
      while (!ok) {
        v->arr.emplace_back();
        if (!value(&v->arr.back())) break;
        ws();
        if (i < s.size() && s[i] == ',') { i++; continue; }
        if (i < s.size() && s[i] == ']') { i++; ok = true; }
        break;
      }
    } else if (s[i] == '"') {
      v->kind = Json::Str;
      ok = string(&v->str);
    } else if (s[i] == '-' || (s[i] >= '0' && s[i] <= '9')) {
      v->kind = Json::Num;
      size_t j = i;
      while (j < s.size() && (std::strchr("+-.eE", s[j]) || (s[j] >= '0' && s[j] <= '9'))) j++;
      try { v->num = std::stod(s.substr(i, j - i)); ok = true; } catch (...) { ok = false; }
      i = j;
    } else if (s.compare(i, 4, "null") == 0) {
      i += 4;
      ok = true;
    } else if (s.compare(i, 4, "true") == 0 || s.compare(i, 5, "false") == 0) {
      v->kind = Json::Bool;
      v->b = s[i] == 't';
      i += v->b ? 4 : 5;
      ok = true;
    }
    depth--;
    return ok;
  }
};

}  // namespace

bool json_parse(const std::string& text, Json* out) {
  Reader r{text};
  if (!r.value(out)) return false;
  r.ws();
  return r.i == text.size();
}

const Json* Json::get(const std::string& key) const {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &it->second;
}

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') { out += '\\'; out += c; }
    else if (c == '\n') out += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20) out += ' ';
    else out += c;
  }
  return out + "\"";
}

}  // namespace attn
