import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CaptioningModel } from '../../core/model';
import { Rng } from '../../core/random';
import { beamSearch, cutAtEnd, decodeText, sampleGreedy, sampleSplit, sampleTemperature, tokensToWords } from '../../core/sampling';
import { train } from '../../core/solver';
import { toyData, toyVocab } from './toy';

async function trained(cell: 'rnn' | 'lstm'): Promise<{ m: CaptioningModel; data: ReturnType<typeof toyData> }> {
  const data = toyData(60, 8, 10, 11);
  const m = new CaptioningModel({ wordToIdx: toyVocab.wordToIdx, inputDim: 10, wordvecDim: 8, hiddenDim: 16, cellType: cell, seed: 5 });
  const r = await train(m, data, { updateRule: 'adam', optimConfig: { learningRate: 2e-2 }, batchSize: 20, numEpochs: 10, evalEvery: 0, seed: 1 });
  assert.equal(r.status, 'done');
  return { m, data };
}

describe('sampling', () => {
  for (const cell of ['rnn', 'lstm'] as const) {
    it(`beam width 1 equals greedy token for token (${cell}, untrained and trained)`, async () => {
      const { m, data } = await trained(cell);
      const fresh = new CaptioningModel({ wordToIdx: toyVocab.wordToIdx, inputDim: 10, wordvecDim: 8, hiddenDim: 16, cellType: cell, seed: 9 });
      for (const model of [fresh, m]) {
        const feats = data.train.getFeatures(Int32Array.from({ length: 30 }, (_, i) => i));
        const greedy = sampleGreedy(model, feats, toyVocab, 12);
        const beam = beamSearch(model, feats, toyVocab, 1, 12);
        assert.deepEqual(beam.tokens, greedy);
        // Greedy is the model's own sampler cut at <END>.
        assert.deepEqual(greedy, cutAtEnd(model.sample(feats, 12), toyVocab));
      }
      // The trained model ends its captions.
      const t = sampleGreedy(m, data.train.getFeatures([0, 1, 2, 3]), toyVocab, 12);
      assert.ok(Array.from(t.data).includes(toyVocab.endIdx));
    });
  }

  it('a beam wide enough to keep every hypothesis finds the most probable caption (checked against model.loss)', async () => {
    const { m, data } = await trained('lstm');
    const L = 3;
    const V = toyVocab.idxToWord.length;
    const feats = data.val!.getFeatures([0, 1, 2]);
    const res = beamSearch(m, feats, toyVocab, V ** L, L);
    for (let i = 0; i < 3; i++) {
      const f = { shape: [1, 10], data: feats.data.subarray(i * 10, (i + 1) * 10) };
      // -loss of a caption row is the sum of its token log-probabilities (no <NULL> inside).
      const logp = (words: number[]): number => {
        const row = Int32Array.from([toyVocab.startIdx, ...words]);
        return -m.loss(f, { shape: [1, row.length], data: row }).loss;
      };
      let best = -Infinity;
      const words = [...Array(V).keys()].filter((w) => w !== toyVocab.nullIdx);
      const visit = (prefix: number[]): void => {
        for (const w of words) {
          const seq = [...prefix, w];
          if (w === toyVocab.endIdx || seq.length === L) best = Math.max(best, logp(seq));
          else visit(seq);
        }
      };
      visit([]);
      const got = Array.from(res.tokens.data.subarray(i * L, (i + 1) * L)).filter((w) => w !== toyVocab.nullIdx);
      assert.ok(Math.abs(res.logProbs[i] - logp(got)) < 1e-9, `reported ${res.logProbs[i]} vs recomputed ${logp(got)}`);
      assert.ok(Math.abs(res.logProbs[i] - best) < 1e-9, `beam ${res.logProbs[i]} vs exhaustive ${best}`);
    }
  });

  it('temperature sampling is seeded, stops at <END>, and approaches greedy as T -> 0', async () => {
    const { m, data } = await trained('rnn');
    const feats = data.train.getFeatures([0, 1, 2, 3, 4, 5]);
    const a = sampleTemperature(m, feats, toyVocab, 1, new Rng(3), 12);
    const b = sampleTemperature(m, feats, toyVocab, 1, new Rng(3), 12);
    assert.deepEqual(a, b);
    const cold = sampleTemperature(m, feats, toyVocab, 1e-4, new Rng(4), 12);
    assert.deepEqual(cold, sampleGreedy(m, feats, toyVocab, 12));
    for (let i = 0; i < 6; i++) {
      const row = Array.from(a.data.subarray(i * 12, (i + 1) * 12));
      const end = row.indexOf(toyVocab.endIdx);
      if (end >= 0) assert.ok(row.slice(end + 1).every((w) => w === toyVocab.nullIdx));
    }
    const hot = Array.from({ length: 5 }, (_, k) => decodeText(sampleTemperature(m, feats, toyVocab, 5, new Rng(k), 12), toyVocab).join('|'));
    assert.ok(new Set(hot).size > 1, 'high temperature varies with the seed');
    assert.throws(() => sampleTemperature(m, feats, toyVocab, 0, new Rng(1)), /temperature must be a positive number, got 0/);
    assert.throws(() => beamSearch(m, feats, toyVocab, 0), /beam width must be a positive integer, got 0/);
  });

  it('sampled captions keep ground truth, references and the image reference; <NULL>, <START>, <END> never in text', async () => {
    const { m, data } = await trained('rnn');
    const recs = sampleSplit(m, data.val!, 'val', toyVocab, { count: 6, seed: 2, method: { kind: 'beam', width: 3 } });
    assert.equal(recs.length, 6);
    for (const r of recs) {
      assert.equal(r.split, 'val');
      const T = data.val!.captions.shape[1];
      const gt = tokensToWords(data.val!.captions.data.subarray(r.captionRow * T, (r.captionRow + 1) * T), toyVocab).join(' ');
      assert.equal(r.groundTruth, gt);
      assert.equal(r.imageIndex, data.val!.imageIdxs[r.captionRow]);
      assert.equal(r.imageRef, `images/${r.imageIndex}.png`);
      assert.ok(r.references.includes(r.groundTruth));
      for (const tok of ['<NULL>', '<START>', '<END>']) {
        assert.ok(!r.sample.includes(tok) && !r.groundTruth.includes(tok), `${tok} in "${r.sample}" / "${r.groundTruth}"`);
      }
    }
    assert.deepEqual(sampleSplit(m, data.val!, 'val', toyVocab, { count: 6, seed: 2 }), sampleSplit(m, data.val!, 'val', toyVocab, { count: 6, seed: 2 }));
  });
});
