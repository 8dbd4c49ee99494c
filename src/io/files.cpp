// files.cpp: whole files in and out.
#include "io/files.h"
#include <fstream>
#include <iterator>

namespace attn {

bool read_file(const std::string& path, std::string* bytes, std::string* err) {
  std::ifstream f(path, std::ios::binary);
  if (!f) { *err = path + ": cannot open the file"; return false; }
  bytes->assign((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return true;
}

bool write_file(const std::string& path, const std::string& bytes, std::string* err) {
  std::ofstream f(path, std::ios::binary);
  if (!f || !f.write(bytes.data(), std::streamsize(bytes.size()))) { *err = path + ": cannot write the file"; return false; }
  return true;
}

}  // namespace attn
