// test_options.cpp: the one vocabulary (engine/options.h). Every value's name reads back as that
// value, no two values share a name, the older spellings still read, and the engine and the
// trained model's settings take the same words.
#include <doctest.h>
#include <set>
#include <string>
#include "core/options.h"
#include "train/settings.h"

using namespace attn;

namespace {
template <typename E>
void round_trips(const char* what) {
  std::set<std::string> seen;
  for (int i = 0; i < int(E::Count); i++) {
    const std::string name = name_of(E(i));
    INFO(what << " value " << i << " is named '" << name << "'");
    CHECK(name != "?");
    CHECK(seen.insert(name).second);  // one name per value
    E back = E::Count;
    REQUIRE(parse_name(name, &back));
    CHECK(int(back) == i);
  }
  E none = E::Count;
  CHECK_FALSE(parse_name("no-such-option", &none));
  CHECK(name_of(E::Count) == std::string("?"));
}
}  // namespace

TEST_CASE("options: every name reads back as its value, once") {
  round_trips<PosEnc>("PosEnc");
  round_trips<Init>("Init");
  round_trips<ScoreFn>("ScoreFn");
  round_trips<ScaleMode>("ScaleMode");
  round_trips<MaskKind>("MaskKind");
  round_trips<Normalizer>("Normalizer");
  round_trips<Target>("Target");
}

TEST_CASE("options: older spellings still read, and the first name is the one written") {
  Normalizer n = Normalizer::Softmax;
  REQUIRE(parse_name("entmax15", &n));  // attn train's config.json and the CLI before
  CHECK(n == Normalizer::Entmax);
  CHECK(std::string(name_of(n)) == "entmax");
  Init i = Init::Xavier;
  REQUIRE(parse_name("gpt2", &i));
  CHECK(i == Init::Normal);
  CHECK(std::string(name_of(i)) == "normal");
  MaskKind m = MaskKind::Causal;
  REQUIRE(parse_name("bidirectional", &m));
  CHECK(m == MaskKind::None);
  CHECK(names_list(Normalizer::Softmax) == "softmax, sum, sigmoid, sparsemax, entmax, hardmax");
}

TEST_CASE("options: the trained model's settings take the vocabulary's words and refuse the stepper's own") {
  train::TrainConfig c;
  std::string err;
  REQUIRE(train::set_setting(&c, "normalizer", "entmax", &err));
  CHECK(c.model.norm == Normalizer::Entmax);
  REQUIRE(train::set_setting(&c, "normalizer", "entmax15", &err));  // a saved run's spelling
  CHECK(c.model.norm == Normalizer::Entmax);
  CHECK_FALSE(train::set_setting(&c, "normalizer", "hardmax", &err));  // the stepper has it, the model does not
  CHECK(err.find("softmax, sparsemax or entmax") != std::string::npos);
  REQUIRE(train::set_setting(&c, "posenc", "alibi", &err));
  CHECK(c.model.pos == PosEnc::Alibi);
  CHECK(train::get_setting(c, "normalizer") == "\"entmax\"");
  CHECK_FALSE(train::set_setting(&c, "init", "designed", &err));
}
