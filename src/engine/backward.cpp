// backward.cpp: the staged forward pass differentiated, stage by stage in reverse order (the
// formulas are in backward.h; each stage's own part lives in its file of stages/).
//   stage 8   output        dConcat, dW_o
//   stage 7   attend        per head: dA, dV
//   stage 6   normalize     dropout's kept cells, then Jᵀ of the normalizer, then / T
//   stage 5   mask          blocked cells get 0
//   stage 4   scale         × scale
//   stage 3   scores        dQ, dK per head (dot or additive)
//   stage 2   project       RoPE transposed, dW_q, dW_k, dW_v, dX′
//   stage 1   embed         dX = dX′ (the sinusoidal table is a constant)
#include "engine/backward.h"
#include "core/format.h"
#include <cmath>
#include <cstdio>
#include <new>
#include "engine/stages/stages.h"

namespace attn {

namespace {


// adds m into columns [c0, c0 + w) of *dst: a head's slice of a (n, d) gradient (with grouped-query
// attention several query heads read one KV head, and their gradients add up there)
void add_cols(const MatD& m, int c0, MatD* dst) { dst->block(0, c0, m.rows(), m.cols()) += m; }

Grads backward_impl(const Trace& t, const Mat& dY) {
  Grads g;
  auto fail = [&](const std::string& msg) { g.ok = false; g.error = msg; return g; };
  if (!t.ok) return fail("the forward pass did not compute: " + t.error);
  if (t.cfg.input == Input::Weights) return fail("the weights were imported as they are: there is nothing to differentiate");
  if (t.cfg.normalizer == Normalizer::Hardmax)
    return fail("hardmax has no useful gradient (its derivative is zero almost everywhere): use softmax, sparsemax or entmax");
  if (dY.rows() != t.output.rows() || dY.cols() != t.output.cols())
    return fail("dY is " + shape_text(dY) + " but the output is " + shape_text(t.output) + ": they must have the same shape");
  if (!dY.allFinite()) return fail("dY has NaN or Inf");
  const bool qkv = t.cfg.input == Input::QKV;
  const int H = t.n_heads, dh = t.d_head, dv = t.d_v, nq = t.n_q, nk = t.n_k;
  const MatD dYd = dY.cast<double>();
  g.dY = dYd;

  // ---- stage 8: Y = concat . W_o (Q, K, V given: Y = concat)
  if (qkv) {
    g.dConcat = dYd;
  } else {
    const MatD Wo = t.Wo.get().cast<double>();
    g.dConcat = dYd * Wo.transpose();                 // (n_q, d)
    g.dWo = t.concat.cast<double>().transpose() * dYd;  // (d, d)
  }
  g.dQ = MatD::Zero(t.Q.rows(), t.Q.cols());
  g.dK = MatD::Zero(t.K.rows(), t.K.cols());
  g.dV = MatD::Zero(t.V.rows(), t.V.cols());
  g.heads.resize(size_t(H));
  if (!t.cfg.sinks.empty()) g.dsink.assign(size_t(H), 0.0);
  for (int h = 0; h < H; h++) {
    const HeadTrace& ht = t.heads[size_t(h)];
    HeadGrads& hg = g.heads[size_t(h)];
    const int kv = t.kv_of(h);
    // ---- stage 7: O = A V
    hg.dO = g.dConcat.block(0, h * dv, nq, dv);                // (n_q, dv)
    hg.dA = hg.dO * ht.v.cast<double>().transpose();          // (n_q, n_k)
    hg.dv = ht.weights.cast<double>().transpose() * hg.dO;    // (n_k, dv)
    // ---- stage 6: A = dropout(P), P = normalize(M / T)
    hg.dP = hg.dA;
    if (t.cfg.dropout > 0) {
      const std::vector<uint8_t> kept = dropout_kept(size_t(nq) * nk, t.cfg.dropout, t.cfg.seed + uint64_t(h));
      const double keep = double(1.0f / (1.0f - t.cfg.dropout));  // the factor the forward used, in float
      for (Eigen::Index i = 0; i < hg.dP.size(); i++) hg.dP.data()[i] *= kept[size_t(i)] ? keep : 0.0;
    }
    hg.dM = MatD::Zero(nq, nk);
    std::vector<double> p, dz(static_cast<size_t>(nk), 0.0);
    RowResult rr;
    std::string err;
    const float* sink = t.cfg.sinks.empty() ? nullptr : &t.cfg.sinks[size_t(h)];
    for (int i = 0; i < nq; i++) {
      const float* m = ht.masked.row(i).data();
      if (!normalize_row_exact(m, nk, t.cfg.normalizer, t.cfg.temperature, t.cfg.entmax_alpha, &rr, &p, &err, sink) ||
          !normalize_row_backward(m, p, hg.dP.row(i).data(), nk, t.cfg.normalizer, t.cfg.temperature, t.cfg.entmax_alpha,
                                  dz.data(), &err))
        return fail("head " + std::to_string(h + 1) + ", row " + std::to_string(i + 1) + ": " + err);
      for (int j = 0; j < nk; j++) hg.dM(i, j) = dz[size_t(j)] / double(t.cfg.temperature);
      if (sink) {  // the sink's column: p_s = 1 - Σ p, and its own dp is 0: dz_s = -p_s Σ_k p_k dp_k
        double ps = 1, pd = 0;
        for (int j = 0; j < nk; j++) { ps -= p[size_t(j)]; pd += p[size_t(j)] * hg.dP(i, j); }
        g.dsink[size_t(h)] += -ps * pd / double(t.cfg.temperature);
      }
    }
    // ---- stage 5: blocked cells were -inf: no gradient passes (normalize_row_backward gave them 0)
    // ---- stage 4: S′ = cap(S × scale + ALiBi): the bias is a constant; the cap y = c tanh(x / c)
    // has dy/dx = 1 - (y / c)², read from the capped values the trace holds
    MatD dSs = hg.dM;
    if (t.cfg.softcap > 0)
      for (Eigen::Index k = 0; k < dSs.size(); k++) {
        const double y = double(ht.scaled.data()[k]) / double(t.cfg.softcap);
        dSs.data()[k] *= 1 - y * y;
      }
    hg.dS = dSs * double(t.scale);
    // ---- stage 3: S = Q Kᵀ (or additive)
    if (t.cfg.score == ScoreFn::Additive)
      additive_scores_backward(hg.dS, ht.q, ht.k, ht.add_w1, ht.add_w2, ht.add_v, &hg.dq, &hg.dk);
    else
      dot_scores_backward(hg.dS, ht.q, ht.k, &hg.dq, &hg.dk);
    add_cols(hg.dq, h * dh, &g.dQ);
    add_cols(hg.dk, kv * dh, &g.dK);
    add_cols(hg.dv, kv * dv, &g.dV);
  }
  if (qkv) {
    // cells the user edited were set, not computed: nothing upstream of them, but they are the
    // inputs here, so their gradient stays
    g.ok = true;
    return g;
  }
  // ---- stage 2: RoPE, cell edits of Q, K, V, then the projections
  g.dQ_proj = g.dQ;
  g.dK_proj = g.dK;
  MatD dV_proj = g.dV;
  for (const CellEdit& e : t.cfg.edits) {  // an edited cell was overwritten: no gradient reaches the product
    MatD* m = e.target == Target::Q ? &g.dQ_proj : e.target == Target::K ? &g.dK_proj : e.target == Target::V ? &dV_proj : nullptr;
    if (m && e.row >= 0 && e.col >= 0 && e.row < m->rows() && e.col < m->cols()) (*m)(e.row, e.col) = 0;
  }
  if (t.cfg.posenc == PosEnc::Rope) {
    apply_rope_transpose(&g.dQ_proj, H);
    apply_rope_transpose(&g.dK_proj, t.n_kv_heads);
  }
  const MatD Xq = t.Xpe.cast<double>(), Xk = t.Xpe_src.cast<double>();
  g.dWq = Xq.transpose() * g.dQ_proj;  // (d, d)
  g.dWk = Xk.transpose() * g.dK_proj;
  g.dWv = Xk.transpose() * dV_proj;
  const MatD dXq = g.dQ_proj * t.Wq.get().cast<double>().transpose();                                                // (n_q, d)
  const MatD dXk = g.dK_proj * t.Wk.get().cast<double>().transpose() + dV_proj * t.Wv.get().cast<double>().transpose();  // (n_k, d)
  // ---- stage 1: X′ = X + PE: the table is a constant
  if (t.cross) {
    g.dX = dXq;
    g.dX_src = dXk;
  } else {
    g.dX = dXq + dXk;  // self-attention: one X feeds queries, keys and values
  }
  g.ok = true;
  return g;
}

std::string num(double v, int prec = 3) { return fixed_text(v, prec); }

}  // namespace

const char* grad_name(GradId id) {
  static const char* const names[] = {"∂L/∂Y", "∂L/∂concat", "∂L/∂O", "∂L/∂α", "∂L/∂m", "∂L/∂s", "∂L/∂q", "∂L/∂k", "∂L/∂v",
                                      "∂L/∂Q", "∂L/∂K", "∂L/∂V", "∂L/∂X", "∂L/∂W_q", "∂L/∂W_k", "∂L/∂W_v", "∂L/∂W_o"};
  return int(id) >= 0 && int(id) < int(GradId::Count) ? names[int(id)] : "?";
}

const MatD* grad_matrix(const Grads& g, GradId id, int head) {
  const HeadGrads* h = head >= 0 && head < int(g.heads.size()) ? &g.heads[size_t(head)] : nullptr;
  switch (id) {
    case GradId::dY: return &g.dY;
    case GradId::dConcat: return &g.dConcat;
    case GradId::dO: return h ? &h->dO : nullptr;
    case GradId::dA: return h ? &h->dA : nullptr;
    case GradId::dM: return h ? &h->dM : nullptr;
    case GradId::dS: return h ? &h->dS : nullptr;
    case GradId::dq: return h ? &h->dq : nullptr;
    case GradId::dk: return h ? &h->dk : nullptr;
    case GradId::dv: return h ? &h->dv : nullptr;
    case GradId::dQ: return &g.dQ;
    case GradId::dK: return &g.dK;
    case GradId::dV: return &g.dV;
    case GradId::dX: return &g.dX;
    case GradId::dWq: return &g.dWq;
    case GradId::dWk: return &g.dWk;
    case GradId::dWv: return &g.dWv;
    case GradId::dWo: return &g.dWo;
    default: return nullptr;
  }
}

Explanation explain_grad(const Trace& t, const Grads& g, GradId id, int head, int i, int j) {
  Explanation e;
  const MatD* m = grad_matrix(g, id, head);
  if (!g.ok || !m || i < 0 || j < 0 || i >= m->rows() || j >= m->cols() || head < 0 || head >= int(t.heads.size())) return e;
  e.ok = true;
  e.value = float((*m)(i, j));
  const HeadTrace& ht = t.heads[size_t(head)];
  const HeadGrads& hg = g.heads[size_t(head)];
  const std::string ij = subscript(i + 1) + subscript(j + 1);
  auto sum_of = [&](const std::string& lhs, const std::string& what, const std::vector<std::pair<double, double>>& terms) {
    std::string s = lhs + " = " + what + " = ";
    for (size_t k = 0; k < terms.size() && k < 3; k++) s += (k ? " + " : "") + num(terms[k].first) + "×" + num(terms[k].second);
    if (terms.size() > 3) s += " + … (" + std::to_string(terms.size() - 3) + " more)";
    return s + " = " + num((*m)(i, j));
  };
  std::vector<std::pair<double, double>> terms;
  switch (id) {
    case GradId::dA:  // ∂L/∂α_ij = Σ_c ∂L/∂o_ic v_jc
      for (Eigen::Index c = 0; c < hg.dO.cols(); c++) terms.emplace_back(hg.dO(i, c), ht.v(j, c));
      e.text = sum_of("∂L/∂α" + ij, "∂L/∂o" + subscript(i + 1) + " · v" + subscript(j + 1), terms);
      break;
    case GradId::dM: {
      if (!t.allowed[size_t(i) * t.n_k + j]) { e.text = "∂L/∂m" + ij + " = 0: this key is masked"; break; }
      if (t.cfg.normalizer != Normalizer::Softmax) { e.text = "∂L/∂m" + ij + " = " + num(e.value) + " (through " + name_of(t.cfg.normalizer) + "'s Jacobian)"; break; }
      double sum = 0;
      for (int k = 0; k < t.n_k; k++) sum += double(ht.weights(i, k)) * hg.dP(i, k);
      const double a = ht.weights(i, j);
      e.text = "∂L/∂m" + ij + " = α" + ij + " (∂L/∂α" + ij + " − Σₖ α" + subscript(i + 1) + "ₖ ∂L/∂α" + subscript(i + 1) + "ₖ)" +
               (t.cfg.temperature != 1.0f ? " / T" : "") + " = " + num(a) + " × (" + num(hg.dP(i, j)) + " − " + num(sum) + ")" +
               (t.cfg.temperature != 1.0f ? " / " + num(t.cfg.temperature, 2) : "") + " = " + num(e.value);
      break;
    }
    case GradId::dS:
      e.text = "∂L/∂s" + ij + " = ∂L/∂m" + ij + " × scale = " + num(hg.dM(i, j)) + " × " + num(t.scale) +
               (t.cfg.softcap > 0 ? " × (1 − (s′/c)²)" : "") + " = " + num(e.value);
      break;
    case GradId::dq:  // ∂L/∂q_ic = Σ_j ∂L/∂s_ij k_jc
      for (Eigen::Index k = 0; k < hg.dS.cols(); k++) terms.emplace_back(hg.dS(i, k), ht.k(k, j));
      e.text = sum_of("∂L/∂q" + ij, "Σⱼ ∂L/∂s" + subscript(i + 1) + "ⱼ k" + "ⱼ" + subscript(j + 1), terms);
      break;
    case GradId::dk:
      for (Eigen::Index r = 0; r < hg.dS.rows(); r++) terms.emplace_back(hg.dS(r, i), ht.q(r, j));
      e.text = sum_of("∂L/∂k" + ij, "Σᵢ ∂L/∂sᵢ" + subscript(i + 1) + " qᵢ" + subscript(j + 1), terms);
      break;
    case GradId::dv:  // ∂L/∂v_jc = Σ_i α_ij ∂L/∂o_ic
      for (Eigen::Index r = 0; r < hg.dO.rows(); r++) terms.emplace_back(ht.weights(r, i), hg.dO(r, j));
      e.text = sum_of("∂L/∂v" + ij, "Σᵢ αᵢ" + subscript(i + 1) + " ∂L/∂oᵢ" + subscript(j + 1), terms);
      break;
    default:
      e.text = std::string(grad_name(id)) + ij + " = " + num(e.value);
      break;
  }
  return e;
}

Grads backward(const Trace& t, const Mat& dY) {
  try {
    return backward_impl(t, dY);
  } catch (const std::bad_alloc&) {
    Grads g;
    g.error = "out of memory: this device would not give the backward pass enough memory; use a shorter sequence";
    return g;
  }
}

}  // namespace attn
