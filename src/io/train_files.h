// train_files.h: a training run's folder: config.json (every setting), model.safetensors (the
// weights under model.h's tensor names) and, read back, a model to evaluate or continue.
#pragma once
#include <string>
#include <vector>
#include "train/settings.h"

namespace attn {

// The model's weights as .safetensors, with the config in its metadata.
std::string model_safetensors(const train::TrainConfig& cfg, const train::Layout& lay, const std::vector<float>& params);
std::string model_safetensors(const train::TrainConfig& cfg, const train::Layout& lay, const std::vector<double>& params);  // F64

// Reads DIR/config.json into *cfg (settings it does not name keep their defaults). *err names
// the file and the key.
bool load_config(const std::string& path, train::TrainConfig* cfg, std::string* err);
// Reads every tensor of lay from a .safetensors file into params (lay.total), checking each
// name and shape. *err names the file and the tensor.
bool load_weights(const std::string& path, const train::Layout& lay, std::vector<float>* params, std::string* err);

// The same from memory (a file the page was given): config.json's text, and the .safetensors bytes.
bool parse_config(const std::string& text, const std::string& where, train::TrainConfig* cfg, std::string* err);
bool parse_weights(const std::string& bytes, const std::string& where, const train::Layout& lay, std::vector<float>* params,
                   std::string* err);
// The config a model.safetensors written by attn train or the Train mode carries in its metadata.
bool config_of_model(const std::string& bytes, std::string* config_text, std::string* err);

}  // namespace attn
