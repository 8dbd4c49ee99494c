// names.cpp: enum <-> string tables shared by the CLI, the URL state and the UI.
#include "engine/config.h"

namespace attn {

namespace {
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
const char* const kPosEnc[] = {"none", "sinusoidal", "rope"};
const char* const kInit[] = {"designed", "xavier", "kaiming", "identity"};
const char* const kScore[] = {"dot", "additive"};
const char* const kMask[] = {"none", "causal", "padding", "window", "custom", "causal-bottom-right"};
const char* const kNorm[] = {"softmax", "sum", "sigmoid", "sparsemax", "entmax", "hardmax"};
const char* const kTarget[] = {"X", "Wq", "Wk", "Wv", "Q", "K", "V"};
}  // namespace

const char* name_of(PosEnc e) { return lookup(kPosEnc, e); }
const char* name_of(Init e) { return lookup(kInit, e); }
const char* name_of(ScoreFn e) { return lookup(kScore, e); }
const char* name_of(MaskKind e) { return lookup(kMask, e); }
const char* name_of(Normalizer e) { return lookup(kNorm, e); }
const char* name_of(Target e) { return lookup(kTarget, e); }
bool parse_name(const std::string& s, PosEnc* e) { return parse(kPosEnc, s, e); }
bool parse_name(const std::string& s, Init* e) { return parse(kInit, s, e); }
bool parse_name(const std::string& s, ScoreFn* e) { return parse(kScore, s, e); }
bool parse_name(const std::string& s, MaskKind* e) { return parse(kMask, s, e); }
bool parse_name(const std::string& s, Normalizer* e) { return parse(kNorm, s, e); }
bool parse_name(const std::string& s, Target* e) { return parse(kTarget, s, e); }

}  // namespace attn
