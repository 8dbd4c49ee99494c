// stepper.cpp: the one App, and the stepper's state changes: the config edited through its rules,
// presets, the once-per-frame recompute, the backward stages' gradients, the status line, and the
// shareable state (the URL fragment) read and written.
#include <algorithm>
#include <string>
#include <vector>
#include "modes/modes.h"
#include "modes/host.h"
#include "engine/rules.h"
#include "kernels/kernels.h"
#include "lessons/presets.h"

namespace attn {

namespace {
App g_app;
}  // namespace

int engine_threads() { return std::min(kMaxThreads, kern::hardware_threads()); }

App& app() { return g_app; }

ShareState share_state() {
  const App& a = g_app;
  ShareState s;
  s.cfg = a.stepper.cfg;
  s.preset = a.stepper.preset;
  s.stage = a.stepper.view.stage;
  s.head = a.stepper.view.head;
  s.query = a.stepper.view.query;
  s.grid = a.stepper.view.heads_grid;
  s.light = a.stepper.view.light;
  s.embed = a.stepper.view.embed;
  if (a.stepper.view.embed) s.panels = a.stepper.view.panels;
  s.pin = pin_state();
  if (a.stepper.view.model) {
    s.model_mode = true;
    s.model = a.model.name;
    s.model_text = a.model.text;
    s.model_layer = a.model.layer;
    s.model_head = a.model.head;
  }
  if (a.stepper.view.train) {
    s.train_mode = true;
    s.train = train_setup_text();
    if (!a.train.runs.empty()) s.train_step = int(a.train.runs[0].t.step);
  }
  return s;
}

void apply_share_state(const std::string& text) {
  App& a = g_app;
  std::vector<std::string> notes;
  ShareState s = decode_state(text, &notes);
  a.stepper.cfg = s.cfg;
  a.stepper.preset = s.preset;
  a.stepper.sentence_buf = s.cfg.sentence;
  a.stepper.source_buf = s.cfg.source;
  a.stepper.view.stage = s.stage;
  a.stepper.view.head = s.head;
  a.stepper.view.query = s.query;
  a.stepper.view.heads_grid = s.grid;
  a.stepper.view.light = s.light;
  a.stepper.view.embed = s.embed;
  if (!s.panels.empty()) a.stepper.view.panels = s.panels;
  a.stepper.view.pinned = false;
  a.stepper.dirty = true;
  std::string pin_err;
  if (s.pin.empty()) unpin();
  else if (!apply_pin(s.pin, &pin_err)) { unpin(); notes.insert(notes.begin(), pin_err); }
  else if (!pin_err.empty()) notes.push_back(pin_err);
  a.stepper.view.model = s.model_mode;
  if (a.stepper.view.model) {
    ModelView& M = a.model;
    if (!s.model_text.empty()) M.text = s.model_text;
    M.layer = s.model_layer;
    M.head = s.model_head;
    // a link names the model, never its weights: it asks before downloading (the browser's cache
    // may already hold the files)
    if (!s.model.empty() && s.model != M.name) model_ask_download(s.model);
    else if (M.loaded) model_run();
  }
  a.stepper.view.train = s.train_mode;
  if (a.stepper.view.train) {
    // a link's run: the same setup and seed give the same run, so it is trained again up to its step
    TrainView& T = a.train;
    const int have = T.runs.empty() ? -1 : int(T.runs[0].t.step);
    if (!T.ready || !T.configured || s.train != train_setup_text() || (s.train_step >= 0 && have > s.train_step)) {
      std::string err;
      T.configured = true;
      if (!apply_train_setup(s.train, &err)) notes.insert(notes.begin(), "train: " + err);
    }
    const int now = T.runs.empty() ? 0 : int(T.runs[0].t.step);
    T.target_step = s.train_step;
    T.playing = s.train_step > now;
    T.scrub = -1;
  }
  if (!notes.empty()) {
    std::string msg = "link: " + notes[0];
    if (notes.size() > 1) msg += " (+" + std::to_string(notes.size() - 1) + " more)";
    set_status(msg);
  }
  // the URL shows what is in force, with the ignored parts dropped
  a.published.clear();
}

void edit_config(const Config& next) {
  App& a = g_app;
  a.stepper.cfg = next;
  std::vector<std::string> notes = conform(&a.stepper.cfg, Front::App);
  if (!notes.empty()) set_status(notes[0]);
  a.stepper.dirty = true;
}

void set_status(const std::string& msg) {
  g_app.screen.status = msg;
  g_app.screen.status_ms = host::now_ms();
}

void load_preset(const std::string& name) {
  App& a = g_app;
  Config c;
  if (!apply_preset(name, &c)) { set_status("unknown preset '" + name + "'"); return; }
  a.stepper.cfg = c;
  a.stepper.preset = name;
  a.stepper.sentence_buf = c.sentence;
  a.stepper.source_buf = c.source;
  a.stepper.view.query = 0;
  a.stepper.view.head = 0;
  a.stepper.view.pinned = false;
  // open each preset on the row (and stage) that shows its lesson
  const Preset* p = find_preset(name);
  a.stepper.view.query = preset_query(*p, c);
  if (p->stage >= 0) a.stepper.view.stage = p->stage;
  a.stepper.dirty = true;
}

void recompute_if_dirty() {
  App& a = g_app;
  if (!a.stepper.dirty) return;
  a.stepper.dirty = false;
  double t0 = host::now_ms();
  Trace t = forward(a.stepper.cfg, a.stepper.limits, &a.stepper.trace);  // what the change left alone comes from the shown trace
  t.compute_ms = host::now_ms() - t0;
  // The first forward of a session also pays for the browser compiling the engine's code on first
  // call (17-23 ms for a 10-token preset in headless Chromium, against well under 1 ms after).
  // The badge reports what an edit costs, so a quick first pass is timed once more, warm.
  bool& warm = a.stepper.forward_warm;
  if (!warm && t.ok && t.compute_ms < 50) {
    t0 = host::now_ms();
    t = forward(a.stepper.cfg, a.stepper.limits, &a.stepper.trace);
    t.compute_ms = host::now_ms() - t0;
  }
  warm = true;
  if (t.ok) {
    a.stepper.trace = std::move(t);
  } else {
    // keep showing the last good trace; say what was refused and why
    set_status("refused: " + t.error);
    if (!a.stepper.trace.ok) a.stepper.trace = std::move(t);
  }
  a.stepper.version++;
  a.stepper.view.head = std::clamp(a.stepper.view.head, 0, std::max(0, a.stepper.trace.n_heads - 1));
  a.stepper.view.query = std::clamp(a.stepper.view.query, 0, std::max(0, a.stepper.trace.n_q - 1));
}

std::string app_test_memory_failure() {
  App& a = g_app;
  const Config saved = a.stepper.cfg;
  const Limits saved_limits = a.stepper.limits;
  a.stepper.limits.max_n = 1 << 20;
  a.stepper.limits.max_trace_bytes = 1e15;
  a.stepper.cfg.input = Input::QKV;
  a.stepper.cfg.Q_in = a.stepper.cfg.K_in = a.stepper.cfg.V_in = Mat::Constant(16000, 1, 0.5f);
  a.stepper.dirty = true;
  recompute_if_dirty();
  std::string seen = a.screen.status;
  a.stepper.cfg = saved;
  a.stepper.limits = saved_limits;
  a.stepper.dirty = true;
  return seen;
}

void update_grads() {
  App& a = g_app;
  if (!a.stepper.view.backward || !a.stepper.trace.ok) return;
  const int q = std::clamp(a.stepper.view.query, 0, std::max(0, a.stepper.trace.n_q - 1));
  if (a.stepper.grads_version == a.stepper.version && a.stepper.grads_query == q) return;
  Mat dY = Mat::Zero(a.stepper.trace.output.rows(), a.stepper.trace.output.cols());  // L = Σ_c y_qc: a one on the query's row
  dY.row(q).setOnes();
  a.stepper.grads = backward(a.stepper.trace, dY);
  a.stepper.version++;  // the heatmaps on screen re-upload (the query may have changed, the trace not)
  a.stepper.grads_version = a.stepper.version;
  a.stepper.grads_query = q;
  a.stepper.grad_mats.clear();
}

}  // namespace attn
