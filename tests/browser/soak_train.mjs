// soak_train.mjs: the Train mode for MINUTES minutes (10 by default) while random actions hit it:
// lessons, Play / Pause / Step / Reset, timeline drags, slider drags, clicks anywhere in the layout,
// keys, Open in stepper and back, Generate. Then: zero console and page errors, the run still
// trains and the app answers a control, and the wasm heap grew < 5 % after the first two minutes
// (curves and snapshots are bounded). On demand (make soak), not part of make test.
// Usage: node tests/browser/soak_train.mjs SITE_DIR [MINUTES]
import path from 'node:path';
import { serve, launch, open, waitFrames, rect, click, nextFrames } from './harness.mjs';

const site = path.resolve(process.argv[2] || 'build/web');
const minutes = parseFloat(process.argv[3] || '10');
const { server, url } = await serve(site);
const { browser, cleanup } = await launch();
let seed = 4242;
const r = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const pick = (a) => a[Math.floor(r() * a.length)];
let ok = true;
try {
  const { page, errors } = await open(browser, `${url}#mode=train`);
  await waitFrames(page, 3, 30000);
  const memory = () => page.evaluate(() => Module.HEAPU8.length);
  const train = () => page.evaluate(() => attnTest.train());
  await click(page, 'lesson:Induction heads');
  const t0 = Date.now();
  let warm = 0, actions = 0;
  const controls = ['train:play', 'train:step', 'train:live', 'train:log', 'train:generate', 'lesson:Sort', 'lesson:Induction heads',
    'lesson:Softmax vs sparsemax heads', 'lesson:Initialization', 'train:map0_0', 'train:map1_1'];
  while (Date.now() - t0 < minutes * 60000) {
    if (!warm && Date.now() - t0 > 120000) warm = await memory();
    const a = r();
    try {
      if (a < 0.35) await click(page, pick(controls));
      else if (a < 0.45) {
        const s = await rect(page, 'train:scrub');
        if (s.x0 !== undefined) {
          await page.mouse.move(s.x0 + r() * (s.x1 - s.x0), (s.y0 + s.y1) / 2);
          await page.mouse.down();
          await page.mouse.move(s.x0 + r() * (s.x1 - s.x0), (s.y0 + s.y1) / 2, { steps: 3 });
          await page.mouse.up();
        }
      } else if (a < 0.65) await page.mouse.click(Math.floor(r() * 1280), Math.floor(r() * 800));
      else if (a < 0.75) await page.keyboard.press(pick(['ArrowLeft', 'ArrowRight', 'Space', 'Escape', 'Tab', 'h']));
      else if (a < 0.80) { await click(page, 'train:open'); await nextFrames(page, 2); await click(page, 'train'); }
      else await page.waitForTimeout(200);
    } catch (e) { /* a control scrolled out of view: the next action goes on */ }
    // keep it training most of the time
    const t = await train();
    if (!t.mode) await click(page, 'train').catch(() => {});
    else if (!t.playing && r() < 0.5) await click(page, 'train:play').catch(() => {});
    actions++;
    if (actions % 100 === 0) console.log(`     ${actions} actions, ${((Date.now() - t0) / 60000).toFixed(1)} min, memory ${(await memory()) / 1e6} MB, step ${t.runs.length ? t.runs[0].step : '-'}`);
  }
  const end = await memory();
  const growth = warm ? (end - warm) / warm : 0;
  console.log(`${actions} actions in ${minutes} min; wasm heap ${warm / 1e6} MB after warm-up, ${end / 1e6} MB at the end (${(100 * growth).toFixed(1)} %)`);
  if (errors.length) { console.log('FAIL errors: ' + errors.slice(0, 5).join('; ')); ok = false; }
  if (growth >= 0.05) { console.log('FAIL heap grew 5 % or more'); ok = false; }
  const before = (await train()).runs[0].step;
  if (!(await train()).playing) await click(page, 'train:play');
  await page.waitForTimeout(3000);
  const after = (await train()).runs[0].step;
  if (!(after > before)) { console.log(`FAIL not training any more (${before} -> ${after})`); ok = false; }
  console.log(ok ? 'ok   train soak' : 'FAIL train soak');
} finally {
  await cleanup();
  server.close();
}
process.exit(ok ? 0 : 1);
