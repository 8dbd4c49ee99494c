// embed.cpp: stage 1 of the stepper, tokens to vectors. A tiny vocabulary with hand-designed, readable feature dimensions, so that the
// presets show real patterns (a pronoun finding its noun) instead of random noise.
#include "engine/stages/embed.h"
#include <cctype>
#include <cstring>
#include "core/rng.h"

namespace attn {

namespace {

struct Word {
  const char* text;
  float f[kFeatureCount];  // animate thing container pronoun action quality function person
  int implies;             // feature a pronoun in the same sentence will look for, or -1
};

// Magnitude 2.5 keeps feature dot products well above the hash noise (0.25) after 1/sqrt(d_k).
const Word kWords[] = {
    // function words
    {"the", {0, 0, 0, 0, 0, 0, 2.5f, 0}, -1},
    {"a", {0, 0, 0, 0, 0, 0, 2.5f, 0}, -1},
    {"on", {0, 0, 0.5f, 0, 0, 0, 2.5f, 0}, -1},
    {"in", {0, 0, 0.5f, 0, 0, 0, 2.5f, 0}, -1},
    {"because", {0, 0, 0, 0, 0, 0, 2.5f, 0}, -1},
    {"too", {0, 0, 0, 0, 0, 0.5f, 2.0f, 0}, -1},
    {"my", {0, 0, 0, 0.5f, 0, 0, 1.5f, 1.0f}, -1},
    // animate nouns and people
    {"cat", {2.5f, 0, 0, 0, 0, 0, 0, 0}, -1},
    {"dog", {2.5f, 0, 0, 0, 0, 0, 0, 0.3f}, -1},
    {"man", {2.5f, 0, 0, 0, 0, 0, 0, 1.5f}, -1},
    {"grandmother", {2.5f, 0, 0, 0, 0, 0, 0, 1.5f}, -1},
    {"student", {2.0f, 0, 0, 0, 0, 0, 0, 2.5f}, -1},
    {"étudiant", {2.0f, 0, 0, 0, 0, 0, 0, 2.5f}, -1},
    // things and containers
    {"mat", {0, 2.5f, 0.5f, 0, 0, 0, 0, 0}, -1},
    {"trophy", {0, 2.5f, 0, 0, 0, 0, 0, 0}, -1},
    {"suitcase", {0, 1.0f, 2.5f, 0, 0, 0, 0, 0}, -1},
    {"cookies", {0, 2.5f, 0, 0, 0, 0, 0, 0}, -1},
    // pronouns
    {"it", {0, 0, 0, 2.5f, 0, 0, 0, 0}, -1},
    {"it's", {0, 0, 0, 2.5f, 0.8f, 0, 0, 0}, -1},
    {"he", {0.5f, 0, 0, 2.5f, 0, 0, 0, 0}, -1},
    {"she", {0.5f, 0, 0, 2.5f, 0, 0, 0, 0}, -1},
    {"they", {0.5f, 0, 0, 2.5f, 0, 0, 0, 0}, -1},
    {"i", {1.5f, 0, 0, 2.5f, 0, 0, 0, 0}, -1},
    {"je", {1.5f, 0, 0, 2.5f, 0, 0, 0, 0}, -1},
    // actions
    {"sat", {0, 0, 0, 0, 2.5f, 0, 0, 0}, -1},
    {"bites", {0, 0, 0, 0, 2.5f, 0, 0, 0}, -1},
    {"bakes", {0, 0, 0, 0, 2.5f, 0, 0, 0}, -1},
    {"fit", {0, 0, 0, 0, 2.5f, 0, 0, 0}, -1},
    {"was", {0, 0, 0, 0, 2.0f, 0, 0.5f, 0}, -1},
    {"is", {0, 0, 0, 0, 2.0f, 0, 0.5f, 0}, -1},
    {"am", {0, 0, 0, 0, 2.0f, 0, 0.5f, 0}, -1},
    {"suis", {0, 0, 0, 0, 2.0f, 0, 0.5f, 0}, -1},
    {"doesn't", {0, 0, 0, 0, 1.5f, 0, 1.5f, 0}, -1},
    // qualities; some tell a pronoun what it refers to
    {"tired", {0, 0, 0, 0, 0, 2.5f, 0, 0}, kAnimate},
    {"big", {0, 0, 0, 0, 0, 2.5f, 0, 0}, kThing},
    {"small", {0, 0, 0, 0, 0, 2.5f, 0, 0}, kContainer},
    {"incredible", {0, 0, 0, 0, 0, 2.5f, 0, 0}, -1},
};

std::string lower(const std::string& s) {
  std::string r = s;
  // ASCII only: UTF-8 bytes (é) pass through unchanged.
  for (char& c : r) c = char(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

const Word* find(const std::string& token) {
  std::string t = lower(token);
  for (const Word& w : kWords)
    if (t == w.text) return &w;
  return nullptr;
}

}  // namespace

const char* feature_name(int dim) {
  static const char* const names[] = {"animate", "thing", "container", "pronoun",
                                      "action", "quality", "function", "person"};
  return dim >= 0 && dim < kFeatureCount ? names[dim] : "hash";
}

bool is_known_word(const std::string& token) { return find(token) != nullptr; }

std::vector<std::string> tokenize(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 0; i < text.size(); i++) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    bool word = c >= 0x80 || std::isalnum(c) || (c == '\'' && !cur.empty());
    if (word) {
      cur += char(c);
    } else {
      if (!cur.empty()) out.push_back(cur), cur.clear();
      if (!std::isspace(c)) out.push_back(std::string(1, char(c)));
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

Mat embed(const std::vector<std::string>& tokens, int d_model) {
  const int n = int(tokens.size());
  Mat X = Mat::Zero(n, d_model);  // (n, d_model)
  // pass 1: the referent the sentence's predicate implies, for its pronouns
  int implied = -1;
  for (const auto& t : tokens)
    if (const Word* w = find(t); w && w->implies >= 0) implied = w->implies;
  // pass 2: features, plus small hash noise so equal-class words stay distinguishable
  for (int i = 0; i < n; i++) {
    const std::string t = lower(tokens[i]);
    const Word* w = find(t);
    Rng rng(hash_str(t.data(), t.size()));
    for (int c = 0; c < d_model; c++) {
      float noise = rng.normal();
      if (w) {
        // beyond the named features, known words get unit hash noise like unknown ones:
        // wide models then behave like real random embeddings (see the why-scale preset)
        X(i, c) = c < kFeatureCount ? w->f[c] + 0.25f * noise : noise;
      } else {
        X(i, c) = noise;  // unknown word: a deterministic hash-seeded vector
      }
    }
    if (w && w->f[kPronoun] > 0 && implied >= 0 && implied < d_model) X(i, implied) += 1.5f;
  }
  return X;
}

}  // namespace attn
