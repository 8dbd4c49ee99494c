// model_page.mjs: the Model mode on a GPT-2-small-shaped checkpoint (124 M parameters, F32, random
// weights, GPT-2's real vocabulary) in headless Chromium: the time from the files being picked to
// the model view on screen, and the frame interval while a forward pass runs (a few layers a frame)
// against the interval when idle, measured in the same run. A program, not a test: it prints what
// it measured. Usage: node tests/bench/model_page.mjs SITE_DIR [TOKENS]
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { serve, launch, open, waitFrames, click } from '../browser/harness.mjs';
import { writeGpt2 } from '../browser/checkpoint.mjs';

const site = path.resolve(process.argv[2] || 'build/web');
const words = Number(process.argv[3] || 100);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-gpt2-small-'));
const ckpt = path.join(tmp, 'gpt2');
let t = Date.now();
writeGpt2(ckpt, { d: 768, heads: 12, layers: 12, positions: 1024 });
const mb = fs.readdirSync(ckpt).reduce((s, f) => s + fs.statSync(path.join(ckpt, f)).size, 0) / 1048576;
console.log(`wrote a GPT-2-small-shaped checkpoint (${mb.toFixed(0)} MB) in ${((Date.now() - t) / 1000).toFixed(0)} s`);

async function intervals(page, ms) {
  return page.evaluate((ms) => new Promise((resolve) => {
    const at = [];
    const tick = (now) => { at.push(now); if (now - at[0] < ms) requestAnimationFrame(tick); else resolve(at.slice(1).map((v, i) => v - at[i])); };
    requestAnimationFrame(tick);
  }), ms);
}
const median = (d) => [...d].sort((a, b) => a - b)[d.length >> 1];

const { server, url } = await serve(site);
const { browser, cleanup } = await launch();
try {
  const { page, errors } = await open(browser, url, { width: 1280, height: 800 });
  await waitFrames(page, 3, 30000);
  await click(page, 'model');
  t = Date.now();
  await page.setInputFiles('input[type=file][multiple]', fs.readdirSync(ckpt).map((f) => path.join(ckpt, f)));
  await page.waitForFunction(() => attnTest.model().ran && !attnTest.model().running, null, { timeout: 600000, polling: 50 });
  const opened = (Date.now() - t) / 1000;
  const m = await page.evaluate(() => attnTest.model());
  console.log(`files picked -> model view on screen: ${opened.toFixed(1)} s (${m.ids.length} tokens; ${m.summary})`);
  const idle = await intervals(page, 3000);
  // a longer text: typed into the field, it runs after the pause, a few layers a frame
  const text = Array.from({ length: words }, (_, i) => ['the', 'cat', 'sat', 'on', 'a', 'mat'][i % 6]).join(' ');
  await click(page, 'model:text');
  await page.keyboard.down('Control');  // held across frames: ImGui reads keys once a frame
  await page.keyboard.down('a');
  await page.waitForTimeout(400);
  await page.keyboard.up('a');
  await page.keyboard.up('Control');
  await page.keyboard.type(text);
  await page.waitForFunction(() => attnTest.model().running, null, { timeout: 30000, polling: 10 });
  t = Date.now();
  const during = [];
  while ((await page.evaluate(() => attnTest.model().running))) during.push(...await intervals(page, 500));
  const ran = (Date.now() - t) / 1000;
  const n = (await page.evaluate(() => attnTest.model())).ids.length;
  console.log(`a pass over ${n} tokens took ${ran.toFixed(1)} s over ${during.length} frames: frame interval median ` +
    `${median(during).toFixed(0)} ms (max ${Math.max(...during).toFixed(0)} ms) while it ran, ${median(idle).toFixed(0)} ms idle`);
  if (errors.length) console.log('console errors:', errors.join('; '));
} finally {
  await cleanup();
  server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
