// presets.h: one-click teaching setups. Each names the pattern it is meant to show;
// tests/unit/test_presets.cpp reads the weights to check that the pattern is really there.
#pragma once
#include <string>
#include <vector>
#include "engine/config.h"

namespace attn {

struct Preset {
  const char* name;   // slug used by the CLI and the URL
  const char* title;  // button label
  const char* lesson; // what to look at, one or two sentences
  void (*apply)(Config*);
  const char* focus;  // the query row the lesson is about (its token), or nullptr for the first row
  int stage;          // the stage the preset opens on (Stage index), or -1 to stay where the visitor is
};
// The query row a preset opens on: the first row whose token is p.focus in cfg's sentence (0 if none).
int preset_query(const Preset& p, const Config& cfg);

const std::vector<Preset>& presets();
const Preset* find_preset(const std::string& name);
// Resets *cfg to defaults, then applies the preset. False when the name is unknown.
bool apply_preset(const std::string& name, Config* cfg);

}  // namespace attn
