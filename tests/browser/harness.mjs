// harness.mjs: shared by the browser tests: a static file server on loopback, Debian's
// Chromium through playwright-core, console-error collection, and canvas helpers.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css',
                '.png': 'image/png', '.json': 'application/json', '.npy': 'application/octet-stream' };

// isolated: send COOP/COEP, as `make serve` does, so the page is cross-origin isolated and
// web/main.js loads the threaded build
export function serve(root, { isolated = false } = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let p = path.normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
    if (p.endsWith('/')) p += 'index.html';
    const file = path.join(root, p);
    if (!file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404); res.end('not found'); return; }
    const headers = { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' };
    if (isolated) Object.assign(headers, { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
    res.writeHead(200, headers);
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}/` })));
}

export async function launch() {
  // NOTE: Playwright makes a fresh temporary profile itself (it refuses --user-data-dir).
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
           '--ignore-gpu-blocklist', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
  return { browser, cleanup: async () => { await browser.close(); } };
}

// Opens a page and records every console error and page error.
// tour: false (the default) marks the first-visit tour as seen before the page loads, as for a
// returning visitor, so that it does not cover the controls a test clicks; tests of the tour pass true.
export async function open(browser, url, { width = 1280, height = 800, dpr = 1, touch = width < 600, tour = false } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: dpr, hasTouch: touch, isMobile: touch });
  if (!tour) await context.addInitScript(() => { try { localStorage.setItem('attn.tour', 'done'); } catch (e) { /* opaque origin */ } });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => { errors.push(`dialog: ${d.message()}`); d.dismiss(); });
  await page.goto(url);
  return { page, errors, context };
}

export async function waitFrames(page, n, timeoutMs) {
  await page.waitForFunction((n) => window.attnTest && window.Module && Module.calledRun && attnTest.state().frames >= n, n, { timeout: timeoutMs });
}

export const state = (page) => page.evaluate(() => attnTest.state());
export const rect = (page, name) => page.evaluate((n) => attnTest.rect(n), name);

export async function click(page, name) {
  const r = await rect(page, name);
  if (r.x0 === undefined) throw new Error(`control '${name}' is not on screen`);
  // hover first, as a person does: ImGui tabs take a press only on an item hovered the frame before
  await page.mouse.move((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2);
  await nextFrames(page, 1);
  await page.mouse.click((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2);
  await nextFrames(page, 3);
}

// Ctrl+A in the focused text field. NOTE: ImGui reads keys once a frame: a Ctrl+A pressed and
// released between two frames (a loaded machine's slow frames) is never seen, so it is held across frames
export async function selectAll(page) {
  await page.keyboard.down('Control');
  await page.keyboard.down('a');
  await nextFrames(page, 2);
  await page.keyboard.up('a');
  await page.keyboard.up('Control');
  await nextFrames(page, 1);
}

export async function nextFrames(page, k) {
  const f = (await state(page)).frames;
  await page.waitForFunction((t) => attnTest.state().frames >= t, f + k, { timeout: 10000 });
}

// Pixel statistics of a screenshot, computed in the page from the PNG (no decoder needed here).
export async function pixelStats(page) {
  const png = await page.screenshot({ type: 'png' });
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let sum = 0, sum2 = 0, n = 0;
    for (let i = 0; i < d.length; i += 16) { const v = (d[i] + d[i + 1] + d[i + 2]) / 3; sum += v; sum2 += v * v; n++; }
    const mean = sum / n;
    return { width: img.width, height: img.height, mean, variance: sum2 / n - mean * mean };
  }, png.toString('base64'));
}

let passed = 0, failed = 0;
// CHECK=text in the environment runs only the checks whose name contains it (for development).
export async function check(name, fn) {
  if (process.env.CHECK && !name.includes(process.env.CHECK)) return;
  const t0 = Date.now();
  const secs = () => `(${((Date.now() - t0) / 1000).toFixed(1)} s)`;
  try { await fn(); passed++; console.log(`ok   ${name} ${secs()}`); }
  catch (e) { failed++; console.log(`FAIL ${name} ${secs()}: ${e.message}`); }
}
export function summary() { console.log(`${passed} passed, ${failed} failed`); return failed === 0; }
export function assert(cond, msg) { if (!cond) throw new Error(msg); }
