// tokenizer.h: the tokenizers real checkpoints ship, from their own files: tokenizer.json with a
// BPE model (byte-level, as GPT-2, Llama 3, Qwen2 and SmolLM2 use, or SentencePiece-style with
// byte fallback, as Llama 2 and TinyLlama use), or GPT-2's vocab.json + merges.txt. Added and
// special tokens are matched in the text before anything else.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>
#include "text/split.h"

namespace attn::text {

struct Tokenizer {
  enum Kind { ByteLevel, SentencePiece } kind = ByteLevel;
  bool split_digits = false;     // a Digits(individual_digits) pre-tokenizer first (SmolLM2)
  bool use_regex = true;         // ByteLevel: split by `pattern` (else the Split step before did)
  bool has_pattern = true;       // false: no split at all (SentencePiece)
  Pattern pattern = Pattern::Gpt2;
  bool add_prefix_space = false; // ByteLevel's: a space before the text
  bool ignore_merges = false;    // a whole piece found in the vocabulary is one token (Llama 3)
  bool byte_fallback = false;    // SentencePiece: an unknown character becomes its <0xXX> bytes
  int unk = -1;                  // the unknown token's id, or -1
  std::vector<int> prefix_ids;   // the post-processor's tokens before the text (Llama's <s>, <|begin_of_text|>)
  std::unordered_map<std::string, int> vocab;
  std::vector<std::string> tokens;                 // id -> token as the vocabulary spells it
  std::unordered_map<std::string, int> merge_rank; // "a\x01b" -> rank
  std::vector<std::pair<std::string, int>> added;  // content -> id, longest first

  std::vector<int> encode(const std::string& utf8) const;
  // the bytes token `id` stands for (byte-level: its characters mapped back; SentencePiece: ▁ as a
  // space, <0xXX> as that byte); "" for an id past the vocabulary
  std::string token_bytes(int id) const;
  std::string decode(const std::vector<int>& ids) const;
};

// From a checkpoint's files (tokenizer.json, or vocab.json + merges.txt). err names the file and
// what in it is not supported ("pre_tokenizer Split pattern '...' is not one attn knows").
bool load_tokenizer(const std::map<std::string, std::string>& files, Tokenizer* out, std::string* err);

}  // namespace attn::text
