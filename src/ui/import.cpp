// import.cpp: bringing the user's own matrices in. A file is parsed at once (a bad file is
// refused with its reason and changes nothing); a good one waits for the user to say what
// it is, and is applied only if the engine accepts the resulting config.
#include <algorithm>
#include "ui/ui.h"
#include "engine/rules.h"
#include <cctype>
#include "io/matrix_text.h"
#include "io/npy.h"
#include "app/host.h"

namespace attn {

void app_import(const std::string& name, const std::string& bytes) {
  App& a = app();
  const std::string base = name.substr(name.find_last_of("/\\") + 1);
  std::string err;
  if (bytes.empty() && models::is_folder(name)) { model_open_dir(name); return; }  // the desktop: a dropped folder
  if (bytes.empty()) { set_status(base + ": the file is empty, too large or could not be read"); return; }
  auto ends = [&](const char* ext) {
    std::string e = ext, b = base;
    for (char& c : b) c = char(std::tolower(static_cast<unsigned char>(c)));
    return b.size() >= e.size() && b.compare(b.size() - e.size(), e.size(), e) == 0;
  };
  // a real checkpoint's files: the Model mode gathers them and opens the model once it has them
  const bool model_file = base == "config.json" || base == "tokenizer.json" || base == "vocab.json" || base == "merges.txt" ||
                          base == "model.safetensors.index.json" ||
                          (ends(".safetensors") && (a.view.model || a.model.files.count("config.json")));
  if (model_file) {
    model_add_file(base, bytes);
    const auto& f = a.model.files;
    if (f.count("config.json") && (f.count("model.safetensors") || f.count("model.safetensors.index.json"))) {
      a.model.name.clear();
      model_open();
    }
    else set_status(base + " received: the model opens when config.json and its weights are both given");
    return;
  }
  if (ends(".safetensors")) {  // a trained model: the Train mode opens it
    train_import_model(base, bytes);
    return;
  }
  Mat m;
  bool ok;
  if (ends(".npy")) {
    NpyArray arr;
    ok = npy_parse(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &arr, &err) && npy_to_mat(arr, &m, &err);
  } else if (ends(".csv")) {
    ok = parse_csv(bytes, &m, &err);
  } else if (ends(".json")) {
    ok = parse_json_matrix(bytes, &m, &err);
  } else {
    ok = false;
    err = "unsupported file type; use .npy, .csv or .json (or a model.safetensors from attn train)";
  }
  if (!ok) {
    set_status(base + ": " + err + " (nothing was changed)");
    return;
  }
  a.import_mat = std::move(m);
  if (a.import_mat.rows() > a.limits.max_n || a.import_mat.cols() > a.limits.max_n) {
    set_status(base + ": " + std::to_string(a.import_mat.rows()) + "x" + std::to_string(a.import_mat.cols()) + " is larger than the limit of " + std::to_string(a.limits.max_n));
    return;
  }
  a.import_name = base;
  a.import_open = true;
}

namespace {
// Applies the imported matrix as `what` to a copy of the config; commits only if it computes.
bool apply(const char* what, bool adopt, std::string* err) {
  App& a = app();
  Config c = a.cfg;
  const Mat& m = a.import_mat;
  const int R = int(m.rows()), C = int(m.cols());
  const std::string w = what;
  if (w == "X") {
    if (C != c.d_model) {
      if (!adopt) { *err = "X has " + std::to_string(C) + " columns but d_model is " + std::to_string(c.d_model); return false; }
      c.d_model = C;
      c.n_heads = fit_heads(c.d_model, c.n_heads);
      c.Wq = c.Wk = c.Wv = c.Wo = Mat();
    }
    c.input = Input::Matrices;
    c.X = m;
    c.X_src = Mat();
  } else if (w == "W_q" || w == "W_k" || w == "W_v") {
    if (c.input == Input::QKV || c.input == Input::Weights) { *err = "the current setup gives Q, K, V directly; W matrices do not apply"; return false; }
    // W_q is (d_model, d_model); under grouped-query attention W_k and W_v are (d_model, H_kv d_head)
    const bool kv = w != "W_q";
    const int d_head = c.d_model / c.n_heads, kv_heads = c.n_kv_heads > 0 ? c.n_kv_heads : c.n_heads;
    const int want = kv ? kv_heads * d_head : c.d_model;
    if (kv && R == c.d_model && C != want && adopt && C % d_head == 0 && c.n_heads % (C / d_head) == 0) {
      // adopt: the file's columns say how many key/value heads there are; the partner is redrawn if it no longer fits
      c.n_kv_heads = C / d_head == c.n_heads ? 0 : C / d_head;
      Mat& partner = w == "W_k" ? c.Wv : c.Wk;
      if (partner.size() && partner.cols() != C) partner = Mat();
    } else if (R != c.d_model || C != want) {
      *err = w + " must be " + std::to_string(c.d_model) + "x" + std::to_string(want) +
             (want != c.d_model ? " (d_model x H_kv d_head = " + std::to_string(kv_heads) + " x " + std::to_string(d_head) + ")" : " (d_model x d_model)") +
             ", got " + std::to_string(R) + "x" + std::to_string(C) +
             (kv && C % d_head == 0 && c.n_heads % std::max(1, C / d_head) == 0 && C > 0
                  ? "; it fits " + std::to_string(C / d_head) + " key/value heads: set them in Variants, or tick \"Adopt the file's shape\""
                  : "");
      return false;
    }
    (w == "W_q" ? c.Wq : w == "W_k" ? c.Wk : c.Wv) = m;
  } else if (w == "weights") {  // shown as they are
    c.input = Input::Weights;
    c.A_in = m;
  } else {  // Q, K or V: switch to giving Q, K, V directly, starting from the current head's
    if (c.input != Input::QKV) {
      if (a.trace.heads.empty() || a.trace.heads[0].q.size() == 0) { *err = "there is no current Q/K/V to start from; import X first"; return false; }
      const HeadTrace& h = a.trace.heads[size_t(a.view.head)];
      c.Q_in = h.q; c.K_in = h.k; c.V_in = h.v;
      c.input = Input::QKV;
    }
    Mat& dst = w == "Q" ? c.Q_in : w == "K" ? c.K_in : c.V_in;
    if (adopt) {  // adopt the file's shape: resize the partners to match
      if (w == "Q" && c.K_in.cols() != C) { c.K_in = Mat::Zero(c.K_in.rows(), C); }
      if (w == "K") { if (c.Q_in.cols() != C) c.Q_in = Mat::Zero(c.Q_in.rows(), C); if (c.V_in.rows() != R) c.V_in = Mat::Zero(R, c.V_in.cols()); }
      if (w == "V" && c.K_in.rows() != R) c.K_in = Mat::Zero(R, c.K_in.cols());
    }
    dst = m;
  }
  c.edits.clear();
  Trace t = forward(c, a.limits);
  if (!t.ok) { *err = t.error; return false; }
  edit_config(c);
  a.preset = "";
  return true;
}
}  // namespace

namespace ui {

void draw_import_dialog() {
  App& a = app();
  if (a.import_open) { ImGui::OpenPopup("Import matrix"); a.import_open = false; }
  ImGuiIO& io = ImGui::GetIO();
  ImGui::SetNextWindowPos(ImVec2(io.DisplaySize.x * 0.5f, io.DisplaySize.y * 0.5f), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  if (!ImGui::BeginPopupModal("Import matrix", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  std::string& err = a.view.import_error;
  bool& adopt = a.view.import_adopt;
  ImGui::Text("%s: %d × %d", a.import_name.c_str(), int(a.import_mat.rows()), int(a.import_mat.cols()));
  ImGui::TextUnformatted("Use it as:");
  for (const char* w : {"X", "W_q", "W_k", "W_v", "Q", "K", "V", "weights"}) {
    ImGui::SameLine();
    const bool clicked = ImGui::Button(w);
    mark((std::string("import:") + w).c_str());
    if (clicked) {
      if (apply(w, adopt, &err)) { set_status("imported " + a.import_name + " as " + w); err.clear(); ImGui::CloseCurrentPopup(); }
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
      Mat* dst[8] = {&a.check.q, &a.check.k, &a.check.v, &a.check.out, &a.check.dout, &a.check.dq, &a.check.dk, &a.check.dv};
      *dst[r] = a.import_mat;
      a.check.names[r] = a.import_name;
      a.check.ran = false;
      set_status("imported " + a.import_name + " as " + roles[r] + " (the Check tab)");
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

}  // namespace ui
}  // namespace attn
