// check.cpp: the checker of check.h.
//   pass 1  the float64 reference and the same computation in the stated precision: the tolerance
//   pass 2  the output (and gradients) against the reference: max errors, where, PASS / FAIL
//   pass 3  on a failure: each known bug's output against the one given; the matches, best first
// The reference here is its own: loops in double over (query, key) for every option, with each
// bug a switch, so that a hypothesis differs from the reference by exactly that bug.
#include "engine/check.h"
#include "core/format.h"
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include "engine/backward.h"
#include "engine/engine.h"
#include "engine/stages/stages.h"

namespace attn {

namespace {

const double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Bug {
  std::string id;
  bool no_scale = false, scale_d = false, scale_d_model = false, softmax_axis = false, qk_swapped = false;
  bool weights_transposed = false, gqa_tiled = false, softcap_missing = false, masked_row_nan = false, no_max_sub = false;
  bool mask_inverted = false, causal_no_diag = false;
  int causal = 0;            // 1: top-left instead of the config's mask, 2: bottom-right
  double temperature = 0;    // > 0: this T instead of the config's
};

std::string num(double v) { return sig_text(v, 3); }

// float32 accumulation, as kernels sum (in double for the float64 reference)
struct Acc {
  Precision p;
  double v = 0;
  void add(double x) { v = p == Precision::F64 ? v + x : double(float(v + x)); }
};

// One batch element's output (n_q, H d_v) with the config's options, in precision p, with one bug.
// Returns false when the bug does not apply to these shapes (e.g. K Q⊤ with n_q != n_k).
bool reference(const MatD& Q, const MatD& K, const MatD& V, int H, int Hkv, const Config& c, Precision p, const Bug& bug, MatD* out) {
  const int nq = int(Q.rows()), nk = int(K.rows()), dk = int(Q.cols()) / H, dv = int(V.cols()) / Hkv;
  if ((bug.qk_swapped || bug.weights_transposed || bug.softmax_axis) && nq != nk) return false;
  auto r = [&](double x) { return round_to(x, p); };
  // the mask: the config's, or the bug's
  Config mc = c;
  if (bug.causal == 1) mc.mask = MaskKind::Causal;
  if (bug.causal == 2) mc.mask = MaskKind::CausalBottomRight;
  MaskBits allowed = build_mask(mc, nq, nk, nullptr);
  if (bug.causal_no_diag)
    for (int i = 0; i < nq; i++)
      if (int j = i + query_offset(mc, nq, nk); j >= 0 && j < nk) allowed[size_t(i) * nk + size_t(j)] = 0;
  if (bug.mask_inverted)
    for (uint8_t& a : allowed) a = !a;
  double scale = c.scale == ScaleMode::Auto ? 1 / std::sqrt(double(dk)) : c.scale == ScaleMode::None ? 1.0 : double(c.scale_value);
  if (bug.no_scale) scale = 1;
  if (bug.scale_d) scale = 1.0 / dk;
  if (bug.scale_d_model) scale = 1 / std::sqrt(double(dk * H));
  const double T = bug.temperature > 0 ? bug.temperature : double(c.temperature);
  const std::vector<double> slopes = alibi_slopes(H);
  const bool causal_bias = mc.mask == MaskKind::Causal || mc.mask == MaskKind::CausalBottomRight;
  const int offset = query_offset(mc, nq, nk);
  out->setZero(nq, H * dv);
  for (int h = 0; h < H; h++) {
    const int kv = bug.gqa_tiled ? h % Hkv : h / (H / Hkv);
    // scores (n_q, n_k) in the precision's arithmetic: products of rounded inputs summed in float32
    MatD s(nq, nk);
    for (int i = 0; i < nq; i++)
      for (int j = 0; j < nk; j++) {
        Acc a{p};
        for (int t = 0; t < dk; t++) {
          const double qv = r(bug.qk_swapped ? K(i, kv * dk + t) : Q(i, h * dk + t));
          const double kv_ = r(bug.qk_swapped ? Q(j, h * dk + t) : K(j, kv * dk + t));
          a.add(qv * kv_);
        }
        double x = a.v * scale;
        if (c.alibi) x -= slopes[size_t(h)] * (causal_bias ? double(i + offset - j) : std::fabs(double(i + offset - j)));
        if (c.softcap > 0 && !bug.softcap_missing) x = double(c.softcap) * std::tanh(x / double(c.softcap));
        s(i, j) = r(x);
      }
    // weights (n_q, n_k)
    MatD w = MatD::Zero(nq, nk);
    const bool along_keys = !bug.softmax_axis;
    const int rows = along_keys ? nq : nk, len = along_keys ? nk : nq;
    for (int a = 0; a < rows; a++) {
      auto at = [&](int b) -> std::pair<int, int> { return along_keys ? std::pair{a, b} : std::pair{b, a}; };
      if (c.normalizer == Normalizer::Softmax) {
        double mx = -kInf;
        int seen = 0;
        for (int b = 0; b < len; b++) {
          auto [i, j] = at(b);
          if (allowed[size_t(i) * nk + j]) { mx = std::max(mx, s(i, j) / T); seen++; }
        }
        const bool sink = !c.sinks.empty();
        const double zs = sink ? double(c.sinks[size_t(h)]) / T : -kInf;
        if (sink) mx = std::max(mx, zs);
        if (!seen && !sink) {
          for (int b = 0; b < len; b++) { auto [i, j] = at(b); w(i, j) = bug.masked_row_nan ? kNaN : 0.0; }
          continue;
        }
        const double shift = bug.no_max_sub ? 0.0 : mx;
        Acc sum{p};
        std::vector<double> e(size_t(len), 0.0);
        for (int b = 0; b < len; b++) {
          auto [i, j] = at(b);
          if (allowed[size_t(i) * nk + j]) { e[size_t(b)] = r(std::exp(s(i, j) / T - shift)); sum.add(e[size_t(b)]); }
        }
        if (sink) sum.add(r(std::exp(zs - shift)));
        for (int b = 0; b < len; b++) { auto [i, j] = at(b); w(i, j) = r(e[size_t(b)] / sum.v); }
      } else {  // the other normalizers in double (their emulation would be one more approximation)
        std::vector<float> row(static_cast<size_t>(len), 0.0f);
        for (int b = 0; b < len; b++) {
          auto [i, j] = at(b);
          row[size_t(b)] = allowed[size_t(i) * nk + j] ? float(s(i, j)) : -std::numeric_limits<float>::infinity();
        }
        RowResult rr;
        std::vector<double> pw;
        std::string err;
        if (!normalize_row_exact(row.data(), len, c.normalizer, float(T), c.entmax_alpha, &rr, &pw, &err)) return false;
        for (int b = 0; b < len; b++) { auto [i, j] = at(b); w(i, j) = r(pw[size_t(b)]); }
      }
    }
    // output (n_q, d_v): A V (or A⊤ V)
    for (int i = 0; i < nq; i++)
      for (int col = 0; col < dv; col++) {
        Acc a{p};
        for (int j = 0; j < nk; j++) a.add((bug.weights_transposed ? w(j, i) : w(i, j)) * r(V(j, kv * dv + col)));
        (*out)(i, h * dv + col) = r(a.v);
      }
  }
  return true;
}

// max |a - b| over cells finite in both; NaN / Inf in one but not the other: infinite error
double max_err(const MatD& a, const MatD& b) {
  double m = 0;
  for (Eigen::Index k = 0; k < a.size(); k++) {
    const double x = a.data()[k], y = double(b.data()[k]);
    if (std::isnan(x) != std::isnan(y) || (std::isinf(x) || std::isinf(y) ? x != y : false)) return kInf;
    if (std::isfinite(x) && std::isfinite(y)) m = std::max(m, std::fabs(x - y));
  }
  return m;
}

double default_atol(Precision p) { return p == Precision::F16 || p == Precision::BF16 ? 1e-5 : p == Precision::F32 ? 1e-6 : 1e-10; }

// one tensor (B of (n, H d)) against its reference: errors, where, non-finite cells
TensorVerdict verdict(const std::string& name, const std::vector<MatD>& ref, const std::vector<MatD>& mine, int H, double tol, double rtol) {
  TensorVerdict v;
  v.name = name;
  v.tol = tol;
  v.pass = true;
  for (size_t b = 0; b < ref.size(); b++) {
    const int d = int(ref[b].cols()) / H;
    for (Eigen::Index i = 0; i < ref[b].rows(); i++)
      for (Eigen::Index c = 0; c < ref[b].cols(); c++) {
        const double want = ref[b](i, c), got = double(mine[b](i, c));
        const int h = int(c) / d, j = int(c) % d;
        if (!std::isfinite(got)) {
          (std::isnan(got) ? v.nan : v.inf)++;
          if (v.first_nonfinite.empty())
            v.first_nonfinite = "(" + std::to_string(b) + ", " + std::to_string(h) + ", " + std::to_string(i) + ", " + std::to_string(j) + ")";
          v.pass = false;
          if (v.max_abs < kInf) { v.max_abs = kInf; v.b = int(b); v.h = h; v.i = int(i); v.j = j; }
          continue;
        }
        const double e = std::fabs(got - want);
        if (e > v.max_abs) { v.max_abs = e; v.b = int(b); v.h = h; v.i = int(i); v.j = j; }
        v.max_rel = std::max(v.max_rel, e / std::max(std::fabs(want), 1e-12));
        if (e > tol + rtol * std::fabs(want)) v.pass = false;
      }
  }
  return v;
}

std::vector<std::pair<Bug, std::string>> hypotheses(const CheckInput& in, int nq, int nk) {
  const Config& c = in.cfg;
  std::vector<std::pair<Bug, std::string>> hs;
  auto add = [&](Bug b, const std::string& id) { b.id = id; hs.emplace_back(b, id); };
  Bug b;
  if (c.scale == ScaleMode::Auto) {
    b = {}; b.no_scale = true; add(b, "no-scale");
    b = {}; b.scale_d = true; add(b, "scale-d");
    if (in.heads > 1) { b = {}; b.scale_d_model = true; add(b, "scale-d-model"); }
  }
  if (nq == nk) { b = {}; b.softmax_axis = true; add(b, "softmax-axis"); }
  if (c.mask != MaskKind::Causal) { b = {}; b.causal = 1; add(b, "causal-top-left"); }
  if (c.mask != MaskKind::CausalBottomRight) { b = {}; b.causal = 2; add(b, "causal-bottom-right"); }
  if (c.mask == MaskKind::Causal || c.mask == MaskKind::CausalBottomRight) { b = {}; b.causal_no_diag = true; add(b, "causal-no-diagonal"); }
  if (c.mask != MaskKind::None) { b = {}; b.mask_inverted = true; add(b, "mask-inverted"); }
  if (in.kv_heads > 1 && in.kv_heads < in.heads) { b = {}; b.gqa_tiled = true; add(b, "gqa-tiled"); }
  if (nq == nk) {
    b = {}; b.qk_swapped = true; add(b, "qk-swapped");
    b = {}; b.weights_transposed = true; add(b, "weights-transposed");
  }
  if (c.softcap > 0) { b = {}; b.softcap_missing = true; add(b, "softcap-missing"); }
  if (c.normalizer == Normalizer::Softmax) {
    b = {}; b.masked_row_nan = true; add(b, "masked-row-nan");
    b = {}; b.no_max_sub = true; add(b, "no-max-subtraction");
  }
  return hs;
}

std::string sentence(const std::string& id, const CheckInput& in) {
  for (const auto& [k, s] : check_ids())
    if (k == id) {
      if (id == "no-max-subtraction") return s + " (exp overflows in " + std::string(precision_name(in.precision)) + ")";
      return s;
    }
  return id;
}

}  // namespace

const char* precision_name(Precision p) {
  switch (p) {
    case Precision::F64: return "fp64";
    case Precision::F32: return "fp32";
    case Precision::F16: return "fp16";
    case Precision::BF16: return "bf16";
  }
  return "?";
}

double round_to(double x, Precision p) {
  if (p == Precision::F64 || !std::isfinite(x) || x == 0) return x;
  if (p == Precision::F32) return double(float(x));
  // fp16: 10 fraction bits, exponents down to -14 (then subnormal steps of 2^-24), max 65504;
  // bf16: 7 fraction bits, float32's exponent range. Round to nearest, ties to even (nearbyint).
  const int frac = p == Precision::F16 ? 10 : 7, emin = p == Precision::F16 ? -14 : -126;
  const double max = p == Precision::F16 ? 65504.0 : 3.3895313892515355e38;
  int e;
  std::frexp(x, &e);  // x = m 2^e, 0.5 <= |m| < 1
  const int exp = std::max(e - 1, emin);
  const double q = std::ldexp(1.0, exp - frac);
  const double y = std::nearbyint(x / q) * q;
  if (std::fabs(y) > max) return y > 0 ? kInf : -kInf;
  return y;
}

const std::vector<std::pair<std::string, std::string>>& check_ids() {
  static const std::vector<std::pair<std::string, std::string>> ids = {
      {"no-scale", "the scores are not scaled: 1 instead of 1/√d_k"},
      {"scale-d", "the scores are divided by d_k instead of √d_k"},
      {"scale-d-model", "the scores are scaled by 1/√d_model (all heads' width) instead of 1/√d_head"},
      {"softmax-axis", "softmax is taken over the queries (dim=-2) instead of the keys (dim=-1)"},
      {"causal-top-left", "the causal mask is aligned top-left, tril(diagonal=0) (PyTorch's is_causal)"},
      {"causal-bottom-right", "the causal mask is aligned bottom-right, tril(diagonal=n_k-n_q) (FlashAttention >= 2.1)"},
      {"causal-no-diagonal", "the causal mask also hides the diagonal, tril(diagonal=-1): a token cannot see itself"},
      {"mask-inverted", "the mask's meaning is inverted: True marks blocked cells where it should mark allowed ones"},
      {"gqa-tiled", "query heads are mapped to KV heads with tile (h mod H_kv) instead of repeat_interleave (h / (H/H_kv))"},
      {"qk-swapped", "the scores are K Q⊤ instead of Q K⊤"},
      {"weights-transposed", "the output is A⊤ V instead of A V"},
      {"temperature", "the scores are divided by another temperature before softmax"},
      {"softcap-missing", "the logit soft-cap c·tanh(s/c) is not applied"},
      {"masked-row-nan", "a row with every key masked gives NaN (0/0) instead of 0"},
      {"no-max-subtraction", "softmax is computed without subtracting the row's max first"},
  };
  return ids;
}

CheckResult check_attention(const CheckInput& in) {
  CheckResult res;
  const size_t B = in.Q.size();
  if (B == 0 || in.K.size() != B || in.V.size() != B || in.out.size() != B) { res.error = "Q, K, V and the output must all be given"; return res; }
  const int H = in.heads, Hkv = in.kv_heads;
  if (H < 1 || Hkv < 1 || H % Hkv) { res.error = "the key/value heads must divide the query heads"; return res; }
  const int nq = int(in.Q[0].rows()), nk = int(in.K[0].rows()), dv = int(in.V[0].cols()) / Hkv;
  for (size_t b = 0; b < B; b++)
    if (in.out[b].rows() != nq || in.out[b].cols() != H * dv) {
      res.error = "the output to check is " + std::to_string(in.out[b].rows()) + "x" + std::to_string(in.out[b].cols()) +
                  " per batch element, but attention of these Q, K, V gives " + std::to_string(nq) + "x" + std::to_string(H * dv);
      return res;
    }
  if (in.cfg.normalizer == Normalizer::Hardmax && !in.dout.empty()) { res.error = "hardmax has no useful gradient"; return res; }
  res.ok = true;
  const Precision p = in.precision;
  const double atol = in.atol >= 0 ? in.atol : default_atol(p);
  // ---- pass 1: the float64 reference and the low-precision run
  std::vector<MatD> ref(B), low(B);
  double low_err = 0;
  for (size_t b = 0; b < B; b++) {
    if (!reference(in.Q[b], in.K[b], in.V[b], H, Hkv, in.cfg, Precision::F64, Bug{}, &ref[b]) ||
        !reference(in.Q[b], in.K[b], in.V[b], H, Hkv, in.cfg, p, Bug{}, &low[b])) {
      res.ok = false;
      res.error = "the reference refused these inputs (e.g. sum normalization of a non-positive score)";
      return res;
    }
    low_err = std::max(low_err, low[b].allFinite() ? (ref[b] - low[b]).cwiseAbs().maxCoeff() : kInf);
  }
  if (!std::isfinite(low_err)) low_err = 0;  // the emulation overflowed (values beyond fp16): fall back to atol
  const double tol = 2 * low_err + atol;
  res.reference = ref;
  res.tolerance = "tolerance " + num(tol) + " = 2 x " + num(low_err) + " (the max error of the same attention computed in " +
                  std::string(precision_name(p)) +
                  (p == Precision::F64 ? ", which is the float64 reference itself" : ", emulated: inputs, scores, weights and output rounded to it, sums in fp32, against float64") +
                  ") + atol " + num(atol) +
                  (in.rtol > 0 ? " + rtol " + num(in.rtol) + " x |reference|" : "");
  // ---- pass 2: the output, then the gradients
  res.tensors.push_back(verdict("output", ref, in.out, H, tol, in.rtol));
  if (!in.dout.empty()) {
    // the gradients' reference: the engine's backward (float64 from its float32 forward); their
    // tolerance: twice the difference from the same with inputs and dout rounded to the precision
    std::vector<MatD> gq(B), gk(B), gv(B), lq(B), lk(B), lv(B);
    double lerr[3] = {0, 0, 0};
    for (size_t b = 0; b < B; b++) {
      for (int pass = 0; pass < 2; pass++) {
        Config c = in.cfg;
        c.input = Input::QKV;
        c.qkv_heads = H;
        c.n_kv_heads = Hkv == H ? 0 : Hkv;
        auto rounded = [&](const MatD& m) {
          Mat r = m.cast<float>();
          if (pass == 1)
            for (Eigen::Index k = 0; k < r.size(); k++) r.data()[k] = float(round_to(double(r.data()[k]), p == Precision::F64 ? Precision::F32 : p));
          return r;
        };
        c.Q_in = rounded(in.Q[b]);
        c.K_in = rounded(in.K[b]);
        c.V_in = rounded(in.V[b]);
        Trace t = forward(c);
        if (!t.ok) { res.ok = false; res.error = t.error; return res; }
        Grads g = backward(t, rounded(in.dout[b]));
        if (!g.ok) { res.ok = false; res.error = g.error; return res; }
        (pass ? lq : gq)[b] = g.dQ;
        (pass ? lk : gk)[b] = g.dK;
        (pass ? lv : gv)[b] = g.dV;
      }
      lerr[0] = std::max(lerr[0], (gq[b] - lq[b]).cwiseAbs().maxCoeff());
      lerr[1] = std::max(lerr[1], (gk[b] - lk[b]).cwiseAbs().maxCoeff());
      lerr[2] = std::max(lerr[2], (gv[b] - lv[b]).cwiseAbs().maxCoeff());
    }
    // the engine's backward starts from its float32 forward, so fp64 gradients get fp32's atol
    const double gatol = in.atol >= 0 ? in.atol : default_atol(p == Precision::F64 ? Precision::F32 : p);
    if (!in.dq.empty()) res.tensors.push_back(verdict("dq", gq, in.dq, H, 2 * lerr[0] + gatol, in.rtol));
    if (!in.dk.empty()) res.tensors.push_back(verdict("dk", gk, in.dk, Hkv, 2 * lerr[1] + gatol, in.rtol));
    if (!in.dv.empty()) res.tensors.push_back(verdict("dv", gv, in.dv, Hkv, 2 * lerr[2] + gatol, in.rtol));
  }
  res.pass = std::all_of(res.tensors.begin(), res.tensors.end(), [](const TensorVerdict& v) { return v.pass; });
  if (res.pass) return res;
  // ---- pass 3: which known bug gives the output that was given
  const TensorVerdict& ov = res.tensors[0];
  if (!ov.pass) {
    auto err_of = [&](const Bug& bug, Precision prec) {
      double e = 0;
      MatD h;
      for (size_t b = 0; b < B; b++) {
        if (!reference(in.Q[b], in.K[b], in.V[b], H, Hkv, in.cfg, prec, bug, &h)) return kInf;
        e = std::max(e, max_err(h, in.out[b]));
      }
      return e;
    };
    const Precision hp = p;
    for (const auto& [bug, id] : hypotheses(in, nq, nk)) {
      const double e = err_of(bug, hp);
      if (e <= tol) res.causes.push_back(Cause{id, sentence(id, in), e, false});
    }
    std::sort(res.causes.begin(), res.causes.end(), [](const Cause& a, const Cause& b) { return a.err < b.err; });
    // a fitted temperature can imitate any scale bug: it ranks after the exact ones
    if (ov.nan + ov.inf == 0) {
      double lo = std::log(0.01), hi = std::log(100.0);
      auto f = [&](double lt) { Bug b; b.temperature = std::exp(lt); return err_of(b, Precision::F64); };
      for (int it = 0; it < 80; it++) {  // golden section on log T
        const double a = hi - 0.618 * (hi - lo), c = lo + 0.618 * (hi - lo);
        if (f(a) < f(c)) hi = c; else lo = a;
      }
      const double T = std::exp(0.5 * (lo + hi));
      Bug b;
      b.temperature = T;
      const double e = err_of(b, hp);
      if (e <= tol && std::fabs(std::log(T / double(in.cfg.temperature))) > 1e-3)
        res.causes.push_back(Cause{"temperature", sentence("temperature", in) + ": T = " + num(T) + " fits (the stated T is " +
                                                     num(double(in.cfg.temperature)) + ")", e, true});
    }
    if (ov.nan + ov.inf > 0 && res.causes.empty())
      res.notes.push_back("the output has " + std::to_string(ov.nan) + " NaN and " + std::to_string(ov.inf) + " Inf, the first at " +
                          ov.first_nonfinite + " (b, h, i, j); neither a fully masked row nor an overflowing exp explains them here");
    if (res.causes.empty()) {
      res.notes.push_back("no known bug explains the difference; the first rows that differ, yours against the reference:");
      int shown = 0;
      for (size_t b = 0; b < B && shown < 2; b++)
        for (int i = 0; i < nq && shown < 2; i++) {
          double worst = 0;
          for (int c = 0; c < H * dv; c++) worst = std::max(worst, std::fabs(double(in.out[b](i, c)) - ref[b](i, c)));
          if (!(worst <= tol)) {
            std::string mine = "  yours      b " + std::to_string(b) + " row " + std::to_string(i) + ":", want = "  reference  b " + std::to_string(b) + " row " + std::to_string(i) + ":";
            for (int c = 0; c < std::min(H * dv, 8); c++) {
              char x[24];
              std::snprintf(x, sizeof x, " %9.4f", double(in.out[b](i, c)));
              mine += x;
              std::snprintf(x, sizeof x, " %9.4f", ref[b](i, c));
              want += x;
            }
            res.notes.push_back(mine + (H * dv > 8 ? " ..." : ""));
            res.notes.push_back(want + (H * dv > 8 ? " ..." : ""));
            shown++;
          }
        }
    }
  }
  return res;
}

}  // namespace attn
