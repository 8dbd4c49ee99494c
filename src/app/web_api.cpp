// web_api.cpp: the functions the page's JavaScript may call (the test hook, files, the embed API).
// Plain C++ (ATTN_EXPORT keeps each one in the module for the page); linked into every build as
// an object of the program itself, so that nothing drops it. Arguments are validated, results
// are JSON or plain text.
#include <algorithm>
#include <cstdint>
#include <string>
#include "modes/modes.h"
#include "platform/platform.h"

namespace {
std::string g_out;  // returned strings live until the next call
}  // namespace

extern "C" {

ATTN_EXPORT const char* attn_state_json() {
  g_out = attn::state_json();
  return g_out.c_str();
}

// {"x0":..,"y0":..,"x1":..,"y1":..} in CSS pixels, or {} when the control was not drawn
ATTN_EXPORT const char* attn_control_rect(const char* name) {
  const attn::App& a = attn::app();
  auto it = a.screen.rects.find(name ? name : "");
  if (it == a.screen.rects.end()) { g_out = "{}"; return g_out.c_str(); }
  const float s = a.screen.dpi > 0 ? a.screen.dpi : 1;
  char b[160];
  snprintf(b, sizeof b, "{\"x0\":%.1f,\"y0\":%.1f,\"x1\":%.1f,\"y1\":%.1f}", it->second.x0 / s, it->second.y0 / s, it->second.x1 / s, it->second.y1 / s);
  g_out = b;
  return g_out.c_str();
}

ATTN_EXPORT const char* attn_explain(const char* matrix, int head, int i, int j) {
  const attn::App& a = attn::app();
  for (int id = 0; id < int(attn::MatrixId::Count); id++)
    if (std::string(matrix ? matrix : "") == attn::matrix_name(attn::MatrixId(id))) {
      attn::Explanation e = attn::explain(a.stepper.trace, attn::MatrixId(id), head, i, j);
      g_out = e.ok ? e.text : "";
      return g_out.c_str();
    }
  g_out = "";
  return g_out.c_str();
}

// Applies key=value state text (from the URL fragment or a host page's message).
ATTN_EXPORT void attn_set_state(const char* text) {
  if (text) attn::apply_share_state(text);
}

// The current state as key=value text.
ATTN_EXPORT const char* attn_get_state() {
  g_out = attn::encode_state(attn::share_state());
  return g_out.c_str();
}

// Test hook for the memory-failure path: asks the engine, with the size limits lifted, for a
// trace of n = 16000 (4 GB of n x n matrices, past the 2 GB the heap may grow to). The growth is
// refused, the engine reports it, the app keeps its last good trace; then the settings come back.
// Returns the message the user saw.
ATTN_EXPORT const char* attn_test_memory_failure() {
  g_out = attn::app_test_memory_failure();
  return g_out.c_str();
}

// Pin and compare: the stage's A, B and B - A as the app computed them ({"on":false} when unpinned).
ATTN_EXPORT const char* attn_compare_json() {
  g_out = attn::compare_json();
  return g_out.c_str();
}

// Moves the stepper by delta stages (clamped).
ATTN_EXPORT void attn_step(int delta) {
  attn::View& v = attn::app().stepper.view;
  v.stage = std::max(0, std::min(int(attn::Stage::Count) - 1, v.stage + std::max(-8, std::min(8, delta))));
  v.playing = false;
}

// A file from the page's picker or a drop on the canvas: name and bytes in the wasm heap.
ATTN_EXPORT void attn_import(const char* name, const uint8_t* bytes, int size) {
  if (!name || !bytes || size < 0) return;
  attn::app_import(name, std::string(reinterpret_cast<const char*>(bytes), size_t(size)));
}

// One file of a checkpoint for the Model mode (config.json, *.safetensors, tokenizer.json, ...);
// attn_model_open() then loads what was given.
ATTN_EXPORT void attn_model_file(const char* name, const uint8_t* bytes, int size) {
  if (!name || !bytes || size < 0) return;
  attn::model_add_file(name, std::string(reinterpret_cast<const char*>(bytes), size_t(size)));
}
ATTN_EXPORT int attn_model_open() {
  attn::app().model.name.clear();  // files from the visitor's disk: no name for the link
  return attn::model_open() ? 1 : 0;
}

// Tensors handed in (a notebook's view, a host page's attn:load): meta JSON and the bytes it
// describes. Returns "" when applied, else what is wrong (also in the status line).
ATTN_EXPORT const char* attn_load(const char* meta, const uint8_t* bytes, int size) {
  g_out.clear();
  if (!meta || size < 0 || (!bytes && size > 0)) { g_out = "nothing handed in"; return g_out.c_str(); }
  try {
    if (!attn::app_load_payload(meta, std::string(reinterpret_cast<const char*>(bytes), size_t(size)), &g_out) && g_out.empty())
      g_out = "refused";
  } catch (const std::bad_alloc&) {
    g_out = "out of memory for the tensors handed in";
  }
  if (!g_out.empty()) attn::set_status("cannot show the tensors: " + g_out);
  return g_out.c_str();
}

// A download's progress (bytes of `file`, and of the files before it) and its end
ATTN_EXPORT void attn_model_progress(const char* file, double done, double total, double before) {
  attn::model_download_progress(file ? file : "", done, total, before);
}
ATTN_EXPORT void attn_model_fetched(int ok, const char* message) {
  attn::model_download_done(ok != 0, message ? message : "");
}

// The Model mode's state: loaded, the summary, ids, head labels, the top next tokens.
ATTN_EXPORT const char* attn_model_json() {
  g_out = attn::model_json();
  return g_out.c_str();
}

// The Train mode's run: steps, losses, held-out accuracy, the generated tokens.
ATTN_EXPORT const char* attn_train_json() {
  g_out = attn::train_json();
  return g_out.c_str();
}

}  // extern "C"
