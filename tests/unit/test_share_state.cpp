// test_share_state.cpp: the URL / message / argument encoding round-trips exactly for every
// preset and for random states, and hostile input is ignored with a notice, never a crash.
#include <algorithm>
#include <doctest.h>
#include "engine/engine.h"
#include "lessons/presets.h"
#include "core/rng.h"
#include "io/share_state.h"

using namespace attn;

namespace {
void check_same(const ShareState& a, const ShareState& b) {
  const Config &x = a.cfg, &y = b.cfg;
  CHECK(a.preset == b.preset);
  CHECK(int(x.input) == int(y.input));
  CHECK(x.sentence == y.sentence);
  CHECK(x.source == y.source);
  CHECK(x.d_model == y.d_model);
  CHECK(x.n_heads == y.n_heads);
  CHECK(x.posenc == y.posenc);
  CHECK(x.init == y.init);
  CHECK(x.score == y.score);
  CHECK(x.scale == y.scale);
  if (x.scale == ScaleMode::Custom) CHECK(x.scale_value == y.scale_value);
  CHECK(x.mask == y.mask);
  if (x.mask == MaskKind::Window) CHECK(x.window == y.window);
  if (x.mask == MaskKind::Padding) CHECK(x.padding == y.padding);
  if (x.mask == MaskKind::Custom) {
    CHECK(x.custom_mask == y.custom_mask);
    CHECK(x.custom_rows == y.custom_rows);
  }
  CHECK(x.normalizer == y.normalizer);
  if (x.normalizer == Normalizer::Entmax) CHECK(x.entmax_alpha == y.entmax_alpha);
  CHECK(x.temperature == y.temperature);  // exact: 9 significant digits
  CHECK(x.seed == y.seed);
  CHECK(x.dropout == y.dropout);
  CHECK(x.linear == y.linear);
  REQUIRE(x.edits.size() == y.edits.size());
  for (size_t i = 0; i < x.edits.size(); i++) {
    CHECK(x.edits[i].target == y.edits[i].target);
    CHECK(x.edits[i].row == y.edits[i].row);
    CHECK(x.edits[i].value == y.edits[i].value);
  }
  CHECK(a.stage == b.stage);
  CHECK(a.head == b.head);
  CHECK(a.query == b.query);
  CHECK(a.grid == b.grid);
  CHECK(a.light == b.light);
  // and the computed numbers agree
  Trace ta = forward(x), tb = forward(y);
  CHECK(ta.ok == tb.ok);
  if (ta.ok && tb.ok) CHECK(ta.output == tb.output);
}
}  // namespace

TEST_CASE("round trip for every preset") {
  for (const Preset& p : presets()) {
    CAPTURE(p.name);
    ShareState s;
    s.preset = p.name;
    apply_preset(p.name, &s.cfg);
    s.stage = 5;
    std::vector<std::string> notes;
    ShareState back = decode_state(encode_state(s), &notes);
    CHECK(notes.empty());
    check_same(s, back);
    CHECK(encode_state(back) == encode_state(s));
  }
}

TEST_CASE("round trip for 50 random states") {
  Rng rng(2024);
  const char* words[] = {"the", "cat", "sat", "étudiant", "it's", "a&b=c", "100%", "#hash", "<b>x</b>", "naïve"};
  for (int k = 0; k < 50; k++) {
    CAPTURE(k);
    ShareState s;
    Config& c = s.cfg;
    if (rng.uniform() < 0.3f) { s.preset = presets()[size_t(rng.next() % presets().size())].name; apply_preset(s.preset, &c); }
    if (c.input == Input::Sentence) {
      c.sentence.clear();
      int n = 1 + int(rng.next() % 6);
      for (int i = 0; i < n; i++) c.sentence += std::string(i ? " " : "") + words[rng.next() % 10];
      if (rng.uniform() < 0.2f) c.source = "Je suis étudiant";
      c.n_heads = 1 << (rng.next() % 3);
      c.d_model = c.n_heads * (1 << (rng.next() % 4));
    }
    c.posenc = PosEnc(rng.next() % 3);
    c.init = Init(rng.next() % 4);
    c.score = ScoreFn(rng.next() % 2);
    c.scale = ScaleMode(rng.next() % 3);
    c.scale_value = rng.uniform(0.01f, 3.0f);
    c.mask = MaskKind(rng.next() % 5);
    c.window = int(rng.next() % 5);
    c.padding = {int(rng.next() % 4)};
    c.custom_rows = 1 + int(rng.next() % 7);
    c.custom_cols = 1 + int(rng.next() % 7);
    c.custom_mask.resize(size_t(c.custom_rows * c.custom_cols));
    for (auto& b : c.custom_mask) b = rng.next() & 1;
    c.normalizer = Normalizer(rng.next() % 6);
    c.entmax_alpha = rng.uniform(1.0f, 2.0f);
    c.temperature = rng.uniform(0.05f, 20.0f);
    c.seed = rng.next() % 100000;
    c.dropout = rng.uniform() < 0.3f ? rng.uniform(0.0f, 0.9f) : 0.0f;
    c.linear = rng.next() & 1;
    c.edits.clear();
    for (int e = int(rng.next() % 4); e > 0; e--) c.edits.push_back({Target(rng.next() % 7), int(rng.next() % 3), int(rng.next() % 3), rng.normal()});
    s.stage = int(rng.next() % 8);
    s.head = int(rng.next() % 2);
    s.query = int(rng.next() % 3);
    s.grid = rng.next() & 1;
    s.light = rng.next() & 1;
    std::vector<std::string> notes;
    ShareState back = decode_state(encode_state(s), &notes);
    CHECK_MESSAGE(notes.empty(), encode_state(s));
    check_same(s, back);
  }
}

TEST_CASE("hostile input: unknown keys, NaN, out of range, overlong, broken encoding") {
  std::vector<std::string> notes;
  ShareState s = decode_state("#foo=1&d=NaN&T=-1&T=nan&heads=99&sentence=" + std::string(5000, 'a') +
                              "&norm=<script>&stage=0&seed=-5&paint=3x3:zz&edits=Q.1.1:NaN&q=%ZZ&=&&&", &notes);
  CHECK(notes.size() >= 10);
  CHECK(s.cfg.d_model == Config{}.d_model);
  // numbers out of range follow engine/rules.h's one policy: moved to the range's end, and said
  CHECK(s.cfg.temperature == 0.05f);  // T=-1 (T=nan is not a number: ignored)
  CHECK(s.cfg.n_heads == 8);          // heads=99, and 8 divides d = 8
  CHECK(std::count_if(notes.begin(), notes.end(), [](const std::string& n) {
          return n.find("temperature must be a number from 0.05 to 20 (got -1): using 0.05") != std::string::npos; }) == 1);
  CHECK(std::count_if(notes.begin(), notes.end(), [](const std::string& n) {
          return n.find("heads must be an integer from 1 to 8 (got 99): using 8") != std::string::npos; }) == 1);
  CHECK(s.cfg.sentence == Config{}.sentence);
  CHECK(s.cfg.normalizer == Normalizer::Softmax);
  CHECK(s.stage == 0);
  CHECK(forward(s.cfg).ok);
  // a 100 KB value and binary junk are skipped, not parsed
  notes.clear();
  std::string junk(100000, 'x');
  junk[500] = '\0';
  s = decode_state("sentence=" + junk + "&" + junk, &notes);
  CHECK(forward(s.cfg).ok);
  CHECK_FALSE(notes.empty());
}
