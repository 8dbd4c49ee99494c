// settings.h: every setting of a training run, by name, in one table: `attn train --NAME VALUE`
// (dashes), the keys of a run's config.json (underscores) and, later, the Train mode's URL all
// read and write a TrainConfig through it, with one set of checks and messages.
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
// {"task": "sort", ...}: every setting, defaults included, one per line.
std::string config_json(const TrainConfig& c);

}  // namespace attn::train
