// rules.h: every rule of the config in one place. The range of each number a person can set,
// the divisibility of heads, and the one policy for a value out of range, shared by the UI, the
// URL, postMessage, the desktop arguments, imports and the CLI; validate() (engine.h) is the
// engine's own last check, on what would break the math.
#pragma once
#include <string>
#include <vector>
#include "engine/config.h"
#include "engine/train_rules.h"

namespace attn {

enum class Field { DModel, Heads, Temperature, Window, Dropout, EntmaxAlpha, KvHeads, Softcap, SinkTokens, Count };

// Who is setting the value: the app (its controls, the URL, postMessage, desktop arguments and
// imports) or the CLI, which takes real models' sizes and so has wider limits.
enum class Front { App, Cli };

struct Range {
  Field field;
  const char* key;      // the URL key, also the name in messages: "d", "heads", "T", "w", "dropout", "alpha"
  const char* label;    // what a person calls it: "d_model", "heads", "temperature", ...
  bool integer;
  double lo, hi;        // Front::App
  double cli_lo, cli_hi;  // Front::Cli
};
const std::vector<Range>& ranges();  // one row per Field, in Field order
const Range& range_of(Field f);
double range_lo(Field f, Front front);
double range_hi(Field f, Front front);

// Empty when v is allowed; else one sentence naming the setting, the range and the value given,
// e.g. "heads must be an integer from 1 to 8 (got 12)".
std::string check_range(Field f, double v, Front front);

// The policy, the same everywhere: a value out of its range is moved to the nearest end of it, and
// heads that do not divide d_model are lowered to the largest number of heads that does. Each
// change comes back as one sentence (the app shows it; the CLI refuses to run with it, since a
// numerical check must compute exactly what was asked). Empty: the config was already in range.
std::vector<std::string> conform(Config* cfg, Front front);

// The query heads of a config: qkv_heads when Q, K, V are given directly, else n_heads.
inline int query_heads(const Config& c) { return c.input == Input::QKV ? c.qkv_heads : c.n_heads; }


}  // namespace attn
