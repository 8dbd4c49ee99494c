// sample.cpp: temperature, top-k, top-p and the seeded draw, in double.
#include "models/sample.h"
#include <algorithm>
#include <cmath>
#include "core/rng.h"

namespace attn::models {

std::vector<std::pair<int, double>> next_token_distribution(const float* logits, int V, const SampleOptions& o) {
  const double t = o.temperature > 0 ? o.temperature : 1.0;
  double mx = -INFINITY;
  for (int v = 0; v < V; v++) mx = std::max(mx, double(logits[v]) / t);
  std::vector<std::pair<int, double>> p(static_cast<size_t>(V));
  double sum = 0;
  for (int v = 0; v < V; v++) {
    p[size_t(v)] = {v, std::exp(double(logits[v]) / t - mx)};
    sum += p[size_t(v)].second;
  }
  // most likely first; ties by id, so that the order is the same everywhere
  std::sort(p.begin(), p.end(), [](const auto& a, const auto& b) { return a.second > b.second || (a.second == b.second && a.first < b.first); });
  size_t keep = p.size();
  if (o.top_k > 0) keep = std::min(keep, size_t(o.top_k));
  if (o.top_p < 1) {
    double acc = 0;
    for (size_t i = 0; i < keep; i++) {
      acc += p[i].second / sum;
      if (acc >= o.top_p) { keep = i + 1; break; }
    }
  }
  p.resize(keep);
  double kept = 0;
  for (const auto& e : p) kept += e.second;
  for (auto& e : p) e.second /= kept;
  return p;
}

int choose_token(const float* logits, int V, const SampleOptions& o, int step) {
  if (!(o.temperature > 0)) {
    int best = 0;
    for (int v = 1; v < V; v++)
      if (logits[v] > logits[best]) best = v;
    return best;
  }
  const std::vector<std::pair<int, double>> p = next_token_distribution(logits, V, o);
  Rng rng(o.seed * 0x9E3779B97F4A7C15ull + uint64_t(step) + 1);
  const double u = double(rng.uniform(0.0f, 1.0f));
  double acc = 0;
  for (const auto& e : p) {
    acc += e.second;
    if (u < acc) return e.first;
  }
  return p.back().first;
}

}  // namespace attn::models
