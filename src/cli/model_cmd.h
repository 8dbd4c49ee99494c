// model_cmd.h: `attn model`, a real checkpoint's forward pass, next tokens, generation and dumps.
#pragma once
#include <string>
#include <vector>

namespace attn::cli {

// argv without the program name; argv[0] is "model". Exit codes: 0 done, 2 bad input.
int model_main(const std::vector<std::string>& argv);
// `attn check-model`: someone's port's dumps against our pass; 0 all match, 1 mismatch, 2 bad input
int check_model_main(const std::vector<std::string>& argv);
// `attn tokenize --model DIR --text TEXT`: one JSON line of ids and tokens
int tokenize_main(const std::vector<std::string>& argv);

extern const char* const kModelUsage;

}  // namespace attn::cli
