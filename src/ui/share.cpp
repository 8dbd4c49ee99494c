// share.cpp: taking things out. "Share / Embed" gives a link that reproduces the view and
// a ready <iframe> snippet; "Export" saves any matrix as PNG (2x, with labels and legend),
// CSV, JSON or .npy, copies it as NumPy source, or saves a 2x PNG of the whole view.
#include <cstdio>
#include "ui/ui.h"
#include "io/matrix_text.h"
#include "io/npy.h"
#include "imgui_stdlib.h"
#include "modes/host.h"

namespace attn::ui {

std::vector<ExportItem> export_items(const Stepper& sp) {
  const Trace& t = sp.trace;
  std::vector<ExportItem> items;
  if (!t.ok) return items;
  const int h = std::min(sp.view.head, t.n_heads - 1);
  const std::string hs = " (head " + std::to_string(h + 1) + ")", hstem = "_h" + std::to_string(h + 1);
  const auto D = gfx::Colormap::Diverging, S = gfx::Colormap::Sequential;
  const HeadTrace& ht = t.heads[size_t(h)];
  auto add = [&](const std::string& label, const std::string& stem, const Mat& m, MatrixId id, gfx::Colormap c) {
    if (m.size() > 0) items.push_back({label, stem, &m, id, c});
  };
  add("weights" + hs, "weights" + hstem, ht.weights, MatrixId::Weights, S);
  add("scores" + hs, "scores" + hstem, ht.scores, MatrixId::Scores, D);
  add("scaled" + hs, "scaled" + hstem, ht.scaled, MatrixId::Scaled, D);
  add("masked" + hs, "masked" + hstem, ht.masked, MatrixId::Masked, D);
  add("Q" + hs, "q" + hstem, ht.q, MatrixId::Q, D);
  add("K" + hs, "k" + hstem, ht.k, MatrixId::K, D);
  add("V" + hs, "v" + hstem, ht.v, MatrixId::V, D);
  add("head output" + hs, "heads" + hstem, ht.out, MatrixId::HeadOut, D);
  add("linear weights" + hs, "linear_weights" + hstem, ht.lin_weights, MatrixId::LinWeights, S);
  add("X (embeddings)", "x", t.X, MatrixId::X, D);
  add("X + PE", "x_pe", t.Xpe, MatrixId::Xpe, D);
  add("W_q", "wq", t.Wq, MatrixId::Count, D);
  add("W_k", "wk", t.Wk, MatrixId::Count, D);
  add("W_v", "wv", t.Wv, MatrixId::Count, D);
  add("W_o", "wo", t.Wo, MatrixId::Count, D);
  add("concat", "concat", t.concat, MatrixId::Concat, D);
  add("output", "output", t.output, MatrixId::Output, D);
  return items;
}

namespace {
std::string base_url(bool embed) {
  std::string u = host::page_url();  // e.g. https://host/path/index.html (no fragment)
  size_t slash = u.find_last_of('/');
  std::string dir = slash == std::string::npos ? "" : u.substr(0, slash + 1);
  return dir + (embed ? "embed.html" : "index.html");
}
}  // namespace

void draw_share_button(Stepper& sp) {
  if (ImGui::SmallButton("Share / Embed")) ImGui::OpenPopup("share");
  mark("share");
  if (!ImGui::BeginPopup("share")) return;
  ShareState st = share_state();
  st.embed = false;
  st.panels.clear();
  std::string link, snippet;  // this frame's (ImGui copies what it shows)
  link = base_url(false) + "#" + encode_state(st);
  st.embed = true;
  st.panels = sp.view.embed ? sp.view.panels : "stage,row";
  std::string embed_state = encode_state(st);
  snippet = "<iframe src=\"" + base_url(true) + "#" + embed_state + "\" title=\"Attention Playground\" width=\"100%\" height=\"560\" loading=\"lazy\" style=\"border:0\"></iframe>";
  const float w = 480 * screen().dpi;
  if (sp.cfg.input == Input::Matrices || sp.cfg.input == Input::Weights || (sp.cfg.input == Input::QKV && sp.preset.empty()))
    ImGui::TextColored(ImVec4(1, 0.6f, 0.2f, 1), "Imported matrices are not part of the link: it opens the last preset or sentence.");
  ImGui::TextUnformatted("Link to exactly this view");
  ImGui::SetNextItemWidth(w);
  ImGui::InputText("##link", &link, ImGuiInputTextFlags_ReadOnly);
  ImGui::SameLine();
  if (ImGui::Button("Copy link")) { host::copy_text(link); set_status("link copied"); }
  mark("copy_link");
  ImGui::TextUnformatted("Embed in a blog post");
  help_marker("Paste into your page's HTML. panels= chooses what the embed shows: stage, row, tokens, controls, heads, cost.");
  ImGui::InputTextMultiline("##snippet", &snippet, ImVec2(w, ImGui::GetTextLineHeight() * 4), ImGuiInputTextFlags_ReadOnly);
  ImGui::SameLine();
  if (ImGui::Button("Copy snippet")) { host::copy_text(snippet); set_status("iframe snippet copied"); }
  mark("copy_snippet");
  ImGui::EndPopup();
}

void draw_export_button(Stepper& sp) {
  if (ImGui::SmallButton("Export")) ImGui::OpenPopup("export");
  mark("export");
  if (!ImGui::BeginPopup("export")) return;
  if (ImGui::Button("PNG of this view (2×)")) { screen().capture = 1; ImGui::CloseCurrentPopup(); }
  mark("export:view_png");
  ImGui::Separator();
  int& pick = sp.view.export_pick;
  std::vector<ExportItem> items = export_items(sp);
  if (items.empty()) { ImGui::EndPopup(); return; }
  pick = std::min(pick, int(items.size()) - 1);
  ImGui::SetNextItemWidth(240 * screen().dpi);
  if (ImGui::BeginCombo("matrix", items[size_t(pick)].label.c_str())) {
    for (int i = 0; i < int(items.size()); i++) {
      if (ImGui::Selectable(items[size_t(i)].label.c_str(), i == pick)) pick = i;
      mark(("export:" + items[size_t(i)].stem).c_str());
    }
    ImGui::EndCombo();
  }
  mark("export:matrix");
  const ExportItem& it = items[size_t(pick)];
  if (ImGui::Button("PNG (2×)")) { screen().capture = 2; screen().capture_matrix = it.stem; ImGui::CloseCurrentPopup(); }
  mark("export:png");
  ImGui::SameLine();
  if (ImGui::Button("CSV")) set_status(host::save_file(it.stem + ".csv", to_csv(*it.m), "text/csv"));
  mark("export:csv");
  ImGui::SameLine();
  if (ImGui::Button("JSON")) set_status(host::save_file(it.stem + ".json", to_json(*it.m, it.stem), "application/json"));
  mark("export:json");
  ImGui::SameLine();
  if (ImGui::Button(".npy")) set_status(host::save_file(it.stem + ".npy", npy_encode(it.m->data(), {it.m->rows(), it.m->cols()}), "application/octet-stream"));
  mark("export:npy");
  ImGui::SameLine();
  if (ImGui::Button("Copy as NumPy")) { host::copy_text(to_numpy(*it.m, it.stem)); set_status("copied " + it.stem + " as NumPy"); }
  mark("export:numpy");
  ImGui::Separator();
  if (ImGui::Button("Import a matrix…")) { host::pick_file(); ImGui::CloseCurrentPopup(); }
  mark("import");
  help_marker(".npy (float32/float64, 2-D), .csv or .json ([[…], […]]). You choose whether it is X, a weight matrix, Q, K, V, or attention weights to show as they are. Files can also be dropped on the window.");
  ImGui::EndPopup();
}

void draw_capture_matrix(Stepper& sp) {
  for (const ExportItem& it : export_items(sp)) {
    if (it.stem != screen().capture_matrix) continue;
    const Trace& t = sp.trace;
    const bool rows_q = it.id != MatrixId::K && it.id != MatrixId::V && it.id != MatrixId::Count;
    const bool cols_k = it.id == MatrixId::Weights || it.id == MatrixId::Scores || it.id == MatrixId::Scaled ||
                        it.id == MatrixId::Masked || it.id == MatrixId::LinWeights;
    MatrixView v;
    v.key = "capture";
    v.title = it.label.c_str();
    v.id = it.id;
    v.head = sp.view.head;
    v.m = it.m;
    v.rows = rows_q ? &t.tokens_q : (it.id == MatrixId::Count ? nullptr : &t.tokens_k);
    v.cols = cols_k ? &t.tokens_k : nullptr;
    v.cmap = it.cmap;
    v.max_w = ImGui::GetIO().DisplaySize.x - 40 * screen().dpi;
    v.max_h = ImGui::GetIO().DisplaySize.y - 60 * screen().dpi;
    // NOTE: an auto-resizing window is hidden on its first frame; use the whole display and
    // crop to the matrix's own rectangle instead.
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImGui::GetIO().DisplaySize);
    ImGui::Begin("##capture", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoSavedSettings);
    ImGui::BeginGroup();
    matrix_view(sp, v);
    ImGui::EndGroup();
    const ImVec2 p0 = ImGui::GetItemRectMin(), p1 = ImGui::GetItemRectMax(), pad = ImGui::GetStyle().WindowPadding;
    screen().capture_crop = Rect{p0.x - pad.x, p0.y - pad.y, p1.x + pad.x, p1.y + pad.y};
    ImGui::End();
  }
}

}  // namespace attn::ui
