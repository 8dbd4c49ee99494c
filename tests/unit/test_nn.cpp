// test_nn.cpp: the one transformer's layers (nn/), in the two configurations real checkpoints use:
// a GPT-2 block (LayerNorm, learned positions, Conv1D (in, out) matrices with biases, q, k, v as
// column slices of one c_attn matrix, GELU) and a Llama/Qwen2 block (RMSNorm, Hugging Face's
// half-split RoPE, grouped-query heads with a head width that is not d / H, q/k/v biases,
// nn.Linear (out, in) matrices, SwiGLU, a sliding window). Every weight's gradient against central
// finite differences in double; decoding token by token with the KV cache against the whole pass.
#include <doctest.h>
#include <cmath>
#include <cstring>
#include <functional>
#include <vector>
#include "core/rng.h"
#include "nn/transformer.h"

using namespace attn;
using namespace attn::nn;

namespace {

// Where each tensor of a spec sits in one flat array (so that parameters and gradients share it)
struct Plan {
  size_t total = 0;
  size_t take(size_t n) { const size_t at = total; total += n; return at; }
};

struct Arch {
  Spec s;
  bool gpt2 = false;  // Conv1D storage and one c_attn per block; else nn.Linear storage
  bool qkv_bias = false, o_bias = false, mlp_bias = false, norm_bias = false;
  int n_pos = 0;
};

// The weight views of arch a on base (every offset taken in one fixed order, whatever base is)
template <class T>
Weights<T> lay_out(const Arch& a, T* base, size_t* total) {
  Plan p;
  const Spec& s = a.s;
  const int d = s.d_model, dq = s.attn.q_width(), dkv = s.attn.kv_width(), ff = s.ff.d_ff;
  auto at = [&](size_t n) { return base ? base + p.take(n) : (p.take(n), nullptr); };
  const Store st = a.gpt2 ? Store::InOut : Store::OutIn;
  auto linear = [&](int in, int out, bool bias) {
    Linear<T> L;
    L.in = in;
    L.out = out;
    L.store = st;
    L.ld = st == Store::InOut ? out : in;
    L.w = at(size_t(in) * out);
    L.b = bias ? at(size_t(out)) : nullptr;
    return L;
  };
  auto norm = [&]() {
    NormWeights<T> n;
    n.w = at(size_t(d));
    n.b = a.norm_bias ? at(size_t(d)) : nullptr;
    return n;
  };
  Weights<T> W;
  W.embed.tok = at(size_t(s.vocab) * d);
  W.embed.pos = s.pos == PosEnc::Learned ? at(size_t(a.n_pos) * d) : nullptr;
  for (int l = 0; l < s.layers; l++) {
    Block<T> b;
    b.ln1 = norm();
    if (a.gpt2) {  // c_attn (d, 3d): q | k | v side by side, one bias (3d)
      T* w = at(size_t(d) * (dq + 2 * dkv));
      T* bias = at(size_t(dq + 2 * dkv));
      Linear<T>* parts[3] = {&b.attn.q, &b.attn.k, &b.attn.v};
      int col = 0;
      for (int i = 0; i < 3; i++) {
        Linear<T>& L = *parts[i];
        L.in = d;
        L.out = i == 0 ? dq : dkv;
        L.ld = dq + 2 * dkv;
        L.store = Store::InOut;
        L.w = w ? w + col : nullptr;
        L.b = bias ? bias + col : nullptr;
        col += L.out;
      }
    } else {
      b.attn.q = linear(d, dq, a.qkv_bias);
      b.attn.k = linear(d, dkv, a.qkv_bias);
      b.attn.v = linear(d, dkv, a.qkv_bias);
    }
    b.attn.o = linear(dq, d, a.o_bias);
    b.ln2 = norm();
    b.mlp.up = linear(d, ff, a.mlp_bias);
    if (s.ff.act == Activation::SwiGlu) b.mlp.gate = linear(d, ff, a.mlp_bias);
    b.mlp.down = linear(ff, d, a.mlp_bias);
    W.blocks.push_back(b);
  }
  W.ln_f = norm();
  if (total) *total = p.total;
  return W;
}

Arch gpt2_like() {
  Arch a;
  a.gpt2 = true;
  a.qkv_bias = a.o_bias = a.mlp_bias = a.norm_bias = true;
  a.n_pos = 8;
  Spec& s = a.s;
  s.vocab = 7;
  s.d_model = 8;
  s.layers = 2;
  s.pos = PosEnc::Learned;
  s.norm = {NormKind::Layer, 1e-5};
  s.attn.heads = s.attn.kv_heads = 2;
  s.attn.d_head = 4;
  s.attn.scale = 0.5f;
  s.ff = {Activation::Gelu, 16};
  return a;
}

Arch llama_like(bool window) {
  Arch a;
  a.qkv_bias = true;  // Qwen2's
  Spec& s = a.s;
  s.vocab = 9;
  s.d_model = 10;
  s.layers = 2;
  s.pos = PosEnc::Rope;
  s.norm = {NormKind::Rms, 1e-6};
  s.attn.heads = 4;
  s.attn.kv_heads = 2;
  s.attn.d_head = 6;  // H dh = 24, not d
  s.attn.pos = PosEnc::Rope;
  s.attn.rope = RopeLayout::HalfSplit;
  s.attn.rope_theta = 500000.0;
  s.attn.scale = float(1 / std::sqrt(6.0));
  s.attn.window = window ? 3 : 0;
  s.ff = {Activation::SwiGlu, 14};
  return a;
}

std::vector<double> random_values(size_t n, uint64_t seed, double scale) {
  Rng rng(seed);
  std::vector<double> v(n);
  for (double& x : v) x = scale * double(rng.normal());
  return v;
}

// Σ f ⊙ R over the final norm's output: a scalar whose gradient at f is R
double probe_loss(const Arch& a, const std::vector<double>& P, const std::vector<int>& x, int B, int T,
                  const std::vector<double>& R) {
  const Weights<const double> W = lay_out<const double>(a, P.data(), nullptr);
  Cache<double> c;
  forward_blocks(a.s, W, B, T, 0, x.data(), Run(), &c);
  double L = 0;
  for (size_t i = 0; i < R.size(); i++) L += c.f[i] * R[i];
  return L;
}

void check_gradients(const Arch& a) {
  size_t total = 0;
  lay_out<double>(a, nullptr, &total);
  std::vector<double> P = random_values(total, 11, 0.4);
  const int B = 2, T = 5, d = a.s.d_model;
  std::vector<int> x(size_t(B) * T);
  for (size_t i = 0; i < x.size(); i++) x[i] = int((i * 5 + 3) % size_t(a.s.vocab));
  const std::vector<double> R = random_values(size_t(B) * T * d, 12, 1.0);

  const Weights<const double> W = lay_out<const double>(a, P.data(), nullptr);
  Cache<double> c;
  forward_blocks(a.s, W, B, T, 0, x.data(), Run(), &c);
  std::vector<double> G(total, 0.0);
  backward_blocks(a.s, W, x.data(), c, R.data(), lay_out<double>(a, G.data(), nullptr));
  const double h = 1e-5;
  double worst = 0;
  size_t nonzero = 0;
  for (size_t i = 0; i < total; i++) {
    const double keep = P[i];
    P[i] = keep + h;
    const double up = probe_loss(a, P, x, B, T, R);
    P[i] = keep - h;
    const double down = probe_loss(a, P, x, B, T, R);
    P[i] = keep;
    const double fd = (up - down) / (2 * h);
    worst = std::max(worst, std::fabs(fd - G[i]) / (1e-6 + std::fabs(fd)));
    nonzero += std::fabs(G[i]) > 1e-9;
    REQUIRE_MESSAGE(G[i] == doctest::Approx(fd).epsilon(1e-5).scale(1.0), "parameter " << i << " of " << total);
  }
  MESSAGE("worst relative gradient error " << worst << ", " << nonzero << " of " << total << " nonzero");
  // every parameter reaches the output (a learned position table row past T does not)
  CHECK(nonzero + (a.s.pos == PosEnc::Learned ? size_t(a.n_pos - T) * d : 0) >= total * 95 / 100);
}

// the whole pass of T tokens against T one-token passes that continue from the KV cache
template <class S>
void check_decode(const Arch& a, double eps) {
  size_t total = 0;
  lay_out<S>(a, nullptr, &total);
  const std::vector<double> Pd = random_values(total, 21, 0.4);
  const std::vector<S> P(Pd.begin(), Pd.end());
  const int T = 7, d = a.s.d_model;
  std::vector<int> x(static_cast<size_t>(T));
  for (int t = 0; t < T; t++) x[size_t(t)] = (t * 4 + 1) % a.s.vocab;
  const Weights<const S> W = lay_out<const S>(a, P.data(), nullptr);
  Cache<S> whole, step;
  forward_blocks(a.s, W, 1, T, 0, x.data(), Run(), &whole);
  for (int t = 0; t < T; t++) {
    forward_blocks(a.s, W, 1, 1, t, &x[size_t(t)], Run(), &step);
    for (int i = 0; i < d; i++)
      REQUIRE(double(step.f[size_t(i)]) == doctest::Approx(double(whole.f[size_t(t) * d + i])).epsilon(eps));
    for (int h = 0; h < a.s.attn.heads; h++)  // the new row of weights is the whole pass's row t
      for (int j = 0; j <= t; j++)
        REQUIRE(double(step.layers[1].p[size_t(h) * (t + 1) + j]) ==
                doctest::Approx(double(whole.layers[1].p[(size_t(h) * T + t) * T + j])).epsilon(eps));
  }
  CHECK(step.layers[0].k.size() == size_t(T) * a.s.attn.kv_width());
}

}  // namespace

TEST_CASE("nn: a GPT-2 block (LayerNorm, learned positions, c_attn slices, biases, GELU): gradients = finite differences") {
  check_gradients(gpt2_like());
}

TEST_CASE("nn: the exact (erf) GELU and tiled KV heads, the porting mistakes check-model replays: gradients") {
  Arch a = gpt2_like();
  a.s.ff.act = Activation::GeluErf;
  check_gradients(a);
  Arch b = llama_like(false);
  b.s.attn.kv_map = AttentionSpec::KvMap::Tile;
  check_gradients(b);
}

TEST_CASE("nn: a Llama/Qwen2 block (RMSNorm, half-split RoPE, GQA, dh != d/H, q/k/v biases, SwiGLU): gradients") {
  check_gradients(llama_like(false));
  check_gradients(llama_like(true));  // and Mistral's sliding window
}

TEST_CASE("nn: decoding one token at a time from the KV cache gives the whole pass's outputs and weights") {
  check_decode<double>(gpt2_like(), 1e-12);
  check_decode<double>(llama_like(false), 1e-12);
  check_decode<double>(llama_like(true), 1e-12);
  check_decode<float>(llama_like(true), 1e-4);
}

TEST_CASE("nn: the sliding window hides keys older than the window, and the half-split RoPE differs from interleaved") {
  Arch a = llama_like(true);
  size_t total = 0;
  lay_out<double>(a, nullptr, &total);
  const std::vector<double> P = random_values(total, 31, 0.4);
  const int T = 6;
  std::vector<int> x = {1, 2, 3, 4, 5, 6};
  Cache<double> c;
  forward_blocks(a.s, lay_out<const double>(a, P.data(), nullptr), 1, T, 0, x.data(), Run(), &c);
  for (int h = 0; h < a.s.attn.heads; h++)
    for (int i = 0; i < T; i++) {
      double sum = 0;
      for (int j = 0; j < T; j++) {
        const double p = c.layers[0].p[(size_t(h) * T + i) * T + j];
        sum += p;
        if (j > i || j <= i - 3) CHECK(p == 0.0);  // causal, and a window of 3 keys
        else CHECK(p > 0.0);
      }
      CHECK(sum == doctest::Approx(1.0).epsilon(1e-12));
    }
  // the same weights read with interleaved pairs give other outputs (the porting bug MODELS.md names)
  const std::vector<double> f_half = c.f;
  a.s.attn.rope = RopeLayout::Interleaved;
  forward_blocks(a.s, lay_out<const double>(a, P.data(), nullptr), 1, T, 0, x.data(), Run(), &c);
  double diff = 0;
  for (size_t i = 0; i < f_half.size(); i++) diff = std::max(diff, std::fabs(f_half[i] - c.f[i]));
  CHECK(diff > 1e-3);
}

TEST_CASE("nn: a matrix kept in F16 or BF16 multiplies as its widened float32 copy, in both stored layouts") {
  Rng rng(41);
  const int N = 5, in = 70, out = 131;  // past one 64-row block, and odd sizes
  for (Half half : {Half::BF16, Half::F16})
    for (Store store : {Store::OutIn, Store::InOut}) {
      const int ld = store == Store::OutIn ? in + 3 : out + 2;  // a row stride wider than the matrix
      const int rows = store == Store::OutIn ? out : in;
      std::vector<uint16_t> w16(size_t(rows) * ld);
      for (uint16_t& v : w16) {  // finite values of either format around 1
        const float f = rng.normal();
        uint32_t bits;
        std::memcpy(&bits, &f, 4);
        v = half == Half::BF16 ? uint16_t(bits >> 16) : uint16_t(0x3800 | (bits & 0x3ff) | ((bits >> 16) & 0x8000));
      }
      std::vector<float> wide(w16.size());
      widen_halves(half, w16.data(), w16.size(), wide.data());
      std::vector<float> x(static_cast<size_t>(N * in)), b(static_cast<size_t>(out)), y16(static_cast<size_t>(N * out)),
          y32(static_cast<size_t>(N * out)), tmp;
      for (float& v : x) v = rng.normal();
      for (float& v : b) v = rng.normal();
      Linear<const float> L;
      L.in = in;
      L.out = out;
      L.ld = ld;
      L.store = store;
      L.b = b.data();
      L.w = wide.data();
      linear_forward(N, x.data(), L, y32.data(), false, &tmp);
      L.w = nullptr;
      L.w16 = w16.data();
      L.half = half;
      linear_forward(N, x.data(), L, y16.data(), false, &tmp);
      for (size_t i = 0; i < y32.size(); i++) REQUIRE(y16[i] == doctest::Approx(y32[i]).epsilon(1e-6));
    }
}
