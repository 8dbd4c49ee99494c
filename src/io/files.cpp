// files.cpp: whole files in and out; a file mapped (POSIX mmap) for its bytes.
#include "io/files.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fstream>

namespace attn {

bool read_file(const std::string& path, std::string* bytes, std::string* err) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) { *err = path + ": cannot open the file"; return false; }
  // sized first and read once: growing the string as the bytes come held up to twice the file
  // (a 500 MB checkpoint peaked at 1 GB before it was loaded)
  const std::streamoff size = f.tellg();
  if (size < 0) { *err = path + ": cannot tell the file's size"; return false; }
  bytes->clear();
  bytes->resize(size_t(size));
  f.seekg(0);
  if (size > 0 && !f.read(bytes->data(), std::streamsize(size))) { *err = path + ": cannot read the file"; return false; }
  return true;
}

bool write_file(const std::string& path, const std::string& bytes, std::string* err) {
  std::ofstream f(path, std::ios::binary);
  if (!f || !f.write(bytes.data(), std::streamsize(bytes.size()))) { *err = path + ": cannot write the file"; return false; }
  return true;
}

FileBytes& FileBytes::operator=(FileBytes&& o) noexcept {
  if (this == &o) return *this;
  if (map_) munmap(const_cast<char*>(map_), map_size_);
  owned_ = std::move(o.owned_);
  map_ = o.map_;
  map_size_ = o.map_size_;
  o.map_ = nullptr;
  o.map_size_ = 0;
  return *this;
}

FileBytes::~FileBytes() {
  if (map_) munmap(const_cast<char*>(map_), map_size_);
}

bool map_file(const std::string& path, FileBytes* out, std::string* err) {
  *out = FileBytes();
  const int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) { *err = path + ": cannot open the file"; return false; }
  struct stat st {};
  void* p = MAP_FAILED;
  if (fstat(fd, &st) == 0 && st.st_size > 0) p = mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);  // a mapping outlives its descriptor
  if (p == MAP_FAILED) {  // empty, or no mapping here: the bytes are read
    std::string bytes;
    if (!read_file(path, &bytes, err)) return false;
    *out = FileBytes(std::move(bytes));
    return true;
  }
  out->map_ = static_cast<const char*>(p);
  out->map_size_ = size_t(st.st_size);
  return true;
}

}  // namespace attn
