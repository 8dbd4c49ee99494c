// model_cmd.cpp: `attn model`: a Hugging Face checkpoint's forward pass over token ids, its next
// tokens, a generation from the KV cache, and every intermediate dumped as .npy.
#include "cli/model_cmd.h"
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include "cli/write_dir.h"
#include "io/files.h"
#include "io/npy.h"
#include "models/model.h"
#include "io/json.h"
#include "models/sample.h"
#include "text/tokenizer.h"

namespace attn::cli {

const char* const kModelUsage =
    "  attn tokenize --model DIR --text TEXT\n"
    "      one JSON line {\"ids\": [...], \"tokens\": [...]} from the folder's tokenizer.json (or\n"
    "      vocab.json + merges.txt): byte-level BPE (GPT-2, Llama 3, Qwen2, SmolLM2) or SentencePiece BPE.\n"
    "  attn model --model DIR (--ids 1,2,3 | --text TEXT) [--dump OUT] [--top N] [--generate N]\n"
    "             [--temperature T --top-k K --top-p P --seed S] [--ablate L.H,...]\n"
    "      DIR: a Hugging Face checkpoint (config.json + model.safetensors, or its shards and\n"
    "      model.safetensors.index.json): gpt2, llama (Llama 2/3.x, TinyLlama, SmolLM2), mistral, qwen2;\n"
    "      F32, F16 or BF16. Prints the model, the tokens and the N (default 5) likeliest next tokens.\n"
    "      --ablate L.H: knock head H of layer L out (its output zeroed), counted from 0.\n"
    "      --generate N: N more tokens from the KV cache, greedy unless --temperature > 0.\n"
    "      --dump OUT (written all at once): ids.npy (T,) int32, logits.npy (T, V), per layer L:\n"
    "      attn.L.npy (H, T, T), q.L.npy (H, T, d_head) after RoPE, k.L.npy and v.L.npy (H_kv, T, d_head),\n"
    "      resid.L.npy (T, d) the residual stream after block L; generated.npy (N,) int32.\n";

namespace {

namespace fs = std::filesystem;

int fail(const std::string& m) {
  std::fprintf(stderr, "error: %s\n", m.c_str());
  return 2;
}

bool parse_int(const std::string& s, long lo, long hi, long* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (*end || v < lo || v > hi) return false;
  *out = v;
  return true;
}
bool parse_real(const std::string& s, double lo, double hi, double* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (*end || !(v >= lo && v <= hi)) return false;
  *out = v;
  return true;
}

// "1,2,3" -> ids; "0.3,1.0" -> (layer, head) pairs
bool parse_list(const std::string& s, std::vector<std::string>* out) {
  out->clear();
  size_t at = 0;
  while (at <= s.size()) {
    const size_t comma = std::min(s.find(',', at), s.size());
    out->push_back(s.substr(at, comma - at));
    at = comma + 1;
  }
  return !s.empty();
}

// (H, T, dh) from rows (T, H·dh): head h's columns, one head after another
std::vector<float> by_head(const std::vector<float>& rows, int T, int heads, int dh) {
  std::vector<float> out(size_t(heads) * T * dh);
  for (int h = 0; h < heads; h++)
    for (int t = 0; t < T; t++)
      std::copy_n(rows.data() + size_t(t) * heads * dh + size_t(h) * dh, dh, out.data() + (size_t(h) * T + t) * dh);
  return out;
}

bool dump(const models::Model& m, const std::vector<int>& ids, const models::Pass& pass, const std::vector<int>& generated,
          const fs::path& dir, std::string* err) {
  const nn::Spec& s = m.cfg.spec;
  const int T = int(ids.size()), H = s.attn.heads, Hkv = s.attn.kv_heads, dh = s.attn.d_head;
  auto save = [&](const std::string& name, const std::string& bytes) { return write_file((dir / name).string(), bytes, err); };
  const std::vector<int32_t> ids32(ids.begin(), ids.end());
  if (!save("ids.npy", npy_encode_i32(ids32.data(), {T})) ||
      !save("logits.npy", npy_encode(pass.logits.data(), {T, s.vocab})))
    return false;
  for (int l = 0; l < s.layers; l++) {
    const auto& L = pass.cache.layers[size_t(l)];
    const std::string n = std::to_string(l);
    if (!save("attn." + n + ".npy", npy_encode(L.p.data(), {H, T, T})) ||
        !save("q." + n + ".npy", npy_encode(by_head(L.q, T, H, dh).data(), {H, T, dh})) ||
        !save("k." + n + ".npy", npy_encode(by_head(L.k, T, Hkv, dh).data(), {Hkv, T, dh})) ||
        !save("v." + n + ".npy", npy_encode(by_head(L.v, T, Hkv, dh).data(), {Hkv, T, dh})) ||
        !save("resid." + n + ".npy", npy_encode(L.resid.data(), {T, s.d_model})))
      return false;
  }
  if (!generated.empty()) {
    const std::vector<int32_t> g(generated.begin(), generated.end());
    if (!save("generated.npy", npy_encode_i32(g.data(), {int64_t(g.size())}))) return false;
  }
  return true;
}

}  // namespace

int model_main(const std::vector<std::string>& a) {
  std::string dir, ids_text, ablate, out_dir, text;
  bool text_given = false;
  long top = 5, generate = 0, top_k = 0, seed = 0;
  double temperature = 0, top_p = 1;
  for (size_t i = 1; i < a.size(); i++) {
    if (a[i] == "--help" || a[i] == "-h") { std::fputs(kModelUsage, stdout); return 0; }
    if (i + 1 >= a.size()) return fail(a[i] + " needs a value");
    const std::string& v = a[i + 1];
    bool ok = true;
    if (a[i] == "--model") dir = v;
    else if (a[i] == "--ids") ids_text = v;
    else if (a[i] == "--text") text_given = true, text = v;
    else if (a[i] == "--text") text = v;
    else if (a[i] == "--dump") out_dir = v;
    else if (a[i] == "--ablate") ablate = v;
    else if (a[i] == "--top") ok = parse_int(v, 1, 1000, &top);
    else if (a[i] == "--generate") ok = parse_int(v, 0, 100000, &generate);
    else if (a[i] == "--top-k") ok = parse_int(v, 0, 1 << 22, &top_k);
    else if (a[i] == "--seed") ok = parse_int(v, 0, 1L << 40, &seed);
    else if (a[i] == "--temperature") ok = parse_real(v, 0, 1e4, &temperature);
    else if (a[i] == "--top-p") ok = parse_real(v, 1e-9, 1, &top_p);
    else return fail("unknown option '" + a[i] + "' for model\n" + kModelUsage);
    if (!ok) return fail(a[i] + " '" + v + "' is out of range or not a number");
    i++;
  }
  if (dir.empty()) return fail("--model DIR is required (a folder with config.json and model.safetensors)");
  if (ids_text.empty() == !text_given) return fail("give the input as --ids 464,3290,318 or as --text \"...\" (one of them)");
  std::vector<int> ids;
  std::vector<std::string> parts;
  std::string err;
  models::Files files;
  if (!models::read_model_dir(dir, &files, &err)) return fail(err);
  text::Tokenizer tok;
  const bool has_tokenizer = text::load_tokenizer(files, &tok, &err);
  if (text_given) {
    if (!has_tokenizer) return fail(dir + ": " + err);
    ids = tok.encode(text);
    if (ids.empty()) return fail("--text gives no tokens");
  } else {
    parse_list(ids_text, &parts);
    for (const std::string& p : parts) {
      long id;
      if (!parse_int(p, 0, 1L << 30, &id)) return fail("--ids: '" + p + "' is not a token id");
      ids.push_back(int(id));
    }
  }
  models::RunOptions opt;
  if (!ablate.empty()) {
    parse_list(ablate, &parts);
    for (const std::string& p : parts) {
      const size_t dot = p.find('.');
      long l, h;
      if (dot == std::string::npos || !parse_int(p.substr(0, dot), 0, 1 << 20, &l) || !parse_int(p.substr(dot + 1), 0, 1 << 20, &h))
        return fail("--ablate: '" + p + "' is not LAYER.HEAD (e.g. 0.3)");
      opt.knock_out.push_back({int(l), int(h)});
    }
  }
  if (!out_dir.empty() && fs::exists(out_dir) && !fs::is_directory(out_dir)) return fail(out_dir + ": exists and is not a folder");
  models::Model m;
  if (!models::load_model(files, &m, &err)) return fail(dir + ": " + err);
  files.clear();  // the files' bytes are freed: the weights live in the model's arena
  const int V = m.cfg.spec.vocab;
  models::Pass pass;
  if (!models::run_model(m, ids, opt, &pass, &err)) return fail(err);
  const int T = int(ids.size());
  // a generation from the KV cache the pass filled
  models::SampleOptions so;
  so.temperature = temperature;
  so.top_k = int(top_k);
  so.top_p = top_p;
  so.seed = uint64_t(seed);
  std::vector<int> generated;
  if (generate > 0) {
    if (m.cfg.spec.pos == PosEnc::Learned && T + generate > m.cfg.n_positions)
      return fail(std::to_string(T) + " tokens + --generate " + std::to_string(generate) + " pass the model's " +
                  std::to_string(m.cfg.n_positions) + " learned positions");
    nn::Cache<float> c;
    c.keep_weights = c.keep_resid = false;
    c.knocked_out = pass.cache.knocked_out;
    std::vector<float> z(pass.logits.end() - V, pass.logits.end());
    nn::forward_blocks(m.cfg.spec, m.W, 1, T, 0, ids.data(), nn::Run(), &c);  // the prompt's keys and values
    std::vector<float> logits(static_cast<size_t>(V));
    for (long g = 0; g < generate; g++) {
      const int next = models::choose_token(z.data(), V, so, int(g));
      generated.push_back(next);
      if (g + 1 == generate) break;
      nn::forward_blocks(m.cfg.spec, m.W, 1, 1, T + int(g), &next, nn::Run(), &c);
      nn::lm_head_forward(m.cfg.spec.d_model, {0}, c.f.data(), m.W.head, &c.work.fr, z.data(), &c.work.tmp);
    }
  }
  if (!out_dir.empty() && !write_atomically(out_dir, [&](const fs::path& tmp) { return dump(m, ids, pass, generated, tmp, &err); }, &err))
    return fail(err);
  std::printf("model: %s\n", m.summary().c_str());
  for (const std::string& n : m.notes) std::printf("note: %s\n", n.c_str());
  // a token as the tokenizer reads it, quoted (JSON's escapes), or its id alone without a tokenizer
  auto shown_token = [&](int id) { return has_tokenizer ? " " + json_quote(tok.token_bytes(id)) : std::string(); };
  std::printf("tokens:");
  for (int id : ids) std::printf(" %d%s", id, shown_token(id).c_str());
  std::printf("\nnext token after position %d:\n", T - 1);
  models::SampleOptions shown = so;
  if (!(shown.temperature > 0)) shown.temperature = 1;
  const auto dist = models::next_token_distribution(pass.logits.data() + size_t(T - 1) * V, V, shown);
  for (size_t i = 0; i < dist.size() && i < size_t(top); i++)
    std::printf("  %8d  p = %.6f  logit %.4f%s\n", dist[i].first, dist[i].second,
                double(pass.logits[size_t(T - 1) * V + dist[i].first]), shown_token(dist[i].first).c_str());
  if (!generated.empty()) {
    std::printf("generated:");
    for (int g : generated) std::printf(" %d", g);
    std::printf("\n");
    if (has_tokenizer) std::printf("text: %s\n", json_quote(tok.decode(generated)).c_str());
  }
  if (!out_dir.empty()) std::printf("wrote %s\n", out_dir.c_str());
  return 0;
}

int tokenize_main(const std::vector<std::string>& a) {
  std::string dir, text;
  bool text_given = false;
  for (size_t i = 1; i < a.size(); i += 2) {
    if (i + 1 >= a.size()) return fail(a[i] + " needs a value");
    if (a[i] == "--model") dir = a[i + 1];
    else if (a[i] == "--text") text_given = true, text = a[i + 1];
    else return fail("unknown option '" + a[i] + "' for tokenize (use --model DIR --text TEXT)");
  }
  if (dir.empty() || !text_given) return fail("tokenize needs --model DIR and --text TEXT");
  models::Files files;
  std::string err;
  text::Tokenizer tok;
  if (!models::read_model_dir(dir, &files, &err, false) || !text::load_tokenizer(files, &tok, &err)) return fail(dir + ": " + err);
  const std::vector<int> ids = tok.encode(text);
  std::string out = "{\"ids\": [";
  for (size_t i = 0; i < ids.size(); i++) out += (i ? ", " : "") + std::to_string(ids[i]);
  out += "], \"tokens\": [";
  for (size_t i = 0; i < ids.size(); i++)
    out += (i ? ", " : "") + json_quote(size_t(ids[i]) < tok.tokens.size() ? tok.tokens[size_t(ids[i])] : "");
  std::printf("%s]}\n", out.c_str());
  return 0;
}

}  // namespace attn::cli
