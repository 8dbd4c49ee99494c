// tour.mjs: screenshots of every stage and panel at 1280x800, for people to look at.
// Usage: node tests/browser/tour.mjs SITE_DIR OUT_DIR
import path from 'node:path';
import fs from 'node:fs';
import { serve, launch, open, waitFrames, click, nextFrames } from './harness.mjs';

const site = path.resolve(process.argv[2] || 'build/web');
const out = path.resolve(process.argv[3] || 'build/screens');
fs.mkdirSync(out, { recursive: true });
const { server, url } = await serve(site);
const { browser, cleanup } = await launch();
try {
  const { page, errors } = await open(browser, url);
  await waitFrames(page, 3, 20000);
  for (let i = 0; i < 8; i++) {
    await click(page, `stage${i}`);
    await page.mouse.move(2, 790);
    await nextFrames(page, 3);
    await page.screenshot({ path: path.join(out, `stage${i}.png`) });
  }
  for (const tab of ['tokens', 'cost']) {
    await click(page, `tab:${tab}`);
    await page.screenshot({ path: path.join(out, `tab-${tab}.png`) });
  }
  await page.keyboard.press('g'); await nextFrames(page, 3);
  await page.screenshot({ path: path.join(out, 'grid.png') });
  await page.keyboard.press('g'); await page.keyboard.press('h'); await nextFrames(page, 3);
  await page.screenshot({ path: path.join(out, 'help.png') });
  await page.keyboard.press('h'); await page.keyboard.press('t'); await nextFrames(page, 3);
  await page.screenshot({ path: path.join(out, 'light.png') });
  console.log(errors.length ? 'errors: ' + errors.join('; ') : 'no console errors');
} finally {
  await cleanup();
  server.close();
}
