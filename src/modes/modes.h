// modes.h: the app's state, one struct per mode (the stepper, Long n, Train, Model) and the screen
// they are drawn on, and what each mode does: the functions the panels call to change it (the UI
// changes state only through these). Nothing here draws: src/ui/ draws, src/app/ runs the frame.
// The stepper's config is the one source of truth; the engine recomputes once per frame when dirty.
#pragma once
#include <algorithm>
#include <map>
#include <string>
#include <vector>
#include "gfx/gfx.h"
#include "engine/backward.h"
#include "engine/check.h"
#include "engine/engine.h"
#include "engine/long_attention.h"
#include "io/share_state.h"
#include "lessons/saturation.h"
#include "models/generate.h"
#include "models/model.h"
#include "text/tokenizer.h"
#include "train/probe.h"
#include "train/trainer.h"

struct ImFont;

namespace attn {

struct Rect { float x0, y0, x1, y1; };

struct View {
  int stage = 0;                 // Stage index, 0..7
  int head = 0;                  // selected head
  int query = 0;                 // selected query row
  bool playing = false;
  double play_last_ms = 0;
  bool heads_grid = false;       // all heads as a grid instead of one head in full
  bool show_help = false;
  bool light = false;            // theme
  // hover this frame (written by matrix views) and last frame (read for linked highlighting)
  bool hover = false, hover_prev = false;
  MatrixId hover_id = MatrixId::Weights, hover_prev_id = MatrixId::Weights;
  int hover_i = -1, hover_j = -1, hover_prev_i = -1, hover_prev_j = -1;
  int hover_head = 0, hover_prev_head = 0;  // the head of the hovered matrix (the all-heads grid shows every head)
  GradId hover_grad = GradId::Count, hover_prev_grad = GradId::Count;  // a gradient matrix is hovered (backward stages)
  bool backward = false;         // the stepper's backward stages: gradients of L = the selected query's output row
  bool train = false;            // the Train mode instead of the stepper
  bool model = false;            // the Model mode instead of the stepper
  bool show_check = false;       // bring the Check tab forward next frame (a notebook's check view)
  // a tapped cell keeps its explanation on screen (touch has no hover)
  bool pinned = false;
  MatrixId pin_id = MatrixId::Weights;
  int pin_head = 0, pin_i = 0, pin_j = 0;
  bool embed = false;            // chrome-less mode for iframes
  int tour_step = -1;            // the first-visit tour's step, -1 when not shown
  float scroll_request = 0;      // scroll the page by this many px next frame (the tour's target off screen)
  std::string panels = "stage";  // embed: which panels to show
  // panels' own view state (the one place it lives, not function-local statics)
  bool tokens_all_heads = false; // the token lines: every head at once
  int tour_scrolled = -1;        // the tour step whose target was last scrolled into view
  int export_pick = 0;           // the export menu's chosen item
  bool import_adopt = false;     // the import dialog: adopt the file's shape
  std::string import_error;      // the import dialog's last refusal
  std::vector<SaturationPoint> saturation;  // the scale stage's plot (the same 48 points every time: made once)
};

// A value drag on an editable cell in progress.
struct CellDrag {
  bool active = false;
  Target target = Target::X;
  int row = 0, col = 0;
  float start_value = 0, start_x = 0;
  bool moved = false;
};

// Threads the engine may use (the Long n panel's fused path and the staged recompute's largest
// products): the threaded web build starts 3 workers before main() runs (PTHREAD_POOL_SIZE in
// CMakeLists.txt; one started later could not begin while the page's main thread waits for it),
// so at most 4 with the page's own thread.
constexpr int kMaxThreads = 4;
int engine_threads();  // min(kMaxThreads, what this build and device offer): 1 without thread support

// The long-sequence view: the fused path at n in the thousands, weights recomputed per window.
struct LongView {
  int n = 8192, d = 64;
  bool causal = true;
  LongTrace trace;               // O(n d): Q, K, V, output, row log-sum-exp
  double ms = 0;                 // last fused forward
  LongJob job;                   // a run in progress, a slice of rows per frame (empty otherwise)
  int threads = 1;               // threads the last run used
  double run_ms = 0;             // compute time of the run so far (frames in between not counted)
  bool running() const { return job.t.n > 0; }
  int i0 = 0, j0 = 0;            // top-left cell of the window
  int window = 0;                // cells per side shown (0 = the whole matrix)
  uint64_t version = 0;          // bumps when the window or the trace changes
  Mat tile;                      // (texels, texels) weights of the window, sampled
  uint64_t tile_version = ~0ull; // the version tile was sampled at
  bool log_scale = true;         // colour by log10 of the weight: over thousands of keys most weights are ~1/n
  Mat shown;                     // tile as coloured (log10 when log_scale)
  float hover_w = -1;
  int hover_i = -1, hover_j = -1;
  float wheel = 0;               // wheel notches not yet turned into zoom steps
};

// The Train mode (train.cpp): a small transformer trained in slices of each frame, its curves,
// the probe's attention over time, and what was generated from it. A lesson may train comparison
// runs beside the main one (the same seed with one setting changed), in the same slices.
struct TrainRun {
  std::string label;             // "" for a lone run; "this run", "unscaled", "1 layer", ...
  train::TrainConfig cfg;
  train::Trainer<float> t;       // t.step = steps taken
  bool ok = false;
  std::string error;             // why it stopped (divergence) or could not start
  // curves: every step's loss and batch accuracy; the held-out accuracy where evaluated
  std::vector<float> loss, batch_acc;
  std::vector<int> eval_step;
  std::vector<float> eval_acc;
  // the probe: the initial state, every step of the first 50, then every snap_every steps
  // (doubling whenever the list is thinned to stay under kMaxSnaps: memory stays bounded)
  std::vector<train::Snapshot> snaps;
  int snap_every = 10;
};
struct TrainView {
  bool configured = false;       // cfg set (the first visit loads the first lesson, paused)
  train::TrainConfig cfg;        // the settings of runs[0], as the panel edits them
  std::vector<TrainRun> runs;    // runs[0]: the one the settings describe; then a lesson's comparisons
  bool ready = false;            // runs were made for cfg
  uint64_t generation = 0;       // bumps when the runs are replaced (reset, import): heatmaps re-upload
  bool playing = false;
  std::string error;             // why the run could not start, or why it stopped
  std::string lesson;            // the lesson that set cfg ("" when none): its comparisons train too
  int target_step = -1;          // train up to this step, then pause (a shared link's step)
  int scrub = -1;                // the snapshot shown; -1 = follow the latest
  int eval_every = 50;
  int layer = 0, head = 0;       // for "Open in stepper"
  int shown = 0;                 // which run the grid, the measures, Open and Generate use
  double steps_per_s = 0, step_ms = 0, run_ms = 0;
  double slice_ms = 12;          // this frame's training budget (train_continue explains it)
  double last_slice_ms = 0, frame_rest_ms = 0;  // the last slice, and the mean frame time without it
  bool log_loss = true;
  // Generate: the prompt and the tokens so far, each fed token's new attention rows (L, H, t + 1)
  std::string prompt = "2 0 1 2 0 1";
  std::vector<int> gen_tokens;
  int gen_prompt_len = 0;
  std::vector<std::vector<float>> gen_rows;
};
constexpr int kMaxSnaps = 400;

// The Model mode (model.cpp): a real checkpoint opened from its files, run on the visitor's text,
// every head of every layer as a small map with the head type it shows, any head opened in the
// stepper on its real Q, K and V, heads knocked out and the next-token prediction compared.
struct ModelView {
  models::Files files;           // the files given so far (picked, dropped, or read from --model=DIR)
  models::Model m;
  bool loaded = false;
  text::Tokenizer tok;
  bool has_tokenizer = false;
  std::string text = "The capital of France is Paris. The capital of Italy is";
  std::string ids_text;          // the input as ids, when the checkpoint has no tokenizer
  std::vector<int> ids;
  std::vector<std::string> token_labels;  // each token as text (its bytes), for the maps and the stepper
  models::Pass pass;             // with the knocked-out heads
  std::vector<float> full_logits;  // (V) the last position's logits with every head
  std::vector<int> full_ids;     // the ids full_logits was computed on
  bool ran = false;
  uint64_t version = 0;          // bumps on every run: the maps re-upload
  std::vector<train::HeadLabel> labels;  // (L, H) what each head's pattern is
  std::vector<uint8_t> knocked;  // (L, H) 1 = knocked out
  int layer = 0, head = 0;       // the selected head
  std::string error;             // why the model could not open or run
  double load_ms = 0, run_ms = 0;
  // opening by Hugging Face name (web): the name asked for, waiting for the visitor's yes; the
  // download in progress; the name of the model open (the link holds it, never the weights)
  std::string name, pending, typed_name;
  bool downloading = false;
  std::string dl_file;
  double dl_done = 0, dl_total = 0;  // bytes of the file being fetched
  double dl_all_done = 0;            // bytes of the files before it
  bool choosing = false;             // a model is open, and the visitor is choosing another
  // attention handed in (a notebook's model_view / head_view, payload.cpp): the weights alone, no
  // model to run, no knock-out, no prediction
  bool given = false;
  bool given_lines_first = false;    // head_view: the token lines in full, no grid
  int given_layers = 0, given_heads = 0;
  std::vector<float> given_p;        // (L, H, T, T) as handed in
  std::vector<int> layer_names, head_names;  // the index each shown layer and head had in the model
  std::string given_title;
  // the head view's token lines: the heads of the selected layer drawn (the selected head always)
  std::vector<uint8_t> line_heads;   // (H) 1 = drawn, in its head colour
  int line_query = -1;               // the focused query row, -1 = every row
  // the next-token panel: temperature, top-k and top-p shape the bars (and a sampled generation)
  models::SampleOptions sample{1.0, 0, 1.0, 1};
  std::vector<int> lens;             // (L) the logit lens at the last position: the top token after each block
  // Generate: token by token from the KV cache, one a frame, with each new token's attention rows
  bool greedy = true;                // else sampled with `sample`
  int gen_count = 8;                 // how many tokens Generate adds
  bool generating = false;
  models::Generation gen;
  std::vector<std::vector<float>> gen_rows;  // per generated token: (L, H, positions before it + 1) its weights
  std::string gen_error;
  // a pass in progress, some layers each frame, while the last result stays on screen: the full
  // model's (when its prediction is not known for these ids), then the knocked-out one; the last
  // job's pass is the one shown
  struct Job {
    models::RunOptions opt;
    models::Pass pass;
    int next = -1;                   // -1: not started; 0..L-1: the next layer; L: the logits
  };
  std::vector<Job> jobs;
  std::vector<int> job_ids;
  double job_t0 = 0;
  double typed_ms = -1;              // when the text last changed: it runs after a short pause
  bool running() const { return !jobs.empty(); }
  int job_layer() const { return jobs.empty() ? 0 : std::max(0, jobs.front().next); }
  int layers() const;                // L, H, T of what is on screen (the model's or the given weights)
  int heads() const;
  int tokens() const;
  const float* weights(int layer, int head) const;  // (T, T) one head's attention
  int layer_name(int l) const { return l < int(layer_names.size()) ? layer_names[size_t(l)] : l; }
  int head_name(int h) const { return h < int(head_names.size()) ? head_names[size_t(h)] : h; }
};
// The models the Model mode offers by name, with what they download (their weights files)
struct KnownModel {
  const char* name;     // owner/name on huggingface.co
  const char* what;     // "GPT-2 small, 124 M parameters, F32"
  double mb;            // the weights' download
  double memory_mb;     // what the page needs to hold them (the file and its float32 weights)
};
const std::vector<KnownModel>& known_models();
constexpr double kModelMemoryMb = 1900;  // the tab's wasm memory is at most 2 GB
constexpr int kModelMaxTokens = 256;  // the page's input: every head's (T, T) weights are kept

// The stepper's state: the engine config (the one source of truth), the trace computed from it,
// what is on screen (View) and the edits in progress; the Check tab, pin and compare, and an
// imported matrix are the stepper's too (they read and write its config). The stepper's panels get
// this by reference.
struct Stepper {
  Config cfg;
  Trace trace;
  Limits limits;
  bool dirty = true;
  uint64_t version = 0;          // bumps on every recompute; heatmaps re-upload on change
  bool forward_warm = false;     // a forward pass has run once (the first also pays for compiling the code)
  std::string preset = "cat-it";
  View view;
  CellDrag drag;
  int mask_paint = -1;           // -1 idle, else the value being painted (0 blocked, 1 allowed)
  std::string sentence_buf, source_buf;  // the text fields as typed
  // the backward stages: the gradients of L = Σ_c y_(query, c), recomputed when the trace or query changes
  Grads grads;
  uint64_t grads_version = ~0ull;
  int grads_query = -1;
  std::map<std::string, Mat> grad_mats;  // float copies of the gradients on screen, by view key
  // "Check my attention" (the Check tab): someone's Q, K, V and output, and the verdict
  struct CheckPanel {
    Mat q, k, v, out;            // (n_q, d_k), (n_k, d_k), (n_k, d_v), (n_q, d_v): one head
    Mat dout, dq, dk, dv;        // optional: the gradient at the output and yours at Q, K, V
    std::string names[8];        // where each came from
    int precision = 0;           // 0 fp32, 1 fp16, 2 bf16
    bool ran = false;
    CheckResult result;
    Mat diff;                    // (n_q, d_v) yours - the reference
  } check;
  // pin and compare (compare.cpp): A, kept when "Pin" was pressed
  bool pin_on = false;
  Config pin_cfg;
  std::string pin_preset;
  Trace pin_trace;
  // an imported matrix waiting for the user to say what it is
  bool import_open = false;
  std::string import_name;
  Mat import_mat;
};

// What every panel draws with, whatever its mode: the scale, the fonts, the textures, the status
// line, the named rectangles tests find controls by. The app fills it each frame; the panels read
// it through ui::screen() (as ImGui's own context), never through the App.
struct Screen {
  float dpi = 1;                 // UI scale: the device pixel ratio (2 on a retina screen)
  bool narrow = false;           // phone layout: one column
  ImFont* font_ui = nullptr;
  ImFont* font_mono = nullptr;
  ImFont* font_title = nullptr;
  std::map<std::string, gfx::Heatmap> heatmaps;
  std::map<std::string, Rect> rects;  // named control rectangles, for tests and tooling
  std::string status;            // last user-facing message (export, import, refusal)
  double status_ms = 0;
  double frame_ms = 0;           // last frame's duration, for the overlay
  std::string gfx_error;
  // export of a picture: the next frame renders offscreen at 2x, then is saved as PNG
  int capture = 0;               // 0 none, 1 the whole view, 2 one matrix
  std::string capture_matrix;    // which matrix (ExportItem::stem) when capture == 2
  Rect capture_crop{0, 0, 0, 0};
  float content_height = 0;      // CSS px the layout wants (embed: told to the host page)
  bool light = false;            // the theme this frame is drawn in (View::light, copied by the frame)
};

// The whole app: one state per mode and the screen. Only src/modes/ and src/app/ see it whole;
// a panel gets the state of the mode it draws.
struct App {
  Stepper stepper;
  LongView longv;
  TrainView train;
  ModelView model;
  Screen screen;
  float font_scale = 0;
  bool fonts_light = false;      // the theme the fonts and style were last built for
  int frames = 0, max_frames = 0;
  std::string published;         // the state text last written to the URL
};

// Pin and compare (compare.cpp). The stage's main matrix of A and of B (the trace on screen) and
// B - A when their shapes agree; why not otherwise.
struct CompareView {
  bool ok = false;
  std::string name, why;
  const Mat* a = nullptr;
  const Mat* b = nullptr;
  Mat diff;  // (rows, cols) of a and b: b - a, 0 where they are equal
};
void pin_current();
void unpin();
CompareView compare_now();
std::string pin_state();  // A's state text for the link ("" when nothing is pinned)
bool apply_pin(const std::string& text, std::string* err);
// The matrix a stage shows first (X′, Q, S, S′, M, A, O, Y) for head; nullptr when it has none.
const Mat* stage_matrix(const Trace& t, int stage, int head, std::string* name);
std::string compare_json();  // state.cpp: the compare view as JSON, for the test hook

// The one App (stepper.cpp). The modes' functions below work on it; the panels never call this
// (the include check refuses app() in src/ui/): they get their mode's state from the frame.
App& app();

// The one way the panels change the config: applies its rules (engine/rules.h: each number into
// its range, heads dividing d_model; a change is said in the status line) and marks it dirty, so
// the engine recomputes once this frame.
void edit_config(const Config& next);
void set_status(const std::string& msg);
void load_preset(const std::string& name);
void recompute_if_dirty();
void update_grads();               // the backward stages' gradients, when shown and stale
std::string state_json();         // the app state for tests and the host page
// Test hook for the memory-failure path: asks the engine, with the size limits lifted, for a
// trace of n = 16000 (4 GB of n x n matrices, past the 2 GB the wasm heap may grow to). The
// growth is refused, the engine reports it, the app keeps its last good trace; then the settings
// come back. Returns the message the user saw.
std::string app_test_memory_failure();
// A dropped or picked file: parsed now, applied after the user picks what it is (import.cpp).
void app_import(const std::string& name, const std::string& bytes);
// The imported matrix as `what` ("X", "W_q", "Q", "weights", ...) in a copy of the config, committed
// only if it computes (adopt: take the file's shape); false and err says why otherwise.
bool import_apply(const char* what, bool adopt, std::string* err);
// The Train mode (train.cpp).
// The one way the Train panel changes the settings, as edit_config() is the stepper's: heads
// lowered to divisors (said in the status line), the live settings applied to the running runs at
// once; the others wait for train_reset() (train::needs_reset says which do).
void edit_train_config(const train::TrainConfig& next);
void train_reset();                     // a new run for train.cfg (same seed: the same run)
void train_continue();                  // each frame: ~12 ms of training when playing
bool train_step_once();                 // one optimizer step now; false when it stopped the run
void train_lesson(const std::string& name);  // sets cfg (and resets) for a lesson
const std::vector<std::pair<std::string, std::string>>& train_lessons();  // (name, what it shows)
bool train_open_in_stepper(int layer, int head);  // the learned layer into the staged pipeline
void train_generate();                  // greedy continuation of train.prompt
// A model.safetensors saved by attn train or the Train mode (its config in the metadata): opened
// in the Train mode, paused; false (and the status line says why) when it is not one.
bool train_import_model(const std::string& name, const std::string& bytes);
std::string train_json();               // the run's state for tests
// The trained model as a Hugging Face GPT-2 folder (io/hf_export.h): "" when GPT-2 can express it,
// else the setting it cannot; its files; and those files opened in the Model mode
std::string train_hf_inexpressible();
bool train_hf_files(std::map<std::string, std::string>* files, std::string* err);
bool train_open_in_model_mode();
std::string train_setup_text();         // the settings that differ from the defaults, "k=v,k=v"
bool apply_train_setup(const std::string& text, std::string* err);
// The Model mode (model.cpp).
void model_add_file(const std::string& name, std::string bytes);  // one file of a checkpoint
bool model_open();                      // loads the files given so far; false (error says why) when it cannot
bool model_open_dir(const std::string& dir);  // the desktop's --model=DIR
void model_run();                       // the text (or ids) through the model, with the knocked-out heads (over frames)
void model_text_edited();               // the text changed: run it after a short pause
void model_toggle_knock(int layer, int head);
bool model_open_in_stepper(int layer, int head);  // the head's real Q, K, V into the staged pipeline
std::string model_json();               // the mode's state for tests
void model_ask_download(const std::string& name);   // shows the size and asks before anything is fetched
void model_download();                  // the visitor said yes: fetch pending's files (web)
void model_cancel_download();           // stops the fetch; the page stays as it was
void model_download_progress(const std::string& file, double done, double total, double before);
void model_download_done(bool ok, const std::string& message);
void model_label_heads();
void model_generate();                  // starts Generate from the text (with the knocked-out heads)
void model_stop_generating();
void model_continue();                  // each frame: one more token while generating               // classifies every head on screen (the model's or the given weights)
// Tensors handed in by a host page or a notebook (payload.cpp): meta is JSON naming the view
// ("model", "head", "stepper" or "check"), the tokens and each tensor's shape, dtype (float32 or
// float16) and byte offset in bytes. False, and err says what is wrong and where, when refused;
// the state on screen is kept then.
bool app_load_payload(const std::string& meta, const std::string& bytes, std::string* err);
// The Check tab's verdict on check's tensors with the playground's options (cfg)
void check_run();
// The shareable state (URL fragment, postMessage, desktop arguments).
ShareState share_state();
void apply_share_state(const std::string& text);

}  // namespace attn
