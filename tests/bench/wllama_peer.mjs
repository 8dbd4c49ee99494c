// wllama_peer.mjs: llama.cpp compiled to wasm (npm @wllama/wllama, its single-thread build) on a
// checkpoint's GGUF (model_files.py wrote DIR/model.gguf from the same weights), in Debian's
// Chromium through the browser tests' harness, since wllama runs in a web worker: a prompt of T
// tokens (" the" T times, one GPT-2 token each), then DECODE tokens greedily. Its own timings
// (llama.cpp's prompt and predicted times) give the prefill and the decode per token; the median of
// REPS completions. Prints one JSON record per pass.
//   node wllama_peer.mjs DIR T DECODE REPS
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, launch } from '../browser/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const [dir, T, decode, reps] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5] || 3)];
const site = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-wllama-'));
fs.symlinkSync(path.join(here, 'node_modules', '@wllama', 'wllama', 'esm'), path.join(site, 'esm'));
fs.symlinkSync(path.resolve(dir, 'model.gguf'), path.join(site, 'model.gguf'));
fs.writeFileSync(path.join(site, 'index.html'), `<!doctype html><script type="module">
import { Wllama } from './esm/index.js';
window.bench = async (T, decode, reps) => {
  const quiet = { debug() {}, log() {}, info() {}, warn() {}, error: console.error };
  const w = new Wllama({ default: './esm/wasm/wllama.wasm' }, { logger: quiet });
  const t0 = performance.now();
  await w.loadModelFromUrl(location.origin + '/model.gguf', { n_ctx: T + decode + 16, n_batch: T, n_threads: 1 });
  const load_ms = performance.now() - t0;
  const runs = [];
  for (let i = 0; i < reps + 1; i++) {  // the first is a warm-up
    const r = await w.createCompletion({ prompt: ' the'.repeat(T), max_tokens: decode, temperature: 0, cache_prompt: false });
    if (i > 0) runs.push(r.timings);
  }
  return { load_ms, runs, threads: w.getNumThreads(), multithread: w.isMultithread() };
};
window.ready = true;
</script>`);
const { server, url } = await serve(site);
const { browser, cleanup } = await launch();
const median = (v) => v.slice().sort((a, b) => a - b)[v.length >> 1];
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url + 'index.html');
  await page.waitForFunction(() => window.ready, null, { timeout: 60000 });
  const r = await page.evaluate(([a, b, c]) => window.bench(a, b, c), [T, decode, reps]);
  if (r.threads !== 1 || r.multithread) throw new Error(`wllama ran on ${r.threads} threads`);
  const prompt_n = r.runs[0].prompt_n;
  if (prompt_n !== T) throw new Error(`the prompt was ${prompt_n} tokens, not ${T}`);
  console.log(JSON.stringify({ impl: 'wllama-wasm-1t', pass: 'model_prefill', T, ms_median: +median(r.runs.map((x) => x.prompt_ms)).toFixed(3),
    load_ms: +r.load_ms.toFixed(1), prompt_n }));
  if (decode > 0)
    console.log(JSON.stringify({ impl: 'wllama-wasm-1t', pass: 'model_decode', T, tokens: r.runs[0].predicted_n,
      ms_median: +median(r.runs.map((x) => x.predicted_per_token_ms)).toFixed(3) }));
  if (errors.length) throw new Error(errors[0]);
} finally {
  await cleanup();
  server.close();
  fs.rmSync(site, { recursive: true, force: true });
}
process.exit(0);
