// jupyter.mjs: the notebook package in a live classic Jupyter Notebook (Debian's python3-notebook):
// a server on loopback with a notebook the test writes, its cells run in the browser page by the
// notebook's own kernel, and the outputs checked inside the page: model_view's iframe draws the
// attention handed in, and ap.model's view fetches a checkpoint through the server's /files/ URLs
// and runs it. Zero console errors in the views' frames.
//   node tests/browser/jupyter.mjs ATTN_CLI
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { launch, open, check, summary, assert } from './harness.mjs';
import { writeGpt2 } from './checkpoint.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.resolve(process.argv[2] || path.join(root, 'build/native/attn'));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-jupyter-'));
const sub = path.join(dir, 'sub');
fs.mkdirSync(sub);
const text = 'The cat sat on the mat';
writeGpt2(path.join(sub, 'ckpt'));
const cell = (i, src) => ({ cell_type: 'code', id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source: src });
fs.writeFileSync(path.join(sub, 'live.ipynb'), JSON.stringify({
  cells: [
    cell(0, 'import numpy as np\nimport attention_playground as ap\na = np.tril(np.ones((2, 3, 5, 5)))\na /= a.sum(-1, keepdims=True)\nap.model_view(a, list("abcde"), layer=1, head=2)'),
    cell(1, `ap.model("ckpt", text=${JSON.stringify(text)})`),
  ],
  metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' } }, nbformat: 4, nbformat_minor: 5,
}));
const want = JSON.parse(execFileSync(cli, ['tokenize', '--model', path.join(sub, 'ckpt'), '--text', text], { encoding: 'utf8' })).ids;

const port = await new Promise((resolve) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });
const server = spawn('/usr/bin/python3', ['-m', 'notebook', '--no-browser', `--port=${port}`, '--ip=127.0.0.1', '--allow-root',
  `--notebook-dir=${dir}`, '--NotebookApp.token=', '--NotebookApp.password=', '--NotebookApp.open_browser=False'], {
  env: { ...process.env, PYTHONPATH: path.join(root, 'src/python'), ATTN_CLI: cli, PYDEVD_DISABLE_FILE_VALIDATION: '1' },
  stdio: ['ignore', 'ignore', 'pipe'],
});
let log = '';
server.stderr.on('data', (d) => { log += d; });
const t0 = Date.now();
while (!log.includes(`:${port}/`)) {
  if (Date.now() - t0 > 60000 || server.exitCode !== null) { console.log(log); throw new Error('the notebook server did not start'); }
  await new Promise((r) => setTimeout(r, 200));
}

const { browser, cleanup } = await launch();
try {
  const { page } = await open(browser, `http://127.0.0.1:${port}/notebooks/sub/live.ipynb`, { width: 1280, height: 900 });
  const frameErrors = [];
  page.on('console', (m) => { if (m.type() === 'error' && /srcdoc/.test(m.location().url || '')) frameErrors.push(m.text()); });
  page.on('pageerror', (e) => { if (/srcdoc/.test(e.stack || '')) frameErrors.push(e.message); });

  await check('classic Notebook: the kernel runs the cells and each view starts in its output', async () => {
    await page.waitForFunction(() => window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel &&
      Jupyter.notebook.kernel.is_connected(), null, { timeout: 60000 });
    await page.evaluate(() => Jupyter.notebook.execute_all_cells());
    await page.waitForFunction(() => document.querySelectorAll('iframe.attention-playground').length === 2, null, { timeout: 90000 });
    for (const el of await page.$$('iframe.attention-playground')) {
      const f = await el.contentFrame();
      await f.waitForFunction(() => window.attnTest && window.Module && Module.calledRun && attnTest.state().frames >= 3 &&
        window.attnPayloadError !== undefined, null, { timeout: 90000 });
    }
  });

  await check('classic Notebook: model_view shows the weights handed in', async () => {
    const f = await (await page.$$('iframe.attention-playground'))[0].contentFrame();
    const m = await f.evaluate(() => attnTest.model());
    assert(m.given && m.L === 2 && m.H === 3 && m.T === 5 && m.layer === 1 && m.head === 2, JSON.stringify(m).slice(0, 200));
    const row4 = m.selected.slice(20);
    assert(row4.every((v) => Math.abs(v - 0.2) < 1e-7), `last row ${row4}`);
  });

  await check('classic Notebook: ap.model reads the checkpoint through /files/ and runs the text', async () => {
    const f = await (await page.$$('iframe.attention-playground'))[1].contentFrame();
    await f.waitForFunction(() => attnTest.model().ran && !attnTest.model().running, null, { timeout: 60000 });
    assert(await f.evaluate(() => window.attnPayloadError) === '', await f.evaluate(() => window.attnPayloadError));
    const m = await f.evaluate(() => attnTest.model());
    assert(JSON.stringify(m.ids) === JSON.stringify(want), `ids ${m.ids} vs attn tokenize ${want}`);
    await page.screenshot({ path: process.argv[3] || path.join(os.tmpdir(), 'attn-jupyter.png') });
    assert(frameErrors.length === 0, frameErrors.join('\n'));
  });
} finally {
  await cleanup();
  server.kill();
}
fs.rmSync(dir, { recursive: true, force: true });
if (!summary()) process.exit(1);
