// tfjs_train_peer.mjs: tfjs-backend-wasm (1 thread) training the bench model in DIR (written by
// attn_bench traingen) with its own autodiff and Adam: 3 warm-up steps, then STEPS timed steps
// on the fixed batch. The model is src/train/model.h's, spelled in tfjs ops; embeddings are
// one-hot products (the wasm backend's gather has no gradient kernel). Prints one JSON record.
//   node tfjs_train_peer.mjs DIR MODEL STEPS
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { readNpy } from './npy.mjs';

const require = createRequire(import.meta.url);
const [dir, model, stepsArg] = process.argv.slice(2);
const steps = Math.max(1, Number(stepsArg) || 1);
const cfg = JSON.parse(readFileSync(`${dir}/config.json`, 'utf8'));

function readSafetensors(path) {
  const b = readFileSync(path);
  const n = Number(b.readBigUInt64LE(0));
  const header = JSON.parse(b.toString('utf8', 8, 8 + n));
  const out = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [s, e] = t.data_offsets;
    out[name] = { shape: t.shape, data: new Float32Array(b.buffer.slice(b.byteOffset + 8 + n + s, b.byteOffset + 8 + n + e)) };
  }
  return out;
}

// the union package: tfjs-core's node bundle registers no gradients, @tensorflow/tfjs does
const tf = require('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm');
wasm.setThreadsCount(1);
if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
await tf.ready();

const W = readSafetensors(`${dir}/weights.safetensors`);
const P = Object.fromEntries(Object.entries(W).map(([k, v]) => [k, tf.variable(tf.tensor(v.data, v.shape), true, k)]));
const xs = readNpy(`${dir}/x.npy`), ys = readNpy(`${dir}/y.npy`), ms = readNpy(`${dir}/loss_mask.npy`);
const [B, T] = xs.shape;
const d = cfg.d_model, H = cfg.heads, dh = d / H, V = P.unembed.shape[1];
const xOne = tf.cast(tf.oneHot(tf.tensor1d(xs.data, 'int32'), V), 'float32');   // (B T, V)
const yOne = tf.cast(tf.oneHot(tf.tensor1d(ys.data, 'int32'), V), 'float32');
const mask = tf.tensor1d(ms.data);
const maskSum = ms.data.reduce((a, b) => a + b, 0);
const causal = tf.tensor2d(Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0)), [T, T]);
const scale = 1 / Math.sqrt(dh);
const GELU_C = Math.sqrt(2 / Math.PI);

const layerNorm = (x, w, b) => {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), w), b);
};
const gelu = (x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(GELU_C, tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))));
const heads = (t) => tf.transpose(tf.reshape(t, [B, T, H, dh]), [0, 2, 1, 3]);

function loss() {
  let h = tf.matMul(xOne, P.tok_emb);                                    // (B T, d)
  if (P.pos_emb) h = tf.reshape(tf.add(tf.reshape(h, [B, T, d]), P.pos_emb), [B * T, d]);
  for (let l = 0; l < cfg.layers; l++) {
    const p = (n) => P[`layers.${l}.${n}`];
    const a = cfg.ln ? layerNorm(h, p('ln1.weight'), p('ln1.bias')) : h;
    const q = heads(tf.matMul(a, p('wq'))), k = heads(tf.matMul(a, p('wk'))), v = heads(tf.matMul(a, p('wv')));
    const s = tf.add(tf.mul(tf.matMul(q, k, false, true), scale), causal);   // (B, H, T, T)
    const o = tf.reshape(tf.transpose(tf.matMul(tf.softmax(s), v), [0, 2, 1, 3]), [B * T, d]);
    h = tf.add(h, tf.matMul(o, p('wo')));
    if (cfg.mlp) {
      const m = cfg.ln ? layerNorm(h, p('ln2.weight'), p('ln2.bias')) : h;
      h = tf.add(h, tf.add(tf.matMul(gelu(tf.add(tf.matMul(m, p('mlp.w1')), p('mlp.b1'))), p('mlp.w2')), p('mlp.b2')));
    }
  }
  const f = cfg.ln ? layerNorm(h, P['ln_f.weight'], P['ln_f.bias']) : h;
  const logp = tf.logSoftmax(tf.matMul(f, P.unembed));
  const ce = tf.neg(tf.sum(tf.mul(logp, yOne), -1));
  return tf.div(tf.sum(tf.mul(ce, mask)), maskSum);
}

const opt = tf.train.adam(cfg.lr, cfg.beta1, cfg.beta2, cfg.eps);
const times = [];
let first = 0, last = 0;
for (let i = 0; i < 3 + steps; i++) {
  const t0 = performance.now();
  const l = opt.minimize(loss, true);
  const v = (await l.data())[0];
  l.dispose();
  const ms_ = performance.now() - t0;
  if (i === 0) first = v;
  last = v;
  if (i >= 3) times.push(ms_);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ impl: 'tfjs-wasm-train', pass: 'train_step', model, ms_median: times[times.length >> 1],
  ms_min: times[0], steps, loss_first: first, loss_last: last, tfjs: tf.version_core, backend: tf.getBackend() }));
