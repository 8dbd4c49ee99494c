// attn_main.cpp: the `attn` command-line tool. Reads .npy inputs, runs the engine and
// dumps every intermediate as .npy, so people can check their own attention code.
// Bad input: exit 2 with one "error:" line; DIR is written only when everything succeeded.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include "cli/args.h"
#include "cli/fused.h"
#include "cli/model_cmd.h"
#include "cli/write_dir.h"
#include "cli/tensors.h"
#include "cli/train_cmd.h"
#include "engine/backward.h"
#include "engine/check.h"
#include "engine/engine.h"
#include "engine/rules.h"
#include "engine/stages/stages.h"
#include "kernels/kernels.h"
#include "core/format.h"
#include "io/json.h"
#include "io/npy.h"
#include "io/tensor_file.h"
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
  if (!g.dsink.empty() && !npy_save_f64((dir / "dsink.npy").string(), g.dsink.data(), {int64_t(g.dsink.size())}, err)) return false;
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

// Q, K, V given as (H, n, d) or (B, H, n, d) (or 2-D with several heads): every result in the
// inputs' rank and layout, the n x n intermediates as (B, H, n_q, n_k) (or (H, n_q, n_k))
struct Multi {
  const std::vector<Trace>* traces;
  const std::vector<Grads>* grads;
  const cli::Heads *q, *k;
};
bool dump_multi(const Multi& m, const fs::path& dir, std::string* err) {
  const std::vector<Trace>& ts = *m.traces;
  const int B = int(ts.size()), H = ts[0].n_heads;
  auto save_like = [&](const char* name, const std::vector<Mat>& per_batch, int heads, const cli::Heads& like) {
    std::vector<int64_t> shape;
    const std::vector<float> data = cli::join_heads(per_batch, heads, like, &shape);
    return npy_save((dir / name).string(), data.data(), shape, err);
  };
  std::vector<Mat> out;
  for (const Trace& t : ts) out.push_back(t.output);
  if (!save_like("output.npy", out, H, *m.q)) return false;
  const std::pair<const char*, Mat HeadTrace::*> nn[] = {{"scores.npy", &HeadTrace::scores}, {"scaled.npy", &HeadTrace::scaled},
                                                         {"masked.npy", &HeadTrace::masked}, {"weights.npy", &HeadTrace::weights}};
  for (const auto& [name, field] : nn) {
    std::vector<float> data;
    for (const Trace& t : ts)
      for (const HeadTrace& h : t.heads) data.insert(data.end(), (h.*field).data(), (h.*field).data() + (h.*field).size());
    std::vector<int64_t> shape = {H, ts[0].n_q, ts[0].n_k};
    if (m.q->rank == 4) shape.insert(shape.begin(), B);
    if (!npy_save((dir / name).string(), data.data(), shape, err)) return false;
  }
  if (m.grads->empty()) return true;
  auto save_grad = [&](const char* name, MatD Grads::*field, int heads, const cli::Heads& like) {
    std::vector<MatD> per_batch;
    for (const Grads& g : *m.grads) per_batch.push_back(g.*field);
    std::vector<int64_t> shape;
    const std::vector<double> data = cli::join_heads(per_batch, heads, like, &shape);
    return npy_save_f64((dir / name).string(), data.data(), shape, err);
  };
  if (!(*m.grads)[0].dsink.empty()) {  // one per head, summed over the batch (the sink is a parameter)
    std::vector<double> ds((*m.grads)[0].dsink.size(), 0.0);
    for (const Grads& g : *m.grads)
      for (size_t h = 0; h < ds.size(); h++) ds[h] += g.dsink[h];
    if (!npy_save_f64((dir / "dsink.npy").string(), ds.data(), {int64_t(ds.size())}, err)) return false;
  }
  return save_grad("dq.npy", &Grads::dQ, H, *m.q) && save_grad("dk.npy", &Grads::dK, ts[0].n_kv_heads, *m.k) &&
         save_grad("dv.npy", &Grads::dV, ts[0].n_kv_heads, *m.k);
}

bool dump_atomically(const Trace& t, const Grads* g, bool qkv, const Multi* multi, const fs::path& dir, std::string* err) {
  return cli::write_atomically(dir, [&](const fs::path& tmp) {
    return multi ? dump_multi(*multi, tmp, err) : dump(t, qkv, tmp, err) && (!g || dump_grads(*g, qkv, tmp, err));
  }, err);
}

// attn run / grad past the staged limit: plain softmax attention on the fused kernels (cli/fused.h).
// Writes output.npy and lse.npy (and dq, dk, dv.npy: float32) in the inputs' rank and layout.
int run_long(const cli::Args& args, const Config& cfg, const cli::Heads& hq, const cli::Heads& hk, const cli::Heads& hv, const Limits& lim) {
  const int n = std::max(hq.n, hk.n);
  if (std::string why = cli::fused_unsupported(cfg); !why.empty())
    return fail("n = " + std::to_string(n) + " is above the staged limit of " + std::to_string(lim.max_n) +
                " tokens (it keeps n x n matrices per head); past it only plain softmax attention runs, on the fused path, "
                "and " + why + " is not part of it");
  std::string err;
  std::vector<Mat> douts;
  if (args.command == "grad" &&
      !cli::load_like(args.dout, hq, hq.H, hv.d, false, ": --dout is the gradient at the output, in its shape", &douts, &err))
    return fail(err);
  const cli::FusedResult r = cli::run_fused(cfg, hq, hk, hv, args.command == "grad" ? &douts : nullptr);
  if (!r.ok) return fail(r.error);
  std::printf("fused path (n above the staged limit of %d): batch %d, %d query head(s), %d key/value head(s), n_q %d, n_k %d, "
              "d_k %d, d_v %d, mask %s, scale %.6g\n", lim.max_n, hq.B, hq.H, hk.H, hq.n, hk.n, hq.d, hv.d, name_of(cfg.mask),
              double(scale_factor(cfg, hq.d)));
  if (args.dump.empty()) return 0;
  auto save = [&](const fs::path& dir, const char* name, const std::vector<Mat>& m, int heads, const cli::Heads& like) {
    std::vector<int64_t> shape;
    const std::vector<float> data = cli::join_heads(m, heads, like, &shape);
    return npy_save((dir / name).string(), data.data(), shape, &err);
  };
  const bool ok = cli::write_atomically(args.dump, [&](const fs::path& tmp) {
    return save(tmp, "output.npy", r.out, hq.H, hq) && save(tmp, "lse.npy", r.lse, hq.H, hq) &&
           (r.dq.empty() || (save(tmp, "dq.npy", r.dq, hq.H, hq) && save(tmp, "dk.npy", r.dk, hk.H, hk) &&
                             save(tmp, "dv.npy", r.dv, hk.H, hk)));
  }, &err);
  if (!ok) return fail(err);
  std::printf("wrote %s\n", args.dump.c_str());
  return 0;
}

// the verdict as JSON: pass, the tolerance line, each tensor's errors and worst place (b, h, i, j),
// the likely causes (id, sentence, error) and the notes
bool write_verdict_json(const std::string& path, const CheckResult& r, std::string* err) {
  auto num = [](double x) { return std::isfinite(x) ? shortest_text(x) : std::string("null"); };
  std::string j = "{\"pass\":" + std::string(r.pass ? "true" : "false") + ",\"tolerance\":" + json_quote(r.tolerance) + ",\"tensors\":[";
  for (size_t i = 0; i < r.tensors.size(); i++) {
    const TensorVerdict& v = r.tensors[i];
    j += std::string(i ? "," : "") + "{\"name\":" + json_quote(v.name) + ",\"max_abs\":" + num(v.max_abs) + ",\"max_rel\":" +
         num(v.max_rel) + ",\"tol\":" + num(v.tol) + ",\"worst\":[" + std::to_string(v.b) + "," + std::to_string(v.h) + "," +
         std::to_string(v.i) + "," + std::to_string(v.j) + "],\"nan\":" + std::to_string(v.nan) + ",\"inf\":" +
         std::to_string(v.inf) + ",\"pass\":" + (v.pass ? "true" : "false") + "}";
  }
  j += "],\"causes\":[";
  for (size_t i = 0; i < r.causes.size(); i++)
    j += std::string(i ? "," : "") + "{\"id\":" + json_quote(r.causes[i].id) + ",\"sentence\":" + json_quote(r.causes[i].sentence) +
         ",\"err\":" + num(r.causes[i].err) + "}";
  j += "],\"notes\":[";
  for (size_t i = 0; i < r.notes.size(); i++) j += std::string(i ? "," : "") + json_quote(r.notes[i]);
  j += "]}\n";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(j.data(), 1, j.size(), f) != j.size()) {
    if (f) std::fclose(f);
    *err = "cannot write " + path;
    return false;
  }
  return std::fclose(f) == 0 || (*err = "cannot write " + path, false);
}

// attn check: loads MINE (and the gradients) in the layout of Q, K, V, runs the checker, prints its
// verdict. Exit 0 when everything passes, 1 on a mismatch, 2 on bad input.
int run_check(const cli::Args& args, const Config& cfg, const cli::Heads& hq, const cli::Heads& hk, const cli::Heads& hv) {
  std::string err;
  CheckInput in;
  in.Q = hq.batch64;
  in.K = hk.batch64;
  in.V = hv.batch64;
  in.heads = hq.H;
  in.kv_heads = hk.H;
  in.cfg = cfg;
  in.precision = args.dtype == "fp16" ? Precision::F16 : args.dtype == "bf16" ? Precision::BF16 : args.dtype == "fp64" ? Precision::F64 : Precision::F32;
  in.atol = args.atol;
  in.rtol = args.rtol;
  // a tensor shaped like Q's or K's, with `heads` heads of width d, in the inputs' layout
  auto load_like = [&](const std::string& spec, const cli::Heads& like, int heads, int d, bool nonfinite, std::vector<MatD>* out) {
    return cli::load_like(spec, like, heads, d, nonfinite, " (the layout of " + (&like == &hq ? args.q : args.k) + ")", out, &err);
  };
  const int dv = hv.d;
  if (!load_like(args.out, hq, hq.H, dv, true, &in.out)) return fail(err);
  if (!args.dout.empty() && !load_like(args.dout, hq, hq.H, dv, false, &in.dout)) return fail(err);
  if (!args.dq.empty() && !load_like(args.dq, hq, hq.H, hq.d, true, &in.dq)) return fail(err);
  if (!args.dk.empty() && !load_like(args.dk, hk, hk.H, hk.d, true, &in.dk)) return fail(err);
  if (!args.dv.empty() && !load_like(args.dv, hk, hk.H, dv, true, &in.dv)) return fail(err);
  const CheckResult r = check_attention(in);
  if (!r.ok) return fail(r.error);
  std::printf("checking %s: batch %d, %d query head(s), %d key/value head(s), n_q %d, n_k %d, d_k %d, d_v %d\n", args.dtype.c_str(),
              hq.B, hq.H, hk.H, hq.n, hk.n, hq.d, dv);
  std::printf("%s\n", r.tolerance.c_str());
  for (const TensorVerdict& v : r.tensors) {
    std::printf("%-7s max abs error %-10.3g max rel error %-10.3g worst at (b %d, h %d, i %d, j %d)  tolerance %-9.3g %s\n",
                v.name.c_str(), v.max_abs, v.max_rel, v.b, v.h, v.i, v.j, v.tol, v.pass ? "PASS" : "FAIL");
    if (v.nan + v.inf)
      std::printf("        %d NaN and %d Inf in yours, the first at %s (b, h, i, j)\n", v.nan, v.inf, v.first_nonfinite.c_str());
  }
  for (const Cause& c : r.causes)
    std::printf("likely cause: %s: %s (max error %.3g)\n", c.id.c_str(), c.sentence.c_str(), c.err);
  for (const std::string& n : r.notes) std::printf("%s\n", n.c_str());
  std::printf("%s\n", r.pass ? "PASS" : "FAIL");
  if (!args.json.empty() && !write_verdict_json(args.json, r, &err)) return fail(err);
  return r.pass ? 0 : 1;
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
  if (!a.empty() && a[0] == "train") return cli::train_main(a);
  if (!a.empty() && a[0] == "eval") return cli::eval_main(a);
  if (!a.empty() && a[0] == "generate") return cli::generate_main(a);
  if (!a.empty() && a[0] == "model") return cli::model_main(a);
  if (!a.empty() && a[0] == "tokenize") return cli::tokenize_main(a);
  if (!a.empty() && a[0] == "check-model") return cli::check_model_main(a);
  cli::Args args;
  std::string err;
  if (!cli::parse_args(a, &args, &err)) return fail(err);
  if (args.command == "help") {
    std::fputs(cli::kUsage, stdout);
    std::fputs("training:\n", stdout);
    std::fputs(cli::kTrainUsage, stdout);
    std::fputs("real models:\n", stdout);
    std::fputs(cli::kModelUsage, stdout);
    return 0;
  }
  if (args.command == "presets") {
    for (const Preset& p : presets()) std::printf("%-14s %s\n", p.name, p.lesson);
    return 0;
  }
  if (!args.dump.empty() && fs::exists(args.dump) && !fs::is_directory(args.dump))
    return fail(args.dump + ": exists and is not a folder");

  Config cfg;
  bool qkv = false;
  cli::Heads hq, hk, hv;  // Q, K, V given directly: per batch element, heads side by side
  if (!args.preset.empty()) {
    if (!apply_preset(args.preset, &cfg)) return fail("unknown preset '" + args.preset + "' (see attn presets)");
    qkv = cfg.input == Input::QKV;
    if (qkv && args.posenc_given) return fail("--posenc does not apply to preset '" + args.preset + "' (it gives Q and K directly)");
  } else if (!args.q.empty()) {
    qkv = true;
    cfg.input = Input::QKV;
    cfg.n_heads = 1;
    const cli::Layout layout = args.layout == "bnhd" ? cli::Layout::BNHD : cli::Layout::BHND;
    TensorData tq, tk, tv;
    if (!load_tensor(args.q, &tq, &err) || !load_tensor(args.k, &tk, &err) || !load_tensor(args.v, &tv, &err)) return fail(err);
    const int kv2d = args.kv_given ? args.cfg.n_kv_heads : args.heads;  // a 2-D K, V: heads side by side
    if (!cli::split_heads(tq, layout, args.heads, args.q, &hq, &err) || !cli::split_heads(tk, layout, kv2d, args.k, &hk, &err) ||
        !cli::split_heads(tv, layout, kv2d, args.v, &hv, &err))
      return fail(err);
    if (hq.rank == 2 && hk.rank == 2 && hq.H == 1 && hk.H == 1 && hq.d != hk.d)
      return fail(args.k + ": K has " + std::to_string(hk.d) + " columns but Q (" + args.q + ") has " + std::to_string(hq.d) + "; they must match (d_k)");
    if (hk.rank == 2 && hv.rank == 2 && hk.n != hv.n)
      return fail(args.v + ": V has " + std::to_string(hv.n) + " rows but K (" + args.k + ") has " + std::to_string(hk.n) + "; they must match (one value per key)");
    if (hq.rank != hk.rank || hk.rank != hv.rank) {
      const cli::Heads& odd = hq.rank != hk.rank && hk.rank == hv.rank ? hq : hk.rank != hq.rank ? hk : hv;
      const std::string& odd_name = &odd == &hq ? args.q : &odd == &hk ? args.k : args.v;
      const cli::Heads& other = &odd == &hq ? hk : hq;
      return fail(odd_name + " is " + std::to_string(odd.rank) + "-D but the others are " + std::to_string(other.rank) +
                  "-D: Q, K and V must have the same rank (Q " + shape_text(tq.shape) + ", K " + shape_text(tk.shape) + ", V " +
                  shape_text(tv.shape) + ")");
    }
    if (hq.B != hk.B || hk.B != hv.B)
      return fail(args.k + ": Q, K and V must have the same batch size (" + std::to_string(hq.B) + ", " + std::to_string(hk.B) + ", " +
                  std::to_string(hv.B) + ")");
    if (hk.H != hv.H || hk.n != hv.n)
      return fail(args.v + ": V " + shape_text(tv.shape) + " must have K's heads and keys (K " + shape_text(tk.shape) + ")");
    if (hq.d != hk.d)
      return fail(args.k + ": K's head width " + std::to_string(hk.d) + " differs from Q's " + std::to_string(hq.d) + " (d_k)");
    if (hq.H % hk.H)
      return fail(args.k + ": " + std::to_string(hk.H) + " key/value heads do not divide Q's " + std::to_string(hq.H) +
                  " heads (grouped-query attention needs H_q a multiple of H_kv)");
    if (args.kv_given && args.cfg.n_kv_heads != hk.H)
      return fail("--kv-heads " + std::to_string(args.cfg.n_kv_heads) + " but " + args.k + " holds " + std::to_string(hk.H) + " head(s)");
    cfg.qkv_heads = hq.H;
    cfg.n_kv_heads = hk.H == hq.H ? 0 : hk.H;
    cfg.Q_in = hq.batch[0];
    cfg.K_in = hk.batch[0];
    cfg.V_in = hv.batch[0];
  } else {
    cfg.input = Input::Matrices;
    if (!npy_load_mat(args.x, &cfg.X, &err) || !npy_load_mat(args.wq, &cfg.Wq, &err) || !npy_load_mat(args.wk, &cfg.Wk, &err) ||
        !npy_load_mat(args.wv, &cfg.Wv, &err) || (!args.wo.empty() && !npy_load_mat(args.wo, &cfg.Wo, &err)))
      return fail(err);
    const long d = long(cfg.X.cols());
    if (d % args.heads) return fail("--heads " + std::to_string(args.heads) + " does not divide d_model=" + std::to_string(d) + " from " + args.x);
    // grouped-query attention: W_k and W_v are (d_model, H_kv d_head), as PyTorch and checkpoints store them
    const int kv_heads = args.kv_given ? args.cfg.n_kv_heads : args.heads;
    if (args.heads % kv_heads)
      return fail("--kv-heads " + std::to_string(kv_heads) + " does not divide --heads " + std::to_string(args.heads) +
                  " (grouped-query attention needs H a multiple of H_kv)");
    const long d_head = d / args.heads, kv_cols = kv_heads * d_head;
    for (auto [path, m] : {std::pair{args.wq, &cfg.Wq}, {args.wk, &cfg.Wk}, {args.wv, &cfg.Wv}, {args.wo, &cfg.Wo}}) {
      const long cols = m == &cfg.Wk || m == &cfg.Wv ? kv_cols : d;
      if (m->size() && (m->rows() != d || m->cols() != cols))
        return fail(path + ": shape " + std::to_string(m->rows()) + "x" + std::to_string(m->cols()) + " does not match d_model=" +
                    std::to_string(d) + " from " + args.x + " (expected " + std::to_string(d) + "x" + std::to_string(cols) +
                    (cols != d ? ": d_model x H_kv d_head = " + std::to_string(kv_heads) + " x " + std::to_string(d_head) + ")"
                               : kv_heads != args.heads && m != &cfg.Wo ? ": d_model x H d_head)" : ")"));
    }
    if (cfg.Wo.size() == 0) cfg.Wo = Mat::Identity(d, d);  // no W_o: output equals concat
    cfg.d_model = int(d);
    cfg.n_heads = args.heads;
    if (std::string e = check_range(Field::DModel, double(d), Front::Cli); !e.empty()) return fail(args.x + ": " + e);
  }
  // options override the preset or the defaults
  if (args.mask_given) { cfg.mask = args.cfg.mask; cfg.window = args.cfg.window; }
  if (args.scale_given) { cfg.scale = args.cfg.scale; cfg.scale_value = args.cfg.scale_value; }
  if (args.temp_given) cfg.temperature = args.cfg.temperature;
  if (args.norm_given) { cfg.normalizer = args.cfg.normalizer; cfg.entmax_alpha = args.cfg.entmax_alpha; }
  if (args.posenc_given) cfg.posenc = args.cfg.posenc;
  if (args.kv_given && !qkv) cfg.n_kv_heads = args.cfg.n_kv_heads;
  if (args.alibi) cfg.alibi = true;
  if (args.softcap_given) cfg.softcap = args.cfg.softcap;
  if (args.sink_tokens_given) cfg.sink_tokens = args.cfg.sink_tokens;
  if (args.sink_given) {
    const int heads = query_heads(cfg);
    if (!args.sink_file.empty()) {
      TensorData s;
      if (!load_tensor(args.sink_file, &s, &err)) return fail(err);
      if (int(s.data.size()) != heads)
        return fail(args.sink_file + ": " + std::to_string(s.data.size()) + " sink logit(s), but there are " + std::to_string(heads) +
                    " query heads: give one per head");
      cfg.sinks.assign(s.data.begin(), s.data.end());
    } else {
      cfg.sinks.assign(size_t(heads), args.cfg.sinks[0]);
    }
  }
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

  if (args.command == "check") return run_check(args, cfg, hq, hk, hv);

  Limits lim;
  lim.threads = kern::hardware_threads();  // the same numbers on any number of threads
  if (qkv && !hq.batch.empty() &&
      (std::max(hq.n, hk.n) > lim.max_n || trace_bytes(hq.n, hk.n, hq.H, cfg.linear) > lim.max_trace_bytes))
    return run_long(args, cfg, hq, hk, hv, lim);
  std::vector<Trace> traces;  // one per batch element
  for (int b = 0; b < (qkv && !hq.batch.empty() ? hq.B : 1); b++) {
    if (qkv && !hq.batch.empty()) {
      cfg.Q_in = hq.batch[size_t(b)];
      cfg.K_in = hk.batch[size_t(b)];
      cfg.V_in = hv.batch[size_t(b)];
    }
    traces.push_back(forward(cfg, lim));
    if (!traces.back().ok) return fail((hq.B > 1 ? "batch " + std::to_string(b + 1) + ": " : std::string()) + traces.back().error);
  }
  const Trace& t = traces[0];
  const bool multi = qkv && !hq.batch.empty() && (hq.rank > 2 || hq.H > 1);  // written in the inputs' rank and layout
  if (!args.mask_file.empty() && (cfg.custom_rows != t.n_q || cfg.custom_cols != t.n_k))
    return fail(args.mask_file + ": mask shape " + std::to_string(cfg.custom_rows) + "x" + std::to_string(cfg.custom_cols) +
                " does not match the scores (" + std::to_string(t.n_q) + "x" + std::to_string(t.n_k) + ")");
  std::vector<Grads> grads;
  if (args.command == "grad") {
    std::vector<Mat> douts;
    if (multi) {
      if (!cli::load_like(args.dout, hq, hq.H, t.d_v, false, ": --dout is the gradient at the output, in its shape", &douts, &err))
        return fail(err);
    } else {
      Mat dout;
      if (!npy_load_mat(args.dout, &dout, &err)) return fail(err);
      if (dout.rows() != t.output.rows() || dout.cols() != t.output.cols())
        return fail(args.dout + ": shape " + std::to_string(dout.rows()) + "x" + std::to_string(dout.cols()) +
                    " does not match the output (" + std::to_string(t.output.rows()) + "x" + std::to_string(t.output.cols()) +
                    "): --dout is the gradient at the output");
      douts.push_back(dout);
    }
    for (size_t b = 0; b < traces.size(); b++) {
      grads.push_back(backward(traces[b], douts[b]));
      if (!grads.back().ok) return fail(grads.back().error);
    }
  }
  summary(t, qkv);
  if (multi) std::printf("batch: %d   query heads: %d   key/value heads: %d\n", hq.B, hq.H, hk.H);
  if (!args.dump.empty()) {
    const Multi m{&traces, &grads, &hq, &hk};
    if (!dump_atomically(t, grads.empty() ? nullptr : &grads[0], qkv, multi ? &m : nullptr, args.dump, &err)) return fail(err);
    std::printf("wrote %s\n", args.dump.c_str());
  }
  return 0;
}
