// check.cpp: the Check tab. "My attention gives other numbers: why?" Bring your Q, K, V and your
// output (files dropped or picked, or the current head's Q, K, V to start from); the options are
// the playground's (mask, scale, temperature, normalizer, variants). The engine's checker
// (engine/check.h) gives the verdict, the tolerance and how it was derived, the likely causes, and
// the difference from the reference as a heatmap.
#include <algorithm>
#include <cmath>
#include "modes/host.h"
#include "ui/ui.h"

namespace attn::ui {

namespace {
std::string dims(const Mat& m) { return m.size() ? std::to_string(m.rows()) + "×" + std::to_string(m.cols()) : "—"; }
}  // namespace

void draw_check(Stepper& sp) {
  auto& c = sp.check;
  ImGui::PushTextWrapPos(0);
  ImGui::TextUnformatted("Check your attention");
  help_marker("Your kernel gives other numbers? Import your Q, K, V and your output (.npy, CSV or JSON; one head), pick the "
              "precision you computed in, and the checker compares your output with a float64 reference, with a tolerance "
              "derived as FlashAttention's tests do, then names the known bug that explains a mismatch. The options used are "
              "the playground's: set the mask, scale, temperature and normalizer you meant.");
  ImGui::TextDisabled("Drop files on the page (or Import), then choose \"your Q\", \"your K\", \"your V\" or \"your output\".");
  ImGui::PopTextWrapPos();
  const char* const roles[8] = {"Q", "K", "V", "output", "dO", "dQ", "dK", "dV"};
  const Mat* m[8] = {&c.q, &c.k, &c.v, &c.out, &c.dout, &c.dq, &c.dk, &c.dv};
  for (int r = 0; r < 8; r++) {
    if (r >= 4 && !m[r]->size()) continue;  // the gradients are optional: listed once given
    ImGui::Text("%-6s %s", roles[r], dims(*m[r]).c_str());
    if (!c.names[r].empty()) { ImGui::SameLine(); ImGui::TextDisabled("%s", c.names[r].c_str()); }
  }
  if (ImGui::SmallButton("Import a file…")) host::pick_file();
  mark("check:import");
  ImGui::SameLine();
  if (ImGui::SmallButton("Start from this head's Q, K, V") && sp.trace.ok && !sp.trace.heads.empty()) {
    const HeadTrace& h = sp.trace.heads[size_t(std::clamp(sp.view.head, 0, sp.trace.n_heads - 1))];
    c.q = h.q;
    c.k = h.k;
    c.v = h.v;
    c.names[0] = c.names[1] = c.names[2] = "head " + std::to_string(sp.view.head + 1) + " of the playground";
    c.ran = false;
  }
  mark("check:from_head");
  ImGui::SetNextItemWidth(110 * screen().dpi);
  const char* const precisions[] = {"fp32", "fp16", "bf16"};
  if (ImGui::Combo("precision", &c.precision, precisions, 3)) c.ran = false;
  mark("check:precision");
  help_marker("The precision your kernel computed in: the tolerance is twice the error of the same attention emulated in it.");
  const bool ready = c.q.size() && c.k.size() && c.v.size() && c.out.size();
  if (!ready) ImGui::BeginDisabled();
  if (ImGui::Button("Check")) check_run();
  if (!ready) ImGui::EndDisabled();
  mark("check:run");
  if (!c.ran) return;
  const CheckResult& r = c.result;
  ImGui::Separator();
  ImGui::PushTextWrapPos(0);
  if (!r.ok) {
    ImGui::TextColored(ImVec4(1, 0.5f, 0.3f, 1), "Cannot check: %s", r.error.c_str());
    ImGui::PopTextWrapPos();
    return;
  }
  for (const TensorVerdict& v : r.tensors) {
    ImGui::TextColored(v.pass ? ImVec4(0.4f, 0.85f, 0.4f, 1) : ImVec4(1, 0.45f, 0.35f, 1), "%s: %s", v.name.c_str(), v.pass ? "PASS" : "FAIL");
    ImGui::TextDisabled("max abs error %.3g, max rel %.3g, worst at row %d, column %d; tolerance %.3g", v.max_abs, v.max_rel, v.i + 1,
                        v.j + 1, v.tol);
    if (v.nan + v.inf) ImGui::TextDisabled("%d NaN and %d Inf in yours", v.nan, v.inf);
  }
  ImGui::TextDisabled("%s", r.tolerance.c_str());
  for (const Cause& cause : r.causes) ImGui::Text("likely cause: %s: %s", cause.id.c_str(), cause.sentence.c_str());
  for (const std::string& n : r.notes) ImGui::TextDisabled("%s", n.c_str());
  ImGui::PopTextWrapPos();
  if (c.diff.size()) {
    MatrixView v;
    v.key = "checkdiff";
    v.title = "yours − reference";
    v.id = MatrixId::Count;
    v.m = &c.diff;
    v.cmap = gfx::Colormap::Diverging;
    v.max_w = ImGui::GetContentRegionAvail().x;
    v.max_h = 260 * screen().dpi;
    matrix_view(sp, v);
    mark("check:diff");
  }
}

}  // namespace attn::ui
