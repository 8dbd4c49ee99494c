// tensors.cpp: see tensors.h.
#include "cli/tensors.h"
#include <cmath>
#include <cstdio>
#include <limits>

namespace attn::cli {

bool split_heads(const TensorData& t, Layout layout, int heads_2d, const std::string& name, Heads* out, std::string* err) {
  const auto& s = t.shape;
  out->rank = int(s.size());
  out->layout = layout;
  if (s.size() == 2) {
    out->B = 1;
    out->H = heads_2d;
    out->n = int(s[0]);
    if (s[1] % heads_2d) {
      *err = name + ": " + std::to_string(s[1]) + " columns do not split into " + std::to_string(heads_2d) + " heads";
      return false;
    }
    out->d = int(s[1]) / heads_2d;
  } else if (s.size() == 3) {
    out->B = 1;
    out->H = int(s[0]);
    out->n = int(s[1]);
    out->d = int(s[2]);
  } else if (s.size() == 4) {
    out->B = int(s[0]);
    out->H = int(layout == Layout::BHND ? s[1] : s[2]);
    out->n = int(layout == Layout::BHND ? s[2] : s[1]);
    out->d = int(s[3]);
  } else {
    *err = name + ": a " + std::to_string(s.size()) + "-D array " + shape_text(s) + "; Q, K and V are 2-D (n, d), 3-D (H, n, d) or 4-D (B, H, n, d)";
    return false;
  }
  if (out->B < 1 || out->H < 1 || out->n < 1 || out->d < 1) { *err = name + ": an empty dimension in " + shape_text(s); return false; }
  out->batch.assign(size_t(out->B), Mat(out->n, out->H * out->d));
  out->batch64.assign(size_t(out->B), MatD(out->n, out->H * out->d));
  const int B = out->B, H = out->H, n = out->n, d = out->d;
  for (int b = 0; b < B; b++)
    for (int h = 0; h < H; h++)
      for (int i = 0; i < n; i++)
        for (int c = 0; c < d; c++) {
          const size_t at = flat_index(*out, H, n, d, b, h, i, c);
          const double x = t.data[at];
          // a float64 value past float32's range would become Inf in the engine: say so instead
          if (std::isfinite(x) && std::fabs(x) > double(std::numeric_limits<float>::max())) {
            char v[32];
            std::snprintf(v, sizeof v, "%g", x);
            *err = name + ": " + v + " at flat index " + std::to_string(at) + " is beyond float32's range (3.4e38)";
            return false;
          }
          out->batch64[size_t(b)](i, h * d + c) = x;
          out->batch[size_t(b)](i, h * d + c) = float(x);
        }
  return true;
}

std::vector<int64_t> shape_like(const Heads& like, int H, int n, int d) {
  if (like.rank == 2) return {n, int64_t(H) * d};
  if (like.rank == 3) return {H, n, d};
  if (like.layout == Layout::BNHD) return {like.B, n, H, d};
  return {like.B, H, n, d};
}

namespace {
bool load_heads(const std::string& spec, const Heads& like, int H, int d, bool allow_nonfinite, const std::string& why, Heads* h,
                std::string* err) {
  TensorData td;
  if (!load_tensor(spec, &td, err, allow_nonfinite)) return false;
  const std::vector<int64_t> want = shape_like(like, H, like.n, d);
  if (td.shape != want) {
    *err = spec + ": shape " + shape_text(td.shape) + ", expected " + shape_text(want) + why;
    return false;
  }
  return split_heads(td, like.layout, H, spec, h, err);
}
}  // namespace

bool load_like(const std::string& spec, const Heads& like, int H, int d, bool allow_nonfinite, const std::string& why,
               std::vector<Mat>* out, std::string* err) {
  Heads h;
  if (!load_heads(spec, like, H, d, allow_nonfinite, why, &h, err)) return false;
  *out = std::move(h.batch);
  return true;
}

bool load_like(const std::string& spec, const Heads& like, int H, int d, bool allow_nonfinite, const std::string& why,
               std::vector<MatD>* out, std::string* err) {
  Heads h;
  if (!load_heads(spec, like, H, d, allow_nonfinite, why, &h, err)) return false;
  *out = std::move(h.batch64);
  return true;
}

}  // namespace attn::cli
