// peer.mjs: one peer library on one bench folder, printing one JSON record like attn_bench's.
//   node peer.mjs IMPL DIR REPS      IMPL: tfjs-wasm-best | tfjs-wasm-idiomatic | ort-wasm-1t | ort-wasm-2t
// Each run is its own process, so peak memory (max RSS growth) belongs to this peer alone.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { readNpy } from './npy.mjs';
import { attentionModel } from './onnx_graph.mjs';

const require = createRequire(import.meta.url);
const [impl, dir, repsArg] = process.argv.slice(2);
const reps = Math.max(1, Number(repsArg) || 1);
const [n, d, heads, causal, proj] = readFileSync(`${dir}/cfg.txt`, 'utf8').trim().split(/\s+/).map(Number);
const dm = heads * d;
const names = proj ? ['x', 'wq', 'wk', 'wv', 'wo'] : ['q', 'k', 'v'];

const maxRssMb = () => process.resourceUsage().maxRSS / 1024;
const mem0 = maxRssMb();  // the library is not loaded yet: its own memory counts
const inputs = Object.fromEntries(names.map((t) => [t, readNpy(`${dir}/${t}.npy`).data]));
const rows = readNpy(`${dir}/rows.npy`).data, ref = readNpy(`${dir}/ref.npy`).data;
// additive causal mask (n, n): what a decomposed graph feeds its Add
let mask = null;
if (causal) {
  mask = new Float32Array(n * n);
  for (let i = 0; i < n; i++) mask.fill(-1e9, i * n + i + 1, (i + 1) * n);
}

async function tfjsRunner(idiomatic) {
  const tf = require('@tensorflow/tfjs-core');
  const wasm = require('@tensorflow/tfjs-backend-wasm');
  wasm.setThreadsCount(1);
  await tf.setBackend('wasm');
  await tf.ready();
  const t = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor2d(v, k[0] === 'w' ? [dm, dm] : [n, dm])]));
  const maskT = mask ? tf.tensor2d(mask, [n, n]) : null;
  const s = 1 / Math.sqrt(d);
  const split = (x) => (heads === 1 ? x : tf.transpose(tf.reshape(x, [n, heads, d]), [1, 0, 2]));
  return async () => {
    const out = tf.tidy(() => {
      let q = t.q, k = t.k, v = t.v;
      if (proj) { q = tf.matMul(t.x, t.wq); k = tf.matMul(t.x, t.wk); v = tf.matMul(t.x, t.wv); }
      const qh = split(q), kh = split(k), vh = split(v);
      let sc;
      if (idiomatic) sc = tf.mul(tf.matMul(qh, kh, false, true), s);  // what the docs show
      else sc = tf.matMul(tf.mul(qh, s), heads === 1 ? tf.transpose(kh) : tf.transpose(kh, [0, 2, 1]));  // fastest form
      if (maskT) sc = tf.add(sc, maskT);
      let o = tf.matMul(tf.softmax(sc), vh);
      if (heads > 1) o = tf.reshape(tf.transpose(o, [1, 0, 2]), [n, dm]);
      return proj ? tf.matMul(o, t.wo) : o;
    });
    const data = await out.data();
    out.dispose();
    return data;
  };
}

async function ortRunner(threads) {
  const ort = require('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  ort.env.logLevel = 'error';
  const session = await ort.InferenceSession.create(attentionModel({ n, d, heads, causal, proj }), {
    executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const feeds = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, new ort.Tensor('float32', v, k[0] === 'w' ? [dm, dm] : [n, dm])]));
  if (mask) feeds.mask = new ort.Tensor('float32', mask, [n, n]);
  return async () => (await session.run(feeds)).out.data;
}

const runners = {
  'tfjs-wasm-best': () => tfjsRunner(false),
  'tfjs-wasm-idiomatic': () => tfjsRunner(true),
  'ort-wasm-1t': () => ortRunner(1),
  'ort-wasm-2t': () => ortRunner(2),
};
if (!runners[impl]) { console.error(`error: unknown peer '${impl}' (use ${Object.keys(runners).join(', ')})`); process.exit(2); }

const run = await runners[impl]();
let out;
// warm-up: at least 3 runs and 300 ms (V8 compiles hot wasm again in the background; 3 runs of a
// 0.1 ms size were measured while that was still going on), then check the last result
const warm = performance.now();
for (let i = 0; i < 3 || performance.now() - warm < 300; i++) out = await run();
let err = 0;
for (let r = 0; r < rows.length; r++)
  for (let j = 0; j < dm; j++) err = Math.max(err, Math.abs(out[rows[r] * dm + j] - ref[r * dm + j]));
const times = [];
const start = performance.now();
for (let i = 0; i < reps || (performance.now() - start < 1000 && i < 2000); i++) {
  const t0 = performance.now();
  await run();
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const ms = times[times.length >> 1];
let flops = 4 * n * n * d * heads * (causal ? (n + 1) / (2 * n) : 1);
if (proj) flops += 8 * n * dm * dm;
console.log(JSON.stringify({ impl, n, d, heads, causal: !!causal, proj: !!proj, ms_median: +ms.toFixed(4),
  gflops: +(flops / (ms * 1e6)).toFixed(3), peak_mem_mb: +(maxRssMb() - mem0).toFixed(2), max_abs_err: err }));
process.exit(0);
