// first_minute.mjs: what a first-time visitor meets, and the Check tab. The tour appears on a first visit, not on the
// second, not through a link and never in an embed; the all-heads grid's hover explains a cell of
// the head under the pointer; pin and compare round-trips through the URL, and its difference
// heatmap is B - A cell for cell (read through the test hook).
// Usage: node tests/browser/first_minute.mjs SITE_DIR
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { serve, launch, open, waitFrames, state, rect, click, nextFrames, check, summary, assert } from './harness.mjs';

const site = path.resolve(process.argv[2] || 'build/web');
const { server, url } = await serve(site);
const { browser, cleanup } = await launch();

try {
  await check('tour: on a first visit, step by step, then never again once dismissed', async () => {
    const { page, errors, context } = await open(browser, url, { tour: true });
    await waitFrames(page, 3, 20000);
    let s = await state(page);
    assert(s.tour_step === 0, `first visit: tour_step ${s.tour_step}`);
    await click(page, 'tour:next');
    s = await state(page);
    assert(s.tour_step === 1, `after Next: tour_step ${s.tour_step}`);
    await click(page, 'tour:skip');
    s = await state(page);
    assert(s.tour_step === -1, `after Skip: tour_step ${s.tour_step}`);
    // the same browser profile comes back: no tour
    const again = await context.newPage();
    await again.goto(url);
    await waitFrames(again, 3, 20000);
    s = await state(again);
    assert(s.tour_step === -1, `second visit: tour_step ${s.tour_step}`);
    assert(errors.length === 0, errors.join('; '));
    await context.close();
  });

  await check('tour: walking through all six steps ends it with Done', async () => {
    const { page, context } = await open(browser, url, { tour: true });
    await waitFrames(page, 3, 20000);
    for (let i = 0; i < 6; i++) {
      const s = await state(page);
      assert(s.tour_step === i, `step ${i}: tour_step ${s.tour_step}`);
      await click(page, 'tour:next');
    }
    const s = await state(page);
    assert(s.tour_step === -1, `after Done: ${s.tour_step}`);
    assert(await page.evaluate(() => localStorage.getItem('attn.tour')) === 'done', 'not remembered');
    await context.close();
  });

  await check('tour: not through a link with state, never in an embed', async () => {
    for (const u of [`${url}#preset=causal`, `${url}embed.html`, `${url}embed.html#preset=cat-it&panels=stage`]) {
      const { page, context } = await open(browser, u, { tour: true });
      await waitFrames(page, 3, 20000);
      const s = await state(page);
      assert(s.tour_step === -1, `${u}: tour_step ${s.tour_step}`);
      await context.close();
    }
    const demo = await open(browser, `${url}embed-demo.html`, { tour: true });
    await demo.page.waitForTimeout(500);
    for (const f of demo.page.frames().slice(1)) {
      await f.waitForFunction(() => window.attnTest && window.Module && Module.calledRun && attnTest.state().frames >= 3, null, { timeout: 30000 });
      const s = await f.evaluate(() => attnTest.state());
      assert(s.tour_step === -1, `an embed of the demo page shows the tour`);
    }
    await demo.context.close();
  });

  await check('all-heads grid: hovering a cell of head 2 explains that head\'s weight', async () => {
    const { page, errors, context } = await open(browser, `${url}#preset=cat-it&view=grid&stage=6`);
    await waitFrames(page, 3, 20000);
    const s0 = await state(page);
    const r = await rect(page, 'cells:grid1');
    assert(r.x0 !== undefined, 'no grid for head 2');
    const i = s0.tokens_q.indexOf('it'), j = s0.tokens_k.indexOf('cat');
    await page.mouse.move(r.x0 + (j + 0.5) * (r.x1 - r.x0) / s0.n_k, r.y0 + (i + 0.5) * (r.y1 - r.y0) / s0.n_q);
    await nextFrames(page, 4);
    const s = await state(page);
    assert(s.hover && s.hover.matrix === 'weights' && s.hover.head === 1 && s.hover.i === i && s.hover.j === j,
           `hover: ${JSON.stringify(s.hover)}`);
    const want = await page.evaluate(([i, j]) => attnTest.explain('weights', 1, i, j), [i, j]);
    assert(s.hover.text === want && want.startsWith('α'), `grid explains '${s.hover.text}', head 2 says '${want}'`);
    assert(errors.length === 0, errors.join('; '));
    await context.close();
  });

  await check('pin and compare: the link holds A and B, and the difference is B − A cell for cell', async () => {
    const { page, errors, context } = await open(browser, `${url}#preset=cat-it&stage=6`);
    await waitFrames(page, 3, 20000);
    await click(page, 'pin');
    let s = await state(page);
    assert(s.pin === true, 'not pinned');
    let c = await page.evaluate(() => attnTest.compare());
    assert(c.on && c.ok && c.diff.every((d) => d === 0), `right after pinning B = A: ${JSON.stringify(c).slice(0, 200)}`);
    // B: the causal mask (through the link, as a visitor would share it)
    const h = s.url_state.replace('mask=none', 'mask=causal');
    assert(h.includes('pin='), `the link has no pin: ${s.url_state.slice(0, 200)}`);
    const fresh = await open(browser, `${url}#${h}`);
    await waitFrames(fresh.page, 3, 20000);
    s = await state(fresh.page);
    assert(s.pin === true && s.mask === 'causal', `after the link: pin ${s.pin}, mask ${s.mask}`);
    c = await fresh.page.evaluate(() => attnTest.compare());
    assert(c.ok && c.rows === 10 && c.cols === 10, `compare: ${JSON.stringify(c).slice(0, 200)}`);
    let changed = 0;
    for (let k = 0; k < c.diff.length; k++) {
      const want = c.a[k] === c.b[k] ? 0 : Math.fround(Math.fround(c.b[k]) - Math.fround(c.a[k]));
      assert(Math.abs(c.diff[k] - want) <= 1e-7 * Math.max(1, Math.abs(want)), `cell ${k}: diff ${c.diff[k]}, B − A ${want}`);
      if (c.diff[k] !== 0) changed++;
    }
    // causal: everything above the diagonal went to 0 (a negative change), the first row to [1, 0, ...]
    assert(changed > 45, `only ${changed} cells changed`);
    assert(c.b[1] === 0 && c.diff[1] < 0 && c.b[0] === 1, `first row: B ${c.b.slice(0, 3)}, diff ${c.diff.slice(0, 3)}`);
    // the link written back by the app still holds both
    await nextFrames(fresh.page, 10);
    const back = await fresh.page.evaluate(() => location.hash);
    assert(back.includes('pin=') && back.includes('mask=causal'), `URL after: ${back.slice(0, 200)}`);
    // unpin
    await click(fresh.page, 'unpin');
    s = await state(fresh.page);
    assert(s.pin === false, 'still pinned after Unpin');
    assert(errors.length === 0 && fresh.errors.length === 0, errors.concat(fresh.errors).join('; '));
    await fresh.context.close();
    await context.close();
  });
  await check('Check tab: your Q, K, V and an unscaled output, imported as files: FAIL, "no-scale" named, a difference heatmap', async () => {
    const { page, errors, context } = await open(browser, `${url}#preset=cat-it`);
    await waitFrames(page, 3, 20000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-check-'));
    execFileSync('/usr/bin/python3', ['-c', `
import numpy as np
r = np.random.default_rng(2)
q, k, v = (r.standard_normal(s).astype(np.float32) for s in ((5, 4), (6, 4), (6, 3)))
s = q.astype(np.float64) @ k.T.astype(np.float64)  # no 1/sqrt(d_k): the bug
w = np.exp(s - s.max(1, keepdims=True)); w /= w.sum(1, keepdims=True)
for n, a in (('q', q), ('k', k), ('v', v), ('out', (w @ v).astype(np.float32))): np.save('${dir}/' + n + '.npy', a)`]);
    await click(page, 'tab:check');
    for (const [i, name] of ['q', 'k', 'v', 'out'].entries()) {
      await page.setInputFiles('input[type=file]', path.join(dir, `${name}.npy`));
      await page.waitForFunction((i) => attnTest.rect('import:check' + i).x0 !== undefined, i, { timeout: 10000 });
      await nextFrames(page, 3);  // an auto-sized popup is placed on its second frame
      await click(page, `import:check${i}`);
    }
    let s = await state(page);
    assert(s.check.loaded === 4, `loaded ${s.check.loaded}`);
    await click(page, 'check:run');
    s = await state(page);
    assert(s.check.ran && !s.check.pass && s.check.causes[0] === 'no-scale', `check: ${JSON.stringify(s.check)}`);
    const r = await rect(page, 'check:diff');
    assert(r.x0 !== undefined, 'no difference heatmap');
    fs.rmSync(dir, { recursive: true });
    assert(errors.length === 0, errors.join('; '));
    await context.close();
  });
  await check('backward stages: the Normalization stage shows ∂L/∂m, and a hovered cell explains its arithmetic', async () => {
    const { page, errors, context } = await open(browser, `${url}#preset=cat-it&stage=6&q=8`);
    await waitFrames(page, 3, 20000);
    await click(page, 'backward');
    let s = await state(page);
    assert(s.backward === true, 'backward mode is off');
    const r = await rect(page, 'cells:gM');
    assert(r.x0 !== undefined, 'no ∂L/∂m on the Normalization stage');
    await page.mouse.move(r.x0 + 1.5 * (r.x1 - r.x0) / s.n_k, r.y0 + 7.5 * (r.y1 - r.y0) / s.n_q);  // row "it", key "cat"
    await nextFrames(page, 4);
    s = await state(page);
    assert(s.hover && s.hover.text.startsWith('∂L/∂m₈₂ = α₈₂ (∂L/∂α₈₂'), `hover: ${JSON.stringify(s.hover)}`);
    await click(page, 'backward');
    assert((await state(page)).backward === false, 'still backward');
    assert(errors.length === 0, errors.join('; '));
    await context.close();
  });
} finally {
  await cleanup();
  server.close();
}
process.exit(summary() ? 0 : 1);
