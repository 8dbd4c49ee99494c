// tensors.cpp: see tensors.h.
#include "cli/tensors.h"

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
  const int B = out->B, H = out->H, n = out->n, d = out->d;
  for (int b = 0; b < B; b++)
    for (int h = 0; h < H; h++)
      for (int i = 0; i < n; i++)
        for (int c = 0; c < d; c++) {
          size_t at;
          if (s.size() == 2) at = size_t(i) * H * d + size_t(h) * d + c;
          else if (s.size() == 4 && layout == Layout::BNHD) at = ((size_t(b) * n + i) * H + h) * d + c;
          else at = ((size_t(b) * H + h) * n + i) * d + c;
          out->batch[size_t(b)](i, h * d + c) = t.data[at];
        }
  return true;
}

}  // namespace attn::cli
