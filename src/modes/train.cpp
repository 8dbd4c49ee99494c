// train.cpp: the Train mode's machinery. A small transformer (src/train/) trained in slices of
// each frame (so the page keeps drawing and answering), with a lesson's comparison runs trained
// beside it in the same slices; its curves, bounded snapshots of the probe, divergence kept as a
// lesson, "Open in stepper", Generate, and the setup as text for the link.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include "modes/modes.h"
#include "io/hf_export.h"
#include "modes/jobs.h"
#include "lessons/train_lessons.h"
#include "modes/host.h"
#include "io/train_files.h"
#include "train/settings.h"

namespace attn {

namespace {

TrainView& tv() { return app().train; }

constexpr int kLiveEvalSeqs = 128;


// Keeps the first 50 snapshots and thins the rest to every other one when there are too many.
void thin(TrainRun* r) {
  if (int(r->snaps.size()) <= kMaxSnaps) return;
  std::vector<train::Snapshot> kept;
  int late = 0;
  for (train::Snapshot& s : r->snaps) {
    if (s.step < 50 || late++ % 2 == 0) kept.push_back(std::move(s));
  }
  r->snaps = std::move(kept);
  r->snap_every *= 2;
}

// the state before any step (step -1: "initial weights" on the timeline) as the first snapshot
void add_initial_snapshot(TrainRun* r, float heldout_acc) {
  train::StepStats st;
  st.step = -1;
  st.tensor_norms.assign(r->t.lay.tensors.size(), 0.0f);
  r->snaps.push_back(r->t.snapshot(st, heldout_acc));
}

bool step_run(TrainRun* r, int eval_every) {
  if (!r->ok) return false;
  const train::StepStats st = r->t.train_step();
  if (!st.ok) {
    r->ok = false;
    r->error = st.error;
    return false;
  }
  r->loss.push_back(float(st.loss));
  r->batch_acc.push_back(st.scored ? float(st.correct) / float(st.scored) : 0.0f);
  float held = -1;
  // the live curve uses the first 128 held-out sequences: a whole pass (512) in one frame would stall it
  if (st.step % eval_every == 0 || (st.step < 50 && st.step % 10 == 0)) {
    held = float(r->t.evaluate(kLiveEvalSeqs).acc);
    r->eval_step.push_back(int(st.step));
    r->eval_acc.push_back(held);
  }
  if (st.step < 50 || st.step % r->snap_every == 0) {
    r->snaps.push_back(r->t.snapshot(st, held));
    thin(r);
  }
  return true;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& train_lessons() {
  static std::vector<std::pair<std::string, std::string>> out;
  if (out.empty())
    for (const TrainLesson& l : train_lesson_table()) out.push_back({l.name, l.text});
  return out;
}

void train_reset() {
  TrainView& T = tv();
  T.generation++;
  T.runs.clear();
  T.error.clear();
  T.scrub = -1;
  T.shown = 0;
  T.steps_per_s = T.step_ms = T.run_ms = 0;
  T.gen_tokens.clear();
  T.gen_rows.clear();
  std::vector<std::pair<std::string, train::TrainConfig>> cfgs = {{"", T.cfg}};
  if (const TrainLesson* l = find_lesson(T.lesson))
    for (const auto& [label, delta] : l->vs) {
      train::TrainConfig c = T.cfg;
      std::string err;
      if (apply_settings_text(&c, delta, &err)) cfgs.push_back({label, c});
    }
  if (cfgs.size() > 1) cfgs[0].first = "this run";
  for (auto& [label, c] : cfgs) {
    TrainRun r;
    r.label = label;
    r.cfg = c;
    std::string err;
    r.ok = r.t.init(c, &err);
    if (!r.ok) {
      if (T.runs.empty()) { T.error = err; T.playing = false; return; }
      continue;  // a comparison that does not fit is left out
    }
    add_initial_snapshot(&r, float(r.t.evaluate(kLiveEvalSeqs).acc));
    T.runs.push_back(std::move(r));
  }
  T.ready = true;
  T.layer = std::min(T.layer, T.cfg.model.layers - 1);
  T.head = std::min(T.head, T.cfg.model.heads - 1);
}

bool train_step_once() {
  TrainView& T = tv();
  if (!T.ready || T.runs.empty()) train_reset();
  if (T.runs.empty()) return false;
  const double t0 = host::now_ms();
  bool main_ok = step_run(&T.runs[0], T.eval_every);
  for (size_t i = 1; i < T.runs.size(); i++) step_run(&T.runs[i], T.eval_every);
  T.step_ms = host::now_ms() - t0;
  if (!main_ok) {
    T.playing = false;
    T.error = T.runs[0].error;
  }
  return main_ok;
}

void train_continue() {
  TrainView& T = tv();
  if (!T.playing) return;
  if (!T.ready) train_reset();
  // The slice: 12 ms a frame (at least one step), so drawing and input keep their pace. Where a frame
  // itself takes long (software rendering), the slice grows to a quarter of the rest of the frame,
  // at most 40 ms: the frame rate then drops by at most a quarter, and training is not starved.
  const double rest = std::max(0.0, app().screen.frame_ms - T.last_slice_ms);
  T.frame_rest_ms = T.frame_rest_ms > 0 ? 0.9 * T.frame_rest_ms + 0.1 * rest : rest;
  T.slice_ms = std::clamp(0.25 * T.frame_rest_ms, 12.0, 40.0);
  const Slice sl = run_slice(T.slice_ms, [&] {
    if (T.target_step >= 0 && !T.runs.empty() && T.runs[0].t.step >= T.target_step) {
      T.playing = false;
      T.target_step = -1;
      return false;
    }
    return train_step_once();
  });
  // a last call that said no (the target reached, or a step that stopped the run) trained nothing
  const int steps = sl.steps - (sl.more ? 0 : 1);
  const double ms = sl.ms;
  T.last_slice_ms = ms;
  T.run_ms += ms;
  if (steps > 0) {
    const double rate = 1000.0 * steps / std::max(ms, 1e-3);
    T.steps_per_s = T.steps_per_s > 0 ? 0.8 * T.steps_per_s + 0.2 * rate : rate;
  }
}

void edit_train_config(const train::TrainConfig& next) {
  TrainView& T = tv();
  if (next.task.name != T.cfg.task.name) T.lesson.clear();  // another task is no longer the lesson
  T.cfg = next;
  std::vector<std::string> notes = train::conform_settings(&T.cfg);
  if (!notes.empty()) set_status(notes[0]);
  // the live settings (engine/rules.h) apply at once, in every run of the lesson
  for (TrainRun& r : T.runs) train::copy_live(T.cfg, &r.t.cfg);
}

void train_lesson(const std::string& name) {
  TrainView& T = tv();
  const TrainLesson* l = find_lesson(name);
  if (!l) return;
  train::TrainConfig c = train_app_defaults();
  std::string err;
  if (!apply_settings_text(&c, l->setup, &err)) { T.error = err; return; }
  T.cfg = c;
  T.lesson = name;
  train_reset();
  T.playing = true;
}

bool train_open_in_stepper(int layer, int head) {
  TrainView& T = tv();
  if (!T.ready || T.runs.empty()) return false;
  const TrainRun& r = T.runs[size_t(std::clamp(T.shown, 0, int(T.runs.size()) - 1))];
  Config g;
  std::string err;
  if (!train::stepper_config(r.t.cfg.model, r.t.lay, r.t.params, r.t.task.probe, layer, r.t.task.token_names, &g, &err)) {
    set_status("cannot open in the stepper: " + err);
    return false;
  }
  App& a = app();
  a.stepper.preset.clear();
  edit_config(g);
  a.stepper.view.train = false;
  a.stepper.view.head = std::clamp(head, 0, g.n_heads - 1);
  a.stepper.view.heads_grid = false;
  a.stepper.view.stage = 5;  // normalization: the weights
  set_status("layer " + std::to_string(layer + 1) + " of the trained model (step " + std::to_string(r.t.step) +
             ") in the stepper: X is its input after LayerNorm on the probe");
  return true;
}

void train_generate() {
  TrainView& T = tv();
  if (!T.ready || T.runs.empty()) train_reset();
  if (T.runs.empty()) return;
  TrainRun& r = T.runs[size_t(std::clamp(T.shown, 0, int(T.runs.size()) - 1))];
  const train::ModelConfig& c = r.t.cfg.model;
  T.gen_tokens.clear();
  T.gen_rows.clear();
  if (!c.causal) { set_status(r.t.cfg.task.name + " is bidirectional: it answers a whole input at once, it cannot generate"); return; }
  std::vector<int> toks;
  std::string err;
  if (!train::parse_tokens(r.t.task, T.prompt, &toks, &err)) { set_status("prompt: " + err); return; }
  const size_t max_len = size_t(c.pos == PosEnc::Learned ? c.seq + 1 : 2 * c.seq);
  if (toks.size() >= max_len) { set_status("the prompt is longer than the model's context"); return; }
  T.gen_prompt_len = int(toks.size());
  train::Decoder dec;
  for (size_t i = 0; i < toks.size() && i + 1 < max_len; i++) {
    const std::vector<float> z = train::decode_step(c, r.t.lay, r.t.params, toks[i], &dec);
    std::vector<float> rows;  // (L, H, i + 1) flattened
    for (int l = 0; l < c.layers; l++) rows.insert(rows.end(), dec.attn(l).begin(), dec.attn(l).end());
    T.gen_rows.push_back(rows);
    if (i + 1 == toks.size() && toks.size() + 1 < max_len) {
      int next = 0;
      for (int v = 1; v < c.vocab; v++)
        if (z[size_t(v)] > z[size_t(next)]) next = v;
      toks.push_back(next);
    }
  }
  T.gen_tokens = toks;
}

bool train_import_model(const std::string& name, const std::string& bytes) {
  std::string text, err;
  train::TrainConfig c = train_app_defaults();
  if (!config_of_model(bytes, &text, &err) || !parse_config(text, name + " (its config)", &c, &err)) {
    set_status(name + ": " + err + " (nothing was changed)");
    return false;
  }
  // the app's runs do not end: the imported schedule's decay would stop them
  c.opt.cosine = false;
  c.opt.steps = train_app_defaults().opt.steps;
  TrainRun r;
  r.cfg = c;
  if (!r.t.init(c, &err) || !parse_weights(bytes, name, r.t.lay, &r.t.params, &err)) {
    set_status(name + ": " + err + " (nothing was changed)");
    return false;
  }
  r.ok = true;
  const float acc = float(r.t.evaluate().acc);  // the whole held-out set: what attn eval says
  add_initial_snapshot(&r, acc);
  r.eval_step.push_back(0);  // as opened, before any step here
  r.eval_acc.push_back(acc);
  TrainView& T = tv();
  T.generation++;
  T.cfg = c;
  T.lesson.clear();
  T.runs.clear();
  T.runs.push_back(std::move(r));
  T.ready = T.configured = true;
  T.playing = false;
  T.error.clear();
  T.scrub = -1;
  T.gen_tokens.clear();
  T.gen_rows.clear();
  app().stepper.view.train = true;
  char b[64];
  std::snprintf(b, sizeof b, "%.1f %%", 100.0 * acc);
  set_status(name + ": a trained " + c.task.name + " model (held-out accuracy " + b +
             "); Play trains it further with a fresh optimizer, and a link keeps its settings, not its weights");
  return true;
}

std::string train_setup_text() {
  const TrainView& T = tv();
  const train::TrainConfig d = train_app_defaults();
  std::string out;
  for (const train::Setting& s : train::settings()) {
    const std::string v = train::get_setting(T.cfg, s.key), dv = train::get_setting(d, s.key);
    if (v == dv) continue;
    std::string plain = v;
    if (plain.size() >= 2 && plain.front() == '"') plain = plain.substr(1, plain.size() - 2);
    out += (out.empty() ? "" : ";") + std::string(s.key) + ":" + plain;
  }
  if (!T.lesson.empty()) out += (out.empty() ? "" : ";") + std::string("lesson:") + T.lesson;
  return out;
}

bool apply_train_setup(const std::string& text, std::string* err) {
  // a lesson's own setup first (its comparisons come with it), then the settings the text changes
  train::TrainConfig c = train_app_defaults();
  std::string lesson;
  const size_t at = text.find("lesson:");
  if (at != std::string::npos) {
    const size_t end = text.find(';', at);
    lesson = text.substr(at + 7, end == std::string::npos ? std::string::npos : end - at - 7);
    if (const TrainLesson* l = find_lesson(lesson)) apply_settings_text(&c, l->setup, err);
    else lesson.clear();
  }
  if (!apply_settings_text(&c, text, err)) return false;
  TrainView& T = tv();
  T.cfg = c;
  T.lesson = lesson;
  train_reset();
  return T.error.empty();
}

std::string train_json() {
  const TrainView& T = tv();
  auto f = [](double v) { return sig_text(std::isfinite(v) ? v : -1.0, 6); };
  std::string j = "{\"mode\":" + std::string(app().stepper.view.train ? "true" : "false") + ",\"ready\":" + (T.ready ? "true" : "false") +
                  ",\"playing\":" + (T.playing ? "true" : "false") + ",\"lesson\":\"" + T.lesson + "\"" +
                  ",\"error\":\"" + (T.error.find('"') == std::string::npos ? T.error : std::string("(quoted)")) + "\"" +
                  ",\"steps_per_s\":" + f(T.steps_per_s) + ",\"step_ms\":" + f(T.step_ms) + ",\"slice_ms\":" + f(T.slice_ms) + ",\"scrub\":" + std::to_string(T.scrub) +
                  ",\"setup\":\"" + train_setup_text() + "\",\"stale\":" +
                  (T.ready && !T.runs.empty() && train::needs_reset(T.cfg, T.runs[0].cfg) ? "true" : "false") +
                  ",\"heads\":" + std::to_string(T.cfg.model.heads) + ",\"runs\":[";
  for (size_t i = 0; i < T.runs.size(); i++) {
    const TrainRun& r = T.runs[i];
    j += std::string(i ? "," : "") + "{\"label\":\"" + r.label + "\",\"step\":" + std::to_string(r.t.step) +
         ",\"loss\":" + f(r.loss.empty() ? -1 : r.loss.back()) +
         ",\"heldout\":" + f(r.eval_acc.empty() ? -1 : r.eval_acc.back()) + ",\"snaps\":" + std::to_string(r.snaps.size()) +
         ",\"lr\":" + f(r.t.cfg.opt.lr) + ",\"ok\":" + (r.ok ? "true" : "false") + "}";
  }
  // the stepper's W_q against the trained layer's (after Open in stepper: 0 when they are the same)
  double wq_diff = -1;
  if (!T.runs.empty()) {
    const TrainRun& r = T.runs[size_t(std::clamp(T.shown, 0, int(T.runs.size()) - 1))];
    const Mat& wq = app().stepper.cfg.Wq;
    const int d = r.t.cfg.model.d_model, l = std::clamp(T.layer, 0, r.t.cfg.model.layers - 1);
    if (wq.rows() == d && wq.cols() == d) {
      wq_diff = 0;
      for (int i = 0; i < d * d; i++)
        wq_diff = std::max(wq_diff, double(std::fabs(wq.data()[i] - r.t.params[r.t.lay.layer[size_t(l)].wq + size_t(i)])));
    }
  }
  j += "],\"stepper_wq_diff\":" + f(wq_diff) + ",\"layer\":" + std::to_string(T.layer) + ",\"head\":" + std::to_string(T.head);
  j += ",\"probe_tokens\":[";  // the probe's tokens by name: the labels the stepper shows after Open
  if (!T.runs.empty()) {
    const TrainRun& r = T.runs[size_t(std::clamp(T.shown, 0, int(T.runs.size()) - 1))];
    const std::vector<int>& x = r.t.task.probe.x;
    for (size_t i = 0; i < x.size(); i++) {
      const int id = x[i];
      const std::string name = id < int(r.t.task.token_names.size()) ? r.t.task.token_names[size_t(id)] : std::to_string(id);
      j += std::string(i ? "," : "") + "\"" + (name.find_first_of("\"\\") == std::string::npos ? name : std::string("?")) + "\"";
    }
  }
  j += "]";
  j += ",\"generated\":[";
  for (size_t i = 0; i < T.gen_tokens.size(); i++) j += (i ? "," : "") + std::to_string(T.gen_tokens[i]);
  return j + "]}";
}

}  // namespace attn

namespace attn {

std::string train_hf_inexpressible() {
  const TrainView& T = app().train;
  if (T.runs.empty()) return "train a model first";
  return hf_inexpressible(T.runs[0].t.cfg.model);
}

bool train_hf_files(std::map<std::string, std::string>* files, std::string* err) {
  const TrainView& T = app().train;
  if (T.runs.empty()) { *err = "train a model first"; return false; }
  const TrainRun& r = T.runs[0];
  return hf_gpt2_files(r.t.cfg.model, r.t.lay, r.t.params, r.t.task.token_names, files, err);
}

bool train_open_in_model_mode() {
  std::map<std::string, std::string> files;
  std::string err;
  if (!train_hf_files(&files, &err)) { set_status(err); return false; }
  const TrainRun& r = app().train.runs[0];
  ModelView& M = app().model;
  M.files.clear();
  for (auto& [name, bytes] : files) model_add_file(name, std::move(bytes));
  M.name.clear();
  // the probe's input as the text: the task's tokens, which the exported tokenizer reads one by one
  std::string text;
  for (int id : r.t.task.probe.x) text += r.t.task.token_names[size_t(id)];
  M.text = text;
  M.knocked.clear();
  if (!model_open()) return false;
  set_status("the trained model, as a GPT-2 checkpoint, in the Model mode on the probe's tokens");
  return true;
}

}  // namespace attn
