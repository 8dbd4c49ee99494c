// attn_main.cpp: the `attn` command-line tool. Reads .npy inputs, runs the engine and
// dumps every intermediate as .npy, so people can check their own attention code.
// Bad input: exit 2 with one "error:" line; DIR is written only when everything succeeded.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include "cli/args.h"
#include "engine/backward.h"
#include "engine/engine.h"
#include "engine/rules.h"
#include "kernels/kernels.h"
#include "io/npy.h"
#include "lessons/presets.h"

namespace fs = std::filesystem;
using namespace attn;

namespace {

int fail(const std::string& msg) {
  std::fprintf(stderr, "error: %s\n", msg.c_str());
  return 2;
}

// Stacks one (n, m) matrix per head into an (H, n, m) array.
std::vector<float> stack(const Trace& t, Mat HeadTrace::*field, int* rows, int* cols) {
  std::vector<float> out;
  for (const HeadTrace& h : t.heads) {
    const Mat& m = h.*field;
    *rows = int(m.rows());
    *cols = int(m.cols());
    out.insert(out.end(), m.data(), m.data() + m.size());
  }
  return out;
}

// attn grad: the gradients, in float64 (computed in double), beside the forward's intermediates
bool dump_grads(const Grads& g, bool qkv, const fs::path& dir, std::string* err) {
  auto save = [&](const char* name, const MatD& m) {
    return npy_save_f64((dir / name).string(), m.data(), {m.rows(), m.cols()}, err);
  };
  if (!save("dq.npy", g.dQ) || !save("dk.npy", g.dK) || !save("dv.npy", g.dV)) return false;
  if (qkv) return true;
  if (!save("dx.npy", g.dX) || (g.dX_src.size() && !save("dx_src.npy", g.dX_src))) return false;
  return save("dwq.npy", g.dWq) && save("dwk.npy", g.dWk) && save("dwv.npy", g.dWv) && save("dwo.npy", g.dWo);
}

bool dump(const Trace& t, bool qkv, const fs::path& dir, std::string* err) {
  auto save2 = [&](const char* name, const Mat& m) {
    return npy_save((dir / name).string(), m.data(), {m.rows(), m.cols()}, err);
  };
  if (qkv) {
    const HeadTrace& h = t.heads[0];
    return save2("scores.npy", h.scores) && save2("scaled.npy", h.scaled) && save2("masked.npy", h.masked) &&
           save2("weights.npy", h.weights) && save2("output.npy", t.output);
  }
  if (!save2("q.npy", t.Q) || !save2("k.npy", t.K) || !save2("v.npy", t.V)) return false;
  const std::pair<const char*, Mat HeadTrace::*> per_head[] = {
      {"scores.npy", &HeadTrace::scores}, {"scaled.npy", &HeadTrace::scaled}, {"masked.npy", &HeadTrace::masked},
      {"weights.npy", &HeadTrace::weights}, {"heads.npy", &HeadTrace::out}};
  for (const auto& [name, field] : per_head) {
    int r = 0, c = 0;
    std::vector<float> data = stack(t, field, &r, &c);
    if (!npy_save((dir / name).string(), data.data(), {int64_t(t.heads.size()), r, c}, err)) return false;
  }
  return save2("concat.npy", t.concat) && save2("output.npy", t.output);
}

// Writes into a sibling temporary folder, then moves the files in: DIR is untouched on failure,
// and files already in DIR that we do not produce are left alone.
bool dump_atomically(const Trace& t, const Grads* g, bool qkv, const fs::path& dir, std::string* err) {
  std::error_code ec;
  const fs::path abs = fs::absolute(dir, ec);
  const fs::path tmp = abs.parent_path() / (abs.filename().string() + ".attn-tmp");
  fs::remove_all(tmp, ec);
  if (!fs::create_directories(tmp, ec)) { *err = tmp.string() + ": cannot create a temporary folder (" + ec.message() + ")"; return false; }
  if (!dump(t, qkv, tmp, err) || (g && !dump_grads(*g, qkv, tmp, err))) { fs::remove_all(tmp, ec); return false; }
  if (!fs::exists(abs)) {
    fs::rename(tmp, abs, ec);
    if (ec) { *err = dir.string() + ": cannot create (" + ec.message() + ")"; fs::remove_all(tmp, ec); return false; }
    return true;
  }
  for (const auto& e : fs::directory_iterator(tmp)) fs::rename(e.path(), abs / e.path().filename(), ec);
  fs::remove_all(tmp, ec);
  return true;
}

void summary(const Trace& t, bool qkv) {
  std::printf("tokens: n_q=%d n_k=%d  d_model=%d  heads=%d  d_head=%d\n", t.n_q, t.n_k, t.d_model, t.n_heads, t.d_head);
  if (qkv) std::printf("shapes: Q %dx%d  K %dx%d  V %ldx%ld\n", t.n_q, t.d_head, t.n_k, t.d_head, long(t.V.rows()), long(t.V.cols()));
  std::printf("scale: %.6g%s   temperature: %g   normalizer: %s   mask: %s\n", t.scale,
              t.cfg.scale == ScaleMode::Auto ? " (1/sqrt(d_k))" : "", t.cfg.temperature, name_of(t.cfg.normalizer), name_of(t.cfg.mask));
  for (size_t h = 0; h < t.heads.size(); h++) {
    std::printf("head %zu entropy per row (nats):", h + 1);
    const auto& st = t.heads[h].stats;
    for (size_t i = 0; i < st.size() && i < 16; i++) std::printf(" %.4f", st[i].entropy);
    if (st.size() > 16) std::printf(" ... (%zu rows)", st.size());
    std::printf("\n");
  }
  for (const std::string& n : t.notices) std::printf("note: %s\n", n.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  cli::Args args;
  std::string err;
  if (!cli::parse_args(a, &args, &err)) return fail(err);
  if (args.command == "help") { std::fputs(cli::kUsage, stdout); return 0; }
  if (args.command == "presets") {
    for (const Preset& p : presets()) std::printf("%-14s %s\n", p.name, p.lesson);
    return 0;
  }
  if (!args.dump.empty() && fs::exists(args.dump) && !fs::is_directory(args.dump))
    return fail(args.dump + ": exists and is not a folder");

  Config cfg;
  bool qkv = false;
  if (!args.preset.empty()) {
    if (!apply_preset(args.preset, &cfg)) return fail("unknown preset '" + args.preset + "' (see attn presets)");
    qkv = cfg.input == Input::QKV;
    if (qkv && args.posenc_given) return fail("--posenc does not apply to preset '" + args.preset + "' (it gives Q and K directly)");
  } else if (!args.q.empty()) {
    qkv = true;
    cfg.input = Input::QKV;
    cfg.n_heads = 1;
    if (!npy_load_mat(args.q, &cfg.Q_in, &err) || !npy_load_mat(args.k, &cfg.K_in, &err) || !npy_load_mat(args.v, &cfg.V_in, &err))
      return fail(err);
    if (cfg.Q_in.cols() != cfg.K_in.cols())
      return fail(args.k + ": K has " + std::to_string(cfg.K_in.cols()) + " columns but Q (" + args.q + ") has " + std::to_string(cfg.Q_in.cols()) + "; they must match (d_k)");
    if (cfg.V_in.rows() != cfg.K_in.rows())
      return fail(args.v + ": V has " + std::to_string(cfg.V_in.rows()) + " rows but K (" + args.k + ") has " + std::to_string(cfg.K_in.rows()) + "; they must match (one value per key)");
  } else {
    cfg.input = Input::Matrices;
    if (!npy_load_mat(args.x, &cfg.X, &err) || !npy_load_mat(args.wq, &cfg.Wq, &err) || !npy_load_mat(args.wk, &cfg.Wk, &err) ||
        !npy_load_mat(args.wv, &cfg.Wv, &err) || (!args.wo.empty() && !npy_load_mat(args.wo, &cfg.Wo, &err)))
      return fail(err);
    const long d = long(cfg.X.cols());
    for (auto [path, m] : {std::pair{args.wq, &cfg.Wq}, {args.wk, &cfg.Wk}, {args.wv, &cfg.Wv}, {args.wo, &cfg.Wo}})
      if (m->size() && (m->rows() != d || m->cols() != d))
        return fail(path + ": shape " + std::to_string(m->rows()) + "x" + std::to_string(m->cols()) + " does not match d_model=" +
                    std::to_string(d) + " from " + args.x + " (expected " + std::to_string(d) + "x" + std::to_string(d) + ")");
    if (cfg.Wo.size() == 0) cfg.Wo = Mat::Identity(d, d);  // no W_o: output equals concat
    cfg.d_model = int(d);
    cfg.n_heads = args.heads;
    if (d % args.heads) return fail("--heads " + std::to_string(args.heads) + " does not divide d_model=" + std::to_string(d) + " from " + args.x);
    if (std::string e = check_range(Field::DModel, double(d), Front::Cli); !e.empty()) return fail(args.x + ": " + e);
  }
  // options override the preset or the defaults
  if (args.mask_given) { cfg.mask = args.cfg.mask; cfg.window = args.cfg.window; }
  if (args.scale_given) { cfg.scale = args.cfg.scale; cfg.scale_value = args.cfg.scale_value; }
  if (args.temp_given) cfg.temperature = args.cfg.temperature;
  if (args.norm_given) { cfg.normalizer = args.cfg.normalizer; cfg.entmax_alpha = args.cfg.entmax_alpha; }
  if (args.posenc_given) cfg.posenc = args.cfg.posenc;
  if (!args.mask_file.empty()) {
    Mat m;
    if (!npy_load_mat(args.mask_file, &m, &err)) return fail(err);
    cfg.custom_rows = int(m.rows());
    cfg.custom_cols = int(m.cols());
    cfg.custom_mask.resize(size_t(m.size()));
    for (Eigen::Index i = 0; i < m.size(); i++) cfg.custom_mask[size_t(i)] = m.data()[i] != 0;
  }

  // the config's rules (engine/rules.h): the CLI computes exactly what was asked or nothing
  if (std::vector<std::string> notes = conform(&cfg, Front::Cli); !notes.empty()) return fail(notes[0]);

  Limits lim;
  lim.threads = kern::hardware_threads();  // the same numbers on any number of threads
  Trace t = forward(cfg, lim);
  if (!t.ok) return fail(t.error);
  if (!args.mask_file.empty() && (cfg.custom_rows != t.n_q || cfg.custom_cols != t.n_k))
    return fail(args.mask_file + ": mask shape " + std::to_string(cfg.custom_rows) + "x" + std::to_string(cfg.custom_cols) +
                " does not match the scores (" + std::to_string(t.n_q) + "x" + std::to_string(t.n_k) + ")");
  Grads g;
  if (args.command == "grad") {
    Mat dout;
    if (!npy_load_mat(args.dout, &dout, &err)) return fail(err);
    if (dout.rows() != t.output.rows() || dout.cols() != t.output.cols())
      return fail(args.dout + ": shape " + std::to_string(dout.rows()) + "x" + std::to_string(dout.cols()) +
                  " does not match the output (" + std::to_string(t.output.rows()) + "x" + std::to_string(t.output.cols()) +
                  "): --dout is the gradient at the output");
    g = backward(t, dout);
    if (!g.ok) return fail(g.error);
  }
  summary(t, qkv);
  if (!args.dump.empty()) {
    if (!dump_atomically(t, args.command == "grad" ? &g : nullptr, qkv, args.dump, &err)) return fail(err);
    std::printf("wrote %s\n", args.dump.c_str());
  }
  return 0;
}
