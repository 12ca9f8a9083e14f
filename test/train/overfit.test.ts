/**
 * The overfit check of the CS231n notebook on the embedded default dataset: 50 training captions
 * (max_train, drawn with replacement), rnn, H=512, W=256, adam lr 5e-3, lr decay 0.95, batch 25,
 * 50 epochs = 100 iterations. Runs on the WebAssembly engine (float32, the training default) where the runtime has SIMD,
 * else on the pure-TS reference (several minutes on a loaded machine).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDefaultDataset } from '../../runtime/fsAccess';
import { createTrainingModel } from '../../runtime/trainJob';
import { sampleSplit } from '../../core/sampling';
import { CaptioningSolver, subsetSplit } from '../../core/solver';

// Seed 1's 50-caption draw holds no image twice with two different captions. Such a pair cannot be
// fitted (the same features must predict both); with the default's 20,000 train images such draws
// are rare (bench/overfitSeeds.ts runs 20 seeds); the precondition below says so if the data changes.
const SEED = 1;

describe('overfit demo', () => {
  it('reaches loss < 0.1 in 100 iterations on 50 training captions (rnn, H=512, W=256, adam)', async (t) => {
    const ds = await openDefaultDataset();
    try {
      const train = subsetSplit(ds.splits.train, 50, SEED);
      const T = ds.T;
      const captionsOfImage = new Map<number, Set<string>>();
      let tokens = 0;
      for (let i = 0; i < 50; i++) {
        const row = train.captions.data.subarray(i * T, (i + 1) * T);
        for (let s = 1; s < T; s++) if (row[s] !== ds.nullIdx) tokens++;
        const img = train.imageIdxs[i];
        const set = captionsOfImage.get(img) ?? new Set<string>();
        set.add(row.join(','));
        captionsOfImage.set(img, set);
      }
      const conflicts = [...captionsOfImage.values()].filter((s) => s.size > 1).length;
      assert.equal(conflicts, 0, `the seed-${SEED} draw has ${conflicts} image(s) with two different captions, which no model can fit; pick another fixed seed`);

      const { model, engine } = await createTrainingModel({ wordToIdx: ds.wordToIdx, inputDim: ds.D, wordvecDim: 256, hiddenDim: 512, cellType: 'rnn', seed: SEED });
      const solver = new CaptioningSolver(model, { train, val: ds.splits.val }, {
        updateRule: 'adam', optimConfig: { learningRate: 5e-3 }, lrDecay: 0.95, batchSize: 25, numEpochs: 50, seed: SEED, evalEvery: 0,
      });
      assert.equal(solver.totalIterations, 100);
      const r = await solver.train();
      const h = r.lossHistory;
      const curve = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90].map((i) => `${i + 1}: ${h[i].toFixed(4)}`).join(', ');
      t.diagnostic(`${engine}; loss at iterations ${curve}; final ${h[99].toFixed(4)}; ${(r.wallMs / 1000).toFixed(1)} s`);
      assert.equal(r.status, 'done', r.message);
      assert.equal(h.length, 100);
      // The first loss is about (mean caption length incl. <END>) × ln V: near-uniform predictions.
      const expected = (tokens / 50) * Math.log(ds.V);
      assert.ok(Math.abs(h[0] - expected) < 0.15 * expected, `first loss ${h[0]} vs (mean length) × ln V = ${expected}`);
      assert.ok(h[99] < 0.1, `final loss ${h[99]} (curve ${curve})`);
      // The model now reproduces its training captions.
      const recs = sampleSplit(model, train, 'train', ds, { count: 10, seed: 3 });
      const exact = recs.filter((x) => x.sample === x.groundTruth).length;
      assert.ok(exact >= 9, `only ${exact}/10 training captions reproduced: ${JSON.stringify(recs.map((x) => [x.sample, x.groundTruth]))}`);
    } finally {
      ds.close();
    }
  });
});
