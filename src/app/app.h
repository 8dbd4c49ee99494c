// app.h: the app's frame, as the platform runs it: init (arguments, the first preset, graphics),
// one frame (the modes' work, then the panels of the mode on screen), shutdown.
#pragma once
#include <string>
#include <vector>

namespace attn {

void app_init(const std::vector<std::string>& args);
void app_frame();
void app_shutdown();

}  // namespace attn
