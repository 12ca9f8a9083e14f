import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CaptioningModel, PARAM_NAMES } from '../../core/model';
import { CaptioningSolver, SolverError, subsetSplit, train, type StepInfo } from '../../core/solver';
import { toyData, toyVocab } from './toy';

const model = (seed = 1, cell: 'rnn' | 'lstm' = 'rnn'): CaptioningModel =>
  new CaptioningModel({ wordToIdx: toyVocab.wordToIdx, inputDim: 10, wordvecDim: 8, hiddenDim: 16, cellType: cell, seed });

describe('CaptioningSolver', () => {
  it('follows the CS231n schedule: iterations per epoch, lr decay after each epoch', async () => {
    const data = toyData(53, 8, 10, 2);
    const steps: StepInfo[] = [];
    const s = new CaptioningSolver(model(), data, { updateRule: 'sgd', optimConfig: { learningRate: 0.1 }, batchSize: 10, numEpochs: 3, lrDecay: 0.5, evalEvery: 0 });
    assert.equal(s.iterationsPerEpoch, 5); // 53 // 10
    assert.equal(s.totalIterations, 15);
    const r = await s.train({ onStep: (x) => steps.push(x) });
    assert.equal(r.status, 'done');
    assert.equal(r.iteration, 15);
    assert.equal(r.lossHistory.length, 15);
    assert.deepEqual(steps.map((x) => x.learningRate), [...Array(5).fill(0.1), ...Array(5).fill(0.05), ...Array(5).fill(0.025)]);
    assert.deepEqual(steps.map((x) => x.epoch), [0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3]);
    assert.equal(s.learningRate, 0.0125);
    // A batch larger than the split still gives one iteration per epoch (max(n // b, 1)).
    assert.equal(new CaptioningSolver(model(), toyData(8, 8, 10, 2), { updateRule: 'sgd', batchSize: 8 }).iterationsPerEpoch, 1);
  });

  it('reproduces a run exactly from its seed, and a resumed run matches an uninterrupted one', async () => {
    const data = toyData(40, 8, 10, 3);
    const opts = { updateRule: 'adam', optimConfig: { learningRate: 1e-2 }, batchSize: 8, numEpochs: 2, lrDecay: 0.9, seed: 7, evalEvery: 1, evalSize: 12 };
    const a = model(4);
    const ra = await train(a, data, opts);
    const b = model(4);
    const rb = await train(b, data, opts);
    assert.deepEqual(ra.lossHistory, rb.lossHistory);
    assert.deepEqual(ra.epochs, rb.epochs);
    for (const p of PARAM_NAMES) assert.deepEqual(a.params[p].data, b.params[p].data);
    assert.ok(ra.epochs[1].trainLoss! > 0 && ra.epochs[1].valLoss! > 0);
    // Another seed draws other batches.
    const rc = await train(model(4), data, { ...opts, seed: 8 });
    assert.notDeepEqual(rc.lossHistory, ra.lossHistory);
    // Stop after 3 iterations, resume from the saved state: same losses and parameters.
    const c = model(4);
    const ctl = new AbortController();
    const s1 = new CaptioningSolver(c, data, opts);
    const r1 = await s1.train({ signal: ctl.signal, onStep: (x) => x.iteration === 3 && ctl.abort() });
    assert.equal(r1.status, 'cancelled');
    const s2 = new CaptioningSolver(c, data, opts, s1.state());
    const r2 = await s2.train();
    assert.deepEqual(r2.lossHistory, ra.lossHistory);
    for (const p of PARAM_NAMES) assert.deepEqual(c.params[p].data, a.params[p].data);
  });

  it('cancel stops a run mid-epoch, within one iteration', async () => {
    const data = toyData(100, 8, 10, 4);
    const ctl = new AbortController();
    const seen: number[] = [];
    const s = new CaptioningSolver(model(), data, { updateRule: 'adam', batchSize: 10, numEpochs: 5, evalEvery: 0 });
    const r = await s.train({
      signal: ctl.signal,
      onStep: (x) => {
        seen.push(x.iteration);
        if (x.iteration === 14) ctl.abort();
      },
    });
    assert.equal(r.status, 'cancelled');
    assert.equal(r.iteration, 14);
    assert.equal(r.epoch, 1); // 10 iterations per epoch: stopped inside the second epoch
    assert.deepEqual(seen, Array.from({ length: 14 }, (_, i) => i + 1));
    assert.match(r.message, /^cancelled at iteration 14 of 50 \(epoch 1 of 5\)$/);
  });

  it('a diverging run stops, says so, and keeps the last parameters with a finite loss', async () => {
    const data = toyData(40, 8, 10, 5);
    const m = model(2);
    const s = new CaptioningSolver(m, data, { updateRule: 'sgd', optimConfig: { learningRate: 1e3 }, batchSize: 10, numEpochs: 20, evalEvery: 0 });
    const snaps: Float64Array[] = [Float64Array.from(m.params.Wh.data)];
    const r = await s.train({ onStep: () => snaps.push(Float64Array.from(m.params.Wh.data)) });
    assert.equal(r.status, 'diverged', r.message);
    assert.match(r.message, /^diverged at iteration \d+: (the loss is (NaN|Infinity)|the loss .* exceeds 10 × the first loss .*|a gradient is not finite.*) \(learning rate 1000\); kept the parameters after \d+ updates \(their loss .*\)$/);
    const k = r.restoredIteration!;
    assert.equal(r.iteration, k);
    assert.equal(r.lossHistory.length, k);
    // The kept parameters are those after k updates, whose loss was finite.
    assert.deepEqual(m.params.Wh.data, snaps[k]);
    for (const p of PARAM_NAMES) assert.ok(m.params[p].data.every(Number.isFinite), p);
    assert.ok(r.lossHistory.every(Number.isFinite));
  });

  it('NaN features make the loss NaN: reported, parameters untouched', async () => {
    const data = toyData(20, 8, 10, 6);
    const bad = { ...data.train, getFeatures: (rows: ArrayLike<number>) => ({ shape: [rows.length, 10], data: new Float64Array(rows.length * 10).fill(NaN) }) };
    const m = model(3);
    const before = Float64Array.from(m.params.W_vocab.data);
    const r = await train(m, { train: bad }, { updateRule: 'adam', batchSize: 5, numEpochs: 1 });
    assert.equal(r.status, 'diverged');
    assert.match(r.message, /^diverged at iteration 1: the loss is NaN .*; no earlier parameters to keep$/);
    assert.deepEqual(m.params.W_vocab.data, before);
  });

  it('clips gradients and reports the clipped fraction', async () => {
    const data = toyData(40, 8, 10, 7);
    const norm: StepInfo[] = [];
    const r = await train(model(), data, { updateRule: 'sgd', batchSize: 10, numEpochs: 2, gradClip: 1e-3, evalEvery: 0 }, { onStep: (x) => norm.push(x) });
    assert.ok(norm.every((x) => x.clipped === 1 && x.gradNorm > 1e-3));
    assert.equal(r.clippedFraction, 1);
    const off = await train(model(), data, { updateRule: 'sgd', batchSize: 10, numEpochs: 2, gradClip: 1e9, evalEvery: 0 });
    assert.equal(off.clippedFraction, 0);
    const val: StepInfo[] = [];
    const rv = await train(model(), data, { updateRule: 'sgd', batchSize: 10, numEpochs: 1, gradClip: 1e-2, clipMode: 'value', evalEvery: 0 }, { onStep: (x) => val.push(x) });
    assert.ok(val.every((x) => x.clipped > 0 && x.clipped < 1), JSON.stringify(val.map((x) => x.clipped)));
    assert.ok(Math.abs(rv.clippedFraction - val.reduce((a, x) => a + x.clipped, 0) / val.length) < 1e-15);
  });

  it('rejects bad options with one-line errors', () => {
    const data = toyData(30, 8, 10, 8);
    const mk = (o: Record<string, unknown>) => () => new CaptioningSolver(model(), data, { updateRule: 'adam', batchSize: 10, ...o });
    assert.throws(mk({ updateRule: 'adagrad' }), (e: Error) => e instanceof SolverError && e.message === 'unknown update rule "adagrad": expected one of sgd, sgd_momentum, rmsprop, adam');
    assert.throws(mk({ optimConfig: { learningRate: 0 } }), /learning rate must be a positive number, got 0/);
    assert.throws(mk({ optimConfig: { learningRate: -0.1 } }), /learning rate must be a positive number, got -0.1/);
    assert.throws(mk({ batchSize: 31 }), /^SolverError: batch size 31 is larger than the train split \(30 captions\)$/);
    assert.throws(mk({ batchSize: 0 }), /batch size must be a positive integer, got 0/);
    assert.throws(mk({ numEpochs: 0 }), /epochs must be a positive integer/);
    assert.throws(mk({ lrDecay: 1.5 }), /lr decay must be in \(0, 1\], got 1.5/);
    assert.throws(mk({ gradClip: -1 }), /gradient clip must be a positive number/);
  });

  it('max_train subsets draw caption rows with replacement, seeded, features whole', () => {
    const data = toyData(30, 8, 10, 9);
    const a = subsetSplit(data.train, 50, 1);
    const b = subsetSplit(data.train, 50, 1);
    assert.deepEqual(a.captions, b.captions);
    assert.equal(a.captions.shape[0], 50); // more rows than the split: with replacement
    assert.notDeepEqual(subsetSplit(data.train, 50, 2).captions, a.captions);
    assert.deepEqual(a.getFeatures([0, 1]), data.train.getFeatures([0, 1]));
  });
});
