// config.h: a Hugging Face checkpoint's config.json, read by model_type into the one transformer's
// spec (nn::Spec). GPT-2 (gpt2) and the Llama family (llama: Llama 2/3.x, TinyLlama, SmolLM/SmolLM2;
// mistral; qwen2: Qwen2/2.5; qwen3: Qwen3's dense models, per-head q/k RMSNorm). Anything else is
// refused by name.
#pragma once
#include <string>
#include "nn/transformer.h"

namespace attn::models {

enum class Family { Gpt2, Llama, Mistral, Qwen2, Qwen3, Count };
const char* name_of(Family f);       // the model_type: "gpt2", "llama", "mistral", "qwen2", "qwen3"
std::string supported_families();    // "gpt2, llama, mistral, qwen2, qwen3"

struct Config {
  Family family = Family::Gpt2;
  nn::Spec spec;          // the transformer it is (vocab, width, layers, norms, attention, MLP)
  int n_positions = 0;    // GPT-2: the learned table's rows (the longest input); others: max_position_embeddings
  bool tied = true;       // tie_word_embeddings (GPT-2: true unless the config says false)
  std::string rope_scaling;  // "" or the rope_type applied ("llama3")
  bool qkv_bias = false, o_bias = false, mlp_bias = false;  // which linears have biases (GPT-2: all; qwen2: q, k, v)
};

// text: config.json's contents. err names the key that is missing or wrong, and what was expected.
bool read_config(const std::string& text, Config* out, std::string* err);

}  // namespace attn::models
