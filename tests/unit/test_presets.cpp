// test_presets.cpp: every teaching preset shows the pattern it claims, read off the weights;
// and one checksum pins the numbers so native and wasm provably agree.
#include <doctest.h>
#include <cmath>
#include "engine/engine.h"
#include "lessons/presets.h"

using namespace attn;

namespace {
Trace run(const char* name) {
  Config c;
  REQUIRE(apply_preset(name, &c));
  Trace t = forward(c);
  REQUIRE_MESSAGE(t.ok, t.error);
  return t;
}
int row_of(const Trace& t, const std::string& tok) {
  for (int i = 0; i < t.n_q; i++) if (t.tokens_q[size_t(i)] == tok) return i;
  FAIL("no token " << tok);
  return -1;
}
int col_of(const Trace& t, const std::string& tok) {
  for (int j = 0; j < t.n_k; j++) if (t.tokens_k[size_t(j)] == tok) return j;
  FAIL("no key " << tok);
  return -1;
}
// the key that query `q` attends to most, at head 0
std::string argmax_key(const Trace& t, const std::string& q) {
  Eigen::Index j;
  t.heads[0].weights.row(row_of(t, q)).maxCoeff(&j);
  return t.tokens_k[size_t(j)];
}
}  // namespace

TEST_CASE("every preset runs and has a lesson") {
  for (const Preset& p : presets()) {
    CAPTURE(p.name);
    Trace t = run(p.name);
    CHECK(std::string(p.lesson).size() > 20);
  }
}

TEST_CASE("cat-it: 'it' attends most to 'cat'") { CHECK(argmax_key(run("cat-it"), "it") == "cat"); }

TEST_CASE("grandmother: 'incredible' attends to 'cookies', 'bakes' to its actors") {
  Trace t = run("grandmother");
  CHECK(argmax_key(t, "incredible") == "cookies");
  const auto& w = t.heads[0].weights;
  int b = row_of(t, "bakes");
  CHECK(w(b, col_of(t, "grandmother")) > w(b, col_of(t, "My")));
  CHECK(w(b, col_of(t, "cookies")) > w(b, col_of(t, "incredible")));
}

TEST_CASE("trophy: 'too big' points it's at the trophy, 'too small' at the suitcase") {
  CHECK(argmax_key(run("trophy-big"), "it's") == "trophy");
  CHECK(argmax_key(run("trophy-small"), "it's") == "suitcase");
}

TEST_CASE("translate: each English word finds its French counterpart") {
  Trace t = run("translate");
  CHECK(argmax_key(t, "I") == "Je");
  CHECK(argmax_key(t, "am") == "suis");
  CHECK(argmax_key(t, "student") == "étudiant");
}

TEST_CASE("dog bites man: equivariant without positions, not with them") {
  for (const char* name : {"dog-bites", "dog-bites-pe"}) {
    Config a;
    apply_preset(name, &a);
    Config b = a;
    b.sentence = "man bites dog";
    Trace ta = forward(a), tb = forward(b);
    float diff = (ta.heads[0].weights(1, 0) - tb.heads[0].weights(1, 2));  // bites->dog in both
    if (std::string(name) == "dog-bites") CHECK(std::fabs(diff) < 1e-6f);
    else CHECK(std::fabs(diff) > 1e-3f);
  }
}

TEST_CASE("one-query: the worked example's numbers") {
  Trace t = run("one-query");
  const auto& h = t.heads[0];
  CHECK(h.scores(0, 0) == doctest::Approx(0.6));
  CHECK(h.scores(0, 1) == doctest::Approx(0.3));
  CHECK(h.scores(0, 2) == doctest::Approx(1.1));
  // numpy: softmax([0.6, 0.3, 1.1]); the often-quoted [0.274, 0.203, 0.523] is wrong
  CHECK(h.weights(0, 0) == doctest::Approx(0.29502533).epsilon(1e-5));
  CHECK(h.weights(0, 1) == doctest::Approx(0.21856014).epsilon(1e-5));
  CHECK(h.weights(0, 2) == doctest::Approx(0.48641453).epsilon(1e-5));
}

TEST_CASE("four-scores: the articles' worked example, and the output row is the weights") {
  Trace t = run("four-scores");
  const auto& h = t.heads[0];
  REQUIRE(h.weights.cols() == 4);
  CHECK(h.scores(0, 2) == 2.5f);
  // numpy: softmax([1.0, 0.5, 2.5, -0.1]) = [0.156, 0.094, 0.698, 0.052] to three places
  const double want[4] = {0.15573678, 0.09445913, 0.69796382, 0.05184027};
  for (int j = 0; j < 4; j++) {
    CHECK(h.weights(0, j) == doctest::Approx(want[j]).epsilon(1e-5));
    CHECK(t.output(0, j) == doctest::Approx(want[j]).epsilon(1e-5));  // V = I
  }
  CHECK(find_preset("four-scores")->stage == int(Stage::Normalize));
}

TEST_CASE("causal: first token attends only to itself, nothing above the diagonal") {
  Trace t = run("causal");
  CHECK(t.heads[0].weights(0, 0) == 1.0f);
  for (int i = 0; i < t.n_q; i++)
    for (int j = i + 1; j < t.n_k; j++) CHECK(t.heads[1].weights(i, j) == 0.0f);
}

TEST_CASE("why-scale: unscaled softmax at d_k = 64 is much peakier than scaled") {
  Config c;
  apply_preset("why-scale", &c);
  Trace raw = forward(c);
  c.scale = ScaleMode::Auto;
  Trace scaled = forward(c);
  double e_raw = 0, e_scaled = 0, max_raw = 0, max_scaled = 0;
  for (int i = 0; i < raw.n_q; i++) {
    e_raw += raw.heads[0].stats[size_t(i)].entropy;
    e_scaled += scaled.heads[0].stats[size_t(i)].entropy;
    max_raw += raw.heads[0].stats[size_t(i)].max_w;
    max_scaled += scaled.heads[0].stats[size_t(i)].max_w;
  }
  CHECK(e_raw < 0.5 * e_scaled);
  // saturated: the average row puts over 70% on one key, far more than when scaled
  CHECK(max_raw / raw.n_q > 0.7);
  CHECK(max_raw > 1.5 * max_scaled);
}

TEST_CASE("linear: implied weights are flatter than softmax weights") {
  Trace t = run("linear");
  double e_soft = 0, e_lin = 0;
  for (int i = 0; i < t.n_q; i++) {
    e_soft += t.heads[0].stats[size_t(i)].entropy;
    for (int j = 0; j < t.n_k; j++) {
      double p = t.heads[0].lin_weights(i, j);
      e_lin -= p * std::log(p);
    }
  }
  CHECK(e_lin > e_soft);
}

// The same preset gives the same numbers natively and in wasm: both builds assert this value.
TEST_CASE("checksum of the cat-it preset is identical on every platform") {
  Config c;
  apply_preset("cat-it", &c);
  c.init = Init::Xavier;  // exercises the RNG too
  c.posenc = PosEnc::Sinusoidal;
  Trace t = forward(c);
  double sum = 0;
  for (Eigen::Index i = 0; i < t.output.size(); i++) sum += double(t.output.data()[i]) * double(i % 7 + 1);
  MESSAGE("checksum " << std::to_string(sum));
  CHECK(sum == doctest::Approx(-27.140138).epsilon(1e-5));
}

TEST_CASE("variant presets show what their lessons say") {
  // gqa: heads 1 and 2 read KV head 1, heads 3 and 4 KV head 2
  Trace g = run("gqa");
  REQUIRE(g.n_kv_heads == 2);
  CHECK(g.heads[0].k == g.heads[1].k);
  CHECK(g.heads[0].v == g.heads[1].v);
  CHECK(g.heads[2].k == g.heads[3].k);
  CHECK(g.heads[0].k != g.heads[2].k);
  CHECK(g.Wk.get().cols() == 8);  // (d_model, H_kv d_head) = (16, 2 x 4)
  // alibi: the bias makes scaled - scores·scale equal -m_h (i - j)
  Trace a = run("alibi");
  const double m0 = std::pow(2.0, -8.0 / 2);  // 2 heads: slopes 2^-4, 2^-8
  CHECK(a.heads[0].scaled(5, 1) - a.heads[0].scores(5, 1) * a.scale == doctest::Approx(-m0 * 4).epsilon(1e-5));
  // softcap: every scaled score inside (-5, 5), and the largest weight far from 1
  Trace s = run("softcap");
  CHECK(s.heads[0].scaled.cwiseAbs().maxCoeff() < 5.0f);
  Config unc;
  apply_preset("softcap", &unc);
  unc.softcap = 0;
  Trace u = forward(unc);
  CHECK(s.heads[0].stats[7].max_w < u.heads[0].stats[7].max_w);
  // sinks: rows sum to less than 1
  Trace k = run("sinks");
  for (int i = 0; i < k.n_q; i++) CHECK(k.heads[0].weights.row(i).sum() < 0.99f);
  // causal bottom-right: 4 queries over 6 keys, the last query sees every key, the first 3
  Trace c = run("causal-bottom-right");
  REQUIRE(c.n_q == 4);
  REQUIRE(c.n_k == 6);
  CHECK(c.heads[0].weights.row(3).minCoeff() > 0.0f);
  CHECK(c.heads[0].weights(0, 3) == 0.0f);
  CHECK(c.heads[0].weights(0, 2) > 0.0f);
}
