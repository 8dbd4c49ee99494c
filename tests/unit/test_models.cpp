// test_models.cpp: a real checkpoint's load and forward pass, and the tokenizers, in the build
// they run in (natively and in wasm under node): a Llama-family checkpoint written in memory
// (its real names, nn.Linear (out, in) layout, GQA, head_dim != d / H, half-split RoPE) against a
// plain double loop written here from the architecture's definition; tokenizer.json files written
// here, with ids worked out by hand from their merges.
#include <doctest.h>
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>
#include <filesystem>
#include "core/rng.h"
#include "io/files.h"
#include "io/tensor_file.h"
#include "models/generate.h"
#include "models/model.h"
#include "models/sample.h"
#include "text/tokenizer.h"

using namespace attn;

namespace {

const int d = 12, H = 4, Hkv = 2, dh = 4, ff = 20, V = 11, L = 2;  // H dh = 16 != d

struct Tensor { std::string name; std::vector<int64_t> shape; std::vector<float> v; };

std::vector<Tensor> llama_tensors(uint64_t seed) {
  Rng rng(seed);
  std::vector<Tensor> t;
  auto add = [&](const std::string& n, std::vector<int64_t> shape, float scale, float base = 0) {
    size_t count = 1;
    for (int64_t s : shape) count *= size_t(s);
    Tensor x{n, shape, std::vector<float>(count)};
    for (float& f : x.v) f = base + scale * rng.normal();
    t.push_back(x);
  };
  add("model.embed_tokens.weight", {V, d}, 1.0f);
  for (int l = 0; l < L; l++) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    add(p + "input_layernorm.weight", {d}, 0.1f, 1.0f);
    add(p + "self_attn.q_proj.weight", {H * dh, d}, 0.5f);
    add(p + "self_attn.k_proj.weight", {Hkv * dh, d}, 0.5f);
    add(p + "self_attn.v_proj.weight", {Hkv * dh, d}, 0.4f);
    add(p + "self_attn.o_proj.weight", {d, H * dh}, 0.3f);
    add(p + "post_attention_layernorm.weight", {d}, 0.1f, 1.0f);
    add(p + "mlp.gate_proj.weight", {ff, d}, 0.3f);
    add(p + "mlp.up_proj.weight", {ff, d}, 0.3f);
    add(p + "mlp.down_proj.weight", {d, ff}, 0.2f);
  }
  add("model.norm.weight", {d}, 0.1f, 1.0f);
  return t;  // no lm_head: tied to the embeddings
}

models::Files llama_files(const std::vector<Tensor>& t) {
  std::vector<TensorOut> out;
  for (const Tensor& x : t) out.push_back({x.name, x.shape, x.v.data(), nullptr});
  models::Files f;
  f["model.safetensors"] = safetensors_encode(out);
  f["config.json"] = "{\"model_type\": \"llama\", \"hidden_size\": 12, \"intermediate_size\": 20, \"num_attention_heads\": 4,"
                     " \"num_key_value_heads\": 2, \"head_dim\": 4, \"num_hidden_layers\": 2, \"vocab_size\": 11,"
                     " \"rms_norm_eps\": 1e-5, \"rope_theta\": 500000.0, \"tie_word_embeddings\": true}";
  return f;
}

// The definition, in double: x (T, d) rows; W (out, in) applied as x Wᵀ
using Rows = std::vector<std::vector<double>>;
Rows linear(const Rows& x, const Tensor& w) {
  const int out = int(w.shape[0]), in = int(w.shape[1]);
  Rows y(x.size(), std::vector<double>(size_t(out)));
  for (size_t t = 0; t < x.size(); t++)
    for (int o = 0; o < out; o++)
      for (int i = 0; i < in; i++) y[t][size_t(o)] += x[t][size_t(i)] * w.v[size_t(o) * in + i];
  return y;
}
Rows rms(const Rows& x, const Tensor& w) {
  Rows y = x;
  for (auto& r : y) {
    double ms = 0;
    for (double v : r) ms += v * v;
    const double s = 1 / std::sqrt(ms / double(r.size()) + 1e-5);
    for (size_t i = 0; i < r.size(); i++) r[i] *= s * w.v[i];
  }
  return y;
}
// Hugging Face's rotate_half: dimension i of a head pairs with i + dh/2
void rope(Rows* x, int heads) {
  for (size_t t = 0; t < x->size(); t++)
    for (int h = 0; h < heads; h++)
      for (int i = 0; i < dh / 2; i++) {
        const double a = double(t) * std::pow(500000.0, -2.0 * i / dh);
        double& u = (*x)[t][size_t(h * dh + i)];
        double& w = (*x)[t][size_t(h * dh + i + dh / 2)];
        const double u0 = u, w0 = w;
        u = u0 * std::cos(a) - w0 * std::sin(a);
        w = w0 * std::cos(a) + u0 * std::sin(a);
      }
}

// the logits after `blocks` blocks (all: the model's own), through the final norm and the tied head
std::vector<double> reference_logits(const std::vector<Tensor>& t, const std::vector<int>& ids, int blocks = L) {
  auto get = [&](const std::string& n) -> const Tensor& {
    for (const Tensor& x : t)
      if (x.name == n) return x;
    FAIL("no tensor " << n);
    return t[0];
  };
  const int T = int(ids.size());
  Rows h(static_cast<size_t>(T), std::vector<double>(static_cast<size_t>(d)));
  for (int i = 0; i < T; i++)
    for (int j = 0; j < d; j++) h[size_t(i)][size_t(j)] = get("model.embed_tokens.weight").v[size_t(ids[size_t(i)]) * d + j];
  for (int l = 0; l < blocks; l++) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    const Rows a = rms(h, get(p + "input_layernorm.weight"));
    Rows q = linear(a, get(p + "self_attn.q_proj.weight")), k = linear(a, get(p + "self_attn.k_proj.weight"));
    const Rows v = linear(a, get(p + "self_attn.v_proj.weight"));
    rope(&q, H);
    rope(&k, Hkv);
    Rows o(static_cast<size_t>(T), std::vector<double>(static_cast<size_t>(H * dh)));
    for (int hh = 0; hh < H; hh++) {
      const int g = hh / (H / Hkv);  // repeat_interleave
      for (int i = 0; i < T; i++) {
        std::vector<double> s(size_t(i) + 1);
        double mx = -1e300, sum = 0;
        for (int j = 0; j <= i; j++) {
          for (int c = 0; c < dh; c++) s[size_t(j)] += q[size_t(i)][size_t(hh * dh + c)] * k[size_t(j)][size_t(g * dh + c)];
          s[size_t(j)] /= std::sqrt(double(dh));
          mx = std::max(mx, s[size_t(j)]);
        }
        for (double& x : s) sum += (x = std::exp(x - mx));
        for (int j = 0; j <= i; j++)
          for (int c = 0; c < dh; c++) o[size_t(i)][size_t(hh * dh + c)] += s[size_t(j)] / sum * v[size_t(j)][size_t(g * dh + c)];
      }
    }
    const Rows ao = linear(o, get(p + "self_attn.o_proj.weight"));
    for (int i = 0; i < T; i++)
      for (int j = 0; j < d; j++) h[size_t(i)][size_t(j)] += ao[size_t(i)][size_t(j)];
    const Rows m = rms(h, get(p + "post_attention_layernorm.weight"));
    Rows gate = linear(m, get(p + "mlp.gate_proj.weight"));
    const Rows up = linear(m, get(p + "mlp.up_proj.weight"));
    for (size_t i = 0; i < gate.size(); i++)
      for (size_t j = 0; j < gate[i].size(); j++) gate[i][j] = gate[i][j] / (1 + std::exp(-gate[i][j])) * up[i][j];
    const Rows dn = linear(gate, get(p + "mlp.down_proj.weight"));
    for (int i = 0; i < T; i++)
      for (int j = 0; j < d; j++) h[size_t(i)][size_t(j)] += dn[size_t(i)][size_t(j)];
  }
  const Rows f = rms(h, get("model.norm.weight"));
  const Rows z = linear(f, get("model.embed_tokens.weight"));  // tied head: (V, d) as nn.Linear
  std::vector<double> out;
  for (const auto& r : z) out.insert(out.end(), r.begin(), r.end());
  return out;
}

}  // namespace

TEST_CASE("models: a Llama-family checkpoint in memory runs as its definition says (GQA, head_dim, half-split RoPE, tied head)") {
  const std::vector<Tensor> t = llama_tensors(5);
  models::Model m;
  std::string err;
  REQUIRE_MESSAGE(models::load_model(llama_files(t), &m, &err), err);
  // parameters: 11·12 embeddings + 2 · 1320 per block + 12 for the final norm = 2784
  CHECK(m.summary() == "llama, 2 layers, 4 heads (2 KV) of 4, d 12, vocab 11, 2.8 k params, F32");
  const std::vector<int> ids = {3, 1, 4, 1, 5, 9, 2, 6};
  models::Pass pass;
  REQUIRE_MESSAGE(models::run_model(m, ids, {}, &pass, &err), err);
  const std::vector<double> want = reference_logits(t, ids);
  REQUIRE(pass.logits.size() == want.size());
  double worst = 0;
  for (size_t i = 0; i < want.size(); i++) worst = std::max(worst, std::fabs(pass.logits[i] - want[i]));
  CHECK(worst < 2e-5);
  // knocking every head of both layers out leaves the embeddings through the MLPs only: other logits
  models::RunOptions ko;
  for (int l = 0; l < L; l++)
    for (int h = 0; h < H; h++) ko.knock_out.push_back({l, h});
  models::Pass quiet;
  REQUIRE(models::run_model(m, ids, ko, &quiet, &err));
  double moved = 0;
  for (size_t i = 0; i < want.size(); i++) moved = std::max(moved, std::fabs(double(quiet.logits[i] - pass.logits[i])));
  CHECK(moved > 1e-2);
  CHECK_FALSE(models::run_model(m, {3, 11}, {}, &pass, &err));
  CHECK(err == "token 1 is id 11, past the vocabulary of 11");
}

TEST_CASE("models: the logit lens and greedy generation from the KV cache are the definition's") {
  const std::vector<Tensor> t = llama_tensors(5);
  models::Model m;
  std::string err;
  REQUIRE_MESSAGE(models::load_model(llama_files(t), &m, &err), err);
  const std::vector<int> ids = {3, 1, 4, 1, 5};
  const int V = 11;
  auto argmax_last = [&](const std::vector<double>& z) {
    return int(std::max_element(z.end() - V, z.end()) - (z.end() - V));
  };
  models::Pass pass;
  REQUIRE(models::run_model(m, ids, {}, &pass, &err));
  const std::vector<int> lens = models::logit_lens(m, pass, int(ids.size()) - 1);
  REQUIRE(lens.size() == size_t(L));
  for (int l = 0; l < L; l++) CHECK(lens[size_t(l)] == argmax_last(reference_logits(t, ids, l + 1)));
  // greedy: each token the argmax of the definition's logits on the text so far
  models::Generation g;
  models::generation_start(pass, true, &g);  // from the pass the lens read
  std::vector<int> text = ids;
  for (int step = 0; step < 6; step++) {
    REQUIRE_MESSAGE(models::generation_step(m, {}, &g, &err), err);
    const int want = argmax_last(reference_logits(t, text));
    CHECK(g.tokens.back() == want);
    text.push_back(g.tokens.back());
    // the new token's attention rows are kept: (H, 1, positions) in every layer, each summing to 1
    const std::vector<float>& p = g.cache.layers[1].p;
    REQUIRE(p.size() == size_t(H) * text.size());
    double sum = 0;
    for (size_t j = 0; j < text.size(); j++) sum += p[j];
    CHECK(sum == doctest::Approx(1).epsilon(1e-5));
  }
  CHECK(g.T == int(text.size()));
}

// a pass for the next token alone keeps each layer's keys and values and nothing else, and gives the
// full pass's logits (attention on the fused path, to float rounding) and the same generation
TEST_CASE("models: a lean pass is the definition's last logits, holds only the KV cache, and generates alike") {
  const std::vector<Tensor> t = llama_tensors(7);
  models::Model m;
  std::string err;
  REQUIRE_MESSAGE(models::load_model(llama_files(t), &m, &err), err);
  const std::vector<int> ids = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
  models::RunOptions lean;
  lean.last_logits = lean.lean = true;
  models::Pass a, b;
  REQUIRE_MESSAGE(models::run_model(m, ids, lean, &a, &err), err);
  REQUIRE(models::run_model(m, ids, {}, &b, &err));
  const std::vector<double> want = reference_logits(t, ids);  // (T, V)
  REQUIRE(a.logits.size() == size_t(V));
  for (int v = 0; v < V; v++) CHECK(a.logits[size_t(v)] == doctest::Approx(want[want.size() - V + v]).epsilon(1e-5));
  for (const auto& layer : a.cache.layers) {
    CHECK(layer.k.size() == ids.size() * Hkv * dh);
    CHECK(layer.v.size() == ids.size() * Hkv * dh);
    CHECK(layer.p.empty());
    CHECK(layer.q.empty());
    CHECK(layer.u.empty());
    CHECK(layer.a.empty());
    CHECK(layer.resid.empty());
  }
  models::Generation ga, gb;
  models::generation_start(a, false, &ga);
  models::generation_start(b, false, &gb);
  for (int step = 0; step < 5; step++) {
    REQUIRE(models::generation_step(m, {}, &ga, &err));
    REQUIRE(models::generation_step(m, {}, &gb, &err));
  }
  CHECK(ga.tokens == gb.tokens);
}

// a checkpoint's folder: the weights mapped (where the system maps files), the small files read
TEST_CASE("models: a folder's weights are mapped, not copied, and load as the bytes would") {
  const std::string dir = "attn_test_mapped_checkpoint";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directory(dir);
  models::Files mem = llama_files(llama_tensors(5));
  std::string err;
  for (const auto& [name, bytes] : mem) REQUIRE(write_file(dir + "/" + name, bytes.text(), &err));
  models::Files files;
  REQUIRE_MESSAGE(models::read_model_dir(dir, &files, &err), err);
  REQUIRE(files.count("model.safetensors"));
  const FileBytes& w = files.at("model.safetensors");
  CHECK(w.text() == mem.at("model.safetensors").text());
#if !defined(__EMSCRIPTEN__)
  CHECK(w.mapped());  // natively a mapping; under node the bytes are read
#endif
  CHECK_FALSE(files.at("config.json").mapped());
  models::Model m, r;
  REQUIRE_MESSAGE(models::load_model(std::move(files), &m, &err), err);
  REQUIRE(models::load_model(std::move(mem), &r, &err));
  models::Pass pm, pr;
  REQUIRE(models::run_model(m, {3, 1, 4}, {}, &pm, &err));
  REQUIRE(models::run_model(r, {3, 1, 4}, {}, &pr, &err));
  CHECK(pm.logits == pr.logits);
  // a moved mapping stays one mapping: the model still reads it after its Files were moved
  models::Model moved = std::move(m);
  REQUIRE(models::run_model(moved, {3, 1, 4}, {}, &pm, &err));
  CHECK(pm.logits == pr.logits);
  std::filesystem::remove_all(dir);
}

TEST_CASE("models: sampling keeps top-k, reaches top-p, and is greedy at temperature 0") {
  const float z[5] = {1.0f, 3.0f, 2.0f, 0.5f, 2.0f};
  models::SampleOptions o;
  CHECK(models::choose_token(z, 5, o, 0) == 1);
  o.top_k = 2;
  const auto p = models::next_token_distribution(z, 5, o);
  REQUIRE(p.size() == 2);
  CHECK(p[0].first == 1);
  CHECK(p[1].first == 2);  // the tie with 4 goes to the smaller id
  CHECK(p[0].second == doctest::Approx(std::exp(1.0) / (std::exp(1.0) + 1)));
  o.top_k = 0;
  o.top_p = 0.5;  // p = e^3 / (e + e^3 + 2 e^2 + e^0.5) = 0.512 alone reaches 0.5
  CHECK(models::next_token_distribution(z, 5, o).size() == 1);
  o.top_p = 0.6;  // then 0.512 + 0.188 (the first e^2)
  CHECK(models::next_token_distribution(z, 5, o).size() == 2);
}

TEST_CASE("text: a byte-level BPE tokenizer.json encodes by its merges and GPT-2's split, added tokens first") {
  // vocabulary: the bytes of "a", "b", " " (Ġ), and merges a b -> ab, Ġ ab -> Ġab
  const std::string tj = R"({"added_tokens": [{"id": 9, "content": "<|end|>"}], "normalizer": null,
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
    "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "\u0120": 2, "ab": 3, "\u0120ab": 4, "!": 5, "<|end|>": 9},
              "merges": ["a b", ["\u0120", "ab"]]}})";
  text::Tokenizer t;
  std::string err;
  REQUIRE_MESSAGE(text::load_tokenizer({{"tokenizer.json", tj}}, &t, &err), err);
  // "ab ab!!" -> pieces "ab", " ab", "!!" -> [ab] [Ġab] [! !]
  CHECK(t.encode("ab ab!!") == std::vector<int>{3, 4, 5, 5});
  // two spaces before a word: the first stays alone (\s+(?!\S)), the second joins the word
  CHECK(t.encode("a  ab") == std::vector<int>{0, 2, 4});
  CHECK(t.encode("ab<|end|>ab") == std::vector<int>{3, 9, 3});
  CHECK(t.decode({3, 4, 9}) == "ab ab<|end|>");
  CHECK(t.token_bytes(2) == " ");
}

TEST_CASE("text: a SentencePiece-style BPE (Llama 2's layout): a space prepended, ▁ for spaces, bytes for the unknown") {
  std::string vocab = "{\"<unk>\": 0, \"<s>\": 1, \"\u2581\": 2, \"h\": 3, \"i\": 4, \"\u2581h\": 5, \"\u2581hi\": 6";
  for (int b = 0; b < 256; b++) {
    char buf[32];
    std::snprintf(buf, sizeof buf, ", \"<0x%02X>\": %d", b, 7 + b);
    vocab += buf;
  }
  vocab += "}";
  const std::string tj = "{\"normalizer\": {\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"Prepend\", \"prepend\": \"\u2581\"},"
                         " {\"type\": \"Replace\", \"pattern\": {\"String\": \" \"}, \"content\": \"\u2581\"}]},"
                         " \"pre_tokenizer\": null, \"post_processor\": {\"type\": \"TemplateProcessing\", \"single\":"
                         " [{\"SpecialToken\": {\"id\": \"<s>\"}}, {\"Sequence\": {\"id\": \"A\"}}]},"
                         " \"model\": {\"type\": \"BPE\", \"byte_fallback\": true, \"unk_token\": \"<unk>\", \"vocab\": " +
                         vocab + ", \"merges\": [\"\u2581 h\", \"\u2581h i\"]}}";
  text::Tokenizer t;
  std::string err;
  REQUIRE_MESSAGE(text::load_tokenizer({{"tokenizer.json", tj}}, &t, &err), err);
  // "hi hi\n": <s> ▁hi ▁hi then '\n' = byte 0x0A, which is <0x0A> = 7 + 10
  CHECK(t.encode("hi hi\n") == std::vector<int>{1, 6, 6, 17});
  CHECK(t.decode({6, 6, 17}) == " hi hi\n");
}

TEST_CASE("text: tokenizer files that cannot be read are refused by name") {
  text::Tokenizer t;
  std::string err;
  CHECK_FALSE(text::load_tokenizer({}, &t, &err));
  CHECK(err == "no tokenizer.json (nor vocab.json with merges.txt) among the files: give token ids instead");
  CHECK_FALSE(text::load_tokenizer({{"tokenizer.json", R"({"model": {"type": "WordPiece", "vocab": {}}})"}}, &t, &err));
  CHECK(err == "tokenizer.json: model type 'WordPiece' is not supported (BPE; WordPiece and Unigram tokenizers are not read)");
  CHECK_FALSE(text::load_tokenizer({{"tokenizer.json", R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [3]}})"}}, &t, &err));
  CHECK(err == "tokenizer.json: merge 0 is neither \"a b\" nor [\"a\", \"b\"]");
}
