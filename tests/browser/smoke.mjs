// smoke.mjs: the page in headless Chromium. A first frame within 15 s, a canvas that is not
// blank, zero console errors, and real clicks that change the app's state; then the stepper,
// hover explanations, mask and normalizer changes (the playground's acceptance list).
// Usage: node tests/browser/smoke.mjs SITE_DIR [--shots DIR]
import path from 'node:path';
import { serve, launch, open, waitFrames, state, rect, click, nextFrames, pixelStats, check, summary, assert } from './harness.mjs';

const site = path.resolve(process.argv[2] || 'build/web');
const shotsAt = process.argv.indexOf('--shots');
const shots = shotsAt > 0 ? process.argv[shotsAt + 1] : null;
const { server, url } = await serve(site);
const { browser, cleanup } = await launch();

try {
  const { page, errors } = await open(browser, url);
  const t0 = Date.now();
  await check('first frame within 15 s', async () => {
    await waitFrames(page, 2, 15000);
    console.log(`     first frames after ${Date.now() - t0} ms`);
  });
  await check('canvas is not blank', async () => {
    await nextFrames(page, 5);
    const s = await pixelStats(page);
    assert(s.variance > 100, `pixel variance ${s.variance.toFixed(1)} is too low`);
  });
  await check('clicking "next" advances the stage', async () => {
    const before = (await state(page)).stage;
    await click(page, 'next');
    const after = (await state(page)).stage;
    assert(after === before + 1, `stage ${before} -> ${after}`);
  });
  await check('stepping through all 8 stages of a preset (buttons and keys)', async () => {
    await click(page, 'stage0');
    const seen = [];
    for (let i = 0; i < 8; i++) {
      const s = await state(page);
      seen.push(s.stage);
      if (i < 7) { await page.keyboard.press('ArrowRight'); await nextFrames(page, 2); }
    }
    assert(seen.join() === '0,1,2,3,4,5,6,7', `stages seen: ${seen}`);
    await click(page, 'prev');
    assert((await state(page)).stage === 6, 'prev did not go back');
  });
  await check('hovering a weight shows its arithmetic', async () => {
    await click(page, 'stage5');  // Normalization
    const s = await state(page);
    const r = await rect(page, 'cells:A');
    assert(r.x0 !== undefined, 'weights matrix not on screen');
    const i = s.tokens_q.indexOf('it'), j = s.tokens_k.indexOf('cat');
    const cw = (r.x1 - r.x0) / s.n_k, ch = (r.y1 - r.y0) / s.n_q;
    await page.mouse.move(r.x0 + (j + 0.5) * cw, r.y0 + (i + 0.5) * ch);
    await nextFrames(page, 3);
    const h = (await state(page)).hover;
    assert(h && h.matrix === 'weights' && h.i === i && h.j === j, `hover ${JSON.stringify(h)}`);
    assert(/^α₈₂ = e\^\(/.test(h.text) && h.text.endsWith('= 0.329'), `explanation: ${h.text}`);
    const direct = await page.evaluate(() => attnTest.explain('scores', 0, 7, 1));
    assert(direct.startsWith('s₈₂ = q₈·k₂ = '), `score explanation: ${direct}`);
    if (shots) await page.screenshot({ path: `${shots}/hover.png` });
  });
  await check('"it" attends most to "cat" in the default preset', async () => {
    const s = await state(page);
    const w = s.row_weights;
    assert(s.tokens_q[s.query] === 'it', `selected query ${s.tokens_q[s.query]}`);
    assert(w.indexOf(Math.max(...w)) === s.tokens_k.indexOf('cat'), `weights ${w}`);
  });
  await check('changing the mask to causal zeroes the future', async () => {
    await page.mouse.move(5, 5);
    await click(page, 'mask');
    await click(page, 'mask:causal (GPT)');
    const s = await state(page);
    assert(s.mask === 'causal', `mask is ${s.mask}`);
    const future = s.row_weights.slice(s.query + 1);
    assert(future.every((x) => x === 0), `future weights ${future}`);
  });
  await check('changing the normalizer to sparsemax gives exact zeros', async () => {
    await click(page, 'normalizer');
    await click(page, 'norm:sparsemax');
    const s = await state(page);
    assert(s.normalizer === 'sparsemax', `normalizer is ${s.normalizer}`);
    const sum = s.row_weights.reduce((a, b) => a + b, 0);
    assert(Math.abs(sum - 1) < 1e-5 && s.row_weights.some((x) => x === 0), `row ${s.row_weights}`);
  });
  await check('side tabs switch on each click', async () => {
    const has = async (p, n) => (await rect(p, n)).x0 !== undefined;
    for (const [tab, marker] of [['tokens', null], ['cost', null], ['long', 'long:run'], ['row', null], ['long', 'long:run']]) {
      await click(page, `tab:${tab}`);
      if (marker) assert(await has(page, marker), `after clicking ${tab}, ${marker} is not on screen`);
      else assert(!(await has(page, 'long:run')), `after clicking ${tab}, the Long n panel is still shown`);
    }
    await click(page, 'tab:row');
  });
  await check('phone 390x844: one column, taps and drags work', async () => {
    const phone = await open(browser, url, { width: 390, height: 844, dpr: 3 });
    await waitFrames(phone.page, 2, 15000);
    await nextFrames(phone.page, 2);
    let s = await state(phone.page);
    assert(s.narrow, 'the layout did not switch to one column');
    const r = await rect(phone.page, 'next');
    await phone.page.touchscreen.tap((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2);
    await nextFrames(phone.page, 3);
    s = await state(phone.page);
    assert(s.stage === 1, `tap on next: stage ${s.stage}`);
    // drag a value of Q sideways with a finger: the cell is edited and everything recomputes
    const c = await rect(phone.page, 'cells:Qp');
    assert(c.x0 !== undefined, 'Q is not on screen');
    const cs = phone.page.context();
    const cdp = await cs.newCDPSession(phone.page);
    const x = c.x0 + 5, y = c.y0 + 5;
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
    await nextFrames(phone.page, 2);
    for (let k = 1; k <= 6; k++) { await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: x + 10 * k, y }] }); await nextFrames(phone.page, 1); }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await nextFrames(phone.page, 3);
    s = await state(phone.page);
    assert(s.edits === 1, `edits after a drag: ${s.edits}`);
    assert(phone.errors.length === 0, phone.errors.join('; '));
    await phone.context.close();
  });
  await check('tablet 1024x768: a tap from one side tab onto another switches it', async () => {
    // a finger does not hover first: ImGui 1.86 ignored a tab tapped while another was hovered
    const tablet = await open(browser, url, { width: 1024, height: 768, dpr: 2, touch: true });
    await waitFrames(tablet.page, 2, 15000);
    await nextFrames(tablet.page, 2);
    assert(!(await state(tablet.page)).narrow, 'the tablet got the phone layout');
    for (const [tab, long] of [['tokens', false], ['long', true], ['cost', false], ['long', true], ['row', false]]) {
      const r = await rect(tablet.page, `tab:${tab}`);
      assert(r.x0 !== undefined, `tab ${tab} is not on screen`);
      await tablet.page.touchscreen.tap((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2);
      await nextFrames(tablet.page, 4);
      const shown = (await rect(tablet.page, 'long:run')).x0 !== undefined;
      assert(shown === long, `after tapping ${tab}, the Long n panel is ${shown ? '' : 'not '}shown`);
    }
    assert(tablet.errors.length === 0, tablet.errors.join('; '));
    await tablet.context.close();
  });
  await check('8 heads, n = 64: recompute time', async () => {
    const words = Array.from({ length: 64 }, (_, i) => ['the', 'cat', 'sat', 'on', 'mat', 'it', 'was', 'tired'][i % 8]).join(' ');
    await page.evaluate((w) => { location.hash = `sentence=${encodeURIComponent(w)}&d=64&heads=8&stage=6`; }, words);
    await nextFrames(page, 10);
    const s = await state(page);
    assert(s.n_q === 64 && s.n_heads === 8 && s.ok, `n=${s.n_q} heads=${s.n_heads}`);
    const t0 = Date.now(), f0 = s.frames;
    await page.waitForTimeout(2000);
    const s2 = await state(page);
    console.log(`     n=64, 8 heads, d_model=64: recompute ${s.compute_ms.toFixed(2)} ms; ${((s2.frames - f0) / ((Date.now() - t0) / 1000)).toFixed(1)} frames/s under SwiftShader`);
    // the overlay's facts: Chromium has relaxed SIMD, so the page runs the FMA kernels, and on this
    // x86 with FMA3 each multiply-add is fused
    assert(s2.kernel_backend === 'wasm-simd128-fma' && s2.simd === true && s2.fused_madd === true,
      `kernels ${s2.kernel_backend}, simd ${s2.simd}, fused ${s2.fused_madd}`);
  });
  await check('long sequence: n = 8192 on the fused path, pan and zoom over weights never stored', async () => {
    const heap0 = await page.evaluate(() => Module.HEAPU8.length);
    await click(page, 'tab:long');
    // the run is spread over frames (a slice of rows each, ~20 ms): the page keeps drawing, the
    // progress bar fills, and the trace appears only once every row is done. The progress is read in
    // the page every frame from before the click (reading it from here, a round trip a sample, missed
    // most frames of a loaded machine, and the run could end between two samples)
    await page.evaluate(() => {
      window.longSeen = [];
      const tick = () => {
        const st = attnTest.state();
        if (st.long.running) window.longSeen.push(st.long.rows_done);
        if (!st.long.ok || st.long.running || window.longSeen.length === 0) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const f0 = (await state(page)).frames;
    await click(page, 'long:run');
    await page.waitForFunction(() => attnTest.state().long.ok && !attnTest.state().long.running && window.longSeen.length > 0,
      null, { timeout: 120000 });
    const seen = new Set(await page.evaluate(() => window.longSeen));
    let s = await state(page);
    assert(s.long.ok && !s.long.running, `long run did not finish: ${JSON.stringify(s.long)}`);
    assert(seen.size >= 3, `progress seen at only ${seen.size} points: ${[...seen].join(', ')}`);
    console.log(`     the run took ${s.frames - f0} frames, progress seen at ${seen.size} points`);
    assert(s.long.n === 8192 && s.long.causal && s.long.window === 8192, `long: ${JSON.stringify(s.long)}`);
    const grew = (await page.evaluate(() => Module.HEAPU8.length) - heap0) / 1048576;
    // O(n d): Q, K, V, O of 8192 x 64 floats are 8 MB; one n x n float matrix would be 256 MB
    assert(grew < 64, `wasm heap grew by ${grew.toFixed(1)} MB`);
    const m = await rect(page, 'long:map');
    const cx = (m.x0 + m.x1) / 2, cy = (m.y0 + m.y1) / 2;
    await page.mouse.move(cx, cy);
    await nextFrames(page, 3);
    s = await state(page);
    assert(s.long.hover_i >= 0 && s.long.hover_w >= 0, `hover: ${JSON.stringify(s.long)}`);
    if (s.long.hover_j > s.long.hover_i) assert(s.long.hover_w === 0, 'causal: a future key has weight 0');
    for (let k = 0; k < 3; k++) { await page.mouse.wheel(0, -100); await nextFrames(page, 2); }
    s = await state(page);
    assert(s.long.window === 1024, `three wheel steps in: window ${s.long.window}`);
    const before = { i0: s.long.i0, j0: s.long.j0 };
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    await page.mouse.move(cx - 60, cy - 60, { steps: 6 });
    await page.mouse.up();
    await nextFrames(page, 3);
    s = await state(page);
    assert(s.long.i0 > before.i0 && s.long.j0 > before.j0, `drag: ${JSON.stringify(before)} -> ${s.long.i0},${s.long.j0}`);
    await click(page, 'long:reset');
    s = await state(page);
    assert(s.long.window === 8192 && s.long.i0 === 0, `reset: ${JSON.stringify(s.long)}`);
    console.log(`     n = 8192 causal: fused forward ${s.long.ms.toFixed(0)} ms, trace ${(s.long.bytes / 1e6).toFixed(1)} MB, heap +${grew.toFixed(1)} MB`);
    // a second run, cancelled half way: the last finished trace stays. A click takes frames, and
    // the run may finish its last slice before the Cancel press lands (a busy machine gives it
    // fewer, longer frames): the check waits on the state it tests, a run cancelled while running,
    // and starts the run again when the press came too late
    // (a finished run bumps long.version; a cancelled one leaves the last map, and its version, as they were)
    let cancelled = false;
    for (let attempt = 0; attempt < 6 && !cancelled; attempt++) {
      const version = (await state(page)).long.version;
      await click(page, 'long:run');
      s = await state(page);
      if (!s.long.running) continue;  // finished within the click's own frames
      const cancel = await rect(page, 'long:cancel');
      if (cancel.x0 === undefined) continue;
      await page.mouse.move((cancel.x0 + cancel.x1) / 2, (cancel.y0 + cancel.y1) / 2);
      await page.mouse.down();
      await nextFrames(page, 1);
      await page.mouse.up();
      await page.waitForFunction(() => !attnTest.state().long.running, null, { timeout: 60000 });
      s = await state(page);
      if (s.long.version !== version) { console.log('     the run finished before the Cancel press landed; again'); continue; }
      assert(!s.long.running && s.long.ok && s.long.n === 8192 && s.long.rows_done === 0, `cancel: ${JSON.stringify(s.long)}`);
      cancelled = true;
    }
    assert(cancelled, 'the run finished before every Cancel press in 6 attempts');
  });
  await check('a refused heap growth is reported, and the app keeps working', async () => {
    const before = await state(page);
    const msg = await page.evaluate(() => attnTest.memoryFailure());
    assert(/out of memory/.test(msg), `status after the failed growth: "${msg}"`);
    await nextFrames(page, 3);
    await click(page, 'stage2');
    await nextFrames(page, 3);
    const after = await state(page);
    assert(after.ok && after.stage === 2 && after.n_q === before.n_q, `after: ok=${after.ok} stage=${after.stage} n=${after.n_q}`);
    console.log(`     "${msg}"; wasm heap now ${await page.evaluate(() => (Module.HEAPU8.length / 1048576).toFixed(0))} MB`);
  });
  await check('zero console errors', async () => assert(errors.length === 0, errors.join('\n')));
  if (shots) await page.screenshot({ path: `${shots}/web-1280x800.png` });
} finally {
  await cleanup();
  server.close();
}
process.exit(summary() ? 0 : 1);
