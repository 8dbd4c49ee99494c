// platform.cpp: GLFW window, GL context, ImGui backends, main loop, canvas sizing and files.
// The only file that knows whether it runs natively or in a browser.
#include "platform/platform.h"
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include "gfx/gl.h"
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"
#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#include <emscripten/html5.h>
#else
#include <chrono>
#endif

namespace attn::platform {

namespace {
struct {
  GLFWwindow* window = nullptr;
  int capture_w = 0, capture_h = 0;
  std::vector<int> keys_pending, keys_frame;
  void (*frame)() = nullptr;
  void (*drop)(const std::string&, const std::string&) = nullptr;
  bool quit = false;
} s;

void loop_once() { s.frame(); }

#ifndef __EMSCRIPTEN__
void on_drop(GLFWwindow*, int count, const char** paths) {
  for (int i = 0; i < count && s.drop; i++) {
    std::ifstream f(paths[i], std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::string name = paths[i];
    s.drop(name, f ? bytes : std::string());
  }
}
#endif
}  // namespace

bool init(const char* title, int width, int height, std::string* err) {
  glfwSetErrorCallback([](int code, const char* msg) { std::fprintf(stderr, "glfw error %d: %s\n", code, msg); });
  if (!glfwInit()) { *err = "could not initialize GLFW (no display?)"; return false; }
  // GLES 3.0 natively and WebGL2 in the browser: one shader dialect, "#version 300 es".
  glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  s.window = glfwCreateWindow(width, height, title, nullptr, nullptr);
  if (!s.window) { *err = "could not create an OpenGL ES 3.0 / WebGL2 window"; return false; }
  glfwMakeContextCurrent(s.window);
  glfwSwapInterval(1);
#ifndef __EMSCRIPTEN__
  glfwSetDropCallback(s.window, on_drop);
#endif
  // Installed before ImGui's backend, which chains to it: every press is queued for the app's
  // shortcuts, and Ctrl+Q quits the desktop app.
  glfwSetKeyCallback(s.window, [](GLFWwindow* w, int key, int, int action, int mods) {
    if (action != GLFW_PRESS) return;
#ifndef __EMSCRIPTEN__
    if (key == GLFW_KEY_Q && (mods & GLFW_MOD_CONTROL)) glfwSetWindowShouldClose(w, GLFW_TRUE);
#else
    (void)w;
#endif
    if (mods & (GLFW_MOD_CONTROL | GLFW_MOD_ALT | GLFW_MOD_SUPER)) return;
    int k = key == GLFW_KEY_LEFT ? kKeyLeft : key == GLFW_KEY_RIGHT ? kKeyRight : key == GLFW_KEY_UP ? kKeyUp
          : key == GLFW_KEY_DOWN ? kKeyDown : key == GLFW_KEY_SPACE ? kKeySpace : key == GLFW_KEY_ESCAPE ? kKeyEscape
          : (key >= GLFW_KEY_0 && key <= GLFW_KEY_9) || (key >= GLFW_KEY_A && key <= GLFW_KEY_Z) ? key : -1;
    if (k >= 0 && s.keys_pending.size() < 64) s.keys_pending.push_back(k);
  });
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // layout is code, not a file the user must manage
  ImGui_ImplGlfw_InitForOpenGL(s.window, true);
#ifdef __EMSCRIPTEN__
  // NOTE: emscripten 3.1.6's GLFW passes the browser's raw wheel deltas: pixels (100 per notch in
  // Chrome) with the browser's sign (positive = down). GLFW and ImGui expect notches, positive = up.
  glfwSetScrollCallback(s.window, [](GLFWwindow* w, double dx, double dy) {
    ImGui_ImplGlfw_ScrollCallback(w, -dx / 100.0, -dy / 100.0);
  });
#endif
  ImGui_ImplOpenGL3_Init("#version 300 es");
  return true;
}

void set_drop_handler(void (*fn)(const std::string&, const std::string&)) { s.drop = fn; }

float pixel_ratio() {
#ifdef __EMSCRIPTEN__
  return float(emscripten_get_device_pixel_ratio());
#else
  float x = 1, y = 1;
  glfwGetWindowContentScale(s.window, &x, &y);
  return x;
#endif
}

double memory_budget() {
#ifdef __EMSCRIPTEN__
  return 512e6;
#else
  return 1.5e9;
#endif
}

const char* glsl_preamble() {
#ifdef __EMSCRIPTEN__
  return "#version 300 es\nprecision highp float;\nprecision highp int;\n#define WEB 1\n";
#else
  return "#version 300 es\nprecision highp float;\nprecision highp int;\n#define WEB 0\n";
#endif
}

double now_ms() {
#ifdef __EMSCRIPTEN__
  return emscripten_get_now();
#else
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
#endif
}

const std::vector<int>& keys_pressed() { return s.keys_frame; }

void begin_frame(int capture_w, int capture_h) {
  s.capture_w = capture_w;
  s.capture_h = capture_h;
  glfwPollEvents();
  s.keys_frame.swap(s.keys_pending);
  s.keys_pending.clear();
#ifdef __EMSCRIPTEN__
  // NOTE: emscripten's GLFW has no high-DPI support: size the backing store to CSS size x DPR
  // ourselves (glfwSetWindowSize would try fullscreen when the size equals the screen's).
  double css_w = 0, css_h = 0;
  emscripten_get_element_css_size("#canvas", &css_w, &css_h);
  const double dpr = emscripten_get_device_pixel_ratio();
  int want_w = int(css_w * dpr + 0.5), want_h = int(css_h * dpr + 0.5);
  int cur_w = 0, cur_h = 0;
  glfwGetWindowSize(s.window, &cur_w, &cur_h);
  if (want_w > 0 && want_h > 0 && (want_w != cur_w || want_h != cur_h))
    EM_ASM({ Browser.setCanvasSize($0, $1); }, want_w, want_h);
#endif
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  // NOTE: browser timers can be frozen or coarse; ImGui asserts on a zero delta.
  ImGuiIO& io = ImGui::GetIO();
  if (io.DeltaTime <= 0.0f) io.DeltaTime = 1.0f / 60.0f;
#ifdef __EMSCRIPTEN__
  // The canvas backing store is already in device pixels; fonts are scaled instead.
  io.DisplayFramebufferScale = ImVec2(1, 1);
#endif
  if (capture_w > 0) {
    io.DisplaySize = ImVec2(float(capture_w), float(capture_h));
    io.DisplayFramebufferScale = ImVec2(1, 1);
  }
  ImGui::NewFrame();
}

void end_frame(std::vector<uint8_t>* capture_rgba) {
  ImGui::Render();
  if (s.capture_w > 0) {
    // offscreen: an RGBA8 target of the capture size, read back, never presented
    const int w = s.capture_w, h = s.capture_h;
    GLuint tex = 0, fbo = 0;
    glGenTextures(1, &tex);
    glBindTexture(GL_TEXTURE_2D, tex);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
    glGenFramebuffers(1, &fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex, 0);
    glViewport(0, 0, w, h);
    ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
    glClearColor(bg.x, bg.y, bg.z, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    if (capture_rgba) {
      std::vector<uint8_t> px(size_t(w) * h * 4);
      glPixelStorei(GL_PACK_ALIGNMENT, 1);
      glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
      capture_rgba->resize(px.size());
      for (int y = 0; y < h; y++)  // GL's first row is the bottom one
        std::copy(px.begin() + size_t(h - 1 - y) * w * 4, px.begin() + size_t(h - y) * w * 4, capture_rgba->begin() + size_t(y) * w * 4);
    }
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    glDeleteFramebuffers(1, &fbo);
    glDeleteTextures(1, &tex);
    s.capture_w = s.capture_h = 0;
    return;
  }
  int w = 0, h = 0;
  glfwGetFramebufferSize(s.window, &w, &h);
  glViewport(0, 0, w, h);
  ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
  glClearColor(bg.x, bg.y, bg.z, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  glfwSwapBuffers(s.window);
}

void run(void (*frame)()) {
  s.frame = frame;
#ifdef __EMSCRIPTEN__
  emscripten_set_main_loop(loop_once, 0, true);
#else
  while (!s.quit && !glfwWindowShouldClose(s.window)) loop_once();
#endif
}

void request_quit() {
  s.quit = true;
#ifdef __EMSCRIPTEN__
  emscripten_cancel_main_loop();
#endif
}

void upload_fonts() {
  ImGui_ImplOpenGL3_DestroyFontsTexture();
  ImGui_ImplOpenGL3_CreateFontsTexture();
}

void shutdown() {
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  if (s.window) glfwDestroyWindow(s.window);
  glfwTerminate();
}

std::string save_file(const std::string& name, const std::string& bytes, const char* mime) {
#ifdef __EMSCRIPTEN__
  EM_ASM({
    const data = HEAPU8.slice($1, $1 + $2);
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([data], {type: UTF8ToString($3)}));
    a.download = UTF8ToString($0);
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }, name.c_str(), bytes.data(), int(bytes.size()), mime);
  return "downloaded " + name;
#else
  (void)mime;
  std::ofstream f(name, std::ios::binary);
  if (!f || !f.write(bytes.data(), std::streamsize(bytes.size()))) return "could not write " + name;
  return "saved " + name;
#endif
}

void copy_text(const std::string& text) {
  ImGui::SetClipboardText(text.c_str());
#ifdef __EMSCRIPTEN__
  // NOTE: emscripten's GLFW clipboard stays inside the page; also offer it to the system.
  EM_ASM({ if (navigator.clipboard) navigator.clipboard.writeText(UTF8ToString($0)).catch(function () {}); }, text.c_str());
#endif
}

std::string page_url() {
#ifdef __EMSCRIPTEN__
  static char buf[4096];
  buf[0] = 0;
  EM_ASM({ stringToUTF8(location.href.split('#')[0], $0, $1); }, buf, int(sizeof buf));
  return buf;
#else
  return "index.html";
#endif
}

void pick_file() {
#ifdef __EMSCRIPTEN__
  EM_ASM({ if (window.attnPickFile) window.attnPickFile(); });
#endif
}

void pick_model_files() {
#ifdef __EMSCRIPTEN__
  EM_ASM({ if (window.attnPickModel) window.attnPickModel(); });
#endif
}

void fetch_model(const std::string& name) {
#ifdef __EMSCRIPTEN__
  EM_ASM({ if (window.attnFetchModel) window.attnFetchModel(UTF8ToString($0)); }, name.c_str());
#else
  (void)name;
#endif
}
bool is_web() {
#ifdef __EMSCRIPTEN__
  return true;
#else
  return false;
#endif
}
void cancel_fetch() {
#ifdef __EMSCRIPTEN__
  EM_ASM({ if (window.attnCancelFetch) window.attnCancelFetch(); });
#endif
}

void publish_state(const std::string& text) {
#ifdef __EMSCRIPTEN__
  EM_ASM({ if (window.attnPublish) window.attnPublish(UTF8ToString($0)); }, text.c_str());
#else
  (void)text;
#endif
}

void open_url(const std::string& url) {
#ifdef __EMSCRIPTEN__
  EM_ASM({ if (window.attnOpen) window.attnOpen(UTF8ToString($0)); }, url.c_str());
#else
  std::printf("%s\n", url.c_str());
#endif
}

// Settings that outlive a session (the first-visit tour's "done"). Web: localStorage, which a
// sandboxed iframe may refuse (then nothing is remembered, and nothing breaks). Desktop: lines of
// key=value in $XDG_CONFIG_HOME/attention-playground/settings (or ~/.config/...).
#ifndef __EMSCRIPTEN__
namespace {
std::string settings_path() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  const char* home = std::getenv("HOME");
  if (xdg && *xdg) return std::string(xdg) + "/attention-playground/settings";
  if (home && *home) return std::string(home) + "/.config/attention-playground/settings";
  return "";
}
std::vector<std::pair<std::string, std::string>> read_settings() {
  std::vector<std::pair<std::string, std::string>> kv;
  std::ifstream f(settings_path());
  std::string line;
  while (std::getline(f, line))
    if (size_t eq = line.find('='); eq != std::string::npos) kv.emplace_back(line.substr(0, eq), line.substr(eq + 1));
  return kv;
}
}  // namespace
#endif

std::string load_setting(const std::string& key) {
#ifdef __EMSCRIPTEN__
  static char buf[256];
  buf[0] = 0;
  EM_ASM({
    try { const v = localStorage.getItem('attn.' + UTF8ToString($0)); if (v !== null) stringToUTF8(v, $1, $2); } catch (e) { }
  }, key.c_str(), buf, int(sizeof buf));
  return buf;
#else
  for (const auto& [k, v] : read_settings())
    if (k == key) return v;
  return "";
#endif
}

void save_setting(const std::string& key, const std::string& value) {
#ifdef __EMSCRIPTEN__
  EM_ASM({ try { localStorage.setItem('attn.' + UTF8ToString($0), UTF8ToString($1)); } catch (e) { } }, key.c_str(), value.c_str());
#else
  const std::string path = settings_path();
  if (path.empty()) return;
  auto kv = read_settings();
  bool found = false;
  for (auto& p : kv)
    if (p.first == key) { p.second = value; found = true; }
  if (!found) kv.emplace_back(key, value);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::ofstream f(path);
  for (const auto& [k, v] : kv) f << k << '=' << v << '\n';
#endif
}

}  // namespace attn::platform
