/**
 * The chart module alone, as explorations (issue 10) use it: a log-log step-size sweep with the
 * best h marked, numeric x decreasing-to-increasing order, hover readout in data units.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as esbuild from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { launch } from './harness';

/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;
declare const document: any;
/* eslint-enable @typescript-eslint/no-explicit-any */

let browser: Browser;
let page: Page;

before(async () => {
  browser = await launch();
  const built = await esbuild.build({
    stdin: { contents: "import { Chart } from './webview/chart';\n(window as any).Chart = Chart;\n", resolveDir: join(__dirname, '..', '..'), loader: 'ts' },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'error',
  });
  page = await browser.newPage({ viewport: { width: 700, height: 400 }, deviceScaleFactor: 1 });
  await page.setContent('<!DOCTYPE html><html><body class="vscode-dark"><div id="box" style="width:600px"></div></body></html>');
  await page.addScriptTag({ content: built.outputFiles[0].text });
});
after(async () => {
  await browser?.close();
});

describe('webview chart', () => {
  it('draws a log-log sweep, marks the best h, and reads values on hover', async () => {
    // h from 1e-12 to 1e-1 (increasing), V-shaped error: round-off left, truncation right.
    const hs = Array.from({ length: 23 }, (_, i) => Math.pow(10, -12 + i * 0.5));
    const err = hs.map((h) => 1e-16 / h + h * h);
    const best = hs[err.indexOf(Math.min(...err))];
    await page.evaluate(
      ([xs, ys, b]) => {
        const c = new window.Chart('sweep');
        document.getElementById('box').appendChild(c.root);
        c.set({ series: [{ name: 'rel. error', xs, ys, color: 'blue', kind: 'line' }], xTitle: 'h', yTitle: 'relative error', xLog: true, yLog: true, vlines: [{ x: b, color: 'green', label: `best h = ${b}` }], height: 240 });
        c.draw();
        window.chart = c;
      },
      [hs, err, best] as const,
    );
    const plot = JSON.parse((await page.locator('canvas').getAttribute('data-plot')) ?? '{}') as { x: number; y: number; w: number; h: number };
    const box = await page.locator('canvas').boundingBox();
    assert.ok(box);
    // x = 1e-6 sits at (−6 − (−12)) / 11 of the axis width on a log axis.
    await page.mouse.move(box.x + plot.x + (6 / 11) * plot.w, box.y + plot.y + plot.h / 2);
    const text = (await page.locator('.readout').textContent()) ?? '';
    const m = /^h (\S+) · rel\. error = (\S+)$/.exec(text);
    assert.ok(m, text);
    assert.ok(Math.abs(Math.log10(Number(m[1])) + 6) <= 0.25, text);
    assert.equal(await page.locator('canvas').getAttribute('data-drawn'), String(hs.length));
    // The marker line (dashed) is drawn in the theme's green at the best h.
    const bx = Math.round(plot.x + ((Math.log10(best) + 12) / 11) * plot.w) - 1;
    const px: number[] = await page.evaluate(([x, y]) => Array.from(document.querySelector('canvas').getContext('2d').getImageData(x, y, 3, 10).data as number[]), [bx, Math.round(plot.y + plot.h - 30)] as const);
    const greens = Array.from({ length: 30 }, (_, k) => px.slice(4 * k, 4 * k + 3).join(',')).filter((c) => c === '137,209,133');
    assert.ok(greens.length >= 2, `the best-h marker at x=${bx}: ${px.join(' ')}`);
  });
});
