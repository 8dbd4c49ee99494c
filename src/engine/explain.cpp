// explain.cpp: the arithmetic behind any single number, as terms and as one readable line,
// e.g. "s₂₁ = q₂·k₁ = 0.50×1.00 + … = 1.10". Indices in the text are 1-based, as in papers.
#include <cmath>
#include <cstdio>
#include "engine/engine.h"
#include "core/format.h"
#include "engine/stages/stages.h"

namespace attn {

std::string shape_text(const Mat& m) { return std::to_string(m.rows()) + "x" + std::to_string(m.cols()); }

namespace {

std::string num(double v, int prec = 2) { return fixed_text(v, prec); }

std::string idx2(int i, int j) {  // "₂₁", or "₁₂,₃" when an index has two digits
  std::string a = subscript(i + 1), b = subscript(j + 1);
  return (i + 1 >= 10 || j + 1 >= 10) ? a + "," + b : a + b;
}

// "a×b + c×d + … = v", with at most `show` terms written out
std::string sum_line(const std::vector<Term>& terms, float value, size_t show = 4) {
  std::string s;
  for (size_t i = 0; i < terms.size() && i < show; i++) {
    if (i) s += " + ";
    s += num(terms[i].a) + "×" + num(terms[i].b);
  }
  if (terms.size() > show) s += " + … (" + std::to_string(terms.size() - show) + " more)";
  return s + " = " + num(value);
}

// "{82}" or "{12,3}": the indices as a markup subscript group (see Explanation::math)
std::string mx(int i, int j) {
  return "{" + std::to_string(i + 1) + (i + 1 >= 10 || j + 1 >= 10 ? "," : "") + std::to_string(j + 1) + "}";
}

// dot product terms of row r of A with column c of B
std::vector<Term> dot_terms(const Mat& A, int r, const Mat& B, int c) {
  std::vector<Term> terms;
  for (Eigen::Index t = 0; t < A.cols(); t++) terms.push_back({A(r, t), B(t, c), ""});
  return terms;
}

}  // namespace

std::string subscript(int v) {
  static const char* const d[] = {"₀", "₁", "₂", "₃", "₄", "₅", "₆", "₇", "₈", "₉"};
  if (v < 0) return "₋" + subscript(-v);
  std::string s;
  do { s = d[v % 10] + s; v /= 10; } while (v > 0);
  return s;
}

Explanation explain(const Trace& t, MatrixId id, int head, int i, int j) {
  Explanation e;
  const Mat* m = t.matrix(id, head);
  if (!t.ok || !m || i < 0 || j < 0 || i >= m->rows() || j >= m->cols()) return e;
  e.ok = true;
  e.value = (*m)(i, j);
  const HeadTrace* h = head >= 0 && head < int(t.heads.size()) ? &t.heads[size_t(head)] : nullptr;
  const std::string ij = idx2(i, j);
  if (t.cfg.input == Input::Weights) {
    e.symbol = "α" + ij;
    e.text = e.symbol + " = " + num(e.value, 3) + " (imported as it is)";
    return e;
  }
  switch (id) {
    case MatrixId::Scores:
      if (t.cfg.score == ScoreFn::Additive) {
        e.symbol = "s" + ij;
        e.formula = "v·tanh(W₁q" + subscript(i + 1) + " + W₂k" + subscript(j + 1) + ")";
        Mat a = h->q.row(i) * h->add_w1.transpose(), b = h->k.row(j) * h->add_w2.transpose();
        for (Eigen::Index c = 0; c < a.cols(); c++) e.terms.push_back({h->add_v(0, c), std::tanh(a(0, c) + b(0, c)), ""});
        e.text = e.symbol + " = " + e.formula + " = " + sum_line(e.terms, e.value);
      } else {
        e.symbol = "s" + ij;
        e.formula = "q" + subscript(i + 1) + "·k" + subscript(j + 1);
        for (Eigen::Index c = 0; c < h->q.cols(); c++) e.terms.push_back({h->q(i, c), h->k(j, c), ""});
        e.text = e.symbol + " = " + e.formula + " = " + sum_line(e.terms, e.value);
        e.math = "s_" + mx(i, j) + " = q_{" + std::to_string(i + 1) + "}·k_{" + std::to_string(j + 1) + "} = " + sum_line(e.terms, e.value);
      }
      break;
    case MatrixId::Scaled:
      e.symbol = "s'" + ij;
      e.formula = "s" + ij + " × " + num(t.scale, 3);
      e.terms.push_back({h->scores(i, j), t.scale, "scale"});
      e.text = e.symbol + " = " + num(h->scores(i, j)) + " × " + num(t.scale, 3) +
               (t.cfg.scale == ScaleMode::Auto ? " (1/√" + std::to_string(t.d_head) + ")" : "") + " = " + num(e.value);
      e.math = "s′_" + mx(i, j) + " = " + num(h->scores(i, j)) + " × " +
               (t.cfg.scale == ScaleMode::Auto ? "\\frac{1}{\\sqrt{" + std::to_string(t.d_head) + "}}" : num(t.scale, 3)) + " = " + num(e.value);
      break;
    case MatrixId::Masked: {
      e.symbol = "m" + ij;
      bool ok = t.allowed[size_t(i) * t.n_k + j];
      std::string why = t.cfg.mask == MaskKind::Causal ? "key " + std::to_string(j + 1) + " comes after query " + std::to_string(i + 1) + " (causal)"
                      : t.cfg.mask == MaskKind::Window ? "|" + std::to_string(i + 1) + " − " + std::to_string(j + 1) + "| > " + std::to_string(t.cfg.window) + " (window)"
                      : t.cfg.mask == MaskKind::Padding ? "key " + std::to_string(j + 1) + " is padding"
                      : "blocked in the painted mask";
      e.formula = ok ? "s'" + ij : "−∞";
      e.text = ok ? e.symbol + " = s'" + ij + " = " + num(e.value) + " (allowed)" : e.symbol + " = −∞: " + why;
      break;
    }
    case MatrixId::Weights: {
      e.symbol = "α" + ij;
      const float z = h->masked(i, j) / t.cfg.temperature;
      const bool T1 = t.cfg.temperature == 1.0f;
      const std::string zs = T1 ? num(h->masked(i, j)) : num(h->masked(i, j)) + "/" + num(t.cfg.temperature);
      if (!t.allowed[size_t(i) * t.n_k + j]) { e.text = e.symbol + " = 0: this key is masked"; break; }
      const double m = h->row_max[size_t(i)], S = h->row_sum[size_t(i)];
      switch (t.cfg.normalizer) {
        case Normalizer::Softmax:
          e.formula = "e^(z−max) / Σ";
          e.terms.push_back({float(std::exp(z - m)), float(S), "numerator, denominator"});
          e.text = e.symbol + " = e^(" + zs + "−" + num(m) + ") / Σ = " + num(std::exp(z - m), 3) + "/" + num(S) + " = " + num(e.value, 3);
          e.math = "α_" + mx(i, j) + " = \\frac{e^{" + zs + " − " + num(m) + "}}{" + num(S) + "} = \\frac{" + num(std::exp(z - m), 3) + "}{" +
                   num(S) + "} = " + num(e.value, 3);
          break;
        case Normalizer::Sum:
          e.formula = "s / Σs";
          e.text = e.symbol + " = " + zs + " / " + num(S) + " = " + num(e.value, 3);
          e.math = "α_" + mx(i, j) + " = \\frac{" + zs + "}{" + num(S) + "} = " + num(e.value, 3);
          break;
        case Normalizer::Sigmoid:
          e.formula = "1 / (1 + e^−z)";
          e.text = e.symbol + " = 1 / (1 + e^−(" + zs + ")) = " + num(e.value, 3) + " (not normalized)";
          e.math = "α_" + mx(i, j) + " = \\frac{1}{1 + e^{−(" + zs + ")}} = " + num(e.value, 3) + "   (not normalized)";
          break;
        case Normalizer::Sparsemax:
          e.formula = "max(z − τ, 0)";
          e.text = e.symbol + " = max(" + zs + " − τ, 0), τ = " + num(m, 3) + " → " + num(e.value, 3);
          break;
        case Normalizer::Entmax:
          e.formula = "[(α−1)z − τ]₊^(1/(α−1))";
          e.text = e.symbol + " = [" + num(t.cfg.entmax_alpha - 1, 2) + "×" + zs + " − τ]₊^(" + num(1.0 / (t.cfg.entmax_alpha - 1), 2) + "), τ = " + num(m, 3) + " → " + num(e.value, 3);
          break;
        case Normalizer::Hardmax:
          e.formula = "1/ties at the argmax";
          e.text = e.symbol + (e.value > 0 ? " = " + num(e.value, 3) + ": this key has the row's largest score" : " = 0: not the row's largest score");
          break;
        case Normalizer::Count: break;  // not a value
      }
      if (t.cfg.dropout > 0) e.text += " (after dropout)";
      break;
    }
    case MatrixId::HeadOut:
      e.symbol = "o" + ij;
      e.formula = "Σⱼ α" + subscript(i + 1) + "ⱼ v" + "ⱼ" + subscript(j + 1);
      e.terms = dot_terms(h->weights, i, h->v, j);
      e.text = e.symbol + " = " + e.formula + " = " + sum_line(e.terms, e.value);
      break;
    case MatrixId::Q: case MatrixId::K: case MatrixId::V: {
      const char* s = id == MatrixId::Q ? "q" : id == MatrixId::K ? "k" : "v";
      const char* W = id == MatrixId::Q ? "W_q" : id == MatrixId::K ? "W_k" : "W_v";
      e.symbol = std::string(s) + ij;
      if (t.cfg.input == Input::QKV) { e.text = e.symbol + " = " + num(e.value) + " (given)"; break; }
      const Mat& X = id == MatrixId::Q ? t.Xpe : t.Xpe_src;
      const Mat& Wm = id == MatrixId::Q ? t.Wq : id == MatrixId::K ? t.Wk : t.Wv;
      int col = h ? head * t.d_head + j : j;
      e.formula = "x" + subscript(i + 1) + "·" + W + "[:," + std::to_string(col + 1) + "]";
      e.terms = dot_terms(X, i, Wm, col);
      e.text = e.symbol + " = " + e.formula + " = " + sum_line(e.terms, e.value);
      if (t.cfg.posenc == PosEnc::Rope && id != MatrixId::V) e.text += " (then rotated by RoPE)";
      break;
    }
    case MatrixId::Xpe:
      e.symbol = "x′" + ij;
      e.terms = {{t.X(i, j), 1, "x"}, {t.PE(i, j), 1, "pe"}};
      e.text = e.symbol + " = x + PE = " + num(t.X(i, j)) + " + " + num(t.PE(i, j)) + " = " + num(e.value);
      break;
    case MatrixId::Output:
      e.symbol = "y" + ij;
      e.formula = "concat" + subscript(i + 1) + "·W_o[:," + std::to_string(j + 1) + "]";
      e.terms = t.cfg.input == Input::QKV ? std::vector<Term>{} : dot_terms(t.concat, i, t.Wo, j);
      e.text = e.symbol + " = " + e.formula + " = " + (e.terms.empty() ? num(e.value) : sum_line(e.terms, e.value));
      break;
    case MatrixId::LinWeights:
      e.symbol = "λ" + ij;
      e.text = e.symbol + " = φ(q)·φ(k) / Σ = " + num(e.value, 3) + " (φ = elu + 1)";
      break;
    default:
      e.symbol = std::string(matrix_name(id)) + ij;
      e.text = e.symbol + " = " + num(e.value);
      break;
  }
  return e;
}

std::vector<NormalizerRow> compare_normalizers(const Trace& t, int head, int row) {
  std::vector<NormalizerRow> out;
  if (!t.ok || head < 0 || head >= int(t.heads.size()) || row < 0 || row >= t.n_q) return out;
  const HeadTrace& h = t.heads[size_t(head)];
  for (Normalizer n : {Normalizer::Softmax, Normalizer::Sum, Normalizer::Sparsemax, Normalizer::Entmax,
                       Normalizer::Hardmax, Normalizer::Sigmoid}) {
    NormalizerRow r{n, true, "", {}, {}};
    RowResult rr;
    r.ok = normalize_row(h.masked.row(row).data(), t.n_k, n, t.cfg.temperature, t.cfg.entmax_alpha, &rr, &r.error);
    r.w = rr.w;
    r.stats = row_stats(rr.w.data(), t.n_k, rr.all_masked);
    out.push_back(r);
  }
  return out;
}

}  // namespace attn
