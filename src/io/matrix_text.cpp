// matrix_text.cpp: text formats for export and import. Floats are written with 9 significant
// digits, so a float32 survives the round trip exactly.
#include "io/matrix_text.h"
#include "core/format.h"
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace attn {

namespace {
std::string num(float v, const char* inf_text) {
  if (std::isinf(v)) return v < 0 ? std::string("-") + inf_text : inf_text;
  return sig_text(double(v), 9);  // a float's 9 digits read back exactly
}
std::string ident(const std::string& name) {
  std::string r;
  for (char c : name) r += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  if (r.empty() || std::isdigit(static_cast<unsigned char>(r[0]))) r = "m_" + r;
  return r;
}
std::string json_str(const std::string& s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') { r += '\\'; r += c; }
    else if (static_cast<unsigned char>(c) < 0x20) r += ' ';
    else r += c;
  }
  return r + "\"";
}
bool finish(std::vector<std::vector<float>>& rows, Mat* out, std::string* err) {
  if (rows.empty() || rows[0].empty()) { *err = "no numbers found"; return false; }
  const size_t C = rows[0].size();
  if (rows.size() > size_t(kMaxImportDim) || C > size_t(kMaxImportDim)) {
    *err = std::to_string(rows.size()) + "x" + std::to_string(C) + " is larger than the limit of " + std::to_string(kMaxImportDim);
    return false;
  }
  for (size_t r = 0; r < rows.size(); r++)
    if (rows[r].size() != C) {
      *err = "row " + std::to_string(r + 1) + " has " + std::to_string(rows[r].size()) + " values but row 1 has " + std::to_string(C);
      return false;
    }
  out->resize(Eigen::Index(rows.size()), Eigen::Index(C));
  for (size_t r = 0; r < rows.size(); r++)
    for (size_t c = 0; c < C; c++) (*out)(Eigen::Index(r), Eigen::Index(c)) = rows[r][c];
  return true;
}
// a finite float32 from text, or a message
bool number(const std::string& tok, float* v, std::string* why) {
  char* end = nullptr;
  double d = std::strtod(tok.c_str(), &end);
  if (tok.empty() || end != tok.c_str() + tok.size()) { *why = "'" + tok.substr(0, 20) + "' is not a number"; return false; }
  if (!std::isfinite(d) || std::fabs(d) > 3.4e38) { *why = tok.substr(0, 20) + " is not a finite float32 (NaN and Inf are not accepted)"; return false; }
  *v = float(d);
  return true;
}
}  // namespace

std::string to_csv(const Mat& m) {
  std::string s;
  for (Eigen::Index r = 0; r < m.rows(); r++) {
    for (Eigen::Index c = 0; c < m.cols(); c++) s += (c ? "," : "") + num(m(r, c), "inf");
    s += "\n";
  }
  return s;
}

std::string to_json(const Mat& m, const std::string& name) {
  std::string s = "{\"name\": " + json_str(name) + ", \"shape\": [" + std::to_string(m.rows()) + ", " + std::to_string(m.cols()) + "], \"data\": [";
  for (Eigen::Index r = 0; r < m.rows(); r++) {
    s += r ? ",\n  [" : "\n  [";
    for (Eigen::Index c = 0; c < m.cols(); c++) s += (c ? ", " : "") + (std::isinf(m(r, c)) ? std::string("null") : num(m(r, c), "inf"));
    s += "]";
  }
  return s + "\n]}\n";
}

std::string to_numpy(const Mat& m, const std::string& name) {
  std::string s = "import numpy as np\n" + ident(name) + " = np.array([";
  for (Eigen::Index r = 0; r < m.rows(); r++) {
    s += r ? ",\n    [" : "\n    [";
    for (Eigen::Index c = 0; c < m.cols(); c++) s += (c ? ", " : "") + (std::isinf(m(r, c)) ? std::string(m(r, c) < 0 ? "-np.inf" : "np.inf") : num(m(r, c), "inf"));
    s += "]";
  }
  return s + "], dtype=np.float32)  # shape (" + std::to_string(m.rows()) + ", " + std::to_string(m.cols()) + ")\n";
}

bool parse_csv(const std::string& text, Mat* out, std::string* err) {
  std::vector<std::vector<float>> rows;
  size_t line = 0, p = 0;
  while (p < text.size()) {
    size_t e = text.find('\n', p);
    if (e == std::string::npos) e = text.size();
    std::string l = text.substr(p, e - p);
    p = e + 1;
    line++;
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (l.find_first_not_of(" \t") == std::string::npos) continue;
    std::vector<float> row;
    size_t a = 0;
    int col = 0;
    while (a <= l.size()) {
      size_t b = l.find_first_of(",;\t", a);
      if (b == std::string::npos) b = l.size();
      std::string tok = l.substr(a, b - a);
      size_t s0 = tok.find_first_not_of(" "), s1 = tok.find_last_not_of(" ");
      tok = s0 == std::string::npos ? "" : tok.substr(s0, s1 - s0 + 1);
      col++;
      float v;
      std::string why;
      if (!number(tok, &v, &why)) {
        *err = "line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + why;
        return false;
      }
      row.push_back(v);
      if (row.size() > size_t(kMaxImportDim)) { *err = "line " + std::to_string(line) + " has more than " + std::to_string(kMaxImportDim) + " values"; return false; }
      a = b + 1;
    }
    rows.push_back(std::move(row));
    if (rows.size() > size_t(kMaxImportDim)) { *err = "more than " + std::to_string(kMaxImportDim) + " rows"; return false; }
  }
  return finish(rows, out, err);
}

bool parse_json_matrix(const std::string& text, Mat* out, std::string* err) {
  // accept {"data": [[...]]} by starting at the "data" array; otherwise the first '['
  size_t start = text.find("\"data\"");
  start = text.find('[', start == std::string::npos ? 0 : start);
  if (start == std::string::npos) { *err = "no array found (expected [[1, 2], [3, 4]])"; return false; }
  std::vector<std::vector<float>> rows;
  size_t p = start + 1;
  auto skip = [&] { while (p < text.size() && std::isspace(static_cast<unsigned char>(text[p]))) p++; };
  skip();
  while (p < text.size() && text[p] != ']') {
    if (text[p] != '[') { *err = "row " + std::to_string(rows.size() + 1) + ": expected '[' at character " + std::to_string(p + 1); return false; }
    p++;
    std::vector<float> row;
    skip();
    while (p < text.size() && text[p] != ']') {
      size_t e = text.find_first_of(",]", p);
      if (e == std::string::npos) { *err = "row " + std::to_string(rows.size() + 1) + " is not closed"; return false; }
      std::string tok = text.substr(p, e - p);
      size_t s0 = tok.find_first_not_of(" \t\r\n"), s1 = tok.find_last_not_of(" \t\r\n");
      tok = s0 == std::string::npos ? "" : tok.substr(s0, s1 - s0 + 1);
      float v;
      std::string why;
      if (!number(tok, &v, &why)) {
        *err = "row " + std::to_string(rows.size() + 1) + ", column " + std::to_string(row.size() + 1) + ": " + why;
        return false;
      }
      row.push_back(v);
      if (row.size() > size_t(kMaxImportDim)) { *err = "a row has more than " + std::to_string(kMaxImportDim) + " values"; return false; }
      p = e;
      if (text[p] == ',') p++;
      skip();
    }
    if (p >= text.size()) { *err = "the array is not closed"; return false; }
    p++;  // ']'
    rows.push_back(std::move(row));
    if (rows.size() > size_t(kMaxImportDim)) { *err = "more than " + std::to_string(kMaxImportDim) + " rows"; return false; }
    skip();
    if (p < text.size() && text[p] == ',') { p++; skip(); }
  }
  if (p >= text.size()) { *err = "the array is not closed"; return false; }
  return finish(rows, out, err);
}

}  // namespace attn
