// platform.h: the thin layer that differs between desktop (GLFW + GLES3) and browser
// (emscripten GLFW + WebGL2). Same API on both sides; each function branches inside.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

// A function the page's JavaScript calls by name (app/web_api.cpp): kept in the module, as
// emscripten's EMSCRIPTEN_KEEPALIVE is; natively it only keeps the function from being dropped.
#define ATTN_EXPORT __attribute__((used))

namespace attn::platform {

bool init(const char* title, int width, int height, std::string* err);
// Main loop: calls frame() once per displayed frame until quit (or forever on the web).
void run(void (*frame)());
void shutdown();
void request_quit();

// Frame bracket: begin polls input and sizes the canvas; end renders ImGui and presents.
// A capture frame (capture_w > 0) renders offscreen at that size instead of presenting, and
// end_frame returns its pixels (RGBA, top row first) for export.
void begin_frame(int capture_w = 0, int capture_h = 0);
void end_frame(std::vector<uint8_t>* capture_rgba = nullptr);
// Asks the page to open its file picker (web); on the desktop, files are dropped on the window.
void pick_file();
void pick_model_files();
// Fetches a Hugging Face model's files (web): config.json, tokenizer files, the weights, each from
// the browser's Cache Storage when there, else https://huggingface.co/NAME/resolve/main/FILE; they
// arrive through model_add_file, progress through model_download_progress, the end through
// model_download_done. The desktop has no downloads (it says so).
void fetch_model(const std::string& name);
void cancel_fetch();
bool is_web();  // web: a picker of several files, handed to the Model mode; desktop: nothing (drop them)
// The page's address without its fragment (web), or "index.html" on the desktop.
std::string page_url();

// Keys pressed since the previous frame, in order, even if already released (ImGui 1.86
// samples key state once per frame and would miss a quick tap). Letters and digits as their
// ASCII capitals; the named keys below for the rest.
enum : int { kKeyLeft = 1000, kKeyRight, kKeyUp, kKeyDown, kKeySpace, kKeyEscape };
const std::vector<int>& keys_pressed();

// After the app rebuilt ImGui's font atlas (a new pixel ratio): sends it to the GPU again.
void upload_fonts();

float pixel_ratio();
// Bytes the staged trace may use: the wasm heap is capped at 2 GB, so the web keeps a margin.
double memory_budget();             // device pixel ratio (web) or content scale (desktop)
const char* glsl_preamble();     // prepended to every shader in shaders/
double now_ms();

// Files. On the web: a browser download; on the desktop: written to the current folder.
// Returns a message for the user ("saved weights.npy" / "could not write ...").
std::string save_file(const std::string& name, const std::string& bytes, const char* mime);
void copy_text(const std::string& text);
// Web: replaces the URL fragment (history.replaceState) and tells an embedding host page.
void publish_state(const std::string& state_text);
// Web: opens a URL relative to the page in a new tab; desktop: prints it.
void open_url(const std::string& url);
// Settings kept between sessions: localStorage on the web, a settings file on the desktop.
// An unknown key reads as "".
std::string load_setting(const std::string& key);
void save_setting(const std::string& key, const std::string& value);
// Dropped or picked files arrive here as (name, bytes).
void set_drop_handler(void (*fn)(const std::string& name, const std::string& bytes));

}  // namespace attn::platform
