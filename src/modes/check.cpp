// check.cpp: the Check tab's verdict. Someone's one head (Q, K, V, their output and, optionally,
// the gradients) against the engine's float64 checker, with the playground's options as the
// attention they meant.
#include "modes/modes.h"

namespace attn {

void check_run() {
  App& a = app();
  auto& c = a.stepper.check;
  if (!(c.q.size() && c.k.size() && c.v.size() && c.out.size())) return;
  CheckInput in;
  in.Q = {c.q.cast<double>()};
  in.K = {c.k.cast<double>()};
  in.V = {c.v.cast<double>()};
  in.out = {c.out.cast<double>()};
  if (c.dout.size()) {  // gradients too, when the gradient at the output was given
    in.dout = {c.dout.cast<double>()};
    if (c.dq.size()) in.dq = {c.dq.cast<double>()};
    if (c.dk.size()) in.dk = {c.dk.cast<double>()};
    if (c.dv.size()) in.dv = {c.dv.cast<double>()};
  }
  in.cfg = a.stepper.cfg;
  in.cfg.sinks.resize(in.cfg.sinks.empty() ? 0 : 1);  // one head here
  in.precision = c.precision == 1 ? Precision::F16 : c.precision == 2 ? Precision::BF16 : Precision::F32;
  c.result = check_attention(in);
  c.ran = true;
  c.diff.resize(0, 0);
  if (c.result.ok && !c.result.reference.empty()) c.diff = (c.out.cast<double>() - c.result.reference[0]).cast<float>();
}

}  // namespace attn
