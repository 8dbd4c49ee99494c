// stage_text.h: what the stepper says at each stage: a formula and a few sentences of prose.
#pragma once
#include "engine/trace.h"

namespace attn {

struct StageText {
  const char* formula;  // markup for the typesetter (src/ui/formula.h): \frac{..}{..}, x_{ij}, \sum_{k}, \sqrt{..}
  const char* prose;
};
// The text for stage (a Stage index) as configured in t (the formula follows the normalizer,
// the score function and the positional encoding).
StageText stage_text(int stage, const Trace& t);
// The normalizer's formula alone, as in the Normalize stage.
const char* normalizer_formula(Normalizer n);

}  // namespace attn
