// model_cmd.cpp: `attn model`: a Hugging Face checkpoint's forward pass over token ids, its next
// tokens, a generation from the KV cache, and every intermediate dumped as .npy.
#include "cli/model_cmd.h"
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include "cli/write_dir.h"
#include "io/files.h"
#include "io/npy.h"
#include "models/generate.h"
#include "models/model.h"
#include "io/json.h"
#include "models/check.h"
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
    "      resid.L.npy (T, d) the residual stream after block L; generated.npy (N,) int32.\n"
    "  attn check-model --model DIR (--ids ... | --text ...) --theirs DUMPDIR [--atol A]\n"
    "      your port of the model, dumped in the layout above (any subset of the files), tensor by tensor in\n"
    "      forward order against our pass. Tolerance per tensor: 2 x our float32 pass's max error against our\n"
    "      float64 pass + atol (default 1e-5 x the tensor's largest magnitude, at least 1e-6). The first tensor\n"
    "      beyond it is named with its worst index, and the reference is rerun with each known porting mistake\n"
    "      to name those that reproduce it: conv1d-layout, rope-interleaved, rope-theta, gqa-tiled,\n"
    "      qkv-bias-missing, causal-mask-missing, scale-d-model, gelu-exact, lm-head-tied.\n"
    "      Exit 0: all match; 1: a mismatch; 2: bad input.\n";

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

bool dump(const models::Model& m, const std::vector<int>& ids, const models::Pass& pass, const std::vector<int>& generated,
          const fs::path& dir, std::string* err) {
  auto save = [&](const std::string& name, const std::string& bytes) { return write_file((dir / name).string(), bytes, err); };
  const std::vector<int32_t> ids32(ids.begin(), ids.end());
  if (!save("ids.npy", npy_encode_i32(ids32.data(), {int64_t(ids.size())}))) return false;
  // the dump layout is check-model's: one list of names and shapes for both
  for (const models::Named& t : models::pass_tensors(m.cfg.spec, pass.cache, pass.logits)) {
    const std::vector<float> f(t.v.begin(), t.v.end());  // the float32 pass's values, exactly
    if (!save(t.name + ".npy", npy_encode(f.data(), t.shape))) return false;
  }
  if (!generated.empty()) {
    const std::vector<int32_t> g(generated.begin(), generated.end());
    if (!save("generated.npy", npy_encode_i32(g.data(), {int64_t(g.size())}))) return false;
  }
  return true;
}

// The checkpoint's files, its tokenizer when it has one, and the input as ids (--ids, or --text
// through the tokenizer)
bool read_input(const std::string& dir, const std::string& ids_text, bool text_given, const std::string& text,
                models::Files* files, text::Tokenizer* tok, bool* has_tokenizer, std::vector<int>* ids, std::string* err) {
  if (dir.empty()) return (*err = "--model DIR is required (a folder with config.json and model.safetensors)"), false;
  if (ids_text.empty() == !text_given) return (*err = "give the input as --ids 464,3290,318 or as --text \"...\" (one of them)"), false;
  if (!models::read_model_dir(dir, files, err)) return false;
  std::string tok_err;
  *has_tokenizer = text::load_tokenizer(models::text_files(*files), tok, &tok_err);
  ids->clear();
  if (text_given) {
    if (!*has_tokenizer) return (*err = dir + ": " + tok_err), false;
    *ids = tok->encode(text);
    if (ids->empty()) return (*err = "--text gives no tokens"), false;
    return true;
  }
  std::vector<std::string> parts;
  parse_list(ids_text, &parts);
  for (const std::string& p : parts) {
    long id;
    if (!parse_int(p, 0, 1L << 30, &id)) return (*err = "--ids: '" + p + "' is not a token id"), false;
    ids->push_back(int(id));
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
  std::vector<int> ids;
  std::vector<std::string> parts;
  std::string err;
  models::Files files;
  text::Tokenizer tok;
  bool has_tokenizer = false;
  if (!read_input(dir, ids_text, text_given, text, &files, &tok, &has_tokenizer, &ids, &err)) return fail(err);
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
  models::Model m;  // the weight files go to the model: its matrices are read in their stored width
  if (!models::load_model(std::move(files), &m, &err)) return fail(dir + ": " + err);
  const int V = m.cfg.spec.vocab;
  models::Pass pass;
  const auto t0 = std::chrono::steady_clock::now();
  if (!models::run_model(m, ids, opt, &pass, &err)) return fail(err);
  const double forward_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
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
    models::Generation gen;
    models::generation_start(pass, false, &gen);
    for (long g = 0; g < generate; g++)
      if (!models::generation_step(m, so, &gen, &err)) return fail(err);
    generated = gen.tokens;
  }
  if (!out_dir.empty() && !write_atomically(out_dir, [&](const fs::path& tmp) { return dump(m, ids, pass, generated, tmp, &err); }, &err))
    return fail(err);
  std::printf("model: %s\n", m.summary().c_str());
  std::printf("memory: %.2f MB for the weights (files %.2f MB)\n", double(m.memory_bytes()) / 1048576.0, double(m.file_bytes) / 1048576.0);
  std::printf("forward: %.1f ms for %d tokens (one thread, every head's weights kept)\n", forward_ms, int(ids.size()));
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

int check_model_main(const std::vector<std::string>& a) {
  std::string dir, ids_text, text, theirs;
  bool text_given = false;
  double atol = -1;
  for (size_t i = 1; i < a.size(); i += 2) {
    if (i + 1 >= a.size()) return fail(a[i] + " needs a value");
    const std::string& v = a[i + 1];
    if (a[i] == "--model") dir = v;
    else if (a[i] == "--ids") ids_text = v;
    else if (a[i] == "--text") text_given = true, text = v;
    else if (a[i] == "--theirs") theirs = v;
    else if (a[i] == "--atol") {
      if (!parse_real(v, 0, 1e6, &atol)) return fail("--atol '" + v + "' is not a number from 0 to 1e6");
    } else return fail("unknown option '" + a[i] + "' for check-model\n" + kModelUsage);
  }
  if (theirs.empty()) return fail("--theirs DUMPDIR is required (your port's tensors: ids.npy, q.0.npy, ..., logits.npy)");
  std::error_code ec;
  if (!fs::is_directory(theirs, ec)) return fail(theirs + ": not a folder");
  std::vector<int> ids;
  std::string err;
  models::Files files;
  text::Tokenizer tok;
  bool has_tokenizer = false;
  if (!read_input(dir, ids_text, text_given, text, &files, &tok, &has_tokenizer, &ids, &err)) return fail(err);
  models::Model m;  // every weight widened: the float64 reference is built from the float32 arena
  if (!models::load_model(std::move(files), &m, &err, false)) return fail(dir + ": " + err);
  // their files: every NAME.npy whose NAME is a tensor of the dump layout
  std::vector<models::TheirTensor> mine;
  for (const auto& e : fs::directory_iterator(theirs, ec)) {
    const std::string f = e.path().filename().string();
    if (f.size() < 5 || f.compare(f.size() - 4, 4, ".npy") != 0) continue;
    const std::string name = f.substr(0, f.size() - 4);
    const size_t dot = name.find('.');
    const std::string kind = name.substr(0, dot);
    const bool known = name == "ids" || name == "logits" ||
                       ((kind == "q" || kind == "k" || kind == "v" || kind == "attn" || kind == "resid") && dot != std::string::npos &&
                        name.find_first_not_of("0123456789", dot + 1) == std::string::npos && dot + 1 < name.size());
    if (!known) continue;
    std::string bytes;
    if (!read_file(e.path().string(), &bytes, &err)) return fail(err);
    NpyArray arr;
    std::string e2;
    if (!npy_parse(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &arr, &e2, name == "ids"))
      return fail(e.path().string() + ": " + e2);
    mine.push_back({name, arr.shape, std::move(arr.data)});
  }
  models::ModelCheck r;
  if (!models::check_model(m, ids, mine, atol, &r, &err)) return fail(theirs + ": " + err);
  std::printf("check-model: %s, %zu tokens, %zu of your tensors\n%s\n", m.summary().c_str(), ids.size(), r.tensors.size(),
              r.tolerance.c_str());
  for (const models::ModelVerdict& v : r.tensors) {
    if (v.name == "ids") std::printf("  %-9s %-8s  %s\n", "ids", v.pass ? "ok" : "MISMATCH", v.pass ? "the same token ids" : v.problem.c_str());
    else if (!v.problem.empty() && v.max_abs == 0) std::printf("  %-9s MISMATCH  %s\n", v.name.c_str(), v.problem.c_str());
    else
      std::printf("  %-9s %-8s  max abs error %-10.3g at %-22s tolerance %.3g%s\n", v.name.c_str(), v.pass ? "ok" : "MISMATCH",
                  v.max_abs, v.worst_at.c_str(), v.tol, v.problem.empty() ? "" : ("  " + v.problem).c_str());
  }
  if (r.pass) {
    std::printf("all %zu tensors match\n", r.tensors.size());
    return 0;
  }
  std::printf("first divergence: %s\n", r.first_bad.c_str());
  for (const std::string& c : r.causes) std::printf("likely cause: %s\n", c.c_str());
  for (const std::string& n : r.notes) std::printf("%s\n", n.c_str());
  return 1;
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
  if (!models::read_model_dir(dir, &files, &err, false) || !text::load_tokenizer(models::text_files(files), &tok, &err)) return fail(dir + ": " + err);
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
