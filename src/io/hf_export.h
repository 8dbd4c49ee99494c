// hf_export.h: a model trained here as a Hugging Face GPT-2 folder (config.json, model.safetensors
// with GPT-2's tensor names, a tokenizer.json of the task's vocabulary), which `attn model`, the
// Model mode and transformers read. GPT-2's architecture expresses the trained model when it has
// learned positions, LayerNorm, the MLP, softmax, the causal mask, the 1/sqrt(d_head) scale at
// temperature 1 and one key/value head per head; its attention has no biases (written as zeros)
// and its own output head (tie_word_embeddings false).
#pragma once
#include <map>
#include <string>
#include <vector>
#include "train/model.h"

namespace attn {

// "" when GPT-2 can express c, else the setting it cannot, in one sentence
std::string hf_inexpressible(const train::ModelConfig& c);
// The folder's files by name (config.json, model.safetensors, tokenizer.json); false (err says why)
// when GPT-2 cannot express the model. tokens: the task's V token texts, id order.
bool hf_gpt2_files(const train::ModelConfig& c, const train::Layout& lay, const std::vector<float>& params,
                   const std::vector<std::string>& tokens, std::map<std::string, std::string>* out, std::string* err);

}  // namespace attn
