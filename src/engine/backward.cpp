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
#include <cmath>
#include <new>
#include "engine/stages/stages.h"

namespace attn {

namespace {

std::string shape(const Mat& m) { return std::to_string(m.rows()) + "x" + std::to_string(m.cols()); }

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
    return fail("dY is " + shape(dY) + " but the output is " + shape(t.output) + ": they must have the same shape");
  if (!dY.allFinite()) return fail("dY has NaN or Inf");
  const bool qkv = t.cfg.input == Input::QKV;
  const int H = t.n_heads, dh = t.d_head, dv = t.d_v, nq = t.n_q, nk = t.n_k;
  const MatD dYd = dY.cast<double>();

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

}  // namespace

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
