// args.cpp: parsing of `attn` arguments. Every message names the offending argument.
#include "cli/args.h"
#include "engine/rules.h"
#include <cmath>
#include <cstdlib>

namespace attn::cli {

const char* const kUsage =
    "usage:\n"
    "  attn run --q Q.npy --k K.npy --v V.npy [options] [--dump DIR]\n"
    "  attn run --x X.npy --wq WQ.npy --wk WK.npy --wv WV.npy [--wo WO.npy] --heads H [options] [--dump DIR]\n"
    "  attn run --preset NAME [options] [--dump DIR]\n"
    "  attn grad (the inputs of run) --dout DOUT.npy [options] --dump DIR\n"
    "                                    # gradients: dq, dk, dv (with --x also dx, dwq, dwk, dwv, dwo), float64\n"
    "                                    # past 4096 tokens: softmax attention on the fused kernels (O(n d) memory),\n"
    "                                    # output, lse and float32 gradients\n"
    "  attn check --q Q --k K --v V --out MINE [--dout DO --dq MINE_DQ --dk MINE_DK --dv MINE_DV]\n"
    "             [options] [--dtype fp64|fp32|fp16|bf16] [--atol A] [--rtol R] [--json VERDICT.json]\n"
    "                                    # is MINE right? if not, which known bug explains it (exit 0 pass, 1 mismatch)\n"
    "  attn presets                      # lists preset names with one line each\n"
    "options:\n"
    "  --mask none|causal|causal:bottom-right|window:W|FILE.npy\n"
    "                                         (causal = top-left, tril(0); bottom-right = tril(n_k - n_q);\n"
    "                                          FILE: n_q x n_k, nonzero = may attend)\n"
    "  --scale auto|none|FLOAT                (auto = 1/sqrt(d_k))\n"
    "  --temperature T                        (1e-6 <= T <= 1e6)\n"
    "  --normalizer softmax|sum|sigmoid|sparsemax|entmax|hardmax   (entmax: 1.5-entmax)\n"
    "  --posenc none|sinusoidal|rope|alibi    (with --x or --preset; alibi = --alibi)\n"
    "  --heads H                              (with a 2-D --q: its columns are H heads side by side)\n"
    "  --layout bhnd|bnhd                     (4-D tensors: (B, H, n, d), the default, or (B, n, H, d))\n"
    "tensors: .npy (float16/32/64; (n, d), (H, n, d) or (B, H, n, d)) or FILE.safetensors:NAME (F16/BF16/F32/F64);\n"
    "         outputs are written in the rank and layout of the inputs\n"
    "  --kv-heads H_KV                        (grouped-query: K, V hold H_KV heads; H_KV = 1: multi-query)\n"
    "  --alibi                                (ALiBi linear biases, Press et al. 2021)\n"
    "  --softcap C                            (logit soft-capping: s <- C tanh(s / C), Gemma 2)\n"
    "  --sink VALUE|FILE.npy                  (a learned sink logit per head, softmax only)\n"
    "  --sink-tokens N                        (with --mask window:W: the first N keys stay visible)\n";

namespace {
bool parse_float(const std::string& s, float* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v) || std::fabs(v) > 3.4e38) return false;
  *out = float(v);
  return true;
}
bool parse_int(const std::string& s, int* out) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  *out = std::atoi(s.c_str());
  return true;
}
// option's value v as a number of field f, within the CLI's range of the one table (engine/rules.h)
bool ranged(const std::string& option, const std::string& v, Field f, double x, bool parsed, std::string* err) {
  std::string rule = parsed ? check_range(f, x, Front::Cli) : "";
  if (parsed && rule.empty()) return true;
  if (!parsed) {  // not a number at all: the rule's sentence without its "(got ...)"
    rule = check_range(f, -1e300, Front::Cli);
    rule = rule.substr(0, rule.find(" (got"));
  }
  *err = option + " '" + v + "': " + rule;
  return false;
}
}  // namespace

bool parse_args(const std::vector<std::string>& a, Args* o, std::string* err) {
  if (a.empty() || a[0] == "help" || a[0] == "--help" || a[0] == "-h") { o->command = "help"; return true; }
  o->command = a[0];
  if (o->command == "presets") {
    if (a.size() > 1) { *err = "'presets' takes no arguments (got '" + a[1] + "')"; return false; }
    return true;
  }
  if (o->command != "run" && o->command != "grad" && o->command != "check") {
    *err = "unknown command '" + a[0] + "' (use run, grad, check, presets, train, eval or generate; see attn --help)";
    return false;
  }
  for (size_t i = 1; i < a.size(); i++) {
    const std::string& f = a[i];
    if (f == "--help" || f == "-h") { o->command = "help"; return true; }
    if (f.rfind("--", 0) != 0) { *err = "unexpected argument '" + f + "' (options start with --)"; return false; }
    if (f == "--alibi") { o->alibi = true; continue; }  // a flag: takes no value
    if (i + 1 >= a.size() || a[i + 1].rfind("--", 0) == 0) { *err = "option " + f + " needs a value"; return false; }
    const std::string& v = a[++i];
    std::string* path = f == "--q" ? &o->q : f == "--k" ? &o->k : f == "--v" ? &o->v : f == "--x" ? &o->x
                      : f == "--wq" ? &o->wq : f == "--wk" ? &o->wk : f == "--wv" ? &o->wv : f == "--wo" ? &o->wo
                      : f == "--preset" ? &o->preset : f == "--dump" ? &o->dump
                      : f == "--dout" && o->command != "run" ? &o->dout
                      : o->command == "check" && f == "--out" ? &o->out : o->command == "check" && f == "--dq" ? &o->dq
                      : o->command == "check" && f == "--dk" ? &o->dk : o->command == "check" && f == "--dv" ? &o->dv
                      : o->command == "check" && f == "--json" ? &o->json : nullptr;
    if (path) {
      if (v.empty()) { *err = "option " + f + " needs a non-empty value"; return false; }
      *path = v;
    } else if (f == "--heads") {
      const bool parsed = parse_int(v, &o->heads);
      if (!ranged("--heads", v, Field::Heads, o->heads, parsed, err)) return false;
      o->heads_given = true;
    } else if (f == "--mask") {
      o->mask_given = true;
      if (v == "none") o->cfg.mask = MaskKind::None;
      else if (v == "causal" || v == "causal:top-left") o->cfg.mask = MaskKind::Causal;
      else if (v == "causal:bottom-right") o->cfg.mask = MaskKind::CausalBottomRight;
      else if (v.rfind("window:", 0) == 0) {
        const bool parsed = parse_int(v.substr(7), &o->cfg.window);
        if (!ranged("--mask window:W", v, Field::Window, o->cfg.window, parsed, err)) return false;
        o->cfg.mask = MaskKind::Window;
      } else if (v.size() > 4 && v.substr(v.size() - 4) == ".npy") {
        o->cfg.mask = MaskKind::Custom;
        o->mask_file = v;
      } else { *err = "--mask must be none, causal, causal:bottom-right, window:W or a .npy file (got '" + v + "')"; return false; }
    } else if (f == "--scale") {
      o->scale_given = true;
      if (v == "auto") o->cfg.scale = ScaleMode::Auto;
      else if (v == "none") o->cfg.scale = ScaleMode::None;
      else if (parse_float(v, &o->cfg.scale_value)) o->cfg.scale = ScaleMode::Custom;
      else { *err = "--scale must be auto, none or a finite number (got '" + v + "')"; return false; }
    } else if (f == "--temperature") {
      o->temp_given = true;
      const bool parsed = parse_float(v, &o->cfg.temperature);
      if (!ranged("--temperature", v, Field::Temperature, o->cfg.temperature, parsed, err)) return false;
    } else if (f == "--normalizer") {
      o->norm_given = true;
      // the one vocabulary's names: entmax is 1.5-entmax here (entmax15, the older spelling, too)
      o->cfg.entmax_alpha = 1.5f;
      if (!parse_name(v, &o->cfg.normalizer)) {
        *err = "unknown normalizer '" + v + "' (use " + names_list(Normalizer::Softmax) + ")";
        return false;
      }
    } else if (f == "--dtype" && o->command == "check") {
      if (v != "fp64" && v != "fp32" && v != "fp16" && v != "bf16") { *err = "--dtype must be fp64, fp32, fp16 or bf16 (got '" + v + "')"; return false; }
      o->dtype = v;
    } else if ((f == "--atol" || f == "--rtol") && o->command == "check") {
      float x = 0;
      if (!parse_float(v, &x) || !(x >= 0)) { *err = f + " must be a number >= 0 (got '" + v + "')"; return false; }
      (f == "--atol" ? o->atol : o->rtol) = double(x);
    } else if (f == "--layout") {
      if (v != "bhnd" && v != "bnhd") { *err = "--layout must be bhnd (B, H, n, d) or bnhd (B, n, H, d) (got '" + v + "')"; return false; }
      o->layout = v;
    } else if (f == "--kv-heads") {
      const bool parsed = parse_int(v, &o->cfg.n_kv_heads);
      if (!ranged("--kv-heads", v, Field::KvHeads, o->cfg.n_kv_heads, parsed, err)) return false;
      if (o->cfg.n_kv_heads < 1) { *err = "--kv-heads '" + v + "': key/value heads must be at least 1"; return false; }
      o->kv_given = true;
    } else if (f == "--softcap") {
      const bool parsed = parse_float(v, &o->cfg.softcap);
      if (!ranged("--softcap", v, Field::Softcap, o->cfg.softcap, parsed, err)) return false;
      o->softcap_given = true;
    } else if (f == "--sink-tokens") {
      const bool parsed = parse_int(v, &o->cfg.sink_tokens);
      if (!ranged("--sink-tokens", v, Field::SinkTokens, o->cfg.sink_tokens, parsed, err)) return false;
      o->sink_tokens_given = true;
    } else if (f == "--sink") {
      float x = 0;
      if (v.size() > 4 && v.substr(v.size() - 4) == ".npy") o->sink_file = v;
      else if (parse_float(v, &x)) o->cfg.sinks = {x};
      else { *err = "--sink must be a number (one logit for every head) or a .npy file of one per head (got '" + v + "')"; return false; }
      o->sink_given = true;
    } else if (f == "--posenc") {
      o->posenc_given = true;
      if (!parse_name(v, &o->cfg.posenc) || o->cfg.posenc == PosEnc::Learned) {
        *err = "--posenc must be none, sinusoidal, rope or alibi (got '" + v + "'" +
               (v == "learned" ? ": learned positions need a trained table, see attn train)" : ")");
        return false;
      }
      if (o->cfg.posenc == PosEnc::Alibi) {  // the --alibi variant, which Q and K given directly take too
        o->alibi = true;
        o->cfg.posenc = PosEnc::None;
        o->posenc_given = false;
      }
    } else {
      *err = "unknown option '" + f + "' (see attn --help)";
      return false;
    }
  }
  const bool qkv = !o->q.empty() || !o->k.empty() || !o->v.empty();
  const bool xw = !o->x.empty() || !o->wq.empty() || !o->wk.empty() || !o->wv.empty() || !o->wo.empty();
  const int modes = int(qkv) + int(xw) + int(!o->preset.empty());
  if (modes == 0) { *err = o->command + " needs --q/--k/--v, --x with --wq/--wk/--wv, or --preset"; return false; }
  if (modes > 1) { *err = "use only one of --q/--k/--v, --x/--w*, --preset"; return false; }
  if (qkv && (o->q.empty() || o->k.empty() || o->v.empty())) { *err = "--q, --k and --v must be given together"; return false; }
  if (xw && (o->x.empty() || o->wq.empty() || o->wk.empty() || o->wv.empty())) { *err = "--x needs --wq, --wk and --wv"; return false; }
  if (qkv && o->posenc_given) { *err = "--posenc needs --x or --preset (Q and K are already given)"; return false; }
  if (o->sink_tokens_given && !(o->mask_given && o->cfg.mask == MaskKind::Window)) {
    *err = "--sink-tokens needs --mask window:W (the first keys stay visible beside the window)";
    return false;
  }
  if (o->command == "check") {
    if (!qkv) { *err = "check needs --q, --k and --v (the inputs of your attention)"; return false; }
    if (o->out.empty()) { *err = "check needs --out MINE.npy: the output of your attention to check"; return false; }
    const bool any_grad = !o->dq.empty() || !o->dk.empty() || !o->dv.empty();
    if (any_grad && o->dout.empty()) { *err = "--dq, --dk and --dv need --dout (the gradient at the output they came from)"; return false; }
    if (!o->dump.empty()) { *err = "check writes nothing: --dump does not apply"; return false; }
    return true;
  }
  if (o->command == "grad" && o->dout.empty()) { *err = "grad needs --dout DOUT.npy: the gradient at the output, in the output's shape"; return false; }
  if (o->command == "grad" && o->dump.empty()) { *err = "grad needs --dump DIR: where dq.npy, dk.npy, dv.npy and the rest are written"; return false; }
  return true;
}

}  // namespace attn::cli
