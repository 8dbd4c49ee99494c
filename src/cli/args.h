// args.h: the `attn` command line, parsed into a Config plus file paths. Parsing is pure
// (no file I/O) so the fuzzer and the tests can drive it directly.
#pragma once
#include <string>
#include <vector>
#include "engine/config.h"

namespace attn::cli {

struct Args {
  std::string command;          // "run", "grad", "presets" or "help"
  std::string q, k, v, x, wq, wk, wv, wo, preset, mask_file, dump;
  std::string dout;             // grad: the gradient at the output, the output's shape
  int heads = 1;
  bool heads_given = false;
  Config cfg;                   // options applied on top of the preset or the defaults
  bool mask_given = false, scale_given = false, norm_given = false, temp_given = false, posenc_given = false;
};

// Returns false with a one-line message (without the "error: " prefix) on any bad argument.
bool parse_args(const std::vector<std::string>& argv, Args* out, std::string* err);

extern const char* const kUsage;

}  // namespace attn::cli
