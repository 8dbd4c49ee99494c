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

// ---------------------------------------------------------------- training settings

#include "train/settings.h"

TEST_CASE("rules: the training settings, one row per key; the panel's ranges inside the run's") {
  REQUIRE(train_rules().size() == size_t(TrainKey::Count));
  for (size_t i = 0; i < train_rules().size(); i++) {
    const TrainRule& r = train_rules()[i];
    CAPTURE(r.name);
    CHECK(int(r.key) == int(i));
    CHECK(find_train_rule(r.name) == &r);
    if (r.app_lo < r.app_hi) {  // a slider: its ends are values a run may take
      CHECK(check_train_value(r.key, r.app_lo).empty());
      CHECK(check_train_value(r.key, r.app_hi).empty());
    }
  }
  // config.json lists the settings in the table's order, one line each
  const std::string json = train::config_json(train::TrainConfig());
  size_t at = 0;
  for (const TrainRule& r : train_rules()) {
    const size_t p = json.find(std::string("\"") + r.name + "\":", at);
    CHECK(p != std::string::npos);
    at = p;
  }
  CHECK(train_flag(TrainKey::WeightDecay) == "--weight-decay");
  CHECK(find_train_rule("nope") == nullptr);
}

TEST_CASE("rules: a training setting out of its range is refused by every front with the table's words") {
  train::TrainConfig c;
  std::string err;
  CHECK(!train::set_setting(&c, "layers", "7", &err));
  CHECK(err == "--layers '7': expected an integer from 1 to 6");
  CHECK(!train::set_setting(&c, "heads", "17", &err));
  CHECK(err == "--heads '17': expected an integer from 1 to 16");
  CHECK(!train::set_setting(&c, "dropout", "0.95", &err));  // [0, 0.95): the end itself is refused
  CHECK(err == "--dropout '0.95': expected a number in [0, 0.95)");
  CHECK(train::set_setting(&c, "dropout", "0.94", &err));
  CHECK(!train::set_setting(&c, "lr", "0", &err));
  CHECK(err == "--lr '0': expected a number in (0, 10]");
  CHECK(!train::set_setting(&c, "clip", "-1", &err));
  CHECK(err == "--clip '-1': expected a number >= 0");
  CHECK(!train::set_setting(&c, "scale", "0", &err));
  CHECK(err == "--scale '0': expected auto, none or a number in (0, 1000]");
  CHECK(!train::set_setting(&c, "batch", "2.5", &err));
  CHECK(!train::set_setting(&c, "weight_decay", "nan", &err));
  CHECK(!train::set_setting(&c, "warmup_steps", "1", &err));
  CHECK(err == "unknown setting --warmup-steps");
  // the trainer's own check is the same table: a config built in code past a range is named
  train::TrainConfig d;
  d.opt.lr = 20;
  CHECK(train::check_settings(d) == "--lr must be a number in (0, 10] (got 20)");
  d = train::TrainConfig();
  d.model.layers = 9;
  CHECK(!train::validate(d.model, &err));
  CHECK(err == "--layers must be an integer from 1 to 6 (got 9)");
  CHECK(train::check_settings(train::TrainConfig()).empty());
}

TEST_CASE("rules: live settings apply to a running run at once; the others need Reset") {
  train::TrainConfig run, edited;
  std::string err;
  // the live ones: the optimizer's step size, decay, clipping and the attention dropout
  for (const char* k : {"lr", "weight_decay", "clip", "dropout"}) CHECK(find_train_rule(k)->live);
  for (const char* k : {"task", "layers", "heads", "d_model", "seed", "batch", "normalizer", "posenc"})
    CHECK(!find_train_rule(k)->live);
  REQUIRE(train::set_setting(&edited, "lr", "0.02", &err));
  REQUIRE(train::set_setting(&edited, "dropout", "0.25", &err));
  CHECK(!train::needs_reset(edited, run));
  train::copy_live(edited, &run);
  CHECK(run.opt.lr == 0.02);
  CHECK(run.model.dropout == 0.25f);
  REQUIRE(train::set_setting(&edited, "heads", "2", &err));
  CHECK(train::needs_reset(edited, run));
  train::copy_live(edited, &run);
  CHECK(run.model.heads == train::TrainConfig().model.heads);  // not copied: it waits for Reset
}

TEST_CASE("rules: the Train panel's edits lower heads to divisors and say so") {
  train::TrainConfig c;
  c.model.d_model = 48;
  c.model.heads = 5;
  c.model.kv_heads = 3;
  std::vector<std::string> notes = train::conform_settings(&c);
  CHECK(c.model.heads == 4);
  CHECK(c.model.kv_heads == 0);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0] == "heads must divide d_model = 48 (got 5): using 4");
  c.model.kv_heads = 3;
  notes = train::conform_settings(&c);
  CHECK(c.model.kv_heads == 2);
  CHECK(notes[0] == "key/value heads must divide heads = 4 (got 3): using 2");
  CHECK(train::conform_settings(&c).empty());
}
