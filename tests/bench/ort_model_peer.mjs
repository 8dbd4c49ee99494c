// ort_model_peer.mjs: onnxruntime-web (wasm, SIMD) on a checkpoint's ONNX export (model_files.py
// wrote DIR/model.onnx: ids (T,) int64 -> the last position's logits (1, V)), one thread, under
// node: a prefill of T tokens, timed as attn_bench model times ours. Prints one JSON record.
//   node ort_model_peer.mjs DIR T REPS [THREADS]
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const [dir, T, reps, threads] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4] || 3), Number(process.argv[5] || 1)];
const cfg = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
const vocab = cfg.vocab_size;

const ort = require('onnxruntime-web');
ort.env.wasm.numThreads = threads;
ort.env.wasm.simd = true;
ort.env.logLevel = 'error';
const bytes = readFileSync(path.join(dir, 'model.onnx'));
const t0 = performance.now();
const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
// the prompt attn_bench model runs: (t · 2654435761 >> 7) mod V, in 32-bit arithmetic
const ids = new BigInt64Array(T);
for (let t = 0; t < T; t++) ids[t] = BigInt(Number((BigInt(t) * 2654435761n & 0xffffffffn) >> 7n) % vocab);
const feeds = { ids: new ort.Tensor('int64', ids, [T]) };
let out = (await session.run(feeds)).logits.data;
const load_ms = performance.now() - t0;
for (let i = 0; i < 1; i++) out = (await session.run(feeds)).logits.data;  // warm
const times = [];
for (let i = 0; i < reps; i++) {
  const s = performance.now();
  out = (await session.run(feeds)).logits.data;
  times.push(performance.now() - s);
}
times.sort((a, b) => a - b);
let top = 0;
for (let j = 1; j < out.length; j++) if (out[j] > out[top]) top = j;
console.log(JSON.stringify({ impl: `ort-wasm-${threads}t`, pass: 'model_prefill', T, ms_median: +times[times.length >> 1].toFixed(3),
  load_ms: +load_ms.toFixed(1), top, logit_top: out[top], onnx_mb: +(bytes.length / 1048576).toFixed(1),
  peak_mem_mb: +(process.memoryUsage().rss / 1048576).toFixed(1) }));
process.exit(0);
