// attend.cpp: the weighted sum. Each output row is a blend of the value rows,
// mixed in the proportions the weights give.
#include "engine/stages.h"

namespace attn {

// weights (n_q, n_k) . v (n_k, dh) -> (n_q, dh)
Mat attend(const Mat& weights, const Mat& v) { return weights * v; }

}  // namespace attn
