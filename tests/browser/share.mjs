// share.mjs: the URL is the state (round trip for every preset and 50 random states, hostile
// URLs), the three embeds of the demo page, the postMessage API, PNG export and .npy import.
// Usage: node tests/browser/share.mjs SITE_DIR
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { serve, launch, open, waitFrames, state, rect, click, nextFrames, pixelStats, check, summary, assert } from './harness.mjs';

const site = path.resolve(process.argv[2] || 'build/web');
const { server, url } = await serve(site);
const { browser, cleanup } = await launch();
const PRESETS = ['cat-it', 'grandmother', 'trophy-big', 'trophy-small', 'translate', 'dog-bites', 'dog-bites-pe', 'one-query', 'four-scores', 'causal', 'why-scale', 'gqa', 'alibi', 'softcap', 'sinks', 'causal-bottom-right', 'linear'];

// sets the fragment in place (hashchange) and returns the app's state once applied
// Sets the URL fragment and returns the state once `ready(state)` holds (hashchange is an event:
// under load it can land a few frames late), or after 3 frames when no condition is given.
async function setHash(page, h, ready = null) {
  await page.evaluate((h) => { location.hash = h; }, h);
  return waitState(page, ready);
}
async function waitState(page, ready) {
  await nextFrames(page, 3);
  let s = await state(page);
  for (let i = 0; ready && !ready(s) && i < 40; i++) {
    await nextFrames(page, 1);
    s = await state(page);
  }
  return s;
}
const pick = (a, r) => a[Math.floor(r() * a.length)];
function rng(seed) { return () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; }; }

try {
  const { page, errors } = await open(browser, url);
  await waitFrames(page, 2, 15000);

  await check('URL round trip for every preset (fresh page load)', async () => {
    for (const p of PRESETS) {
      const s1 = await setHash(page, `preset=${p}&stage=4&theme=light`);
      assert(s1.preset === p, `${p}: preset ${s1.preset}`);
      const fresh = await open(browser, `${url}#${s1.url_state}`);
      await waitFrames(fresh.page, 2, 15000);
      await nextFrames(fresh.page, 2);
      const s2 = await state(fresh.page);
      assert(s2.url_state === s1.url_state, `${p}:\n  ${s1.url_state}\n  ${s2.url_state}`);
      assert(JSON.stringify(s2.row_weights) === JSON.stringify(s1.row_weights), `${p}: weights differ`);
      assert(fresh.errors.length === 0, fresh.errors.join('; '));
      await fresh.context.close();
    }
  });

  await check('URL round trip for 50 random states', async () => {
    const r = rng(7);
    const words = ['the', 'cat', 'sat', 'étudiant', "it's", 'a&b', '100%', '<b>', 'naïve', 'dog'];
    for (let k = 0; k < 50; k++) {
      const heads = pick([1, 2, 4], r);
      const st = {
        sentence: Array.from({ length: 1 + Math.floor(r() * 6) }, () => pick(words, r)).join(' '),
        d: heads * pick([1, 2, 4, 8], r), heads, posenc: pick(['none', 'sinusoidal', 'rope'], r),
        init: pick(['designed', 'xavier', 'kaiming', 'identity'], r), score: pick(['dot', 'additive'], r),
        scale: pick(['auto', 'none', (r() * 3).toFixed(3)], r), mask: pick(['none', 'causal', 'window', 'padding'], r),
        w: Math.floor(r() * 4), pad: Math.floor(r() * 3), norm: pick(['softmax', 'sparsemax', 'entmax', 'hardmax', 'sigmoid'], r),
        alpha: (1 + r()).toFixed(2), T: (0.05 + r() * 5).toFixed(3), seed: Math.floor(r() * 1000), dropout: pick(['0', '0.2'], r),
        linear: pick(['0', '1'], r), stage: 1 + Math.floor(r() * 8), head: 1, q: 1, view: pick(['single', 'grid'], r), theme: pick(['dark', 'light'], r),
      };
      const text = Object.entries(st).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
      const s1 = await setHash(page, text, (s) => s.stage === st.stage - 1 && s.normalizer === st.norm && s.mask === st.mask);
      assert(s1.status === '' || !s1.status.startsWith('link:'), `state ${k} gave a notice: ${s1.status}\n${text}`);
      const s2 = await setHash(page, s1.url_state, (s) => s.url_state === s1.url_state);
      assert(s2.url_state === s1.url_state, `state ${k}:\n  ${s1.url_state}\n  ${s2.url_state}`);
      assert(s1.stage === st.stage - 1 && s1.normalizer === st.norm && s1.mask === st.mask, `state ${k} not applied: ${s1.url_state}`);
    }
  });

  await check('a link opened while the page is still writing its own state wins', async () => {
    // The page writes its state into the fragment (throttled). A write that runs after the user
    // changed the fragment but before the hashchange event fired must not overwrite the new link:
    // here the app publishes in the very task that changed the fragment.
    const before = await setHash(page, 'preset=cat-it&stage=2', (s) => s.preset === 'cat-it');
    await new Promise((res) => setTimeout(res, 400));      // no write pending, the next one is immediate
    await page.evaluate((text) => {
      location.hash = 'preset=causal&stage=3';
      window.attnPublish(text);
    }, before.url_state);
    const s = await waitState(page, (s) => s.preset === 'causal');
    await new Promise((res) => setTimeout(res, 600));
    const hash = await page.evaluate(() => location.hash);
    assert(s.preset === 'causal' && s.stage === 2, `link lost: preset ${s.preset}, stage ${s.stage}`);
    assert(hash.includes('preset=causal'), `fragment overwritten: ${hash.slice(0, 120)}`);
  });

  await check('hostile URLs: no dialog, no console error, still renders, notice shown', async () => {
    const big = 'x'.repeat(100000);
    const hostile = ['sentence=%3Cscript%3Ealert(1)%3C%2Fscript%3E%3Cimg%20src%3Dx%20onerror%3Dalert(2)%3E', `sentence=${big}`, `foo=${big}&bar=1`,
                     'T=NaN&d=NaN&heads=1e9&stage=-1', 'q=99999&head=8&seed=-1', 'norm=%00%ff&mask=%', 'paint=9999x9999:00', '=&&==&%%%'];
    for (const h of hostile) {
      const fresh = await open(browser, `${url}#${h}`);
      await waitFrames(fresh.page, 3, 15000);
      const s = await state(fresh.page);
      const px = await pixelStats(fresh.page);
      assert(s.ok && px.variance > 100, `${h.slice(0, 40)}: app not rendering`);
      assert(fresh.errors.length === 0, `${h.slice(0, 40)}: ${fresh.errors.join('; ')}`);
      const html = await fresh.page.evaluate(() => document.body.innerHTML);
      assert(!html.includes('<script>alert') && !html.includes('onerror'), 'URL text reached the DOM');
      await fresh.context.close();
    }
    const s = await setHash(page, 'foo=1&T=NaN');
    assert(s.status.startsWith('link: ignored'), `notice: ${s.status}`);
  });

  await check('postMessage: set-state then get-state returns it; garbage is ignored', async () => {
    const host = await open(browser, `${url}embed-demo.html`);
    const r = await host.page.evaluate(async () => {
      const f = document.getElementById('embed-cat');
      await new Promise((res) => { const t = setInterval(() => { try { if (f.contentWindow.attnTest.state().frames > 2) { clearInterval(t); res(); } } catch (e) {} }, 100); });
      const ask = (id) => new Promise((res) => {
        const h = (e) => { if (e.data && e.data.type === 'attn:state' && e.data.id === id) { window.removeEventListener('message', h); res(e.data.state); } };
        window.addEventListener('message', h);
        f.contentWindow.postMessage({ type: 'attn:get-state', id }, '*');
      });
      const before = await ask('b');
      for (const junk of ['hello', null, 42, [], { type: 5 }, { type: 'attn:set-state', state: 'stage=2' }, { type: 'attn:set-state', state: [1] },
                          { type: 'attn:step', delta: 'x' }, { type: 'attn:eval', code: 'alert(1)' }, { type: 'attn:set-state' }])
        f.contentWindow.postMessage(junk, '*');
      const afterJunk = await ask('j');
      f.contentWindow.postMessage({ type: 'attn:set-state', state: { stage: 3, norm: 'sparsemax', T: 0.5 } }, '*');
      await new Promise((res) => setTimeout(res, 400));
      const set = await ask('s');
      f.contentWindow.postMessage({ type: 'attn:step', delta: 2 }, '*');
      await new Promise((res) => setTimeout(res, 400));
      const stepped = await ask(7);
      return { before, afterJunk, set, stepped };
    });
    assert(JSON.stringify(r.before) === JSON.stringify(r.afterJunk), `junk changed the state:\n${JSON.stringify(r.before)}\n${JSON.stringify(r.afterJunk)}`);
    assert(r.set.stage === '3' && r.set.norm === 'sparsemax' && r.set.T === '0.5', `set-state: ${JSON.stringify(r.set)}`);
    assert(r.stepped.stage === '5', `step: ${r.stepped.stage}`);
    assert(host.errors.length === 0, host.errors.join('; '));
    await host.context.close();
  });

  await check('embed demo: three independent embeds render and leave the host page alone', async () => {
    const host = await open(browser, `${url}embed-demo.html`, { width: 1000, height: 900 });
    const ids = ['embed-cat', 'embed-mask', 'embed-scale'];
    const frameState = (id) => host.page.evaluate((id) => { try { return document.getElementById(id).contentWindow.attnTest.state(); } catch (e) { return null; } }, id);
    for (const id of ids) {  // lazy iframes load when scrolled near
      await host.page.evaluate((id) => document.getElementById(id).scrollIntoView({ block: 'center' }), id);
      await host.page.waitForFunction((id) => { try { return document.getElementById(id).contentWindow.attnTest.state().frames > 3; } catch (e) { return false; } }, id, { timeout: 90000 });  // a cap, not a wait: three wasm modules start at once, slowly on a loaded machine
    }
    await host.page.waitForTimeout(1000);  // let attn:resize settle the heights
    const y0 = await host.page.evaluate(() => window.scrollY);
    await host.page.waitForTimeout(1000);
    const y1 = await host.page.evaluate(() => window.scrollY);
    const active = await host.page.evaluate(() => document.activeElement.tagName);
    const hs = await host.page.evaluate((ids) => ids.map((id) => document.getElementById(id).style.height), ids);
    assert(y1 === y0, `the host page scrolled by itself from ${y0} to ${y1} (iframe heights ${hs})`);
    assert(active === 'BODY', `focus was taken by ${active}`);
    const got = [];
    for (const id of ids) got.push(await frameState(id));
    assert(got.every((s) => s && s.embed && s.ok), 'an embed is not rendering');
    assert(got[0].preset === 'cat-it' && got[0].stage === 5 && got[1].preset === 'causal' && got[1].mask === 'none' && got[2].preset === 'why-scale' && got[2].stage === 3,
           `states: ${got.map((s) => `${s.preset}/${s.stage}/${s.mask}`).join(', ')}`);
    const heights = await host.page.evaluate((ids) => ids.map((id) => document.getElementById(id).getBoundingClientRect().height), ids);
    assert(heights.every((h) => h >= 240 && h <= 1200), `iframe heights ${heights}`);
    // the host's buttons drive only the mask embed
    await host.page.click('#causal-on');
    await host.page.waitForTimeout(500);
    const after = [];
    for (const id of ids) after.push(await frameState(id));
    assert(after[1].mask === 'causal' && after[0].mask === 'none' && after[2].mask === 'none', `masks: ${after.map((s) => s.mask)}`);
    // keys typed on the host page do not reach the embeds, and do not scroll it
    await host.page.evaluate(() => document.body.focus());
    await host.page.keyboard.press('ArrowRight');
    await host.page.waitForTimeout(300);
    const stages = [];
    for (const id of ids) stages.push((await frameState(id)).stage);
    assert(JSON.stringify(stages) === JSON.stringify([5, 4, 3]), `stages after a host key: ${stages}`);
    assert(host.errors.length === 0, host.errors.join('; '));
    await host.context.close();
  });

  await check('PNG export of a matrix: a real PNG at 2x with the right size', async () => {
    await setHash(page, 'preset=cat-it&stage=6');
    const cells = await rect(page, 'cells:A');
    await click(page, 'export');
    const dl = page.waitForEvent('download', { timeout: 10000 });
    await click(page, 'export:png');
    const d = await dl;
    const file = path.join(os.tmpdir(), `attn-${process.pid}.png`);
    await d.saveAs(file);
    const b = fs.readFileSync(file);
    fs.rmSync(file);
    assert(b.slice(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'not a PNG signature');
    const w = b.readUInt32BE(16), h = b.readUInt32BE(20);
    const cw = cells.x1 - cells.x0;
    assert(d.suggestedFilename() === 'weights_h1@2x.png', `file name ${d.suggestedFilename()}`);
    assert(w >= 2 * cw && w < 2 * cw + 600 && h > 2 * (cells.y1 - cells.y0), `PNG ${w}x${h} for a ${cw}px-wide matrix`);
    const ok = await page.evaluate(async (b64) => { const i = new Image(); i.src = 'data:image/png;base64,' + b64; await i.decode(); return [i.width, i.height]; }, b.toString('base64'));
    assert(ok[0] === w && ok[1] === h, `decoded as ${ok}`);
    const s = await state(page);
    assert(s.status.includes(`(${w}×${h})`), `status: ${s.status}`);
  });

  await check('PNG export of the whole view at 2x', async () => {
    await click(page, 'export');
    const dl = page.waitForEvent('download', { timeout: 10000 });
    await click(page, 'export:view_png');
    const d = await dl;
    const file = path.join(os.tmpdir(), `attn-view-${process.pid}.png`);
    await d.saveAs(file);
    const b = fs.readFileSync(file);
    fs.rmSync(file);
    assert(b.readUInt32BE(16) === 2560 && b.readUInt32BE(20) === 1600, `view PNG ${b.readUInt32BE(16)}x${b.readUInt32BE(20)}`);
  });

  await check('.npy import of a numpy-written file', async () => {
    const file = path.join(os.tmpdir(), `attn-x-${process.pid}.npy`);
    execFileSync('/usr/bin/python3', ['-c', `import numpy as np; np.save('${file}', (np.arange(40, dtype=np.float64).reshape(5, 8) % 7 - 3) / 2)`]);
    await setHash(page, 'preset=cat-it&stage=1');
    await page.setInputFiles('input[type=file]', file);
    await page.waitForFunction(() => attnTest.rect('import:X').x0 !== undefined, null, { timeout: 10000 });
    await nextFrames(page, 3);  // an auto-sized popup is placed on its second frame
    await click(page, 'import:X');
    const s = await state(page);
    fs.rmSync(file);
    assert(s.n_q === 5 && s.d_model === 8 && s.status.startsWith('imported'), `after import: n=${s.n_q} d=${s.d_model} status=${s.status}`);
    // a bad file changes nothing
    const bad = path.join(os.tmpdir(), `attn-bad-${process.pid}.npy`);
    fs.writeFileSync(bad, 'not numpy');
    await page.setInputFiles('input[type=file]', bad);
    await nextFrames(page, 5);
    const s2 = await state(page);
    fs.rmSync(bad);
    assert(s2.n_q === 5 && s2.status.includes('not a .npy file'), `after a bad file: ${s2.status}`);
  });

  await check('W_k import under grouped-query attention takes (d_model, H_kv d_head)', async () => {
    // the gqa preset: d_model 16, 4 query heads of 4, 2 key/value heads, so W_k is 16 x 8
    await setHash(page, 'preset=gqa&stage=1');
    const before = await state(page);
    const importAs = async (rows, cols, target) => {
      const file = path.join(os.tmpdir(), `attn-wk-${process.pid}-${cols}.npy`);
      execFileSync('/usr/bin/python3', ['-c', `import numpy as np; np.save('${file}', np.linspace(-1, 1, ${rows * cols}).reshape(${rows}, ${cols}).astype(np.float32))`]);
      await page.setInputFiles('input[type=file]', file);
      await page.waitForFunction(() => attnTest.rect('import:W_k').x0 !== undefined, null, { timeout: 10000 });
      await nextFrames(page, 3);
      await click(page, 'import:' + target);
      await nextFrames(page, 3);
      fs.rmSync(file);
      return state(page);
    };
    const s = await importAs(16, 8, 'W_k');
    assert(s.status === `imported attn-wk-${process.pid}-8.npy as W_k` && s.ok && s.n_heads === 4,
      `16x8 W_k: status=${s.status} ok=${s.ok} heads=${s.n_heads}`);
    assert(s.output_sum !== before.output_sum, `the imported W_k is used: output sum ${s.output_sum} (was ${before.output_sum})`);
    // 16 x 16 does not fit two key/value heads of width 4: refused with the shape expected, nothing changed
    await importAs(16, 16, 'W_k');
    const err = await page.evaluate(() => attnTest.rect('import:cancel').x0 !== undefined);
    assert(err, 'the dialog stays open on a refused shape');
    await click(page, 'import:cancel');
    await nextFrames(page, 2);
    const s3 = await state(page);
    assert(s3.ok && s3.n_heads === 4 && s3.status === s.status, `after the refusal: ${s3.status}`);
  });

  await check('zero console errors on the main page', async () => assert(errors.length === 0, errors.join('\n')));
} finally {
  await cleanup();
  server.close();
}
process.exit(summary() ? 0 : 1);
