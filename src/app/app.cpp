// app.cpp: init / frame / shutdown, the once-per-frame recompute, fonts, themes, keyboard
// shortcuts and the layout that places the panels (three columns, or one on a phone).
#include "app/app.h"
#include "modes/modes.h"
#include "modes/jobs.h"
#include "modes/host.h"
#include "engine/rules.h"
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include "ui/ui.h"
#include "kernels/kernels.h"
#include "io/png.h"
#include "lessons/presets.h"
#include "engine/stages/embed.h"
#include "imgui.h"
#include "platform/platform.h"

extern "C" const unsigned char font_inter[];
extern "C" const unsigned int font_inter_size;
extern "C" const unsigned char font_mono[];
extern "C" const unsigned int font_mono_size;

namespace attn {

namespace {
App& g_app = app();

void build_fonts(float scale) {
  App& a = g_app;
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  static ImVector<ImWchar> ranges;
  if (ranges.empty()) {
    ImFontGlyphRangesBuilder b;
    b.AddRanges(io.Fonts->GetGlyphRangesDefault());
    // Greek (α Σ τ φ λ), punctuation (… − ′), sub/superscripts (₁ ⊤), arrows, math (∞ √ ·), shapes (◀ ▶)
    static const ImWchar extra[] = {0x0370, 0x03FF, 0x1D00, 0x1DBF, 0x2000, 0x209F, 0x2190, 0x21FF,
                                    0x2200, 0x22FF, 0x25A0, 0x25FF, 0x2C60, 0x2C7F, 0};
    b.AddRanges(extra);
    b.BuildRanges(&ranges);
  }
  ImFontConfig cfg;
  cfg.FontDataOwnedByAtlas = false;  // the bytes are static, embedded at build time
  void* inter = const_cast<unsigned char*>(font_inter);
  void* mono = const_cast<unsigned char*>(font_mono);
  // Each font borrows the other's glyphs where it has none (Inter lacks ⊤, JetBrains Mono lacks ᵢ ⱼ ₊).
  ImFontConfig merge = cfg;
  merge.MergeMode = true;
  auto add = [&](void* main, unsigned main_size, void* other, unsigned other_size, float px) {
    ImFont* f = io.Fonts->AddFontFromMemoryTTF(main, int(main_size), std::round(px * scale), &cfg, ranges.Data);
    io.Fonts->AddFontFromMemoryTTF(other, int(other_size), std::round(px * scale), &merge, ranges.Data);
    return f;
  };
  a.screen.font_ui = add(inter, font_inter_size, mono, font_mono_size, 15.0f);
  a.screen.font_mono = add(mono, font_mono_size, inter, font_inter_size, 13.0f);
  a.screen.font_title = add(inter, font_inter_size, mono, font_mono_size, 20.0f);
  io.Fonts->Build();
  a.font_scale = scale;
}

void apply_theme(bool light, float scale) {
  ImGuiStyle& st = ImGui::GetStyle();
  st = ImGuiStyle();
  if (light) ImGui::StyleColorsLight(&st);
  else ImGui::StyleColorsDark(&st);
  st.WindowRounding = 0;
  st.FrameRounding = 4;
  st.GrabRounding = 4;
  st.ChildRounding = 6;
  st.TabRounding = 4;
  st.FramePadding = ImVec2(7, 4);
  st.ItemSpacing = ImVec2(8, 6);
  st.WindowPadding = ImVec2(10, 10);
  if (!light) {
    st.Colors[ImGuiCol_WindowBg] = ImVec4(0.09f, 0.10f, 0.12f, 1);
    st.Colors[ImGuiCol_ChildBg] = ImVec4(0.12f, 0.13f, 0.16f, 1);
    st.Colors[ImGuiCol_PlotLinesHovered] = ImVec4(1.0f, 0.75f, 0.2f, 1);
  } else {
    st.Colors[ImGuiCol_WindowBg] = ImVec4(0.93f, 0.94f, 0.96f, 1);
    st.Colors[ImGuiCol_ChildBg] = ImVec4(0.985f, 0.985f, 0.99f, 1);
    st.Colors[ImGuiCol_FrameBg] = ImVec4(0.88f, 0.90f, 0.94f, 1);
    st.Colors[ImGuiCol_TextDisabled] = ImVec4(0.40f, 0.42f, 0.46f, 1);  // readable on white
    st.Colors[ImGuiCol_PlotLinesHovered] = ImVec4(0.85f, 0.35f, 0.0f, 1);
  }
  st.ScaleAllSizes(scale);
}

void keyboard() {
  App& a = g_app;
  ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;
  const int last = int(Stage::Count) - 1;
  for (int k : platform::keys_pressed()) {
    switch (k) {
      case platform::kKeyRight: a.stepper.view.stage = std::min(last, a.stepper.view.stage + 1); a.stepper.view.playing = false; break;
      case platform::kKeyLeft: a.stepper.view.stage = std::max(0, a.stepper.view.stage - 1); a.stepper.view.playing = false; break;
      case platform::kKeySpace: a.stepper.view.playing = !a.stepper.view.playing; a.stepper.view.play_last_ms = 0; break;
      case platform::kKeyUp: a.stepper.view.query = std::max(0, a.stepper.view.query - 1); break;
      case platform::kKeyDown: a.stepper.view.query = std::min(std::max(0, a.stepper.trace.n_q - 1), a.stepper.view.query + 1); break;
      case platform::kKeyEscape: a.stepper.view.show_help = false; a.stepper.view.pinned = false; break;
      case 'H': a.stepper.view.show_help = !a.stepper.view.show_help; break;
      case 'T': a.stepper.view.light = !a.stepper.view.light; break;
      case 'G': a.stepper.view.heads_grid = !a.stepper.view.heads_grid; break;
      default:
        if (k >= '1' && k <= '8' && k - '1' < a.stepper.trace.n_heads) a.stepper.view.head = k - '1';
    }
  }
}

// --frames=N, plus key=value pairs (the URL fragment's keys) joined into one state text
// Returns true when the arguments carried state (a link's fragment or key=value arguments).
bool parse_args(const std::vector<std::string>& args) {
  std::string state, model_dir;
  for (const std::string& s : args) {
    if (s.rfind("--frames=", 0) == 0) g_app.max_frames = std::atoi(s.c_str() + 9);
    else if (s.rfind("--model=", 0) == 0) model_dir = s.substr(8);
    else if (s.find('=') != std::string::npos) state += (state.empty() ? "" : "&") + (s[0] == '#' ? s.substr(1) : s);
    else set_status("ignored argument '" + s.substr(0, 40) + "' (use key=value, --frames=N or --model=FOLDER)");
  }
  if (!state.empty()) apply_share_state(state);
  if (!model_dir.empty()) model_open_dir(model_dir);  // the desktop: a checkpoint's folder opens in the Model mode
  return !state.empty() || !model_dir.empty();
}
}  // namespace

void finish_frame(int capture, double t_start);

// Embed mode: only the panels named in panels=, side by side when wide, stacked otherwise.
bool embed_side_by_side() {
  const App& a = g_app;
  return !a.screen.narrow && a.stepper.view.panels.rfind("stage,", 0) == 0;
}

void draw_embed_panels() {
  App& a = g_app;
  std::vector<std::string> names;
  size_t p = 0;
  while (p <= a.stepper.view.panels.size()) {
    size_t q = a.stepper.view.panels.find(',', p);
    if (q == std::string::npos) q = a.stepper.view.panels.size();
    if (q > p) names.push_back(a.stepper.view.panels.substr(p, q - p));
    p = q + 1;
  }
  if (names.empty()) names.push_back("stage");
  auto draw = [&](const std::string& n) {
    if (n == "stage") { if (a.stepper.view.heads_grid) ui::draw_heads_grid(a.stepper); else ui::draw_stage(a.stepper); }
    else if (n == "row") ui::draw_row_bars(a.stepper);
    else if (n == "tokens") ui::draw_tokens(a.stepper);
    else if (n == "controls") ui::draw_controls(a.stepper);
    else if (n == "heads") ui::draw_heads_grid(a.stepper);
    else if (n == "cost") ui::draw_cost(a.stepper);
    else if (n == "check") ui::draw_check(a.stepper);
    else if (n == "model") ui::draw_model(a.model);
    else if (n == "modelheads" || n == "lines" || n == "next") ui::draw_model_part(a.model, n);
    else if (n == "curves" || n == "attention" || n == "measures" || n == "settings") ui::draw_train_part(a.train, n);
  };
  const bool side = embed_side_by_side();
  if (!side) {
    for (const auto& n : names) { draw(n); ImGui::Separator(); }
    return;
  }
  const float h = ImGui::GetContentRegionAvail().y, right = ImGui::GetContentRegionAvail().x * 0.36f;
  const float top = ImGui::GetCursorPosY();
  const ImVec2 pad = ImGui::GetStyle().WindowPadding;
  ImGui::BeginChild("embed_stage", ImVec2(ImGui::GetContentRegionAvail().x - right - ImGui::GetStyle().ItemSpacing.x, h), true);
  draw(names[0]);
  float need = ImGui::GetCursorPosY();
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("embed_side", ImVec2(right, h), true);
  for (size_t i = 1; i < names.size(); i++) { draw(names[i]); if (i + 1 < names.size()) ImGui::Separator(); }
  need = std::max(need, ImGui::GetCursorPosY());
  ImGui::EndChild();
  // the height the panels' content needs, independent of the iframe's current height
  a.screen.content_height = (top + need + 2 * pad.y) / a.screen.dpi;
}

void app_init(const std::vector<std::string>& args) {
  App& a = g_app;
  // NOTE: checked before allocating; a failed wasm memory growth would abort the module
  a.stepper.limits.max_trace_bytes = platform::memory_budget();
  a.stepper.limits.threads = engine_threads();
  load_preset("cat-it");
  const bool from_link = parse_args(args);
  // a first visit gets the tour: not through a link (it has something to show), never in an embed
  if (!from_link && !a.stepper.view.embed && host::load_setting("tour") != "done") a.stepper.view.tour_step = 0;
  std::string err;
  if (!gfx::init(platform::glsl_preamble(), &err)) {
    a.screen.gfx_error = err;
    std::fprintf(stderr, "%s\n", err.c_str());
  }
}

void app_frame() {
  App& a = g_app;
  const double t_start = platform::now_ms();
  // fonts and sizes follow the device pixel ratio (browser zoom, moving between screens)
  const float dpr = std::clamp(platform::pixel_ratio(), 0.5f, 4.0f);
  // a capture frame draws everything at twice the resolution, offscreen
  const int capture = a.screen.capture;
  const float want = capture ? dpr * 2 : dpr;
  bool& last_light = a.fonts_light;
  if (want != a.font_scale || last_light != a.stepper.view.light) {
    if (want != a.font_scale) {
      build_fonts(want);
      platform::upload_fonts();
    }
    apply_theme(a.stepper.view.light, want);
    last_light = a.stepper.view.light;
  }
  a.screen.dpi = want;
  a.screen.light = a.stepper.view.light;
  ui::begin_frame(&a.screen);
  const ImVec2 last_size = ImGui::GetIO().DisplaySize;
  if (capture) platform::begin_frame(int(last_size.x * 2), int(last_size.y * 2));
  else platform::begin_frame();
  a.screen.rects.clear();  // re-recorded as controls are drawn this frame
  recompute_if_dirty();
  update_grads();
  jobs_continue();  // the modes' work in slices of this frame (jobs.h)
  a.stepper.view.hover_prev = a.stepper.view.hover;
  a.stepper.view.hover_prev_id = a.stepper.view.hover_id;
  a.stepper.view.hover_prev_i = a.stepper.view.hover_i;
  a.stepper.view.hover_prev_j = a.stepper.view.hover_j;
  a.stepper.view.hover_prev_head = a.stepper.view.hover_head;
  a.stepper.view.hover_prev_grad = a.stepper.view.hover_grad;
  a.stepper.view.hover_grad = GradId::Count;
  a.stepper.view.hover = false;
  keyboard();
  if (a.stepper.view.playing && platform::now_ms() - a.stepper.view.play_last_ms > 1600) {
    a.stepper.view.stage = (a.stepper.view.stage + 1) % int(Stage::Count);
    a.stepper.view.play_last_ms = platform::now_ms();
  }

  ImGuiIO& io = ImGui::GetIO();
  const float s = a.screen.dpi;
  a.screen.narrow = io.DisplaySize.x / s < 760;
  ImGui::PushFont(a.screen.font_ui);
  if (capture == 2) {
    ui::draw_capture_matrix(a.stepper);
    finish_frame(capture, t_start);
    return;
  }
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(io.DisplaySize);
  ImGui::Begin("##root", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoBringToFrontOnFocus |
                                      ImGuiWindowFlags_NoSavedSettings | (a.screen.narrow && !a.stepper.view.embed ? 0 : ImGuiWindowFlags_NoScrollbar));
  if (a.stepper.view.scroll_request != 0) {
    ImGui::SetScrollY(std::max(0.0f, ImGui::GetScrollY() + a.stepper.view.scroll_request));
    a.stepper.view.scroll_request = 0;
  }
  // NOTE: embeds never show a scrollbar: its appearing would narrow the layout, change the
  // content height the host sizes the iframe to, and make it disappear again.
  ui::draw_stepper(a.stepper, a.train);
  if (a.stepper.view.embed) {
    draw_embed_panels();
  } else if (a.stepper.view.train) {
    ui::draw_train(a.train);
  } else if (a.stepper.view.model) {
    ui::draw_model(a.model);
  } else if (a.screen.narrow) {
    // phone: one column, everything in reading order
    ui::draw_stage(a.stepper);
    ImGui::Separator();
    ui::draw_row_bars(a.stepper);
    ImGui::Separator();
    ui::draw_tokens(a.stepper);
    if (ImGui::CollapsingHeader("Controls", ImGuiTreeNodeFlags_DefaultOpen)) ui::draw_controls(a.stepper);
    if (ImGui::CollapsingHeader("All heads")) ui::draw_heads_grid(a.stepper);
    if (ImGui::CollapsingHeader("Cost")) ui::draw_cost(a.stepper);
    if (ImGui::CollapsingHeader("Long sequence")) ui::draw_long(a.longv);
    if (a.stepper.view.show_check) ImGui::SetNextItemOpen(true);
    a.stepper.view.show_check = false;
    if (ImGui::CollapsingHeader("Check your attention")) ui::draw_check(a.stepper);
  } else {
    const float avail_h = ImGui::GetContentRegionAvail().y;
    const float left_w = 290 * s, right_w = std::min(380 * s, io.DisplaySize.x * 0.3f);
    ImGui::BeginChild("controls", ImVec2(left_w, avail_h), true);
    ui::draw_controls(a.stepper);
    ImGui::EndChild();
    ImGui::SameLine();
    const float center_w = ImGui::GetContentRegionAvail().x - right_w - ImGui::GetStyle().ItemSpacing.x;
    ImGui::BeginChild("stage", ImVec2(center_w, avail_h), true, ImGuiWindowFlags_HorizontalScrollbar);
    if (a.stepper.view.heads_grid) ui::draw_heads_grid(a.stepper);
    else ui::draw_stage(a.stepper);
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("side", ImVec2(right_w, avail_h), true);
    if (ImGui::BeginTabBar("sidetabs")) {
      // NOTE: ImGui 1.86 has no "item rect" for a closed tab, so each tab marks its own label
      bool row = ImGui::BeginTabItem("Query row");
      ui::mark("tab:row");
      if (row) { ui::draw_row_bars(a.stepper); ImGui::EndTabItem(); }
      bool tok = ImGui::BeginTabItem("Tokens");
      ui::mark("tab:tokens");
      if (tok) { ui::draw_tokens(a.stepper); ImGui::EndTabItem(); }
      bool cost = ImGui::BeginTabItem("Cost");
      ui::mark("tab:cost");
      if (cost) { ui::draw_cost(a.stepper); ImGui::EndTabItem(); }
      bool lng = ImGui::BeginTabItem("Long n");
      ui::mark("tab:long");
      if (lng) { ui::draw_long(a.longv); ImGui::EndTabItem(); }
      bool chk = ImGui::BeginTabItem("Check", nullptr, a.stepper.view.show_check ? ImGuiTabItemFlags_SetSelected : 0);
      a.stepper.view.show_check = false;
      ui::mark("tab:check");
      if (chk) { ui::draw_check(a.stepper); ImGui::EndTabItem(); }
      ImGui::EndTabBar();
    }
    ImGui::EndChild();
  }
  if (!(a.stepper.view.embed && a.screen.content_height > 0 && embed_side_by_side()))
    a.screen.content_height = (ImGui::GetCursorPosY() + ImGui::GetStyle().WindowPadding.y) / a.screen.dpi;
  ImGui::End();
  if (a.stepper.view.show_help) ui::draw_help(a.stepper);
  ui::draw_tour(a.stepper);
  ui::draw_import_dialog(a.stepper);
  finish_frame(capture, t_start);
}

// Renders (or captures) the frame, saves a captured picture, keeps the URL current.
void finish_frame(int capture, double t_start) {
  App& a = g_app;
  ImGui::PopFont();
  if (capture) {
    std::vector<uint8_t> px;
    platform::end_frame(&px);
    const ImVec2 size = ImGui::GetIO().DisplaySize;
    int x0 = 0, y0 = 0, w = int(size.x), h = int(size.y);
    if (capture == 2) {  // crop to the matrix window
      x0 = std::max(0, int(a.screen.capture_crop.x0));
      y0 = std::max(0, int(a.screen.capture_crop.y0));
      w = std::min(int(size.x) - x0, int(a.screen.capture_crop.x1 - a.screen.capture_crop.x0));
      h = std::min(int(size.y) - y0, int(a.screen.capture_crop.y1 - a.screen.capture_crop.y0));
    }
    if (w > 0 && h > 0 && px.size() == size_t(size.x) * size_t(size.y) * 4) {
      std::vector<uint8_t> crop(size_t(w) * h * 4);
      for (int y = 0; y < h; y++)
        std::copy_n(px.begin() + (size_t(y0 + y) * size_t(size.x) + x0) * 4, size_t(w) * 4, crop.begin() + size_t(y) * w * 4);
      const std::string name = (capture == 2 ? a.screen.capture_matrix : std::string("attention-playground")) + "@2x.png";
      set_status(platform::save_file(name, png_encode(crop.data(), w, h), "image/png") + " (" + std::to_string(w) + "×" + std::to_string(h) + ")");
    } else {
      set_status("could not capture the picture");
    }
    a.screen.capture = 0;
  } else {
    platform::end_frame();
  }
  // keep the URL equal to the state, without flooding the history (replace, not push)
  if (a.frames % 10 == 0) {
    std::string st = encode_state(share_state());
    if (st != a.published) { platform::publish_state(st); a.published = st; }
  }
  a.screen.frame_ms = platform::now_ms() - t_start;
  a.frames++;
  if (a.max_frames > 0 && a.frames >= a.max_frames) {
    // a scripted run (tests) ends with what the Train mode reached
    if (a.stepper.view.train) std::printf("train: %s\n", train_json().c_str());
    if (a.stepper.view.model) std::printf("model: %s\n", model_json().c_str());
    platform::request_quit();
  }
}

void app_shutdown() {
  for (auto& [k, h] : g_app.screen.heatmaps) gfx::release(&h);
  gfx::shutdown();
}

}  // namespace attn
