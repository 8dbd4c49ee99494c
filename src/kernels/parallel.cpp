// parallel.cpp: the fused attention forward and gemm on several threads. Rows of the output are
// independent, so they are dealt out whole (query rows in blocks of the kernel's row block): the
// result has the very bits of one single-threaded call, whatever the number of threads. Threads exist only in builds that have
// them (ATTN_THREADS: native, and the wasm build made with -pthread); elsewhere everything runs
// on the calling thread.
#include <algorithm>
#include <exception>
#include "kernels/kernels.h"
#if ATTN_THREADS
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#endif

namespace attn::kern {

int hardware_threads() {
#if ATTN_THREADS
  return std::max(1, int(std::thread::hardware_concurrency()));
#else
  return 1;
#endif
}

namespace {

#if ATTN_THREADS
// Workers started once and kept waiting: starting a thread per call costs about a millisecond in
// wasm (the request travels through the page's main thread to a pool worker), as much as one
// head's attention at n = 512. Never destroyed: the workers wait on a condition variable until the
// process ends, which ends them.
class Pool {
 public:
  // runs job(t) for t in [0, threads); t = 0 on the calling thread. False when the pool is busy
  // (a job that itself asks for threads): the caller then runs everything itself.
  template <typename Job>
  bool run(int threads, const Job& job) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy) return false;
    std::unique_lock<std::mutex> lock(m_);
    try {
      while (int(workers_.size()) < threads - 1) {
        const int t = int(workers_.size()) + 1;
        workers_.emplace_back([this, t] { loop(t); });
        workers_.back().detach();
      }
    } catch (...) {  // the system gives no more threads: the caller runs everything itself
      return false;
    }
    job_ = [&job](int t) { job(t); };
    active_ = threads;
    pending_ = threads - 1;
    generation_++;
    lock.unlock();
    wake_.notify_all();
    job(0);
    lock.lock();
    done_.wait(lock, [this] { return pending_ == 0; });
    job_ = nullptr;
    return true;
  }

 private:
  void loop(int t) {
    int seen = 0;
    std::unique_lock<std::mutex> lock(m_);
    for (;;) {
      wake_.wait(lock, [&] { return generation_ != seen; });
      seen = generation_;
      if (t >= active_) continue;
      std::function<void(int)> job = job_;
      lock.unlock();
      job(t);
      lock.lock();
      if (--pending_ == 0) done_.notify_one();
    }
  }
  std::mutex busy_, m_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  std::function<void(int)> job_;
  int active_ = 0, pending_ = 0, generation_ = 0;
};
#endif

// work(t) for t in [0, threads). An exception in any of them (std::bad_alloc growing a
// workspace) is carried back and rethrown here once every thread has stopped, so callers handle
// it as they would a single-threaded call's.
template <typename Work>
void on_threads(int threads, Work work) {
#if ATTN_THREADS
  if (threads > 1) {
    static Pool* pool = new Pool;
    std::vector<std::exception_ptr> failed(static_cast<size_t>(threads));
    auto guarded = [&](int t) {
      try {
        work(t);
      } catch (...) {
        failed[size_t(t)] = std::current_exception();
      }
    };
    if (pool->run(threads, guarded)) {
      for (const std::exception_ptr& e : failed)
        if (e) std::rethrow_exception(e);
      return;
    }
  }
#endif
  for (int t = 0; t < threads; t++) work(t);
}

// Threads pay only for work of a few hundred microseconds each: below that, waking a worker costs
// more than it saves. macs: multiply-adds of the whole call.
int usable(int threads, int parts, double macs) {
#if !ATTN_THREADS
  threads = 1;
#endif
  constexpr double kMinMacs = 4e6;  // ~0.2 ms of the wasm tile
  threads = std::min(threads, 1 + int(macs / kMinMacs));
  return std::clamp(threads, 1, std::max(1, parts));
}

}  // namespace

void attention_threads(int threads, int r0, int r1, int n_k, int dk, int dv, const float* Q, int ldq, const float* K,
                       int ldk, const float* V, int ldv, float scale, MaskRule mask, float* O, int ldo, float* lse,
                       bool reuse_kv, ThreadWorkspaces* tw) {
  const int block = attention_row_block();
  const int blocks = (r1 - r0 + block - 1) / block;
  if (blocks <= 0) return;
  threads = usable(threads, blocks, double(r1 - r0) * n_k * (dk + dv));
  if (!reuse_kv) tw->packed.assign(tw->packed.size(), 0);
  if (int(tw->ws.size()) < threads) {
    tw->ws.resize(size_t(threads));
    tw->packed.resize(size_t(threads), 0);
  }
  // Four pieces per thread, dealt round robin: under a causal mask the first rows see few keys
  // and the last rows all of them, so halves would leave one thread with three quarters of the work.
  // One thread: one piece, the very call attention_rows() would make.
  const int pieces = threads == 1 ? 1 : std::min(blocks, 4 * threads);
  on_threads(threads, [&](int t) {
    for (int p = t; p < pieces; p += threads) {
      const int a = r0 + int(int64_t(blocks) * p / pieces) * block;
      const int b = std::min(r1, r0 + int(int64_t(blocks) * (p + 1) / pieces) * block);
      // each thread packs K and V into its own workspace once per run, then reuses them
      attention_rows(a, b, n_k, dk, dv, Q, ldq, K, ldk, V, ldv, scale, mask, O, ldo, lse, tw->packed[size_t(t)],
                     &tw->ws[size_t(t)]);
      tw->packed[size_t(t)] = 1;
    }
  });
}

void gemm_threads(int threads, int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C,
                  int ldc) {
  // each element of C sums its k products in the same order however the rows are split
  threads = usable(threads, m / 16, double(m) * n * k);
  on_threads(threads, [&](int t) {
    const int r0 = int(int64_t(m) * t / threads), r1 = int(int64_t(m) * (t + 1) / threads);
    gemm(r1 - r0, n, k, A + size_t(r0) * lda, lda, B, ldb, C + size_t(r0) * ldc, ldc);
  });
}

}  // namespace attn::kern
