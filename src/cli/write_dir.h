// write_dir.h: a dump folder written all at once, for every command that writes one.
#pragma once
#include <filesystem>
#include <string>

namespace attn::cli {

// Writes into a sibling temporary folder (write(folder) fills it), then moves the files in: DIR is
// untouched on failure, and files already in DIR that we do not produce are left alone.
template <typename Write>
bool write_atomically(const std::filesystem::path& dir, Write write, std::string* err) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path abs = fs::absolute(dir, ec);
  const fs::path tmp = abs.parent_path() / (abs.filename().string() + ".attn-tmp");
  fs::remove_all(tmp, ec);
  if (!fs::create_directories(tmp, ec)) { *err = tmp.string() + ": cannot create a temporary folder (" + ec.message() + ")"; return false; }
  if (!write(tmp)) { fs::remove_all(tmp, ec); return false; }
  if (!fs::exists(abs)) {
    fs::rename(tmp, abs, ec);
    if (ec) { *err = dir.string() + ": cannot create (" + ec.message() + ")"; fs::remove_all(tmp, ec); return false; }
    return true;
  }
  for (const auto& e : fs::directory_iterator(tmp)) fs::rename(e.path(), abs / e.path().filename(), ec);
  fs::remove_all(tmp, ec);
  return true;
}

}  // namespace attn::cli
