// tensors.h: attention inputs as people save them, (n, d), (H, n, d), (B, H, n, d) or (B, n, H, d),
// turned into what the engine takes, one (n, H d) matrix per batch element with the heads side by
// side, and results turned back into the rank and layout of the inputs.
#pragma once
#include <string>
#include <vector>
#include "engine/tensor.h"
#include "io/tensor_file.h"

namespace attn::cli {

enum class Layout { BHND, BNHD };  // rank 4: (batch, heads, n, d) or (batch, n, heads, d)

struct Heads {
  int rank = 2, B = 1, H = 1, n = 0, d = 0;
  Layout layout = Layout::BHND;
  std::vector<Mat> batch;  // B of (n, H d)
};

// heads_2d: how many heads a rank-2 (n, H d) tensor holds side by side (its columns split evenly)
bool split_heads(const TensorData& t, Layout layout, int heads_2d, const std::string& name, Heads* out, std::string* err);

// B matrices (n, H d) back to like's rank and layout (d = the matrices' columns / H): C-order data
template <typename M>
std::vector<typename M::Scalar> join_heads(const std::vector<M>& batch, int H, const Heads& like, std::vector<int64_t>* shape) {
  using S = typename M::Scalar;
  const int B = int(batch.size()), n = int(batch[0].rows()), d = int(batch[0].cols()) / H;
  std::vector<S> out(size_t(B) * H * n * d);
  for (int b = 0; b < B; b++)
    for (int h = 0; h < H; h++)
      for (int i = 0; i < n; i++)
        for (int c = 0; c < d; c++) {
          const size_t at = like.rank == 4 && like.layout == Layout::BNHD ? ((size_t(b) * n + i) * H + h) * d + c
                                                                          : ((size_t(b) * H + h) * n + i) * d + c;
          out[at] = batch[size_t(b)](i, h * d + c);
        }
  if (like.rank == 2) *shape = {n, int64_t(H) * d};
  else if (like.rank == 3) *shape = {H, n, d};
  else if (like.layout == Layout::BNHD) *shape = {B, n, H, d};
  else *shape = {B, H, n, d};
  if (like.rank == 2 && H > 1) {  // (n, H d) side by side, as given
    for (int i = 0; i < n; i++)
      for (int k = 0; k < H * d; k++) out[size_t(i) * H * d + k] = batch[0](i, k);
  }
  return out;
}

}  // namespace attn::cli
