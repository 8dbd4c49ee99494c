// options.cpp: the name tables of options.h, one per option, both ways.
#include "core/options.h"
#include <cstddef>
#include <iterator>

namespace attn {

namespace {
struct Alias {
  const char* name;
  int value;
};
template <typename E, size_t N>
const char* lookup(const char* const (&names)[N], E e) {
  size_t i = size_t(e);
  return i < N ? names[i] : "?";
}
template <typename E, size_t N>
bool parse(const char* const (&names)[N], const std::string& s, E* out) {
  for (size_t i = 0; i < N; i++)
    if (s == names[i]) { *out = E(i); return true; }
  return false;
}
// the names, then the older spellings
template <typename E, size_t N, size_t M>
bool parse(const char* const (&names)[N], const std::string& s, E* out, const Alias (&aliases)[M]) {
  if (parse(names, s, out)) return true;
  for (const Alias& a : aliases)
    if (s == a.name) { *out = E(a.value); return true; }
  return false;
}
template <size_t N>
std::string list(const char* const (&names)[N]) {
  std::string s;
  for (size_t i = 0; i < N; i++) s += (i ? ", " : "") + std::string(names[i]);
  return s;
}

// GGML_OP_COUNT's idiom: a new enum value without its name fails to compile here
const char* const kPosEnc[] = {"none", "sinusoidal", "rope", "learned", "alibi"};
static_assert(std::size(kPosEnc) == size_t(PosEnc::Count), "a name per position scheme");
const char* const kInit[] = {"designed", "xavier", "kaiming", "identity", "normal"};
static_assert(std::size(kInit) == size_t(Init::Count), "a name per initialization");
const Alias kInitAliases[] = {{"gpt2", int(Init::Normal)}};  // saved runs before the one vocabulary
const char* const kScore[] = {"dot", "additive"};
static_assert(std::size(kScore) == size_t(ScoreFn::Count), "a name per score function");
const char* const kScale[] = {"auto", "none", "custom"};
static_assert(std::size(kScale) == size_t(ScaleMode::Count), "a name per scale mode");
const char* const kMask[] = {"none", "causal", "padding", "window", "custom", "causal-bottom-right"};
static_assert(std::size(kMask) == size_t(MaskKind::Count), "a name per mask rule");
const Alias kMaskAliases[] = {{"bidirectional", int(MaskKind::None)}};  // the Train mode's word for none
const char* const kNorm[] = {"softmax", "sum", "sigmoid", "sparsemax", "entmax", "hardmax"};
static_assert(std::size(kNorm) == size_t(Normalizer::Count), "a name per normalizer");
const Alias kNormAliases[] = {{"entmax15", int(Normalizer::Entmax)}};  // attn train and the CLI wrote this
const char* const kTarget[] = {"X", "Wq", "Wk", "Wv", "Q", "K", "V"};
static_assert(std::size(kTarget) == size_t(Target::Count), "a name per editable matrix");
}  // namespace

const char* name_of(PosEnc e) { return lookup(kPosEnc, e); }
const char* name_of(Init e) { return lookup(kInit, e); }
const char* name_of(ScoreFn e) { return lookup(kScore, e); }
const char* name_of(ScaleMode e) { return lookup(kScale, e); }
const char* name_of(MaskKind e) { return lookup(kMask, e); }
const char* name_of(Normalizer e) { return lookup(kNorm, e); }
const char* name_of(Target e) { return lookup(kTarget, e); }
bool parse_name(const std::string& s, PosEnc* e) { return parse(kPosEnc, s, e); }
bool parse_name(const std::string& s, Init* e) { return parse(kInit, s, e, kInitAliases); }
bool parse_name(const std::string& s, ScoreFn* e) { return parse(kScore, s, e); }
bool parse_name(const std::string& s, ScaleMode* e) { return parse(kScale, s, e); }
bool parse_name(const std::string& s, MaskKind* e) { return parse(kMask, s, e, kMaskAliases); }
bool parse_name(const std::string& s, Normalizer* e) { return parse(kNorm, s, e, kNormAliases); }
bool parse_name(const std::string& s, Target* e) { return parse(kTarget, s, e); }
std::string names_list(PosEnc) { return list(kPosEnc); }
std::string names_list(Init) { return list(kInit); }
std::string names_list(Normalizer) { return list(kNorm); }

}  // namespace attn
