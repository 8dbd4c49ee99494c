// fuzz_cli_args.cpp: `attn` argument parsing of arbitrary argument lists (NUL-separated).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>
#include "cli/args.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> args;
  std::string cur;
  for (size_t i = 0; i < size && args.size() < 64; i++) {
    if (data[i] == 0) { args.push_back(cur); cur.clear(); }
    else cur += char(data[i]);
  }
  args.push_back(cur);
  attn::cli::Args a;
  std::string err;
  if (!attn::cli::parse_args(args, &a, &err) && err.empty()) __builtin_trap();  // a refusal always says why
  return 0;
}
