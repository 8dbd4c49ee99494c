// json.cpp: a small recursive reader (nesting bounded to 16) and the writer's escaping.
#include "io/json.h"
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace attn {

namespace {

struct Reader {
  const std::string& s;
  size_t i = 0;
  int depth = 0;
  void ws() { while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) i++; }
  bool hex4(size_t at, uint32_t* v) {
    if (at + 4 > s.size()) return false;
    *v = 0;
    for (size_t k = at; k < at + 4; k++) {
      const char c = s[k];
      const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) return false;
      *v = *v << 4 | uint32_t(d);
    }
    return true;
  }
  bool string(std::string* out) {
    if (i >= s.size() || s[i] != '"') return false;
    i++;
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\') {  // \" \\ \/ \n \t \r \b \f and \uXXXX are decoded
        if (++i >= s.size()) return false;
        const char e = s[i];
        if (e == 'n') { *out += '\n'; i++; continue; }
        if (e == 't') { *out += '\t'; i++; continue; }
        if (e == 'r') { *out += '\r'; i++; continue; }
        if (e == 'b') { *out += '\b'; i++; continue; }
        if (e == 'f') { *out += '\f'; i++; continue; }
        if (e == 'u') {  // \uXXXX, a surrogate pair for code points past the BMP, as UTF-8
          uint32_t cp = 0;
          if (!hex4(i + 1, &cp)) return false;
          i += 5;
          if (cp >= 0xD800 && cp < 0xDC00) {
            uint32_t lo = 0;
            if (i + 1 < s.size() && s[i] == '\\' && s[i + 1] == 'u' && hex4(i + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
              i += 6;
            } else {
              cp = 0xFFFD;  // a lone surrogate: the replacement character
            }
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            cp = 0xFFFD;
          }
          append_utf8(cp, out);
          continue;
        }
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

void append_utf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += char(cp);
  } else if (cp < 0x800) {
    *out += char(0xC0 | cp >> 6);
    *out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += char(0xE0 | cp >> 12);
    *out += char(0x80 | ((cp >> 6) & 0x3F));
    *out += char(0x80 | (cp & 0x3F));
  } else {
    *out += char(0xF0 | cp >> 18);
    *out += char(0x80 | ((cp >> 12) & 0x3F));
    *out += char(0x80 | ((cp >> 6) & 0x3F));
    *out += char(0x80 | (cp & 0x3F));
  }
}

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') { out += '\\'; out += c; }
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(static_cast<unsigned char>(c)));
      out += buf;
    }
    else out += c;
  }
  return out + "\"";
}

}  // namespace attn
