// train_screens.mjs: screenshots of the Train mode for people to look at (not a test): every lesson
// trained to a step where its story shows, at 1280x800, at device pixel ratio 2 and on a 390x844
// phone. Each run is a link (mode=train&train=lesson:NAME&tstep=N), so the pictures are reproducible.
// Usage: node tests/browser/train_screens.mjs SITE_DIR OUT_DIR
import path from 'node:path';
import fs from 'node:fs';
import { serve, launch, open, waitFrames } from './harness.mjs';

const site = path.resolve(process.argv[2] || 'build/web');
const out = path.resolve(process.argv[3] || 'build/screens');
fs.mkdirSync(out, { recursive: true });
const { server, url } = await serve(site);
const { browser, cleanup } = await launch();
// (lesson, steps): far enough for the lesson's result, short enough for software rendering
const lessons = [['Induction heads', 400], ['Why scale by √d_k', 200], ['Initialization', 80], ['Sort', 80],
  ['Grokking', 20], ['Softmax vs sparsemax heads', 200]];
const sizes = [['1280x800', { width: 1280, height: 800, dpr: 1 }], ['dpr2', { width: 1280, height: 800, dpr: 2 }],
  ['phone', { width: 390, height: 844, dpr: 3 }]];
try {
  for (const [lesson, steps] of lessons)
    for (const [size, opts] of sizes) {
      const { page, errors, context } = await open(browser, `${url}#mode=train&train=${encodeURIComponent('lesson:' + lesson)}&tstep=${steps}`, opts);
      await waitFrames(page, 3, 30000);
      await page.waitForFunction((n) => { const t = attnTest.train(); return t.runs.length && t.runs[0].step >= n && !t.playing; }, steps,
        { timeout: 600000 });
      await page.waitForTimeout(300);
      const name = `train-${lesson.replace(/[^A-Za-z]+/g, '-').toLowerCase()}-${size}`;
      await page.screenshot({ path: path.join(out, `${name}.png`) });
      console.log(`${name}.png`);
      if (errors.length) console.log('  errors: ' + errors.join('; '));
      await context.close();
    }
} finally {
  await cleanup();
  server.close();
}
