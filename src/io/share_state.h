// share_state.h: the shareable state (config + what is being looked at) as readable
// key=value pairs, used by the URL fragment, postMessage, desktop arguments and tests.
// Decoding never fails: bad pairs are skipped and described in `notices`.
#pragma once
#include <string>
#include <vector>
#include "engine/config.h"

namespace attn {

struct ShareState {
  Config cfg;
  std::string preset;          // base preset the config started from ("" = defaults)
  int stage = 0, head = 0, query = 0;
  bool grid = false;           // view=grid shows all heads
  bool light = false;          // theme=light
  bool embed = false;          // embed=1: chrome-less
  std::string panels;          // embed panels, e.g. "stage,row"
  // pin-and-compare: the pinned state A as its own state text (config and preset only), or ""
  std::string pin;
  // the Train mode (mode=train): its setup, the settings that differ from the defaults as
  // "key:value;key:value" (train/settings.h's keys, plus lesson:NAME), and the step shown
  bool train_mode = false;
  std::string train;
  int train_step = -1;
  // the Model mode (mode=model): the model's Hugging Face name (never its weights), the text, and
  // the head selected (layer, head counted from 0)
  bool model_mode = false;
  std::string model, model_text;
  int model_layer = 0, model_head = 0;
};
// a Hugging Face model name, owner/name: letters, digits, '-', '_', '.'; no "..", one '/'
bool valid_model_name(const std::string& s);

// "preset=cat-it&sentence=The%20cat…&d=8&…": every key, stable order, %-encoded values.
std::string encode_state(const ShareState& s);
// Starts from defaults (then the preset, if any) and applies each valid pair.
ShareState decode_state(const std::string& text, std::vector<std::string>* notices);

// Limits on values coming from outside (URL, messages, arguments).
constexpr size_t kMaxText = 400;        // sentence / source characters
constexpr size_t kMaxValue = 20000;     // any single value, e.g. a painted mask or edits
constexpr int kMaxEdits = 256;

}  // namespace attn
