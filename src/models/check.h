// check.h: "my port of this model is wrong: where, and why?". Someone's own implementation of a
// checkpoint (C, Rust, JAX, PyTorch) dumps its intermediates in attn model's layout (any subset of
// ids, q.L, k.L, v.L, attn.L, resid.L, logits); each is compared, in forward order, with our pass
// over the same checkpoint, and the first one beyond tolerance is explained by re-running the
// reference with each well-known porting mistake switched on, naming those that reproduce it.
//
// Tolerance, per tensor: the reference runs in float64; the same pass also runs in float32 (the
// SIMD kernels); a tensor passes when its max error is at most 2 x that float32 error plus atol
// (default 1e-5 x the tensor's largest magnitude, at least 1e-6): an honest float32 port passes.
#pragma once
#include <map>
#include <string>
#include <vector>
#include "models/model.h"

namespace attn::models {

// A pass's tensors by dump name, in forward order: "q.0", "k.0", "v.0", "attn.0", "resid.0", ...,
// "logits". q (H, T, dh) after RoPE, k and v (H_kv, T, dh), attn (H, T, T), resid (T, d), logits (T, V).
struct Named {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<double> v;
};
template <class S>
std::vector<Named> pass_tensors(const nn::Spec& s, const nn::Cache<S>& c, const std::vector<S>& logits);
struct TheirTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<double> v;
};
struct ModelVerdict {
  std::string name;
  double max_abs = 0, tol = 0;
  std::string worst_at;     // "(h 2, t 5, i 3)"
  std::string problem;      // a shape or non-finite value, when there is one
  bool pass = false;
};
struct ModelCheck {
  std::string tolerance;               // how the tolerances were derived, one line
  std::vector<ModelVerdict> tensors;   // in forward order, those given
  std::string first_bad;               // the first tensor beyond tolerance, or ""
  std::vector<std::string> causes;     // "id: sentence", the hypotheses that reproduce it
  std::vector<std::string> notes;      // why a cause could not be named
  bool pass = false;
};
// theirs: the tensors they dumped, by name (any subset). atol < 0: the default.
bool check_model(const Model& m, const std::vector<int>& ids, const std::vector<TheirTensor>& theirs, double atol,
                 ModelCheck* out, std::string* err);

}  // namespace attn::models
