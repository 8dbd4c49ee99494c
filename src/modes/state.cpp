// state.cpp: the app's state as JSON, for the page's test hook and (later) the host page.
#include <cmath>
#include <cstdio>
#include "modes/modes.h"
#include "kernels/kernels.h"

namespace attn {

namespace {
std::string esc(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '"' || c == '\\') { r += '\\'; r += c; }
    else if (static_cast<unsigned char>(c) < 0x20) { char b[8]; std::snprintf(b, sizeof b, "\\u%04x", c); r += b; }
    else r += c;
  }
  return r;
}
}  // namespace

std::string state_json() {
  const App& a = app();
  const Trace& t = a.stepper.trace;
  const View& v = a.stepper.view;
  auto f = [](double x) { return sig_text(x, 6); };
  std::string hover;
  if (v.hover_prev) {
    Explanation e = v.hover_prev_grad != GradId::Count ? explain_grad(t, a.stepper.grads, v.hover_prev_grad, v.hover_prev_head, v.hover_prev_i, v.hover_prev_j)
                                                       : explain(t, v.hover_prev_id, v.hover_prev_head, v.hover_prev_i, v.hover_prev_j);
    hover = "{\"matrix\":\"" + std::string(matrix_name(v.hover_prev_id)) + "\",\"head\":" + std::to_string(v.hover_prev_head) +
            ",\"i\":" + std::to_string(v.hover_prev_i) +
            ",\"j\":" + std::to_string(v.hover_prev_j) + ",\"text\":\"" + esc(e.ok ? e.text : "") + "\"}";
  } else {
    hover = "null";
  }
  std::string w = "null";
  if (t.ok && v.head < int(t.heads.size()) && v.query < t.n_q) {
    w = "[";
    const Mat& m = t.heads[size_t(v.head)].weights;
    for (int j = 0; j < t.n_k; j++) w += (j ? "," : "") + f(m(v.query, j));
    w += "]";
  }
  return std::string("{") +
         "\"frames\":" + std::to_string(a.frames) +
         ",\"ok\":" + (t.ok ? "true" : "false") +
         ",\"error\":\"" + esc(t.error) + "\"" +
         ",\"status\":\"" + esc(a.screen.status) + "\"" +
         ",\"preset\":\"" + esc(a.stepper.preset) + "\"" +
         ",\"stage\":" + std::to_string(v.stage) +
         ",\"tour_step\":" + std::to_string(v.tour_step) +
         ",\"pin\":" + (a.stepper.pin_on ? "true" : "false") +
         ",\"backward\":" + (v.backward ? "true" : "false") +
         ",\"check\":" + [&] {  // the Check tab: loaded tensors, and the verdict once run
           std::string r = "{\"loaded\":" + std::to_string(int(a.stepper.check.q.size() > 0) + int(a.stepper.check.k.size() > 0) + int(a.stepper.check.v.size() > 0) +
                                                          int(a.stepper.check.out.size() > 0)) +
                           ",\"ran\":" + (a.stepper.check.ran ? "true" : "false") + ",\"pass\":" + (a.stepper.check.result.pass ? "true" : "false") +
                           ",\"error\":\"" + esc(a.stepper.check.result.error) + "\",\"causes\":[";
           for (size_t i = 0; i < a.stepper.check.result.causes.size(); i++) r += (i ? ",\"" : "\"") + esc(a.stepper.check.result.causes[i].id) + "\"";
           return r + "]}";
         }() +
         ",\"stage_name\":\"" + esc(stage_name(Stage(v.stage))) + "\"" +
         ",\"head\":" + std::to_string(v.head) +
         ",\"query\":" + std::to_string(v.query) +
         ",\"heads_grid\":" + (v.heads_grid ? "true" : "false") +
         ",\"theme\":\"" + (v.light ? "light" : "dark") + "\"" +
         ",\"help\":" + (v.show_help ? "true" : "false") +
         ",\"narrow\":" + (a.screen.narrow ? "true" : "false") +
         ",\"dpr\":" + f(a.screen.dpi) +
         ",\"embed\":" + (v.embed ? "true" : "false") +
         ",\"panels\":\"" + esc(v.panels) + "\"" +
         ",\"content_height\":" + f(a.screen.content_height) +
         ",\"url_state\":\"" + esc(encode_state(share_state())) + "\"" +
         ",\"n_q\":" + std::to_string(t.n_q) + ",\"n_k\":" + std::to_string(t.n_k) +
         ",\"d_model\":" + std::to_string(a.stepper.cfg.d_model) + ",\"n_heads\":" + std::to_string(a.stepper.cfg.n_heads) +
         ",\"normalizer\":\"" + name_of(a.stepper.cfg.normalizer) + "\"" +
         ",\"mask\":\"" + name_of(a.stepper.cfg.mask) + "\"" +
         ",\"posenc\":\"" + name_of(a.stepper.cfg.posenc) + "\"" +
         ",\"temperature\":" + f(a.stepper.cfg.temperature) +
         ",\"edits\":" + std::to_string(a.stepper.cfg.edits.size()) +
         ",\"compute_ms\":" + f(t.compute_ms) +
         ",\"output_sum\":" + [&] {  // to 17 digits: any changed output bit almost surely shows; builds and thread counts compare
           double sum = 0;
           for (Eigen::Index i = 0; i < t.output.size(); i++) sum += t.output.data()[i];
           return sig_text(sum, 17);
         }() +
         ",\"kernel_backend\":\"" + kern::backend() + "\"" + ",\"fused_madd\":" + (kern::fused_madd() ? "true" : "false") +
         ",\"long\":{\"ok\":" + (a.longv.trace.ok ? "true" : "false") + ",\"n\":" + std::to_string(a.longv.trace.n) +
         ",\"causal\":" + (a.longv.trace.causal ? "true" : "false") + ",\"ms\":" + f(a.longv.ms) +
         ",\"bytes\":" + f(a.longv.trace.bytes) + ",\"i0\":" + std::to_string(a.longv.i0) +
         ",\"j0\":" + std::to_string(a.longv.j0) + ",\"window\":" + std::to_string(a.longv.window) +
         ",\"hover_i\":" + std::to_string(a.longv.hover_i) + ",\"hover_j\":" + std::to_string(a.longv.hover_j) +
         ",\"hover_w\":" + f(a.longv.hover_w) + ",\"running\":" + (a.longv.running() ? "true" : "false") +
         ",\"rows_done\":" + std::to_string(a.longv.job.next) + ",\"version\":" + std::to_string(a.longv.version) + "}" +
         ",\"simd\":" + (kern::simd_active() ? "true" : "false") + ",\"threads\":" + std::to_string(engine_threads()) +
         ",\"tokens_q\":" + [&] { std::string r = "["; for (size_t i = 0; i < t.tokens_q.size(); i++) r += (i ? ",\"" : "\"") + esc(t.tokens_q[i]) + "\""; return r + "]"; }() +
         ",\"tokens_k\":" + [&] { std::string r = "["; for (size_t i = 0; i < t.tokens_k.size(); i++) r += (i ? ",\"" : "\"") + esc(t.tokens_k[i]) + "\""; return r + "]"; }() +
         ",\"row_weights\":" + w +
         ",\"hover\":" + hover +
         "}";
}

std::string compare_json() {
  const CompareView c = compare_now();
  auto list = [&](const Mat* m) {
    std::string r = "[";
    for (Eigen::Index k = 0; m && k < m->size(); k++) {
      const float x = m->data()[k];
      // JSON has no infinity (masked cells)
      r += (k ? "," : "") + (std::isfinite(x) ? sig_text(double(x), 9) : std::string("null"));
    }
    return r + "]";
  };
  return std::string("{\"on\":") + (app().stepper.pin_on ? "true" : "false") + ",\"ok\":" + (c.ok ? "true" : "false") +
         ",\"name\":\"" + esc(c.name) + "\",\"why\":\"" + esc(c.why) + "\",\"rows\":" + std::to_string(c.ok ? c.diff.rows() : 0) +
         ",\"cols\":" + std::to_string(c.ok ? c.diff.cols() : 0) + ",\"a\":" + list(c.ok ? c.a : nullptr) +
         ",\"b\":" + list(c.ok ? c.b : nullptr) + ",\"diff\":" + list(c.ok ? &c.diff : nullptr) + "}";
}

}  // namespace attn
