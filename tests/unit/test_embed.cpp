// test_embed.cpp: stage 1, tokens and their embeddings: the tokenizer's rules and the designed
// features the presets rely on, checked against the vocabulary's definition.
#include <doctest.h>
#include <cmath>
#include "engine/stages/embed.h"

using namespace attn;

TEST_CASE("tokenize: words, punctuation as tokens, apostrophes inside words, UTF-8 kept whole") {
  using V = std::vector<std::string>;
  CHECK(tokenize("The cat sat.") == V{"The", "cat", "sat", "."});
  CHECK(tokenize("it's too big, isn't it?") == V{"it's", "too", "big", ",", "isn't", "it", "?"});
  CHECK(tokenize("  'quoted'  ") == V{"'", "quoted'"});  // a leading apostrophe is punctuation
  CHECK(tokenize("Je suis étudiant") == V{"Je", "suis", "étudiant"});
  CHECK(tokenize("").empty());
  CHECK(tokenize(" \t\n").empty());
}

TEST_CASE("embed: known words carry their feature at 2.5 (+ hash noise), pronouns the implied referent") {
  const std::vector<std::string> toks = tokenize("The cat sat because it was tired");
  const int d = 16;
  Mat X = embed(toks, d);  // (7, 16)
  REQUIRE(X.rows() == 7);
  REQUIRE(X.cols() == d);
  // noise is 0.25 x N(0, 1): a named feature stays within 2.5 +- 1.25 at 5 sigma
  CHECK(std::fabs(X(1, kAnimate) - 2.5f) < 1.25f);    // cat: animate
  CHECK(std::fabs(X(0, kFunction) - 2.5f) < 1.25f);   // the: function word
  CHECK(std::fabs(X(6, kQuality) - 2.5f) < 1.25f);    // tired: quality
  // "tired" implies an animate referent: the pronoun gets +1.5 on that feature
  CHECK(std::fabs(X(4, kPronoun) - 2.5f) < 1.25f);
  CHECK(std::fabs(X(4, kAnimate) - 1.5f) < 1.25f);
  Mat alone = embed(tokenize("it"), d);  // no predicate: nothing implied
  CHECK(X(4, kAnimate) - alone(0, kAnimate) == doctest::Approx(1.5f).epsilon(1e-6));
}

TEST_CASE("embed: deterministic, case-insensitive for known words, unknown words hash-seeded") {
  Mat a = embed({"Cat", "zyzzyva"}, 8), b = embed({"cat", "zyzzyva"}, 8), c = embed({"zyzzyva"}, 8);
  CHECK(a == b);                      // "Cat" and "cat" are one word
  CHECK(a.row(1) == c.row(0));        // an unknown word's vector depends on the word only
  Mat e = embed({"zyzzyvas"}, 8);
  CHECK(e.row(0) != c.row(0));
  CHECK(is_known_word("cat"));
  CHECK_FALSE(is_known_word("zyzzyva"));
  CHECK(std::string(feature_name(kPronoun)) == "pronoun");
}
