// The bug catalogue: each mutation is caught where the catalogue says (parameter, timesteps,
// elements), the rewritten backward passes equal the reference with every switch off, and the
// reference passes every check.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LAYER_SPECS, runChecks } from '../../core/checks';
import { REFERENCE_LAYERS } from '../../core/layers/index';
import { Rng } from '../../core/random';
import { intTensor } from '../../core/tensor';
import { BUGS, findBug, runBug, runNamedCheck } from '../../core/explore/bugs';
import { lstmBackwardWith, lstmStepBackwardWith, rnnBackwardWith, rnnStepBackwardWith } from '../../core/explore/bptt';
import { embeddingBackwardAssigned } from '../../core/explore/mutations';
import { runSanity } from '../../core/explore/sanity';
import { syntheticData } from '../../core/explore/index';

const randn = (rng: Rng, shape: number[]) => ({ shape, data: rng.normals(shape.reduce((a, b) => a * b, 1)) });

describe('bug catalogue', () => {
  it('lists the ten bugs of the issue, each with a description, how to recognise it and expectations', () => {
    assert.equal(BUGS.length, 10);
    for (const b of BUGS) {
      assert.ok(b.description.length > 20 && b.recognise.length > 20, b.id);
      assert.ok(b.expect.length > 0 && b.checks.length > 0, b.id);
      assert.notEqual(b.layers, REFERENCE_LAYERS, b.id);
    }
  });

  for (const b of BUGS) {
    it(`${b.id}: the checks show what the catalogue promises`, () => {
      const run = runBug(b.id);
      assert.deepEqual(run.problems, []);
      if (b.caughtBy === 'gradient-check') assert.equal(run.buggy.verdict, 'wrong');
      else assert.notEqual(run.buggy.verdict, 'wrong', 'a consistent forward/backward passes every gradient check');
      for (const l of run.reference.layers) assert.ok(l.verdict === 'good' || l.verdict === 'ok', `reference ${l.layer} ${l.verdict}`);
    });
  }

  it('with every mutation off, all checks pass', () => {
    const r = runChecks({});
    for (const l of r.layers) for (const p of l.params) assert.ok(p.verdict === 'good' || p.verdict === 'ok', `${l.layer}.${p.name}: ${p.relError}`);
  });

  it('the rewritten backward passes equal the reference with every switch off', () => {
    const rng = new Rng(3);
    const [N, T, D, H] = [3, 6, 4, 5];
    const x = randn(rng, [N, T, D]);
    const h0 = randn(rng, [N, H]);
    const dh = randn(rng, [N, T, H]);
    {
      const f = REFERENCE_LAYERS.rnnForward(x, h0, randn(rng, [D, H]), randn(rng, [H, H]), randn(rng, [H]));
      const a = REFERENCE_LAYERS.rnnBackward(dh, f.cache);
      const b = rnnBackwardWith({})(dh, f.cache);
      for (const k of ['dx', 'dh0', 'dWx', 'dWh', 'db'] as const) assert.deepEqual(b[k].data, a[k].data, `rnn ${k}`);
      const s = REFERENCE_LAYERS.rnnStepBackward(randn(new Rng(1), [N, H]), f.cache.steps[2]);
      const s2 = rnnStepBackwardWith({})(randn(new Rng(1), [N, H]), f.cache.steps[2]);
      for (const k of ['dx', 'dprevH', 'dWx', 'dWh', 'db'] as const) assert.deepEqual(s2[k].data, s[k].data, `rnn step ${k}`);
    }
    {
      const f = REFERENCE_LAYERS.lstmForward(x, h0, randn(rng, [D, 4 * H]), randn(rng, [H, 4 * H]), randn(rng, [4 * H]));
      const a = REFERENCE_LAYERS.lstmBackward(dh, f.cache);
      const b = lstmBackwardWith({})(dh, f.cache);
      for (const k of ['dx', 'dh0', 'dWx', 'dWh', 'db'] as const) assert.deepEqual(b[k].data, a[k].data, `lstm ${k}`);
      const dn = randn(new Rng(1), [N, H]);
      const dc = randn(new Rng(2), [N, H]);
      const s = REFERENCE_LAYERS.lstmStepBackward(dn, dc, f.cache.steps[1]);
      const s2 = lstmStepBackwardWith({})(dn, dc, f.cache.steps[1]);
      for (const k of ['dx', 'dprevH', 'dprevC', 'dWx', 'dWh', 'db'] as const) assert.deepEqual(s2[k].data, s[k].data, `lstm step ${k}`);
    }
  });

  it('LSTM gate order: errors fill the o and g blocks of db and leave i and f exact', () => {
    const lc = runNamedCheck('lstm_step', 231, findBug('lstm-gate-order').layers);
    const db = lc.params.find((p) => p.name === 'db')!;
    const H = 6;
    assert.ok(Math.max(...db.errors.slice(0, 2 * H)) < 1e-6, `i, f blocks ${Math.max(...db.errors.slice(0, 2 * H))}`);
    assert.ok(Math.min(...db.errors.slice(2 * H)) > 1e-2, `o, g blocks ${Math.min(...db.errors.slice(2 * H))}`);
  });

  it('forget gate without the cell state: only the f block of db is wrong', () => {
    const lc = runNamedCheck('lstm_step', 231, findBug('forget-gate-no-cell').layers);
    const db = lc.params.find((p) => p.name === 'db')!;
    const H = 6;
    const blocks = [0, 1, 2, 3].map((k) => Math.max(...db.errors.slice(k * H, (k + 1) * H)));
    assert.ok(blocks[1] > 1e-2, `f block ${blocks[1]}`);
    for (const k of [0, 2, 3]) assert.ok(blocks[k] < 1e-6, `block ${k}: ${blocks[k]}`);
  });

  it('mask ignored: dx is wrong exactly at the masked positions', () => {
    const spec = LAYER_SPECS.find((s) => s.layer === 'temporal_softmax_loss')!;
    const c = spec.make(new Rng(231));
    const lc = runNamedCheck('temporal_softmax_loss', 231, findBug('mask-ignored').layers);
    const dx = lc.params[0];
    const V = 9;
    for (let k = 0; k < c.masks.mask.data.length; k++) {
      const worst = Math.max(...dx.errors.slice(k * V, (k + 1) * V));
      if (c.masks.mask.data[k]) assert.ok(worst < 1e-6, `unmasked position ${k}: ${worst}`);
      else assert.ok(worst > 0.5, `masked position ${k}: ${worst}`);
    }
  });

  it('loss over unmasked steps: every unmasked element is off by the factor N / Σmask', () => {
    const spec = LAYER_SPECS.find((s) => s.layer === 'temporal_softmax_loss')!;
    const c = spec.make(new Rng(231));
    const count = c.masks.mask.data.reduce((s, v) => s + v, 0);
    const dx = runNamedCheck('temporal_softmax_loss', 231, findBug('loss-mean-over-unmasked').layers).params[0];
    const ratio = dx.worst.analytic / dx.worst.numeric;
    assert.ok(Math.abs(ratio - 7 / count) < 1e-6, `ratio ${ratio}, N / Σmask = ${7 / count}`);
  });

  it('embedding assigned: only the rows of words seen more than once are wrong', () => {
    const x = intTensor([1, 3], [0, 1, 1]);
    const W = randn(new Rng(1), [3, 2]);
    const dout = randn(new Rng(2), [1, 3, 2]);
    const ref = REFERENCE_LAYERS.wordEmbeddingBackward(dout, REFERENCE_LAYERS.wordEmbeddingForward(x, W).cache).dW.data;
    const bad = embeddingBackwardAssigned(dout, REFERENCE_LAYERS.wordEmbeddingForward(x, W).cache).dW.data;
    assert.deepEqual([bad[0], bad[1]], [ref[0], ref[1]], 'word 0 (once) is exact');
    assert.notDeepEqual([bad[2], bad[3]], [ref[2], ref[3]], 'word 1 (twice) is not');
    assert.deepEqual([bad[4], bad[5]], [0, 0], 'word 2 (never) stays zero');
  });

  it('the sanity lines catch the bugs a gradient check cannot (off by one) or that concern masking', () => {
    const data = syntheticData();
    const only = ['masked-zero-gradient', 'causality'] as const;
    const line = (id: string, which: string) => runSanity(data, { layers: id === 'none' ? undefined : findBug(id).layers, hiddenDim: 16, wordvecDim: 8, only: [...only] }).lines.find((l) => l.id === which)!;
    assert.equal(line('none', 'causality').status, 'pass');
    assert.equal(line('none', 'masked-zero-gradient').status, 'pass');
    assert.equal(line('captions-off-by-one', 'causality').status, 'fail');
    assert.equal(line('mask-ignored', 'masked-zero-gradient').status, 'fail');
  });
});
