// positions.cpp: see positions.h.
#include "core/positions.h"

namespace attn {

std::vector<float> sinusoidal_values(int n, int d) {
  std::vector<float> pe(size_t(n) * d);  // (n, d)
  for (int pos = 0; pos < n; pos++)
    for (int c = 0; c < d; c++) {
      int i2 = c & ~1;  // 2i
      double angle = pos / std::pow(10000.0, double(i2) / d);
      pe[size_t(pos) * d + c] = float((c & 1) ? std::cos(angle) : std::sin(angle));
    }
  return pe;
}

std::vector<double> alibi_slopes(int n_heads) {
  auto pow2 = [](int n) {
    std::vector<double> r;
    const double start = std::pow(2.0, -8.0 / n);
    for (int i = 0; i < n; i++) r.push_back(std::pow(start, i + 1));
    return r;
  };
  if (n_heads <= 0) return {};
  int p = 1;
  while (p * 2 <= n_heads) p *= 2;
  std::vector<double> r = pow2(p);
  if (p == n_heads) return r;
  const std::vector<double> extra = pow2(2 * p);
  for (int i = 0; int(r.size()) < n_heads; i += 2) r.push_back(extra[size_t(i)]);
  return r;
}

}  // namespace attn
