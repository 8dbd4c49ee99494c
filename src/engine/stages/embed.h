// embed.h: stage 1 of the stepper: tokens and their embeddings (the vocabulary the presets read).
#pragma once
#include <string>
#include <vector>
#include "engine/tensor.h"

namespace attn {

// Named feature dimensions of the built-in vocabulary (the first 8 columns of X).
enum Feature { kAnimate, kThing, kContainer, kPronoun, kAction, kQuality, kFunction, kSpeaker, kFeatureCount };
const char* feature_name(int dim);

// Splits on spaces and punctuation; keeps apostrophes inside words ("doesn't").
std::vector<std::string> tokenize(const std::string& text);

// (n, d_model): hand-designed features for known words, a hash-seeded vector otherwise.
// A pronoun also carries the referent its sentence's predicate implies ("tired" -> animate),
// standing in for what earlier layers of a real model would have mixed in.
Mat embed(const std::vector<std::string>& tokens, int d_model);

bool is_known_word(const std::string& token);

}  // namespace attn
