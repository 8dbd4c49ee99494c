// import.cpp: the import dialog: an imported matrix (modes/import.cpp parsed it) waits here for the
// user to say what it is; it is applied only if the engine accepts the resulting config.
#include <algorithm>
#include "ui/ui.h"
#include "modes/host.h"

namespace attn::ui {

void draw_import_dialog(Stepper& sp) {
  if (sp.import_open) { ImGui::OpenPopup("Import matrix"); sp.import_open = false; }
  ImGuiIO& io = ImGui::GetIO();
  ImGui::SetNextWindowPos(ImVec2(io.DisplaySize.x * 0.5f, io.DisplaySize.y * 0.5f), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  if (!ImGui::BeginPopupModal("Import matrix", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  std::string& err = sp.view.import_error;
  bool& adopt = sp.view.import_adopt;
  ImGui::Text("%s: %d × %d", sp.import_name.c_str(), int(sp.import_mat.rows()), int(sp.import_mat.cols()));
  ImGui::TextUnformatted("Use it as:");
  for (const char* w : {"X", "W_q", "W_k", "W_v", "Q", "K", "V", "weights"}) {
    ImGui::SameLine();
    const bool clicked = ImGui::Button(w);
    mark((std::string("import:") + w).c_str());
    if (clicked) {
      if (import_apply(w, adopt, &err)) { set_status("imported " + sp.import_name + " as " + w); err.clear(); ImGui::CloseCurrentPopup(); }
    }
  }
  // or as one of the four tensors of the Check tab
  ImGui::TextUnformatted("or, to check your attention:");
  const char* const roles[8] = {"your Q", "your K", "your V", "your output", "dO", "your dQ", "your dK", "your dV"};
  for (int r = 0; r < 8; r++) {
    if (r == 4) ImGui::TextDisabled("and, to check gradients too:");
    ImGui::SameLine();
    const bool clicked = ImGui::Button(roles[r]);
    mark((std::string("import:check") + std::to_string(r)).c_str());
    if (clicked) {
      Mat* dst[8] = {&sp.check.q, &sp.check.k, &sp.check.v, &sp.check.out, &sp.check.dout, &sp.check.dq, &sp.check.dk, &sp.check.dv};
      *dst[r] = sp.import_mat;
      sp.check.names[r] = sp.import_name;
      sp.check.ran = false;
      set_status("imported " + sp.import_name + " as " + roles[r] + " (the Check tab)");
      err.clear();
      ImGui::CloseCurrentPopup();
    }
  }
  ImGui::Checkbox("Adopt the file's shape when it does not match", &adopt);
  if (!err.empty()) {
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
    ImGui::TextColored(ImVec4(1, 0.5f, 0.3f, 1), "Not applied: %s", err.c_str());
    ImGui::PopTextWrapPos();
  }
  const bool escape = host::escape_pressed();
  if (ImGui::Button("Cancel") || escape) { err.clear(); ImGui::CloseCurrentPopup(); }
  mark("import:cancel");
  ImGui::EndPopup();
}

}  // namespace attn::ui
