// test_stage_text.cpp: every stage of the stepper has its formula and prose, and the formula
// follows the config (normalizer, score function, positional encoding).
#include <doctest.h>
#include <string>
#include "engine/engine.h"
#include "lessons/stage_text.h"

using namespace attn;

TEST_CASE("stage text: every stage says something, and the formula follows the config") {
  Config c;
  Trace t = forward(c);
  REQUIRE(t.ok);
  for (int s = 0; s < int(Stage::Count); s++) {
    const StageText st = stage_text(s, t);
    INFO("stage " << s);
    CHECK(std::string(st.formula).size() > 10);
    CHECK(std::string(st.prose).size() > 80);
  }
  for (Normalizer n : {Normalizer::Softmax, Normalizer::Sum, Normalizer::Sigmoid, Normalizer::Sparsemax,
                       Normalizer::Entmax, Normalizer::Hardmax}) {
    t.cfg.normalizer = n;
    CHECK(std::string(stage_text(int(Stage::Normalize), t).formula) == normalizer_formula(n));
  }
  CHECK(std::string(normalizer_formula(Normalizer::Softmax)).find("exp") != std::string::npos);
  CHECK(std::string(normalizer_formula(Normalizer::Sparsemax)).find("τ") != std::string::npos);
  t.cfg.posenc = PosEnc::Sinusoidal;
  CHECK(std::string(stage_text(int(Stage::Embed), t).formula).find("PE") != std::string::npos);
  t.cfg.posenc = PosEnc::None;
  CHECK(std::string(stage_text(int(Stage::Embed), t).formula).find("PE") == std::string::npos);
  t.cfg.score = ScoreFn::Additive;
  CHECK(std::string(stage_text(int(Stage::Scores), t).formula).find("tanh") != std::string::npos);
  CHECK(std::string(stage_text(int(Stage::Count), t).formula).empty());  // out of range: nothing, no crash
}
