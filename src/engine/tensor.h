// tensor.h: the matrix types every stage shares.
// Row-major float, so a row is a token and data() matches numpy's C order.
#pragma once
// Files built with the kernels' instruction set (CMakeLists.txt: ATTN_ISA_BUILD) must not see Eigen:
// its alignment and inline code change with the instruction set, and objects of both kinds in one
// program crash. This turns such an include into a compile error instead.
#if defined(ATTN_ISA_BUILD)
#error "this file is built with the kernels' instruction set (ATTN_ISA_BUILD) and must not include Eigen"
#endif
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
