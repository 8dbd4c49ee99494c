// tokenizer.cpp: reading tokenizer.json (or vocab.json + merges.txt) and encoding with BPE.
// Sections: bytes as characters | BPE | encode and decode | loading
#include "text/tokenizer.h"
#include <algorithm>
#include <queue>
#include <sstream>
#include "io/json.h"
#include "text/unicode.h"

namespace attn::text {

namespace {

// ---------------------------------------------------------------- bytes as characters

// GPT-2's bytes_to_unicode: printable bytes stand for themselves, the others for U+0100 onwards
struct ByteMap {
  std::string of[256];                          // byte -> its character, UTF-8
  std::unordered_map<uint32_t, uint8_t> back;   // character -> byte
  ByteMap() {
    int n = 0;
    for (int b = 0; b < 256; b++) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      const uint32_t cp = printable ? uint32_t(b) : uint32_t(256 + n++);
      append_utf8(cp, &of[b]);
      back[cp] = uint8_t(b);
    }
  }
};
const ByteMap& bytes() {
  static const ByteMap m;
  return m;
}

const char* const kMeta = "\xE2\x96\x81";  // ▁, SentencePiece's space

std::string byte_token(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "<0x%02X>", b);
  return buf;
}

// ---------------------------------------------------------------- BPE

// Merges the lowest-ranked adjacent pair first (the leftmost among equals), until none is left:
// Hugging Face's Word::merge_all, with a heap so that a long piece is O(n log n).
std::vector<std::string> bpe(std::vector<std::string> sym, const std::unordered_map<std::string, int>& rank) {
  const int n = int(sym.size());
  const size_t un = static_cast<size_t>(n);
  std::vector<int> prev(un), next(un), version(un, 0);
  std::vector<bool> alive(un, true);
  for (int i = 0; i < n; i++) { prev[size_t(i)] = i - 1; next[size_t(i)] = i + 1 < n ? i + 1 : -1; }
  struct Cand { int rank, left, right, vl, vr; };
  auto later = [](const Cand& a, const Cand& b) { return a.rank != b.rank ? a.rank > b.rank : a.left > b.left; };
  std::priority_queue<Cand, std::vector<Cand>, decltype(later)> heap(later);
  auto consider = [&](int l, int r) {
    if (l < 0 || r < 0) return;
    const auto it = rank.find(sym[size_t(l)] + '\x01' + sym[size_t(r)]);
    if (it != rank.end()) heap.push({it->second, l, r, version[size_t(l)], version[size_t(r)]});
  };
  for (int i = 0; i + 1 < n; i++) consider(i, i + 1);
  while (!heap.empty()) {
    const Cand c = heap.top();
    heap.pop();
    if (!alive[size_t(c.left)] || !alive[size_t(c.right)] || next[size_t(c.left)] != c.right ||
        version[size_t(c.left)] != c.vl || version[size_t(c.right)] != c.vr)
      continue;  // stale: one side has merged since
    sym[size_t(c.left)] += sym[size_t(c.right)];
    version[size_t(c.left)]++;
    alive[size_t(c.right)] = false;
    next[size_t(c.left)] = next[size_t(c.right)];
    if (next[size_t(c.left)] >= 0) prev[size_t(next[size_t(c.left)])] = c.left;
    consider(prev[size_t(c.left)], c.left);
    consider(c.left, next[size_t(c.left)]);
  }
  std::vector<std::string> out;
  for (int i = 0; i < n; i++)
    if (alive[size_t(i)]) out.push_back(std::move(sym[size_t(i)]));
  return out;
}

}  // namespace

// ---------------------------------------------------------------- encode and decode

std::vector<int> Tokenizer::encode(const std::string& text) const {
  std::vector<int> ids = prefix_ids;
  // the pieces between added tokens (matched leftmost, longest first)
  std::vector<std::pair<std::string, int>> parts;  // (text, -1) or ("", added id)
  size_t i = 0, start = 0;
  while (i < text.size()) {
    int hit = -1;
    size_t len = 0;
    for (const auto& [content, id] : added)
      if (!content.empty() && text.compare(i, content.size(), content) == 0) { hit = id; len = content.size(); break; }
    if (hit < 0) { i++; continue; }
    if (i > start) parts.push_back({text.substr(start, i - start), -1});
    parts.push_back({"", hit});
    i += len;
    start = i;
  }
  if (start < text.size()) parts.push_back({text.substr(start), -1});

  auto emit = [&](const std::vector<std::string>& syms) {
    for (const std::string& s : syms) {
      const auto it = vocab.find(s);
      if (it != vocab.end()) { ids.push_back(it->second); continue; }
      if (byte_fallback) {
        for (unsigned char b : s) {
          const auto bt = vocab.find(byte_token(b));
          if (bt != vocab.end()) ids.push_back(bt->second);
          else if (unk >= 0) ids.push_back(unk);
        }
      } else if (unk >= 0) {
        ids.push_back(unk);
      }
    }
  };
  std::vector<uint32_t> cps;
  std::vector<size_t> at;
  bool first = true;
  for (const auto& [piece_text, id] : parts) {
    if (id >= 0) { ids.push_back(id); first = false; continue; }
    if (kind == SentencePiece) {
      // normalized: ▁ for each space, one ▁ before the text; then BPE over characters
      std::string s = first && add_prefix_space ? kMeta : "";
      for (char ch : piece_text) s += ch == ' ' ? std::string(kMeta) : std::string(1, ch);
      decode_utf8(s, &cps, &at);
      std::vector<std::string> syms;
      for (size_t k = 0; k + 1 < at.size(); k++) syms.push_back(s.substr(at[k], at[k + 1] - at[k]));
      emit(bpe(syms, merge_rank));
      first = false;
      continue;
    }
    const std::string s = (first && add_prefix_space ? " " : "") + piece_text;
    first = false;
    decode_utf8(s, &cps, &at);
    // pieces: digits one by one (Digits), then the pattern's split within each
    std::vector<std::pair<size_t, size_t>> spans, pieces;
    if (split_digits) {
      size_t k = 0;
      while (k < cps.size()) {
        size_t j = k + 1;
        if (!is_number(cps[k]))
          while (j < cps.size() && !is_number(cps[j])) j++;
        spans.push_back({k, j});
        k = j;
      }
    } else {
      spans.push_back({0, cps.size()});
    }
    for (const auto& [a, b] : spans) {
      if (has_pattern && use_regex) split(pattern, cps, a, b, &pieces);
      else pieces.push_back({a, b});
    }
    for (const auto& [a, b] : pieces) {
      std::vector<std::string> syms;
      std::string whole;
      for (size_t k = at[a]; k < at[b]; k++) {
        syms.push_back(bytes().of[uint8_t(s[k])]);
        whole += syms.back();
      }
      if (ignore_merges && vocab.count(whole)) { ids.push_back(vocab.at(whole)); continue; }
      emit(bpe(std::move(syms), merge_rank));
    }
  }
  return ids;
}

std::string Tokenizer::token_bytes(int id) const {
  if (id < 0 || size_t(id) >= tokens.size()) return "";
  const std::string& t = tokens[size_t(id)];
  for (const auto& [content, aid] : added)
    if (aid == id) return content;
  if (kind == SentencePiece) {
    if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') return std::string(1, char(std::stoi(t.substr(3, 2), nullptr, 16)));
    std::string out;
    for (size_t k = 0; k < t.size();) {
      if (t.compare(k, 3, kMeta) == 0) { out += ' '; k += 3; }
      else out += t[k++];
    }
    return out;
  }
  std::vector<uint32_t> cps;
  std::vector<size_t> at;
  decode_utf8(t, &cps, &at);
  std::string out;
  for (uint32_t cp : cps) {
    const auto it = bytes().back.find(cp);
    if (it != bytes().back.end()) out += char(it->second);
    else append_utf8(cp, &out);  // not a byte character: as written
  }
  return out;
}

std::string Tokenizer::decode(const std::vector<int>& ids) const {
  std::string out;
  for (int id : ids) out += token_bytes(id);
  return out;
}

// ---------------------------------------------------------------- loading

namespace {

bool fail(std::string* err, const std::string& m) {
  *err = m;
  return false;
}

bool read_vocab(const Json& v, const std::string& file, Tokenizer* t, std::string* err) {
  if (v.kind != Json::Obj || v.obj.empty()) return fail(err, file + ": the vocabulary is not an object of token: id");
  int top = -1;
  for (const auto& [tok, id] : v.obj) {
    if (id.kind != Json::Num || id.num < 0 || id.num > 1e7 || id.num != double(int(id.num)))
      return fail(err, file + ": the id of token '" + tok + "' is not a whole number");
    t->vocab[tok] = int(id.num);
    top = std::max(top, int(id.num));
  }
  t->tokens.assign(size_t(top) + 1, "");
  for (const auto& [tok, id] : t->vocab) t->tokens[size_t(id)] = tok;
  return true;
}

bool add_merge(const std::string& a, const std::string& b, Tokenizer* t) {
  if (a.empty() || b.empty()) return false;
  t->merge_rank.emplace(a + '\x01' + b, int(t->merge_rank.size()));
  return true;
}

bool read_tokenizer_json(const std::string& text, Tokenizer* t, std::string* err) {
  const std::string F = "tokenizer.json";
  Json root;
  if (!json_parse(text, &root) || root.kind != Json::Obj) return fail(err, F + ": not a JSON object");
  const Json* model = root.get("model");
  if (!model || model->kind != Json::Obj) return fail(err, F + ": no 'model' object");
  const Json* type = model->get("type");
  if (!type || type->kind != Json::Str || type->str != "BPE")
    return fail(err, F + ": model type '" + (type && type->kind == Json::Str ? type->str : "?") +
                         "' is not supported (BPE; WordPiece and Unigram tokenizers are not read)");
  const Json* vocab = model->get("vocab");
  if (!vocab || !read_vocab(*vocab, F, t, err)) return vocab ? false : fail(err, F + ": model.vocab is missing");
  const Json* merges = model->get("merges");
  if (!merges || merges->kind != Json::Arr) return fail(err, F + ": model.merges is missing");
  for (const Json& m : merges->arr) {  // "a b" strings (older files) or ["a", "b"] pairs (newer)
    bool ok = false;
    if (m.kind == Json::Str) {
      const size_t sp = m.str.find(' ', 1);
      ok = sp != std::string::npos && add_merge(m.str.substr(0, sp), m.str.substr(sp + 1), t);
    } else if (m.kind == Json::Arr && m.arr.size() == 2 && m.arr[0].kind == Json::Str && m.arr[1].kind == Json::Str) {
      ok = add_merge(m.arr[0].str, m.arr[1].str, t);
    }
    if (!ok) return fail(err, F + ": merge " + std::to_string(t->merge_rank.size()) + " is neither \"a b\" nor [\"a\", \"b\"]");
  }
  auto flag = [](const Json* o, const char* k, bool def) {
    const Json* v = o ? o->get(k) : nullptr;
    return v && v->kind == Json::Bool ? v->b : def;
  };
  t->byte_fallback = flag(model, "byte_fallback", false);
  t->ignore_merges = flag(model, "ignore_merges", false);
  if (const Json* u = model->get("unk_token"); u && u->kind == Json::Str && t->vocab.count(u->str)) t->unk = t->vocab.at(u->str);
  if (const Json* at = root.get("added_tokens"); at && at->kind == Json::Arr)
    for (const Json& a : at->arr) {
      const Json *id = a.get("id"), *content = a.get("content");
      if (!id || id->kind != Json::Num || !content || content->kind != Json::Str) return fail(err, F + ": an added token lacks its id or content");
      t->added.push_back({content->str, int(id->num)});
      if (size_t(id->num) >= t->tokens.size()) t->tokens.resize(size_t(id->num) + 1);
      t->tokens[size_t(id->num)] = content->str;
    }
  std::stable_sort(t->added.begin(), t->added.end(), [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });

  // the normalizer and pre-tokenizer: byte-level (a pattern) or SentencePiece (▁ for spaces)
  const Json* norm = root.get("normalizer");
  const Json* pre = root.get("pre_tokenizer");
  auto type_of = [](const Json* j) { const Json* ty = j ? j->get("type") : nullptr; return ty && ty->kind == Json::Str ? ty->str : std::string(); };
  std::vector<const Json*> steps;
  if (type_of(pre) == "Sequence") {
    if (const Json* list = pre->get("pretokenizers"); list && list->kind == Json::Arr)
      for (const Json& p : list->arr) steps.push_back(&p);
  } else if (pre && pre->kind == Json::Obj) {
    steps.push_back(pre);
  }
  bool byte_level = false, split_seen = false;
  for (const Json* p : steps) {
    const std::string ty = type_of(p);
    if (ty == "ByteLevel") {
      byte_level = true;
      t->add_prefix_space = flag(p, "add_prefix_space", false);
      t->use_regex = flag(p, "use_regex", true);
    } else if (ty == "Split") {
      const Json* pat = p->get("pattern");
      const Json* rx = pat ? pat->get("Regex") : nullptr;
      if (!rx || rx->kind != Json::Str || !pattern_of(rx->str, &t->pattern))
        return fail(err, F + ": pre_tokenizer Split pattern '" + (rx && rx->kind == Json::Str ? rx->str : "?") +
                             "' is not one attn knows (GPT-2's, Llama 3's or Qwen2's)");
      split_seen = true;
    } else if (ty == "Digits") {
      if (!flag(p, "individual_digits", false)) return fail(err, F + ": a Digits pre-tokenizer without individual_digits is not supported");
      t->split_digits = true;
    } else if (ty == "Metaspace") {
      t->kind = Tokenizer::SentencePiece;
      const Json* scheme = p->get("prepend_scheme");
      t->add_prefix_space = !(scheme && scheme->kind == Json::Str && scheme->str == "never") && flag(p, "add_prefix_space", true);
    } else {
      return fail(err, F + ": pre_tokenizer '" + ty + "' is not supported (ByteLevel, Split, Digits, Metaspace)");
    }
  }
  if (split_seen) t->use_regex = true;  // the Split step's pattern does the splitting; ByteLevel maps bytes only
  const std::string nt = type_of(norm);
  if (!byte_level && !steps.empty() && t->kind != Tokenizer::SentencePiece)
    return fail(err, F + ": a pre_tokenizer without ByteLevel or Metaspace is not supported");
  if (steps.empty()) {  // Llama 2 / TinyLlama: Prepend("▁") + Replace(" ", "▁") in the normalizer
    t->kind = Tokenizer::SentencePiece;
    t->has_pattern = false;
    t->add_prefix_space = false;
    if (nt == "Sequence")
      if (const Json* list = norm->get("normalizers"); list && list->kind == Json::Arr)
        for (const Json& n : list->arr) t->add_prefix_space |= type_of(&n) == "Prepend";
  } else if (!nt.empty() && nt != "NFC") {
    return fail(err, F + ": normalizer '" + nt + "' is not supported with a byte-level pre-tokenizer (none, or NFC)");
  }
  if (t->kind == Tokenizer::SentencePiece) t->has_pattern = false;
  // the post-processor's tokens before the text (TemplateProcessing's single: SpecialToken, then $A)
  const Json* post = root.get("post_processor");
  std::vector<const Json*> posts;
  if (type_of(post) == "Sequence") {
    if (const Json* list = post->get("processors"); list && list->kind == Json::Arr)
      for (const Json& p : list->arr) posts.push_back(&p);
  } else if (post) {
    posts.push_back(post);
  }
  for (const Json* p : posts) {
    if (type_of(p) != "TemplateProcessing") continue;
    const Json* single = p->get("single");
    if (!single || single->kind != Json::Arr) continue;
    for (const Json& item : single->arr) {
      const Json* sp = item.get("SpecialToken");
      if (!sp) break;  // $A: the text; what follows it is not added here
      const Json* id = sp->get("id");
      if (id && id->kind == Json::Str && t->vocab.count(id->str)) t->prefix_ids.push_back(t->vocab.at(id->str));
      else if (id && id->kind == Json::Str)
        for (const auto& [content, aid] : t->added)
          if (content == id->str) t->prefix_ids.push_back(aid);
    }
  }
  return true;
}

bool read_vocab_merges(const std::string& vocab_text, const std::string& merges_text, Tokenizer* t, std::string* err) {
  Json v;
  if (!json_parse(vocab_text, &v)) return fail(err, "vocab.json: not JSON");
  if (!read_vocab(v, "vocab.json", t, err)) return false;
  std::istringstream in(merges_text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    n++;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (n == 1 && line.compare(0, 9, "#version:") == 0)) continue;
    const size_t sp = line.find(' ', 1);
    if (sp == std::string::npos || !add_merge(line.substr(0, sp), line.substr(sp + 1), t))
      return fail(err, "merges.txt: line " + std::to_string(n) + " is not two tokens separated by a space");
  }
  if (t->vocab.count("<|endoftext|>")) t->added.push_back({"<|endoftext|>", t->vocab.at("<|endoftext|>")});
  return true;  // GPT-2's: byte-level with its own pattern
}

}  // namespace

bool load_tokenizer(const std::map<std::string, std::string>& files, Tokenizer* out, std::string* err) {
  Tokenizer t;
  const auto tj = files.find("tokenizer.json");
  if (tj != files.end()) {
    if (!read_tokenizer_json(tj->second, &t, err)) return false;
  } else {
    const auto v = files.find("vocab.json"), m = files.find("merges.txt");
    if (v == files.end() || m == files.end())
      return fail(err, "no tokenizer.json (nor vocab.json with merges.txt) among the files: give token ids instead");
    if (!read_vocab_merges(v->second, m->second, &t, err)) return false;
  }
  *out = std::move(t);
  return true;
}

}  // namespace attn::text
