// options.h: the one vocabulary of options, shared by the explained engine (engine/config.h) and
// the trained model (train/model.h). Each option is one enum with a Count and one name table
// (options.cpp), guarded by a static_assert on that count; the CLI, the URL, config.json, saved
// runs and the UI all read and write these names. Older spellings are still read (aliases), so
// existing links and saved runs keep working, and only the first name is ever written.
// No Eigen here: the trained model, compiled with the kernels' instruction set, includes it.
#pragma once
#include <string>

namespace attn {

// Where positions come from. None, Sinusoidal (added to X) and RoPE (rotating q, k) are the
// stepper's; Learned (a trained table) and ALiBi (a bias on the scores) are the trained model's
// too. The engine reads ALiBi as its `alibi` variant and learned positions as already inside X.
enum class PosEnc { None, Sinusoidal, Rope, Learned, Alibi, Count };
// How weight matrices start: the engine's readable Designed weights and Identity, and the
// initializations a trained model draws from (Normal: N(0, 0.02), GPT-2's)
enum class Init { Designed, Xavier, Kaiming, Identity, Normal, Count };
enum class ScoreFn { Dot, Additive, Count };
// The factor on q·k: 1/sqrt(d_head), none (1) or a number
enum class ScaleMode { Auto, None, Custom, Count };
// Causal is top-left aligned (query i sees keys j <= i: PyTorch's is_causal, tril(diagonal=0));
// CausalBottomRight aligns the last query with the last key (j <= i + n_k - n_q: FlashAttention
// >= 2.1, a KV cache). They differ only when n_q != n_k.
enum class MaskKind { None, Causal, Padding, Window, Custom, CausalBottomRight, Count };
// Entmax is alpha-entmax (the trained model's is alpha = 1.5, spelled entmax15 before)
enum class Normalizer { Softmax, Sum, Sigmoid, Sparsemax, Entmax, Hardmax, Count };
enum class Target { X, Wq, Wk, Wv, Q, K, V, Count };  // matrices whose cells the user may edit

// Names used by the CLI, the URL, config.json and the UI: one table each way. parse_name also
// reads the older spellings.
const char* name_of(PosEnc);
const char* name_of(Init);
const char* name_of(ScoreFn);
const char* name_of(ScaleMode);  // "auto", "none", "custom" (the fronts write a custom scale as its number)
const char* name_of(MaskKind);
const char* name_of(Normalizer);
const char* name_of(Target);
bool parse_name(const std::string&, PosEnc*);
bool parse_name(const std::string&, Init*);
bool parse_name(const std::string&, ScoreFn*);
bool parse_name(const std::string&, ScaleMode*);
bool parse_name(const std::string&, MaskKind*);
bool parse_name(const std::string&, Normalizer*);
bool parse_name(const std::string&, Target*);

// Every name of an option, comma-separated, for messages ("softmax, sum, sigmoid, ...")
std::string names_list(PosEnc);
std::string names_list(Init);
std::string names_list(Normalizer);

}  // namespace attn
