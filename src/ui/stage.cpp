// stage.cpp: the current stage: its formula, two or three sentences on what it means,
// and its matrices, with linked highlighting between them. Also the explanation card.
#include <algorithm>
#include <cmath>
#include "ui/ui.h"
#include "lessons/saturation.h"
#include "lessons/stage_text.h"
#include "engine/stages/embed.h"

namespace attn::ui {

namespace {


// Flow layout: each matrix takes its natural width and goes beside the previous one when it fits.
struct Flow {
  Stepper& sp;
  float right = ImGui::GetCursorScreenPos().x + ImGui::GetContentRegionAvail().x;
  bool first = true;
  void place(MatrixView v) {
    v.max_w = ImGui::GetContentRegionAvail().x;
    const float w = matrix_view_width(v);
    if (!first && ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x * 2 + w <= right) ImGui::SameLine(0, ImGui::GetStyle().ItemSpacing.x * 2);
    first = false;
    ImGui::BeginGroup();
    matrix_view(sp, v);
    ImGui::EndGroup();
  }
  // views side by side on one row, sharing its width equally, each at most h tall
  void row(std::initializer_list<MatrixView*> vs, float h) {
    const float gap = ImGui::GetStyle().ItemSpacing.x * 2, w = (right - ImGui::GetCursorScreenPos().x - gap * float(vs.size() - 1)) / float(vs.size());
    bool firsts = true;
    for (MatrixView* v : vs) {
      v->max_w = w;
      v->max_h = h;
      if (!firsts) ImGui::SameLine(0, gap);
      firsts = false;
      ImGui::BeginGroup();
      matrix_view(sp, *v);
      ImGui::EndGroup();
    }
    first = false;
  }
};

std::vector<std::string> feature_labels(int d) {
  std::vector<std::string> r;
  for (int c = 0; c < d; c++) r.push_back(c < kFeatureCount ? feature_name(c) : std::to_string(c + 1));
  return r;
}

void saturation_plot(Stepper& sp) {
  std::vector<SaturationPoint>& curve = sp.view.saturation;
  if (curve.empty()) curve = saturation_curve(16, 48, 1);
  const float s = screen().dpi, W = std::min(ImGui::GetContentRegionAvail().x, 420 * s), H = 110 * s;
  ImGui::TextUnformatted("Largest softmax weight of 16 random keys as d_k grows");
  ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::Dummy(ImVec2(W, H + 18 * s));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRect(p, ImVec2(p.x + W, p.y + H), ImGui::GetColorU32(ImGuiCol_Border));
  const int n = int(curve.size());
  auto pt = [&](int i, float y) { return ImVec2(p.x + 6 * s + (W - 12 * s) * i / float(n - 1), p.y + H - 4 * s - (H - 8 * s) * y); };
  for (int i = 0; i + 1 < n; i++) {
    dl->AddLine(pt(i, curve[size_t(i)].max_weight_unscaled), pt(i + 1, curve[size_t(i + 1)].max_weight_unscaled), IM_COL32(230, 90, 60, 255), 2.5f * s);
    dl->AddLine(pt(i, curve[size_t(i)].max_weight_scaled), pt(i + 1, curve[size_t(i + 1)].max_weight_scaled), IM_COL32(80, 160, 230, 255), 2.5f * s);
  }
  // mark the current d_k
  int cur = 0;
  for (int i = 0; i < n; i++) if (curve[size_t(i)].d_k <= sp.trace.d_head) cur = i;
  dl->AddLine(ImVec2(pt(cur, 0).x, p.y), ImVec2(pt(cur, 0).x, p.y + H), ImGui::GetColorU32(ImGuiCol_TextDisabled), 1.0f);
  for (int i = 0; i < n; i += 3) {
    std::string l = std::to_string(curve[size_t(i)].d_k);
    dl->AddText(ImVec2(pt(i, 0).x - 4 * s, p.y + H + 2 * s), ImGui::GetColorU32(ImGuiCol_TextDisabled), l.c_str());
  }
  ImGui::TextColored(ImVec4(0.9f, 0.35f, 0.24f, 1), "unscaled");
  ImGui::SameLine();
  ImGui::TextColored(ImVec4(0.31f, 0.63f, 0.9f, 1), "scaled by 1/√d_k");
  ImGui::SameLine();
  ImGui::TextDisabled("(x: d_k = 1 … 512, line: this model's d_k = %d)", sp.trace.d_head);
}

}  // namespace

void draw_stage(Stepper& sp) {
  const Trace& t = sp.trace;
  if (!t.ok) {
    ImGui::TextColored(ImVec4(1, 0.4f, 0.3f, 1), "Cannot compute: %s", t.error.c_str());
    return;
  }
  if (sp.view.backward) {  // the backward stages replace the forward stage: its title, formula and matrices
    draw_backward_stage(sp);
    draw_explain_card(sp);
    return;
  }
  const int h = std::clamp(sp.view.head, 0, t.n_heads - 1);
  const HeadTrace& ht = t.heads[size_t(h)];
  const StageText st = stage_text(sp.view.stage, t);
  draw_formula(std::to_string(sp.view.stage + 1) + ". " + stage_markup(Stage(sp.view.stage)), screen().font_title, screen().font_title->FontSize,
               ImGui::GetColorU32(ImGuiCol_Text));
  if (t.n_heads > 1 && sp.view.stage >= 1 && sp.view.stage <= 6) {
    ImGui::SameLine();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(head_color(h)), "head %d of %d", h + 1, t.n_heads);
  }
  draw_formula(st.formula, screen().font_ui, screen().font_ui->FontSize * 1.15f, ImGui::GetColorU32(ImGuiCol_Text), ImGui::GetContentRegionAvail().x);
  mark("formula");
  ImGui::PushTextWrapPos(0);
  ImGui::TextDisabled("%s", st.prose);
  ImGui::PopTextWrapPos();
  ImGui::Spacing();

  // linked highlighting from last frame's hover: weight (i, j) -> query row i, key row j
  int hq = -1, hk = -1, hc = -1;
  if (sp.view.hover_prev) {
    MatrixId id = sp.view.hover_prev_id;
    if (id == MatrixId::Weights || id == MatrixId::Scores || id == MatrixId::Scaled || id == MatrixId::Masked || id == MatrixId::LinWeights) {
      hq = sp.view.hover_prev_i;
      hk = sp.view.hover_prev_j;
    } else if (id == MatrixId::HeadOut) {
      hq = sp.view.hover_prev_i;
      hc = sp.view.hover_prev_j;
    }
  }
  const float avail_h = std::max(200 * screen().dpi, ImGui::GetContentRegionAvail().y - 90 * screen().dpi);
  // NOTE: an embed reports its content height to the host page, which resizes the iframe; sizes
  // that followed the iframe's height would feed back, so embeds use a fixed matrix height.
  const float tall = screen().narrow || sp.view.embed ? 420 * screen().dpi : avail_h;
  // Q/K/V or the weights themselves were given: there are no embeddings or projections
  const bool qkv_in = t.cfg.input == Input::QKV || t.cfg.input == Input::Weights;
  const int dh = t.d_head, off = qkv_in ? 0 : h * dh;
  auto view = [&](const char* key, const char* title, MatrixId id, const Mat& m, const std::vector<std::string>* rows,
                  const std::vector<std::string>* cols, gfx::Colormap cm) {
    MatrixView v;
    v.key = key; v.title = title; v.id = id; v.head = h; v.m = &m; v.rows = rows; v.cols = cols; v.cmap = cm;
    v.max_h = tall;
    return v;
  };
  const auto D = gfx::Colormap::Diverging, Sq = gfx::Colormap::Sequential;
  const std::vector<std::string> feat = feature_labels(t.d_model);  // the views below point at it
  if (sp.pin_on) {  // pin and compare replaces the stage's matrices
    draw_compare(sp);
    draw_explain_card(sp);
    return;
  }
  Flow flow{sp};
  switch (Stage(sp.view.stage)) {
    case Stage::Embed: {
      if (qkv_in) { ImGui::TextWrapped("This preset gives Q, K and V directly: there are no embeddings. Step on to Q / K / V."); break; }
      const bool pe = t.cfg.posenc == PosEnc::Sinusoidal;
      MatrixView x = view("X", "X  (embeddings)", MatrixId::X, t.X, &t.tokens_q, &feat, D);
      x.editable = true; x.target = Target::X;
      if (pe) x.max_h = tall * 0.5f;
      flow.place(x);
      if (pe) {
        MatrixView p = view("PE", "PE  (sinusoidal)", MatrixId::PE, t.PE, nullptr, nullptr, D);
        MatrixView xp = view("Xpe", "X′ = X + PE", MatrixId::Xpe, t.Xpe, &t.tokens_q, &feat, D);
        p.max_h = xp.max_h = tall * 0.5f;
        flow.place(p);
        flow.place(xp);
      }
      if (t.cross) ImGui::TextDisabled("Cross-attention: keys and values come from \"%s\".", t.cfg.source.c_str());
      break;
    }
    case Stage::Project: {
      char tq[32], tk[32], tv[32];  // the titles (matrix_view draws them now)
      std::snprintf(tq, sizeof tq, "Q  (head %d)", h + 1);
      std::snprintf(tk, sizeof tk, "K  (head %d)", h + 1);
      std::snprintf(tv, sizeof tv, "V  (head %d)", h + 1);
      MatrixView q = view("Qp", tq, MatrixId::Q, ht.q, &t.tokens_q, nullptr, D), k = view("Kp", tk, MatrixId::K, ht.k, &t.tokens_k, nullptr, D),
                 v = view("Vp", tv, MatrixId::V, ht.v, &t.tokens_k, nullptr, D);
      q.editable = k.editable = v.editable = true;
      q.target = Target::Q; k.target = Target::K; v.target = Target::V;
      q.col_offset = k.col_offset = off; v.col_offset = qkv_in ? 0 : off;
      q.max_h = k.max_h = v.max_h = tall * 0.5f;
      flow.place(q); flow.place(k); flow.place(v);
      if (!qkv_in && ImGui::CollapsingHeader("Weights W_q, W_k, W_v (editable)")) {
        Flow wf{sp};
        MatrixView wq = view("Wq", "W_q", MatrixId::Count, t.Wq, &feat, nullptr, D), wk = view("Wk", "W_k", MatrixId::Count, t.Wk, &feat, nullptr, D),
                   wv = view("Wv", "W_v", MatrixId::Count, t.Wv, &feat, nullptr, D);
        wq.editable = wk.editable = wv.editable = true;
        wq.target = Target::Wq; wk.target = Target::Wk; wv.target = Target::Wv;
        wq.max_h = wk.max_h = wv.max_h = tall * 0.6f;
        wf.place(wq); wf.place(wk); wf.place(wv);
      }
      break;
    }
    case Stage::Scores: {
      MatrixView q = view("Qs", "Q", MatrixId::Q, ht.q, &t.tokens_q, nullptr, D), k = view("Ks", "K", MatrixId::K, ht.k, &t.tokens_k, nullptr, D);
      q.highlight_row = hq; k.highlight_row = hk;
      q.max_h = k.max_h = tall * 0.45f;
      MatrixView sc = view("S", "S = Q K^{T}", MatrixId::Scores, ht.scores, &t.tokens_q, &t.tokens_k, D);
      sc.select_rows = true;
      sc.max_h = tall * 0.5f;
      flow.place(q); flow.place(k); flow.place(sc);
      break;
    }
    case Stage::Scale: {
      ImGui::Text("scale = %s", fmt(t.scale, 4).c_str());
      ImGui::SameLine();
      ImGui::TextDisabled(t.cfg.scale == ScaleMode::Auto ? "(1/√%d)" : t.cfg.scale == ScaleMode::None ? "(scaling off)" : "(custom)", dh);
      if (!qkv_in) {
        // d_k = d_model / heads: changing it here changes d_model
        ImGui::SameLine();
        int dk_log = 0;
        while ((1 << dk_log) < dh) dk_log++;
        ImGui::SetNextItemWidth(std::min(220 * screen().dpi, ImGui::GetContentRegionAvail().x * 0.5f));
        if (ImGui::SliderInt("##dk", &dk_log, 0, 6, ("d_k = " + std::to_string(1 << dk_log)).c_str())) {
          Config c = sp.cfg;
          c.d_model = std::min(512, (1 << dk_log) * c.n_heads);
          c.edits.clear();
          edit_config(c);
        }
        mark("d_k");
        help_marker("d_k is each head's width (d_model / heads). Raise it with scaling off to watch the weights collapse onto one key.");
        ImGui::SameLine();
        bool on = sp.cfg.scale != ScaleMode::None;
        if (ImGui::Checkbox("scaling on", &on)) {
          Config c = sp.cfg;
          c.scale = on ? ScaleMode::Auto : ScaleMode::None;
          edit_config(c);
        }
        mark("scaling_on");
      }
      MatrixView sc = view("S2", "S", MatrixId::Scores, ht.scores, &t.tokens_q, &t.tokens_k, D), sd = view("Sd", "S′ = S × scale", MatrixId::Scaled, ht.scaled, &t.tokens_q, &t.tokens_k, D);
      sc.max_h = sd.max_h = tall * 0.5f;
      sc.select_rows = sd.select_rows = true;
      flow.place(sc); flow.place(sd);
      saturation_plot(sp);
      break;
    }
    case Stage::Mask: {
      MatrixView m = view("M", "masked scores (click / drag to paint)", MatrixId::Masked, ht.masked, &t.tokens_q, &t.tokens_k, D);
      m.mask_paint = true;
      m.max_h = tall * 0.85f;
      flow.place(m);
      if (t.cfg.mask == MaskKind::Custom && ImGui::Button("Reset painted mask")) {
        Config c = sp.cfg;
        c.mask = MaskKind::None;
        c.custom_mask.clear();
        edit_config(c);
      }
      break;
    }
    case Stage::Normalize: {
      const bool lin = t.cfg.linear && ht.lin_weights.size() > 0;
      MatrixView wv = view("A", "weights A", MatrixId::Weights, ht.weights, &t.tokens_q, &t.tokens_k, Sq);
      wv.select_rows = true;
      wv.highlight_row = sp.view.query;
      wv.max_h = tall * 0.58f;
      flow.place(wv);
      if (lin) {
        MatrixView lv = view("L", "linear attention's implied weights (φ = elu+1)", MatrixId::LinWeights, ht.lin_weights, &t.tokens_q, &t.tokens_k, Sq);
        lv.max_h = tall * 0.6f;
        flow.place(lv);
      }
      Flow f2{sp};
      MatrixView q = view("Qn", "Q", MatrixId::Q, ht.q, &t.tokens_q, nullptr, D), k = view("Kn", "K", MatrixId::K, ht.k, &t.tokens_k, nullptr, D),
                 v = view("Vn", "V", MatrixId::V, ht.v, &t.tokens_k, nullptr, D);
      q.highlight_row = hq; k.highlight_row = hk; v.highlight_row = hk;
      q.show_legend = k.show_legend = v.show_legend = false;
      f2.row({&q, &k, &v}, tall * 0.38f);
      break;
    }
    case Stage::Attend: {
      MatrixView wv = view("A2", "A", MatrixId::Weights, ht.weights, &t.tokens_q, &t.tokens_k, Sq);
      MatrixView v = view("V2", "V", MatrixId::V, ht.v, &t.tokens_k, nullptr, D);
      MatrixView o = view("O", "O = A V", MatrixId::HeadOut, ht.out, &t.tokens_q, nullptr, D);
      wv.highlight_row = hq; v.highlight_col = hc; o.highlight_row = hq;
      wv.select_rows = true;
      wv.max_h = v.max_h = o.max_h = tall * 0.5f;
      flow.place(wv); flow.place(v); flow.place(o);
      if (t.cfg.linear && ht.lin_out.size()) {
        MatrixView lo = view("LO", "linear attention output (O(n))", MatrixId::LinOut, ht.lin_out, &t.tokens_q, nullptr, D);
        lo.max_h = tall * 0.4f;
        flow.place(lo);
      }
      break;
    }
    case Stage::Output: {
      MatrixView c = view("C", "concat(heads)", MatrixId::Concat, t.concat, &t.tokens_q, nullptr, D);
      c.max_h = tall * 0.5f;
      flow.place(c);
      if (!qkv_in) {
        MatrixView wo = view("Wo", "W_o", MatrixId::Count, t.Wo, nullptr, nullptr, D);
        MatrixView y = view("Y", "Y = concat · W_o", MatrixId::Output, t.output, &t.tokens_q, nullptr, D);
        wo.max_h = y.max_h = tall * 0.5f;
        flow.place(wo);
        flow.place(y);
      }
      break;
    }
    default: break;
  }
  draw_explain_card(sp);
}

// What the outlines drawn for a hovered cell mean (the tooltip beside the cell has its arithmetic),
// or "" when the hovered matrix outlines nothing elsewhere.
std::string outline_note(const Stepper& sp) {
  const View& v = sp.view;
  const Trace& t = sp.trace;
  const int i = v.hover_prev_i, j = v.hover_prev_j;
  auto tok = [](const std::vector<std::string>& ts, int k) {
    return k >= 0 && k < int(ts.size()) ? " (\"" + ts[size_t(k)] + "\")" : std::string();
  };
  const Stage st = Stage(v.stage);
  const bool pair = v.hover_prev_id == MatrixId::Weights || v.hover_prev_id == MatrixId::Scores || v.hover_prev_id == MatrixId::Scaled ||
                    v.hover_prev_id == MatrixId::Masked || v.hover_prev_id == MatrixId::LinWeights;
  if (v.hover_prev_grad != GradId::Count) return "";
  if (pair && st == Stage::Scores)
    return "Outlined: query row " + std::to_string(i + 1) + tok(t.tokens_q, i) + " in Q and key row " + std::to_string(j + 1) +
           tok(t.tokens_k, j) + " in K, the two vectors whose dot product this score is.";
  if (pair && st == Stage::Normalize)
    return "Outlined: query row " + std::to_string(i + 1) + tok(t.tokens_q, i) + " in Q, and key row " + std::to_string(j + 1) +
           tok(t.tokens_k, j) + " in K and in V: the value this weight takes into the query's output.";
  if (v.hover_prev_id == MatrixId::HeadOut && st == Stage::Attend)
    return "Outlined: row " + std::to_string(i + 1) + tok(t.tokens_q, i) + " of A (the weights it sums with) and column " +
           std::to_string(j + 1) + " of V (the values it sums).";
  return "";
}

void draw_explain_card(Stepper& sp) {
  const View& v = sp.view;
  ImGui::Spacing();
  ImGui::Separator();
  // a hovered cell has its arithmetic in the tooltip beside it: here, what the outlines add
  if (v.hover_prev) {
    const std::string note = outline_note(sp);
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled("%s", note.empty() ? "Click a cell to keep its arithmetic here." : note.c_str());
    ImGui::PopTextWrapPos();
    return;
  }
  // no hover (a tapped cell on a touch screen, or the cursor elsewhere): the pinned cell's arithmetic
  Explanation e;
  if (v.pinned) e = explain(sp.trace, v.pin_id, v.pin_head, v.pin_i, v.pin_j);
  if (!e.ok) {
    ImGui::TextDisabled("Hover or tap any cell to see the arithmetic that produced it.");
    return;
  }
  if (!e.math.empty()) {
    draw_formula(e.math, screen().font_mono, screen().font_mono->FontSize * 1.1f, ImGui::GetColorU32(ImGuiCol_Text), ImGui::GetContentRegionAvail().x);
    return;
  }
  ImGui::PushFont(screen().font_mono);
  ImGui::PushTextWrapPos(0);
  ImGui::TextUnformatted(e.text.c_str());
  ImGui::PopTextWrapPos();
  ImGui::PopFont();
}

}  // namespace attn::ui
