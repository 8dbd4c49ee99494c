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
  std::string layout = "bhnd";  // rank-4 tensors: (B, H, n, d) or "bnhd" (B, n, H, d)
  // check: the output (and gradients) to check, the precision they were computed in, tolerances
  std::string out, dq, dk, dv, dtype = "fp32";
  std::string json;             // check --json FILE: the verdict also as JSON (the Python package reads it)
  double atol = -1, rtol = 0;
  int heads = 1;
  bool heads_given = false;
  Config cfg;                   // options applied on top of the preset or the defaults
  bool mask_given = false, scale_given = false, norm_given = false, temp_given = false, posenc_given = false;
  bool kv_given = false, alibi = false, softcap_given = false, sink_tokens_given = false;
  std::string sink_file;        // --sink FILE.npy: one logit per head
  bool sink_given = false;      // --sink VALUE: the same logit for every head (in cfg.sinks[0])
};

// Returns false with a one-line message (without the "error: " prefix) on any bad argument.
bool parse_args(const std::vector<std::string>& argv, Args* out, std::string* err);

extern const char* const kUsage;

}  // namespace attn::cli
