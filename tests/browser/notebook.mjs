// notebook.mjs: the Python package in a real notebook. Executes tests/python/views.ipynb with
// Debian's `jupyter nbconvert --to html --execute` (a small PyTorch model written in the notebook;
// model_view, head_view, stepper, and check with a deliberately missing scale), opens the HTML in
// Chromium, and checks that every view renders the notebook's own tensors with zero console
// errors and that the Check view names the bug. Screenshots of each view land beside the HTML.
//   node tests/browser/notebook.mjs OUT_DIR ATTN_CLI     (OUT_DIR: build/python, after make python-package)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, launch, open, check, summary, assert } from './harness.mjs';
import { writeGpt2 } from './checkpoint.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.resolve(process.argv[2] || path.join(root, 'build/python'));
const cli = path.resolve(process.argv[3] || path.join(root, 'build/native/attn'));
const expectFile = path.join(out, 'notebook_expect.json');
fs.mkdirSync(out, { recursive: true });
fs.rmSync(expectFile, { force: true });

const t0 = Date.now();
execFileSync('jupyter', ['nbconvert', '--to', 'html', '--execute', '--ExecutePreprocessor.timeout=600',
  path.join(root, 'tests/python/views.ipynb'), '--output-dir', out, '--output', 'notebook'], {
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, PYTHONPATH: path.join(root, 'src/python'), ATTN_CLI: cli, ATTN_NB_EXPECT: expectFile,
         PYDEVD_DISABLE_FILE_VALIDATION: '1' },
});
console.log(`executed the notebook in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
const want = JSON.parse(fs.readFileSync(expectFile, 'utf8'));
const htmlFile = path.join(out, 'notebook.html');

const { browser, cleanup } = await launch();
// the notebook's HTML loads Debian's require.js and MathJax by file URLs: opened as a file, as a
// reader of the exported notebook does
const { page, errors } = await open(browser, 'file://' + htmlFile, { width: 1280, height: 900 });
const views = {};
const names = ['model', 'head', 'stepper', 'check'];  // the order of the notebook's cells

await check('the notebook has one frame per view, and each starts', async () => {
  await page.waitForFunction(() => document.querySelectorAll('iframe.attention-playground').length === 4, null, { timeout: 30000 });
  const frames = await page.$$('iframe.attention-playground');
  for (let i = 0; i < frames.length; i++) {
    const frame = await frames[i].contentFrame();
    await frame.waitForFunction(() => window.attnTest && window.Module && Module.calledRun && attnTest.state().frames >= 3 &&
      window.attnPayloadError !== undefined, null, { timeout: 90000 });
    assert(await frame.evaluate(() => window.attnPayloadError) === '', `${names[i]}: ${await frame.evaluate(() => window.attnPayloadError)}`);
    views[names[i]] = { frame, element: frames[i] };
  }
});

const close = (a, b, tol) => Math.abs(a - b) <= tol;

await check('model_view shows the notebook model\'s weights for every layer and head', async () => {
  const m = await views.model.frame.evaluate(() => attnTest.model());
  assert(m.given && m.L === want.L && m.H === want.H && m.T === want.T, `shape ${m.L}x${m.H}x${m.T}`);
  assert(JSON.stringify(m.tokens) === JSON.stringify(want.tokens), `tokens ${m.tokens}`);
  assert(m.labels.length === want.L * want.H, `labels ${m.labels.length}`);
  assert(m.selected.length === want.T * want.T, `selected ${m.selected.length}`);
  m.selected.forEach((v, i) => assert(close(v, want.weights00[i], 1e-6), `weight ${i}: ${v} vs ${want.weights00[i]}`));
  const s = await views.model.frame.evaluate(() => attnTest.state());
  assert(s.url_state.includes('mode=model'), s.url_state);
});

await check('head_view opens on the layer asked for', async () => {
  const m = await views.head.frame.evaluate(() => attnTest.model());
  assert(m.given && m.layer === 1 && m.head === 0, `layer ${m.layer} head ${m.head}`);
  const r = await views.head.frame.evaluate(() => attnTest.rect('model:lines'));
  assert(r.x1 - r.x0 > 200, 'the token lines are on screen');
});

await check('stepper runs the real Q, K, V: its weights are the model\'s own', async () => {
  const s = await views.stepper.frame.evaluate(() => attnTest.state());
  assert(s.ok && s.n_q === want.T && s.n_k === want.T && s.n_heads === want.H && s.mask === 'causal', JSON.stringify(s).slice(0, 300));
  // the last query's row of head 0 (the stepper's selected row) against layer 0's attention in PyTorch
  const row = want.weights00.slice((want.T - 1) * want.T);
  s.row_weights.forEach((v, j) => assert(close(v, row[j], 2e-6), `w[${j}] ${v} vs ${row[j]}`));
  // the hover arithmetic names the given value of Q
  const text = await views.stepper.frame.evaluate(() => attnTest.explain('Q', 0, 2, 1));
  assert(text.includes(want.q[0][2][1].toFixed(2)) && text.includes('given'), text);
});

await check('check names the missing scale, as the dict does', async () => {
  const c = (await views.check.frame.evaluate(() => attnTest.state())).check;
  assert(c.ran && !c.pass && c.causes[0] === 'no-scale', JSON.stringify(c));
  assert(JSON.stringify(c.causes) === JSON.stringify(want.causes), `page ${c.causes} vs dict ${want.causes}`);
});

await check('every view drew without a console error', async () => {
  for (const n of names) {
    await views[n].element.scrollIntoViewIfNeeded();
    await views[n].frame.waitForTimeout(300);
    await views[n].element.screenshot({ path: path.join(out, `notebook-${n}.png`) });
  }
  assert(errors.length === 0, errors.join('\n'));
});

// ap.model: a checkpoint folder read through a notebook server's /files/ URLs. The server here is
// the harness's static server laid out as Jupyter's: the notebook at /notebooks/sub/view.html, the
// folder on disk under the server's root at files/sub/ckpt, so that /files/sub/ckpt/... serves it
await check('ap.model opens a checkpoint through the notebook server\'s file URLs, its weights not in the page', async () => {
  const srv = path.join(out, 'nbserver');
  fs.rmSync(srv, { recursive: true, force: true });
  const nbdir = path.join(srv, 'files', 'sub');
  fs.mkdirSync(path.join(srv, 'notebooks', 'sub'), { recursive: true });
  fs.mkdirSync(nbdir, { recursive: true });
  const text = 'The cat sat on the mat';
  writeGpt2(path.join(nbdir, 'ckpt'));
  execFileSync('/usr/bin/python3', ['-c', `
import attention_playground as ap
v = ap.model('ckpt', text=${JSON.stringify(text)}, layer=1, head=2)
assert len(v.page()) < 3 * 10**6, 'the weights went into the page'
open(${JSON.stringify(path.join(srv, 'notebooks', 'sub', 'view.html'))}, 'w').write('<!doctype html><meta charset=utf-8><link rel=icon href="data:,"><body>' + v._repr_html_())
try:
    ap.model('/tmp')
except ValueError as e:
    assert 'no config.json' in str(e), e
`], { cwd: nbdir, env: { ...process.env, PYTHONPATH: path.join(root, 'src/python') } });
  const want = JSON.parse(execFileSync(cli, ['tokenize', '--model', path.join(nbdir, 'ckpt'), '--text', text], { encoding: 'utf8' })).ids;
  const { server, url } = await serve(srv);
  try {
    const { page, errors } = await open(browser, url + 'notebooks/sub/view.html', { width: 1280, height: 800 });
    const frame = await (await page.waitForSelector('iframe.attention-playground')).contentFrame();
    await frame.waitForFunction(() => window.attnPayloadError !== undefined && attnTest.model().ran && !attnTest.model().running,
      null, { timeout: 90000 });
    assert(await frame.evaluate(() => window.attnPayloadError) === '', await frame.evaluate(() => window.attnPayloadError));
    const m = await frame.evaluate(() => attnTest.model());
    assert(m.loaded && m.summary.startsWith('gpt2, 2 layers, 4 heads'), m.summary);
    assert(JSON.stringify(m.ids) === JSON.stringify(want), `ids ${m.ids} vs attn tokenize ${want}`);
    assert(m.layer === 1 && m.head === 2, `layer ${m.layer} head ${m.head}`);
    await (await page.$('iframe.attention-playground')).screenshot({ path: path.join(out, 'notebook-files.png') });
    assert(errors.length === 0, errors.join('\n'));
  } finally {
    server.close();
  }
});

await cleanup();
if (!summary()) process.exit(1);
