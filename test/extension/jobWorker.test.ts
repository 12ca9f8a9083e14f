/**
 * The job worker the extension runs engine work in (runtime/jobWorker.ts), started as a real
 * worker thread from source: every job kind, its progress messages, and its one-line errors.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { saveCheckpoint } from '../../runtime/checkpointFile';
import { openDefaultDataset } from '../../runtime/fsAccess';
import { CaptioningModel } from '../../core/model';
import { DEFAULT_THRESHOLDS } from '../../core/gradcheck';
import { intTensor } from '../../core/tensor';
import type { FromJobWorker, JobRequest, JobResults, ToJobWorker } from '../../protocol/jobs';

const WORKER = path.resolve(__dirname, '../../runtime/jobWorker.ts');
const FIXTURE = path.resolve(__dirname, '../fixtures/coco-mini');

interface Outcome<K extends JobRequest['kind']> {
  result?: JobResults[K];
  error?: string;
  progress: { message: string; fraction?: number }[];
}

function run<K extends JobRequest['kind']>(req: Extract<JobRequest, { kind: K }>): Promise<Outcome<K>> {
  return new Promise((resolve, reject) => {
    // The worker runs from source: tsx's CommonJS hook first, then the module (as esbuild bundles it, CJS).
    const w = new Worker(`require('tsx/cjs'); require(${JSON.stringify(WORKER)});`, { eval: true, workerData: req });
    const out: Outcome<K> = { progress: [] };
    w.on('message', (m: FromJobWorker) => {
      if (m.type === 'progress') out.progress.push({ message: m.message, fraction: m.fraction });
      else {
        if (m.type === 'done') out.result = m.result as JobResults[K];
        else out.error = m.message;
        void w.terminate().then(() => resolve(out));
      }
    });
    w.on('error', reject);
  });
}

describe('job worker', () => {
  it('stops the default dataset\u2019s first-use generation on cancel and removes its temporary folder', async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-cancel-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, GRADLAB_CACHE_DIR: cache };
      delete env.GRADLAB_DEFAULT_DATA;
      const w = new Worker(`require('tsx/cjs'); require(${JSON.stringify(WORKER)});`, { eval: true, workerData: { kind: 'datasetInfo', source: { kind: 'default' } }, env });
      const stages: string[] = [];
      const outcome = await new Promise<FromJobWorker>((resolve, reject) => {
        w.on('message', (m: FromJobWorker) => {
          if (m.type !== 'progress') return resolve(m);
          stages.push(m.message);
          if (m.message.startsWith('first use: generating') && stages.filter((x) => x.startsWith('first use')).length === 2) w.postMessage({ type: 'cancel' } satisfies ToJobWorker);
        });
        w.on('error', reject);
      });
      await w.terminate();
      assert.ok(stages.some((m) => m.startsWith('first use: generating the embedded default dataset')), stages.join(' | '));
      assert.equal(outcome.type, 'error');
      assert.match((outcome as { message: string }).message, /generation of the embedded default dataset cancelled/);
      // Nothing under the final name, and no temporary folder left behind.
      assert.deepEqual(fs.readdirSync(cache), []);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  it('runs one layer\u2019s gradient check and reports progress per layer', async () => {
    const o = await run({ kind: 'check', layer: 'rnn', cell: 'rnn', seed: 231, h: 1e-5, thresholds: DEFAULT_THRESHOLDS });
    assert.equal(o.error, undefined);
    const r = o.result!;
    assert.deepEqual(r.layers.map((l) => l.layer), ['rnn']);
    assert.deepEqual(r.layers[0].params.map((p) => p.name), ['dx', 'dh0', 'dWx', 'dWh', 'db']);
    for (const p of r.layers[0].params) assert.ok(p.relError < 1e-6, `${p.name} ${p.relError}`);
    assert.equal(o.progress.at(-1)?.fraction, 1);
  });

  it('restricts "model" to the requested cell', async () => {
    const o = await run({ kind: 'check', layer: 'model', cell: 'lstm', seed: 1, h: 1e-5, thresholds: DEFAULT_THRESHOLDS });
    assert.deepEqual(o.result!.layers.map((l) => l.layer), ['captioning_lstm']);
  });

  it('checks the model at given sizes sparsely: 10 entries per parameter, the shapes of those sizes', async () => {
    const sizes = { N: 2, T: 5, D: 7, W: 4, H: 6, V: 12 };
    const o = await run({ kind: 'check', layer: 'model', cell: 'lstm', seed: 3, h: 1e-5, thresholds: DEFAULT_THRESHOLDS, sizes });
    assert.equal(o.error, undefined);
    const l = o.result!.layers[0];
    assert.deepEqual(l.sizes, sizes);
    const byName = Object.fromEntries(l.params.map((p) => [p.name, p]));
    assert.deepEqual(byName.Wx.shape, [4, 24]);
    assert.deepEqual(byName.W_vocab.shape, [6, 12]);
    assert.equal(byName.b_proj.checked, 6, 'a parameter of ≤ 10 entries is checked whole');
    assert.equal(byName.W_vocab.checked, 10);
    for (const p of l.params) assert.ok(p.relError < 1e-5, `${p.name} ${p.relError}`);
  });

  it('names a bad layer in one line', async () => {
    const o = await run({ kind: 'check', layer: 'gru', cell: 'rnn', seed: 1, h: 1e-5, thresholds: DEFAULT_THRESHOLDS });
    assert.match(o.error!, /^unknown layer "gru": expected one of /);
  });

  it('summarises a CS231n-layout folder with the stored dtype and shape of each array', async () => {
    const o = await run({ kind: 'datasetInfo', source: { kind: 'folder', path: FIXTURE } });
    assert.equal(o.error, undefined);
    const d = o.result!;
    assert.equal(d.vocabSize, 1004);
    assert.equal(d.captionLength, 17);
    assert.equal(d.featureDim, 512);
    assert.deepEqual(d.splits.map((s) => s.name), ['train', 'val']);
    const caps = d.keys.find((k) => k.key === 'train_captions')!;
    assert.equal(caps.dtype, 'int32');
    assert.deepEqual(caps.shape, [d.splits[0].captions, 17]);
    const feats = d.keys.find((k) => k.key === 'val_features')!;
    assert.deepEqual(feats.shape, [d.splits[1].images, 512]);
    assert.equal(feats.file, 'val2014_vgg16_fc7_pca.h5');
  });

  it('fails on a folder that is not a dataset, naming it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-empty-'));
    const o = await run({ kind: 'datasetInfo', source: { kind: 'folder', path: dir } });
    assert.ok(o.error && o.error.length > 0 && !o.error.includes('\n'), o.error);
  });

  it('traces one caption through rnn and lstm: T steps of h, gates for the lstm, gradient norms', async () => {
    const o = await run({ kind: 'trace', source: { kind: 'folder', path: FIXTURE }, split: 'val', index: 2, cells: ['rnn', 'lstm'], hiddenDim: 8, wordvecDim: 6, seed: 5 });
    assert.equal(o.error, undefined);
    const r = o.result!;
    assert.equal(r.words.length, 16);
    assert.equal(r.words[0], '<START>');
    assert.deepEqual(r.traces.map((t) => t.cell), ['rnn', 'lstm']);
    for (const t of r.traces) {
      assert.equal(t.h.length, 16);
      assert.equal(t.h[0].length, 8);
      assert.equal(t.dh.length, 16);
      assert.ok(Number.isFinite(t.loss) && t.loss > 0);
    }
    assert.equal(r.traces[0].gates, undefined);
    assert.equal(r.traces[1].gates!.f.length, 16);
  });

  it('refuses a caption outside the split', async () => {
    const o = await run({ kind: 'trace', source: { kind: 'folder', path: FIXTURE }, split: 'train', index: 99999, cells: ['rnn'], hiddenDim: 4, wordvecDim: 4, seed: 1 });
    assert.match(o.error!, /caption 99999 is outside the train split's \d+ captions/);
  });

  it('samples captions with a checkpoint (greedy, beam, temperature) and reads it back', async () => {
    const ds = await openDefaultDataset();
    const model = new CaptioningModel({ wordToIdx: ds.wordToIdx, inputDim: ds.D, wordvecDim: 6, hiddenDim: 8, cellType: 'rnn', seed: 2 });
    ds.close();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-ck-')), 'm.npz');
    saveCheckpoint(file, {
      config: { cellType: 'rnn', inputDim: model.inputDim, wordvecDim: 6, hiddenDim: 8, vocabSize: model.vocabSize },
      params: model.params,
      idxToWord: model.idxToWord,
      lossHistory: [3, 2, 1],
    });
    const info = await run({ kind: 'checkpointInfo', source: { kind: 'default' }, file });
    assert.equal(info.error, undefined);
    assert.deepEqual({ ...info.result!, file: '' }, { file: '', cellType: 'rnn', hiddenDim: 8, wordvecDim: 6, inputDim: model.inputDim, vocabSize: model.vocabSize, iterations: 3, finalLoss: 1 });
    const o = await run({ kind: 'sample', source: { kind: 'default' }, checkpoint: file, split: 'val', count: 3, seed: 4 });
    assert.equal(o.error, undefined);
    assert.equal(o.result!.items.length, 3);
    for (const it of o.result!.items) {
      assert.deepEqual(it.samples.map((s) => s.method), ['greedy', 'beam', 'temperature']);
      // The embedded default has no image files: each picture is drawn from its scene record.
      assert.equal(it.image.kind, 'picture');
      if (it.image.kind === 'picture') {
        assert.match(it.image.dataUrl, /^data:image\/png;base64,/);
        assert.equal(it.image.label, `scenes.json#val/${it.imageIndex}`);
        const png = Buffer.from(it.image.dataUrl.slice(it.image.dataUrl.indexOf(',') + 1), 'base64');
        assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
      }
      assert.ok(it.groundTruth.length >= 1);
    }
  });

  it('traces the caption the checkpoint\u2019s model samples greedily for the image, like a dataset caption', async () => {
    const ds = await openDefaultDataset();
    try {
      const T1 = ds.T;
      const index = 3;
      const imageIndex = ds.splits.val.imageIdxs[index];
      const features = ds.splits.val.getFeatures([imageIndex]);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-ck-'));
      // Two models: a random one and one biased towards <END>,
      // so the <END> cut and the <NULL> padding are exercised.
      for (const [k, cellType] of (['lstm', 'rnn'] as const).entries()) {
        const model = new CaptioningModel({ wordToIdx: ds.wordToIdx, inputDim: ds.D, wordvecDim: 6, hiddenDim: 8, cellType, seed: 7 + k });
        if (k === 1) {
          // <END> takes over the scores of the model's first greedy word, which itself can no longer win.
          const first = model.sample(features, 1).data[0];
          assert.notEqual(first, ds.endIdx);
          const W = model.params.W_vocab;
          const V = W.shape[1];
          for (let j = 0; j < W.shape[0]; j++) W.data[j * V + ds.endIdx] = W.data[j * V + first];
          model.params.b_vocab.data[first] = -1e3;
          model.params.b_vocab.data[ds.endIdx] = 0;
        }
        const file = path.join(dir, `${cellType}.npz`);
        saveCheckpoint(file, {
          config: { cellType, inputDim: model.inputDim, wordvecDim: 6, hiddenDim: 8, vocabSize: model.vocabSize },
          params: model.params,
          idxToWord: model.idxToWord,
          lossHistory: [1],
        });
        const greedy = Array.from(model.sample(features, T1 - 1).data);
        const endAt = greedy.indexOf(ds.endIdx);
        const expected = [ds.startIdx, ...(endAt >= 0 ? greedy.slice(0, endAt + 1) : greedy)];
        while (expected.length < T1) expected.push(ds.nullIdx);
        if (k === 1) assert.ok(endAt >= 0 && endAt < T1 - 2, `the biased model ends early (at ${endAt}): ${greedy.join(' ')}`);

        const o = await run({ kind: 'trace', source: { kind: 'default' }, split: 'val', index, cells: ['rnn', 'lstm'], hiddenDim: 4, wordvecDim: 4, seed: 1, checkpoint: file, sampled: true });
        assert.equal(o.error, undefined);
        const r = o.result!;
        assert.deepEqual(r.sampled, { imageIndex });
        assert.equal(r.index, index);
        assert.deepEqual(r.words, expected.slice(0, T1 - 1).map((w) => ds.idxToWord[w]), `${cellType}: traced words are <START> + the greedy sample`);
        assert.ok(o.progress.some((p) => p.message.startsWith('sampling a caption')));
        // The trace is model.trace() of that caption with the checkpoint's model, as for a dataset caption.
        const want = model.trace(features, intTensor([1, T1], expected), 0);
        assert.deepEqual(r.traces.map((t) => t.cell), [cellType]);
        assert.equal(r.traces[0].loss, want.loss);
        assert.deepEqual(r.traces[0].h, want.h);
        assert.deepEqual(r.traces[0].dh, want.dhNorm);
        if (k === 1) assert.equal(r.words.filter((w) => w === '<NULL>').length, T1 - 3 - endAt, 'padded with <NULL> after <END>');
      }
      // The dataset caption of the same row is still what a plain trace shows.
      const plain = await run({ kind: 'trace', source: { kind: 'default' }, split: 'val', index, cells: ['rnn'], hiddenDim: 4, wordvecDim: 4, seed: 1 });
      assert.equal(plain.result!.sampled, undefined);
      const row = ds.splits.val.captions.data.subarray(index * T1, index * T1 + T1 - 1);
      assert.deepEqual(plain.result!.words, Array.from(row, (w) => ds.idxToWord[w]));
    } finally {
      ds.close();
    }
  });

  it('refuses to trace a sampled caption without a model, in one line', async () => {
    const o = await run({ kind: 'trace', source: { kind: 'folder', path: FIXTURE }, split: 'val', index: 0, cells: ['rnn'], hiddenDim: 4, wordvecDim: 4, seed: 1, sampled: true });
    assert.match(o.error!, /^tracing a sampled caption needs a trained model/);
  });

  it('refuses a checkpoint that does not fit the dataset', async () => {
    const model = new CaptioningModel({ wordToIdx: { '<NULL>': 0, '<START>': 1, '<END>': 2, cat: 3 }, inputDim: 5, wordvecDim: 3, hiddenDim: 4, cellType: 'lstm' });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-ck-')), 'small.npz');
    saveCheckpoint(file, { config: { cellType: 'lstm', inputDim: 5, wordvecDim: 3, hiddenDim: 4, vocabSize: 4 }, params: model.params, idxToWord: model.idxToWord, lossHistory: [] });
    const o = await run({ kind: 'checkpointInfo', source: { kind: 'default' }, file });
    assert.match(o.error!, /D = 5/);
  });
});
