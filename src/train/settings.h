// settings.h: every setting of a training run, by name: `attn train --NAME VALUE` (dashes), the
// keys of a run's config.json (underscores), the Train mode's panel and link all read and write a
// TrainConfig through it, with the ranges and live flags of one table (engine/rules.h) and one
// set of checks and messages.
#pragma once
#include <string>
#include <vector>
#include "core/format.h"
#include "train/trainer.h"

namespace attn::train {

struct Setting {
  const char* key;        // "weight_decay": config.json; the CLI flag is --weight-decay
  const char* values;     // what it accepts, for the usage text: "FLOAT >= 0"
  bool is_bool;           // --mlp / --no-mlp
};
const std::vector<Setting>& settings();

// Sets one setting from text ("true"/"false" for booleans). *err names the setting and the value.
bool set_setting(TrainConfig* c, const std::string& key, const std::string& value, std::string* err);
// The setting's value as a JSON literal ("0.001", "\"sort\"", "true").
std::string get_setting(const TrainConfig& c, const std::string& key);
// Every number of c against its range in the table (engine/rules.h): "" when all hold, else the
// first that does not, e.g. "--lr must be a number in (0, 10] (got 20)". Trainer::init's check.
std::string check_settings(const TrainConfig& c);
// Heads lowered to a divisor of d_model, key/value heads to a divisor of heads: one sentence per
// change (the Train panel shows it).
std::vector<std::string> conform_settings(TrainConfig* c);
// A setting that is not live (engine/rules.h) differs: the runs need Reset to take a.
bool needs_reset(const TrainConfig& a, const TrainConfig& b);
// The live settings of `from` into *to (they apply at the next step of a running model).
void copy_live(const TrainConfig& from, TrainConfig* to);
// "\"sort\"" -> "sort"; numbers and booleans unchanged.
std::string unquote(const std::string& json_literal);
// {"task": "sort", ...}: every setting, defaults included, one per line.
std::string config_json(const TrainConfig& c);

}  // namespace attn::train
