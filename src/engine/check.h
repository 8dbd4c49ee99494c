// check.h: "my attention output is wrong: why?". Compares someone's attention output (and, if
// given, their gradients) with a float64 reference, with a tolerance derived as FlashAttention's
// tests derive theirs, and on a mismatch recomputes the reference with each well-known bug to name
// the ones that explain it. Used by `attn check` and the app's "Check my attention".
//
// Tolerance: the reference runs in float64; the same computation also runs in the stated low
// precision (emulated: inputs, scores, weights and output rounded to it, round-to-nearest-even,
// sums in float32 as kernels accumulate); a tensor passes when its max error is at most twice that
// low-precision error plus a small atol. For fp64 (a float64 implementation) the emulation is the
// reference itself, so the tolerance is the atol alone: 1e-10, room for another summation order.
#pragma once
#include <string>
#include <vector>
#include "engine/config.h"

namespace attn {

enum class Precision { F64, F32, F16, BF16 };
const char* precision_name(Precision p);             // "fp64", "fp32", "fp16", "bf16"
double round_to(double x, Precision p);               // round-to-nearest-even; fp16 overflows to inf

struct CheckInput {
  // B batch elements; per element the heads side by side: Q (n_q, H d_k), K (n_k, H_kv d_k),
  // V (n_k, H_kv d_v), and the output to check (n_q, H d_v), which may hold NaN or Inf. In double:
  // a float64 file's values reach the reference and the comparison unrounded
  std::vector<MatD> Q, K, V, out;
  int heads = 1, kv_heads = 1;
  Config cfg;                        // the options: scale, mask, temperature, normalizer, ALiBi, soft-cap, sinks
  Precision precision = Precision::F32;
  double atol = -1, rtol = 0;        // atol < 0: the default for the precision
  // optional: the gradient at the output and the gradients to check (all B, same layouts as Q, K, V)
  std::vector<MatD> dout, dq, dk, dv;
};

struct TensorVerdict {
  std::string name;                  // "output", "dq", "dk", "dv"
  double max_abs = 0, max_rel = 0, tol = 0;
  int b = 0, h = 0, i = 0, j = 0;    // where the error is largest (j: column within the head)
  int nan = 0, inf = 0;              // non-finite cells in the tensor checked
  std::string first_nonfinite;       // "(b, h, i, j)" of the first one
  bool pass = false;
};

struct Cause {
  std::string id;                    // "no-scale", "causal-bottom-right", ...
  std::string sentence;              // what the bug is, in one sentence
  double err = 0;                    // max error of the output against the hypothesis
  bool fitted = false;               // a fitted parameter (temperature) rather than an exact bug
};

struct CheckResult {
  bool ok = false;                   // false: the input was refused (error says why)
  std::string error;
  bool pass = false;                 // every tensor within its tolerance
  std::string tolerance;             // how the tolerance was derived, one line
  std::vector<TensorVerdict> tensors;
  std::vector<Cause> causes;         // on a failure: the bugs that explain it, best first
  std::vector<std::string> notes;    // e.g. why NaN appears; the first differing rows when nothing matches
  std::vector<MatD> reference;       // the float64 reference output, per batch element (n_q, H d_v)
};

CheckResult check_attention(const CheckInput& in);

// Every hypothesis the checker knows, as (id, sentence), for documentation and the app.
const std::vector<std::pair<std::string, std::string>>& check_ids();

}  // namespace attn
