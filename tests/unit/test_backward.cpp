// test_backward.cpp: every gradient of backward() against central finite differences of an
// independent forward pass written here in double from the definitions (loops, no engine code),
// at odd shapes (n_q != n_k, d_head = 3), for every normalizer, mask, positional encoding, the
// additive score, dropout, and Q, K, V given directly.
#include <doctest.h>
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>
#include "engine/backward.h"
#include "engine/engine.h"
#include "engine/stages/stages.h"
#include "reference.h"

using namespace attn;

namespace {

const double kNegInf = -std::numeric_limits<double>::infinity();

// ---- the reference: one row of weights from logits z (masked = -inf), in double
std::vector<double> ref_normalize(const std::vector<double>& z, Normalizer norm, double alpha) {
  const size_t n = z.size();
  std::vector<double> p(n, 0.0), a;
  std::vector<size_t> idx;
  for (size_t j = 0; j < n; j++)
    if (z[j] != kNegInf) idx.push_back(j);
  if (idx.empty()) return p;
  for (size_t j : idx) a.push_back(z[j]);
  const double mx = *std::max_element(a.begin(), a.end());
  if (norm == Normalizer::Entmax && alpha <= 1) norm = Normalizer::Softmax;
  if (norm == Normalizer::Entmax && alpha >= 2) norm = Normalizer::Sparsemax;
  switch (norm) {
    case Normalizer::Softmax: {
      double s = 0;
      for (double v : a) s += std::exp(v - mx);
      for (size_t k = 0; k < a.size(); k++) p[idx[k]] = std::exp(a[k] - mx) / s;
      break;
    }
    case Normalizer::Sigmoid:
      for (size_t k = 0; k < a.size(); k++) p[idx[k]] = 1 / (1 + std::exp(-a[k]));
      break;
    case Normalizer::Sum: {
      double s = 0;
      for (double v : a) s += v;
      for (size_t k = 0; k < a.size(); k++) p[idx[k]] = a[k] / s;
      break;
    }
    case Normalizer::Sparsemax:
    case Normalizer::Entmax: {
      // p = [(α-1) z - τ]_+^(1/(α-1)) with Σp = 1 (α = 2: sparsemax), τ by bisection in double
      const double am1 = norm == Normalizer::Sparsemax ? 1.0 : alpha - 1;
      auto mass = [&](double tau) {
        double s = 0;
        for (double v : a) s += std::pow(std::max(am1 * v - tau, 0.0), 1 / am1);
        return s;
      };
      double lo = am1 * mx - 1, hi = am1 * mx;
      for (int it = 0; it < 200; it++) {
        const double mid = 0.5 * (lo + hi);
        (mass(mid) > 1 ? lo : hi) = mid;
      }
      const double tau = 0.5 * (lo + hi);
      for (size_t k = 0; k < a.size(); k++) p[idx[k]] = std::pow(std::max(am1 * a[k] - tau, 0.0), 1 / am1);
      break;
    }
    case Normalizer::Hardmax: break;
  }
  return p;
}

// ---- the reference staged forward, in double. Inputs: X (n_q, d), Xs (n_k, d), W* (d, d)
struct Inputs {
  ref::M X, Xs, Wq, Wk, Wv, Wo;
  std::vector<double> sinks;  // per query head, or empty
  bool cross = false;
};
// Press et al. 2021, written out again here: geometric slopes 2^(-8/n), 2^(-16/n), ... for n a power
// of two; otherwise those of the power below, then every other one of the power above
std::vector<double> slopes(int n) {
  auto geo = [](int m) { std::vector<double> r; for (int i = 1; i <= m; i++) r.push_back(std::pow(2.0, -8.0 * i / m)); return r; };
  int p = 1;
  while (2 * p <= n) p *= 2;
  std::vector<double> r = geo(p), more = geo(2 * p);
  for (size_t i = 0; int(r.size()) < n; i += 2) r.push_back(more[i]);
  return r;
}
ref::M cols(const ref::M& m, int c0, int w) {
  ref::M r(m.size(), std::vector<double>(size_t(w)));
  for (size_t i = 0; i < m.size(); i++)
    for (int c = 0; c < w; c++) r[i][size_t(c)] = m[i][size_t(c0 + c)];
  return r;
}
void rope(ref::M* m, int heads) {
  const int dh = int((*m)[0].size()) / heads;
  for (size_t pos = 0; pos < m->size(); pos++)
    for (int h = 0; h < heads; h++)
      for (int p = 0; 2 * p + 1 < dh; p++) {
        const double th = double(pos) * std::pow(10000.0, -2.0 * p / dh), c = std::cos(th), s = std::sin(th);
        double& x = (*m)[pos][size_t(h * dh + 2 * p)];
        double& y = (*m)[pos][size_t(h * dh + 2 * p + 1)];
        const double a = x * c - y * s, b = x * s + y * c;
        x = a;
        y = b;
      }
}

// Y (n_q, d) for the config's options; trace t supplies the constants (mask bits, additive W1, W2, v)
ref::M ref_forward(const Inputs& in, const Config& c, const Trace& t) {
  ref::M Xq = in.X, Xk = in.cross ? in.Xs : in.X;
  const int d = int(Xq[0].size()), H = c.n_heads, dh = d / H, nq = int(Xq.size()), nk = int(Xk.size());
  const int Hkv = c.n_kv_heads > 0 ? c.n_kv_heads : H;
  const int offset = c.mask == MaskKind::CausalBottomRight ? nk - nq : 0;
  const bool causal = c.mask == MaskKind::Causal || c.mask == MaskKind::CausalBottomRight;
  const std::vector<double> m_h = slopes(H);
  if (c.posenc == PosEnc::Sinusoidal) {
    for (int i = 0; i < nq; i++)
      for (int j = 0; j < d; j++) Xq[size_t(i)][size_t(j)] += double(t.PE(i, j));
    for (int i = 0; i < nk; i++)
      for (int j = 0; j < d; j++) Xk[size_t(i)][size_t(j)] += double(t.PE(i, j));
  }
  ref::M Q = ref::matmul(Xq, in.Wq), K = ref::matmul(Xk, in.Wk), V = ref::matmul(Xk, in.Wv);
  if (c.posenc == PosEnc::Rope) { rope(&Q, H); rope(&K, Hkv); }
  const double scale = c.scale == ScaleMode::Auto ? 1 / std::sqrt(double(dh)) : c.scale == ScaleMode::None ? 1.0 : double(c.scale_value);
  ref::M concat(size_t(nq), std::vector<double>(size_t(d), 0.0));
  for (int h = 0; h < H; h++) {
    const int kv = h / (H / Hkv);  // repeat_interleave: query heads 0..H/Hkv-1 read KV head 0
    const ref::M q = cols(Q, h * dh, dh), k = cols(K, kv * dh, dh), v = cols(V, kv * dh, dh);
    const HeadTrace& ht = t.heads[size_t(h)];
    const std::vector<uint8_t> kept = dropout_kept(size_t(nq) * nk, c.dropout, c.seed + uint64_t(h));
    for (int i = 0; i < nq; i++) {
      std::vector<double> z(static_cast<size_t>(nk), 0.0);
      for (int j = 0; j < nk; j++) {
        double s = 0;
        if (c.score == ScoreFn::Additive) {
          for (int u = 0; u < dh; u++) {
            double a = 0, b = 0;
            for (int w = 0; w < dh; w++) { a += double(ht.add_w1(u, w)) * q[size_t(i)][size_t(w)]; b += double(ht.add_w2(u, w)) * k[size_t(j)][size_t(w)]; }
            s += double(ht.add_v(0, u)) * std::tanh(a + b);
          }
        } else {
          for (int u = 0; u < dh; u++) s += q[size_t(i)][size_t(u)] * k[size_t(j)][size_t(u)];
        }
        s *= scale;
        if (c.alibi) s -= m_h[size_t(h)] * (causal ? double(i + offset - j) : std::fabs(double(i + offset - j)));
        if (c.softcap > 0) s = double(c.softcap) * std::tanh(s / double(c.softcap));
        z[size_t(j)] = t.allowed[size_t(i) * nk + j] ? s / double(c.temperature) : kNegInf;
      }
      if (!in.sinks.empty()) z.push_back(in.sinks[size_t(h)] / double(c.temperature));  // normalized with the row, then dropped
      std::vector<double> p = ref_normalize(z, c.normalizer, double(c.entmax_alpha));
      p.resize(size_t(nk));
      if (c.dropout > 0)
        for (int j = 0; j < nk; j++) p[size_t(j)] *= kept[size_t(i) * nk + j] ? double(1.0f / (1.0f - c.dropout)) : 0.0;
      for (int u = 0; u < dh; u++) {
        double o = 0;
        for (int j = 0; j < nk; j++) o += p[size_t(j)] * v[size_t(j)][size_t(u)];
        concat[size_t(i)][size_t(h * dh + u)] = o;
      }
    }
  }
  return ref::matmul(concat, in.Wo);
}

double loss(const ref::M& Y, const Mat& dY) {
  double L = 0;
  for (size_t i = 0; i < Y.size(); i++)
    for (size_t j = 0; j < Y[i].size(); j++) L += Y[i][j] * double(dY(Eigen::Index(i), Eigen::Index(j)));
  return L;
}

// every cell of *x: central difference of the loss, against the analytic gradient g
void check_fd(const char* what, ref::M* x, const MatD& g, const std::function<double()>& L) {
  REQUIRE(g.rows() == Eigen::Index(x->size()));
  double worst = 0;
  for (size_t i = 0; i < x->size(); i++)
    for (size_t j = 0; j < (*x)[i].size(); j++) {
      const double keep = (*x)[i][j], h = 1e-6 * std::max(1.0, std::fabs(keep));
      (*x)[i][j] = keep + h;
      const double up = L();
      (*x)[i][j] = keep - h;
      const double down = L();
      (*x)[i][j] = keep;
      const double fd = (up - down) / (2 * h), an = g(Eigen::Index(i), Eigen::Index(j));
      // the analytic gradient is taken at the float forward's numbers, the difference at double
      // ones: they agree to float precision (1e-6 relative), far inside 1e-4
      const double err = std::fabs(fd - an) / std::max(1.0, std::fabs(fd));
      worst = std::max(worst, err);
      if (err > 1e-4) {
        INFO(what << "[" << i << "][" << j << "]: finite difference " << fd << ", backward " << an);
        CHECK(err <= 1e-4);
        return;
      }
    }
  INFO(what << ": worst relative error " << worst);
  CHECK(worst <= 1e-4);
}

Mat to_mat(const ref::M& m) {
  Mat r(Eigen::Index(m.size()), Eigen::Index(m[0].size()));
  for (size_t i = 0; i < m.size(); i++)
    for (size_t j = 0; j < m[i].size(); j++) r(Eigen::Index(i), Eigen::Index(j)) = float(m[i][j]);
  return r;
}

struct Case {
  const char* name;
  int nq, nk, d, heads;
  Normalizer norm;
  float alpha, T;
  MaskKind mask;
  PosEnc pos;
  ScoreFn score;
  float dropout;
  bool positive;  // sum normalization needs positive scores
  // the variants of 2024-2026 models
  int kv_heads = 0;
  bool alibi = false;
  float softcap = 0;
  bool sinks = false;
  int sink_tokens = 0;
  bool scale_none = false;
};
Case with(Case c, int kv, bool alibi, float softcap, bool sinks, int sink_tokens) {
  c.kv_heads = kv;
  c.alibi = alibi;
  c.softcap = softcap;
  c.sinks = sinks;
  c.sink_tokens = sink_tokens;
  return c;
}

void run_case(const Case& k) {
  INFO("case " << k.name);
  const uint64_t seed = 17;
  Inputs in;
  const float lo = k.positive ? 0.1f : -1.0f;
  auto rnd = [&](int r, int c, uint64_t s) {
    Mat m(r, c);
    Rng rng(s);
    for (Eigen::Index i = 0; i < m.size(); i++) m.data()[i] = rng.uniform(lo, 1.0f);
    return m;
  };
  in.cross = k.nq != k.nk;
  Config c;
  c.input = Input::Matrices;
  c.d_model = k.d;
  c.n_heads = k.heads;
  c.normalizer = k.norm;
  c.entmax_alpha = k.alpha;
  c.temperature = k.T;
  c.mask = k.mask;
  c.window = 1;
  c.posenc = k.pos;
  c.score = k.score;
  c.dropout = k.dropout;
  c.seed = seed;
  c.n_kv_heads = k.kv_heads;
  c.alibi = k.alibi;
  c.softcap = k.softcap;
  c.sink_tokens = k.sink_tokens;
  if (k.scale_none) c.scale = ScaleMode::None;
  if (k.sinks)
    for (int h = 0; h < k.heads; h++) c.sinks.push_back(0.3f * float(h) - 0.2f);
  const int kv_cols = (k.kv_heads > 0 ? k.kv_heads : k.heads) * (k.d / k.heads);
  c.X = rnd(k.nq, k.d, 1);
  if (in.cross) c.X_src = rnd(k.nk, k.d, 2);
  c.Wq = rnd(k.d, k.d, 3);
  c.Wk = rnd(k.d, kv_cols, 4);
  c.Wv = rnd(k.d, kv_cols, 5);
  c.Wo = rnd(k.d, k.d, 6);
  Trace t = forward(c);
  REQUIRE_MESSAGE(t.ok, t.error);
  const Mat dY = rnd(k.nq, k.d, 7);
  Grads g = backward(t, dY);
  REQUIRE_MESSAGE(g.ok, g.error);
  in.X = ref::from(c.X);
  if (in.cross) in.Xs = ref::from(c.X_src);
  in.Wq = ref::from(c.Wq);
  in.Wk = ref::from(c.Wk);
  in.Wv = ref::from(c.Wv);
  in.Wo = ref::from(c.Wo);
  for (float s : c.sinks) in.sinks.push_back(double(s));
  // the reference reproduces the forward's output first (else the differences mean nothing)
  ref::check_close(t.output, ref_forward(in, c, t), 1e-4, "Y against the double reference");
  auto L = [&] { return loss(ref_forward(in, c, t), dY); };
  check_fd("dX", &in.X, g.dX, L);
  if (in.cross) check_fd("dX_src", &in.Xs, g.dX_src, L);
  check_fd("dW_q", &in.Wq, g.dWq, L);
  check_fd("dW_k", &in.Wk, g.dWk, L);
  check_fd("dW_v", &in.Wv, g.dWv, L);
  check_fd("dW_o", &in.Wo, g.dWo, L);
  if (k.sinks) {
    ref::M s(1, in.sinks);
    auto Ls = [&] { in.sinks = s[0]; return L(); };
    check_fd("d sink", &s, MatD(Eigen::Map<const MatD>(g.dsink.data(), 1, Eigen::Index(g.dsink.size()))), Ls);
  }
}

}  // namespace

TEST_CASE("backward: every gradient against finite differences of a double reference, per option") {
  const Case cases[] = {
      {"softmax, 2 heads of 3", 5, 5, 6, 2, Normalizer::Softmax, 1.5f, 1.0f, MaskKind::None, PosEnc::None, ScoreFn::Dot, 0, false},
      {"causal, T = 0.7, cross-attention n_q != n_k", 4, 6, 6, 2, Normalizer::Softmax, 1.5f, 0.7f, MaskKind::Causal, PosEnc::None, ScoreFn::Dot, 0, false},
      {"sparsemax, T = 0.3", 5, 5, 6, 1, Normalizer::Sparsemax, 1.5f, 0.3f, MaskKind::None, PosEnc::None, ScoreFn::Dot, 0, false},
      {"entmax 1.5, window", 6, 6, 6, 2, Normalizer::Entmax, 1.5f, 0.5f, MaskKind::Window, PosEnc::None, ScoreFn::Dot, 0, false},
      {"entmax 1.3 (bisection)", 5, 5, 6, 3, Normalizer::Entmax, 1.3f, 0.4f, MaskKind::None, PosEnc::None, ScoreFn::Dot, 0, false},
      {"sigmoid", 4, 4, 5, 1, Normalizer::Sigmoid, 1.5f, 2.0f, MaskKind::Causal, PosEnc::None, ScoreFn::Dot, 0, false},
      {"sum normalization", 4, 4, 6, 2, Normalizer::Sum, 1.5f, 1.0f, MaskKind::None, PosEnc::None, ScoreFn::Dot, 0, true},
      {"RoPE", 5, 5, 8, 2, Normalizer::Softmax, 1.5f, 1.0f, MaskKind::None, PosEnc::Rope, ScoreFn::Dot, 0, false},
      {"sinusoidal, cross", 3, 5, 6, 2, Normalizer::Softmax, 1.5f, 1.0f, MaskKind::None, PosEnc::Sinusoidal, ScoreFn::Dot, 0, false},
      {"additive scores", 4, 4, 6, 2, Normalizer::Softmax, 1.5f, 1.0f, MaskKind::None, PosEnc::None, ScoreFn::Additive, 0, false},
      {"dropout 0.3 (the forward's kept cells)", 5, 5, 6, 2, Normalizer::Softmax, 1.5f, 1.0f, MaskKind::None, PosEnc::None, ScoreFn::Dot, 0.3f, false},
  };
  for (const Case& k : cases) run_case(k);
}

TEST_CASE("backward: the variants of 2024-2026 models against finite differences") {
  const auto soft = Normalizer::Softmax;
  const Case base{"", 5, 5, 18, 6, soft, 1.5f, 1.0f, MaskKind::None, PosEnc::None, ScoreFn::Dot, 0, false};
  Case gqa = with(base, 2, false, 0, false, 0);
  gqa.name = "grouped-query: 6 query heads on 2 KV heads";
  Case mqa = with(base, 1, false, 0, false, 0);
  mqa.name = "multi-query: 6 query heads on 1 KV head, RoPE";
  mqa.pos = PosEnc::Rope;
  Case alibi_c = with(base, 0, true, 0, false, 0);
  alibi_c.name = "ALiBi causal, 3 heads (not a power of two)";
  alibi_c.heads = 3;
  alibi_c.d = 9;
  alibi_c.mask = MaskKind::Causal;
  Case alibi_b = alibi_c;
  alibi_b.name = "ALiBi bidirectional, bottom-right offset ignored";
  alibi_b.mask = MaskKind::None;
  Case cap = with(base, 0, false, 1.5f, false, 0);
  cap.name = "soft-capping c = 1.5, scale none (large scores)";
  cap.heads = 2;
  cap.d = 6;
  cap.scale_none = true;
  Case sink = with(base, 0, false, 0, true, 0);
  sink.name = "attention sinks, one logit a head";
  sink.heads = 3;
  sink.d = 9;
  sink.mask = MaskKind::Causal;
  Case br = with(base, 0, true, 0, false, 0);
  br.name = "causal bottom-right, n_q = 3 < n_k = 6, with ALiBi";
  br.nq = 3;
  br.nk = 6;
  br.heads = 2;
  br.d = 6;
  br.mask = MaskKind::CausalBottomRight;
  Case stream = with(base, 0, false, 0, false, 2);
  stream.name = "window 1 + the first 2 keys (StreamingLLM)";
  stream.nq = stream.nk = 7;
  stream.heads = 2;
  stream.d = 6;
  stream.mask = MaskKind::Window;
  for (const Case& k : {gqa, mqa, alibi_c, alibi_b, cap, sink, br, stream}) run_case(k);
}

TEST_CASE("backward: Q, K, V given directly; dQ, dK, dV against finite differences") {
  Config c;
  c.input = Input::QKV;
  c.Q_in = ref::random_mat(3, 5, 1);
  c.K_in = ref::random_mat(7, 5, 2);
  c.V_in = ref::random_mat(7, 2, 3);
  c.mask = MaskKind::Causal;  // top-left: query 1 sees key 1 only
  Trace t = forward(c);
  REQUIRE(t.ok);
  const Mat dY = ref::random_mat(3, 2, 4);
  Grads g = backward(t, dY);
  REQUIRE_MESSAGE(g.ok, g.error);
  ref::M q = ref::from(c.Q_in), k = ref::from(c.K_in), v = ref::from(c.V_in);
  auto L = [&] {
    double total = 0;
    for (int i = 0; i < 3; i++) {
      std::vector<double> z(7);
      for (int j = 0; j < 7; j++) {
        double s = 0;
        for (int u = 0; u < 5; u++) s += q[size_t(i)][size_t(u)] * k[size_t(j)][size_t(u)];
        z[size_t(j)] = t.allowed[size_t(i) * 7 + j] ? s / std::sqrt(5.0) : kNegInf;
      }
      const std::vector<double> p = ref_normalize(z, Normalizer::Softmax, 1.5);
      for (int u = 0; u < 2; u++) {
        double o = 0;
        for (int j = 0; j < 7; j++) o += p[size_t(j)] * v[size_t(j)][size_t(u)];
        total += o * double(dY(i, u));
      }
    }
    return total;
  };
  check_fd("dQ", &q, g.dQ, L);
  check_fd("dK", &k, g.dK, L);
  check_fd("dV", &v, g.dV, L);
  // keys no query may see get no gradient at all
  for (int u = 0; u < 5; u++) CHECK(g.dK(6, u) == 0.0);
}

TEST_CASE("backward: refusals name the problem") {
  Config c;
  Trace t = forward(c);
  REQUIRE(t.ok);
  CHECK(backward(t, Mat::Zero(3, 3)).error.find("dY is 3x3 but the output is 10x8") != std::string::npos);
  Mat bad = Mat::Zero(10, 8);
  bad(2, 2) = std::numeric_limits<float>::quiet_NaN();
  CHECK(backward(t, bad).error.find("NaN") != std::string::npos);
  c.normalizer = Normalizer::Hardmax;
  CHECK(backward(forward(c), Mat::Zero(10, 8)).error.find("hardmax") != std::string::npos);
  c = Config{};
  c.temperature = -1;
  CHECK_FALSE(backward(forward(c), Mat::Zero(10, 8)).ok);
}

TEST_CASE("explain_grad: the arithmetic behind a gradient cell, and its value") {
  Config c;
  c.temperature = 0.5f;
  Trace t = forward(c);
  REQUIRE(t.ok);
  Mat dY = Mat::Zero(t.n_q, t.d_model);
  dY.row(7).setOnes();  // L = the output row of "it"
  Grads g = backward(t, dY);
  REQUIRE(g.ok);
  Explanation e = explain_grad(t, g, GradId::dM, 1, 7, 1);
  REQUIRE(e.ok);
  CHECK(e.value == doctest::Approx(g.heads[1].dM(7, 1)));
  CHECK(e.text.rfind("∂L/∂m₈₂ = α₈₂ (∂L/∂α₈₂ − Σₖ α₈ₖ ∂L/∂α₈ₖ) / T = ", 0) == 0);
  // the softmax formula with the trace's numbers gives the value
  double sum = 0;
  for (int k = 0; k < t.n_k; k++) sum += double(t.heads[1].weights(7, k)) * g.heads[1].dP(7, k);
  CHECK(double(t.heads[1].weights(7, 1)) * (g.heads[1].dP(7, 1) - sum) / 0.5 == doctest::Approx(g.heads[1].dM(7, 1)));
  Explanation a = explain_grad(t, g, GradId::dA, 0, 7, 3);
  REQUIRE(a.ok);
  CHECK(a.text.find("∂L/∂α₈₄ = ∂L/∂o₈ · v₄") == 0);
  double dot = 0;
  for (int u = 0; u < t.d_head; u++) dot += g.heads[0].dO(7, u) * double(t.heads[0].v(3, u));
  CHECK(a.value == doctest::Approx(dot));
  // rows other than the query's get no gradient at the weights
  CHECK(explain_grad(t, g, GradId::dA, 0, 2, 3).value == 0.0f);
  CHECK_FALSE(explain_grad(t, g, GradId::dA, 0, 99, 3).ok);
}
