// app.cpp: init / frame / shutdown, the once-per-frame recompute, fonts, themes, keyboard
// shortcuts and the layout that places the panels (three columns, or one on a phone).
#include "app/app.h"
#include "app/jobs.h"
#include "app/host.h"
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
App g_app;

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
  a.font_ui = add(inter, font_inter_size, mono, font_mono_size, 15.0f);
  a.font_mono = add(mono, font_mono_size, inter, font_inter_size, 13.0f);
  a.font_title = add(inter, font_inter_size, mono, font_mono_size, 20.0f);
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
      case platform::kKeyRight: a.view.stage = std::min(last, a.view.stage + 1); a.view.playing = false; break;
      case platform::kKeyLeft: a.view.stage = std::max(0, a.view.stage - 1); a.view.playing = false; break;
      case platform::kKeySpace: a.view.playing = !a.view.playing; a.view.play_last_ms = 0; break;
      case platform::kKeyUp: a.view.query = std::max(0, a.view.query - 1); break;
      case platform::kKeyDown: a.view.query = std::min(std::max(0, a.trace.n_q - 1), a.view.query + 1); break;
      case platform::kKeyEscape: a.view.show_help = false; a.view.pinned = false; break;
      case 'H': a.view.show_help = !a.view.show_help; break;
      case 'T': a.view.light = !a.view.light; break;
      case 'G': a.view.heads_grid = !a.view.heads_grid; break;
      default:
        if (k >= '1' && k <= '8' && k - '1' < a.trace.n_heads) a.view.head = k - '1';
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

int engine_threads() { return std::min(kMaxThreads, kern::hardware_threads()); }

void finish_frame(int capture, double t_start);

// Embed mode: only the panels named in panels=, side by side when wide, stacked otherwise.
bool embed_side_by_side() {
  const App& a = g_app;
  return !a.narrow && a.view.panels.rfind("stage,", 0) == 0;
}

void draw_embed_panels() {
  App& a = g_app;
  std::vector<std::string> names;
  size_t p = 0;
  while (p <= a.view.panels.size()) {
    size_t q = a.view.panels.find(',', p);
    if (q == std::string::npos) q = a.view.panels.size();
    if (q > p) names.push_back(a.view.panels.substr(p, q - p));
    p = q + 1;
  }
  if (names.empty()) names.push_back("stage");
  auto draw = [&](const std::string& n) {
    if (n == "stage") { if (a.view.heads_grid) ui::draw_heads_grid(); else ui::draw_stage(); }
    else if (n == "row") ui::draw_row_bars();
    else if (n == "tokens") ui::draw_tokens();
    else if (n == "controls") ui::draw_controls();
    else if (n == "heads") ui::draw_heads_grid();
    else if (n == "cost") ui::draw_cost();
    else if (n == "check") ui::draw_check();
    else if (n == "model") ui::draw_model();
    else if (n == "modelheads" || n == "lines" || n == "next") ui::draw_model_part(n);
    else if (n == "curves" || n == "attention" || n == "measures" || n == "settings") ui::draw_train_part(n);
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
  a.content_height = (top + need + 2 * pad.y) / a.dpi;
}

App& app() { return g_app; }

ShareState share_state() {
  const App& a = g_app;
  ShareState s;
  s.cfg = a.cfg;
  s.preset = a.preset;
  s.stage = a.view.stage;
  s.head = a.view.head;
  s.query = a.view.query;
  s.grid = a.view.heads_grid;
  s.light = a.view.light;
  s.embed = a.view.embed;
  if (a.view.embed) s.panels = a.view.panels;
  s.pin = pin_state();
  if (a.view.model) {
    s.model_mode = true;
    s.model = a.model.name;
    s.model_text = a.model.text;
    s.model_layer = a.model.layer;
    s.model_head = a.model.head;
  }
  if (a.view.train) {
    s.train_mode = true;
    s.train = train_setup_text();
    if (!a.train.runs.empty()) s.train_step = int(a.train.runs[0].t.step);
  }
  return s;
}

void apply_share_state(const std::string& text) {
  App& a = g_app;
  std::vector<std::string> notes;
  ShareState s = decode_state(text, &notes);
  a.cfg = s.cfg;
  a.preset = s.preset;
  a.sentence_buf = s.cfg.sentence;
  a.source_buf = s.cfg.source;
  a.view.stage = s.stage;
  a.view.head = s.head;
  a.view.query = s.query;
  a.view.heads_grid = s.grid;
  a.view.light = s.light;
  a.view.embed = s.embed;
  if (!s.panels.empty()) a.view.panels = s.panels;
  a.view.pinned = false;
  a.dirty = true;
  std::string pin_err;
  if (s.pin.empty()) unpin();
  else if (!apply_pin(s.pin, &pin_err)) { unpin(); notes.insert(notes.begin(), pin_err); }
  else if (!pin_err.empty()) notes.push_back(pin_err);
  a.view.model = s.model_mode;
  if (a.view.model) {
    ModelView& M = a.model;
    if (!s.model_text.empty()) M.text = s.model_text;
    M.layer = s.model_layer;
    M.head = s.model_head;
    // a link names the model, never its weights: it asks before downloading (the browser's cache
    // may already hold the files)
    if (!s.model.empty() && s.model != M.name) model_ask_download(s.model);
    else if (M.loaded) model_run();
  }
  a.view.train = s.train_mode;
  if (a.view.train) {
    // a link's run: the same setup and seed give the same run, so it is trained again up to its step
    TrainView& T = a.train;
    const int have = T.runs.empty() ? -1 : int(T.runs[0].t.step);
    if (!T.ready || !T.configured || s.train != train_setup_text() || (s.train_step >= 0 && have > s.train_step)) {
      std::string err;
      T.configured = true;
      if (!apply_train_setup(s.train, &err)) notes.insert(notes.begin(), "train: " + err);
    }
    const int now = T.runs.empty() ? 0 : int(T.runs[0].t.step);
    T.target_step = s.train_step;
    T.playing = s.train_step > now;
    T.scrub = -1;
  }
  if (!notes.empty()) {
    std::string msg = "link: " + notes[0];
    if (notes.size() > 1) msg += " (+" + std::to_string(notes.size() - 1) + " more)";
    set_status(msg);
  }
  // the URL shows what is in force, with the ignored parts dropped
  a.published.clear();
}

void edit_config(const Config& next) {
  App& a = g_app;
  a.cfg = next;
  std::vector<std::string> notes = conform(&a.cfg, Front::App);
  if (!notes.empty()) set_status(notes[0]);
  a.dirty = true;
}

void set_status(const std::string& msg) {
  g_app.status = msg;
  g_app.status_ms = platform::now_ms();
}

void load_preset(const std::string& name) {
  App& a = g_app;
  Config c;
  if (!apply_preset(name, &c)) { set_status("unknown preset '" + name + "'"); return; }
  a.cfg = c;
  a.preset = name;
  a.sentence_buf = c.sentence;
  a.source_buf = c.source;
  a.view.query = 0;
  a.view.head = 0;
  a.view.pinned = false;
  // open each preset on the row (and stage) that shows its lesson
  const Preset* p = find_preset(name);
  a.view.query = preset_query(*p, c);
  if (p->stage >= 0) a.view.stage = p->stage;
  a.dirty = true;
}

void recompute_if_dirty() {
  App& a = g_app;
  if (!a.dirty) return;
  a.dirty = false;
  double t0 = platform::now_ms();
  Trace t = forward(a.cfg, a.limits, &a.trace);  // what the change left alone comes from the shown trace
  t.compute_ms = platform::now_ms() - t0;
  // The first forward of a session also pays for the browser compiling the engine's code on first
  // call (17-23 ms for a 10-token preset in headless Chromium, against well under 1 ms after).
  // The badge reports what an edit costs, so a quick first pass is timed once more, warm.
  bool& warm = a.forward_warm;
  if (!warm && t.ok && t.compute_ms < 50) {
    t0 = platform::now_ms();
    t = forward(a.cfg, a.limits, &a.trace);
    t.compute_ms = platform::now_ms() - t0;
  }
  warm = true;
  if (t.ok) {
    a.trace = std::move(t);
  } else {
    // keep showing the last good trace; say what was refused and why
    set_status("refused: " + t.error);
    if (!a.trace.ok) a.trace = std::move(t);
  }
  a.version++;
  a.view.head = std::clamp(a.view.head, 0, std::max(0, a.trace.n_heads - 1));
  a.view.query = std::clamp(a.view.query, 0, std::max(0, a.trace.n_q - 1));
}

std::string app_test_memory_failure() {
  App& a = g_app;
  const Config saved = a.cfg;
  const Limits saved_limits = a.limits;
  a.limits.max_n = 1 << 20;
  a.limits.max_trace_bytes = 1e15;
  a.cfg.input = Input::QKV;
  a.cfg.Q_in = a.cfg.K_in = a.cfg.V_in = Mat::Constant(16000, 1, 0.5f);
  a.dirty = true;
  recompute_if_dirty();
  std::string seen = a.status;
  a.cfg = saved;
  a.limits = saved_limits;
  a.dirty = true;
  return seen;
}

void update_grads() {
  App& a = g_app;
  if (!a.view.backward || !a.trace.ok) return;
  const int q = std::clamp(a.view.query, 0, std::max(0, a.trace.n_q - 1));
  if (a.grads_version == a.version && a.grads_query == q) return;
  Mat dY = Mat::Zero(a.trace.output.rows(), a.trace.output.cols());  // L = Σ_c y_qc: a one on the query's row
  dY.row(q).setOnes();
  a.grads = backward(a.trace, dY);
  a.version++;  // the heatmaps on screen re-upload (the query may have changed, the trace not)
  a.grads_version = a.version;
  a.grads_query = q;
  a.grad_mats.clear();
}

void mark(const char* name) {
  ImVec2 p0 = ImGui::GetItemRectMin(), p1 = ImGui::GetItemRectMax();
  g_app.rects[name] = Rect{p0.x, p0.y, p1.x, p1.y};
}

void app_init(const std::vector<std::string>& args) {
  App& a = g_app;
  // NOTE: checked before allocating; a failed wasm memory growth would abort the module
  a.limits.max_trace_bytes = platform::memory_budget();
  a.limits.threads = engine_threads();
  load_preset("cat-it");
  const bool from_link = parse_args(args);
  // a first visit gets the tour: not through a link (it has something to show), never in an embed
  if (!from_link && !a.view.embed && host::load_setting("tour") != "done") a.view.tour_step = 0;
  std::string err;
  if (!gfx::init(platform::glsl_preamble(), &err)) {
    a.gfx_error = err;
    std::fprintf(stderr, "%s\n", err.c_str());
  }
}

void app_frame() {
  App& a = g_app;
  const double t_start = platform::now_ms();
  // fonts and sizes follow the device pixel ratio (browser zoom, moving between screens)
  const float dpr = std::clamp(platform::pixel_ratio(), 0.5f, 4.0f);
  // a capture frame draws everything at twice the resolution, offscreen
  const int capture = a.capture;
  const float want = capture ? dpr * 2 : dpr;
  bool& last_light = a.fonts_light;
  if (want != a.font_scale || last_light != a.view.light) {
    if (want != a.font_scale) {
      build_fonts(want);
      platform::upload_fonts();
    }
    apply_theme(a.view.light, want);
    last_light = a.view.light;
  }
  a.dpi = want;
  const ImVec2 last_size = ImGui::GetIO().DisplaySize;
  if (capture) platform::begin_frame(int(last_size.x * 2), int(last_size.y * 2));
  else platform::begin_frame();
  a.rects.clear();  // re-recorded as controls are drawn this frame
  recompute_if_dirty();
  update_grads();
  jobs_continue();  // the modes' work in slices of this frame (jobs.h)
  a.view.hover_prev = a.view.hover;
  a.view.hover_prev_id = a.view.hover_id;
  a.view.hover_prev_i = a.view.hover_i;
  a.view.hover_prev_j = a.view.hover_j;
  a.view.hover_prev_head = a.view.hover_head;
  a.view.hover_prev_grad = a.view.hover_grad;
  a.view.hover_grad = GradId::Count;
  a.view.hover = false;
  keyboard();
  if (a.view.playing && platform::now_ms() - a.view.play_last_ms > 1600) {
    a.view.stage = (a.view.stage + 1) % int(Stage::Count);
    a.view.play_last_ms = platform::now_ms();
  }

  ImGuiIO& io = ImGui::GetIO();
  const float s = a.dpi;
  a.narrow = io.DisplaySize.x / s < 760;
  ImGui::PushFont(a.font_ui);
  if (capture == 2) {
    ui::draw_capture_matrix();
    finish_frame(capture, t_start);
    return;
  }
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(io.DisplaySize);
  ImGui::Begin("##root", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoBringToFrontOnFocus |
                                      ImGuiWindowFlags_NoSavedSettings | (a.narrow && !a.view.embed ? 0 : ImGuiWindowFlags_NoScrollbar));
  if (a.view.scroll_request != 0) {
    ImGui::SetScrollY(std::max(0.0f, ImGui::GetScrollY() + a.view.scroll_request));
    a.view.scroll_request = 0;
  }
  // NOTE: embeds never show a scrollbar: its appearing would narrow the layout, change the
  // content height the host sizes the iframe to, and make it disappear again.
  ui::draw_stepper();
  if (a.view.embed) {
    draw_embed_panels();
  } else if (a.view.train) {
    ui::draw_train();
  } else if (a.view.model) {
    ui::draw_model();
  } else if (a.narrow) {
    // phone: one column, everything in reading order
    ui::draw_stage();
    ImGui::Separator();
    ui::draw_row_bars();
    ImGui::Separator();
    ui::draw_tokens();
    if (ImGui::CollapsingHeader("Controls", ImGuiTreeNodeFlags_DefaultOpen)) ui::draw_controls();
    if (ImGui::CollapsingHeader("All heads")) ui::draw_heads_grid();
    if (ImGui::CollapsingHeader("Cost")) ui::draw_cost();
    if (ImGui::CollapsingHeader("Long sequence")) ui::draw_long();
    if (a.view.show_check) ImGui::SetNextItemOpen(true);
    a.view.show_check = false;
    if (ImGui::CollapsingHeader("Check your attention")) ui::draw_check();
  } else {
    const float avail_h = ImGui::GetContentRegionAvail().y;
    const float left_w = 290 * s, right_w = std::min(380 * s, io.DisplaySize.x * 0.3f);
    ImGui::BeginChild("controls", ImVec2(left_w, avail_h), true);
    ui::draw_controls();
    ImGui::EndChild();
    ImGui::SameLine();
    const float center_w = ImGui::GetContentRegionAvail().x - right_w - ImGui::GetStyle().ItemSpacing.x;
    ImGui::BeginChild("stage", ImVec2(center_w, avail_h), true, ImGuiWindowFlags_HorizontalScrollbar);
    if (a.view.heads_grid) ui::draw_heads_grid();
    else ui::draw_stage();
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("side", ImVec2(right_w, avail_h), true);
    if (ImGui::BeginTabBar("sidetabs")) {
      // NOTE: ImGui 1.86 has no "item rect" for a closed tab, so each tab marks its own label
      bool row = ImGui::BeginTabItem("Query row");
      mark("tab:row");
      if (row) { ui::draw_row_bars(); ImGui::EndTabItem(); }
      bool tok = ImGui::BeginTabItem("Tokens");
      mark("tab:tokens");
      if (tok) { ui::draw_tokens(); ImGui::EndTabItem(); }
      bool cost = ImGui::BeginTabItem("Cost");
      mark("tab:cost");
      if (cost) { ui::draw_cost(); ImGui::EndTabItem(); }
      bool lng = ImGui::BeginTabItem("Long n");
      mark("tab:long");
      if (lng) { ui::draw_long(); ImGui::EndTabItem(); }
      bool chk = ImGui::BeginTabItem("Check", nullptr, a.view.show_check ? ImGuiTabItemFlags_SetSelected : 0);
      a.view.show_check = false;
      mark("tab:check");
      if (chk) { ui::draw_check(); ImGui::EndTabItem(); }
      ImGui::EndTabBar();
    }
    ImGui::EndChild();
  }
  if (!(a.view.embed && a.content_height > 0 && embed_side_by_side()))
    a.content_height = (ImGui::GetCursorPosY() + ImGui::GetStyle().WindowPadding.y) / a.dpi;
  ImGui::End();
  if (a.view.show_help) ui::draw_help();
  ui::draw_tour();
  ui::draw_import_dialog();
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
      x0 = std::max(0, int(a.capture_crop.x0));
      y0 = std::max(0, int(a.capture_crop.y0));
      w = std::min(int(size.x) - x0, int(a.capture_crop.x1 - a.capture_crop.x0));
      h = std::min(int(size.y) - y0, int(a.capture_crop.y1 - a.capture_crop.y0));
    }
    if (w > 0 && h > 0 && px.size() == size_t(size.x) * size_t(size.y) * 4) {
      std::vector<uint8_t> crop(size_t(w) * h * 4);
      for (int y = 0; y < h; y++)
        std::copy_n(px.begin() + (size_t(y0 + y) * size_t(size.x) + x0) * 4, size_t(w) * 4, crop.begin() + size_t(y) * w * 4);
      const std::string name = (capture == 2 ? a.capture_matrix : std::string("attention-playground")) + "@2x.png";
      set_status(platform::save_file(name, png_encode(crop.data(), w, h), "image/png") + " (" + std::to_string(w) + "×" + std::to_string(h) + ")");
    } else {
      set_status("could not capture the picture");
    }
    a.capture = 0;
  } else {
    platform::end_frame();
  }
  // keep the URL equal to the state, without flooding the history (replace, not push)
  if (a.frames % 10 == 0) {
    std::string st = encode_state(share_state());
    if (st != a.published) { platform::publish_state(st); a.published = st; }
  }
  a.frame_ms = platform::now_ms() - t_start;
  a.frames++;
  if (a.max_frames > 0 && a.frames >= a.max_frames) {
    // a scripted run (tests) ends with what the Train mode reached
    if (a.view.train) std::printf("train: %s\n", train_json().c_str());
    if (a.view.model) std::printf("model: %s\n", model_json().c_str());
    platform::request_quit();
  }
}

void app_shutdown() {
  for (auto& [k, h] : g_app.heatmaps) gfx::release(&h);
  gfx::shutdown();
}

}  // namespace attn
