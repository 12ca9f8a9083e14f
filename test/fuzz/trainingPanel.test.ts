/**
 * A training worker that dies mid-run, as the panel shows it: the controller posts status 'failed'
 * with the host's one-line message (test/train/host.test.ts pins that message on a real worker).
 * The panel, in headless Chromium through the real HTML shell, says so and can start again.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { sampleTraining } from '../webview/fixtures/data';
import { launch, openView, screenshotDir } from '../webview/harness';

const SHOTS = screenshotDir();
let browser: Browser;
before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

describe('fuzz: a training worker that dies mid-run, in the training panel', () => {
  it('the panel says "Failed: the training worker exited … at iteration 5 without finishing" and Start works again', async () => {
    const v = await openView(browser, 'training', { width: 420, height: 900 });
    try {
      const state = sampleTraining(5);
      await v.send({ type: 'setTraining', state });
      const start = v.page.getByRole('button', { name: 'Start' });
      const stop = v.page.getByRole('button', { name: 'Stop' });
      assert.equal(await start.isEnabled(), false, 'running: Start is off');
      assert.equal(await stop.isEnabled(), true);
      // What TrainingController.apply posts for the host's `error` event of a killed worker.
      await v.send({ type: 'status', status: 'failed', message: 'the training worker exited (code 1) at iteration 5 without finishing' });
      assert.equal(await v.page.locator('.status').textContent(), 'Failed: the training worker exited (code 1) at iteration 5 without finishing');
      assert.equal(await stop.isEnabled(), false, 'nothing left to stop');
      assert.equal(await start.isEnabled(), true, 'a new run can be started');
      assert.match((await v.page.locator('dl.stats').textContent()) ?? '', /Iteration5 \/ 10.*ETA—$/, 'the failed run shows where it died and no time left');
      await v.page.screenshot({ path: join(SHOTS, 'training-worker-died.png'), fullPage: true });
      await start.click();
      // The form also posts its Precision and Features choices (float32 and the PCA features by default).
      assert.deepEqual((await v.posted()).at(-1), { type: 'startTraining', config: { ...state.config, float32: true, fc7: false } });
      assert.deepEqual(v.errors, []);
    } finally {
      await v.close();
    }
  });
});
