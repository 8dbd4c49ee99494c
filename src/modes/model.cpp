// model.cpp: the Model mode's state changes: a checkpoint's files arriving, the model opened, the
// text run through it (with knocked-out heads), the heads labelled, one head opened in the stepper.
#include <algorithm>
#include <cmath>
#include <map>
#include "modes/modes.h"
#include "modes/jobs.h"
#include "modes/host.h"
#include "core/format.h"
#include "io/json.h"
#include "io/share_state.h"
#include "models/sample.h"

namespace attn {

namespace {
ModelView& mv() { return app().model; }

// a token's text for a label: its bytes, with a space shown as ␣ and control bytes as \n, \t
std::string shown(const std::string& bytes) {
  std::string out;
  for (char c : bytes) {
    if (c == ' ') out += "\xC2\xB7";  // a space as a middle dot (the fonts have no ␣)
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (static_cast<unsigned char>(c) < 0x20) out += "?";
    else out += c;
  }
  return out;
}

// the text's ids: through the tokenizer, or the ids typed when there is none
bool input_ids(ModelView& M, std::vector<int>* ids, std::string* err) {
  ids->clear();
  if (M.has_tokenizer) {
    *ids = M.tok.encode(M.text);
  } else {
    size_t at = 0;
    const std::string& s = M.ids_text;
    while (at < s.size()) {
      while (at < s.size() && (s[at] == ' ' || s[at] == ',')) at++;
      size_t end = at;
      while (end < s.size() && s[end] >= '0' && s[end] <= '9') end++;
      if (end == at) {
        if (at < s.size()) { *err = "the ids must be numbers separated by commas or spaces"; return false; }
        break;
      }
      if (end - at > 9) { *err = "token id " + s.substr(at, end - at) + " is too large"; return false; }
      ids->push_back(std::stoi(s.substr(at, end - at)));
      at = end;
    }
  }
  if (ids->empty()) { *err = M.has_tokenizer ? "type some text first" : "type some token ids first (this checkpoint has no tokenizer)"; return false; }
  if (int(ids->size()) > kModelMaxTokens) {
    *err = std::to_string(ids->size()) + " tokens: the page keeps every head's weights, so it runs at most " +
           std::to_string(kModelMaxTokens) + "; shorten the text";
    return false;
  }
  return true;
}
}  // namespace

void model_add_file(const std::string& name, std::string bytes) {
  ModelView& M = mv();
  const std::string base = name.substr(name.find_last_of("/\\") + 1);
  M.files[base] = std::move(bytes);
}

bool model_open() {
  ModelView& M = mv();
  App& a = app();
  const double t0 = host::now_ms();
  models::Model m;
  std::string err, tok_err;
  text::Tokenizer tok;
  const bool has_tokenizer = text::load_tokenizer(models::text_files(M.files), &tok, &tok_err);  // before the files go to the model
  bool ok = false;
  try {
    ok = models::load_model(std::move(M.files), &m, &err);
  } catch (const std::bad_alloc&) {
    err = "out of memory while loading the weights (this tab's memory is at most 2 GB)";
  }
  if (!ok) {
    M.files.clear();
    M.error = err;
    set_status("cannot open the model: " + err);
    return false;
  }
  M.files.clear();
  M.full_logits.clear();  // another model: its own prediction
  M.jobs.clear();         // and nothing of the last model's passes on screen
  M.pass = models::Pass();
  M.ran = false;
  M.generating = false;
  M.m = std::move(m);
  M.loaded = true;
  M.choosing = false;
  M.tok = std::move(tok);
  M.has_tokenizer = has_tokenizer;
  M.error.clear();
  M.load_ms = host::now_ms() - t0;
  const nn::Spec& s = M.m.cfg.spec;
  M.knocked.assign(size_t(s.layers) * s.attn.heads, 0);
  M.layer = std::min(M.layer, s.layers - 1);
  M.head = std::min(M.head, s.attn.heads - 1);
  if (!M.has_tokenizer && M.ids_text.empty()) M.ids_text = "1, 2, 3, 4";
  a.stepper.view.model = true;
  a.stepper.view.train = false;
  model_run();
  set_status(M.has_tokenizer ? "opened the model: type a sentence and press Run"
                             : "opened the model without a tokenizer (" + tok_err + "): type token ids");
  return true;
}

bool model_open_dir(const std::string& dir) {
  ModelView& M = mv();
  M.name.clear();
  std::string err;
  if (!models::read_model_dir(dir, &M.files, &err)) {
    M.error = err;
    set_status("cannot open the model: " + err);
    return false;
  }
  return model_open();
}

void model_run() {
  ModelView& M = mv();
  if (!M.loaded) return;
  std::string err;
  std::vector<int> ids;
  M.typed_ms = -1;
  M.jobs.clear();
  if (!input_ids(M, &ids, &err)) { M.error = err; M.ran = false; return; }
  const nn::Spec& s = M.m.cfg.spec;
  const int L = s.layers, H = s.attn.heads;
  models::RunOptions opt;
  for (int l = 0; l < L; l++)
    for (int h = 0; h < H; h++)
      if (M.knocked[size_t(l) * H + h]) opt.knock_out.push_back({l, h});
  // the prediction with every head (what a knock-out is compared against) depends on the ids alone:
  // a toggled head reruns the knocked-out pass only
  const bool full_known = !M.full_logits.empty() && M.full_ids == ids;
  opt.last_logits = true;  // the page shows the next token only
  if (opt.knock_out.empty() || !full_known) {  // every head
    M.jobs.emplace_back();
    M.jobs.back().opt.last_logits = true;
  }
  if (!opt.knock_out.empty()) {
    M.jobs.emplace_back();
    M.jobs.back().opt = opt;
  }
  M.job_ids = ids;
  M.job_t0 = host::now_ms();
  if (M.generating) model_stop_generating();  // another text or other heads: the generation was of the last one
}

void model_text_edited() { mv().typed_ms = host::now_ms(); }

namespace {
// the pass done: it goes on screen with its labels and logit lens
void show_pass(ModelView& M) {
  const std::vector<int>& ids = M.job_ids;
  const int T = int(ids.size());
  M.ids = ids;
  M.token_labels.clear();
  for (int id : ids) M.token_labels.push_back(M.has_tokenizer ? shown(M.tok.token_bytes(id)) : std::to_string(id));
  M.given = false;
  model_label_heads();
  M.lens = models::logit_lens(M.m, M.pass, T - 1);
  M.gen.tokens.clear();
  M.gen_rows.clear();
  M.error.clear();
  M.ran = true;
  M.version++;
  M.run_ms = host::now_ms() - M.job_t0;
}

// one step of the first job: its start, one layer, or its logits; false (error shown) when it failed
bool job_step(ModelView& M) {
  ModelView::Job& j = M.jobs.front();
  const int L = M.m.cfg.spec.layers, V = M.m.cfg.spec.vocab;
  std::string err;
  bool ok = true;
  if (j.next < 0) ok = models::run_model_start(M.m, M.job_ids, j.opt, &j.pass, &err);
  else if (j.next < L) ok = models::run_model_layer(M.m, j.next, &j.pass, &err);
  else ok = models::run_model_finish(M.m, &j.pass, &err);
  if (!ok) {
    M.jobs.clear();
    M.error = err;
    M.ran = false;
    return false;
  }
  if (j.next++ < L) return true;
  if (j.opt.knock_out.empty()) {  // the full model's prediction, for the comparison
    M.full_logits.assign(j.pass.logits.end() - V, j.pass.logits.end());
    M.full_ids = M.job_ids;
  }
  if (M.jobs.size() == 1) {
    M.pass = std::move(j.pass);
    M.jobs.clear();
    show_pass(M);
  } else {
    M.jobs.erase(M.jobs.begin());
  }
  return true;
}
}  // namespace

int ModelView::layers() const { return given ? given_layers : loaded ? m.cfg.spec.layers : 0; }
int ModelView::heads() const { return given ? given_heads : loaded ? m.cfg.spec.attn.heads : 0; }
int ModelView::tokens() const { return given ? int(token_labels.size()) : int(ids.size()); }
const float* ModelView::weights(int layer, int head) const {
  const size_t T = size_t(tokens());
  if (given) return given_p.data() + (size_t(layer) * size_t(given_heads) + size_t(head)) * T * T;
  return pass.cache.layers[size_t(layer)].p.data() + size_t(head) * T * T;
}

void model_label_heads() {
  ModelView& M = mv();
  const int L = M.layers(), H = M.heads(), T = M.tokens();
  // given weights come with token texts, not ids: the same text is the same token (induction needs it)
  std::vector<int> ids = M.ids;
  if (M.given) {
    std::map<std::string, int> seen;
    ids.clear();
    for (const std::string& t : M.token_labels) ids.push_back(seen.emplace(t, int(seen.size())).first->second);
  }
  // causal when no weight lies above the diagonal
  bool causal = M.given ? true : M.m.cfg.spec.attn.causal;
  for (int l = 0; M.given && causal && l < L; l++)
    for (int h = 0; causal && h < H; h++) {
      const float* A = M.weights(l, h);
      for (int i = 0; causal && i < T; i++)
        for (int j = i + 1; j < T; j++)
          if (A[size_t(i) * T + j] > 1e-6f) { causal = false; break; }
    }
  M.labels.assign(size_t(L) * H, {});
  for (int l = 0; l < L; l++)
    for (int h = 0; h < H; h++) M.labels[size_t(l) * H + h] = train::classify_head(M.weights(l, h), T, ids.data(), causal);
  M.line_heads.assign(size_t(H), 0);
}

void model_generate() {
  ModelView& M = mv();
  if (!M.loaded || !M.ran || M.given) return;
  M.gen_error.clear();
  M.gen_rows.clear();
  models::generation_start(M.pass, true, &M.gen);  // the pass on screen holds the text's keys and values
  M.generating = true;
}

void model_stop_generating() {
  ModelView& M = mv();
  M.generating = false;
}

void model_continue() {
  ModelView& M = mv();
  // a pass: layers until a slice of the frame is used (one at least), so the page keeps answering
  if (M.running()) {
    run_slice(kModelSliceMs, [&] { return job_step(M) && M.running(); });
  } else if (M.typed_ms >= 0 && host::now_ms() - M.typed_ms > 400) {
    model_run();
  }
  if (!M.generating) return;
  if (int(M.gen.tokens.size()) >= M.gen_count) { M.generating = false; return; }
  models::SampleOptions so = M.sample;
  if (M.greedy) so.temperature = 0;
  if (!models::generation_step(M.m, so, &M.gen, &M.gen_error)) { M.generating = false; return; }
  // the new token's attention rows: every layer's (H, 1, positions)
  const nn::Spec& s = M.m.cfg.spec;
  std::vector<float> rows;
  for (int l = 0; l < s.layers; l++) {
    const std::vector<float>& p = M.gen.cache.layers[size_t(l)].p;
    rows.insert(rows.end(), p.begin(), p.begin() + std::min(p.size(), size_t(s.attn.heads) * size_t(M.gen.T)));
  }
  M.gen_rows.push_back(std::move(rows));
}

void model_toggle_knock(int layer, int head) {
  ModelView& M = mv();
  if (!M.loaded) return;
  const int H = M.m.cfg.spec.attn.heads;
  if (layer < 0 || layer >= M.m.cfg.spec.layers || head < 0 || head >= H) return;
  uint8_t& k = M.knocked[size_t(layer) * H + head];
  k = !k;
  model_run();
}

bool model_open_in_stepper(int layer, int head) {
  ModelView& M = mv();
  if (!M.ran) return false;
  const nn::Spec& s = M.m.cfg.spec;
  if (layer < 0 || layer >= s.layers || head < 0 || head >= s.attn.heads) return false;
  const int T = int(M.ids.size()), dh = s.attn.d_head, H = s.attn.heads, Hkv = s.attn.kv_heads;
  const int g = head / (H / Hkv);
  const auto& Lc = M.pass.cache.layers[size_t(layer)];
  // this head's Q (after RoPE) and its KV head's K (after RoPE) and V: (T, dh) each
  auto take = [&](const std::vector<float>& rows, int width, int at) {
    Mat m(T, dh);
    for (int t = 0; t < T; t++)
      for (int i = 0; i < dh; i++) m(t, i) = rows[size_t(t) * width + size_t(at) * dh + i];
    return m;
  };
  Config c;
  c.input = Input::QKV;
  c.qkv_heads = 1;
  c.n_kv_heads = 1;
  c.n_heads = 1;
  c.Q_in = take(Lc.q, s.attn.q_width(), head);
  c.K_in = take(Lc.k, s.attn.kv_width(), g);
  c.V_in = take(Lc.v, s.attn.kv_width(), g);
  c.labels = M.token_labels;
  c.posenc = PosEnc::None;  // RoPE is already inside Q and K
  c.scale = ScaleMode::Custom;
  c.scale_value = s.attn.scale;
  c.temperature = 1;
  c.normalizer = Normalizer::Softmax;
  c.mask = s.attn.causal ? MaskKind::Causal : MaskKind::None;
  if (s.attn.window > 0) {  // Mistral's sliding window: causal, and at most `window` keys back
    c.mask = MaskKind::Custom;
    c.custom_rows = c.custom_cols = T;
    c.custom_mask.assign(size_t(T) * T, 0);
    for (int i = 0; i < T; i++)
      for (int j = std::max(0, i - s.attn.window + 1); j <= i; j++) c.custom_mask[size_t(i) * T + j] = 1;
  }
  App& a = app();
  a.stepper.preset.clear();
  edit_config(c);
  a.stepper.view.model = false;
  a.stepper.view.head = 0;
  a.stepper.view.heads_grid = false;
  a.stepper.view.stage = 5;  // normalization: the weights
  a.stepper.view.query = T - 1;
  set_status("layer " + std::to_string(layer) + ", head " + std::to_string(head) + " of " + name_of(M.m.cfg.family) +
             " in the stepper: Q (after RoPE), K and V are the model's own on your " + std::to_string(T) + " tokens");
  return true;
}

const std::vector<KnownModel>& known_models() {
  // the weights' sizes as the hub lists them; the memory: the file (its matrices are read in their
  // stored width) and a little more (norms widened, activations of 256 tokens)
  static const std::vector<KnownModel> k = {
      {"openai-community/gpt2", "GPT-2 small, 124 M parameters, F32", 548, 548 + 60},
      {"HuggingFaceTB/SmolLM2-135M", "SmolLM2, 135 M parameters (Llama architecture), BF16", 269, 269 + 60},
      {"HuggingFaceTB/SmolLM2-360M", "SmolLM2, 362 M parameters, BF16", 724, 724 + 80},
      {"Qwen/Qwen2.5-0.5B", "Qwen2.5, 494 M parameters, BF16", 988, 988 + 100},
      {"TinyLlama/TinyLlama-1.1B-Chat-v1.0", "TinyLlama, 1.1 B parameters, BF16", 2200, 2200 + 150},
      {"meta-llama/Llama-3.2-1B", "Llama 3.2, 1.2 B parameters, BF16 (gated: needs a Meta license)", 2470, 2470 + 150},
  };
  return k;
}

void model_ask_download(const std::string& name) {
  ModelView& M = mv();
  if (!valid_model_name(name)) {
    M.error = "'" + name.substr(0, 100) + "' is not a Hugging Face model name (owner/name)";
    return;
  }
  for (const KnownModel& k : known_models())
    if (name == k.name && k.memory_mb > kModelMemoryMb) {
      char b[240];
      std::snprintf(b, sizeof b, "%s is too large for this page: it needs about %.0f MB of memory (its %.0f MB of weights "
                    "and the activations); a tab holds at most %.0f MB",
                    k.name, k.memory_mb, k.mb, kModelMemoryMb);
      M.error = b;
      return;
    }
  M.error.clear();
  M.pending = name;  // the panel asks before anything is fetched
}

void model_download() {
  ModelView& M = mv();
  if (M.pending.empty() || M.downloading) return;
  M.files.clear();
  M.downloading = true;
  M.dl_file.clear();
  M.dl_done = M.dl_total = M.dl_all_done = 0;
  M.error.clear();
  host::fetch_model(M.pending);
}

void model_cancel_download() {
  ModelView& M = mv();
  if (!M.downloading) { M.pending.clear(); return; }
  host::cancel_fetch();
  M.downloading = false;
  M.pending.clear();
  M.files.clear();  // what came so far is dropped; an open model stays open
  set_status("download cancelled");
}

void model_download_progress(const std::string& file, double done, double total, double before) {
  ModelView& M = mv();
  M.dl_file = file;
  M.dl_done = done;
  M.dl_total = total;
  M.dl_all_done = before;
}

void model_download_done(bool ok, const std::string& message) {
  ModelView& M = mv();
  if (!M.downloading) return;  // cancelled meanwhile
  M.downloading = false;
  const std::string name = M.pending;
  M.pending.clear();
  if (!ok) {
    M.files.clear();
    M.error = message;
    set_status("cannot open " + name + ": " + message);
    return;
  }
  if (model_open()) M.name = name;
}

std::string model_json() {
  const ModelView& M = mv();
  std::string j = "{\"loaded\":" + std::string(M.loaded ? "true" : "false") + ",\"ran\":" + (M.ran ? "true" : "false");
  j += ",\"error\":" + json_quote(M.error) + ",\"name\":" + json_quote(M.name) + ",\"pending\":" + json_quote(M.pending) +
       ",\"downloading\":" + (M.downloading ? "true" : "false") + ",\"dl_file\":" + json_quote(M.dl_file) +
       ",\"dl_done\":" + shortest_text(M.dl_done) + ",\"dl_total\":" + shortest_text(M.dl_total) +
       ",\"layer\":" + std::to_string(M.layer) + ",\"head\":" + std::to_string(M.head);
  if (M.loaded) j += ",\"summary\":" + json_quote(M.m.summary());
  j += ",\"given\":" + std::string(M.given ? "true" : "false");
  if (M.given) {
    const int T = M.tokens();
    j += ",\"L\":" + std::to_string(M.layers()) + ",\"H\":" + std::to_string(M.heads()) + ",\"T\":" + std::to_string(T) +
         ",\"title\":" + json_quote(M.given_title) + ",\"tokens\":[";
    for (int i = 0; i < T; i++) j += (i ? "," : "") + json_quote(M.token_labels[size_t(i)]);
    j += "],\"layer_names\":[";
    for (int l = 0; l < M.layers(); l++) j += (l ? "," : "") + std::to_string(M.layer_name(l));
    j += "],\"head_names\":[";
    for (int h = 0; h < M.heads(); h++) j += (h ? "," : "") + std::to_string(M.head_name(h));
    j += "],\"selected\":[";  // the selected head's weights, row by row
    const float* A = M.weights(M.layer, M.head);
    for (int i = 0; i < T * T && T <= 64; i++) j += (i ? "," : "") + shortest_text(A[i]);
    j += "]";
  }
  j += ",\"ids\":[";
  for (size_t i = 0; i < M.ids.size(); i++) j += (i ? "," : "") + std::to_string(M.ids[i]);
  j += "],\"lens\":[";
  for (size_t i = 0; i < M.lens.size(); i++) j += (i ? "," : "") + std::to_string(M.lens[i]);
  j += "],\"running\":" + std::string(M.running() ? "true" : "false");
  j += ",\"generating\":" + std::string(M.generating ? "true" : "false") + ",\"generated\":[";
  for (size_t i = 0; i < M.gen.tokens.size(); i++) j += (i ? "," : "") + std::to_string(M.gen.tokens[i]);
  j += "],\"gen_error\":" + json_quote(M.gen_error);
  j += ",\"labels\":[";
  for (size_t i = 0; i < M.labels.size(); i++) j += (i ? "," : "") + json_quote(train::head_kind_name(M.labels[i].kind));
  j += "]";
  if (M.ran && !M.given) {
    const int V = M.m.cfg.spec.vocab;
    const auto top = models::next_token_distribution(M.pass.logits.data() + M.pass.logits.size() - size_t(V), V, {});
    j += ",\"top\":[";
    for (size_t i = 0; i < top.size() && i < 5; i++)
      j += (i ? ",[" : "[") + std::to_string(top[i].first) + "," + shortest_text(top[i].second) + "]";
    j += "]";
  }
  return j + "}";
}

}  // namespace attn
