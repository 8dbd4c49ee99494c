// model.h: a real checkpoint opened and run: config.json + model.safetensors (or its shards and
// model.safetensors.index.json) into the one transformer's spec and weight views (weights.cpp: the
// name map of each family), and its forward pass with every intermediate kept for the views, the
// stepper and the dumps. In float32 on the project's SIMD kernels, natively and in wasm.
#pragma once
#include <map>
#include <string>
#include <vector>
#include "io/files.h"
#include "models/config.h"
#include "nn/transformer.h"

namespace attn::models {

// A checkpoint's files by name ("config.json", "model.safetensors", "model-00001-of-00002.safetensors",
// "model.safetensors.index.json", ...): natively the weights are mapped from the folder and the
// small files read, on the web the page hands every file over.
using Files = std::map<std::string, FileBytes>;
// the files that are not weights (config.json, the tokenizer's), as text: what the tokenizer reads
std::map<std::string, std::string> text_files(const Files& files);

struct Model {
  Model() = default;
  Model(Model&&) = default;  // W points into arena and keep: moving keeps the buffers, a copy would not
  Model& operator=(Model&&) = default;
  Model(const Model&) = delete;
  Config cfg;
  std::vector<float> arena;          // the weights widened to float32: norms, biases (all of them when widened)
  Files keep;                        // the weight files' bytes (mapped natively): the matrices are read there, in their stored width
  bool widened = false;              // every weight is in arena (load_model's in_place false)
  nn::Weights<const float> W;        // views into arena and keep
  std::string dtype;                 // as stored: "F32", "F16", "BF16" (or "mixed")
  size_t params = 0;                 // parameters read (a tied head counted once)
  size_t file_bytes = 0;             // the weight files' size
  std::vector<std::string> notes;    // what loading decided that a user should know (a tied head, skipped buffers)
  std::string summary() const;       // "gpt2, 12 layers, 12 heads (12 KV), d 768, vocab 50257, 124.4 M params, F32"
  size_t memory_bytes() const;       // what the weights take: the kept files and the arena
};

// Loads a checkpoint from its files (taken over: the model keeps the weight files, whose bytes its
// matrices are read from in their stored width, F32, F16 or BF16; in_place false widens every
// weight into float32, as check-model's float64 reference needs). Every failure names the file and
// the tensor or setting: a missing tensor, a shape other than config.json implies (both shapes
// given), NaN or Inf in a weight, a broken header.
bool load_model(Files files, Model* out, std::string* err, bool in_place = true);
// The files of a folder (config.json, the weights, tokenizer files when present); with_weights
// false reads the small files only (a tokenizer needs no weights)
bool read_model_dir(const std::string& dir, Files* out, std::string* err, bool with_weights = true);

bool is_folder(const std::string& path);
// a weights file by its name: "model.safetensors", "model-00001-of-00002.safetensors"
bool is_weights_file(const std::string& name);  // natively; false on the web, whose files have no folders

// One forward pass over ids (T). knock_out: (layer, head) pairs whose output is zeroed. Keeps
// everything the dumps and views read (every head's weights, the residual stream after each block).
struct RunOptions {
  std::vector<std::pair<int, int>> knock_out;
  bool last_logits = false;  // the logits of the last position alone (the head is a large product: T V d)
  // only what the next token needs: each layer's keys and values (to generate on from the cache)
  // and the logits. The other intermediates of a layer are handed to the next one (its buffers
  // reused), attention takes the fused path (no (T, T) weights): a pass of T tokens holds one
  // layer's activations instead of every layer's. For the next token alone (make bench): the
  // Model mode and attn model keep every intermediate for their views and dumps.
  bool lean = false;
};
struct Pass {
  nn::Cache<float> cache;     // layers[l].{q, k, v, p, o, resid}, f
  std::vector<float> logits;  // (T, V), or (1, V) with last_logits
  std::vector<int> ids;       // (T) the tokens run
  bool last_logits = false;
  bool lean = false;          // RunOptions::lean: cache.layers[l] holds k and v only
};
bool run_model(const Model& m, const std::vector<int>& ids, const RunOptions& opt, Pass* out, std::string* err);
// run_model in steps, for a pass spread over frames (the Model mode): start (checks the ids and the
// heads, embeds), then each layer in order, then finish (the final norm and the logits)
bool run_model_start(const Model& m, const std::vector<int>& ids, const RunOptions& opt, Pass* out, std::string* err);
bool run_model_layer(const Model& m, int l, Pass* out, std::string* err);
bool run_model_finish(const Model& m, Pass* out, std::string* err);

}  // namespace attn::models
