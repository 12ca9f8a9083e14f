/**
 * Each view rendered in headless Chromium on fixed data, through the real HTML shell and CSP:
 * counts of cells and bars, values read by hovering, strings from data shown as text, messages
 * validated, the view rebuilt from `ready`, themes re-read. Screenshots go to test-results/webview/.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { EVIL, sampleCaptions, sampleGradFlow, sampleHidden, sampleReport, sampleTraining, svgImage } from './fixtures/data';
import { launch, openView, screenshotDir, type ViewPage } from './harness';
import { checkModel } from '../../core/checks';
import { findBug } from '../../core/explore/bugs';
import { generateShapesDataset } from '../../core/data/shapes/generate';
import { scenePngDataUrl } from '../../runtime/scenePng';

// Browser globals, used only inside page.evaluate callbacks; the node tsconfig has no DOM lib.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const window: any;
/* eslint-enable @typescript-eslint/no-explicit-any */

const SHOTS = screenshotDir();
const images = { '/img/0.svg': { body: svgImage(0), contentType: 'image/svg+xml' }, '/img/120.svg': { body: svgImage(120), contentType: 'image/svg+xml' } };

let browser: Browser;
before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Centre of a canvas cell, from the plot rectangle the view publishes on the canvas. */
async function plotRect(v: ViewPage, selector: string): Promise<{ x: number; y: number; w: number; h: number; left: number; top: number }> {
  const c = v.page.locator(selector);
  await c.scrollIntoViewIfNeeded();
  const box = await c.boundingBox();
  assert.ok(box, `${selector} has no box`);
  const plot = JSON.parse((await c.getAttribute('data-plot')) ?? '{}') as { x: number; y: number; w: number; h: number };
  return { ...plot, left: box.x, top: box.y };
}

async function hoverCell(v: ViewPage, selector: string, r: number, c: number, rows: number, cols: number): Promise<string> {
  const p = await plotRect(v, selector);
  await v.page.mouse.move(p.left + p.x + ((c + 0.5) * p.w) / cols, p.top + p.y + ((r + 0.5) * p.h) / rows);
  return (await v.page.locator(`${selector} ~ .readout`).textContent()) ?? '';
}

async function noHarm(v: ViewPage): Promise<void> {
  assert.deepEqual(await v.alerts(), [], 'nothing from the data ran');
  assert.equal(await v.page.locator('img[src="x"], img[src$="/x"]').count(), 0, 'no element made from a data string');
  assert.deepEqual(await v.cspViolations(), [], 'no CSP violations');
  assert.deepEqual(v.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e)), [], 'no page errors');
}

describe('webview: gradient-check report', () => {
  it('lists every parameter with its verdict, and shows the worst one first', async () => {
    const v = await openView(browser, 'report');
    try {
      const payload = sampleReport();
      await v.send({ type: 'setReport', payload });
      assert.equal(await v.page.locator('tr.param-row').count(), 7);
      assert.deepEqual(await v.page.locator('tr.param-row .badge').allTextContents(), ['good', 'good', 'good', 'good', 'ok', 'suspect', 'wrong']);
      assert.equal(await v.page.locator('tr.param-row[aria-selected="true"]').getAttribute('data-param'), 'dWh');
      const hm = '.detail canvas.heatmap-canvas';
      assert.equal(await v.page.locator(hm).getAttribute('data-rows'), '4');
      assert.equal(await v.page.locator(hm).getAttribute('data-cols'), '4');
      // dWh's worst element is flat index 5 = [1, 1].
      assert.match(await v.page.locator('dl.worst').textContent() ?? '', /\[1, 1\]/);
      const text = await hoverCell(v, hm, 1, 1, 4, 4);
      assert.match(text, /^element \[1, 1\] · rel\. error = 3\.70e-1 \(wrong\) \(worst element\)$/);
      const other = await hoverCell(v, hm, 3, 2, 4, 4);
      const expected = payload.report.layers[1].params[2].errors[3 * 4 + 2];
      assert.ok(other.includes(`rel. error = ${expected.toExponential(2)}`), other);
      await v.page.screenshot({ path: join(SHOTS, 'report-dark.png'), fullPage: true });
      await noHarm(v);
    } finally {
      await v.close();
    }
  });

  it('selects a 3-axis parameter: slice controls, time-axis bars, hover values, exports', async () => {
    const v = await openView(browser, 'report');
    try {
      const payload = sampleReport();
      await v.send({ type: 'setReport', payload });
      await v.page.locator('tr.param-row[data-layer="rnn"][data-param="dx"]').click();
      const posted = await v.posted();
      assert.deepEqual(posted.at(-1), { type: 'paramSelected', ref: { layer: 'rnn', param: 'dx' } });
      // (N=2, T=5, D=3): rows are the time axis, columns the last, n is a slice index.
      const hm = '.detail canvas.heatmap-canvas';
      assert.equal(await v.page.locator(hm).getAttribute('data-rows'), '5');
      assert.equal(await v.page.locator(hm).getAttribute('data-cols'), '3');
      assert.equal(await v.page.locator('.slice-controls input[type=number]').count(), 1);
      const dx = payload.report.layers[1].params[0];
      const n = dx.worst.index[0];
      const read = await hoverCell(v, hm, 2, 1, 5, 3);
      assert.ok(read.startsWith(`element [${n}, 2, 1] · rel. error = ${dx.errors[n * 15 + 2 * 3 + 1].toExponential(2)}`), read);
      // The other sample of the batch, through the slice control.
      await v.page.locator('.slice-controls input[type=number]').fill(String(1 - n));
      await v.page.locator('.slice-controls input[type=number]').press('Enter');
      await v.page.waitForFunction((want) => document.querySelector('.slice-controls input[type=number]')?.value === want, String(1 - n));
      const read2 = await hoverCell(v, hm, 2, 1, 5, 3);
      assert.ok(read2.includes(`rel. error = ${dx.errors[(1 - n) * 15 + 2 * 3 + 1].toExponential(2)}`), read2);
      // One bar per timestep, readable by hover and in the values table.
      const bars = '.detail canvas.chart-canvas';
      assert.equal(await v.page.locator(bars).getAttribute('data-bars'), '5');
      assert.equal(await v.page.locator('.detail details.values tbody tr').count(), 5);
      const p = await plotRect(v, bars);
      await v.page.mouse.move(p.left + p.x + (3.5 * p.w) / 5, p.top + p.y + p.h / 2);
      const barText = (await v.page.locator(`${bars} ~ .readout`).textContent()) ?? '';
      assert.ok(barText.includes(`timestep t 3 “3” · max relative error = ${(dx.perTimestep as number[])[3].toExponential(2)}`), barText);
      await v.page.screenshot({ path: join(SHOTS, 'report-slice-dark.png'), fullPage: true });
      // Keyboard: rows are reachable and arrow keys move the selection.
      await v.page.locator('tr.param-row[data-param="dx"][data-layer="rnn"]').focus();
      await v.page.keyboard.press('ArrowDown');
      assert.equal(await v.page.locator('tr.param-row[aria-selected="true"]').getAttribute('data-param'), 'dh0');
      // Exports.
      await v.page.getByRole('button', { name: 'Export JSON' }).click();
      await v.page.getByRole('button', { name: 'Export heatmap PNG' }).click();
      const ex = (await v.posted()).filter((m) => m.type === 'export');
      assert.equal(ex.length, 2);
      assert.equal(ex[0].format, 'json');
      assert.deepEqual(JSON.parse(ex[0].data as string).layers.length, 2);
      assert.match(ex[1].data as string, /^data:image\/png;base64,.{200}/);
      // The host selects a parameter (a tree item was clicked).
      await v.send({ type: 'selectParam', ref: { layer: 'rnn_step', param: 'db' } });
      assert.equal(await v.page.locator('tr.param-row[aria-selected="true"]').getAttribute('data-param'), 'db');
      await noHarm(v);
    } finally {
      await v.close();
    }
  });

  it("a weight's error per loss step, from the engine's model check with a BPTT bug", async () => {
    const v = await openView(browser, 'report');
    try {
      const l = checkModel('rnn', 231, 1e-6, findBug('dwh-not-accumulated').layers);
      const wh = l.params.find((p) => p.name === 'Wh')!;
      await v.send({ type: 'setReport', payload: { report: { seed: 231, h: 1e-6, dtype: 'float64', layers: [l], verdict: l.verdict }, thresholds: { good: 1e-7, ok: 1e-4, warn: 1e-2 }, title: 'dWh not accumulated', select: { layer: 'captioning_rnn', param: 'Wh' } } });
      assert.equal(await v.page.locator('tr.param-row[aria-selected="true"]').getAttribute('data-param'), 'Wh');
      assert.deepEqual(await v.page.locator('.detail h3').allTextContents(), ['Relative error per element', 'Error per loss step']);
      const bars = '.detail canvas.chart-canvas';
      assert.equal(await v.page.locator(bars).getAttribute('data-bars'), '2');
      assert.deepEqual(await v.page.locator('.detail details.values tbody tr td:last-child').allTextContents(), ['good', 'wrong']);
      const p = await plotRect(v, bars);
      await v.page.mouse.move(p.left + p.x + (1.5 * p.w) / 2, p.top + p.y + p.h / 2);
      const barText = (await v.page.locator(`${bars} ~ .readout`).textContent()) ?? '';
      assert.ok(barText.includes(`loss step t 1 “1” · relative error = ${wh.perTimestep![1].toExponential(2)}`), barText);
      // Every parameter of the model check carries loss steps.
      await v.page.locator('tr.param-row[data-param="W_vocab"]').click();
      assert.equal(await v.page.locator(bars).getAttribute('data-bars'), '2');
      await v.page.screenshot({ path: join(SHOTS, 'report-loss-steps-dark.png'), fullPage: true });
      await noHarm(v);
    } finally {
      await v.close();
    }
  });

  it('rejects a malformed message with a visible reason and tells the host', async () => {
    const v = await openView(browser, 'report');
    try {
      await v.send({ type: 'setReport', payload: { report: { layers: 'nope' } } } as unknown as Record<string, unknown>);
      assert.match((await v.page.locator('.protocol-error').textContent()) ?? '', /payload\.report\.seed: expected an integer/);
      const last = (await v.posted()).at(-1);
      assert.equal(last?.type, 'viewError');
      await v.send({ type: 'empty', message: 'Run “Gradient Lab: Run Gradient Check” to see a report.' });
      assert.match((await v.page.locator('#app').textContent()) ?? '', /Run “Gradient Lab: Run Gradient Check”/);
    } finally {
      await v.close();
    }
  });

  it('re-reads the theme when VS Code switches it', async () => {
    const v = await openView(browser, 'report', { theme: 'dark' });
    try {
      await v.send({ type: 'setReport', payload: sampleReport() });
      await v.page.locator('tr.param-row[data-layer="rnn"][data-param="dx"]').click();
      const bars = '.detail canvas.chart-canvas';
      const sample = async (): Promise<number[]> => {
        const p = await plotRect(v, bars);
        return v.page.evaluate(
          ([sel, x, y]) => Array.from(document.querySelector(sel).getContext('2d').getImageData(x, y, 1, 1).data as number[]).slice(0, 3),
          [bars, Math.round(p.x + p.w * 0.1), Math.round(p.y + p.h - 3)] as const,
        );
      };
      // Bar 0 is "ok" (charts.blue): #3794ff in dark, #1a85ff in light.
      assert.deepEqual(await sample(), [0x37, 0x94, 0xff]);
      await v.setTheme('light');
      assert.deepEqual(await sample(), [0x1a, 0x85, 0xff]);
      await v.page.screenshot({ path: join(SHOTS, 'report-light.png'), fullPage: true });
      await v.setTheme('hc');
      await v.page.screenshot({ path: join(SHOTS, 'report-hc.png'), fullPage: true });
    } finally {
      await v.close();
    }
  });
});

describe('webview: hidden states', () => {
  it('draws T × H cells labelled by the caption words, and reads values on hover and by keyboard', async () => {
    const v = await openView(browser, 'hidden');
    try {
      const payload = sampleHidden('lstm', 16, 512);
      await v.send({ type: 'setHidden', payload });
      const hm = 'canvas.heatmap-canvas';
      assert.equal(await v.page.locator(hm).getAttribute('data-rows'), '16');
      assert.equal(await v.page.locator(hm).getAttribute('data-cols'), '512');
      const words = await v.page.locator('.caption-words .word').allTextContents();
      assert.equal(words.length, 16);
      assert.equal(words[5], `5${EVIL}`, 'the evil word is shown as its characters');
      // 512 units share ~850 px: check the value against the cell the readout names.
      const text = await hoverCell(v, hm, 3, 100, 16, 512);
      const at = /^t (\d+) “([^”]*)” · unit (\d+) · h_t = (\S+)$/.exec(text);
      assert.ok(at, text);
      assert.equal(Number(at[1]), 3);
      assert.ok(Math.abs(Number(at[3]) - 100) <= 1, text);
      assert.equal(at[4], String(Number(payload.h[3][Number(at[3])].toPrecision(4))));
      // LSTM: c_t and the four gates.
      assert.equal(await v.page.locator('.segmented input[type=radio]').count(), 6);
      await v.page.locator('.segmented label', { hasText: 'gate f' }).click();
      const f = await hoverCell(v, hm, 5, 7, 16, 512);
      const atf = /^t 5 “([^”]*)” · unit (\d+) · f = (\S+)$/.exec(f);
      assert.ok(atf, f);
      assert.equal(atf[1], EVIL);
      assert.equal(atf[3], String(Number((payload.gates as { f: number[][] }).f[5][Number(atf[2])].toPrecision(4))));
      // Keyboard: focus the canvas and walk.
      await v.page.locator(hm).focus();
      await v.page.keyboard.press('Home');
      await v.page.keyboard.press('ArrowDown');
      await v.page.keyboard.press('ArrowRight');
      assert.match((await v.page.locator('.heatmap .readout').textContent()) ?? '', /· unit 1 · f = /);
      await noHarm(v);
    } finally {
      await v.close();
    }
  });

  it('sorts and filters units by activation, and asks the host for another caption', async () => {
    const v = await openView(browser, 'hidden');
    try {
      const payload = sampleHidden('rnn', 8, 64);
      await v.send({ type: 'setHidden', payload });
      assert.equal(await v.page.locator('.segmented input[type=radio]').count(), 1, 'rnn: h only');
      const maxAbs = (j: number): number => Math.max(...payload.h.map((row) => Math.abs(row[j])));
      const keep = Array.from({ length: 64 }, (_, j) => j).filter((j) => maxAbs(j) >= 0.9);
      await v.page.locator('select').nth(1).selectOption('maxAbs');
      await v.page.getByLabel('Only units whose largest |value| is at least').fill('0.9');
      assert.equal(await v.page.locator('canvas.heatmap-canvas').getAttribute('data-cols'), String(keep.length));
      const best = keep.reduce((a, b) => (maxAbs(b) > maxAbs(a) ? b : a));
      const first = await hoverCell(v, 'canvas.heatmap-canvas', 0, 0, 8, keep.length);
      assert.match(first, new RegExp(`· unit ${best} · h_t = `));
      await v.page.getByLabel('Caption row').fill('5');
      await v.page.getByRole('button', { name: 'Trace' }).click();
      assert.deepEqual((await v.posted()).at(-1), { type: 'chooseCaption', split: 'train', index: 5, sampled: false });
      await v.page.screenshot({ path: join(SHOTS, 'hidden-rnn-sorted-dark.png'), fullPage: true });
    } finally {
      await v.close();
    }
  });

  it('offers a caption sampled by the model only when the host can trace one, and labels a sampled trace', async () => {
    const v = await openView(browser, 'hidden');
    try {
      const payload = sampleHidden('rnn', 8, 16);
      await v.send({ type: 'setHidden', payload });
      assert.equal(await v.page.getByLabel('sampled by the model').count(), 0, 'no model: no choice');
      assert.equal(await v.page.locator('.caption-source').count(), 0);
      await v.send({ type: 'setHidden', payload: { ...payload, caption: { split: 'val', index: 4, count: 50, sampled: false, samplable: true } } });
      await v.page.getByLabel('sampled by the model').check();
      await v.page.getByRole('button', { name: 'Trace' }).click();
      assert.deepEqual((await v.posted()).at(-1), { type: 'chooseCaption', split: 'val', index: 4, sampled: true });
      await v.send({ type: 'setHidden', payload: { ...payload, caption: { split: 'val', index: 4, count: 50, sampled: true, samplable: true, imageIndex: 2 } } });
      assert.equal(
        await v.page.locator('.caption-source').textContent(),
        "Sampled by the model (greedy) from the image of val caption 4 (image 2), not the dataset's caption.",
      );
      assert.equal(await v.page.getByLabel('sampled by the model').isChecked(), true);
      assert.equal(await v.page.locator('.caption-words .word').count(), 8);
    } finally {
      await v.close();
    }
  });

  it('rebuilds completely from the host after a reload (ready → full state)', async () => {
    const v = await openView(browser, 'hidden');
    try {
      await v.send({ type: 'setHidden', payload: sampleHidden('lstm', 16, 512) });
      await v.page.screenshot({ path: join(SHOTS, 'hidden-lstm-dark.png'), fullPage: true });
      await v.page.reload();
      await v.page.waitForFunction(() => document.querySelector('#app .empty') !== null);
      const readies = (await v.posted()).filter((m) => m.type === 'ready');
      assert.equal(readies.length, 1, 'a fresh page says ready again');
      await v.send({ type: 'setHidden', payload: sampleHidden('lstm', 16, 512) });
      assert.equal(await v.page.locator('canvas.heatmap-canvas').getAttribute('data-cols'), '512');
    } finally {
      await v.close();
    }
  });
});

describe('webview: gradients per timestep', () => {
  it('shows rnn and lstm side by side with one bar per timestep and series, on a shared log axis', async () => {
    const v = await openView(browser, 'gradflow');
    try {
      const T = 12;
      const payload = sampleGradFlow(T);
      await v.send({ type: 'setGradFlow', payload });
      assert.deepEqual(await v.page.locator('.cell-column h2').allTextContents(), ['RNN', 'LSTM']);
      const charts = v.page.locator('canvas.chart-canvas');
      assert.equal(await charts.count(), 4);
      for (let i = 0; i < 4; i++) assert.equal(await charts.nth(i).getAttribute('data-bars'), String(2 * T));
      assert.equal(await v.page.locator('details.values tbody tr').count(), T);
      const p = await plotRect(v, '.cell-column:first-child canvas.chart-canvas >> nth=0');
      await v.page.mouse.move(p.left + p.x + (3.5 * p.w) / T, p.top + p.y + p.h / 2);
      const text = (await v.page.locator('.cell-column:first-child .chart .readout').first().textContent()) ?? '';
      const rnn = payload.perCell.rnn as { dh: number[]; dx: number[] };
      assert.ok(text.includes(`t 3 “circle” · ‖∂L/∂h_t‖ = ${rnn.dh[3].toExponential(2)} · ‖∂L/∂x_t‖ = ${rnn.dx[3].toExponential(2)}`), text);
      assert.match((await v.page.locator('.ratio').first().textContent()) ?? '', /‖∂L\/∂h_0‖ \/ ‖∂L\/∂h_11‖ = /);
      await v.page.screenshot({ path: join(SHOTS, 'gradflow-dark.png'), fullPage: true });
      await v.page.getByLabel('log scale').uncheck();
      assert.equal(await charts.nth(0).getAttribute('data-bars'), String(2 * T));
      // Masked <NULL> steps get exactly zero gradient: the ratio uses the last step with a loss.
      const masked = sampleGradFlow(T);
      for (const s of [masked.perCell.rnn, masked.perCell.lstm]) for (const k of ['dh', 'dx', 'dWh', 'dWx'] as const) for (let t = 9; t < T; t++) (s as Record<typeof k, number[]>)[k][t] = 0;
      await v.send({ type: 'setGradFlow', payload: masked });
      const r0 = (masked.perCell.rnn as { dh: number[] }).dh;
      assert.equal(await v.page.locator('.ratio').first().textContent(), `‖∂L/∂h_0‖ / ‖∂L/∂h_8‖ = ${(r0[0] / r0[8]).toExponential(2)} · steps 9–11: zero (masked <NULL> targets)`);
      await noHarm(v);
    } finally {
      await v.close();
    }
  });
});

describe('webview: report with a student\u2019s long layer name', () => {
  it('wraps the name so every column, the verdict included, stays in view', async () => {
    const v = await openView(browser, 'report', { theme: 'light', width: 1000, height: 600 });
    try {
      const payload = sampleReport();
      payload.report.layers[0].layer = 'rnn_backward (no_accumulate_dwh.py)';
      await v.send({ type: 'setReport', payload });
      const [scroll, client] = await v.page.evaluate(() => {
        const w = document.querySelector('.table-wrap');
        return [w.scrollWidth, w.clientWidth];
      });
      assert.ok(scroll <= client + 1, `the table is ${scroll}px wide in ${client}px: the verdict column is cut off`);
      await noHarm(v);
    } finally {
      await v.close();
    }
  });
});

describe('webview: captions gallery', () => {
  it('shows the embedded default\'s pictures, drawn from their scene records as PNG data: URLs, under the view\'s CSP', async () => {
    const v = await openView(browser, 'captions');
    try {
      const scene = generateShapesDataset({ seed: 2, nTrain: 1, nVal: 1, minCount: 1, skipFeatures: true }).splits.train.scenes[0];
      const payload = sampleCaptions();
      payload.items = [{ ...payload.items[0], src: scenePngDataUrl(scene), label: 'scenes.json#train/0' }];
      await v.send({ type: 'setCaptions', payload });
      await v.page.waitForFunction(() => [...document.querySelectorAll('.thumb img')].every((i: { complete: boolean }) => i.complete));
      assert.equal(await v.page.locator('.img-placeholder').count(), 0);
      const widths = await v.page.locator('.thumb img').evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
      assert.deepEqual(widths, [128], 'the picture is drawn');
      // A data: URL of anything but a PNG is refused.
      payload.items = [{ ...payload.items[0], src: 'data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=' }];
      await v.send({ type: 'setCaptions', payload });
      assert.equal(await v.page.locator('.thumb img').count(), 0);
      assert.equal(await v.page.locator('.img-placeholder').count(), 1);
      await noHarm(v);
    } finally {
      await v.close();
    }
  });

  it('shows images, ground truth and samples as text, and a labelled placeholder when offline', async () => {
    const v = await openView(browser, 'captions', { extra: images });
    try {
      const payload = sampleCaptions();
      await v.send({ type: 'setCaptions', payload });
      assert.equal(await v.page.locator('.caption-card').count(), 3);
      await v.page.waitForFunction(() => document.querySelectorAll('.img-placeholder').length === 1 && [...document.querySelectorAll('.thumb img')].every((i: { complete: boolean }) => i.complete));
      const widths = await v.page.locator('.thumb img').evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
      assert.deepEqual(widths, [96, 96], 'local images load');
      const ph = v.page.locator('.img-placeholder');
      assert.match((await ph.textContent()) ?? '', /Image not available \(offline or link dead\)http:\/\/farm9\.staticflickr\.com/);
      assert.equal(await ph.getAttribute('role'), 'img');
      assert.ok(((await v.page.locator('ul.gt li').allTextContents()) as string[]).includes(`<START> ${EVIL} <END>`));
      assert.deepEqual(await v.page.locator('.caption-card').first().locator('dt').allTextContents(), ['greedy', 'beam (k=3)', 'temperature 0.7']);
      await v.page.screenshot({ path: join(SHOTS, 'captions-dark.png'), fullPage: true });
      await v.page.locator('select').selectOption('val');
      assert.equal(await v.page.locator('.caption-card').count(), 1);
      await v.page.getByRole('button', { name: 'Sample new images' }).click();
      assert.deepEqual((await v.posted()).at(-1), { type: 'resample', split: 'val', count: 3 });
      // Showing all of a val-only gallery (what Sample Captions opens), new images come from val again.
      await v.page.locator('select').selectOption('both');
      await v.send({ type: 'setCaptions', payload: { ...payload, items: payload.items.filter((x) => x.split === 'val') } });
      await v.page.getByRole('button', { name: 'Sample new images' }).click();
      assert.deepEqual((await v.posted()).at(-1), { type: 'resample', split: 'val', count: 1 });
      await noHarm(v);
    } finally {
      await v.close();
    }
  });
});

describe('webview: training panel', () => {
  it('starts with the form values, refuses invalid ones, and keeps the host informed', async () => {
    const v = await openView(browser, 'training', { width: 320, height: 900 });
    try {
      const state = sampleTraining(0);
      await v.send({ type: 'setTraining', state });
      assert.equal(await v.page.locator('.train-form input, .train-form select').count(), 11);
      // The notebooks' settings by default: float32 and the PCA features.
      assert.equal(await v.page.getByLabel('Precision').inputValue(), 'float32');
      assert.equal(await v.page.getByLabel('Features').inputValue(), 'pca');
      const start = v.page.getByRole('button', { name: 'Start' });
      assert.equal(await start.isEnabled(), true);
      assert.equal(await v.page.getByRole('button', { name: 'Stop' }).isEnabled(), false);
      await v.send({ type: 'progress', progress: { iteration: 120, totalIterations: 4000, epoch: 60, totalEpochs: 2000, itPerSec: 12.5, etaSeconds: 301 } });
      await v.send({ type: 'status', status: 'running', message: 'rnn H=512 W=256 on default: 50 captions, 4000 iterations' });
      assert.equal(await v.page.locator('.status').textContent(), 'Training: rnn H=512 W=256 on default: 50 captions, 4000 iterations');
      assert.match((await v.page.locator('dl.stats').textContent()) ?? '', /ETA5m 1s$/);
      await v.send({ type: 'progress', progress: { iteration: 120, totalIterations: 4000, epoch: 60, totalEpochs: 2000, itPerSec: 12.5, etaSeconds: 301, dataWaitShare: 0.031 } });
      assert.match((await v.page.locator('dl.stats').textContent()) ?? '', /ETA5m 1sData wait3\.1 %$/, 'streamed features show the share of time spent waiting for data');
      await v.send({ type: 'status', status: 'stopped', message: 'cancelled at iteration 120 of 4000' });
      assert.equal(await v.page.locator('.status').textContent(), 'Stopped: cancelled at iteration 120 of 4000');
      assert.match((await v.page.locator('dl.stats').textContent()) ?? '', /Iteration120 \/ 4000.*ETA—Data wait3\.1 %$/, 'a stopped run shows no time left');
      await v.page.getByLabel('Hidden size').fill('0');
      assert.equal(await start.isEnabled(), false);
      assert.match((await v.page.locator('.form-error').textContent()) ?? '', /Hidden size: a whole number ≥ 1/);
      await v.page.getByLabel('Hidden size').fill('128');
      await v.page.getByLabel('Learning rate').fill('');
      assert.equal(await v.page.locator('.form-error').textContent(), 'Learning rate: a number > 0, the field is empty', 'the bad field is named, with what is wrong in it');
      assert.equal(await start.isEnabled(), false);
      await v.page.getByLabel('Learning rate').fill(String(state.config.learningRate));
      await v.page.getByLabel('Cell').selectOption('rnn');
      await start.click();
      const last = (await v.posted()).at(-1);
      assert.deepEqual(last, { type: 'startTraining', config: { ...state.config, hiddenDim: 128, cellType: 'rnn', float32: true, fc7: false } });
      await v.page.getByLabel('Precision').selectOption('float64');
      await v.page.getByLabel('Features').selectOption('fc7');
      await start.click();
      assert.deepEqual((await v.posted()).at(-1), { type: 'startTraining', config: { ...state.config, hiddenDim: 128, cellType: 'rnn', float32: false, fc7: true } });
      await v.page.waitForTimeout(400); // the form's edits are debounced by 250 ms
      assert.ok((await v.posted()).some((m) => m.type === 'editConfig'), 'edits reach the host');
    } finally {
      await v.close();
    }
  });

  it('keeps all 100 000 loss points, draws a decimated curve, and reads values on hover', async () => {
    const v = await openView(browser, 'training', { width: 320, height: 1000 });
    try {
      const state = sampleTraining(2000);
      await v.send({ type: 'setTraining', state });
      assert.equal(await v.page.getByRole('button', { name: 'Stop' }).isEnabled(), true);
      assert.equal(await v.page.getByRole('button', { name: 'Start' }).isEnabled(), false);
      // Stream 98 000 more in chunks, as a run would.
      for (let k = 0; k < 49; k++) {
        const iteration = Array.from({ length: 2000 }, (_, i) => 2001 + k * 2000 + i);
        await v.page.evaluate((json) => window.postMessage(JSON.parse(json), '*'), JSON.stringify({ type: 'appendLoss', points: { iteration, loss: iteration.map((i) => 2 + 30 / Math.sqrt(i) + 0.3 * Math.sin(i)) } }));
      }
      await v.send({ type: 'progress', progress: { iteration: 100000, totalIterations: 100000, epoch: 2, totalEpochs: 2, itPerSec: 812.5, etaSeconds: 0 } });
      const chart = v.page.locator('canvas.chart-canvas');
      assert.equal(await chart.getAttribute('data-points'), '100000');
      const drawn = Number(await chart.getAttribute('data-drawn'));
      const p = await plotRect(v, 'canvas.chart-canvas');
      assert.ok(drawn > 0 && drawn <= 2 * 4 * Math.ceil(p.w) + 10, `drawn ${drawn} vertices for a ${p.w}px plot`);
      assert.match((await v.page.locator('dl.stats').textContent()) ?? '', /Iteration100000 \/ 100000Epoch2 \/ 2Speed813 it\/s/);
      await v.page.mouse.move(p.left + p.x + p.w * 0.9, p.top + p.y + p.h / 2);
      const hover = /^iteration (\d+) · loss \(raw\) = ([\d.]+) · loss \(smoothed, 500 it\) = [\d.]+/.exec((await v.page.locator('.chart .readout').textContent()) ?? '');
      assert.ok(hover, 'hover reads a point');
      const it = Number(hover[1]);
      assert.ok(it > 85000 && it < 95000, `iteration ${it} near 90% of the axis`);
      assert.equal(Number(hover[2]), Number((2 + 30 / Math.sqrt(it) + 0.3 * Math.sin(it)).toPrecision(4)));
      await v.page.locator('canvas.chart-canvas').focus();
      await v.page.keyboard.press('End');
      assert.match((await v.page.locator('.chart .readout').textContent()) ?? '', /^iteration 100000 · /);
      await v.page.getByLabel('log y').check();
      await v.send({ type: 'status', status: 'done', message: 'final loss 2.09' });
      assert.equal(await v.page.locator('.status').textContent(), 'Finished: final loss 2.09');
      // The solver's own message starts with the state's word: said once, not "Finished: finished …".
      await v.send({ type: 'status', status: 'done', message: 'finished 100 iterations (50 epochs), final loss 0.7484' });
      assert.equal(await v.page.locator('.status').textContent(), 'Finished 100 iterations (50 epochs), final loss 0.7484');
      await v.send({ type: 'sampledCaptions', captions: [{ split: 'val', text: EVIL }] });
      assert.equal(await v.page.locator('ul.sampled .sample').textContent(), EVIL);
      await v.page.screenshot({ path: join(SHOTS, 'training-dark.png'), fullPage: true });
      await noHarm(v);
    } finally {
      await v.close();
    }
  });
});

describe('webview: narrow widths', () => {
  it('every view fits a 360 px wide panel without horizontal scrolling, data strings as text', async () => {
    const report = sampleReport();
    report.report.layers[0].layer = EVIL;
    report.report.layers[0].params[0].name = EVIL;
    const cases: [Parameters<typeof openView>[1], Record<string, unknown>][] = [
      ['report', { type: 'setReport', payload: report }],
      ['hidden', { type: 'setHidden', payload: sampleHidden('lstm', 16, 512) }],
      ['gradflow', { type: 'setGradFlow', payload: sampleGradFlow(16) }],
      ['captions', { type: 'setCaptions', payload: sampleCaptions() }],
      ['training', { type: 'setTraining', state: sampleTraining(500) }],
    ];
    for (const [view, msg] of cases) {
      const v = await openView(browser, view, { width: 360, height: 700, extra: images });
      try {
        await v.send(msg);
        const [scroll, client] = await v.page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
        assert.ok(scroll <= client + 1, `${view}: page is ${scroll}px wide in a ${client}px view`);
        if (view === 'report') {
          assert.equal(await v.page.locator('td.layer').first().textContent(), EVIL);
          await v.page.locator('tr.param-row').first().click();
          assert.match((await v.page.locator('.detail h2').textContent()) ?? '', /<img src=x onerror=alert\(1\)> · <img src=x onerror=alert\(1\)>/);
          await v.page.screenshot({ path: join(SHOTS, 'report-narrow-dark.png'), fullPage: true });
        }
        await noHarm(v);
      } finally {
        await v.close();
      }
    }
  });
});
