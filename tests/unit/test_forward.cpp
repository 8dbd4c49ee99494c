// test_forward.cpp: the orchestrator: the whole staged pass against the naive reference at odd
// sizes, the structural properties attention must have, refusals, and the reuse of the previous
// trace (same bits as a full pass). Each stage's own tests are in test_<stage>.cpp.
#include <doctest.h>
#include <cmath>
#include <tuple>
#include "engine/engine.h"
#include "engine/stages/stages.h"
#include "reference.h"

using namespace attn;

namespace {
Config matrices_config(int n, int d, int heads, uint64_t seed) {
  Config c;
  c.input = Input::Matrices;
  c.d_model = d;
  c.n_heads = heads;
  c.X = ref::random_mat(n, d, seed);
  c.Wq = ref::random_mat(d, d, seed + 1, 0.5f);
  c.Wk = ref::random_mat(d, d, seed + 2, 0.5f);
  c.Wv = ref::random_mat(d, d, seed + 3, 0.5f);
  c.Wo = ref::random_mat(d, d, seed + 4, 0.5f);
  return c;
}
}  // namespace

TEST_CASE("multi-head forward matches the naive reference at odd sizes") {
  for (auto size : {std::tuple{1, 1, 1}, {3, 6, 3}, {17, 12, 4}, {33, 8, 2}, {5, 9, 3}}) {
    const int n = std::get<0>(size), d = std::get<1>(size), H = std::get<2>(size);
    CAPTURE(n); CAPTURE(d); CAPTURE(H);
    for (MaskKind mk : {MaskKind::None, MaskKind::Causal, MaskKind::Window}) {
      Config c = matrices_config(n, d, H, uint64_t(n * 100 + d));
      c.mask = mk;
      c.window = 2;
      c.temperature = 0.7f;
      Trace t = forward(c);
      REQUIRE_MESSAGE(t.ok, t.error);
      const int dh = d / H;
      ref::M Q = ref::matmul(ref::from(c.X), ref::from(c.Wq)), K = ref::matmul(ref::from(c.X), ref::from(c.Wk)),
             V = ref::matmul(ref::from(c.X), ref::from(c.Wv));
      ref::check_close(t.Q, Q, 1e-4, "Q");
      std::vector<uint8_t> allowed(size_t(n) * n);
      for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
          allowed[size_t(i) * n + j] = mk == MaskKind::None ? 1 : mk == MaskKind::Causal ? j <= i : std::abs(i - j) <= 2;
      ref::M concat(size_t(n), std::vector<double>(size_t(d), 0.0));
      for (int h = 0; h < H; h++) {
        auto slice = [&](const ref::M& m) {
          ref::M r(size_t(n), std::vector<double>(size_t(dh), 0.0));
          for (int i = 0; i < n; i++)
            for (int k = 0; k < dh; k++) r[size_t(i)][size_t(k)] = m[size_t(i)][size_t(h * dh + k)];
          return r;
        };
        ref::M W, O;
        ref::attention(slice(Q), slice(K), slice(V), 1.0 / std::sqrt(double(dh)), allowed, 0.7, &W, &O);
        // tolerance: float32 accumulation over d terms of O(1) values
        ref::check_close(t.heads[size_t(h)].weights, W, 2e-5, "weights");
        ref::check_close(t.heads[size_t(h)].out, O, 1e-4, "head output");
        for (int i = 0; i < n; i++)
          for (int k = 0; k < dh; k++) concat[size_t(i)][size_t(h * dh + k)] = O[size_t(i)][size_t(k)];
      }
      ref::check_close(t.output, ref::matmul(concat, ref::from(c.Wo)), 2e-4, "output");
    }
  }
}

TEST_CASE("rows sum to 1 and the causal upper triangle is exactly 0") {
  Config c;
  c.mask = MaskKind::Causal;
  Trace t = forward(c);
  REQUIRE(t.ok);
  for (const HeadTrace& h : t.heads)
    for (int i = 0; i < t.n_q; i++) {
      CHECK(h.weights.row(i).sum() == doctest::Approx(1.0).epsilon(1e-6));
      for (int j = i + 1; j < t.n_k; j++) CHECK(h.weights(i, j) == 0.0f);
    }
}

TEST_CASE("a row with every key masked has zero weights and output, flagged, no NaN") {
  Config c;
  c.sentence = "a b c";
  c.mask = MaskKind::Custom;
  c.custom_rows = c.custom_cols = 3;
  c.custom_mask = {1, 1, 0, 0, 0, 0, 1, 0, 1};  // row 2 blocks everything
  Trace t = forward(c);
  REQUIRE(t.ok);
  for (const HeadTrace& h : t.heads) {
    CHECK(h.stats[1].all_masked);
    CHECK(h.weights.row(1).cwiseAbs().sum() == 0.0f);
    CHECK(h.out.row(1).cwiseAbs().sum() == 0.0f);
    CHECK(h.weights.allFinite());
  }
  CHECK(t.output.allFinite());
  CHECK_FALSE(t.notices.empty());
}

TEST_CASE("permutation equivariance without positions, broken by positional encoding") {
  for (PosEnc pe : {PosEnc::None, PosEnc::Sinusoidal, PosEnc::Rope}) {
    CAPTURE(int(pe));
    Config a;
    a.init = Init::Xavier;
    a.posenc = pe;
    a.sentence = "dog bites man";
    Config b = a;
    b.sentence = "man bites dog";
    Trace ta = forward(a), tb = forward(b);
    REQUIRE(ta.ok);
    REQUIRE(tb.ok);
    // permutation p: a's row 0 (dog) is b's row 2, row 1 stays, row 2 (man) is b's row 0
    const int p[] = {2, 1, 0};
    float worst = 0;
    for (int i = 0; i < 3; i++) worst = std::max(worst, (ta.output.row(i) - tb.output.row(p[i])).cwiseAbs().maxCoeff());
    if (pe == PosEnc::None) CHECK(worst < 1e-5f);
    else CHECK(worst > 1e-2f);
  }
}

TEST_CASE("cross-attention: queries from one sentence, keys and values from another") {
  Config c;
  c.sentence = "I am a student";
  c.source = "Je suis étudiant";
  Trace t = forward(c);
  REQUIRE(t.ok);
  CHECK(t.n_q == 4);
  CHECK(t.n_k == 3);
  CHECK(t.heads[0].weights.rows() == 4);
  CHECK(t.heads[0].weights.cols() == 3);
  CHECK(t.tokens_k[2] == "étudiant");
}

TEST_CASE("bad configs are refused with a message, never a crash") {
  Config c;
  c.temperature = 0;
  CHECK(forward(c).error.find("temperature") != std::string::npos);
  c = Config{};
  c.d_model = 10;
  c.n_heads = 3;
  CHECK(forward(c).error.find("divisible") != std::string::npos);
  c = Config{};
  c.sentence = "  ";
  CHECK(forward(c).error.find("no tokens") != std::string::npos);
  c = Config{};
  c.input = Input::Matrices;
  c.d_model = 8;
  c.X = Mat::Zero(5000, 8);
  CHECK(forward(c).error.find("4096") != std::string::npos);
  c = Config{};
  c.normalizer = Normalizer::Sum;
  c.init = Init::Xavier;
  Trace t = forward(c);
  CHECK_FALSE(t.ok);
  CHECK(t.error.find("row") != std::string::npos);
}

#if defined(__EMSCRIPTEN__)
// The size checks normally refuse first; here they are lifted so the allocation itself fails:
// n = 16000 needs 1 GB per n x n matrix, and the heap may grow to 2 GB at most.
TEST_CASE("forward: a refused wasm heap growth comes back as a message, never an abort") {
  attn::Config c;
  c.input = attn::Input::QKV;
  c.Q_in = c.K_in = c.V_in = attn::Mat::Constant(16000, 1, 0.5f);
  attn::Limits lim;
  lim.max_n = 1 << 20;
  lim.max_trace_bytes = 1e15;
  attn::Trace t = attn::forward(c, lim);
  CHECK_FALSE(t.ok);
  CHECK(t.error.rfind("out of memory", 0) == 0);
  // the engine is still usable afterwards, with the default preset's numbers
  attn::Trace u = attn::forward(attn::Config{});
  REQUIRE(u.ok);
  CHECK(u.n_q == 10);
}
#endif

// The staged path redoes only the rows of Q, K, V whose row of X changed since the last call;
// the result must be the very same numbers as computing everything again.
TEST_CASE("forward: an edit of one X cell recomputes its rows, bit-identical to a full recompute") {
  attn::Config c;
  c.input = attn::Input::Matrices;
  c.d_model = 16;
  c.n_heads = 2;
  c.init = attn::Init::Xavier;
  c.X = attn::Mat(20, 16);
  for (int i = 0; i < c.X.size(); i++) c.X.data()[i] = std::sin(0.37f * float(i));
  attn::Trace before = attn::forward(c);
  attn::Config edited = c;
  edited.edits.push_back({attn::Target::X, 3, 5, 0.7f});
  attn::Trace incremental = attn::forward(edited);  // rows 3 of Q, K, V redone
  attn::Config other = c;
  other.seed = 99;  // different weights: the next call must compute everything
  attn::forward(other);
  attn::Trace full = attn::forward(edited);
  REQUIRE(before.ok);
  REQUIRE(incremental.ok);
  REQUIRE(full.ok);
  CHECK(incremental.Q == full.Q);
  CHECK(incremental.K == full.K);
  CHECK(incremental.V == full.V);
  CHECK(incremental.output == full.output);
  CHECK(incremental.Q.row(3) != before.Q.row(3));  // the edit did reach Q
  CHECK(incremental.Q.row(4) == before.Q.row(4));
}

// The staged path's two largest products may run on several threads (Limits::threads). Rows are
// dealt out whole, so the trace must hold the numbers of one thread. The sizes are ones where the
// threads are really used: weights . V of (256, 256) . (256, 64), and concat . W_o of 101 rows at
// d_model 256 (odd rows: the split falls inside a tile).
TEST_CASE("forward: the staged products on several threads give the numbers of one thread") {
  for (auto [n, d, heads] : {std::tuple{256, 64, 1}, std::tuple{101, 256, 8}}) {
    attn::Config c;
    c.input = attn::Input::Matrices;
    c.d_model = d;
    c.n_heads = heads;
    c.init = attn::Init::Xavier;
    c.X = attn::Mat(n, d);
    for (int i = 0; i < c.X.size(); i++) c.X.data()[i] = std::sin(0.31f * float(i));
    attn::Limits one, many;
    many.threads = 3;
    const attn::Trace a = attn::forward(c, one), b = attn::forward(c, many);
    REQUIRE(a.ok);
    REQUIRE(b.ok);
    for (size_t h = 0; h < a.heads.size(); h++) CHECK(a.heads[h].out == b.heads[h].out);
    CHECK(a.concat == b.concat);
    CHECK(a.output == b.output);
  }
}

// Given the last trace, the staged path recomputes only the rows and columns of the scores whose
// q or k changed; every score must have the bits of a pass that computes all of them.
TEST_CASE("forward: scores taken from the last trace match a full recompute bit for bit") {
  auto check_same = [](const attn::Trace& a, const attn::Trace& b) {
    REQUIRE(a.ok);
    REQUIRE(b.ok);
    REQUIRE(a.heads.size() == b.heads.size());
    for (size_t h = 0; h < a.heads.size(); h++) {
      CHECK(a.heads[h].scores == b.heads[h].scores);
      CHECK(a.heads[h].weights == b.heads[h].weights);
      CHECK(a.heads[h].out == b.heads[h].out);
    }
    CHECK(a.output == b.output);
  };
  attn::Config c;
  c.input = attn::Input::Matrices;
  c.d_model = 24;
  c.n_heads = 3;  // d_head 8; 41 rows: full and edge tiles in both directions
  c.init = attn::Init::Xavier;
  c.X = attn::Mat(41, 24);
  for (int i = 0; i < c.X.size(); i++) c.X.data()[i] = std::sin(0.29f * float(i));
  attn::Trace prev = attn::forward(c);
  REQUIRE(prev.ok);
  SUBCASE("one X cell, then two rows at once, then the same X again") {
    attn::Config e = c;
    e.edits = {{attn::Target::X, 7, 3, 1.5f}};
    attn::Trace inc = attn::forward(e, {}, &prev);
    check_same(inc, attn::forward(e));
    CHECK(inc.heads[1].scores(7, 0) != prev.heads[1].scores(7, 0));  // row 7 and column 7 did change
    CHECK(inc.heads[1].scores(0, 7) != prev.heads[1].scores(0, 7));
    CHECK(inc.heads[1].scores(0, 1) == prev.heads[1].scores(0, 1));
    e.edits.push_back({attn::Target::X, 40, 23, -2.0f});
    attn::Trace inc2 = attn::forward(e, {}, &inc);
    check_same(inc2, attn::forward(e));
    check_same(attn::forward(c, {}, &inc2), prev);
  }
  SUBCASE("cells of Q and K edited directly, with a mask and another normalizer") {
    attn::Config e = c;
    e.mask = attn::MaskKind::Causal;
    e.normalizer = attn::Normalizer::Sparsemax;
    e.edits = {{attn::Target::Q, 12, 20, 3.0f}, {attn::Target::K, 30, 1, -1.0f}};
    check_same(attn::forward(e, {}, &prev), attn::forward(e));
  }
  SUBCASE("a temperature, normalizer, α, mask, scale, ALiBi or soft-cap edit starts at its own stage") {
    // each step edits one setting of the last; every trace equals a full pass, the masked scores
    // are the last pass's where the edit came after the mask, and change where it did not
    attn::Config e = c;
    attn::Trace last = prev;
    auto step = [&](auto edit, bool masked_kept) {
      edit(e);
      attn::Trace inc = attn::forward(e, {}, &last);
      const attn::Trace full = attn::forward(e);
      check_same(inc, full);
      for (size_t h = 0; h < inc.heads.size(); h++) {
        CHECK(inc.heads[h].masked == full.heads[h].masked);
        CHECK(inc.heads[h].scaled == full.heads[h].scaled);
        CHECK((inc.heads[h].masked == last.heads[h].masked) == masked_kept);
      }
      for (size_t i = 0; i < inc.heads[0].stats.size(); i++) {
        CHECK(inc.heads[0].stats[i].entropy == full.heads[0].stats[i].entropy);
        CHECK(inc.heads[0].row_max[i] == full.heads[0].row_max[i]);
      }
      last = inc;
    };
    step([](attn::Config& x) { x.temperature = 0.4f; }, true);
    step([](attn::Config& x) { x.temperature = 3.0f; }, true);
    step([](attn::Config& x) { x.normalizer = attn::Normalizer::Entmax; x.entmax_alpha = 1.3f; }, true);
    step([](attn::Config& x) { x.entmax_alpha = 1.7f; }, true);
    step([](attn::Config& x) { x.mask = attn::MaskKind::Causal; }, false);
    step([](attn::Config& x) { x.normalizer = attn::Normalizer::Softmax; }, true);
    step([](attn::Config& x) { x.scale = attn::ScaleMode::None; }, false);
    step([](attn::Config& x) { x.alibi = true; }, false);
    step([](attn::Config& x) { x.softcap = 5.0f; }, false);
    step([](attn::Config& x) { x.mask = attn::MaskKind::None; }, false);  // ALiBi's bias follows the mask
  }
  SUBCASE("softmax at a temperature: the SIMD row kernel against the exact double definition") {
    attn::Config e = c;
    e.temperature = 0.3f;
    attn::Trace t = attn::forward(e);
    REQUIRE(t.ok);
    const attn::HeadTrace& h = t.heads[1];
    for (int i = 0; i < t.n_q; i += 5) {
      double m = -1e300, s = 0;
      for (int j = 0; j < t.n_k; j++) m = std::max(m, double(h.masked(i, j)) / 0.3);
      for (int j = 0; j < t.n_k; j++) s += std::exp(double(h.masked(i, j)) / 0.3 - m);
      double ent = 0;
      for (int j = 0; j < t.n_k; j++) {
        const double p = std::exp(double(h.masked(i, j)) / 0.3 - m) / s;
        CHECK(h.weights(i, j) == doctest::Approx(p).epsilon(1e-5));
        if (p > 0) ent -= p * std::log(p);
      }
      CHECK(h.row_max[size_t(i)] == doctest::Approx(m).epsilon(1e-6));
      CHECK(h.stats[size_t(i)].entropy == doctest::Approx(ent).epsilon(1e-4));
    }
  }
  SUBCASE("a last trace of another shape or score function is not used") {
    attn::Config longer = c;
    longer.X = attn::Mat(45, 24);
    for (int i = 0; i < longer.X.size(); i++) longer.X.data()[i] = std::cos(0.11f * float(i));
    check_same(attn::forward(longer, {}, &prev), attn::forward(longer));
    attn::Config add = c;
    add.score = attn::ScoreFn::Additive;
    attn::Trace additive = attn::forward(add);
    check_same(attn::forward(c, {}, &additive), prev);
  }
  SUBCASE("Q and K given directly, d_k past one depth block of the tile") {
    attn::Config q;
    q.input = attn::Input::QKV;
    q.Q_in = attn::Mat(13, 300);
    q.K_in = attn::Mat(17, 300);
    q.V_in = attn::Mat(17, 5);
    for (attn::Mat* m : {&q.Q_in, &q.K_in, &q.V_in})
      for (int i = 0; i < m->size(); i++) m->data()[i] = 0.1f * std::sin(0.7f * float(i) + float(m->rows()));
    attn::Trace p = attn::forward(q);
    q.edits = {{attn::Target::K, 16, 299, 0.9f}, {attn::Target::Q, 0, 0, -0.4f}};
    check_same(attn::forward(q, {}, &p), attn::forward(q));
  }
}
