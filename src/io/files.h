// files.h: whole files in and out, with messages that start with the path; and a file's bytes
// mapped instead of copied, where the system can (a checkpoint's weights: a 500 MB model then takes
// no heap for its file, and the pages it never reads are never loaded).
#pragma once
#include <cstddef>
#include <string>

namespace attn {

bool read_file(const std::string& path, std::string* bytes, std::string* err);
bool write_file(const std::string& path, const std::string& bytes, std::string* err);

// A file's bytes, read-only: owned (handed over, e.g. by the page), or a mapping of the file
// (map_file). Moves, never copies.
class FileBytes {
 public:
  FileBytes() = default;
  FileBytes(std::string bytes) : owned_(std::move(bytes)) {}  // NOLINT: implicit, as a string was before
  FileBytes(const char* text) : owned_(text) {}               // NOLINT
  FileBytes(FileBytes&& o) noexcept { *this = std::move(o); }
  FileBytes& operator=(FileBytes&& o) noexcept;
  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;
  ~FileBytes();
  const char* data() const { return map_ ? map_ : owned_.data(); }
  size_t size() const { return map_ ? map_size_ : owned_.size(); }
  std::string text() const { return std::string(data(), size()); }  // a copy, for the small files (JSON)
  bool mapped() const { return map_ != nullptr; }

 private:
  friend bool map_file(const std::string& path, FileBytes* out, std::string* err);
  std::string owned_;
  const char* map_ = nullptr;
  size_t map_size_ = 0;
};

// path's bytes mapped read-only (natively; where mapping is not available or fails, read instead)
bool map_file(const std::string& path, FileBytes* out, std::string* err);

}  // namespace attn
