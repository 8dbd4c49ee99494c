// train_lessons.h: the Train mode's lessons as a table (a setup, its text and its comparison runs)
// and the "key:value;key:value" settings text the lessons and the Train link are written in.
#pragma once
#include <string>
#include <utility>
#include <vector>
#include "train/settings.h"

namespace attn {

struct TrainLesson {
  const char* name;
  const char* text;                                      // what the lesson shows, one paragraph
  const char* setup;                                     // settings, "key:value;key:value"
  std::vector<std::pair<const char*, const char*>> vs;   // comparison runs: (label, settings changed)
};
const std::vector<TrainLesson>& train_lesson_table();
const TrainLesson* find_lesson(const std::string& name);  // nullptr when there is none of that name

// The Train mode's defaults, which a lesson's setup changes: a schedule that never ends (training
// runs until paused)
train::TrainConfig train_app_defaults();

// Applies "key:value;key:value" (the settings of train/settings.h; "lesson:NAME" is the caller's)
// to *c. false with *err naming the pair at fault.
bool apply_settings_text(train::TrainConfig* c, const std::string& text, std::string* err);

// A lesson's run `run` (0: the lesson itself, 1..: its comparisons) as the Train mode builds it
bool lesson_run_config(const TrainLesson& l, size_t run, train::TrainConfig* c, std::string* err);

}  // namespace attn
