// fuzz_tokenizer.cpp: tokenizer.json (or vocab.json + merges.txt) of any bytes, then any text to
// encode: read or refused with a message; encoding never crashes and gives ids of the vocabulary.
// The input: the file, a 0 byte, the text (a second 0 byte splits vocab.json from merges.txt).
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include "text/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in(reinterpret_cast<const char*>(data), size);
  const size_t z = in.find('\0');
  const std::string file = in.substr(0, z), rest = z == std::string::npos ? "" : in.substr(z + 1);
  const size_t z2 = rest.find('\0');
  std::map<std::string, std::string> files;
  std::string text = rest;
  if (z2 != std::string::npos) {  // vocab.json \0 merges.txt \0 text
    files["vocab.json"] = file;
    files["merges.txt"] = rest.substr(0, z2);
    text = rest.substr(z2 + 1);
  } else {
    files["tokenizer.json"] = file;
  }
  attn::text::Tokenizer t;
  std::string err;
  if (!attn::text::load_tokenizer(files, &t, &err)) {
    if (err.empty()) __builtin_trap();
    return 0;
  }
  for (int id : t.encode(text))
    if (id < 0 || size_t(id) >= t.tokens.size()) __builtin_trap();
  (void)t.decode(t.encode(text));
  return 0;
}
