// backward.cpp: the backward stages. With "Backward" on, each stage of the stepper shows the
// gradients flowing back through it for L = Σ_c y_ic, the selected query's output row: the same
// matrix views, colormaps and hover arithmetic as the forward stages (explain_grad).
#include <algorithm>
#include "ui/ui.h"

namespace attn::ui {

namespace {

struct Shown {
  const char* key;
  std::string title;
  GradId id;
  const std::vector<std::string>* rows;
  const std::vector<std::string>* cols;
};

// the formula (markup) and the matrices of stage s, backward
const char* formula(Stage s) {
  switch (s) {
    case Stage::Output: return "∂L/∂concat = ∂L/∂Y W_{o}^{⊤},   ∂L/∂W_{o} = concat^{⊤} ∂L/∂Y";
    case Stage::Attend: return "∂L/∂α = ∂L/∂O V^{⊤},   ∂L/∂V = A^{⊤} ∂L/∂O";
    case Stage::Normalize: return "∂L/∂m_{ij} = \\frac{α_{ij} (∂L/∂α_{ij} − \\sum_{k} α_{ik} ∂L/∂α_{ik})}{T}   (softmax)";
    case Stage::Mask: return "∂L/∂s′_{ij} = ∂L/∂m_{ij} where query i may see key j,  0 where it is masked";
    case Stage::Scale: return "∂L/∂s_{ij} = ∂L/∂s′_{ij} × scale";
    case Stage::Scores: return "∂L/∂q_{i} = \\sum_{j} ∂L/∂s_{ij} k_{j},   ∂L/∂k_{j} = \\sum_{i} ∂L/∂s_{ij} q_{i}";
    case Stage::Project: return "∂L/∂W_{q} = X′^{⊤} ∂L/∂Q,   ∂L/∂W_{k} = X′^{⊤} ∂L/∂K,   ∂L/∂W_{v} = X′^{⊤} ∂L/∂V";
    case Stage::Embed: return "∂L/∂X = ∂L/∂Q W_{q}^{⊤} + ∂L/∂K W_{k}^{⊤} + ∂L/∂V W_{v}^{⊤}";
    default: return "";
  }
}

}  // namespace

void draw_backward_stage(Stepper& sp) {
  const Trace& t = sp.trace;
  const Stage st = Stage(sp.view.stage);
  const int h = std::clamp(sp.view.head, 0, std::max(0, t.n_heads - 1));
  draw_formula(std::to_string(sp.view.stage + 1) + ". " + stage_markup(st) + ", backward", screen().font_title, screen().font_title->FontSize,
               ImGui::GetColorU32(ImGuiCol_Text));
  ImGui::PushTextWrapPos(0);
  const int q = std::clamp(sp.view.query, 0, std::max(0, t.n_q - 1));
  ImGui::TextDisabled("L = Σ_c y_%d,c: the output row of \"%s\" (choose another query to follow its gradient). Step from stage 8 "
                      "back to stage 1.", q + 1, t.tokens_q.empty() ? "" : t.tokens_q[size_t(q)].c_str());
  ImGui::PopTextWrapPos();
  if (!sp.grads.ok) {
    ImGui::TextColored(ImVec4(1, 0.5f, 0.3f, 1), "No gradients: %s", sp.grads.error.c_str());
    return;
  }
  draw_formula(formula(st), screen().font_ui, screen().font_ui->FontSize * 1.1f, ImGui::GetColorU32(ImGuiCol_Text), ImGui::GetContentRegionAvail().x);
  mark("formula");
  const bool qkv = t.cfg.input == Input::QKV;
  std::vector<Shown> shown;
  switch (st) {
    case Stage::Output:
      shown = {{"gY", "∂L/∂Y", GradId::dY, &t.tokens_q, nullptr}, {"gC", "∂L/∂concat", GradId::dConcat, &t.tokens_q, nullptr}};
      if (!qkv) shown.push_back({"gWo", "∂L/∂W_o", GradId::dWo, nullptr, nullptr});
      break;
    case Stage::Attend:
      shown = {{"gO", "∂L/∂O (head)", GradId::dO, &t.tokens_q, nullptr}, {"gA", "∂L/∂α", GradId::dA, &t.tokens_q, &t.tokens_k},
               {"gv", "∂L/∂V (head)", GradId::dv, &t.tokens_k, nullptr}};
      break;
    case Stage::Normalize:
      shown = {{"gA2", "∂L/∂α", GradId::dA, &t.tokens_q, &t.tokens_k}, {"gM", "∂L/∂m", GradId::dM, &t.tokens_q, &t.tokens_k}};
      break;
    case Stage::Mask: shown = {{"gM2", "∂L/∂m  (0 where masked)", GradId::dM, &t.tokens_q, &t.tokens_k}}; break;
    case Stage::Scale: shown = {{"gS", "∂L/∂s", GradId::dS, &t.tokens_q, &t.tokens_k}}; break;
    case Stage::Scores:
      shown = {{"gq", "∂L/∂Q (head)", GradId::dq, &t.tokens_q, nullptr}, {"gk", "∂L/∂K (head)", GradId::dk, &t.tokens_k, nullptr}};
      break;
    case Stage::Project:
      shown = {{"gQ", "∂L/∂Q", GradId::dQ, &t.tokens_q, nullptr}, {"gK", "∂L/∂K", GradId::dK, &t.tokens_k, nullptr},
               {"gV", "∂L/∂V", GradId::dV, &t.tokens_k, nullptr}};
      if (!qkv) {
        shown.push_back({"gWq", "∂L/∂W_q", GradId::dWq, nullptr, nullptr});
        shown.push_back({"gWk", "∂L/∂W_k", GradId::dWk, nullptr, nullptr});
        shown.push_back({"gWv", "∂L/∂W_v", GradId::dWv, nullptr, nullptr});
      }
      break;
    case Stage::Embed:
      if (!qkv) shown = {{"gX", "∂L/∂X", GradId::dX, &t.tokens_q, nullptr}};
      else ImGui::TextDisabled("Q, K and V were given directly: the gradient stops at them (stage 2).");
      break;
    default: break;
  }
  const float W = ImGui::GetContentRegionAvail().x, gap = ImGui::GetStyle().ItemSpacing.x * 2;
  const int per_row = std::min<int>(int(shown.size()), W > 700 * screen().dpi ? 3 : 2);
  const float w = per_row > 0 ? (W - gap * float(per_row - 1)) / float(per_row) : W;
  const float hgt = screen().narrow || sp.view.embed ? 360 * screen().dpi : std::max(220 * screen().dpi, (ImGui::GetContentRegionAvail().y - 100 * screen().dpi) / (shown.size() > 3 ? 2.0f : 1.0f));
  for (size_t k = 0; k < shown.size(); k++) {
    const MatD* gm = grad_matrix(sp.grads, shown[k].id, h);
    if (!gm || gm->size() == 0) continue;
    Mat& f = sp.grad_mats[shown[k].key];
    if (f.rows() != gm->rows() || f.cols() != gm->cols()) f = gm->cast<float>();
    MatrixView v;
    v.key = shown[k].key;
    v.title = shown[k].title.c_str();
    v.id = MatrixId::Count;
    v.grad = shown[k].id;
    v.head = h;
    v.m = &f;
    v.rows = shown[k].rows;
    v.cols = shown[k].cols;
    v.cmap = gfx::Colormap::Diverging;
    v.max_w = w;
    v.max_h = hgt;
    if (k % size_t(std::max(1, per_row))) ImGui::SameLine(0, gap);
    ImGui::BeginGroup();
    matrix_view(sp, v);
    ImGui::EndGroup();
  }
}

}  // namespace attn::ui
