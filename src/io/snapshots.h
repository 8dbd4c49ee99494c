// snapshots.h: the snapshots.bin format, a run's probe recorded over time. Compact: weights as
// bytes, only the cells the mask allows (20,000 steps of a 2-layer, 4-head model at T = 32 with
// the default interval take about 2 MB).
//
//   "ATTNSNAP" (8 bytes), u32 version = 1, u32 n = header length, n bytes of JSON:
//     {"layers": L, "heads": H, "seq": T, "causal": true, "tensors": ["tok_emb", ...],
//      "tokens": [probe token ids], "token_names": ["0", ...]}
//   then records to the end of the file, all little-endian:
//     i64 step, f32 loss, f32 grad_norm, f32 heldout_acc (-1: not evaluated),
//     f32 grad norm per tensor (in the header's order), f32 entropy (L·H), f32 max |score| (L·H),
//     u8 weights (L·H·C): round(255 w) of each head's allowed cells, row by row
//     (C = T(T+1)/2 causal, the lower triangle with the diagonal; T² bidirectional)
#pragma once
#include <cstdint>
#include <string>
#include <vector>
#include "train/trainer.h"

namespace attn {

struct SnapshotFile {
  int layers = 0, heads = 0, seq = 0;
  bool causal = true;
  std::vector<std::string> tensors, token_names;
  std::vector<int> tokens;
  std::vector<train::Snapshot> records;  // attn dequantized to w = byte / 255
};

// The header for a run; records are appended with append_snapshot.
std::string snapshot_header(const train::TrainConfig& cfg, const train::Task& task, const train::Layout& lay);
void append_snapshot(const train::TrainConfig& cfg, const train::Snapshot& s, std::string* out);
size_t snapshot_record_bytes(const train::TrainConfig& cfg, size_t n_tensors);
// Parses a whole file; *err says what is wrong and at which byte.
bool decode_snapshots(const std::string& bytes, SnapshotFile* out, std::string* err);

}  // namespace attn
