// train_cmd.h: `attn train`, `attn eval` and `attn generate`: a small transformer trained by the
// project's own forward and backward passes, its run folder, and what it learned.
#pragma once
#include <string>
#include <vector>

namespace attn::cli {

// argv without the program name; argv[0] is the command. Exit codes: 0 done, 1 training stopped
// on a non-finite value (the last good weights are written), 2 bad input, 130 interrupted (the
// run so far is written).
int train_main(const std::vector<std::string>& argv);
int eval_main(const std::vector<std::string>& argv);
int generate_main(const std::vector<std::string>& argv);

extern const char* const kTrainUsage;

}  // namespace attn::cli
