// simd.h: the few vector operations the kernels need, written once per instruction set:
// wasm SIMD128 (4 lanes), x86 AVX2+FMA (8 lanes), x86 SSE2 (4 lanes), scalar (1 lane).
// Compiler intrinsics only (no emscripten headers). Kernels are written against this API.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#if defined(__wasm_relaxed_simd__)
// the FMA build (app_fma.js): relaxed SIMD's fused multiply-add; see src/tools/relax_fma.py
#define ATTN_SIMD_NAME "wasm-simd128-fma"
#else
#define ATTN_SIMD_NAME "wasm-simd128"
#endif
#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define ATTN_SIMD_NAME "avx2-fma"
#elif defined(__SSE2__)
#include <emmintrin.h>
#define ATTN_SIMD_NAME "sse2"
#else
#define ATTN_SIMD_NAME "scalar"
#endif

namespace attn::simd {

#if defined(__wasm_simd128__)
using F = v128_t;
using I = v128_t;
constexpr int W = 4;
inline F load(const float* p) { return wasm_v128_load(p); }
inline void store(float* p, F v) { wasm_v128_store(p, v); }
inline F splat(float x) { return wasm_f32x4_splat(x); }
// one float loaded and broadcast: v128.load32_splat, a single instruction
inline F bcast(const float* p) { return wasm_v128_load32_splat(p); }
inline F add(F a, F b) { return wasm_f32x4_add(a, b); }
inline F sub(F a, F b) { return wasm_f32x4_sub(a, b); }
inline F mul(F a, F b) { return wasm_f32x4_mul(a, b); }
inline F div(F a, F b) { return wasm_f32x4_div(a, b); }
inline F sqrt(F a) { return wasm_f32x4_sqrt(a); }
#if defined(__wasm_relaxed_simd__)
// a * b + c as relaxed SIMD's f32x4.relaxed_madd: one FMA instruction where the hardware has it
// (x86 with FMA3, ARM), mul + add elsewhere; either way the same on every call of one machine.
// clang 14 emits the proposal's prototype opcode, which src/tools/relax_fma.py rewrites after
// linking to the final one (engines accept only that). Which build runs: web/main.js.
inline F madd(F a, F b, F c) { return (F)__builtin_wasm_fma_f32x4((__f32x4)a, (__f32x4)b, (__f32x4)c); }
#else
// the SIMD128 build: no fused multiply-add in SIMD128 itself; V8 emits mulps + addps
inline F madd(F a, F b, F c) { return wasm_f32x4_add(wasm_f32x4_mul(a, b), c); }
#endif
// NOTE: pmax/pmin, not max/min: V8 lowers f32x4.max to a long NaN-propagating sequence,
// pmax to one maxps. Our inputs are never NaN (checked at the boundary).
inline F max(F a, F b) { return wasm_f32x4_pmax(a, b); }
inline F min(F a, F b) { return wasm_f32x4_pmin(a, b); }
inline I lt(F a, F b) { return wasm_f32x4_lt(a, b); }
inline F andnot(F a, I m) { return wasm_v128_andnot(a, m); }  // a & ~m
inline I as_i(F a) { return a; }
inline F as_f(I a) { return a; }
inline I iadd(I a, I b) { return wasm_i32x4_add(a, b); }
inline I isplat(int32_t x) { return wasm_i32x4_splat(x); }
inline I shl23(I a) { return wasm_i32x4_shl(a, 23); }
inline bool all_eq(F a, F b) { return wasm_i32x4_all_true(wasm_i32x4_eq(a, b)); }  // bitwise lanes
inline I gt(F a, F b) { return wasm_f32x4_gt(a, b); }
inline F keep(F a, I m) { return wasm_v128_and(a, m); }  // a where m, else 0
inline bool all_zero_diff(F x) { return wasm_i32x4_all_true(wasm_f32x4_eq(wasm_f32x4_sub(x, x), wasm_f32x4_splat(0))); }
#elif defined(__AVX2__) && defined(__FMA__)
using F = __m256;
using I = __m256i;
constexpr int W = 8;
inline F load(const float* p) { return _mm256_loadu_ps(p); }
inline void store(float* p, F v) { _mm256_storeu_ps(p, v); }
inline F splat(float x) { return _mm256_set1_ps(x); }
inline F bcast(const float* p) { return _mm256_broadcast_ss(p); }
inline F add(F a, F b) { return _mm256_add_ps(a, b); }
inline F sub(F a, F b) { return _mm256_sub_ps(a, b); }
inline F mul(F a, F b) { return _mm256_mul_ps(a, b); }
inline F div(F a, F b) { return _mm256_div_ps(a, b); }
inline F sqrt(F a) { return _mm256_sqrt_ps(a); }
inline F madd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
inline F max(F a, F b) { return _mm256_max_ps(a, b); }
inline F min(F a, F b) { return _mm256_min_ps(a, b); }
inline I lt(F a, F b) { return _mm256_castps_si256(_mm256_cmp_ps(a, b, _CMP_LT_OQ)); }
inline F andnot(F a, I m) { return _mm256_andnot_ps(_mm256_castsi256_ps(m), a); }
inline I as_i(F a) { return _mm256_castps_si256(a); }
inline F as_f(I a) { return _mm256_castsi256_ps(a); }
inline I iadd(I a, I b) { return _mm256_add_epi32(a, b); }
inline I isplat(int32_t x) { return _mm256_set1_epi32(x); }
inline I shl23(I a) { return _mm256_slli_epi32(a, 23); }
inline bool all_eq(F a, F b) {
  return _mm256_movemask_epi8(_mm256_cmpeq_epi32(_mm256_castps_si256(a), _mm256_castps_si256(b))) == -1;
}
inline I gt(F a, F b) { return _mm256_castps_si256(_mm256_cmp_ps(a, b, _CMP_GT_OQ)); }
inline F keep(F a, I m) { return _mm256_and_ps(a, _mm256_castsi256_ps(m)); }
inline bool all_zero_diff(F x) { return _mm256_movemask_ps(_mm256_cmp_ps(_mm256_sub_ps(x, x), _mm256_setzero_ps(), _CMP_EQ_OQ)) == 0xFF; }
#elif defined(__SSE2__)
using F = __m128;
using I = __m128i;
constexpr int W = 4;
inline F load(const float* p) { return _mm_loadu_ps(p); }
inline void store(float* p, F v) { _mm_storeu_ps(p, v); }
inline F splat(float x) { return _mm_set1_ps(x); }
inline F bcast(const float* p) { return _mm_load1_ps(p); }
inline F add(F a, F b) { return _mm_add_ps(a, b); }
inline F sub(F a, F b) { return _mm_sub_ps(a, b); }
inline F mul(F a, F b) { return _mm_mul_ps(a, b); }
inline F div(F a, F b) { return _mm_div_ps(a, b); }
inline F sqrt(F a) { return _mm_sqrt_ps(a); }
inline F madd(F a, F b, F c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
inline F max(F a, F b) { return _mm_max_ps(a, b); }
inline F min(F a, F b) { return _mm_min_ps(a, b); }
inline I lt(F a, F b) { return _mm_castps_si128(_mm_cmplt_ps(a, b)); }
inline F andnot(F a, I m) { return _mm_andnot_ps(_mm_castsi128_ps(m), a); }
inline I as_i(F a) { return _mm_castps_si128(a); }
inline F as_f(I a) { return _mm_castsi128_ps(a); }
inline I iadd(I a, I b) { return _mm_add_epi32(a, b); }
inline I isplat(int32_t x) { return _mm_set1_epi32(x); }
inline I shl23(I a) { return _mm_slli_epi32(a, 23); }
inline bool all_eq(F a, F b) { return _mm_movemask_epi8(_mm_cmpeq_epi32(_mm_castps_si128(a), _mm_castps_si128(b))) == 0xFFFF; }
inline I gt(F a, F b) { return _mm_castps_si128(_mm_cmpgt_ps(a, b)); }
inline F keep(F a, I m) { return _mm_and_ps(a, _mm_castsi128_ps(m)); }
inline bool all_zero_diff(F x) { return _mm_movemask_ps(_mm_cmpeq_ps(_mm_sub_ps(x, x), _mm_setzero_ps())) == 0xF; }
#else
using F = float;
using I = int32_t;
constexpr int W = 1;
inline F load(const float* p) { return *p; }
inline void store(float* p, F v) { *p = v; }
inline F splat(float x) { return x; }
inline F bcast(const float* p) { return *p; }
inline F add(F a, F b) { return a + b; }
inline F sub(F a, F b) { return a - b; }
inline F mul(F a, F b) { return a * b; }
inline F div(F a, F b) { return a / b; }
inline F sqrt(F a) { return std::sqrt(a); }
inline F madd(F a, F b, F c) { return a * b + c; }
inline F max(F a, F b) { return a < b ? b : a; }
inline F min(F a, F b) { return b < a ? b : a; }
inline I lt(F a, F b) { return a < b ? -1 : 0; }
inline F andnot(F a, I m) { return m ? 0.0f : a; }
inline I as_i(F a) { I i; std::memcpy(&i, &a, 4); return i; }
inline F as_f(I a) { F f; std::memcpy(&f, &a, 4); return f; }
inline I iadd(I a, I b) { return int32_t(uint32_t(a) + uint32_t(b)); }
inline I isplat(int32_t x) { return x; }
inline I shl23(I a) { return int32_t(uint32_t(a) << 23); }
inline bool all_eq(F a, F b) { return std::memcmp(&a, &b, 4) == 0; }
inline bool all_zero_diff(F x) { return x - x == 0.0f; }
inline I gt(F a, F b) { return a > b ? -1 : 0; }
inline F keep(F a, I m) { return m ? a : 0.0f; }
#endif

constexpr bool kVector = W > 1;
#if (defined(__FMA__) && !defined(__wasm_simd128__)) || defined(__wasm_relaxed_simd__)
constexpr bool kFma = true;   // madd is one fused instruction (relaxed SIMD: where the machine has one)
#else
constexpr bool kFma = false;  // madd is a mul and an add
#endif
inline const char* name() { return ATTN_SIMD_NAME; }

// e^x for x already in [-87.3, 88.4] (Cephes expf polynomial, ~2 ulp). Rounding and 2^n use the
// 1.5*2^23 trick: integer bit operations only, because float->int conversion is a slow sequence
// in V8 (it saturates) and a scalar loop in emscripten's SSE shim.
inline F exp_in_range(F x) {
  const F magic = splat(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer in the low bits
  F t = madd(x, splat(1.44269504088896341f), magic);
  const I n = iadd(as_i(t), isplat(-0x4B400000 + 127));  // round(x / ln 2) + the exponent bias
  t = sub(t, magic);
  F r = sub(x, mul(t, splat(0.693359375f)));  // x - n ln2, in two parts for precision
  r = sub(r, mul(t, splat(-2.12194440e-4f)));
  F p = splat(1.9875691500e-4f);
  p = madd(p, r, splat(1.3981999507e-3f));
  p = madd(p, r, splat(8.3334519073e-3f));
  p = madd(p, r, splat(4.1665795894e-2f));
  p = madd(p, r, splat(1.6666665459e-1f));
  p = madd(p, r, splat(5.0000001201e-1f));
  p = madd(p, mul(r, r), add(r, splat(1.0f)));
  return mul(p, as_f(shl23(n)));
}

// e^x for every lane. Lanes below -87.3, including -inf from the mask, give exactly 0, so masked
// keys get exactly zero weight.
inline F exp(F x) {
  const I zero_mask = lt(x, splat(-87.33654f));
  return andnot(exp_in_range(min(max(x, splat(-87.33654f)), splat(88.3762626f))), zero_mask);
}

// 2^x for x <= 0: the fused kernel works in base 2 (log2 e is folded into the query scale, as in
// FlashAttention-2), which drops the range reduction's two multiply-subtracts and leaves a degree-5
// polynomial for 2^f on [-0.5, 0.5] (relative error 7.7e-8; coefficients fitted on Chebyshev nodes).
// 17 operations a vector against 25 for e^x clamped the same way. Lanes below -126 (and -inf) give
// ~1.2e-38 instead of exactly 0, which a sum of weights cannot tell apart.
inline F exp2_nonpos(F x) {
  x = max(x, splat(-126.0f));
  const F magic = splat(12582912.0f);
  F t = add(x, magic);  // round(x) in the low bits
  const I n = iadd(as_i(t), isplat(-0x4B400000 + 127));
  t = sub(t, magic);
  const F f = sub(x, t);
  F p = splat(1.3266970636e-3f);
  p = madd(p, f, splat(9.6754599362e-3f));
  p = madd(p, f, splat(5.5507425219e-2f));
  p = madd(p, f, splat(2.4022121727e-1f));
  p = madd(p, f, splat(6.9314694405e-1f));
  p = madd(p, f, splat(1.0000001192f));
  return mul(p, as_f(shl23(n)));
}

// lane reductions through memory: they run once per row, not in the inner loops
inline float hsum(F v) {
  float a[W];
  std::memcpy(a, &v, sizeof(a));
  float s = 0;
  for (int i = 0; i < W; i++) s += a[i];
  return s;
}
inline float hmax(F v) {
  float a[W];
  std::memcpy(a, &v, sizeof(a));
  float m = a[0];
  for (int i = 1; i < W; i++) m = a[i] > m ? a[i] : m;
  return m;
}

}  // namespace attn::simd
