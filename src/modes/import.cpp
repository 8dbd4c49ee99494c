// import.cpp: bringing the user's own matrices in. A file is parsed at once (a bad file is
// refused with its reason and changes nothing); a good one waits for the user to say what
// it is (ui/import.cpp asks), and is applied only if the engine accepts the resulting config.
// A real checkpoint's files go to the Model mode, a trained model's to the Train mode.
#include <algorithm>
#include <cctype>
#include "modes/modes.h"
#include "engine/rules.h"
#include "io/matrix_text.h"
#include "io/npy.h"

namespace attn {

void app_import(const std::string& name, const std::string& bytes) {
  Stepper& sp = app().stepper;
  ModelView& M = app().model;
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
                          (ends(".safetensors") && (sp.view.model || M.files.count("config.json")));
  if (model_file) {
    model_add_file(base, bytes);
    const auto& f = M.files;
    if (f.count("config.json") && (f.count("model.safetensors") || f.count("model.safetensors.index.json"))) {
      M.name.clear();
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
  sp.import_mat = std::move(m);
  if (sp.import_mat.rows() > sp.limits.max_n || sp.import_mat.cols() > sp.limits.max_n) {
    set_status(base + ": " + std::to_string(sp.import_mat.rows()) + "x" + std::to_string(sp.import_mat.cols()) + " is larger than the limit of " + std::to_string(sp.limits.max_n));
    return;
  }
  sp.import_name = base;
  sp.import_open = true;
}

bool import_apply(const char* what, bool adopt, std::string* err) {
  Stepper& sp = app().stepper;
  Config c = sp.cfg;
  const Mat& m = sp.import_mat;
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
      if (sp.trace.heads.empty() || sp.trace.heads[0].q.size() == 0) { *err = "there is no current Q/K/V to start from; import X first"; return false; }
      const HeadTrace& h = sp.trace.heads[size_t(sp.view.head)];
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
  Trace t = forward(c, sp.limits);
  if (!t.ok) { *err = t.error; return false; }
  edit_config(c);
  sp.preset = "";
  return true;
}
}  // namespace attn
