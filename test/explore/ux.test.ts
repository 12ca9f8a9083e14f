// What a user of the explorations sees must be what the real mistake would show.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findBug, syntheticData } from '../../core/explore/index';
import { runSanity } from '../../core/explore/sanity';

describe('bug catalogue: captions in/out off by one', () => {
  it('fails causality but not the masking line, as captions_in = captions[:, 1:] does in numpy', () => {
    const data = syntheticData();
    const T = data.splits.train.captions.shape[1];
    const caps = data.splits.train.captions.data;
    // Captions that fill every step (no <NULL> at the end) are where the emulation could differ.
    const full = Array.from({ length: caps.length / T }, (_, i) => caps[i * T + T - 1]).filter((w) => w !== 0).length;
    assert.ok(full > 0, 'the synthetic set has captions that fill all T steps');
    const lines = runSanity(data, { layers: findBug('captions-off-by-one').layers, hiddenDim: 16, wordvecDim: 8, only: ['masked-zero-gradient', 'causality'] }).lines;
    const line = (id: string) => lines.find((l) => l.id === id)!;
    assert.equal(line('causality').status, 'fail');
    assert.equal(line('masked-zero-gradient').status, 'pass', line('masked-zero-gradient').detail);
  });
});

describe('sanity suite on a small dataset', () => {
  it('says how many captions the training lines really used when the train split has fewer images', () => {
    const base = syntheticData();
    const train = base.splits.train;
    // 60 captions of 30 images (two each): one caption per image leaves 30.
    const data = { ...base, splits: { train: { ...train, imageIdxs: Int32Array.from({ length: 60 }, (_, i) => Math.floor(i / 2)) } } };
    const lines = runSanity(data, { hiddenDim: 8, wordvecDim: 4, fitHiddenDim: 8, fitWordvecDim: 4, overfitIterations: 2, only: ['loss-falls', 'overfit'] }).lines;
    assert.match(lines.find((l) => l.id === 'overfit')!.detail, /^30 captions of 30 images \(the train split has only 30 images\), batch 25,/);
    assert.match(lines.find((l) => l.id === 'loss-falls')!.detail, /^25 captions, adam 5e-3/);
  });
});
