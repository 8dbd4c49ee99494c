// gfx.h: GPU side of the UI: shader programs from shaders/ and the heatmap pass
// (matrix -> R32F texture -> colormapped RGBA8 texture shown with ImGui::Image).
#pragma once
#include <string>
#include "engine/tensor.h"

namespace attn::gfx {

bool init(const char* glsl_preamble, std::string* err);
void shutdown();

enum class Colormap { Sequential, Diverging };

// A colormapped picture of a matrix, re-rendered only when its data, range or size change.
struct Heatmap {
  unsigned values_tex = 0, color_tex = 0, fbo = 0;
  int rows = 0, cols = 0, px_w = 0, px_h = 0;
  uint64_t version = ~0ull;
  float lo = 0, hi = 0;
  Colormap cmap = Colormap::Sequential;
  bool light = false;
};

// Uploads m when `version` differs and renders it at px_w x px_h; returns the texture id.
unsigned render(Heatmap* h, const Mat& m, uint64_t version, Colormap cmap, float lo, float hi, int px_w, int px_h, bool light);
void release(Heatmap* h);

}  // namespace attn::gfx
