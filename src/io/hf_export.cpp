// hf_export.cpp: the trained model as a GPT-2 checkpoint (hf_export.h). The trained matrices are
// stored (d_in, d_out) and applied as x·W, which is GPT-2's Conv1D layout: they are written as they
// are, W_q, W_k, W_v side by side as c_attn; the output head (d, V) goes out as lm_head (V, d), the
// nn.Linear layout.
#include "io/hf_export.h"
#include "io/json.h"
#include "io/tensor_file.h"

namespace attn {

std::string hf_inexpressible(const train::ModelConfig& c) {
  if (c.pos != PosEnc::Learned) return std::string("GPT-2 has learned positions; this model has ") + name_of(c.pos);
  if (!c.ln) return "GPT-2 has LayerNorms; this model has none";
  if (!c.mlp) return "GPT-2 has an MLP in every block; this model has none";
  if (!c.causal) return "GPT-2 is causal; this model attends both ways";
  if (c.norm != Normalizer::Softmax) return std::string("GPT-2 normalizes with softmax; this model with ") + name_of(c.norm);
  if (c.scale != ScaleMode::Auto) return "GPT-2 scales the scores by 1/sqrt(d_head); this model by another factor";
  if (c.temperature != 1.0f) return "GPT-2 has no temperature; this model divides its scores by " + std::to_string(c.temperature);
  if (c.kvh() != c.heads) return "GPT-2 has a key and value head per head; this model shares them (grouped-query attention)";
  return "";
}

bool hf_gpt2_files(const train::ModelConfig& c, const train::Layout& lay, const std::vector<float>& params,
                   const std::vector<std::string>& tokens, std::map<std::string, std::string>* out, std::string* err) {
  const std::string why = hf_inexpressible(c);
  if (!why.empty()) { *err = "cannot write a GPT-2 checkpoint: " + why; return false; }
  if (int(tokens.size()) != c.vocab) { *err = "the task names " + std::to_string(tokens.size()) + " tokens for a vocabulary of " + std::to_string(c.vocab); return false; }
  const int d = c.d_model, V = c.vocab, F = c.d_ff();
  const float* p = params.data();
  // every tensor this writer makes: (name, shape, values), in GPT-2's order
  std::vector<std::pair<std::string, std::vector<int64_t>>> names;
  std::vector<std::vector<float>> data;
  auto put = [&](const std::string& name, std::vector<int64_t> shape, std::vector<float> v) {
    names.push_back({name, std::move(shape)});
    data.push_back(std::move(v));
  };
  auto copy = [&](size_t at, size_t n) { return std::vector<float>(p + at, p + at + n); };
  put("transformer.wte.weight", {V, d}, copy(lay.tok_emb, size_t(V) * d));
  put("transformer.wpe.weight", {c.seq, d}, copy(lay.pos_emb, size_t(c.seq) * d));
  for (int l = 0; l < c.layers; l++) {
    const train::Layout::LayerAt& at = lay.layer[size_t(l)];
    const std::string h = "transformer.h." + std::to_string(l) + ".";
    put(h + "ln_1.weight", {d}, copy(at.ln1w, size_t(d)));
    put(h + "ln_1.bias", {d}, copy(at.ln1b, size_t(d)));
    std::vector<float> qkv(size_t(d) * 3 * d);  // (d, 3d): row i is [W_q row i | W_k row i | W_v row i]
    for (int i = 0; i < d; i++)
      for (int k = 0; k < 3; k++) {
        const size_t src = (k == 0 ? at.wq : k == 1 ? at.wk : at.wv) + size_t(i) * d;
        std::copy(p + src, p + src + d, qkv.begin() + size_t(i) * 3 * d + size_t(k) * d);
      }
    put(h + "attn.c_attn.weight", {d, 3 * d}, std::move(qkv));
    put(h + "attn.c_attn.bias", {3 * d}, std::vector<float>(size_t(3) * d, 0.0f));
    put(h + "attn.c_proj.weight", {d, d}, copy(at.wo, size_t(d) * d));
    put(h + "attn.c_proj.bias", {d}, std::vector<float>(size_t(d), 0.0f));
    put(h + "ln_2.weight", {d}, copy(at.ln2w, size_t(d)));
    put(h + "ln_2.bias", {d}, copy(at.ln2b, size_t(d)));
    put(h + "mlp.c_fc.weight", {d, F}, copy(at.w1, size_t(d) * F));
    put(h + "mlp.c_fc.bias", {F}, copy(at.b1, size_t(F)));
    put(h + "mlp.c_proj.weight", {F, d}, copy(at.w2, size_t(F) * d));
    put(h + "mlp.c_proj.bias", {d}, copy(at.b2, size_t(d)));
  }
  put("transformer.ln_f.weight", {d}, copy(lay.lnfw, size_t(d)));
  put("transformer.ln_f.bias", {d}, copy(lay.lnfb, size_t(d)));
  std::vector<float> head(size_t(V) * d);  // (V, d) = unembed (d, V) transposed
  for (int i = 0; i < d; i++)
    for (int v = 0; v < V; v++) head[size_t(v) * d + i] = p[lay.unembed + size_t(i) * V + v];
  put("lm_head.weight", {V, d}, std::move(head));
  std::vector<TensorOut> t;
  for (size_t i = 0; i < names.size(); i++) t.push_back({names[i].first, names[i].second, data[i].data(), nullptr});
  (*out)["model.safetensors"] = safetensors_encode(t, {{"format", "pt"}});
  (*out)["config.json"] =
      "{\n  \"model_type\": \"gpt2\",\n  \"architectures\": [\"GPT2LMHeadModel\"],\n  \"n_embd\": " + std::to_string(d) +
      ",\n  \"n_head\": " + std::to_string(c.heads) + ",\n  \"n_layer\": " + std::to_string(c.layers) +
      ",\n  \"n_positions\": " + std::to_string(c.seq) + ",\n  \"n_ctx\": " + std::to_string(c.seq) +
      ",\n  \"n_inner\": " + std::to_string(F) + ",\n  \"vocab_size\": " + std::to_string(V) +
      ",\n  \"layer_norm_epsilon\": 1e-05,\n  \"activation_function\": \"gelu_new\",\n  \"tie_word_embeddings\": false\n}\n";
  // one token per vocabulary entry, no merges and no pre-tokenizer: a text splits into its
  // characters, each looked up (the tasks' tokens are single characters or words without spaces)
  std::string vocab;
  for (int v = 0; v < V; v++) vocab += (v ? ", " : "") + json_quote(tokens[size_t(v)]) + ": " + std::to_string(v);
  (*out)["tokenizer.json"] = "{\n  \"version\": \"1.0\",\n  \"added_tokens\": [],\n  \"normalizer\": null,\n  \"pre_tokenizer\": null,\n"
                             "  \"post_processor\": null,\n  \"decoder\": null,\n  \"model\": {\"type\": \"BPE\", \"dropout\": null, "
                             "\"unk_token\": null, \"byte_fallback\": false, \"vocab\": {" + vocab + "}, \"merges\": []}\n}\n";
  return true;
}

}  // namespace attn
