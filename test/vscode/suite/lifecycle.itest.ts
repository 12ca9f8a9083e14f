/**
 * VS Code closing mid-run: deactivate() disposes the training controller, which must end the
 * training worker thread at once (the extension host does not wait for a worker it never hears from).
 */
import * as assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import type { GradientLabApi } from '../../../extension/main';
import { EXT_ID, until } from './util';

suite('Lifecycle', () => {
  test('disposing mid-run (as deactivate does when VS Code closes) terminates the training worker', async function () {
    const e = vscode.extensions.getExtension<GradientLabApi>(EXT_ID);
    assert.ok(e);
    const a = await e.activate();
    if (!a.ctx.training.available()) this.skip(); // dist/trainWorker.js is not built
    await vscode.commands.executeCommand('gradientLab.trainModel', {
      cellType: 'lstm', hiddenDim: 16, wordvecDim: 8, updateRule: 'adam', learningRate: 5e-3, batchSize: 10, numEpochs: 100000, trainSubset: 50, seed: 3,
    });
    await until('two loss points', () => a.ctx.training.snapshot.loss.loss.length >= 2 || a.ctx.training.snapshot.status === 'failed', 60_000);
    assert.ok(a.ctx.training.running, `the run is not going: ${a.ctx.training.snapshot.status} ${a.ctx.training.snapshot.message ?? ''}`);
    // The worker is private to the controller; the test reaches in to watch it exit.
    const worker = (a.ctx.training as unknown as { run?: { worker: Worker } }).run?.worker;
    assert.ok(worker, 'no training worker while running');
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    const t0 = Date.now();
    a.ctx.training.dispose();
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000))]);
    assert.notEqual(code, 'timeout', 'the training worker was still running 5 s after dispose');
    assert.equal(typeof code, 'number');
    assert.ok(Date.now() - t0 < 5000);
  });
});
