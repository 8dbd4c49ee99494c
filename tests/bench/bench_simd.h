// bench_simd.h: the parts of the bench that use the kernels' inner SIMD headers, in a file of
// their own (bench_simd.cpp) built with the kernels' instruction set. The rest of the bench
// includes Eigen, which must see the same flags as the engine it links (Eigen's alignment and
// inline functions differ between instruction sets; mixing them in one program crashes).
#pragma once
#include <string>

// mul+add throughput from registers: the best of 4, 6 and 8 independent chains, in GFLOP/s;
// *accumulators is the number of chains of the best; *sink keeps the result alive
double simd_peak_gflops(int* accumulators, float* sink);
// "tile MRxNR from L1: G GFLOP/s": the register tile alone, the ceiling of every product
std::string tile_report();
