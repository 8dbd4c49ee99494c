// jobs.cpp: the one scheduler (jobs.h) and the Long n job.
#include "modes/jobs.h"
#include "modes/host.h"
#include <algorithm>
#include "modes/modes.h"

namespace attn {

Slice run_slice(double budget_ms, const std::function<bool()>& step) {
  Slice s;
  const double t0 = host::now_ms();
  do {
    s.more = step();
    s.steps++;
  } while (s.more && host::now_ms() - t0 < budget_ms);
  s.ms = host::now_ms() - t0;
  return s;
}

void jobs_continue() {
  long_continue();
  train_continue();
  model_continue();
}

// ---------------------------------------------------------------- Long n

void long_clamp_window(LongView* L) {
  const int n = L->trace.n;
  L->window = std::clamp(L->window <= 0 ? n : L->window, std::min(16, n), n);
  L->i0 = std::clamp(L->i0, 0, n - L->window);
  L->j0 = std::clamp(L->j0, 0, n - L->window);
}

// Random Q, K, V for n tokens, and the fused forward started (the Run button)
void long_run() {
  LongView& L = app().longv;
  Mat Q, K, V;
  long_random_inputs(L.n, L.d, 1, &Q, &K, &V);
  const double t0 = host::now_ms();
  const bool started = long_begin(std::move(Q), std::move(K), std::move(V), L.causal, &L.job);
  L.run_ms = host::now_ms() - t0;
  L.job.threads = engine_threads();
  if (!started) {
    set_status("refused: " + L.job.t.error);
    L.job = LongJob{};
    return;
  }
  long_continue();  // short runs finish in this frame
}

// n = 16384 takes seconds (more on a phone): rows in slices, while the progress bar fills
void long_continue() {
  LongView& L = app().longv;
  if (!L.running()) return;
  // 64 rows a step for each thread: with fewer, waking the workers would cost more than they share
  const Slice s = run_slice(kLongSliceMs, [&] { return !long_step(&L.job, 64 * L.job.threads); });
  L.run_ms += s.ms;
  if (s.more) return;
  if (!L.job.t.ok) {  // long_step already emptied the job
    set_status("refused: " + L.job.t.error);
    return;
  }
  L.trace = std::move(L.job.t);
  L.threads = L.job.threads;
  L.job = LongJob{};  // frees the workspace; the run is over
  L.ms = L.run_ms;
  L.window = 0;
  L.i0 = L.j0 = 0;
  long_clamp_window(&L);
  L.version++;
}

}  // namespace attn
