// main.cpp: entry point for the desktop and the browser: init, run the frame loop, shutdown. The
// app stands on the platform (window, loop, files), which knows nothing of it but the frame
// function it is handed; in a browser platform::run() never returns (the page drives the frames).
// Desktop flags: --frames=N renders N frames then exits 0 (smoke tests); key=value pairs
// (preset=causal, ...) set the initial state, as the URL fragment does on the web.
#include <cstdio>
#include <string>
#include <vector>
#include "app/app.h"
#include "modes/modes.h"
#include "platform/allocator.h"
#include "platform/platform.h"

int main(int argc, char** argv) {
  attn::platform::keep_freed_memory();
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string err;
  if (!attn::platform::init("Attention Playground", 1280, 800, &err)) {
    std::fprintf(stderr, "error: %s\n", err.c_str());
    return 1;
  }
  attn::app_init(args);
  attn::platform::set_drop_handler(attn::app_import);
  attn::platform::run(attn::app_frame);
  attn::app_shutdown();
  attn::platform::shutdown();
  return 0;
}

