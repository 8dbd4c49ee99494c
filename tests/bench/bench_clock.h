// bench_clock.h: what every row of the bench program times and weighs with: milliseconds since a
// moment, the median of repeats, and memory high-water marks (the process's resident set natively;
// under emscripten getrusage is empty, and the wasm heap, which never shrinks, is the mark).
#pragma once
#include <sys/resource.h>
#include <algorithm>
#include <chrono>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;
inline double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

inline double median(std::vector<double> v) {  // 0 of nothing
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// the resident set's high-water mark (0 under emscripten)
inline double max_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;
}

// the wasm heap (under emscripten) or the resident set's high-water mark (natively), files included
inline double high_water_mb() {
#if defined(__EMSCRIPTEN__)
  return double(__builtin_wasm_memory_size(0)) * 65536 / 1048576;
#else
  return max_rss_mb();
#endif
}

}  // namespace bench
