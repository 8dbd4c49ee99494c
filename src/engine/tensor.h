// tensor.h: the matrix types every stage shares.
// Row-major float, so a row is a token and data() matches numpy's C order.
#pragma once
#include <Eigen/Core>
#include <cstdint>
#include <vector>

namespace attn {

using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vec = Eigen::Matrix<float, 1, Eigen::Dynamic, Eigen::RowMajor>;
// double precision, for the backward pass and references
using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
// 1 = query i may attend to key j; row-major (n_q, n_k).
using MaskBits = std::vector<uint8_t>;

}  // namespace attn
