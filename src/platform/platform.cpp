// platform.cpp: GLFW window, GL context, ImGui backends, main loop, canvas sizing and files.
// The only file (with web_api.cpp) that knows whether it runs natively or in a browser.
#include "platform/platform.h"
#include <cstdio>
#include <fstream>
#include "app/gl.h"
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
  // Ctrl+Q quits the desktop app. Installed before ImGui's backend, which chains to it, so a
  // press is never lost between frames (ImGui 1.86 samples key state once per frame).
  glfwSetKeyCallback(s.window, [](GLFWwindow* w, int key, int, int action, int mods) {
    if (key == GLFW_KEY_Q && action == GLFW_PRESS && (mods & GLFW_MOD_CONTROL)) glfwSetWindowShouldClose(w, GLFW_TRUE);
  });
#endif
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // layout is code, not a file the user must manage
  ImGui_ImplGlfw_InitForOpenGL(s.window, true);
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

void begin_frame() {
  glfwPollEvents();
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
  ImGui::NewFrame();
}

void end_frame() {
  ImGui::Render();
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

void copy_text(const std::string& text) { ImGui::SetClipboardText(text.c_str()); }

}  // namespace attn::platform
