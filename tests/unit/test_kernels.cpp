// test_kernels.cpp: every SIMD kernel against its scalar reference (kref) at odd sizes, so the
// leftover lanes, edge tiles and partial blocks are all exercised. Runs natively and in wasm.
#include <doctest.h>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>
#include "kernels/kernels.h"
#include "kernels/simd.h"
#include "core/rng.h"

namespace {

std::vector<float> random(size_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  attn::Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = rng.uniform(lo, hi);
  return v;
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = 0;
  for (size_t i = 0; i < a.size(); i++) {
    if (std::isinf(a[i]) || std::isinf(b[i])) {
      if (a[i] != b[i]) return std::numeric_limits<float>::infinity();
      continue;
    }
    m = std::max(m, std::fabs(a[i] - b[i]));
  }
  return m;
}

// Normalized mean squared error, sum (got - want)^2 / sum want^2, as ggml's test-backend-ops uses:
// one number per product that does not depend on the scale of its values.
double nmse(const std::vector<float>& got, const std::vector<float>& want) {
  double num = 0, den = 0;
  for (size_t i = 0; i < got.size(); i++) {
    num += (double(got[i]) - want[i]) * (double(got[i]) - want[i]);
    den += double(want[i]) * want[i];
  }
  return den > 0 ? num / den : num;
}
// The tolerance for a float product of inner dimension k against the double reference. Each output
// is a sum of k rounded products: its relative error is at most about k * eps in the worst case
// (Higham, Accuracy and Stability, 3.1) and typically sqrt(k) * eps, so the squared normalized error
// is bounded by (k eps)^2. The factor 4 covers the blocked kernel's partial sums per lane (they add
// a few roundings per depth block) and the rounding of C itself; the floor (eps)^2 is k = 1.
double gemm_tolerance(int k) {
  const double eps = std::numeric_limits<float>::epsilon();
  return (4.0 * k * eps) * (4.0 * k * eps) + eps * eps;
}

const int kSizes[] = {1, 3, 4, 7, 8, 9, 17, 33, 64, 65, 130};

}  // namespace

TEST_CASE("kernels: the backend names the instruction set it was built for") {
  std::string b = attn::kern::backend();
#if defined(__wasm_relaxed_simd__)
  CHECK(b == "wasm-simd128-fma");
  CHECK(attn::kern::simd_active());
#elif defined(__wasm_simd128__)
  CHECK(b == "wasm-simd128");
  CHECK(attn::kern::simd_active());
#else
  CHECK((b == "avx2-fma" || b == "sse2" || b == "scalar"));
#endif
}

// a = b = 1 + 2^-23, c = -(1 + 2^-22): a * b = 1 + 2^-22 + 2^-46 exactly, so a fused multiply-add
// gives 2^-46 and mul-then-add 0 (the product rounds to 1 + 2^-22). Relaxed SIMD may do either,
// nothing else; AVX2 must fuse; SSE2 and SIMD128 must not (they have no FMA instruction).
TEST_CASE("kernels: madd is a fused multiply-add exactly where the build says so") {
  using namespace attn::simd;
  const float a = 1.0f + std::ldexp(1.0f, -23), c = -(1.0f + std::ldexp(1.0f, -22));
  float out[W];
  store(out, madd(splat(a), splat(a), splat(c)));
  const bool fused = out[0] == std::ldexp(1.0f, -46), unfused = out[0] == 0.0f;
  CHECK((fused || unfused));
  CHECK(attn::kern::fused_madd() == fused);
  for (int i = 1; i < W; i++) CHECK(out[i] == out[0]);
  const std::string b = attn::kern::backend();
  if (b == "avx2-fma") CHECK(fused);
  if (b == "wasm-simd128" || b == "sse2") CHECK(unfused);
  if (fused) MESSAGE(b << ": madd fused");
  else MESSAGE(b << ": madd not fused (mul + add)");
}

TEST_CASE("kernels: gemm, gemm_nt and gemm_tn match the scalar reference at odd sizes") {
  for (int m : {1, 3, 5, 17, 33})
    for (int n : kSizes)
      for (int k : {1, 7, 64, 300}) {  // 300 > KC: two depth blocks, the second accumulating
        const int lda = k + 3, ldb = n + 5, ldc = n + 2;  // padded rows: ld is honoured
        auto A = random(size_t(m) * lda, 1 + m), B = random(size_t(k) * ldb, 2 + n), Bt = random(size_t(n) * (k + 1), 3 + k);
        auto C0 = random(size_t(m) * ldc, 4);
        std::vector<float> c = C0, r = C0;
        attn::kern::gemm(m, n, k, A.data(), lda, B.data(), ldb, c.data(), ldc, true);
        attn::kref::gemm(m, n, k, A.data(), lda, B.data(), ldb, r.data(), ldc, true);
        // float accumulation against a double one: the error grows with k (gemm_tolerance)
        INFO("gemm m=" << m << " n=" << n << " k=" << k);
        CHECK(nmse(c, r) <= gemm_tolerance(k));
        c = C0;
        r = C0;
        attn::kern::gemm_nt(m, n, k, A.data(), lda, Bt.data(), k + 1, c.data(), ldc, 0.37f);
        attn::kref::gemm_nt(m, n, k, A.data(), lda, Bt.data(), k + 1, r.data(), ldc, 0.37f);
        CHECK(nmse(c, r) <= gemm_tolerance(k));
        // A^T B with A given as (k, m), rows m + 3 apart; accumulating and not
        auto At = random(size_t(k) * (m + 3), 5 + k);
        for (bool acc : {false, true}) {
          c = C0;
          r = C0;
          attn::kern::gemm_tn(m, n, k, At.data(), m + 3, B.data(), ldb, c.data(), ldc, acc);
          attn::kref::gemm_tn(m, n, k, At.data(), m + 3, B.data(), ldb, r.data(), ldc, acc);
          CHECK(nmse(c, r) <= gemm_tolerance(k));
          // the very bits of gemm on the transposed matrix (same sums, same order)
          std::vector<float> T(size_t(m) * k), g = C0;
          for (int i = 0; i < m; i++)
            for (int t = 0; t < k; t++) T[size_t(i) * k + t] = At[size_t(t) * (m + 3) + i];
          attn::kern::gemm(m, n, k, T.data(), k, B.data(), ldb, g.data(), ldc, acc);
          CHECK(std::memcmp(g.data(), c.data(), c.size() * sizeof(float)) == 0);
        }
      }
  // n wider than one packed block (NC = 512) and a row padding column untouched
  const int m = 6, n = 1030, k = 20;
  auto A = random(size_t(m) * k, 9), B = random(size_t(k) * n, 10);
  std::vector<float> c(size_t(m) * (n + 1), 5.0f), r = c;
  attn::kern::gemm(m, n, k, A.data(), k, B.data(), n, c.data(), n + 1);
  attn::kref::gemm(m, n, k, A.data(), k, B.data(), n, r.data(), n + 1);
  CHECK(nmse(c, r) <= gemm_tolerance(k));
  for (int i = 0; i < m; i++) CHECK(c[size_t(i) * (n + 1) + n] == 5.0f);
}

// gemv redoes one row of a product (an edit of one input row); the staged path relies on it
// giving the very bits gemm gives for that row, every row of a tile and of an edge tile alike.
TEST_CASE("kernels: gemv gives the bits of each row of gemm, and matches the reference") {
  for (int n : kSizes)
    for (int k : {1, 7, 64, 300, 600}) {  // 300, 600: two and three depth blocks
      const int m = 7;                    // one full tile of rows and an edge tile, in wasm and natively
      const int lda = k + 1, ldb = n + 3;
      auto A = random(size_t(m) * lda, 5 + k), B = random(size_t(k) * ldb, 6 + n);
      A[0] = -0.0f;  // signs of zero must survive too
      std::vector<float> c(size_t(m) * n), y(static_cast<size_t>(n)), r(static_cast<size_t>(n));
      attn::kern::gemm(m, n, k, A.data(), lda, B.data(), ldb, c.data(), n);
      for (int i = 0; i < m; i++) {
        attn::kern::gemv(n, k, A.data() + size_t(i) * lda, B.data(), ldb, y.data());
        attn::kref::gemm(1, n, k, A.data() + size_t(i) * lda, lda, B.data(), ldb, r.data(), n);
        INFO("gemv n=" << n << " k=" << k << " row " << i);
        CHECK(std::memcmp(y.data(), c.data() + size_t(i) * n, size_t(n) * sizeof(float)) == 0);
        CHECK(nmse(y, r) <= gemm_tolerance(k));
      }
    }
}

// gemv_t is one row of gemm_nt (B given as (n, k)) without packing: the decode path's product
TEST_CASE("kernels: gemv_t is the reference's row of A Bᵀ") {
  for (int n : kSizes)
    for (int k : {1, 3, 7, 8, 64, 300, 600}) {
      const int ldb = k + 3;
      auto x = random(static_cast<size_t>(k), 21 + k), B = random(size_t(n) * ldb, 22 + n);
      std::vector<float> y(static_cast<size_t>(n), 7.0f), r(static_cast<size_t>(n));
      attn::kern::gemv_t(n, k, x.data(), B.data(), ldb, y.data());
      attn::kref::gemm_nt(1, n, k, x.data(), k, B.data(), ldb, r.data(), n);
      INFO("gemv_t n=" << n << " k=" << k);
      CHECK(nmse(y, r) <= gemm_tolerance(k));
      // one row's answer by hand: Σ_p x_p B_jp in double
      double want = 0;
      for (int p = 0; p < k; p++) want += double(x[size_t(p)]) * B[size_t(n - 1) * ldb + p];
      CHECK(std::fabs(y[size_t(n - 1)] - want) <= 1e-5 * (1 + std::fabs(want)) * std::sqrt(double(k)));
    }
}

// several threads split the rows of C; every element must keep its single-threaded bits
TEST_CASE("kernels: gemm_threads gives the bits of gemm") {
  for (int m : {1, 15, 16, 33, 101})
    for (int threads : {1, 2, 3}) {
      const int n = 401, k = 300, lda = k + 2, ldc = n + 1;  // large enough for threads to be used
      auto A = random(size_t(m) * lda, 11 + m), B = random(size_t(k) * n, 12);
      std::vector<float> c(size_t(m) * ldc, 3.0f), t = c;
      attn::kern::gemm(m, n, k, A.data(), lda, B.data(), n, c.data(), ldc);
      attn::kern::gemm_threads(threads, m, n, k, A.data(), lda, B.data(), n, t.data(), ldc);
      INFO("m=" << m << " threads=" << threads);
      CHECK(std::memcmp(c.data(), t.data(), c.size() * sizeof(float)) == 0);
    }
}

TEST_CASE("kernels: SIMD exp is within 3 ulp of exp and gives exactly 0 for -inf") {
  std::vector<float> x;
  for (float v = -87.0f; v <= 88.0f; v += 0.0731f) x.push_back(v);
  x.push_back(0.0f);
  x.push_back(-1e-30f);
  std::vector<float> y(x.size()), r(x.size());
  attn::kern::exp(x.data(), y.data(), int(x.size()));
  attn::kref::exp(x.data(), r.data(), int(x.size()));
  for (size_t i = 0; i < x.size(); i++) {
    INFO("x = " << x[i]);
    CHECK(std::fabs(y[i] - r[i]) <= 3 * std::numeric_limits<float>::epsilon() * r[i] + 1e-37f);
  }
  float m[5] = {-std::numeric_limits<float>::infinity(), -1000.0f, -88.0f, -3.0e38f, 0.0f}, o[5];
  attn::kern::exp(m, o, 5);
  CHECK(o[0] == 0.0f);
  CHECK(o[1] == 0.0f);
  CHECK(o[2] == 0.0f);  // below the smallest normal result: flushed, like a masked key
  CHECK(o[3] == 0.0f);
  CHECK(o[4] == 1.0f);
}

// The fused path's base-2 exponential, straight from simd.h (it has no kern:: wrapper): within
// 2 ulp of exp2 over the whole range it sees (scores minus the running max are <= 0), tiny and
// never NaN for -inf (a masked key).
TEST_CASE("kernels: exp2_nonpos is within 2 ulp of exp2 on [-126, 0], and tiny for -inf") {
  using namespace attn::simd;
  std::vector<float> x;
  for (float v = -126.0f; v <= 0.0f; v += 0.0173f) x.push_back(v);
  x.push_back(0.0f);
  x.push_back(-0.5f);  // the polynomial's interval ends
  x.push_back(-1e-30f);
  x.push_back(-std::numeric_limits<float>::infinity());
  while (x.size() % W) x.push_back(0.0f);
  for (size_t i = 0; i < x.size(); i += W) {
    float out[W];
    store(out, exp2_nonpos(load(x.data() + i)));
    for (int j = 0; j < W; j++) {
      const float v = x[i + size_t(j)];
      INFO("x = " << v);
      if (std::isinf(v)) {
        CHECK(out[j] >= 0.0f);
        CHECK(out[j] < 1.2e-38f);
      } else {
        const double r = std::exp2(double(v));
        CHECK(std::fabs(out[j] - r) <= 2 * std::numeric_limits<float>::epsilon() * r);
      }
    }
  }
}

TEST_CASE("kernels: softmax_row matches the reference, with masked entries and all-masked rows") {
  const float ninf = -std::numeric_limits<float>::infinity();
  for (int n : kSizes) {
    auto x = random(size_t(n), 50 + n, -30.0f, 30.0f);
    for (int j = 0; j < n; j += 3) x[size_t(j)] = ninf;
    if (n == 1) x[0] = 2.0f;
    std::vector<float> w(static_cast<size_t>(n)), r(static_cast<size_t>(n));
    float sw, sr;
    float mw = attn::kern::softmax_row(x.data(), w.data(), n, &sw);
    float mr = attn::kref::softmax_row(x.data(), r.data(), n, &sr);
    INFO("n = " << n);
    CHECK(mw == mr);
    CHECK(max_abs_diff(w, r) < 1e-6f);
    CHECK(sw == doctest::Approx(sr).epsilon(1e-5));
    for (int j = 0; j < n; j += 3)
      if (n > 1) CHECK(w[size_t(j)] == 0.0f);
    // every temperature on the same kernel: softmax(x / T) against the reference and the definition
    for (float T : {0.05f, 0.37f, 3.0f, 20.0f}) {
      INFO("T = " << T);
      const float beta = 1.0f / T;
      float sb, sbr;
      CHECK(attn::kern::softmax_row(x.data(), w.data(), n, &sb, beta) == mr);
      attn::kref::softmax_row(x.data(), r.data(), n, &sbr, beta);
      CHECK(max_abs_diff(w, r) < 2e-6f);
      CHECK(sb == doctest::Approx(sbr).epsilon(1e-5));
      double z = 0;  // the definition, in double
      for (int j = 0; j < n; j++) z += x[size_t(j)] == ninf ? 0.0 : std::exp(double(x[size_t(j)]) / T - double(mr) / T);
      for (int j = 0; j < n; j++)
        CHECK(r[size_t(j)] == doctest::Approx(x[size_t(j)] == ninf ? 0.0 : std::exp(double(x[size_t(j)]) / T - double(mr) / T) / z).epsilon(1e-6));
    }
    // beta = 1 gives the very bits of the call without it
    std::vector<float> w1(w.size());
    attn::kern::softmax_row(x.data(), w1.data(), n, nullptr, 1.0f);
    attn::kern::softmax_row(x.data(), w.data(), n, nullptr);
    CHECK(std::memcmp(w1.data(), w.data(), w.size() * sizeof(float)) == 0);
  }
  std::vector<float> x(9, ninf), w(9, 7.0f);
  float s = 1;
  CHECK(attn::kern::softmax_row(x.data(), w.data(), 9, &s) == ninf);
  CHECK(s == 0.0f);
  for (float v : w) CHECK(v == 0.0f);
}

// The shapes both fused kernels are checked at: odd sizes under every mask, key counts past one chunk,
// cross-attention with KV-cache offsets (some rows see no key), and large logits.
struct AttnCase { int n_q, n_k, dk, dv; attn::MaskRule mask; float scale; };
std::vector<AttnCase> attention_cases() {
  using attn::MaskRule;
  using Case = AttnCase;
  std::vector<Case> cases;
  for (int n : {1, 3, 17, 33, 130, 300})
    for (int dk : {1, 7, 64})
      for (MaskRule::Kind kind : {MaskRule::None, MaskRule::Causal, MaskRule::Window}) {
        MaskRule mr;
        mr.kind = kind;
        mr.window = 5;
        cases.push_back({n, n, dk, dk == 7 ? 17 : dk, mr, 1.0f / std::sqrt(float(dk))});
      }
  // 700 keys: two key chunks (512 + 188) of two and one blocks, so the running max, sum and output
  // carry across chunks, under every mask (offset 599: the last query row sees the last key)
  for (MaskRule::Kind kind : {MaskRule::None, MaskRule::Causal, MaskRule::Window}) {
    MaskRule mr;
    mr.kind = kind;
    mr.window = 300;
    mr.offset = 700 - 101;
    cases.push_back({101, 700, 64, 64, mr, 0.125f});
  }
  MaskRule cross;  // cross-attention shapes and a KV-cache offset
  cases.push_back({5, 300, 64, 64, cross, 0.125f});
  cross.kind = MaskRule::Causal;
  cross.offset = 250;
  cases.push_back({50, 300, 64, 33, cross, 0.125f});
  cross.offset = -10;  // the first 10 queries see no key at all
  cases.push_back({40, 300, 16, 16, cross, -0.5f});
  MaskRule none;
  cases.push_back({64, 64, 64, 64, none, 40.0f});  // large logits: the online max must rescale
  return cases;
}

TEST_CASE("kernels: fused attention matches the three-pass reference, every mask, odd sizes") {
  attn::Workspace ws;
  for (const AttnCase& c : attention_cases()) {
    const int ldq = c.dk + 1, ldk = c.dk + 2, ldv = c.dv + 3, ldo = c.dv + 1;
    auto Q = random(size_t(c.n_q) * ldq, 7 + c.n_q), K = random(size_t(c.n_k) * ldk, 8 + c.dk);
    auto V = random(size_t(c.n_k) * ldv, 9 + c.dv);
    std::vector<float> o(size_t(c.n_q) * ldo, 0.0f), ro = o, lse(size_t(c.n_q)), rl = lse;
    attn::kern::attention(c.n_q, c.n_k, c.dk, c.dv, Q.data(), ldq, K.data(), ldk, V.data(), ldv, c.scale, c.mask,
                          o.data(), ldo, lse.data(), &ws);
    attn::kref::attention(c.n_q, c.n_k, c.dk, c.dv, Q.data(), ldq, K.data(), ldk, V.data(), ldv, c.scale, c.mask,
                          ro.data(), ldo, rl.data());
    INFO("n_q=" << c.n_q << " n_k=" << c.n_k << " dk=" << c.dk << " dv=" << c.dv << " mask=" << int(c.mask.kind)
                << " offset=" << c.mask.offset << " scale=" << c.scale);
    // on several threads: the very same bits (rows are dealt out in whole blocks)
    for (int threads : {2, 3, 5}) {
      std::vector<float> to(o.size(), 0.0f), tl(lse.size());
      attn::ThreadWorkspaces tws;
      attn::kern::attention_threads(threads, 0, c.n_q, c.n_k, c.dk, c.dv, Q.data(), ldq, K.data(), ldk, V.data(), ldv,
                                    c.scale, c.mask, to.data(), ldo, tl.data(), false, &tws);
      INFO("threads=" << threads);
      CHECK(std::memcmp(to.data(), o.data(), o.size() * sizeof(float)) == 0);
      CHECK(std::memcmp(tl.data(), lse.data(), lse.size() * sizeof(float)) == 0);
    }
    // outputs are convex blends of V entries in [-1, 1]: float rounding of the running sums, plus
    // the float error of each logit (|scale| * dk * 2 eps) moving the weights by as much
    CHECK(max_abs_diff(o, ro) < 2e-5f + std::fabs(c.scale) * c.dk * 1.2e-7f);
    CHECK(max_abs_diff(lse, rl) < 1e-4f * (1.0f + std::fabs(c.scale) * c.dk));
    // the stored log-sum-exp recovers any weight without an n x n buffer
    const int rows = std::min(c.n_q, 9), cols = std::min(c.n_k, 11);
    std::vector<float> tile(size_t(rows) * cols);
    const int istep = c.n_q / rows, jstep = c.n_k / cols;
    attn::kern::weights_tile(0, rows, 0, cols, istep, jstep, c.dk, Q.data(), ldq, K.data(), ldk, lse.data(), c.scale,
                             c.mask, tile.data());
    for (int r = 0; r < rows; r++) {
      const int i = r * istep;
      std::vector<float> srow(size_t(c.n_k)), w(size_t(c.n_k));
      for (int j = 0; j < c.n_k; j++) {
        double s = 0;
        for (int t = 0; t < c.dk; t++) s += double(Q[size_t(i) * ldq + t]) * K[size_t(j) * ldk + t];
        srow[size_t(j)] = c.mask.allowed(i, j) ? float(s * c.scale) : -std::numeric_limits<float>::infinity();
      }
      attn::kref::softmax_row(srow.data(), w.data(), c.n_k, nullptr);
      for (int cc = 0; cc < cols; cc++) CHECK(tile[size_t(r) * cols + cc] == doctest::Approx(w[size_t(cc * jstep)]).epsilon(1e-4).scale(1e-6));
    }
  }
}

// The fused backward against the textbook one in double (P from scratch, n x n), at the forward's
// shapes; the reference itself against central finite differences of the loss sum(dO o O) in double.
TEST_CASE("kernels: fused attention backward matches the n x n reference, every mask, odd sizes") {
  attn::Workspace ws;
  for (const AttnCase& c : attention_cases()) {
    if (c.scale == 40.0f) continue;  // saturated softmax: gradients ~0 in float, checked below at scale 4
    const int ldq = c.dk + 1, ldk = c.dk + 2, ldv = c.dv + 3, ldo = c.dv + 1, ldg = c.dk + 2;
    auto Q = random(size_t(c.n_q) * ldq, 17 + c.n_q), K = random(size_t(c.n_k) * ldk, 18 + c.dk);
    auto V = random(size_t(c.n_k) * ldv, 19 + c.dv), dO = random(size_t(c.n_q) * ldo, 20 + c.n_k);
    std::vector<float> o(size_t(c.n_q) * ldo, 0.0f), lse(size_t(c.n_q));
    attn::kern::attention(c.n_q, c.n_k, c.dk, c.dv, Q.data(), ldq, K.data(), ldk, V.data(), ldv, c.scale, c.mask,
                          o.data(), ldo, lse.data(), &ws);
    // outputs start as NaN: every entry the kernel owns must be written (padding columns stay NaN)
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> dq(size_t(c.n_q) * ldg, nan), dk(size_t(c.n_k) * ldg, nan), dv(size_t(c.n_k) * ldo, nan);
    std::vector<float> rq = dq, rk = dk, rv = dv;
    attn::kern::attention_backward(c.n_q, c.n_k, c.dk, c.dv, Q.data(), ldq, K.data(), ldk, V.data(), ldv, o.data(), ldo,
                                   dO.data(), ldo, lse.data(), c.scale, c.mask, dq.data(), ldg, dk.data(), ldg, dv.data(),
                                   ldo, &ws);
    attn::kref::attention_backward(c.n_q, c.n_k, c.dk, c.dv, Q.data(), ldq, K.data(), ldk, V.data(), ldv, dO.data(), ldo,
                                   c.scale, c.mask, rq.data(), ldg, rk.data(), ldg, rv.data(), ldo);
    INFO("n_q=" << c.n_q << " n_k=" << c.n_k << " dk=" << c.dk << " dv=" << c.dv << " mask=" << int(c.mask.kind)
                << " offset=" << c.mask.offset << " scale=" << c.scale);
    auto valid = [](const std::vector<float>& m, int rows, int cols, int ld) {
      std::vector<float> out;
      for (int r = 0; r < rows; r++) out.insert(out.end(), m.begin() + size_t(r) * ld, m.begin() + size_t(r) * ld + cols);
      return out;
    };
    const auto gq = valid(dq, c.n_q, c.dk, ldg), gk = valid(dk, c.n_k, c.dk, ldg), gv = valid(dv, c.n_k, c.dv, ldo);
    const auto wq = valid(rq, c.n_q, c.dk, ldg), wk = valid(rk, c.n_k, c.dk, ldg), wv = valid(rv, c.n_k, c.dv, ldo);
    for (const auto* g : {&gq, &gk, &gv})
      for (float x : *g) REQUIRE(std::isfinite(x));
    // sums over n_k (dQ), n_q (dK, dV) float products: the product tolerance of the longest sum
    const int kmax = std::max(c.n_q, c.n_k) + std::max(c.dk, c.dv);
    CHECK(nmse(gq, wq) < 4 * gemm_tolerance(kmax));
    CHECK(nmse(gk, wk) < 4 * gemm_tolerance(kmax));
    CHECK(nmse(gv, wv) < 4 * gemm_tolerance(kmax));
  }
}

TEST_CASE("kernels: the backward reference equals finite differences of sum(dO o O) in double") {
  attn::MaskRule causal;
  causal.kind = attn::MaskRule::Causal;
  for (float scale : {0.35f, 4.0f}) {
    const int n_q = 6, n_k = 7, dk = 3, dv = 2;
    causal.offset = 1;
    auto Q = random(size_t(n_q) * dk, 31), K = random(size_t(n_k) * dk, 32), V = random(size_t(n_k) * dv, 33);
    auto dO = random(size_t(n_q) * dv, 34);
    std::vector<float> gq(size_t(n_q) * dk), gk(size_t(n_k) * dk), gv(size_t(n_k) * dv);
    attn::kref::attention_backward(n_q, n_k, dk, dv, Q.data(), dk, K.data(), dk, V.data(), dv, dO.data(), dv, scale, causal,
                                   gq.data(), dk, gk.data(), dk, gv.data(), dv);
    // the loss in double, from the definition (its own softmax, not kref's)
    auto loss = [&](const std::vector<double>& q, const std::vector<double>& k, const std::vector<double>& v) {
      double L = 0;
      for (int i = 0; i < n_q; i++) {
        std::vector<double> s(size_t(n_k), -1e300);
        double m = -1e300, z = 0;
        for (int j = 0; j < n_k; j++)
          if (causal.allowed(i, j)) {
            double a = 0;
            for (int t = 0; t < dk; t++) a += q[size_t(i * dk + t)] * k[size_t(j * dk + t)];
            s[size_t(j)] = a * scale;
            m = std::max(m, s[size_t(j)]);
          }
        for (int j = 0; j < n_k; j++) z += causal.allowed(i, j) ? std::exp(s[size_t(j)] - m) : 0.0;
        for (int j = 0; j < n_k; j++)
          if (causal.allowed(i, j))
            for (int cc = 0; cc < dv; cc++) L += std::exp(s[size_t(j)] - m) / z * v[size_t(j * dv + cc)] * dO[size_t(i * dv + cc)];
      }
      return L;
    };
    std::vector<double> q(Q.begin(), Q.end()), k(K.begin(), K.end()), v(V.begin(), V.end());
    const double h = 1e-6;
    auto fd = [&](std::vector<double>* x, size_t idx) {
      const double x0 = (*x)[idx];
      (*x)[idx] = x0 + h;
      const double up = loss(q, k, v);
      (*x)[idx] = x0 - h;
      const double down = loss(q, k, v);
      (*x)[idx] = x0;
      return (up - down) / (2 * h);
    };
    INFO("scale=" << scale);
    for (size_t i = 0; i < q.size(); i++) CHECK(gq[i] == doctest::Approx(fd(&q, i)).epsilon(1e-5).scale(1e-6));
    for (size_t i = 0; i < k.size(); i++) CHECK(gk[i] == doctest::Approx(fd(&k, i)).epsilon(1e-5).scale(1e-6));
    for (size_t i = 0; i < v.size(); i++) CHECK(gv[i] == doctest::Approx(fd(&v, i)).epsilon(1e-5).scale(1e-6));
    // and the fused kernel at this saturating scale, against it
    std::vector<float> o(size_t(n_q) * dv), lse(static_cast<size_t>(n_q)), fq = gq, fk = gk, fv = gv;
    attn::Workspace ws;
    attn::kern::attention(n_q, n_k, dk, dv, Q.data(), dk, K.data(), dk, V.data(), dv, scale, causal, o.data(), dv, lse.data(), &ws);
    attn::kern::attention_backward(n_q, n_k, dk, dv, Q.data(), dk, K.data(), dk, V.data(), dv, o.data(), dv, dO.data(), dv,
                                   lse.data(), scale, causal, fq.data(), dk, fk.data(), dk, fv.data(), dv, &ws);
    CHECK(max_abs_diff(fq, gq) < 1e-5f);
    CHECK(max_abs_diff(fk, gk) < 1e-5f);
    CHECK(max_abs_diff(fv, gv) < 1e-5f);
  }
}

TEST_CASE("kernels: all_finite and same_bits against their definitions at odd sizes") {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  for (int n : kSizes) {
    auto x = random(size_t(n), 60 + n, -1e38f, 1e38f);
    CHECK(attn::kern::all_finite(x.data(), x.size()));
    for (float bad : {inf, -inf, nan})
      for (int at : {0, n / 2, n - 1}) {
        auto y = x;
        y[size_t(at)] = bad;
        INFO("n = " << n << ", bad value at " << at);
        CHECK_FALSE(attn::kern::all_finite(y.data(), y.size()));
      }
    auto z = x;
    CHECK(attn::kern::same_bits(x.data(), z.data(), x.size()));
    for (int at : {0, n / 2, n - 1}) {
      z = x;
      z[size_t(at)] = std::nextafter(z[size_t(at)], 0.0f);  // one ulp apart
      CHECK_FALSE(attn::kern::same_bits(x.data(), z.data(), x.size()));
    }
  }
  const float pz = 0.0f, nz = -0.0f;  // equal as numbers, different bits: a cache must see them differ
  CHECK_FALSE(attn::kern::same_bits(&pz, &nz, 1));
}

TEST_CASE("kernels: scale, copy and row_moments match their references at odd sizes") {
  const float ninf = -std::numeric_limits<float>::infinity();
  for (int n : kSizes) {
    auto x = random(size_t(n), 80 + n, -20.0f, 20.0f);
    for (int j = 1; j < n; j += 4) x[size_t(j)] = ninf;  // masked logits
    std::vector<float> w(static_cast<size_t>(n));
    attn::kref::softmax_row(x.data(), w.data(), n, nullptr);
    double a, b;
    int ca, cb;
    float ma, mb;
    attn::kern::row_moments(x.data(), w.data(), n, &a, &ca, &ma);
    attn::kref::row_moments(x.data(), w.data(), n, &b, &cb, &mb);
    INFO("n = " << n);
    CHECK(a == doctest::Approx(b).epsilon(1e-5));  // float lanes against a double sum
    CHECK(ca == cb);
    CHECK(ma == mb);
    std::vector<float> y(static_cast<size_t>(n));
    attn::kern::scale(x.data(), -0.37f, y.data(), size_t(n));
    for (int j = 0; j < n; j++) CHECK(y[size_t(j)] == -0.37f * x[size_t(j)]);
    std::vector<float> z(static_cast<size_t>(n) + 1, 7.0f);
    attn::kern::copy(x.data(), z.data(), size_t(n));
    CHECK(std::memcmp(z.data(), x.data(), size_t(n) * sizeof(float)) == 0);
    CHECK(z[size_t(n)] == 7.0f);  // nothing past the end
  }
}

// AdamW's update on SIMD lanes against its scalar reference in double, at odd sizes (leftover lanes),
// and a non-finite result reported (the trainer then restores the last good weights)
TEST_CASE("kernels: adamw matches its reference at odd sizes and reports a non-finite update") {
  const attn::kern::AdamWStep a{1.0f - 0.01f * 0.1f, 0.9f, 0.999f, 0.1f, 0.001f, 0.01f / 0.271f, 0.0447f, 1e-8f, 0.8f};
  for (int n : kSizes) {
    auto p = random(size_t(n), 60 + n), m1 = random(size_t(n), 61 + n), g = random(size_t(n), 63 + n);
    auto m2 = random(size_t(n), 62 + n, 0.0f, 1.0f);
    std::vector<float> P = p, M1 = m1, M2 = m2, RP = p, RM1 = m1, RM2 = m2;
    REQUIRE(attn::kern::adamw(P.data(), M1.data(), M2.data(), g.data(), size_t(n), a));
    REQUIRE(attn::kref::adamw(RP.data(), RM1.data(), RM2.data(), g.data(), size_t(n), a));
    for (int j = 0; j < n; j++) {
      INFO("n = " << n << ", j = " << j);
      // float rounding of each term: a few ulp of the terms' magnitudes (a sum may cancel)
      const double gj = double(g[size_t(j)]) * a.clip;
      const double t1 = std::fabs(double(a.beta1) * m1[size_t(j)]) + std::fabs(double(a.c1) * gj);
      CHECK(std::fabs(M1[size_t(j)] - RM1[size_t(j)]) <= 4e-7 * t1);
      CHECK(std::fabs(M2[size_t(j)] - RM2[size_t(j)]) <= 4e-7 * RM2[size_t(j)]);  // two positive terms
      const double t2 = std::fabs(double(p[size_t(j)]) * a.decay) +
                        std::fabs(double(a.step) * RM1[size_t(j)] / (std::sqrt(double(RM2[size_t(j)])) / a.bc2s + a.eps));
      CHECK(std::fabs(P[size_t(j)] - RP[size_t(j)]) <= 1e-6 * t2);
    }
    // a gradient that overflows the update, first in a vector lane and then in a leftover one
    for (int bad : {0, n - 1}) {
      std::vector<float> q = p, n1 = m1, n2 = m2, gb = g;
      gb[size_t(bad)] = std::numeric_limits<float>::infinity();
      CHECK_FALSE(attn::kern::adamw(q.data(), n1.data(), n2.data(), gb.data(), size_t(n), a));
      q = p, n1 = m1, n2 = m2;
      CHECK_FALSE(attn::kref::adamw(q.data(), n1.data(), n2.data(), gb.data(), size_t(n), a));
    }
  }
}
