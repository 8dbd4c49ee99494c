// threads.mjs: the threaded build. Served cross-origin isolated (COOP + COEP, as `make serve`
// does), the page loads app_mt.js and the Long n panel shares its rows among worker threads; served
// without those headers (any plain static host), it loads app.js. Both must give the very same
// weights, with zero console errors, and the threaded page must still import files after a worker
// grew the wasm memory (the page's view of the heap is then stale). Embeds always load app.js.
// Each comes as an FMA build (app_fma.js, app_mt_fma.js: relaxed SIMD, which Chromium has) and the
// SIMD128 one an engine without relaxed SIMD gets; both give the same outputs to float rounding.
// Usage: node tests/browser/threads.mjs SITE_DIR
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, open, waitFrames, state, rect, click, nextFrames, check, summary, assert } from './harness.mjs';

const site = path.resolve(process.argv[2] || 'build/web');
const { browser, cleanup } = await launch();

// runs Long n (its default n = 8192, causal) to the end and reads the weights of four cells by hovering them
async function longRun(page) {
  await click(page, 'tab:long');
  await click(page, 'long:run');
  for (let k = 0; k < 900; k++) {
    const st = await state(page);
    if (st.long.ok && !st.long.running) break;
    await nextFrames(page, 1);
  }
  const s = await state(page);
  assert(s.long.ok && !s.long.running, `long run did not finish: ${JSON.stringify(s.long)}`);
  const m = await rect(page, 'long:map');
  const cells = [];
  for (const [fx, fy] of [[0.3, 0.6], [0.5, 0.5], [0.1, 0.9], [0.7, 0.8]]) {
    await page.mouse.move(m.x0 + fx * (m.x1 - m.x0), m.y0 + fy * (m.y1 - m.y0));
    await nextFrames(page, 2);
    const h = (await state(page)).long;
    cells.push([h.hover_i, h.hover_j, h.hover_w]);
  }
  return { cells, ms: s.long.ms, n: s.long.n };
}

// 101 one-letter tokens (a URL's sentence holds 400 characters): weights . V of (101, 101) . (101, 512)
// and concat . W_o at d_model 512, then 8 heads at d_model 256; the sum of each output
async function bigSums(page) {
  const sums = [];
  for (const [n, d, heads] of [[101, 512, 1], [101, 256, 8]]) {
    const words = Array.from({ length: n }, (_, i) => String.fromCharCode(97 + (i * 7) % 26)).join(' ');
    await page.evaluate((h) => { location.hash = h; }, `sentence=${encodeURIComponent(words)}&d=${d}&heads=${heads}&stage=7`);
    let s;
    for (let k = 0; k < 100; k++) {
      await nextFrames(page, 2);
      s = await state(page);
      if (s.n_q === n && s.n_heads === heads && s.d_model === d) break;
    }
    assert(s.ok && s.n_q === n && s.n_heads === heads, `n=${s.n_q} heads=${s.n_heads} d=${s.d_model} ok=${s.ok}`);
    sums.push(s.output_sum);
  }
  return sums;
}

const results = {};
try {
  for (const isolated of [true, false]) {
    const { server, url } = await serve(site, { isolated });
    const { page, errors, context } = await open(browser, url);
    try {
      const tag = isolated ? 'isolated' : 'plain';
      await check(`${tag} page: loads ${isolated ? 'app_mt_fma.js (threads)' : 'app_fma.js (one thread)'}`, async () => {
        await waitFrames(page, 2, 20000);
        const info = await page.evaluate(() => ({ iso: window.crossOriginIsolated, scripts: [...document.scripts].map((x) => x.src.split('/').pop()) }));
        const s = await state(page);
        const want = isolated ? 'app_mt_fma.js' : 'app_fma.js';
        assert(info.iso === isolated && info.scripts.includes(want), `isolated ${info.iso}, scripts ${info.scripts}`);
        const hw = await page.evaluate(() => navigator.hardwareConcurrency);
        assert(s.threads === (isolated ? Math.min(4, hw) : 1), `threads ${s.threads} (hardwareConcurrency ${hw})`);
        console.log(`     threads ${s.threads}, hardwareConcurrency ${hw}`);
      });
      await check(`${tag} page: the recompute's largest products at sizes that use threads`, async () => {
        results[tag + 'Sums'] = await bigSums(page);
        console.log(`     output sums ${results[tag + 'Sums'].join(', ')}`);
      });
      await check(`${tag} page: without relaxed SIMD it loads ${isolated ? 'app_mt.js' : 'app.js'} (SIMD128), same outputs to float rounding`, async () => {
        // an engine that refuses relaxed SIMD (Safari, older browsers): WebAssembly.validate says no
        const old = await context.newPage();
        const oldErrors = [];
        old.on('pageerror', (e) => oldErrors.push(String(e)));
        await old.addInitScript(() => { WebAssembly.validate = () => false; });
        await old.goto(url);
        await waitFrames(old, 2, 20000);
        const scripts = await old.evaluate(() => [...document.scripts].map((x) => x.src.split('/').pop()));
        const s = await state(old);
        const want = isolated ? 'app_mt.js' : 'app.js';
        assert(scripts.includes(want) && !scripts.some((x) => x.includes('fma')) && s.kernel_backend === 'wasm-simd128' && !s.fused_madd,
          `scripts ${scripts}, kernels ${s.kernel_backend}, fused ${s.fused_madd}`);
        const sums = await bigSums(old);
        await old.close();
        const fmaSums = results[tag + 'Sums'];
        for (let i = 0; i < sums.length; i++) {
          const rel = Math.abs(sums[i] - fmaSums[i]) / Math.max(1e-6, Math.abs(fmaSums[i]));
          assert(rel < 1e-5, `output sum ${i}: SIMD128 ${sums[i]} vs FMA ${fmaSums[i]} (relative ${rel.toExponential(1)})`);
        }
        console.log(`     SIMD128 output sums ${sums.join(', ')}`);
        assert(oldErrors.length === 0, oldErrors.join('; '));
      });
      await check(`${tag} page: Long n runs to the end`, async () => {
        results[tag] = await longRun(page);
        console.log(`     n = ${results[tag].n}: ${results[tag].ms.toFixed(0)} ms of compute`);
      });
      if (isolated) {
        await check('isolated page: a .npy import after worker threads grew the memory', async () => {
          const file = path.join(os.tmpdir(), `attn-t-${process.pid}.npy`);
          execFileSync('/usr/bin/python3', ['-c', `import numpy as np; np.save('${file}', np.linspace(-1, 1, 40).reshape(5, 8))`]);
          await page.evaluate(() => { location.hash = 'preset=cat-it&stage=1'; });
          await nextFrames(page, 3);
          await page.setInputFiles('input[type=file]', file);
          await page.waitForFunction(() => attnTest.rect('import:X').x0 !== undefined, null, { timeout: 10000 });
          await nextFrames(page, 3);
          await click(page, 'import:X');
          fs.rmSync(file);
          const s = await state(page);
          assert(s.n_q === 5 && s.d_model === 8 && s.status.startsWith('imported'), `after import: n=${s.n_q} d=${s.d_model} status=${s.status}`);
        });
        await check('isolated page: an embed still loads the one-thread build (no workers for an iframe)', async () => {
          const embed = await context.newPage();
          await embed.goto(url + 'embed.html#preset=causal');
          await waitFrames(embed, 2, 20000);
          const scripts = await embed.evaluate(() => [...document.scripts].map((x) => x.src.split('/').pop()));
          const s = await state(embed);
          await embed.close();
          assert(scripts.includes('app_fma.js') && !scripts.some((x) => x.startsWith('app_mt')) && s.threads === 1, `embed: scripts ${scripts}, threads ${s.threads}`);
        });
        await check('isolated page: a refused heap growth is reported, and the app keeps working', async () => {
          const msg = await page.evaluate(() => attnTest.memoryFailure());
          assert(/out of memory/.test(msg), `status after the failed growth: "${msg}"`);
          await nextFrames(page, 3);
          assert((await state(page)).ok, 'the app has no trace after the refusal');
        });
      }
      await check(`${tag} page: zero console errors`, async () => assert(errors.length === 0, errors.join('\n')));
    } finally {
      await context.close();
      server.close();
    }
  }
  await check('the threaded recompute gives the very output one thread gives', async () => {
    const a = results.isolatedSums, b = results.plainSums;
    assert(a && b && a.length === 2 && b.length === 2, 'a run is missing');
    assert(JSON.stringify(a) === JSON.stringify(b), `threaded ${a} vs one thread ${b}`);
  });
  await check('threads give the very weights one thread gives', async () => {
    const a = results.isolated?.cells, b = results.plain?.cells;
    assert(a && b, 'a run is missing');
    assert(JSON.stringify(a) === JSON.stringify(b), `threaded ${JSON.stringify(a)} vs one thread ${JSON.stringify(b)}`);
    assert(a.some((c) => c[2] > 0), `every hovered weight is 0: ${JSON.stringify(a)}`);
  });
} finally {
  await cleanup();
}
process.exit(summary() ? 0 : 1);
