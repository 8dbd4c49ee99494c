// optim.cpp: the optimizer's elementwise update on SIMD lanes. In wasm only src/kernels/ is built
// with SIMD, so the trainer's own loop ran one parameter at a time there (11 % of a training step).
#include "kernels/kernels.h"
#include "kernels/simd.h"

namespace attn::kern {

using namespace attn::simd;

bool adamw(float* p, float* m1, float* m2, const float* g, size_t n, const AdamWStep& a) {
  const float decay = a.decay, c1 = a.c1, c2 = a.c2, step = a.step;
  const F vdecay = splat(decay), vb1 = splat(a.beta1), vb2 = splat(a.beta2), vc1 = splat(c1), vc2 = splat(c2);
  const F vstep = splat(step), vbc2 = splat(a.bc2s), veps = splat(a.eps), vclip = splat(a.clip);
  F check = splat(0.0f);  // p * 0: 0 for every finite p, NaN otherwise
  size_t j = 0;
  // every operation rounded as written, no fused multiply-add in the lanes: the trainer's own
  // (double) loop and PyTorch's order
  for (; j + W <= n; j += W) {
    const F gj = mul(load(g + j), vclip);
    const F m1j = add(mul(vb1, load(m1 + j)), mul(vc1, gj));
    const F m2j = add(mul(vb2, load(m2 + j)), mul(mul(vc2, gj), gj));
    const F denom = add(div(simd::sqrt(m2j), vbc2), veps);
    const F pj = sub(mul(load(p + j), vdecay), div(mul(vstep, m1j), denom));
    store(m1 + j, m1j);
    store(m2 + j, m2j);
    store(p + j, pj);
    check = add(check, mul(pj, splat(0.0f)));
  }
  float rest = 0.0f;
  for (; j < n; j++) {
    const float gj = g[j] * a.clip;
    const float m1j = a.beta1 * m1[j] + c1 * gj;
    m1[j] = m1j;
    const float m2j = a.beta2 * m2[j] + (c2 * gj) * gj;
    m2[j] = m2j;
    p[j] = p[j] * decay - step * m1j / (std::sqrt(m2j) / a.bc2s + a.eps);
    rest += p[j] * 0.0f;
  }
  return hsum(check) == 0.0f && rest == 0.0f;
}

}  // namespace attn::kern
