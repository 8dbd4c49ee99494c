// files.h: whole files in and out, with messages that start with the path.
#pragma once
#include <string>

namespace attn {

bool read_file(const std::string& path, std::string* bytes, std::string* err);
bool write_file(const std::string& path, const std::string& bytes, std::string* err);

}  // namespace attn
