// Every backward pass against centred-difference numerical gradients, at the notebooks' levels.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runChecks, checkLayer, LAYER_SPECS } from '../../core/checks';
import { REFERENCE_LAYERS, type LayerImpl } from '../../core/layers/index';
import { compareGradients, classify, relError } from '../../core/gradcheck';
import { tensor } from '../../core/tensor';

// The CS231n notebooks' levels: RNN layers < 1e-8 on most gradients; LSTM about 1e-6 or less.
const LIMIT: Record<string, number> = {
  affine: 1e-7, rnn_step: 1e-6, rnn: 1e-6, word_embedding: 1e-8, temporal_affine: 1e-8, temporal_softmax_loss: 1e-7,
  lstm_step: 1e-5, lstm: 1e-5, captioning_rnn: 1e-5, captioning_lstm: 1e-4,
};

describe('gradient checks of every layer and both models', () => {
  for (const seed of [231, 7]) {
    const report = runChecks({ seed });
    it(`seed ${seed}: every layer and both models are checked`, () => {
      assert.deepEqual(report.layers.map((l) => l.layer), [...LAYER_SPECS.map((s) => s.layer), 'captioning_rnn', 'captioning_lstm']);
      const model = report.layers.find((l) => l.layer === 'captioning_lstm')!;
      assert.deepEqual(model.params.map((p) => p.name), ['W_embed', 'W_proj', 'W_vocab', 'Wh', 'Wx', 'b', 'b_proj', 'b_vocab']);
    });
    for (const l of report.layers) {
      it(`seed ${seed}: ${l.layer} gradients agree (${l.params.map((p) => `${p.name} ${p.relError.toExponential(1)}`).join(', ')})`, () => {
        for (const p of l.params) {
          assert.ok(p.relError < LIMIT[l.layer], `${l.layer}.${p.name}: ${p.relError}`);
          assert.ok(p.checked === p.errors.length && p.checked > 0);
        }
      });
    }
  }
});

describe('diagnostics locate a wrong gradient', () => {
  it('compareGradients names the worst element, its values and per-timestep errors', () => {
    const a = tensor([2, 3, 2], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const n = tensor([2, 3, 2], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1.5, 1, 1]);
    const c = compareGradients('dx', a, n, { timeAxis: 1 });
    assert.deepEqual(c.worst.index, [1, 1, 1]);
    assert.equal(c.worst.numeric, 1.5);
    assert.equal(c.verdict, 'wrong');
    assert.equal(c.perTimestep!.length, 3);
    assert.equal(c.perTimestep![0], 0);
    assert.ok(c.perTimestep![1] > 0.1 && c.perTimestep![2] === 0);
    assert.equal(c.relError, relError(a.data, n.data));
  });

  it('thresholds follow the CS231n notes', () => {
    assert.equal(classify(1e-9), 'good');
    assert.equal(classify(1e-6), 'ok');
    assert.equal(classify(1e-3), 'warn');
    assert.equal(classify(0.5), 'wrong');
    assert.equal(classify(Number.NaN), 'wrong');
  });

  it('an RNN backward that forgets the upstream dh at each step is caught at dWh, with the right steps', () => {
    // Only the last step's upstream gradient is used; earlier steps' losses never reach the weights.
    const broken: LayerImpl = {
      ...REFERENCE_LAYERS,
      rnnBackward: (dh, cache, observe) => {
        const [n, t, h] = dh.shape;
        const only = new Float64Array(dh.data.length);
        for (let i = 0; i < n; i++) only.set(dh.data.subarray((i * t + t - 1) * h, (i * t + t) * h), (i * t + t - 1) * h);
        return REFERENCE_LAYERS.rnnBackward({ shape: dh.shape, data: only }, cache, observe);
      },
    };
    const spec = LAYER_SPECS.find((s) => s.layer === 'rnn')!;
    const res = checkLayer(spec, 231, 1e-5, broken);
    const dWh = res.params.find((p) => p.name === 'dWh')!;
    assert.equal(dWh.verdict, 'wrong');
    assert.equal(dWh.perTimestepKind, 'loss-step');
    const steps = dWh.perTimestep!;
    assert.equal(steps.length, 10);
    // Losses at steps 0..8 are dropped entirely (relative error 1), the last step is right.
    for (let t = 0; t < 9; t++) assert.ok(steps[t] > 0.5, `step ${t}: ${steps[t]}`);
    assert.ok(steps[9] < 1e-6, `step 9: ${steps[9]}`);
    const dx = res.params.find((p) => p.name === 'dx')!;
    assert.ok(dx.perTimestep![9] < 1e-6 && dx.perTimestep![0] > 0.5);
  });
});
