// screens.mjs: screenshots for people to look at (not a test): 1280x800, device pixel ratio 2
// and a 390x844 phone on the Normalization stage with a hovered cell; then every stage and
// panel at 1280x800 (stage0..7, tab-tokens, tab-cost, tab-long, grid, help, light).
// Usage: node tests/browser/screens.mjs SITE_DIR OUT_DIR
import path from 'node:path';
import fs from 'node:fs';
import { serve, launch, open, waitFrames, state, rect, click, nextFrames } from './harness.mjs';

const site = path.resolve(process.argv[2] || 'build/web');
const out = path.resolve(process.argv[3] || 'build/screens');
fs.mkdirSync(out, { recursive: true });
const { server, url } = await serve(site);
const { browser, cleanup } = await launch();
const shot = async (page, name) => { await page.screenshot({ path: path.join(out, `${name}.png`) }); console.log(`${name}.png`); };
try {
  for (const [name, opts] of [['web-1280x800', { width: 1280, height: 800, dpr: 1 }], ['web-dpr2', { width: 1280, height: 800, dpr: 2 }],
                              ['phone-390x844', { width: 390, height: 844, dpr: 3 }]]) {
    const { page, errors, context } = await open(browser, url, opts);
    await waitFrames(page, 3, 20000);
    await click(page, 'stage5');
    const s = await state(page);
    const r = await rect(page, 'cells:A');
    if (r.x0 !== undefined) {
      const i = s.tokens_q.indexOf('it'), j = s.tokens_k.indexOf('cat');
      await page.mouse.move(r.x0 + (j + 0.5) * (r.x1 - r.x0) / s.n_k, r.y0 + (i + 0.5) * (r.y1 - r.y0) / s.n_q);
    }
    await nextFrames(page, 4);
    await shot(page, name);
    if (errors.length) console.log('  errors: ' + errors.join('; '));
    await context.close();
  }
  const { page, errors } = await open(browser, url);
  await waitFrames(page, 3, 20000);
  for (let i = 0; i < 8; i++) {
    await click(page, `stage${i}`);
    await page.mouse.move(2, 790);
    await nextFrames(page, 3);
    await shot(page, `stage${i}`);
  }
  for (const tab of ['tokens', 'cost', 'long']) { await click(page, `tab:${tab}`); await nextFrames(page, 4); await shot(page, `tab-${tab}`); }
  for (const [key, name] of [['g', 'grid'], ['g', null], ['h', 'help'], ['h', null], ['t', 'light']]) {
    await page.keyboard.press(key);
    await nextFrames(page, 3);
    if (name) await shot(page, name);
  }
  // pin and compare: pin the cat-it preset on stage 6, then make the mask causal
  await page.keyboard.press('t');
  await click(page, 'stage5');
  await click(page, 'pin');
  await page.goto(`${url}#${(await state(page)).url_state.replace(/mask=none/, 'mask=causal')}`);
  await nextFrames(page, 6);
  const cr = await rect(page, 'cells:cmpD');
  if (cr.x0 !== undefined) await page.mouse.move(cr.x0 + (cr.x1 - cr.x0) * 0.45, cr.y0 + (cr.y1 - cr.y0) * 0.25);
  else await page.mouse.move(2, 790);
  await nextFrames(page, 4);
  await shot(page, 'compare');
  console.log(errors.length ? 'errors: ' + errors.join('; ') : 'no console errors');
  // the first visit's tour, at both sizes
  for (const [name, opts] of [['tour-1280x800', { width: 1280, height: 800, dpr: 1, tour: true }], ['tour-phone', { width: 390, height: 844, dpr: 3, tour: true }]]) {
    const t = await open(browser, url, opts);
    await waitFrames(t.page, 3, 20000);
    await nextFrames(t.page, 3);
    await shot(t.page, name);
    await click(t.page, 'tour:next');
    await click(t.page, 'tour:next');
    await nextFrames(t.page, 3);
    await shot(t.page, name + '-step3');
    await t.context.close();
  }
  // the all-heads grid with a hovered cell
  {
    const g = await open(browser, `${url}#preset=cat-it&view=grid&stage=6`);
    await waitFrames(g.page, 3, 20000);
    const r = await rect(g.page, 'cells:grid1');
    if (r.x0 !== undefined) await g.page.mouse.move(r.x0 + (r.x1 - r.x0) * 0.35, r.y0 + (r.y1 - r.y0) * 0.75);
    await nextFrames(g.page, 4);
    await shot(g.page, 'grid-hover');
    await g.context.close();
  }
} finally {
  await cleanup();
  server.close();
}
