// forward.cpp: the staged forward pass, as a thin orchestrator. It checks the config and the
// sizes before anything large is allocated, then calls one function per stage of the stepper
// (src/engine/stages/, in order) and keeps every intermediate in the Trace. What an edit left
// unchanged is taken from the caller's previous trace, never from state of its own.
//   weights_as_given    an imported weight matrix, shown as it is
//   stage_input         tokens and shapes (or Q, K, V given directly)
//   stage_embed         X, positional encoding
//   stage_project       weights, Q, K, V (RoPE and cell edits after)
//   stage_heads         per head: scores, scale, mask, normalize, dropout, attend (+ linear)
//   stage_output        concat . W_o
#include <algorithm>
#include <cmath>
#include <memory>
#include <new>
#include "engine/engine.h"
#include "engine/rules.h"
#include "engine/stages/stages.h"
#include "kernels/kernels.h"

namespace attn {

namespace {


bool all_finite(const Mat& m, const char* what, std::string* err) {
  if (kern::all_finite(m.data(), size_t(m.size()))) return true;  // the common case (SIMD); then find where
  for (Eigen::Index r = 0; r < m.rows(); r++)
    for (Eigen::Index c = 0; c < m.cols(); c++)
      if (!std::isfinite(m(r, c))) {
        *err = std::string(what) + " has " + (std::isnan(m(r, c)) ? "NaN" : "Inf") + " at row " +
               std::to_string(r + 1) + ", column " + std::to_string(c + 1);
        return false;
      }
  return true;
}

void apply_edits(const Config& cfg, Target target, Mat* m) {
  for (const CellEdit& e : cfg.edits)
    if (e.target == target && e.row >= 0 && e.col >= 0 && e.row < m->rows() && e.col < m->cols() &&
        std::isfinite(e.value))
      (*m)(e.row, e.col) = e.value;
}

}  // namespace

// (n_q, n_k) matrices kept per head: scores, scaled, masked, weights (+ linear implied weights)
double trace_bytes(int n_q, int n_k, int heads, bool linear) {
  return double(n_q) * n_k * heads * (linear ? 5 : 4) * sizeof(float);
}

namespace {

using Err = std::string;  // empty: the stage went through; else why it was refused

// ---- an imported weight matrix: shown as it is (one head, V = identity, output = A)
Err weights_as_given(const Config& cfg, const Limits& lim, Trace* t) {
  if (cfg.A_in.size() == 0) return "no weight matrix was given";
  if (cfg.A_in.rows() > lim.max_n || cfg.A_in.cols() > lim.max_n)
    return "the weight matrix is " + shape_text(cfg.A_in) + ", above the limit of " + std::to_string(lim.max_n);
  std::string err;
  if (!all_finite(cfg.A_in, "the weight matrix", &err)) return err;
  t->n_q = int(cfg.A_in.rows());
  t->n_k = t->d_model = t->d_head = t->d_v = int(cfg.A_in.cols());
  t->n_heads = t->n_kv_heads = 1;
  t->cross = true;
  for (int i = 0; i < t->n_q; i++) t->tokens_q.push_back("q" + std::to_string(i + 1));
  for (int j = 0; j < t->n_k; j++) t->tokens_k.push_back("k" + std::to_string(j + 1));
  t->allowed.assign(size_t(t->n_q) * t->n_k, 1);
  t->heads.resize(1);
  HeadTrace& h = t->heads[0];
  h.scores = h.scaled = h.masked = h.weights = cfg.A_in;
  h.v = Mat::Identity(t->n_k, t->n_k);
  h.out = cfg.A_in;
  for (int i = 0; i < t->n_q; i++) h.stats.push_back(row_stats(h.weights.row(i).data(), t->n_k, false));
  h.row_max.assign(size_t(t->n_q), 0.0f);
  h.row_sum.assign(size_t(t->n_q), 0.0f);
  t->concat = t->output = cfg.A_in;
  t->notices.push_back("showing an imported weight matrix as it is: the stages before it are not computed");
  return "";
}

// ---- stage 1: tokens and shapes (or Q, K, V given directly); sizes checked before allocating
Err stage_input(const Config& cfg, const Limits& lim, Trace* t) {
  const bool qkv = cfg.input == Input::QKV;
  if (qkv) {
    // (n_q, H d_k), (n_k, H_kv d_k), (n_k, H_kv d_v): heads side by side, as concat lays them out
    if (cfg.Q_in.size() == 0 || cfg.K_in.size() == 0 || cfg.V_in.size() == 0) return "Q, K and V must all be given";
    const int H = cfg.qkv_heads, Hkv = cfg.n_kv_heads > 0 ? cfg.n_kv_heads : H;
    if (cfg.Q_in.cols() % H) return "Q is " + shape_text(cfg.Q_in) + ": its columns do not split into " + std::to_string(H) + " heads";
    const int dk = int(cfg.Q_in.cols()) / H;
    if (cfg.K_in.cols() != Hkv * dk)
      return "Q is " + shape_text(cfg.Q_in) + " and K is " + shape_text(cfg.K_in) + ": K needs " + std::to_string(Hkv) + " head(s) of d_k = " +
             std::to_string(dk) + " columns (" + std::to_string(Hkv * dk) + ")";
    if (cfg.V_in.rows() != cfg.K_in.rows())
      return "K is " + shape_text(cfg.K_in) + " and V is " + shape_text(cfg.V_in) + ": they need the same number of rows (keys)";
    if (cfg.V_in.cols() % Hkv) return "V is " + shape_text(cfg.V_in) + ": its columns do not split into " + std::to_string(Hkv) + " heads";
    t->n_q = int(cfg.Q_in.rows());
    t->n_k = int(cfg.K_in.rows());
    t->d_model = int(cfg.Q_in.cols());
    t->d_head = dk;
    t->n_heads = H;
    t->n_kv_heads = Hkv;
    t->d_v = int(cfg.V_in.cols()) / Hkv;
    t->cross = true;
    if (int(cfg.labels.size()) == t->n_q && t->n_k == t->n_q) {  // one sequence's own tokens (a real model's head)
      t->tokens_q = cfg.labels;
      t->tokens_k = cfg.labels;
    }
  } else {
    t->d_model = cfg.d_model;
    t->n_heads = cfg.n_heads;
    t->n_kv_heads = cfg.n_kv_heads > 0 ? cfg.n_kv_heads : cfg.n_heads;
    t->d_head = t->d_v = cfg.d_model / cfg.n_heads;
    if (cfg.input == Input::Matrices) {
      if (cfg.X.size() == 0) return "no X matrix was given";
      if (cfg.X.cols() != cfg.d_model) return "X is " + shape_text(cfg.X) + " but d_model is " + std::to_string(cfg.d_model);
      t->n_q = int(cfg.X.rows());
      t->cross = cfg.X_src.size() > 0;
      if (int(cfg.labels.size()) == t->n_q) {
        t->tokens_q = cfg.labels;
        if (!t->cross) t->tokens_k = cfg.labels;
      }
      t->n_k = t->cross ? int(cfg.X_src.rows()) : t->n_q;
      if (t->cross && cfg.X_src.cols() != cfg.d_model)
        return "the source X is " + shape_text(cfg.X_src) + " but d_model is " + std::to_string(cfg.d_model);
    } else {
      t->tokens_q = tokenize(cfg.sentence);
      t->cross = !cfg.source.empty();
      t->tokens_k = t->cross ? tokenize(cfg.source) : t->tokens_q;
      if (t->tokens_q.empty()) return "the sentence has no tokens: type at least one word";
      if (t->tokens_k.empty()) return "the source sentence has no tokens";
      t->n_q = int(t->tokens_q.size());
      t->n_k = int(t->tokens_k.size());
    }
  }
  if (t->n_q > lim.max_n || t->n_k > lim.max_n)
    return "sequence length " + std::to_string(std::max(t->n_q, t->n_k)) + " is above the staged limit of " +
           std::to_string(lim.max_n) + " tokens (the trace keeps n x n matrices per head)";
  if (double b = trace_bytes(t->n_q, t->n_k, t->n_heads, cfg.linear); b > lim.max_trace_bytes)
    return "n = " + std::to_string(t->n_q) + " with " + std::to_string(t->n_heads) + " heads needs " +
           std::to_string(int(b / 1e6)) + " MB for the trace, above the limit of " +
           std::to_string(int(lim.max_trace_bytes / 1e6)) + " MB: use fewer heads or a shorter sequence";
  if (t->tokens_q.empty())
    for (int i = 0; i < t->n_q; i++) t->tokens_q.push_back(qkv ? "q" + std::to_string(i + 1) : "t" + std::to_string(i + 1));
  if (t->tokens_k.empty())
    for (int j = 0; j < t->n_k; j++) t->tokens_k.push_back(qkv ? "k" + std::to_string(j + 1) : "s" + std::to_string(j + 1));
  return "";
}

// ---- stage 1 (cont.): X from the tokens or as given; sinusoidal encoding added to it
// (RoPE rotates Q and K in stage_project instead)
Err stage_embed(const Config& cfg, Trace* t) {
  const int d = t->d_model;
  if (cfg.input == Input::Matrices) {
    t->X = cfg.X;
    if (t->cross) t->X_src = cfg.X_src;
  } else {
    t->X = embed(t->tokens_q, d);
    if (t->cross) t->X_src = embed(t->tokens_k, d);
  }
  apply_edits(cfg, Target::X, &t->X);
  if (!t->cross) t->X_src = t->X;  // self-attention: one copy, after the edits
  std::string err;
  if (!all_finite(t->X, "X", &err)) return err;
  const int n_max = std::max(t->n_q, t->n_k);
  const bool add_pe = cfg.posenc == PosEnc::Sinusoidal;
  t->PE = add_pe ? sinusoidal_table(n_max, d) : Mat(Mat::Zero(n_max, d));
  t->Xpe = add_pe ? Mat(t->X + t->PE.topRows(t->n_q)) : t->X;
  t->Xpe_src = !t->cross ? t->Xpe : add_pe ? Mat(t->X_src + t->PE.topRows(t->n_k)) : t->X_src;
  return "";
}

// prev's projection, when it had one (its inputs came from X, not from Q/K/V or weights given)
bool has_projection(const Trace* prev) {
  return prev && prev->ok && (prev->cfg.input == Input::Sentence || prev->cfg.input == Input::Matrices) &&
         prev->Wq.p && prev->Q.size() > 0;
}

// ---- stage 2: W_q, W_k, W_v, W_o (drawn, or as given), then Q = Xpe.W_q, K = Xpe_src.W_k,
// V = Xpe_src.W_v, then RoPE and cell edits on Q, K, V
Err stage_project(const Config& cfg, const Trace* prev, Trace* t) {
  const int d = t->d_model;
  // The drawn weights depend only on (init, d, seed, H_kv d_head): the last pass's set is reused,
  // so an edit elsewhere does not redraw 4 d^2 random numbers on every recompute. With grouped-query
  // attention W_k and W_v are (d, H_kv d_head): the drawn ones' first columns, cut once here.
  const int kv_cols = t->n_kv_heads * t->d_head;
  if (prev && prev->drawn[0].p && prev->cfg.init == cfg.init && prev->cfg.d_model == d && prev->cfg.seed == cfg.seed &&
      prev->drawn[1].get().cols() == kv_cols) {
    std::copy(prev->drawn, prev->drawn + 4, t->drawn);
  } else {
    draw_weights(cfg.init, d, cfg.seed, t->drawn);
    if (kv_cols != d)
      for (int slot : {1, 2}) t->drawn[slot].p = std::make_shared<const Mat>(t->drawn[slot].get().leftCols(kv_cols));
  }
  // slot: index in the drawing order; the trace shares the drawn matrix unless one was given
  std::string err;
  auto weight = [&](const Mat& given, int slot, const char* name, SharedMat* out) {
    const int cols = slot == 1 || slot == 2 ? kv_cols : d;
    if (given.size() == 0) {
      *out = t->drawn[slot];
      return true;
    }
    if (given.rows() != d || given.cols() != cols) {
      err = std::string(name) + " is " + shape_text(given) + " but must be " + std::to_string(d) + "x" + std::to_string(cols) +
            (cols != d ? " (d_model x H_kv d_head)" : "");
      return false;
    }
    out->p = std::make_shared<const Mat>(given);
    return true;
  };
  // cell edits make a copy of their own (the shared one stays as drawn)
  auto edit = [&](Target target, SharedMat* w) {
    if (std::none_of(cfg.edits.begin(), cfg.edits.end(), [&](const CellEdit& e) { return e.target == target; })) return;
    auto edited = std::make_shared<Mat>(w->get());
    apply_edits(cfg, target, edited.get());
    w->p = edited;
  };
  if (!weight(cfg.Wq, 0, "W_q", &t->Wq) || !weight(cfg.Wk, 1, "W_k", &t->Wk) || !weight(cfg.Wv, 2, "W_v", &t->Wv) ||
      !weight(cfg.Wo, 3, "W_o", &t->Wo))
    return err;
  edit(Target::Wq, &t->Wq);
  edit(Target::Wk, &t->Wk);
  edit(Target::Wv, &t->Wv);

  // the products before RoPE and edits: prev's are in Q_proj.. when those changed them, else in Q..
  auto proj = [](const Mat& kept, const Mat& shown) -> const Mat* { return kept.size() ? &kept : &shown; };
  Projection before;
  if (has_projection(prev))
    before = Projection{&prev->Xpe, &prev->Xpe_src, &prev->Wq, &prev->Wk, &prev->Wv, proj(prev->Q_proj, prev->Q),
                        proj(prev->K_proj, prev->K), proj(prev->V_proj, prev->V)};
  const Projection now{&t->Xpe, &t->Xpe_src, &t->Wq, &t->Wk, &t->Wv, nullptr, nullptr, nullptr};
  project_qkv(now, has_projection(prev) ? &before : nullptr, &t->Q, &t->K, &t->V);  // (n_q, d), (n_k, d) x2

  auto edited = [&](Target target) {
    return std::any_of(cfg.edits.begin(), cfg.edits.end(), [&](const CellEdit& e) { return e.target == target; });
  };
  const bool rope = cfg.posenc == PosEnc::Rope;
  if (rope || edited(Target::Q)) t->Q_proj = t->Q;
  if (rope || edited(Target::K)) t->K_proj = t->K;
  if (edited(Target::V)) t->V_proj = t->V;
  if (rope) {
    apply_rope(&t->Q, t->n_heads);
    apply_rope(&t->K, t->n_kv_heads);
  }
  apply_edits(cfg, Target::Q, &t->Q);
  apply_edits(cfg, Target::K, &t->K);
  apply_edits(cfg, Target::V, &t->V);
  return "";
}

// ---- stages 3-7, per head: scores, scale, mask, normalize (+ dropout), weighted sum
Err stage_heads(const Config& cfg, const Limits& lim, const Trace* prev, Trace* t) {
  const int H = t->n_heads, dh = t->d_head, dv = t->d_v;
  std::string err, notice;
  t->allowed = build_mask(cfg, t->n_q, t->n_k, &notice);  // shared by every head
  if (!notice.empty()) t->notices.push_back(notice);
  t->scale = scale_factor(cfg, dh);
  t->heads.resize(size_t(H));
  t->concat.resize(t->n_q, H * dv);  // every column is set below, head by head
  const std::vector<double> slopes = cfg.alibi ? alibi_slopes(H) : std::vector<double>{};
  const bool causal_bias = cfg.mask == MaskKind::Causal || cfg.mask == MaskKind::CausalBottomRight;
  int masked_rows = 0;
  // the last pass's scores, where they are q . k^T of its own q and k (not imported weights)
  const bool reuse = prev && prev->ok && prev->cfg.input != Input::Weights && prev->cfg.score == ScoreFn::Dot;
  // Recompute from the first stage an edit touches. With a head's q and k bit for bit the last
  // pass's, its scaled scores are too when scale, ALiBi and soft-cap are (a temperature, normalizer
  // or α edit then starts at the mask), and its masked ones when the mask is as well (they start at
  // normalization). Dot scores only: the additive ones draw parameters of their own.
  const bool same_scaling = reuse && cfg.score == ScoreFn::Dot && prev->scale == t->scale && prev->cfg.alibi == cfg.alibi &&
                            (!cfg.alibi || (prev->cfg.mask == cfg.mask && prev->n_q == t->n_q && prev->n_k == t->n_k)) &&
                            prev->cfg.softcap == cfg.softcap && prev->heads.size() == size_t(H);
  const bool same_mask = same_scaling && prev->allowed == t->allowed;
  for (int h = 0; h < H; h++) {
    HeadTrace& ht = t->heads[size_t(h)];
    const std::string head = "head " + std::to_string(h + 1);
    const int kv = t->kv_of(h);                      // grouped-query attention: the KV head it reads
    ht.q = head_cols(t->Q, h * dh, dh);              // (n_q, dh)
    ht.k = head_cols(t->K, kv * dh, dh);             // (n_k, dh)
    ht.v = head_cols(t->V, kv * dv, dv);             // (n_k, dv)
    if (cfg.score == ScoreFn::Additive) {
      Rng arng(cfg.seed * 31 + uint64_t(h) + 7);
      float a = std::sqrt(3.0f / float(dh));
      ht.add_w1.resize(dh, dh); ht.add_w2.resize(dh, dh); ht.add_v.resize(1, dh);
      for (Mat* m : {&ht.add_w1, &ht.add_w2, &ht.add_v})
        for (Eigen::Index i = 0; i < m->size(); i++) m->data()[i] = arng.uniform(-a, a);
      ht.scores = additive_scores(ht.q, ht.k, ht.add_w1, ht.add_w2, ht.add_v);
    } else if (reuse && size_t(h) < prev->heads.size()) {
      const HeadTrace& ph = prev->heads[size_t(h)];
      if (same_scaling && same_bits(ht.q, ph.q) && same_bits(ht.k, ph.k)) {
        ht.scores = ph.scores;  // (n_q, n_k) each: the last pass's, unchanged
        ht.scaled = ph.scaled;
        ht.masked = same_mask ? ph.masked : apply_mask(ht.scaled, t->allowed);
      } else {
        ht.scores = dot_scores_update(ht.q, ht.k, ph.q, ph.k, ph.scores);
      }
    } else {
      ht.scores = dot_scores(ht.q, ht.k);
    }
    if (ht.masked.size() == 0) {  // not taken from the last pass
      ht.scaled = scale_scores(ht.scores, t->scale);
      if (cfg.alibi) add_alibi(&ht.scaled, slopes[size_t(h)], query_offset(cfg, t->n_q, t->n_k), causal_bias);
      if (cfg.softcap > 0) soft_cap(&ht.scaled, cfg.softcap);
      if (!all_finite(ht.scaled, "the scaled scores", &err)) return head + ": " + err + " (the scale is too large)";
      ht.masked = apply_mask(ht.scaled, t->allowed);
    }
    const float* sink = cfg.sinks.empty() ? nullptr : &cfg.sinks[size_t(h)];
    if (!normalize_rows(ht.masked, cfg.normalizer, cfg.temperature, cfg.entmax_alpha, &ht, &err, sink)) return head + ", " + err;
    apply_dropout(&ht.weights, cfg.dropout, cfg.seed + uint64_t(h));
    ht.out = attend(ht.weights, ht.v, lim.threads);  // (n_q, dv)
    // values near the float32 limit (1e38) can overflow in the weighted sum: refuse, never NaN
    if (!all_finite(ht.out, "the weighted sum", &err)) return head + ": " + err + ": it overflows float32; scale V down";
    if (cfg.linear) {
      linear_attention(ht.q, ht.k, ht.v, cfg.mask == MaskKind::Causal, &ht.lin_out, &ht.lin_weights);
      if (!ht.lin_out.allFinite() || !ht.lin_weights.allFinite()) {
        ht.lin_out.resize(0, 0);
        ht.lin_weights.resize(0, 0);
        t->notices.push_back("linear attention overflows float32 for head " + std::to_string(h + 1) + " (exp of large q, k): not shown");
      }
    }
    set_head_cols(ht.out, h * dv, &t->concat);
    for (const RowStats& st : ht.stats) masked_rows += st.all_masked;
  }
  if (masked_rows > 0)
    t->notices.push_back(std::to_string(masked_rows) + " row(s) have every key masked: their weights and output are 0");
  return "";
}

// ---- stage 8: concat . W_o (Q, K, V given directly: the output is the head's output)
Err stage_output(const Config& cfg, const Limits& lim, Trace* t) {
  t->output = cfg.input == Input::QKV ? t->concat : output_projection(t->concat, t->Wo, lim.threads);  // (n_q, d)
  std::string err;
  if (!all_finite(t->output, "the output", &err)) return err + ": concat · W_o overflows float32; scale the input down";
  return "";
}

Trace forward_staged(const Config& cfg, const Limits& lim, const Trace* prev) {
  Trace t;
  t.cfg = cfg;
  auto fail = [&](const std::string& msg) { t.ok = false; t.error = msg; return t; };
  if (Err e = validate(cfg, lim); !e.empty()) return fail(e);
  if (cfg.input == Input::Weights) {
    if (Err e = weights_as_given(cfg, lim, &t); !e.empty()) return fail(e);
    t.ok = true;
    return t;
  }
  if (Err e = stage_input(cfg, lim, &t); !e.empty()) return fail(e);
  std::string err;
  if (cfg.input == Input::QKV) {
    t.Q = cfg.Q_in;  // (n_q, d)
    t.K = cfg.K_in;  // (n_k, d)
    t.V = cfg.V_in;  // (n_k, d_v)
    apply_edits(cfg, Target::Q, &t.Q);
    apply_edits(cfg, Target::K, &t.K);
    apply_edits(cfg, Target::V, &t.V);
  } else {
    if (Err e = stage_embed(cfg, &t); !e.empty()) return fail(e);
    if (Err e = stage_project(cfg, prev, &t); !e.empty()) return fail(e);
  }
  if (!all_finite(t.Q, "Q", &err) || !all_finite(t.K, "K", &err) || !all_finite(t.V, "V", &err)) return fail(err);
  if (Err e = stage_heads(cfg, lim, prev, &t); !e.empty()) return fail(e);
  if (Err e = stage_output(cfg, lim, &t); !e.empty()) return fail(e);
  t.ok = true;
  return t;
}

}  // namespace

// The size checks above refuse what cannot fit before allocating; this catch is the second line:
// an allocation that still fails (in wasm: the browser refuses to grow the heap) comes back as a
// refused request, never as an abort. The caller keeps its last good trace.
Trace forward(const Config& cfg, const Limits& lim, const Trace* prev) {
  try {
    return forward_staged(cfg, lim, prev);
  } catch (const std::bad_alloc&) {
    Trace t;
    t.cfg = cfg;
    t.ok = false;
    t.error = "out of memory: this device would not give the engine enough memory for the trace; "
              "use a shorter sequence or fewer heads";
    return t;
  }
}

}  // namespace attn
