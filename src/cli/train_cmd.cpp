// train_cmd.cpp: the training commands. The run folder:
//   config.json        every setting, defaults included (attn eval and generate read it back)
//   log.csv            step, loss, held-out accuracy (at evaluations), gradient norm, ms per step, lr, batch accuracy
//   model.safetensors  the weights under the model's tensor names
//   snapshots.bin      the probe over time (src/io/snapshots.h)
//   step0/             with --dump-first-step: x.npy, y.npy, loss_mask.npy, weights.safetensors,
//                      grads.safetensors and loss.npy of step 0, before its update
#include "cli/train_cmd.h"
#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>
#include "io/files.h"
#include "io/hf_export.h"
#include "io/npy.h"
#include "io/snapshots.h"
#include "io/tensor_file.h"
#include "io/train_files.h"
#include "train/settings.h"
#include "train/trainer.h"

namespace fs = std::filesystem;

namespace attn::cli {

using namespace attn::train;

const char* const kTrainUsage =
    "  attn train --task copy|reverse|sort|induction|modadd|histogram [settings] --out DIR [--export-hf HF_DIR]\n"
    "             [--dump-first-step] [--dtype float32|float64]\n"
    "                                    # trains a small transformer; DIR gets config.json, log.csv,\n"
    "                                    # model.safetensors, snapshots.bin (see --help-train)\n"
    "  attn eval --model DIR [--task NAME]            # held-out accuracy of a trained model\n"
    "  attn generate --model DIR --prompt \"2 0 1 ...\" [--steps N] [--dump DIR]\n"
    "                                    # greedy continuation; --dump: each step's attention and KV cache\n";

namespace {

volatile std::sig_atomic_t g_interrupted = 0;
void on_sigint(int) { g_interrupted = 1; }

int fail(const std::string& msg) {
  std::fprintf(stderr, "error: %s\n", msg.c_str());
  return 2;
}

std::string key_of_flag(const std::string& f) {
  std::string k = f.substr(2);
  for (char& c : k)
    if (c == '-') c = '_';
  return k;
}

void print_settings_help() {
  std::printf("attn train settings (config.json keys use underscores):\n");
  for (const Setting& s : settings()) {
    std::string f = "--" + std::string(s.key);
    for (char& c : f)
      if (c == '_') c = '-';
    if (s.is_bool) f += " / --no-" + f.substr(2);
    std::printf("  %-28s %s\n", f.c_str(), s.values);
  }
  std::printf("tasks:\n");
  for (const std::string& n : task_names()) std::printf("  %s\n", describe_task(n).c_str());
}

bool make_dir(const std::string& dir, std::string* err) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) { *err = dir + ": exists and is not a folder"; return false; }
  fs::create_directories(dir, ec);
  if (ec) { *err = dir + ": cannot create the folder (" + ec.message() + ")"; return false; }
  return true;
}

std::string percent(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f%%", 100.0 * v);
  return b;
}

// step0/: the batch, the weights before the step and their gradients
template <class S>
bool dump_first_step(Trainer<S>& t, const std::string& dir, std::string* err) {
  if (!make_dir(dir, err)) return false;
  const double loss = t.loss_and_grads(0);
  const Batch& b = t.batch;
  std::vector<int64_t> x(b.x.begin(), b.x.end()), y(b.y.begin(), b.y.end());
  const std::vector<int64_t> shape = {b.B, b.T};
  std::vector<float> w(b.w.begin(), b.w.end());
  return write_file(dir + "/x.npy", npy_encode_i64(x.data(), shape), err) &&
         write_file(dir + "/y.npy", npy_encode_i64(y.data(), shape), err) &&
         write_file(dir + "/loss_mask.npy", npy_encode(w.data(), shape), err) &&
         write_file(dir + "/loss.npy", npy_encode_f64(&loss, {1}), err) &&
         write_file(dir + "/weights.safetensors", model_safetensors(t.cfg, t.lay, t.params), err) &&
         write_file(dir + "/grads.safetensors", model_safetensors(t.cfg, t.lay, t.grads), err);
}

// the trained model as a Hugging Face GPT-2 folder (config.json, model.safetensors, tokenizer.json)
template <class S>
bool export_hf(const Trainer<S>& t, const std::string& dir, std::string* err) {
  const std::vector<float> p(t.params.begin(), t.params.end());
  std::map<std::string, std::string> files;
  if (!hf_gpt2_files(t.cfg.model, t.lay, p, t.task.token_names, &files, err) || !make_dir(dir, err)) return false;
  for (const auto& [name, bytes] : files)
    if (!write_file(dir + "/" + name, bytes, err)) return false;
  return true;
}

template <class S>
int run_training(const TrainConfig& tc, const std::string& out, bool dump_first, const std::string& hf) {
  Trainer<S> t;
  std::string err;
  if (!t.init(tc, &err)) return fail(err);
  if (!hf.empty() && !hf_inexpressible(t.cfg.model).empty())  // said before training, not after
    return fail("--export-hf: " + hf_inexpressible(t.cfg.model) + " (set --posenc learned, LayerNorm, the MLP, softmax, "
                "the causal mask and one key/value head per head)");
  if (!make_dir(out, &err)) return fail(err);
  if (!write_file(out + "/config.json", config_json(t.cfg), &err)) return fail(err);
  if (dump_first && !dump_first_step(t, out + "/step0", &err)) return fail(err);

  std::ofstream log(out + "/log.csv");
  if (!log) return fail(out + "/log.csv: cannot write the file");
  log << "step,loss,heldout_acc,grad_norm,ms,lr,batch_acc\n";
  std::string snaps = snapshot_header(t.cfg, t.task, t.lay);
  // the held-out set costs many training steps' forward passes: by default it is evaluated every
  // 1/200 of the run (at least every snapshot interval), and at every step of the first 50
  const int every = snapshot_interval(t.cfg);
  const int eval_every = t.cfg.eval_every > 0 ? t.cfg.eval_every : std::max(every, t.cfg.opt.steps / 200);
  const int steps = t.cfg.opt.steps;
  std::signal(SIGINT, on_sigint);
  const auto t0 = std::chrono::steady_clock::now();
  auto last_print = t0;
  // a terminal gets a bar redrawn in place; a log gets a line per tenth of the run
  const bool tty = isatty(2);
  int64_t next_line = 0;
  double acc = -1, total_ms = 0;
  int code = 0;
  std::string stop_msg;
  StepStats st;
  while (t.step < steps) {
    if (g_interrupted) { code = 130; break; }
    st = t.train_step();
    if (!st.ok) { stop_msg = st.error; code = 1; break; }
    total_ms += st.ms;
    const int64_t s = st.step;
    const bool eval_now = s % eval_every == 0 || s < 50 || s + 1 == steps;
    float held = -1;
    if (eval_now) held = float(acc = t.evaluate().acc);
    char line[256];
    std::snprintf(line, sizeof line, "%lld,%.9g,%s,%.9g,%.4f,%.9g,%.6g\n", (long long)s, st.loss,
                  held >= 0 ? shortest_text(double(held)).c_str() : "", st.grad_norm, st.ms, st.lr,
                  st.scored ? double(st.correct) / st.scored : 0.0);
    log << line;
    if (snapshot_due(s, every) || s + 1 == steps) append_snapshot(t.cfg, t.snapshot(st, held), &snaps);
    const auto now = std::chrono::steady_clock::now();
    const bool draw = tty ? std::chrono::duration<double>(now - last_print).count() > 0.25 || s + 1 == steps
                          : s + 1 >= next_line;
    if (draw) {
      last_print = now;
      next_line = s + 1 + std::max(1, steps / 10);
      const double secs = std::chrono::duration<double>(now - t0).count();
      const int bar = int(30.0 * double(s + 1) / steps);
      std::fprintf(stderr, "%s[%.*s%*s] %lld/%d  %.0f steps/s  loss %.4f  held-out %s   %s", tty ? "\r" : "", bar,
                   "##############################", 30 - bar, "", (long long)(s + 1), steps, double(s + 1) / secs,
                   st.loss, acc >= 0 ? percent(acc).c_str() : "-", tty ? "" : "\n");
    }
  }
  std::signal(SIGINT, SIG_DFL);
  if (tty) std::fprintf(stderr, "\n");
  log.close();
  // what it has: the last good weights (a stopped step left them unchanged), the log, the snapshots
  bool ok = write_file(out + "/snapshots.bin", snaps, &err);
  ok = ok && write_file(out + "/model.safetensors", model_safetensors(t.cfg, t.lay, t.params), &err);
  if (!ok) return fail(err);
  if (!hf.empty()) {
    if (!export_hf(t, hf, &err)) return fail(err);
    std::printf("wrote %s (a Hugging Face GPT-2 folder: attn model --model %s)\n", hf.c_str(), hf.c_str());
  }
  if (code == 1) {
    std::fprintf(stderr, "error: %s\n", stop_msg.c_str());
    std::fprintf(stderr, "wrote %s (the weights before step %lld)\n", out.c_str(), (long long)t.step);
    return 1;
  }
  const EvalStats e = t.evaluate();
  std::printf("%s step %lld: loss %.4g, held-out accuracy %s (whole sequences %s), %.3f ms/step; wrote %s\n",
              code == 130 ? "interrupted at" : "trained to", (long long)t.step, st.loss, percent(e.acc).c_str(),
              percent(e.seq_acc).c_str(), t.step ? total_ms / double(t.step) : 0.0, out.c_str());
  return code;
}

// Loads DIR's config and weights into a float trainer (the task rebuilt from the config's seed).
int load_model(const std::string& dir, const std::string& task_override, Trainer<float>* t) {
  if (dir.empty()) return fail("--model DIR is required (a folder written by attn train)");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return fail(dir + ": not a folder (expected one written by attn train)");
  TrainConfig tc;
  std::string err;
  if (!load_config(dir + "/config.json", &tc, &err)) return fail(err);
  if (!task_override.empty()) tc.task.name = task_override;
  if (!t->init(tc, &err)) return fail(dir + "/config.json: " + err);
  if (!load_weights(dir + "/model.safetensors", t->lay, &t->params, &err)) return fail(err);
  return 0;
}

}  // namespace

int train_main(const std::vector<std::string>& a) {
  TrainConfig tc;
  tc.task.name = "";
  std::string out, dtype = "float32", err, hf;
  bool dump_first = false;
  for (size_t i = 1; i < a.size(); i++) {
    const std::string& f = a[i];
    if (f == "--help-train" || f == "--help" || f == "-h") { print_settings_help(); return 0; }
    if (f.rfind("--", 0) != 0) return fail("unexpected argument '" + f + "' (options start with --)");
    if (f == "--dump-first-step") { dump_first = true; continue; }
    std::string key = key_of_flag(f);
    bool is_bool = false;
    for (const Setting& s : settings())
      if (key == s.key || (key.rfind("no_", 0) == 0 && key.substr(3) == s.key && s.is_bool)) is_bool = s.is_bool;
    if (is_bool) {
      const bool neg = key.rfind("no_", 0) == 0;
      if (!set_setting(&tc, neg ? key.substr(3) : key, neg ? "false" : "true", &err)) return fail(err);
      continue;
    }
    if (i + 1 >= a.size()) return fail(f + " needs a value");
    const std::string& v = a[++i];
    if (f == "--out") { out = v; continue; }
    if (f == "--export-hf") { hf = v; continue; }
    if (f == "--dtype") {
      if (v != "float32" && v != "float64") return fail("--dtype '" + v + "': expected float32 or float64");
      dtype = v;
      continue;
    }
    if (!set_setting(&tc, key, v, &err)) return fail(err + (err.rfind("unknown", 0) == 0 ? " (see attn train --help)" : ""));
  }
  if (tc.task.name.empty()) return fail("--task is required (copy, reverse, sort, induction, modadd or histogram)");
  if (out.empty()) return fail("--out DIR is required (the run folder)");
  return dtype == "float64" ? run_training<double>(tc, out, dump_first, hf) : run_training<float>(tc, out, dump_first, hf);
}

int eval_main(const std::vector<std::string>& a) {
  std::string dir, task;
  for (size_t i = 1; i < a.size(); i++) {
    if (i + 1 >= a.size()) return fail(a[i] + " needs a value");
    if (a[i] == "--model") dir = a[++i];
    else if (a[i] == "--task") task = a[++i];
    else return fail("unknown option '" + a[i] + "' for eval (use --model DIR [--task NAME])");
  }
  Trainer<float> t;
  if (int rc = load_model(dir, task, &t)) return rc;
  const EvalStats e = t.evaluate();
  std::printf("%s: held-out accuracy %s over %d answer tokens (whole sequences %s), loss %.4g\n", t.cfg.task.name.c_str(),
              percent(e.acc).c_str(), e.scored, percent(e.seq_acc).c_str(), e.loss);
  return 0;
}

int generate_main(const std::vector<std::string>& a) {
  std::string dir, prompt, dump;
  long steps = -1;
  for (size_t i = 1; i < a.size(); i++) {
    if (i + 1 >= a.size()) return fail(a[i] + " needs a value");
    const std::string& v = a[i + 1];
    if (a[i] == "--model") dir = v;
    else if (a[i] == "--prompt") prompt = v;
    else if (a[i] == "--dump") dump = v;
    else if (a[i] == "--steps") {
      char* end = nullptr;
      steps = std::strtol(v.c_str(), &end, 10);
      if (*end || steps < 0 || steps > 100000) return fail("--steps '" + v + "': expected a number of tokens 0-100000");
    } else return fail("unknown option '" + a[i] + "' for generate (use --model DIR --prompt \"...\" [--steps N] [--dump DIR])");
    i++;
  }
  Trainer<float> t;
  if (int rc = load_model(dir, "", &t)) return rc;
  const ModelConfig& c = t.cfg.model;
  if (!c.causal) return fail(t.cfg.task.name + " is bidirectional: every position sees the whole input, so it cannot generate");
  std::vector<int> toks;
  std::string err;
  if (prompt.empty()) return fail("--prompt is required, e.g. --prompt \"" + t.task.token_names[0] + " " + t.task.token_names[1] + "\"");
  if (!parse_tokens(t.task, prompt, &toks, &err)) return fail("--prompt: " + err);
  // the text's length: a learned table has T positions (the T+1-th token is predicted, not fed);
  // the other schemes extend, up to 4 T here
  const size_t max_len = size_t(c.pos == PosEnc::Learned ? c.seq + 1 : 4 * c.seq);
  if (toks.size() > size_t(c.seq) && c.pos == PosEnc::Learned)
    return fail("--prompt has " + std::to_string(toks.size()) + " tokens; this model has " + std::to_string(c.seq) + " positions");
  const size_t total = steps < 0 ? max_len : std::min(max_len, toks.size() + size_t(steps));
  if (!dump.empty() && !make_dir(dump, &err)) return fail(err);
  Decoder dec;
  const int dkv = c.kvh() * c.d_head();
  std::string text = prompt;
  for (size_t i = 0; i < toks.size() && i < max_len - (c.pos == PosEnc::Learned ? 1 : 0); i++) {
    const std::vector<float> z = decode_step(c, t.lay, t.params, toks[i], &dec);
    if (!dump.empty()) {
      const std::string d = dump + "/step" + std::to_string(i);
      if (!make_dir(d, &err)) return fail(err);
      const int64_t n = int64_t(i) + 1;
      for (int l = 0; l < c.layers; l++) {
        const std::string s = std::to_string(l);
        if (!write_file(d + "/attn_l" + s + ".npy", npy_encode(dec.attn(l).data(), {c.heads, n}), &err) ||
            !write_file(d + "/k_l" + s + ".npy", npy_encode(dec.k(l).data(), {n, dkv}), &err) ||
            !write_file(d + "/v_l" + s + ".npy", npy_encode(dec.v(l).data(), {n, dkv}), &err))
          return fail(err);
      }
      if (!write_file(d + "/logits.npy", npy_encode(z.data(), {c.vocab}), &err)) return fail(err);
    }
    if (i + 1 == toks.size() && toks.size() < total) {  // greedy: the most likely next token
      int next = 0;
      for (int v = 1; v < c.vocab; v++)
        if (z[size_t(v)] > z[size_t(next)]) next = v;
      toks.push_back(next);
      text += " " + t.task.token_names[size_t(next)];
    }
  }
  std::printf("%s\n", text.c_str());
  return 0;
}

}  // namespace attn::cli
