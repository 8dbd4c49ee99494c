// soak.mjs: 2,000 random actions (clicks, drags, wheel, keys, resizes, URL changes, imports of
// random files, postMessage garbage), then: zero console and page errors, the app still
// renders and answers a known control, wasm memory grew < 5% after warm-up; reports the
// 95th-percentile frame time. On demand (make soak), not part of make test.
// Usage: node tests/browser/soak.mjs SITE_DIR [ACTIONS]
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { serve, launch, open, waitFrames, state, click, nextFrames, pixelStats } from './harness.mjs';

const site = path.resolve(process.argv[2] || 'build/web');
const N = parseInt(process.argv[3] || '2000', 10);
const { server, url } = await serve(site);
const { browser, cleanup } = await launch();
let seed = 12345;
const r = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const pick = (a) => a[Math.floor(r() * a.length)];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-soak-'));
let ok = true;
try {
  const { page, errors } = await open(browser, url);
  await waitFrames(page, 2, 15000);
  // frame times, measured in the page
  await page.evaluate(() => { window.__ft = []; let last = performance.now(); const f = (t) => { window.__ft.push(t - last); last = t; requestAnimationFrame(f); }; requestAnimationFrame(f); });
  const memory = () => page.evaluate(() => Module.HEAPU8.length);
  let warm = 0;
  const files = [
    ['x.npy', () => Buffer.concat([Buffer.from('\x93NUMPY\x01\x00v\x00', 'latin1'), Buffer.from("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 8), }".padEnd(117) + '\n'), Buffer.alloc(96, 1)])],
    ['junk.npy', () => Buffer.from(Array.from({ length: 200 }, () => Math.floor(r() * 256)))],
    ['m.csv', () => Buffer.from('1,2,3\n4,5,6\n')], ['bad.csv', () => Buffer.from('1,x\n')],
    ['m.json', () => Buffer.from('[[0.1, 0.9], [0.5, 0.5]]')], ['bad.json', () => Buffer.from('[[1, 2], [3')],
  ];
  for (let i = 0; i < N; i++) {
    if (i === 200) warm = await memory();
    const a = r();
    const x = Math.floor(r() * 1280), y = Math.floor(r() * 800);
    if (a < 0.30) await page.mouse.click(x, y);
    else if (a < 0.42) { await page.mouse.move(x, y); await page.mouse.down(); await page.mouse.move(x + (r() - 0.5) * 200, y + (r() - 0.5) * 200, { steps: 3 }); await page.mouse.up(); }
    else if (a < 0.50) { await page.mouse.move(x, y); await page.mouse.wheel(0, (r() - 0.5) * 600); }
    else if (a < 0.65) await page.keyboard.press(pick(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Space', 'h', 't', 'g', '1', '2', 'Escape', 'a', 'Tab', 'Enter']));
    else if (a < 0.70) await page.setViewportSize({ width: pick([390, 800, 1280, 1600]), height: pick([600, 800, 844]) });
    else if (a < 0.80) await page.evaluate((h) => { location.hash = h; }, pick(['preset=causal', 'preset=why-scale&stage=4', 'd=64&heads=8', 'T=NaN', 'sentence=' + 'w '.repeat(80), 'mask=custom&paint=3x3:ff8', 'preset=linear&stage=6', 'norm=sum&init=xavier', 'foo=bar', 'preset=one-query']));
    else if (a < 0.86) {
      const [name, make] = pick(files);
      const f = path.join(tmp, name);
      fs.writeFileSync(f, make());
      await page.setInputFiles('input[type=file]', f);
    } else if (a < 0.93) await page.evaluate((g) => window.postMessage(g, '*'), pick([null, 'x', 42, [], { type: 'attn:set-state', state: { stage: Math.floor(r() * 9) } }, { type: 'attn:step', delta: 3 }, { type: 'attn:set-state', state: 'T=0' }, { type: 'attn:get-state' }, { type: 'attn:zzz' }]));
    else await page.waitForTimeout(30);
    if (i % 400 === 399) console.log(`     ${i + 1} actions, memory ${(await memory()) / 1e6} MB`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  // close whatever the random actions left open (an import dialog is modal), then use a control
  for (let k = 0; k < 2; k++) { await page.keyboard.press('Escape'); await nextFrames(page, 2); }
  await page.mouse.click(640, 2);
  await page.evaluate(() => { location.hash = 'preset=cat-it&stage=1'; });
  await nextFrames(page, 5);
  const before = (await state(page)).stage;
  await click(page, 'next');
  const after = (await state(page)).stage;
  const px = await pixelStats(page);
  const end = await memory();
  const ft = await page.evaluate(() => window.__ft.slice(10).sort((a, b) => a - b));
  const p95 = ft[Math.floor(ft.length * 0.95)];
  const growth = warm ? (end - warm) / warm : 0;
  console.log(`actions ${N}; console/page errors ${errors.length}; responds: stage ${before} -> ${after}; pixel variance ${px.variance.toFixed(0)}`);
  console.log(`wasm memory after warm-up ${(warm / 1e6).toFixed(1)} MB -> ${(end / 1e6).toFixed(1)} MB (${(growth * 100).toFixed(1)}%); p95 frame time ${p95.toFixed(1)} ms (SwiftShader)`);
  if (errors.length) console.log(errors.slice(0, 5).join('\n'));
  ok = errors.length === 0 && after === before + 1 && px.variance > 100 && growth < 0.05;
} finally {
  await cleanup();
  server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(ok ? '1 passed, 0 failed' : '0 passed, 1 failed');
process.exit(ok ? 0 : 1);
