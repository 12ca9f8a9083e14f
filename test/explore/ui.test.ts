// The exploration panel in headless Chromium (playwright-core, Debian's chromium): the real shell
// with its CSP, the real bundle, real exploration results. Screenshots of the sweep, the bug
// catalogue and the gradient-flow chart go to $GRADLAB_SCREENSHOTS (default test-results/explore).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { exploreHtml } from '../../extension/exploreHtml';
import { runExplore, syntheticData, type ExploreData, type ExploreRequest } from '../../core/explore/index';
import { openDatasetAt } from '../../runtime/fsAccess';
import type { ExplorePayload } from '../../protocol/webview';
import { launch, ORIGIN } from '../webview/harness';
import { THEME_CLASS, themeCss } from '../webview/fixtures/themes';

/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;
/* eslint-enable @typescript-eslint/no-explicit-any */

const ROOT = join(__dirname, '..', '..');
const SHOTS = process.env.GRADLAB_SCREENSHOTS ?? join(ROOT, 'test-results', 'explore');

let browser: Browser;
let bundle = '';

async function open(width = 1280, height = 900): Promise<{ page: Page; errors: string[]; send(m: unknown): Promise<void>; posted(): Promise<{ type: string; [k: string]: unknown }[]> }> {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const html = exploreHtml({ cspSource: ORIGIN, scriptUri: `${ORIGIN}/explore.js`, styleUris: [`${ORIGIN}/theme.css`, `${ORIGIN}/webview.css`, `${ORIGIN}/explore.css`] }).replace('<body ', `<body class="${THEME_CLASS.dark}" `);
  const files: Record<string, { body: string | Buffer; contentType: string }> = {
    '/index.html': { body: html, contentType: 'text/html' },
    '/explore.js': { body: readFileSync(bundle), contentType: 'text/javascript' },
    '/webview.css': { body: readFileSync(join(ROOT, 'webview', 'style.css')), contentType: 'text/css' },
    '/explore.css': { body: readFileSync(join(ROOT, 'webview', 'explore', 'explore.css')), contentType: 'text/css' },
    '/theme.css': { body: themeCss('dark'), contentType: 'text/css' },
  };
  await page.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    const f = url.origin === ORIGIN ? files[url.pathname] : undefined;
    if (f) await route.fulfill({ status: 200, body: f.body, contentType: f.contentType });
    else await route.abort('internetdisconnected');
  });
  await page.addInitScript(`(() => {
    const posted = [];
    let saved = null;
    window.__posted = posted;
    window.acquireVsCodeApi = () => ({ postMessage: (m) => { posted.push(JSON.parse(JSON.stringify(m))); }, getState: () => saved, setState: (s) => { saved = s; } });
  })();`);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${ORIGIN}/index.html`);
  await page.waitForFunction(() => (window.__posted ?? []).some((m: { type: string }) => m.type === 'ready'), undefined, { timeout: 10000 });
  return {
    page,
    errors,
    send: async (m) => {
      await page.evaluate((json) => window.postMessage(JSON.parse(json), '*'), JSON.stringify(m));
      await page.evaluate(() => new Promise((r) => window.requestAnimationFrame(() => window.requestAnimationFrame(r))));
    },
    posted: () => page.evaluate(() => window.__posted),
  };
}

function payload(request: ExploreRequest, title: string, data?: ExploreData): ExplorePayload {
  const t0 = Date.now();
  const result = runExplore(request, { data });
  return {
    request,
    result,
    title,
    ms: Date.now() - t0,
    choices: { checks: [{ check: 'rnn', params: ['dx', 'dh0', 'dWx', 'dWh', 'db'] }, { check: 'lstm_step', params: ['dx', 'dprev_h', 'dprev_c', 'dWx', 'dWh', 'db'] }], bugs: [] },
  };
}

describe('exploration panel (headless Chromium)', () => {
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-explore-'));
    bundle = join(dir, 'explore.js');
    await esbuild.build({ entryPoints: [join(ROOT, 'webview', 'explore', 'main.ts')], outfile: bundle, bundle: true, platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'error' });
    browser = await launch();
    mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
  });

  it('sweep: a log-log chart of both precisions with the best h marked and the sentences', async () => {
    const v = await open();
    await v.send({ type: 'setExplore', payload: payload({ name: 'sweep', check: 'rnn', param: 'dWh' }, 'Step-size sweep: rnn dWh') });
    const legend = await v.page.locator('.legend-item').allTextContents();
    assert.equal(legend.length, 6, legend.join(' | '));
    assert.ok(legend.some((l) => /best h, float64: 3e-6|best h, float64: 1e-5|best h, float64/.test(l)));
    assert.equal(await v.page.locator('details.values tbody tr').count(), 23);
    assert.match(await v.page.locator('.why').innerText(), /float64: In float64 the error is smallest at h = /);
    await v.page.locator('button', { hasText: 'Sweep' }).click();
    const posted = await v.posted();
    assert.deepEqual(posted.at(-1), { type: 'runExplore', request: { name: 'sweep', check: 'rnn', param: 'dWh', seed: 231 } });
    await v.page.screenshot({ path: join(SHOTS, 'explore-sweep.png'), fullPage: true });
    assert.deepEqual(v.errors, []);
  });

  it('bug catalogue: ten bugs, the chosen one with its report next to the correct one', async () => {
    const v = await open(1600, 1100);
    await v.send({ type: 'setExplore', payload: payload({ name: 'bugs' }, 'Bug catalogue') });
    assert.equal(await v.page.locator('.bug-item').count(), 10);
    await v.page.locator('.bug-item', { hasText: 'dWh not accumulated' }).click();
    assert.match(await v.page.locator('.bug-detail > h2').innerText(), /dWh not accumulated over time/);
    assert.equal(await v.page.locator('.embedded-report').count(), 2);
    const buggyRows = await v.page.locator('.embedded-report[data-which="buggy"] tr.param-row').count();
    assert.ok(buggyRows >= 13, `rows ${buggyRows}`);
    assert.ok((await v.page.locator('.embedded-report[data-which="buggy"] tr.param-row.verdict-wrong').count()) >= 2);
    assert.equal(await v.page.locator('.embedded-report[data-which="reference"] tr.param-row.verdict-wrong').count(), 0);
    assert.match(await v.page.locator('.recognise').innerText(), /Only dWh fails/);
    // The embedded reports keep their exports; their "Explore…" would post to nobody, so it is not shown.
    assert.equal(await v.page.locator('.embedded-report button:visible', { hasText: 'Export heatmap PNG' }).count(), 2);
    assert.equal(await v.page.locator('.embedded-report button:visible', { hasText: 'Explore…' }).count(), 0);
    await v.page.screenshot({ path: join(SHOTS, 'explore-bugs.png'), fullPage: true });
    // Keyboard: arrow down moves to the next bug.
    await v.page.locator('.bug-item[aria-selected="true"]').focus();
    await v.page.keyboard.press('ArrowDown');
    assert.match(await v.page.locator('.bug-detail > h2').innerText(), /tanh derivative dropped/);
    // Side by side, "captioning_lstm" stays on one line (no "captioni / ng_lstm") and every verdict is in view.
    await v.page.setViewportSize({ width: 1400, height: 1100 });
    await v.page.locator('.bug-item', { hasText: 'LSTM gates in the wrong order' }).click();
    const layerLines: number[] = await v.page.locator('.embedded-report td.layer').evaluateAll((tds: { textContent: string; ownerDocument: { createRange(): { selectNodeContents(n: unknown): void; getClientRects(): { length: number } } } }[]) =>
      tds.filter((td) => td.textContent.length > 0).map((td) => {
        const range = td.ownerDocument.createRange();
        range.selectNodeContents(td);
        return range.getClientRects().length;
      }),
    );
    assert.ok(layerLines.length >= 4 && layerLines.every((n) => n === 1), `layer names on one line: ${layerLines.join(',')}`);
    const overflow: boolean[] = await v.page.locator('.embedded-report').evaluateAll((rs: { querySelector(s: string): { getBoundingClientRect(): { right: number } }; getBoundingClientRect(): { right: number } }[]) =>
      rs.map((r) => r.querySelector('table.params').getBoundingClientRect().right <= r.getBoundingClientRect().right + 1),
    );
    assert.deepEqual(overflow, [true, true]);
    assert.deepEqual(v.errors, []);
  });

  it('gradient flow: sliders for T and the spectral radius redraw the rnn and lstm norms', async () => {
    // The embedded default when this checkout has it, else the small COCO fixture, else synthetic.
    let data: ExploreData = syntheticData();
    for (const spec of ['default', join(ROOT, 'test', 'fixtures', 'coco-mini')]) {
      try {
        data = await openDatasetAt(spec);
        break;
      } catch {
        /* try the next */
      }
    }
    const v = await open(1280, 1200);
    await v.send({ type: 'setExplore', payload: payload({ name: 'flow' }, 'Gradient flow through time', data) });
    const before = await v.page.locator('.explore-flow .summary').innerText();
    assert.match(before, /T = 100, ρ\(Wh\) = 1\.00/);
    await v.page.locator('input[aria-label="Spectral radius of Wh"]').fill('10');
    const afterText = await v.page.locator('.explore-flow .summary').innerText();
    assert.match(afterText, /ρ\(Wh\) = 2\.75/);
    assert.match(afterText, /RNN's gradient is .* \(explodes\)/);
    await v.page.locator('input[aria-label="Spectral radius of Wh"]').fill('4');
    assert.ok((await v.page.locator('.embedded-gradflow canvas').count()) >= 2, 'the caption charts are there');
    await v.page.screenshot({ path: join(SHOTS, 'explore-flow.png'), fullPage: false });
    assert.deepEqual(v.errors, []);
  });

  it('in a side panel (480 px) the precision and sparse tables keep their relative errors, and no number breaks across lines', async () => {
    const v = await open(480, 900);
    await v.send({ type: 'setExplore', payload: payload({ name: 'precision' }, 'float32 against float64') });
    const first = v.page.locator('.precision-table tbody tr').first().locator('td');
    for (const col of [2, 4, 6]) {
      assert.ok(await first.nth(col).isVisible(), `precision column ${col + 1} is shown`);
      assert.match(await first.nth(col).innerText(), /^\d\.\de[+-]\d+$/);
    }
    // "relative to |g| = 4.8e-2" must not wrap as "4.8e-" / "2".
    const numbers = v.page.locator('.why-cell .nobr, .explore-precision .summary .nobr');
    assert.ok((await numbers.count()) > 45);
    const lines: number[] = await numbers.evaluateAll((els: { getClientRects(): { length: number } }[]) => els.map((e) => e.getClientRects().length));
    assert.ok(lines.every((n) => n === 1), `every number on one line: ${lines.join(',')}`);
    await v.send({ type: 'setExplore', payload: payload({ name: 'sparse', cells: ['rnn'], sizes: { N: 3, T: 4, D: 5, W: 6, H: 7, V: 9 }, directions: 3 }, 'Sparse checks') });
    const row = v.page.locator('.explore-sparse table.params tbody tr').first().locator('td');
    assert.ok(await row.nth(2).isVisible(), 'the sparse relative error is shown');
    assert.match(await row.nth(2).innerText(), /^\d\.\de[+-]\d+$/);
    assert.deepEqual(await v.page.locator('.explore-sparse table.params thead th').allInnerTexts(), ['Parameter', 'Entries checked', 'Relative error', 'Verdict', 'Max abs error', '|g| at the worst entry']);
    assert.match(await row.nth(4).innerText(), /^\d\.\de[+-]\d+$/);
    await v.page.screenshot({ path: join(SHOTS, 'explore-narrow-sparse.png'), fullPage: false });
    await v.send({ type: 'setExplore', payload: payload({ name: 'sweep', check: 'rnn', param: 'dWh' }, 'Step-size sweep: rnn dWh') });
    await v.page.locator('.explore-sweep canvas').first().focus();
    await v.page.keyboard.press('ArrowRight');
    assert.match(await v.page.locator('.explore-sweep .readout').first().innerText(), /^step h \S+ /);
    assert.deepEqual(v.errors, []);
  });

  it('precision and sparse render their tables; a malformed message is refused with a banner', async () => {
    const v = await open();
    await v.send({ type: 'setExplore', payload: payload({ name: 'precision' }, 'float32 against float64') });
    assert.equal(await v.page.locator('.precision-table tbody tr').count(), 45);
    assert.ok((await v.page.locator('.precision-table tr.changed').count()) > 0);
    await v.page.screenshot({ path: join(SHOTS, 'explore-precision.png'), fullPage: false });
    await v.send({ type: 'setExplore', payload: payload({ name: 'sparse', cells: ['rnn'], sizes: { N: 3, T: 4, D: 5, W: 6, H: 7, V: 9 }, directions: 3 }, 'Sparse checks') });
    assert.equal(await v.page.locator('.explore-sparse table.params tbody tr').count(), 8);
    await v.send({ type: 'setExplore', payload: { title: 'x' } });
    assert.match(await v.page.locator('.protocol-error').innerText(), /message to explore\.payload\.request: expected an object/);
    const posted = await v.posted();
    assert.ok(posted.some((m) => m.type === 'viewError'));
  });
});
