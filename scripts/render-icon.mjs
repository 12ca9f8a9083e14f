// Renders media/icon.svg to media/icon.png (128 x 128, the marketplace icon) in headless Chromium
// (playwright-core, as the webview tests do). A one-time step after editing the SVG: the PNG is
// committed and the build does not run this. `node scripts/render-icon.mjs [path/to/chromium]`
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '..');
const svg = readFileSync(join(root, 'media', 'icon.svg'), 'utf8');
const out = join(root, 'media', 'icon.png');
const browser = await chromium.launch({ executablePath: process.argv[2] ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 128, height: 128 }, deviceScaleFactor: 1 });
  await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${svg}</body></html>`);
  await page.screenshot({ path: out, omitBackground: true, clip: { x: 0, y: 0, width: 128, height: 128 } });
} finally {
  await browser.close();
}
const png = readFileSync(out);
console.log(`render-icon: ${out} ${png.readUInt32BE(16)} x ${png.readUInt32BE(20)}, ${png.length} B`);
