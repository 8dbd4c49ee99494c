// platform.h: the thin layer that differs between desktop (GLFW + GLES3) and browser
// (emscripten GLFW + WebGL2). Same API on both sides; each function branches inside.
#pragma once
#include <string>
#include <vector>

namespace attn::platform {

bool init(const char* title, int width, int height, std::string* err);
// Main loop: calls frame() once per displayed frame until quit (or forever on the web).
void run(void (*frame)());
void shutdown();
void request_quit();

// Frame bracket: begin polls input and sizes the canvas; end renders ImGui and presents.
void begin_frame();
void end_frame();

float pixel_ratio();             // device pixel ratio (web) or content scale (desktop)
const char* glsl_preamble();     // prepended to every shader in shaders/
double now_ms();

// Files. On the web: a browser download; on the desktop: written to the current folder.
// Returns a message for the user ("saved weights.npy" / "could not write ...").
std::string save_file(const std::string& name, const std::string& bytes, const char* mime);
void copy_text(const std::string& text);
// Dropped or picked files arrive here as (name, bytes).
void set_drop_handler(void (*fn)(const std::string& name, const std::string& bytes));

}  // namespace attn::platform
