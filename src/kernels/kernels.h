// kernels.h: the hot loops behind a float* + dimensions API, in two versions each:
// attn::kern (SIMD, blocked: what the engine runs) and attn::kref (plain scalar loops, always
// compiled: the test oracle every optimized kernel is checked against at odd sizes).
// All matrices are row-major; ld* is the distance in floats between consecutive rows.
#pragma once
#include <cstddef>
#include <vector>

namespace attn {

// Which keys a query row may see, as a rule rather than an n x n buffer, so that the fused
// path can skip whole blocks (causal: j <= i + offset; window: |i + offset - j| <= window).
struct MaskRule {
  enum Kind { None, Causal, Window } kind = None;
  int window = 0;
  int offset = 0;  // query i sits at key position i + offset (n_k - n_q for a KV-cache view)
  bool allowed(int i, int j) const {
    int p = i + offset;
    return kind == None || (kind == Causal ? j <= p : (j - p <= window && p - j <= window));
  }
  // first and one-past-last allowed key for query row i (may be empty)
  void range(int i, int n_k, int* lo, int* hi) const {
    int p = i + offset;
    *lo = kind == Window ? p - window : 0;
    *hi = kind == None ? n_k : p + (kind == Window ? window : 0) + 1;
    if (*lo < 0) *lo = 0;
    if (*hi > n_k) *hi = n_k;
  }
};

// Scratch memory the fused path reuses between calls (O(n d), never n x n).
struct Workspace {
  std::vector<float> buf;
  float* get(size_t n) {
    if (buf.size() < n) buf.resize(n);
    return buf.data();
  }
};

// Scratch for attention_threads: a workspace per thread, and whether it holds this run's packed K, V.
struct ThreadWorkspaces {
  std::vector<Workspace> ws;
  std::vector<char> packed;
};

namespace kern {

// "wasm-simd128", "avx2-fma", "sse2" or "scalar": the instruction set the kernels were built for
const char* backend();
bool simd_active();
// true when the kernels' multiply-add rounds once (an FMA instruction ran): always with AVX2, never
// with SIMD128 or SSE2, and with relaxed SIMD as the machine decides (x86 with FMA3, ARM: yes)
bool fused_madd();

// C (m, n) = A (m, k) . B (k, n), or C += A . B when accumulate
void gemm(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
          bool accumulate = false);
// C (m, n) = A^T . B with A given as (k, m) (or C += when accumulate): a weight gradient X^T dY
// without transposing X first; the sums of gemm() on the transposed matrix, in the same order
void gemm_tn(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
             bool accumulate = false);
// y (1, n) = x (1, k) . B (k, n): one row of gemm, bit-identical to that row of a full product
// (how an edit of one input row is recomputed without packing B)
void gemv(int n, int k, const float* x, const float* B, int ldb, float* y);
// y (n) = B (n, k) . x (k): one row of gemm_nt with alpha 1, without packing B (decoding one token
// reads each weight once; packing it first cost two thirds of a GPT-2 decode step). Each y_j is a dot
// product of two contiguous rows in SIMD lanes, so its bits are not gemm_nt's (the tolerance is).
void gemv_t(int n, int k, const float* x, const float* B, int ldb, float* y);
// C (m, n) = alpha * A (m, k) . B^T, with B given as (n, k)
void gemm_nt(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
             float alpha = 1.0f);
// y[i] = e^x[i]; x may be -inf (gives 0)
void exp(const float* x, float* y, int n);
// y[i] = x[i], for short rows: without bulk memory (which would need atomics for our
// thread_locals in this toolchain) a wasm memcpy of a few hundred bytes is a slow byte loop
void copy(const float* x, float* y, size_t n);
// y[i] = a * x[i]
void scale(const float* x, float a, float* y, size_t n);
// a softmax row's moments from its logits x (-inf where masked) and weights w: the sum of
// w_j x_j over w_j > 0 (for the entropy), how many w_j > 0, and the largest w_j
void row_moments(const float* x, const float* w, int n, double* wx, int* nonzero, float* max_w);
// true when every x[i] is finite (no NaN, no +-inf)
bool all_finite(const float* x, size_t n);
// true when a and b hold the same bits (a cache check: is this the input we saw last time?)
bool same_bits(const float* a, const float* b, size_t n);
// one row: w = softmax(beta x) with -inf entries at exactly 0; returns the row max of x (so
// lse = beta max + log sum). beta = 1 / temperature, folded into the exponent's input (e^(beta (x - max)))
// so every temperature takes this path (beta = 1: the bits of no multiply, since x * 1 = x exactly).
// An all -inf row gives w = 0 and returns -inf.
float softmax_row(const float* x, float* w, int n, float* sum_out, float beta = 1.0f);

// Fused scaled dot-product attention, online softmax over key blocks (Milakov & Gimelshein 2018,
// FlashAttention): O (n_q, dv) = softmax(scale Q K^T | mask) V, and lse (n_q) = log-sum-exp of
// each row's scaled, masked scores, so any weight can be recomputed later as
// exp(scale q_i.k_j - lse_i). Masked blocks are skipped, never computed. Rows with no allowed
// key get O = 0 and lse = -inf. Extra memory: O(n_k d + block^2), in *ws.
void attention(int n_q, int n_k, int dk, int dv, const float* Q, int ldq, const float* K, int ldk,
               const float* V, int ldv, float scale, MaskRule mask, float* O, int ldo, float* lse,
               Workspace* ws);

// The same for query rows [r0, r1) only (and their rows of O and lse), so that a caller can spread
// one long forward over several calls, e.g. one per frame. With reuse_kv, K and V were packed into
// *ws by an earlier call on the same K, V and *ws. Slices that start at multiples of
// attention_row_block() give the very bits of one whole call.
void attention_rows(int r0, int r1, int n_k, int dk, int dv, const float* Q, int ldq, const float* K, int ldk,
                    const float* V, int ldv, float scale, MaskRule mask, float* O, int ldo, float* lse,
                    bool reuse_kv, Workspace* ws);
int attention_row_block();  // query rows per block of the fused kernel (40 in wasm, 48 with AVX2)

// attention_rows() for query rows [r0, r1) on up to `threads` threads, with the very bits of one
// single-threaded call: rows are dealt out in whole row blocks (r0 must start one). With reuse_kv,
// an earlier call of the same run packed K and V into the workspaces. In a build without threads
// (the wasm build without pthreads) everything runs on the calling thread.
void attention_threads(int threads, int r0, int r1, int n_k, int dk, int dv, const float* Q, int ldq, const float* K,
                       int ldk, const float* V, int ldv, float scale, MaskRule mask, float* O, int ldo, float* lse,
                       bool reuse_kv, ThreadWorkspaces* ws);
// gemm() on up to `threads` threads (rows of C split between them), with the very bits of gemm()
void gemm_threads(int threads, int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C,
                  int ldc);
int hardware_threads();  // threads this build can use here (1 in a build without threads)

// The fused backward of attention() (FlashAttention-2): given dO (n_q, dv), the forward's O and lse,
// dQ (n_q, dk), dK (n_k, dk), dV (n_k, dv) of O = softmax(scale Q K^T | mask) V. The weights are
// recomputed tile by tile from Q, K and lse and never stored: extra memory O(n d + tile^2), in *ws.
// Rows with lse = -inf (no allowed key) contribute nothing; keys no query sees get dK = dV = 0.
void attention_backward(int n_q, int n_k, int dk, int dv, const float* Q, int ldq, const float* K, int ldk,
                        const float* V, int ldv, const float* O, int ldo, const float* dO, int lddo,
                        const float* lse, float scale, MaskRule mask, float* dQ, int lddq, float* dK, int lddk,
                        float* dV, int lddv, Workspace* ws);

// AdamW's update of one tensor of n parameters, in place (PyTorch's, decoupled weight decay):
//   g = grad clip;  m1 = beta1 m1 + c1 g;  m2 = beta2 m2 + (c2 g) g;
//   p = p decay - step m1 / (sqrt(m2) / bc2s + eps)
// with c1 = 1 - beta1, c2 = 1 - beta2, decay = 1 - lr wd, step = lr / (1 - beta1^t),
// bc2s = sqrt(1 - beta2^t), all given as the caller rounded them. Returns false when an updated
// parameter is not finite.
struct AdamWStep { float decay, beta1, beta2, c1, c2, step, bc2s, eps, clip; };
bool adamw(float* p, float* m1, float* m2, const float* g, size_t n, const AdamWStep& a);

// weights w[r][c] = exp(scale q_i.k_j - lse_i) for a tile of rows i0.. and columns j0.., read
// straight from Q, K and the stored lse: how the UI shows n x n weights without storing them.
void weights_tile(int i0, int rows, int j0, int cols, int istep, int jstep, int dk, const float* Q, int ldq,
                  const float* K, int ldk, const float* lse, float scale, MaskRule mask, float* out);

}  // namespace kern

namespace kref {
void gemm(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
          bool accumulate = false);
void gemm_nt(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
             float alpha = 1.0f);
void gemm_tn(int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
             bool accumulate = false);
void exp(const float* x, float* y, int n);
float softmax_row(const float* x, float* w, int n, float* sum_out, float beta = 1.0f);
void row_moments(const float* x, const float* w, int n, double* wx, int* nonzero, float* max_w);
// the textbook three passes in double, storing the full (n_q, n_k) matrix: the oracle
void attention(int n_q, int n_k, int dk, int dv, const float* Q, int ldq, const float* K, int ldk,
               const float* V, int ldv, float scale, MaskRule mask, float* O, int ldo, float* lse);
// AdamW's update one parameter at a time in double, rounded to float per parameter: the oracle of
// kern::adamw (returns false when an updated parameter is not finite)
bool adamw(float* p, float* m1, float* m2, const float* g, size_t n, const kern::AdamWStep& a);
// its backward, the textbook way in double with the full (n_q, n_k) P and dS, P from scratch (no lse)
// and D as rowsum(P o dP): the oracle of kern::attention_backward
void attention_backward(int n_q, int n_k, int dk, int dv, const float* Q, int ldq, const float* K, int ldk,
                        const float* V, int ldv, const float* dO, int lddo, float scale, MaskRule mask,
                        float* dQ, int lddq, float* dK, int lddk, float* dV, int lddv);
}  // namespace kref

}  // namespace attn
