// jobs.h: the one scheduler. Work longer than a frame (a Long n run, training, a real model's
// pass, generating) runs in slices: each frame every mode with work gets a slice of the frame's
// time (at least one step), so the page keeps drawing and answering while it runs.
#pragma once
#include <functional>

namespace attn {

struct Slice {
  int steps = 0;      // steps taken
  double ms = 0;      // the time they took
  bool more = true;   // false: the last step said the work is done (or stopped)
};

// Runs step() until it returns false or budget_ms have passed; the first step always runs.
Slice run_slice(double budget_ms, const std::function<bool()>& step);

// The budgets (ms a frame): a Long n run, a model's pass; training's is adaptive
// (train_continue: 12 ms, up to 40 where the frame itself takes long).
constexpr double kLongSliceMs = 20, kModelSliceMs = 16;

// Once a frame, from app_frame: a slice for each job with work: Long n, training, the Model mode.
void jobs_continue();

// The Long n job (long.cpp): generate inputs for longv.n and start the fused forward; each frame,
// one more slice of its rows.
void long_run();
void long_continue();
// The window of the Long n map kept inside the n x n matrix, at least 16 cells a side
struct LongView;
void long_clamp_window(LongView* L);

}  // namespace attn
