// compare.cpp: pin and compare. "Pin" keeps the trace on screen as A; every change afterwards is
// B, shown beside A on the same stage with the difference B - A, cell by cell. The link carries
// A's state as well (pin=...), so a comparison can be shared.
#include <algorithm>
#include <cmath>
#include "modes/modes.h"

namespace attn {

namespace {
std::string dims(const Mat& m) { return std::to_string(m.rows()) + "×" + std::to_string(m.cols()); }
}  // namespace

const Mat* stage_matrix(const Trace& t, int stage, int head, std::string* name) {
  if (!t.ok || t.heads.empty()) return nullptr;
  const HeadTrace& h = t.heads[size_t(std::clamp(head, 0, int(t.heads.size()) - 1))];
  const char* n = "";
  const Mat* m = nullptr;
  switch (Stage(stage)) {
    case Stage::Embed: n = "embeddings X′"; m = t.Xpe.size() ? &t.Xpe : nullptr; break;
    case Stage::Project: n = "queries Q"; m = &h.q; break;
    case Stage::Scores: n = "scores S"; m = &h.scores; break;
    case Stage::Scale: n = "scaled scores S′"; m = &h.scaled; break;
    case Stage::Mask: n = "masked scores M"; m = &h.masked; break;
    case Stage::Normalize: n = "weights"; m = &h.weights; break;
    case Stage::Attend: n = "head output O"; m = &h.out; break;
    case Stage::Output: n = "output Y"; m = &t.output; break;
    default: break;
  }
  if (name) *name = n;
  return m && m->size() ? m : nullptr;
}

void pin_current() {
  App& a = app();
  if (!a.stepper.trace.ok) { set_status("nothing to pin: the current setup does not compute"); return; }
  a.stepper.pin_on = true;
  a.stepper.pin_cfg = a.stepper.cfg;
  a.stepper.pin_preset = a.stepper.preset;
  a.stepper.pin_trace = a.stepper.trace;
  a.stepper.version++;  // the compare heatmaps re-upload
  set_status("pinned as A: change anything, and B (what you see) is compared with A cell by cell");
}

void unpin() {
  App& a = app();
  a.stepper.pin_on = false;
  a.stepper.pin_trace = Trace{};
  a.stepper.version++;
}

std::string pin_state() {
  const App& a = app();
  if (!a.stepper.pin_on) return "";
  ShareState s;
  s.cfg = a.stepper.pin_cfg;
  s.preset = a.stepper.pin_preset;
  return encode_state(s);
}

bool apply_pin(const std::string& text, std::string* err) {
  App& a = app();
  std::vector<std::string> notes;
  ShareState s = decode_state(text, &notes);
  Trace t = forward(s.cfg, a.stepper.limits);
  if (!t.ok) {
    *err = "the pinned state A does not compute: " + t.error;
    return false;
  }
  a.stepper.pin_on = true;
  a.stepper.pin_cfg = s.cfg;
  a.stepper.pin_preset = s.preset;
  a.stepper.pin_trace = std::move(t);
  a.stepper.version++;
  if (!notes.empty()) *err = "pinned state A: " + notes[0];
  return true;
}

CompareView compare_now() {
  const App& a = app();
  CompareView c;
  if (!a.stepper.pin_on) return c;
  std::string name_b;
  c.a = stage_matrix(a.stepper.pin_trace, a.stepper.view.stage, a.stepper.view.head, &c.name);
  c.b = stage_matrix(a.stepper.trace, a.stepper.view.stage, a.stepper.view.head, &name_b);
  if (!c.a || !c.b) {
    c.why = "this stage has no matrix in " + std::string(!c.a ? "A" : "B") + " (Q, K and V were given directly)";
    return c;
  }
  if (c.a->rows() != c.b->rows() || c.a->cols() != c.b->cols()) {
    c.why = "A is " + dims(*c.a) + " and B is " + dims(*c.b) + ": the shapes differ, so there is no cell-by-cell difference";
    return c;
  }
  // B - A in float, as a reader would subtract them; equal cells (masked -inf in both included) are 0
  c.diff.resize(c.a->rows(), c.a->cols());
  for (Eigen::Index k = 0; k < c.diff.size(); k++) {
    const float x = c.a->data()[k], y = c.b->data()[k];
    c.diff.data()[k] = x == y ? 0.0f : y - x;
  }
  c.ok = true;
  return c;
}

}  // namespace attn
