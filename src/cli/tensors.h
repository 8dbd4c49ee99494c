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
  std::vector<Mat> batch;     // B of (n, H d), in float32 for the engine
  std::vector<MatD> batch64;  // the same as read (a float64 file keeps its bits): attn check's inputs
};

// heads_2d: how many heads a rank-2 (n, H d) tensor holds side by side (its columns split evenly)
bool split_heads(const TensorData& t, Layout layout, int heads_2d, const std::string& name, Heads* out, std::string* err);

// Where cell (b, h, i, c) of B matrices (n, H d) lives in the flat C-order data of a tensor of
// like's rank and layout with H heads of width d: (n, H d) side by side in 2-D, (H, n, d) in 3-D,
// (B, H, n, d) or (B, n, H, d) in 4-D.
inline size_t flat_index(const Heads& like, int H, int n, int d, int b, int h, int i, int c) {
  if (like.rank == 2) return (size_t(i) * H + h) * d + c;
  if (like.rank == 4 && like.layout == Layout::BNHD) return ((size_t(b) * n + i) * H + h) * d + c;
  return ((size_t(b) * H + h) * n + i) * d + c;
}
// The shape of such a tensor with like's batch, rank and layout
std::vector<int64_t> shape_like(const Heads& like, int H, int n, int d);

// B matrices (n, H d) back to like's rank and layout (d = the matrices' columns / H): C-order data
template <typename M>
std::vector<typename M::Scalar> join_heads(const std::vector<M>& batch, int H, const Heads& like, std::vector<int64_t>* shape) {
  const int B = int(batch.size()), n = int(batch[0].rows()), d = int(batch[0].cols()) / H;
  std::vector<typename M::Scalar> out(size_t(B) * H * n * d);
  for (int b = 0; b < B; b++)
    for (int h = 0; h < H; h++)
      for (int i = 0; i < n; i++)
        for (int c = 0; c < d; c++) out[flat_index(like, H, n, d, b, h, i, c)] = batch[size_t(b)](i, h * d + c);
  *shape = shape_like(like, H, n, d);
  return out;
}

// Reads spec, which must have like's batch, rank, layout and rows with H heads of width d, into B
// matrices (n, H d). A shape that differs is refused as "SPEC: shape (..), expected (..)" + why.
bool load_like(const std::string& spec, const Heads& like, int H, int d, bool allow_nonfinite, const std::string& why,
               std::vector<Mat>* out, std::string* err);
// The same, keeping what the file holds in double (float64 files are not rounded to float32)
bool load_like(const std::string& spec, const Heads& like, int H, int d, bool allow_nonfinite, const std::string& why,
               std::vector<MatD>* out, std::string* err);

}  // namespace attn::cli
