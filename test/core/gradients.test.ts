// Every backward pass against centred-difference numerical gradients, at the notebooks' levels.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runChecks, checkLayer, checkModel, LAYER_SPECS } from '../../core/checks';
import { findBug } from '../../core/explore/bugs';
import { CaptioningModel } from '../../core/model';
import { intTensor } from '../../core/tensor';
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

  it("the model check gives every parameter its error per loss step, and a BPTT bug shows at the model's Wh by step", () => {
    const ref = checkModel('rnn', 231);
    for (const p of ref.params) {
      assert.equal(p.perTimestepKind, 'loss-step', p.name);
      assert.equal(p.perTimestep!.length, 2, p.name); // captions of 3 words: 2 steps
      for (const e of p.perTimestep!) assert.ok(e < 1e-4, `${p.name}: ${e}`);
    }
    // dWh assigned instead of accumulated: step 0's loss reaches Wh through one step only, so it
    // is right; step 1's loss needs the sum over both steps, so it is wrong.
    const bug = checkModel('rnn', 231, 1e-6, findBug('dwh-not-accumulated').layers);
    const wh = bug.params.find((p) => p.name === 'Wh')!;
    assert.equal(wh.verdict, 'wrong');
    assert.ok(wh.perTimestep![0] < 1e-6 && wh.perTimestep![1] > 1e-2, `Wh per loss step: ${wh.perTimestep}`);
    for (const name of ['Wx', 'b', 'W_vocab']) assert.ok(bug.params.find((p) => p.name === name)!.relError < 1e-4, name);
  });

  it('the loss of one step is that step\'s share of the whole loss', () => {
    const model = new CaptioningModel({ wordToIdx: { '<NULL>': 0, '<START>': 1, a: 2, b: 3 }, inputDim: 3, wordvecDim: 4, hiddenDim: 5, cellType: 'lstm', seed: 3 });
    const features = tensor([2, 3], [0.1, -0.2, 0.3, 0.5, 0.4, -0.6]);
    const captions = intTensor([2, 4], [1, 2, 3, 0, 1, 3, 3, 2]);
    const whole = model.loss(features, captions).loss;
    const parts = [0, 1, 2].map((s) => model.loss(features, captions, { onlyStep: s }).loss);
    assert.ok(Math.abs(parts[0] + parts[1] + parts[2] - whole) < 1e-12 * Math.abs(whole), `${parts} vs ${whole}`);
    assert.ok(parts.every((x) => x > 0));
    assert.throws(() => model.loss(features, captions, { onlyStep: 3 }), /onlyStep 3 is outside the 3 steps/);
  });
});
