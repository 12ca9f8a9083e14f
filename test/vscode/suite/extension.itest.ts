/**
 * Integration tests inside the real extension host: activate Gradient Lab, execute each command,
 * and assert on what it did (trees filled, panels open, files written, state kept).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CheckReport } from '../../../core/gradcheck';
import { CaptioningModel } from '../../../core/model';
import { loadCheckpoint } from '../../../runtime/checkpointFile';
import { openDatasetAt } from '../../../runtime/fsAccess';
import type { CheckpointSummary, DatasetSummary, SampleResult } from '../../../protocol/jobs';
import type { GradFlowPayload, HiddenStatesPayload, TrainConfig } from '../../../protocol/webview';
import type { GradientLabApi } from '../../../extension/main';
import { ChecksTree } from '../../../extension/views/checksTree';
import { checkModel } from '../../../core/checks';
import { findBug } from '../../../core/explore/bugs';
import { EXT_ID, until, metric } from './util';


function ext(): vscode.Extension<GradientLabApi> {
  const e = vscode.extensions.getExtension<GradientLabApi>(EXT_ID);
  assert.ok(e, `extension ${EXT_ID} is not installed`);
  return e;
}

async function api(): Promise<GradientLabApi> {
  const a = await ext().activate();
  assert.ok(a, 'activate returned no API');
  return a;
}

function tabLabels(): string[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label));
}

/** The fixture dataset in the CS231n layout (real COCO captions, 51 images). */
function fixtureDataset(): string | undefined {
  for (const c of [process.env.GRADLAB_TEST_DATASET, path.join(ext().extensionPath, 'test', 'fixtures', 'coco-mini')]) {
    if (c && fs.existsSync(path.join(c, 'coco2014_vocab.json'))) return c;
  }
  return undefined;
}

suite('Gradient Lab in VS Code', () => {
  test('activates, registers every command of the manifest and says so in the log', async () => {
    const t0 = Date.now();
    const a = await api();
    const manifest = ext().packageJSON as { contributes: { commands: { command: string; category: string }[] } };
    const all = await vscode.commands.getCommands(true);
    for (const c of manifest.contributes.commands) {
      assert.equal(c.category, 'Gradient Lab', `${c.command} has category ${c.category}`);
      assert.ok(all.includes(c.command), `${c.command} is in the manifest but not registered`);
    }
    assert.ok(a.activationMs >= 0);
    const loaded = a.loadMs === undefined ? '' : `, the bundle's imports ${a.loadMs.toFixed(1)} ms before it`;
    metric(`activation ${a.activationMs.toFixed(1)} ms inside activate() (${a.activationPhases} ms)${loaded}, ${Date.now() - t0} ms from the test's activate() call to the API`);
    assert.equal(a.ctx.jobs.running, 0, 'activation must not start engine work');
  });

  test('the first view: the Training panel shows filled, and again after the sidebar was closed', async () => {
    const a = await api();
    const view = a.ctx.trainingView;
    const t0 = performance.now();
    await vscode.commands.executeCommand('workbench.view.extension.gradientLab');
    await until('the Training panel to say ready', () => view.readyCount > 0);
    const first = view.firstReadyAt;
    assert.ok(first !== undefined);
    const pageMs = (): string => `${((view.lastReadyAt ?? 0) - (view.resolvedAt ?? 0)).toFixed(0)} ms of it from resolveWebviewView to the page's ready`;
    metric(`first view: Training panel ready ${(first - a.activatedAt).toFixed(0)} ms after activate() began` +
      (first >= t0 ? `, ${(first - t0).toFixed(0)} ms after the test opened the Gradient Lab sidebar (${pageMs()})` : ' (it was already open)'));
    // Hidden, a webview view loses its page; shown again, the page reloads and says ready.
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    await until('the Training panel to be hidden', () => !view.visible);
    const n = view.readyCount;
    const t1 = performance.now();
    await vscode.commands.executeCommand('workbench.view.extension.gradientLab');
    await until('the Training panel to say ready again', () => view.readyCount > n);
    // Shown again, VS Code reloads the page in the view it resolved before (no new resolveWebviewView).
    metric(`Training panel shown again (page reloaded, state sent) in ${(performance.now() - t1).toFixed(0)} ms` + ((view.resolvedAt ?? 0) >= t1 ? ` (${pageMs()})` : ''));
    assert.equal(a.ctx.jobs.running, 0, 'showing the panel must not start engine work');
  });

  test('the sidebar, walkthrough and settings of the manifest are complete and their files ship', () => {
    const root = ext().extensionPath;
    const m = ext().packageJSON as {
      contributes: {
        viewsContainers: { activitybar: { id: string; icon: string }[] };
        views: Record<string, { id: string; type?: string }[]>;
        walkthroughs: { steps: { media: { markdown?: string } }[] }[];
        configuration: { properties: Record<string, { description?: string; markdownDescription?: string }> };
      };
    };
    const c = m.contributes;
    const container = c.viewsContainers.activitybar.find((v) => v.id === 'gradientLab');
    assert.ok(container && fs.existsSync(path.join(root, container.icon)), 'activity-bar icon');
    assert.deepEqual(c.views.gradientLab.map((v) => v.id), ['gradientLab.training', 'gradientLab.checks', 'gradientLab.dataset']);
    assert.equal(c.views.gradientLab[0].type, 'webview');
    for (const step of c.walkthroughs[0].steps) {
      if (step.media.markdown) assert.ok(fs.existsSync(path.join(root, step.media.markdown)), `${step.media.markdown} ships`);
    }
    for (const [key, p] of Object.entries(c.configuration.properties)) assert.ok(p.description || p.markdownDescription, `${key} has no description`);
    for (const f of ['dist/extension.js', 'dist/jobWorker.js', 'dist/trainWorker.js', 'dist/server.js', 'dist/webview.js', 'dist/webview.css']) {
      assert.ok(fs.existsSync(path.join(root, f)), `${f} ships`);
    }
  });

  test('Open Dataset: the embedded default fills the Dataset tree', async function () {
    const a = await api();
    const ds = await vscode.commands.executeCommand<DatasetSummary | undefined>('gradientLab.openDataset', 'default');
    if (!ds) {
      // The embedded default is generated by the dataset helper's script; without it say so plainly.
      const fixture = fixtureDataset();
      assert.ok(fixture, 'neither the embedded default dataset nor the COCO fixture could be opened');
      this.test!.title += ' (default missing: used the COCO fixture)';
      const f = await vscode.commands.executeCommand<DatasetSummary | undefined>('gradientLab.openDataset', fixture);
      assert.ok(f, 'the COCO fixture did not open');
    }
    const summary = a.ctx.dataset;
    assert.ok(summary);
    const rows = a.ctx.datasetTree.getChildren().map((r) => `${r.label}: ${r.description}`);
    assert.ok(rows.some((r) => r.startsWith('train: ') && /captions/.test(r)), rows.join('\n'));
    assert.ok(rows.some((r) => r.startsWith('val: ')), rows.join('\n'));
    assert.ok(rows.some((r) => r === `vocabulary: V = ${summary.vocabSize.toLocaleString('en-US')} words`), rows.join('\n'));
    assert.ok(rows.some((r) => r.includes(`T = ${summary.captionLength - 1}`)), rows.join('\n'));
  });

  test('Open Dataset: a broken folder fails with a reason and keeps the open dataset', async () => {
    const a = await api();
    const before = a.ctx.dataset;
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-bad-'));
    fs.writeFileSync(path.join(bad, 'coco2014_vocab.json'), '{"idx_to_word": ["<NULL>"]');
    const r = await vscode.commands.executeCommand('gradientLab.openDataset', bad);
    assert.equal(r, undefined, 'a broken dataset must not open');
    assert.equal(a.ctx.dataset, before, 'the previous dataset must stay open');
  });

  test('Run Gradient Check (one layer): fills the tree and opens the report webview', async () => {
    const a = await api();
    const report = await vscode.commands.executeCommand<CheckReport>('gradientLab.runGradientCheck', { layer: 'rnn_step' });
    assert.ok(report, 'the command returned no report');
    assert.deepEqual(report.layers.map((l) => l.layer), ['rnn_step']);
    assert.deepEqual(report.layers[0].params.map((p) => p.name), ['dx', 'dprev_h', 'dWx', 'dWh', 'db']);
    for (const p of report.layers[0].params) assert.ok(p.relError < 1e-6, `${p.name}: ${p.relError}`);
    const roots = a.ctx.checksTree.getChildren();
    assert.equal(roots.length, 1);
    const params = a.ctx.checksTree.getChildren(roots[0]).map((n) => a.ctx.checksTree.getTreeItem(n));
    assert.deepEqual(params.map((i) => i.label), ['dx', 'dprev_h', 'dWx', 'dWh', 'db']);
    assert.ok(params.every((i) => /^\d\.\d\de-\d+ · pass/.test(String(i.description))), params.map((i) => i.description).join(', '));
    await until('the report tab', () => tabLabels().includes('Gradient Check Report'));
  });

  test('Run Gradient Check (everything): every layer and both models, none wrong', async () => {
    const a = await api();
    const running = vscode.commands.executeCommand<CheckReport>('gradientLab.runGradientCheck', { layer: 'all' });
    const shown = await until('the status-bar item during the check', () => a.ctx.status.text?.includes('Gradient check') && a.ctx.status.text, 10_000);
    const report = await running;
    assert.ok(report);
    assert.match(shown, /beaker~spin/);
    const names = report.layers.map((l) => l.layer);
    for (const l of ['affine', 'rnn_step', 'rnn', 'word_embedding', 'temporal_affine', 'temporal_softmax_loss', 'lstm_step', 'lstm', 'captioning_rnn', 'captioning_lstm']) {
      assert.ok(names.includes(l), `${l} missing from ${names.join(', ')}`);
    }
    assert.notEqual(report.verdict, 'wrong');
    assert.equal(a.ctx.checksTree.getChildren().length, report.layers.length);
    assert.equal(a.ctx.status.text, undefined, 'the status-bar item must go away when the check ends');
  });

  test('Gradient Checks tree: a failing weight says at which loss steps it is wrong, and links to the report', () => {
    const l = checkModel('rnn', 231, 1e-6, findBug('dwh-not-accumulated').layers);
    const tree = new ChecksTree();
    tree.set([{ key: 'bug', label: 'bug', report: { seed: 231, h: 1e-6, dtype: 'float64', layers: [l], verdict: l.verdict } }]);
    const [layer] = tree.getChildren();
    const wh = tree.getChildren(layer).find((n) => tree.getTreeItem(n).label === 'Wh')!;
    const kids = tree.getChildren(wh).map((n) => tree.getTreeItem(n));
    assert.deepEqual(kids.map((i) => i.label), ['worst at [0, 1]', 'wrong for the loss at steps 1']);
    assert.equal(kids[1].description, 'right at 1 of 2');
    assert.deepEqual(kids[1].command?.arguments, [{ layer: 'captioning_rnn', param: 'Wh' }]);
    const wx = tree.getChildren(layer).find((n) => tree.getTreeItem(n).label === 'Wx')!;
    assert.deepEqual(tree.getChildren(wx), [], 'a passing parameter has no children');
  });

  test('Show Worst Element: names the element with its analytic and numeric values', async () => {
    const msg = await vscode.commands.executeCommand<string>('gradientLab.showWorstElement', { layer: 'lstm', param: 'dWh' });
    assert.match(msg, /^lstm dWh\[\d+, \d+\]: analytic -?\d.*numeric -?\d.*relative error \d\.\d\de-\d+$/);
  });

  test('Run Gradient Check at the dataset\u2019s sizes (sparse check of the rnn model)', async () => {
    const a = await api();
    await vscode.workspace.getConfiguration('gradientLab').update('model.hiddenDim', 32, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('gradientLab').update('model.wordvecDim', 16, vscode.ConfigurationTarget.Global);
    try {
      const report = await vscode.commands.executeCommand<CheckReport>('gradientLab.runGradientCheck', { layer: 'model', cell: 'rnn', atDatasetSizes: true });
      assert.ok(report);
      const l = report.layers[0];
      const ds = a.ctx.dataset!;
      assert.deepEqual(l.sizes, { N: 2, T: ds.captionLength - 1, D: ds.featureDim, W: 16, H: 32, V: ds.vocabSize });
      const wv = l.params.find((p) => p.name === 'W_vocab')!;
      assert.deepEqual(wv.shape, [32, ds.vocabSize]);
      assert.ok(wv.checked <= 10 && wv.checked > 0);
    } finally {
      await vscode.workspace.getConfiguration('gradientLab').update('model.hiddenDim', undefined, vscode.ConfigurationTarget.Global);
      await vscode.workspace.getConfiguration('gradientLab').update('model.wordvecDim', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('Show Hidden States: h_t of one dataset caption, T × H, with its words', async () => {
    const a = await api();
    const p = await vscode.commands.executeCommand<HiddenStatesPayload>('gradientLab.showHiddenStates', { split: 'train', index: 1, cell: 'lstm' });
    assert.ok(p, 'no hidden states');
    const T = a.ctx.dataset!.captionLength - 1;
    assert.equal(p.cell, 'lstm');
    assert.equal(p.words.length, T);
    assert.equal(p.words[0], '<START>');
    assert.equal(p.h.length, T);
    assert.equal(p.h[0].length, a.ctx.training.snapshot.config.hiddenDim);
    assert.ok(p.gates && p.c, 'an LSTM trace has its gates and cell state');
    assert.ok(p.h.flat().every((x) => Math.abs(x) < 1), 'h = o ⊙ tanh(c) lies in (−1, 1)');
    if (!a.ctx.checkpoint) assert.match(p.model ?? '', /^untrained \(seed \d+\)$/);
    await until('the hidden-states tab', () => tabLabels().includes('Hidden States'));
  });

  test('Show Gradients per Timestep: rnn and lstm side by side on the same caption', async () => {
    const p = await vscode.commands.executeCommand<GradFlowPayload>('gradientLab.showGradients', { split: 'val', index: 0 });
    assert.ok(p, 'no gradients');
    assert.ok(p.perCell.rnn && p.perCell.lstm, 'both cells traced');
    for (const cell of ['rnn', 'lstm'] as const) {
      const s = p.perCell[cell]!;
      assert.equal(s.dh.length, p.words.length);
      assert.ok(s.dh.some((x) => x > 0), `${cell}: some gradient reaches h_t`);
      assert.ok([...s.dh, ...s.dx, ...s.dWh, ...s.dWx].every((x) => Number.isFinite(x) && x >= 0), `${cell}: norms are finite and ≥ 0`);
    }
    await until('the gradients tab', () => tabLabels().includes('Gradients per Timestep'));
  });

  test('Sample Captions without a trained model says what to do', async () => {
    const a = await api();
    if (a.ctx.checkpoint) return;
    const r = await vscode.commands.executeCommand('gradientLab.sampleCaptions');
    assert.equal(r, undefined);
  });

  test('Train Model / Stop Training: a run in a worker that stops on request', async function () {
    const a = await api();
    if (!a.ctx.training.available()) {
      this.skip(); // dist/trainWorker.js is built only when the training engine is in the tree
    }
    const cfg = await vscode.commands.executeCommand<TrainConfig>('gradientLab.trainModel', {
      cellType: 'rnn', hiddenDim: 16, wordvecDim: 8, updateRule: 'adam', learningRate: 5e-3, batchSize: 10, numEpochs: 1000, trainSubset: 50, seed: 1,
    });
    assert.ok(cfg);
    await until('the training context key and status bar', () => a.ctx.training.running && a.ctx.status.text?.includes('Training'));
    await until('three loss points', () => a.ctx.training.snapshot.loss.loss.length >= 3 || a.ctx.training.snapshot.status === 'failed', 60_000);
    assert.notEqual(a.ctx.training.snapshot.status, 'failed', a.ctx.training.snapshot.message);
    // Save Checkpoint… mid-run: the worker writes the model as it is now, and the run goes on.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-midrun-'));
    const mid = path.join(dir, 'running.npz');
    assert.equal(await vscode.commands.executeCommand<string>('gradientLab.saveCheckpoint', mid), mid);
    const ck = loadCheckpoint(mid);
    assert.ok(ck.solver!.iteration >= 3 && ck.lossHistory.length === ck.solver!.iteration, `snapshot at iteration ${ck.solver!.iteration}`);
    assert.equal(ck.config.hiddenDim, 16);
    assert.deepEqual(fs.readdirSync(dir), ['running.npz'], 'no temp file left behind');
    assert.ok(a.ctx.training.running, 'the run goes on after a snapshot');
    await vscode.commands.executeCommand('gradientLab.stopTraining');
    await until('the run to stop', () => !a.ctx.training.running, 10_000);
    assert.equal(a.ctx.training.snapshot.status, 'stopped');
    const losses = a.ctx.training.snapshot.loss.loss;
    assert.ok(losses.every(Number.isFinite), losses.join(', '));
    await until('the stopped run\u2019s model', () => a.ctx.checkpoint, 10_000);
    assert.equal(a.ctx.checkpoint!.hiddenDim, 16);
  });

  test('Save Checkpoint… writes the trained model; Load Checkpoint… reads it back; Sample Captions uses it', async function () {
    const a = await api();
    if (!a.ctx.checkpoint) this.skip(); // no training run in this build
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-ckpt-'));
    const file = path.join(dir, 'model.npz');
    const saved = await vscode.commands.executeCommand<string>('gradientLab.saveCheckpoint', file);
    assert.equal(saved, file);
    const bytes = fs.readFileSync(file);
    assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'an .npz is a zip archive');
    assert.deepEqual(fs.readdirSync(dir), ['model.npz'], 'no temp file left behind');
    const loaded = await vscode.commands.executeCommand<CheckpointSummary>('gradientLab.loadCheckpoint', file);
    assert.ok(loaded);
    assert.equal(loaded.file, file);
    assert.equal(loaded.cellType, 'rnn');
    assert.equal(loaded.hiddenDim, 16);
    assert.equal(loaded.vocabSize, a.ctx.dataset!.vocabSize);
    // The open trace views were traced again with the loaded model, on the same caption.
    assert.match(a.ctx.hidden?.model ?? '', /^trained, \d+ iterations \(model\.npz\)$/);
    assert.equal(a.ctx.hidden?.cell, 'rnn');
    assert.deepEqual(Object.keys(a.ctx.gradflow?.models ?? {}), ['rnn']);
    const s = await vscode.commands.executeCommand<SampleResult>('gradientLab.sampleCaptions', { split: 'val', count: 4 });
    assert.ok(s);
    assert.equal(s.items.length, 4);
    // "Sample new images": the next draw shows other images.
    const again = await vscode.commands.executeCommand<SampleResult>('gradientLab.sampleCaptions', { split: 'val', count: 4 });
    assert.notDeepEqual(again!.items.map((it) => it.imageIndex), s.items.map((it) => it.imageIndex));
    for (const it of s.items) {
      assert.deepEqual(it.samples.map((x) => x.method), ['greedy', 'beam', 'temperature']);
      assert.ok(it.groundTruth.length > 0);
    }
    await until('the captions tab', () => tabLabels().includes('Captions'));
  });

  test('Show Hidden States on a caption sampled by the model: the greedy sample of the row\u2019s image, traced', async function () {
    const a = await api();
    const ckpt = a.ctx.checkpoint;
    if (!ckpt) this.skip(); // no trained or loaded model in this build
    const p = await vscode.commands.executeCommand<HiddenStatesPayload>('gradientLab.showHiddenStates', { split: 'val', index: 1, sampled: true });
    assert.ok(p?.caption, 'no hidden states');
    assert.equal(p.caption.sampled, true);
    assert.equal(p.cell, ckpt!.cellType);
    assert.equal(p.h[0].length, ckpt!.hiddenDim, 'traced with the checkpoint\u2019s model');
    // The same greedy caption, computed here from the checkpoint file and the dataset.
    const ds = await openDatasetAt(a.ctx.dataset!.location);
    try {
      const ck = loadCheckpoint(ckpt!.file, { idxToWord: ds.idxToWord, D: ds.D, name: ds.name });
      const model = new CaptioningModel({ wordToIdx: ds.wordToIdx, inputDim: ds.D, wordvecDim: ck.config.wordvecDim, hiddenDim: ck.config.hiddenDim, cellType: ck.config.cellType });
      model.setParams(ck.params);
      const image = ds.splits.val.imageIdxs[1];
      assert.equal(p.caption.imageIndex, image);
      const greedy = Array.from(model.sample(ds.splits.val.getFeatures([image]), ds.T - 1).data);
      const end = greedy.indexOf(ds.endIdx);
      const words = ['<START>', ...(end >= 0 ? greedy.slice(0, end + 1) : greedy).map((w) => ds.idxToWord[w])];
      while (words.length < ds.T - 1) words.push('<NULL>');
      assert.deepEqual(p.words, words.slice(0, ds.T - 1));
    } finally {
      ds.close();
    }
    await until('the hidden-states tab', () => tabLabels().includes('Hidden States'));
  });

  test('Clear Gradient Checks empties the tree', async () => {
    const a = await api();
    await vscode.commands.executeCommand('gradientLab.clearChecks');
    assert.equal(a.ctx.checksTree.getChildren().length, 0);
  });
});
