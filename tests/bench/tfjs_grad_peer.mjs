// tfjs_grad_peer.mjs: tfjs-backend-wasm's gradients of its best single-head forward (the form
// peer.mjs times: (q scale) k^T, causal mask added, softmax, times v) on the bench folder DIR written
// by attn_bench gen + backgen, one thread. tf.grads runs the forward and the backward together:
// ms_fwd_bwd is that, ms_median the backward alone (that minus the forward's median, timed apart).
// Checks the sampled rows of dQ, dK, dV against the double reference. Prints one JSON record.
//   node tfjs_grad_peer.mjs DIR REPS
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { readNpy } from './npy.mjs';

const require = createRequire(import.meta.url);
const [dir, repsArg] = process.argv.slice(2);
const reps = Math.max(1, Number(repsArg) || 1);
const [n, d, heads, causal] = readFileSync(`${dir}/cfg.txt`, 'utf8').trim().split(/\s+/).map(Number);
if (heads !== 1) { console.error('error: one head only'); process.exit(2); }
// the union package: tfjs-core's node bundle registers no gradients, @tensorflow/tfjs does
const tf = require('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm');
wasm.setThreadsCount(1);
if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
await tf.ready();
const load = (name) => tf.tensor2d(readNpy(`${dir}/${name}.npy`).data, [n, d]);
const q = load('q'), k = load('k'), v = load('v'), dy = load('dout');
const rows = readNpy(`${dir}/rows.npy`).data;
const refs = ['dq', 'dk', 'dv'].map((t) => readNpy(`${dir}/ref_${t}.npy`).data);
let mask = null;
if (causal) {
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; i++) m.fill(-1e9, i * n + i + 1, (i + 1) * n);
  mask = tf.tensor2d(m, [n, n]);
}
const s = 1 / Math.sqrt(d);
const f = (qq, kk, vv) => {
  let sc = tf.matMul(tf.mul(qq, s), tf.transpose(kk));
  if (mask) sc = tf.add(sc, mask);
  return tf.matMul(tf.softmax(sc), vv);
};
const g = tf.grads(f);
async function grads() {
  const out = tf.tidy(() => g([q, k, v], dy));
  const data = await Promise.all(out.map((t) => t.data()));
  out.forEach((t) => t.dispose());
  return data;
}
async function forward() {
  const o = tf.tidy(() => f(q, k, v));
  await o.data();
  o.dispose();
}
const maxRssMb = () => process.resourceUsage().maxRSS / 1024;
const warm = performance.now();
let out;
for (let i = 0; i < 3 || performance.now() - warm < 300; i++) { out = await grads(); await forward(); }
let err = 0;
for (let t = 0; t < 3; t++)
  for (let r = 0; r < rows.length; r++)
    for (let c = 0; c < d; c++) err = Math.max(err, Math.abs(out[t][rows[r] * d + c] - refs[t][r * d + c]));
const both = [], fwd = [];
const start = performance.now();
for (let i = 0; i < reps || (performance.now() - start < 1000 && i < 2000); i++) {
  let t0 = performance.now();
  await grads();
  both.push(performance.now() - t0);
  t0 = performance.now();
  await forward();
  fwd.push(performance.now() - t0);
}
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
const msBoth = med(both), ms = Math.max(1e-3, msBoth - med(fwd));
const flops = 10 * n * n * d * (causal ? (n + 1) / (2 * n) : 1);
console.log(JSON.stringify({ impl: 'tfjs-wasm-grad', pass: 'backward', n, d, heads: 1, causal: !!causal, proj: false,
  ms_median: +ms.toFixed(4), ms_fwd_bwd: +msBoth.toFixed(4), gflops: +(flops / (ms * 1e6)).toFixed(3),
  peak_mem_mb: +maxRssMb().toFixed(2), max_abs_err: err }));
process.exit(0);
