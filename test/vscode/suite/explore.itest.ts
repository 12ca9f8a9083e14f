/**
 * "Gradient Lab: Explore…" in the real extension host: the exploration runs in its worker and the
 * exploration panel opens with the result (the report view's "Explore…" sends the same argument).
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExplorePayload } from '../../../protocol/webview';

suite('Gradient Lab: Explore…', () => {
  test('a step-size sweep from a report parameter runs off the host thread and opens the panel', async () => {
    await vscode.extensions.getExtension('gradient-lab.gradient-lab')?.activate();
    const t0 = Date.now();
    const p = await vscode.commands.executeCommand<ExplorePayload | undefined>('gradientLab.explore', { type: 'explore', name: 'sweep', ref: { layer: 'rnn_step', param: 'dWh' } });
    assert.ok(p, 'the command returned no result');
    assert.equal(p.result.kind, 'sweep');
    if (p.result.kind === 'sweep') {
      assert.equal(p.result.sweep.check, 'rnn_step');
      assert.equal(p.result.sweep.param, 'dWh');
      const best = p.result.sweep.curves[0].best.h;
      assert.ok(best >= 1e-7 && best <= 1e-4, `float64 best h ${best}`);
    }
    // The tab model updates asynchronously after a panel opens: poll it.
    const hasTab = (): boolean => vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label)).includes('Gradient Lab: Explore');
    for (let i = 0; i < 100 && !hasTab(); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(hasTab(), 'the exploration panel is open');
    console.log(`explore sweep in VS Code: ${Date.now() - t0} ms`);
  });

  test('a bug of the catalogue, run by request: the check fails where the catalogue says', async () => {
    const p = await vscode.commands.executeCommand<ExplorePayload | undefined>('gradientLab.explore', { request: { name: 'bugs', bug: 'lstm-gate-order' } });
    assert.ok(p && p.result.kind === 'bugs', 'no catalogue result');
    if (p.result.kind !== 'bugs') return;
    const run = p.result.runs[0];
    assert.equal(run.id, 'lstm-gate-order');
    assert.deepEqual(run.problems, []);
    assert.equal(run.buggy.verdict, 'wrong');
    const step = run.buggy.layers.find((l) => l.layer === 'lstm_step');
    assert.equal(step?.params.find((q) => q.name === 'dprev_c')?.verdict, 'good');
  });
});
