// test_rules.cpp: the config's rules in one place: the range table, the one out-of-range policy
// (conform) and the engine's own last check (validate).
#include <doctest.h>
#include "engine/engine.h"
#include "engine/rules.h"

using namespace attn;

TEST_CASE("rules: one row per field, the CLI's ranges at least as wide as the app's") {
  REQUIRE(ranges().size() == size_t(Field::Count));
  for (size_t i = 0; i < ranges().size(); i++) {
    const Range& r = ranges()[i];
    CHECK(int(r.field) == int(i));
    CHECK(r.lo <= r.hi);
    CHECK(r.cli_lo <= r.lo);
    CHECK(r.cli_hi >= r.hi);
  }
  CHECK(range_hi(Field::Heads, Front::App) == 8);
  CHECK(range_hi(Field::Heads, Front::Cli) == Limits{}.max_heads);
  CHECK(range_hi(Field::DModel, Front::Cli) == Limits{}.max_d_model);
}

TEST_CASE("rules: check_range names the setting, the range and the value") {
  CHECK(check_range(Field::Heads, 4, Front::App).empty());
  CHECK(check_range(Field::Heads, 12, Front::App) == "heads must be an integer from 1 to 8 (got 12)");
  CHECK(check_range(Field::Heads, 12, Front::Cli).empty());
  CHECK(check_range(Field::Heads, 2.5, Front::Cli) == "heads must be an integer from 1 to 64 (got 2.5)");
  CHECK(check_range(Field::Temperature, 0.01, Front::App) == "temperature must be a number from 0.05 to 20 (got 0.01)");
  CHECK(check_range(Field::Temperature, 0.01, Front::Cli).empty());
  CHECK_FALSE(check_range(Field::Temperature, std::nan(""), Front::Cli).empty());
  CHECK(check_range(Field::Dropout, 0.95, Front::App).empty());
  CHECK_FALSE(check_range(Field::Dropout, 0.96, Front::App).empty());
}

TEST_CASE("rules: conform moves each value to its range's end and lowers heads to a divisor, and says so") {
  Config c;
  c.d_model = 12;
  c.n_heads = 9;
  c.temperature = 50;
  c.window = -3;
  c.entmax_alpha = 2.5f;
  std::vector<std::string> notes = conform(&c, Front::App);
  CHECK(c.n_heads == 6);  // 9 -> 8 (range), then 6 (largest divisor of 12 not above 8)
  CHECK(c.temperature == 20.0f);
  CHECK(c.window == 0);
  CHECK(c.entmax_alpha == 2.0f);
  REQUIRE(notes.size() == 5);
  CHECK(notes[0] == "heads must be an integer from 1 to 8 (got 9): using 8");
  CHECK(notes[1] == "heads must divide d_model = 12 (got 8): using 6");
  CHECK(notes[2] == "temperature must be a number from 0.05 to 20 (got 50): using 20");
  // a config in range comes back unchanged, with nothing said
  Config ok;
  Config before = ok;
  CHECK(conform(&ok, Front::App).empty());
  CHECK(ok.n_heads == before.n_heads);
  CHECK(ok.temperature == before.temperature);
  // the CLI's wider table: 50 is a fine temperature there
  c.temperature = 50;
  CHECK(conform(&c, Front::Cli).empty());
  CHECK(fit_heads(12, 5) == 4);
  CHECK(fit_heads(7, 8) == 7);
  CHECK(fit_heads(7, 6) == 1);
  CHECK(fit_heads(8, 0) == 1);
}

TEST_CASE("rules: validate refuses what breaks the math, whoever set it") {
  Config c;
  CHECK(validate(c).empty());
  c.temperature = 0;
  CHECK(validate(c).find("temperature") != std::string::npos);
  c = Config{};
  c.d_model = 6;
  c.n_heads = 4;
  CHECK(validate(c) == "d_model (6) must be divisible by heads (4)");
  c = Config{};
  c.dropout = 1;
  CHECK(validate(c).find("dropout") != std::string::npos);
}
