// model_rows.mjs: the real-model rows of make bench. model_files.py writes a GPT-2-small-shaped
// checkpoint (124 M parameters, F32) and a SmolLM2-135M-shaped one (BF16), random weights, each
// also as an ONNX export and a GGUF file; then, on one thread: prefill at T = 128 and 512 (the last
// position's logits) and decode at 512 (ms per token from the KV cache), ours natively and in wasm
// (SIMD128, and FMA with our share of the FMA peak measured right before), against onnxruntime-web
// on the ONNX export and llama.cpp in wasm (@wllama/wllama) on the GGUF. Every result's largest
// logit must be attn-native's, or its row is rejected (wllama gives text: it is not checked).
// Records: pass "model_prefill" | "model_decode", model "gpt2-124m" | "smollm2-135m".
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

// The largest logit agrees to float32 rounding through the layers (the argmax itself may flip
// between two near-tied tokens, so it is reported, not compared)
const close = (r, ref) => Math.abs(r.logit_top - ref.logit_top) <= 1e-3 * Math.max(1, Math.abs(ref.logit_top));

// One implementation's process: its JSON records (one per pass), each tagged with the model, or a
// single failed record naming the first lines of the error
function run(impl, file, args, model, T) {
  try {
    const text = execFileSync(file, args.map(String), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 1800000,
      maxBuffer: 1 << 24 });
    const rs = text.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => ({ ...JSON.parse(l), model }));
    if (!rs.length) throw new Error(`no JSON record from ${file} ${args.join(' ')}`);
    return rs;
  } catch (e) {
    return [{ impl, pass: 'model_prefill', model, T, error: String(e.message).split('\n').slice(0, 2).join(' ') }];
  }
}

export function modelRows({ out, smoke, nativeBench, wasmBench, fmaNode, fmaSkip, measurePeak }) {
  const dir = join(out, 'models');
  execFileSync('/usr/bin/python3', [join(here, 'model_files.py'), dir, ...(smoke ? ['--smoke'] : [])],
    { stdio: ['ignore', 'ignore', 'inherit'], timeout: 1800000 });
  const lengths = smoke ? [32] : [128, 512];
  const decodeAt = lengths[lengths.length - 1], decodeTokens = smoke ? 2 : 16, reps = smoke ? 1 : 3;
  const ours = [
    ['attn-native', (m, T, n) => [nativeBench, ['model', m, 'attn-native', T, n, reps]], null],
    ['attn-wasm', (m, T, n) => ['node', ['--no-experimental-fetch', wasmBench, 'model', m, 'attn-wasm', T, n, reps]], 'peak-wasm-simd'],
    ['attn-wasm-fma', (m, T, n) => ['node', [...fmaNode, 'model', m, 'attn-wasm-fma', T, n, reps]], 'peak-wasm-fma'],
  ];
  const records = [];
  let failures = 0;
  const keep = (r) => {
    records.push(r);
    console.log(`  ${r.impl.padEnd(20)} ${r.error ? `FAILED: ${r.error}` : r.skipped ? `skipped: ${r.skipped}` :
      `${r.ms_median.toFixed(1)} ms${r.gflops ? `  ${r.gflops.toFixed(1)} GFLOP/s` : ''}${r.peak_mem_mb ? `  mem ${r.peak_mem_mb} MB` : ''}`}`);
  };
  for (const model of ['gpt2-124m', 'smollm2-135m']) {
    const folder = join(dir, model);
    for (const T of lengths) {
      console.log(`\n## ${model}, T = ${T}`);
      const decode = T === decodeAt ? decodeTokens : 0;
      let ref = null;
      for (const [impl, cmd, peakOf] of ours) {
        if (impl === 'attn-wasm-fma' && fmaSkip) { keep({ impl, pass: 'model_prefill', model, T, skipped: fmaSkip }); continue; }
        const peakNow = peakOf && !smoke ? measurePeak(peakOf) : 0;
        for (const r of run(impl, ...cmd(folder, T, decode), model, T)) {
          if (r.pass === 'model_prefill' && !r.error) {
            if (peakNow) r.peak_gflops_same_moment = peakNow;
            // every build of ours runs the same arithmetic up to float rounding: the same largest logit
            if (ref && !close(r, ref)) r.error = `largest logit ${r.logit_top} (token ${r.top}), attn-native's ${ref.logit_top} (token ${ref.top})`;
            if (!ref && !r.error) ref = r;
          }
          if (r.error) failures++;
          keep(r);
        }
      }
      // the peer: onnxruntime-web, one thread, on the ONNX export of the same weights
      for (const r of run('ort-wasm-1t', 'node', [join(here, 'ort_model_peer.mjs'), folder, T, reps, 1], model, T)) {
        if (!r.error && ref && !close(r, ref)) r.error = `largest logit ${r.logit_top} (token ${r.top}), ours ${ref.logit_top} (token ${ref.top})`;
        keep(r);
      }
      // llama.cpp in wasm (wllama, one thread, in Chromium) on the GGUF of the same weights. It gives
      // text, not logits, so its rows are timed, not checked (its prompt must be T tokens long).
      for (const r of run('wllama-wasm-1t', 'node', [join(here, 'wllama_peer.mjs'), folder, T, decode, reps], model, T)) keep(r);
    }
  }
  return { records, failures };
}

// The model rows' table: prefill and decode per model, with the ratios the issue sets targets for
export function modelTable(results) {
  const f = (x, d = 1) => (x ? x.toFixed(d) : '-');
  const get = (impl, pass, model, T) => results.find((r) => r.impl === impl && r.pass === pass && r.model === model && r.T === T && !r.error && !r.skipped);
  const models = [...new Set(results.filter((r) => r.pass === 'model_prefill').map((r) => r.model))];
  console.log('\n| model | T | attn-native ms | attn-wasm ms | attn-wasm-fma ms | ort-wasm-1t ms | wllama-wasm-1t ms | wasm-fma / ort | wasm-fma / wllama | % FMA peak | wasm heap / file | first logits ms (wasm-fma) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const model of models)
    for (const T of [...new Set(results.filter((r) => r.model === model && r.pass === 'model_prefill').map((r) => r.T))]) {
      const [n, w, wf, o, l] = ['attn-native', 'attn-wasm', 'attn-wasm-fma', 'ort-wasm-1t', 'wllama-wasm-1t'].map((i) => get(i, 'model_prefill', model, T));
      const heap = wf || w;
      console.log(`| ${model} | ${T} | ${f(n?.ms_median)} | ${f(w?.ms_median)} | ${f(wf?.ms_median)} | ${f(o?.ms_median)} | ${f(l?.ms_median)} | ` +
        `${wf && o ? f(o.ms_median / wf.ms_median, 2) + '×' : '-'} | ${wf && l ? f(l.ms_median / wf.ms_median, 2) + '×' : '-'} | ${wf?.peak_gflops_same_moment ? Math.round(100 * wf.gflops / wf.peak_gflops_same_moment) + ' %' : '-'} | ` +
        `${heap ? f(heap.peak_mem_mb / heap.file_mb, 2) + '×' : '-'} | ${f(wf?.load_ms)} |`);
    }
  console.log('\n| model | T | decode ms / token: attn-native | attn-wasm | attn-wasm-fma | llama.cpp-wasm (wllama) | wllama / wasm-fma |');
  console.log('|---|---|---|---|---|---|---|');
  for (const model of models)
    for (const r of results.filter((x) => x.model === model && x.pass === 'model_decode' && x.impl === 'attn-native')) {
      const [w, wf] = ['attn-wasm', 'attn-wasm-fma'].map((i) => get(i, 'model_decode', model, r.T));
      const wl = get('wllama-wasm-1t', 'model_decode', model, r.T);
      console.log(`| ${model} | ${r.T} | ${f(r.ms_median)} | ${f(w?.ms_median)} | ${f(wf?.ms_median)} | ${f(wl?.ms_median)} | ` +
        `${wl && wf ? f(wl.ms_median / wf.ms_median, 2) + '×' : '-'} |`);
    }
}
