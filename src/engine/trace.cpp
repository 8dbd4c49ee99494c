// trace.cpp: lookup of the trace's matrices by id, and the stage and matrix names.
#include "engine/trace.h"

namespace attn {

const char* stage_name(Stage s) {
  static const char* const names[] = {"Embeddings", "Q / K / V", "Scores QK^T", "Scaling",
                                      "Mask", "Normalization", "Weighted sum", "Concat · W_o"};
  return int(s) >= 0 && int(s) < int(Stage::Count) ? names[int(s)] : "?";
}

const char* matrix_name(MatrixId id) {
  static const char* const names[] = {"X", "PE", "X+PE", "Q", "K", "V", "scores", "scaled", "masked",
                                      "weights", "head_out", "concat", "output", "linear_weights",
                                      "linear_out"};
  return int(id) >= 0 && int(id) < int(MatrixId::Count) ? names[int(id)] : "?";
}

const Mat* Trace::matrix(MatrixId id, int head) const {
  const HeadTrace* h = head >= 0 && head < int(heads.size()) ? &heads[size_t(head)] : nullptr;
  const Mat* m = nullptr;
  switch (id) {
    case MatrixId::X: m = &X; break;
    case MatrixId::PE: m = &PE; break;
    case MatrixId::Xpe: m = &Xpe; break;
    case MatrixId::Q: m = h ? &h->q : &Q; break;
    case MatrixId::K: m = h ? &h->k : &K; break;
    case MatrixId::V: m = h ? &h->v : &V; break;
    case MatrixId::Scores: m = h ? &h->scores : nullptr; break;
    case MatrixId::Scaled: m = h ? &h->scaled : nullptr; break;
    case MatrixId::Masked: m = h ? &h->masked : nullptr; break;
    case MatrixId::Weights: m = h ? &h->weights : nullptr; break;
    case MatrixId::HeadOut: m = h ? &h->out : nullptr; break;
    case MatrixId::Concat: m = &concat; break;
    case MatrixId::Output: m = &output; break;
    case MatrixId::LinWeights: m = h ? &h->lin_weights : nullptr; break;
    case MatrixId::LinOut: m = h ? &h->lin_out : nullptr; break;
    case MatrixId::Count: break;
  }
  return m && m->size() > 0 ? m : nullptr;
}

}  // namespace attn
