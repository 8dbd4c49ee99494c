// stages_std.h: the stage helpers the trained model (src/train/model.cpp) uses, with standard
// library types only. model.cpp is built with the kernels' instruction set (SIMD loops in wasm and
// AVX2 natively), and such a file must not include Eigen: Eigen's alignment and inline code change
// with the instruction set, and objects of both kinds in one program crash. stages.h includes this.
#pragma once
#include <vector>

namespace attn {

// posenc.cpp: (n, d) row-major, PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(...):
// the numbers of sinusoidal_table
std::vector<float> sinusoidal_values(int n, int d);
// scale.cpp: ALiBi's slope m_h for each of n heads (Press et al. 2021, any n)
std::vector<double> alibi_slopes(int n_heads);
// normalize.cpp: z (n, all allowed) -> p (n) in double: exact sparsemax, and 1.5-entmax p = [z/2 - tau]_+^2
void sparsemax_row(const std::vector<double>& z, std::vector<double>* p);
void entmax15_row(const std::vector<double>& z, std::vector<double>* p);

}  // namespace attn
