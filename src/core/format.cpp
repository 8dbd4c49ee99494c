// format.cpp: see format.h.
#include "core/format.h"
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace attn {

std::string fixed_text(double v, int decimals) {
  if (std::isinf(v)) return v > 0 ? "∞" : "−∞";
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  std::string s = b;
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s = s.substr(1);  // -0.00
  if (s[0] == '-') s = "−" + s.substr(1);  // a real minus sign reads better than a hyphen
  return s;
}

std::string sig_text(double v, int digits) {
  char b[48];
  std::snprintf(b, sizeof b, "%.*g", digits, v);
  return b;
}

std::string shortest_text(double v) {
  char buf[40];
  for (int prec = 1; prec <= 17; prec++) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

}  // namespace attn
