// The CS231n notebooks' forward checks, with their exact linspace inputs and printed expectations.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { linspace, intTensor, boolTensor, tensor, type Tensor } from '../../core/tensor';
import { relError } from '../../core/gradcheck';
import { rnnStepForward, rnnForward, lstmStepForward, lstmForward, wordEmbeddingForward, temporalSoftmaxLoss } from '../../core/layers/index';
import { CaptioningModel, PARAM_NAMES } from '../../core/model';
import { Rng } from '../../core/random';

const flat = (a: number[][] | number[][][]): number[] => (a as unknown[]).flat(2) as number[];

describe('notebook forward values', () => {
  it('rnn_step_forward (N, D, H = 3, 10, 4)', () => {
    const [N, D, H] = [3, 10, 4];
    const { nextH } = rnnStepForward(linspace(-0.4, 0.7, [N, D]), linspace(-0.2, 0.5, [N, H]), linspace(-0.1, 0.9, [D, H]), linspace(-0.3, 0.7, [H, H]), linspace(-0.2, 0.4, [H]));
    const expected = [[-0.58172089, -0.50182032, -0.41232771, -0.31410098], [0.66854692, 0.79562378, 0.87755553, 0.92795967], [0.97934501, 0.99144213, 0.99646691, 0.99854353]];
    assert.ok(relError(nextH.data, flat(expected)) < 1e-8, `next_h error ${relError(nextH.data, flat(expected))}`);
  });

  it('rnn_forward (N, T, D, H = 2, 3, 4, 5)', () => {
    const [N, T, D, H] = [2, 3, 4, 5];
    const { h } = rnnForward(linspace(-0.1, 0.3, [N, T, D]), linspace(-0.3, 0.1, [N, H]), linspace(-0.2, 0.4, [D, H]), linspace(-0.4, 0.1, [H, H]), linspace(-0.7, 0.1, [H]));
    const expected = [
      [[-0.42070749, -0.27279261, -0.11074945, 0.05740409, 0.22236251], [-0.39525808, -0.22554661, -0.0409454, 0.14649412, 0.32397316], [-0.42305111, -0.24223728, -0.04287027, 0.15997045, 0.35014525]],
      [[-0.55857474, -0.39065825, -0.19198182, 0.02378408, 0.23735671], [-0.27150199, -0.07088804, 0.13562939, 0.33099728, 0.50158768], [-0.51014825, -0.30524429, -0.06755202, 0.17806392, 0.40333043]],
    ];
    assert.ok(relError(h.data, flat(expected)) < 1e-7, `h error ${relError(h.data, flat(expected))}`);
  });

  it('word_embedding_forward (N, T, V, D = 2, 4, 5, 3)', () => {
    const x = intTensor([2, 4], [0, 3, 1, 2, 2, 1, 0, 3]);
    const { out } = wordEmbeddingForward(x, linspace(0, 1, [5, 3]));
    const r = [[0, 0.07142857, 0.14285714], [0.21428571, 0.28571429, 0.35714286], [0.42857143, 0.5, 0.57142857], [0.64285714, 0.71428571, 0.78571429]];
    const expected = [r[0], r[3], r[1], r[2], r[2], r[1], r[0], r[3]];
    assert.ok(relError(out.data, flat(expected)) < 1e-7);
  });

  it('lstm_step_forward (N, D, H = 3, 4, 5)', () => {
    const [N, D, H] = [3, 4, 5];
    const r = lstmStepForward(linspace(-0.4, 1.2, [N, D]), linspace(-0.3, 0.7, [N, H]), linspace(-0.4, 0.9, [N, H]), linspace(-2.1, 1.3, [D, 4 * H]), linspace(-0.7, 2.2, [H, 4 * H]), linspace(0.3, 0.7, [4 * H]));
    const eh = [[0.24635157, 0.28610883, 0.32240467, 0.35525807, 0.38474904], [0.49223563, 0.55611431, 0.61507696, 0.66844003, 0.7159181], [0.56735664, 0.66310127, 0.74419266, 0.80889665, 0.858299]];
    const ec = [[0.32986176, 0.39145139, 0.451556, 0.51014116, 0.56717407], [0.66382255, 0.76674007, 0.87195994, 0.97902709, 1.08751345], [0.74192008, 0.90592151, 1.07717006, 1.25120233, 1.42395676]];
    assert.ok(relError(r.nextH.data, flat(eh)) < 1e-7, `next_h ${relError(r.nextH.data, flat(eh))}`);
    assert.ok(relError(r.nextC.data, flat(ec)) < 1e-7, `next_c ${relError(r.nextC.data, flat(ec))}`);
  });

  it('lstm_forward (N, D, H, T = 2, 5, 4, 3)', () => {
    const [N, D, H, T] = [2, 5, 4, 3];
    const { h } = lstmForward(linspace(-0.4, 0.6, [N, T, D]), linspace(-0.4, 0.8, [N, H]), linspace(-0.2, 0.9, [D, 4 * H]), linspace(-0.3, 0.6, [H, 4 * H]), linspace(0.2, 0.7, [4 * H]));
    const expected = [
      [[0.01764008, 0.01823233, 0.01882671, 0.0194232], [0.11287491, 0.12146228, 0.13018446, 0.13902939], [0.31358768, 0.33338627, 0.35304453, 0.37250975]],
      [[0.45767879, 0.4761092, 0.4936887, 0.51041945], [0.6704845, 0.69350089, 0.71486014, 0.7346449], [0.81733511, 0.83677871, 0.85403753, 0.86935314]],
    ];
    assert.ok(relError(h.data, flat(expected)) < 1e-7, `h error ${relError(h.data, flat(expected))}`);
  });

  it('temporal_softmax_loss sanity values: about 2.3, 23 and 2.3', () => {
    const rng = new Rng(231);
    const check = (N: number, T: number, V: number, p: number): number => {
      const x: Tensor = tensor([N, T, V], rng.normals(N * T * V, 0.001));
      const y = intTensor([N, T], Array.from({ length: N * T }, () => rng.int(V)));
      const mask = boolTensor([N, T], Array.from({ length: N * T }, () => rng.uniform() <= p));
      return temporalSoftmaxLoss(x, y, mask).loss;
    };
    const a = check(100, 1, 10, 1.0);
    const b = check(100, 10, 10, 1.0);
    const c = check(5000, 10, 10, 0.1);
    assert.ok(Math.abs(a - Math.log(10)) < 0.01, `${a}`);
    assert.ok(Math.abs(b - 10 * Math.log(10)) < 0.05, `${b}`);
    assert.ok(Math.abs(c - Math.log(10)) < 0.1, `${c}`);
  });
});

describe('captioning model loss on the notebook set-up', () => {
  const [N, D, W, H, T] = [10, 20, 30, 40, 13];
  const wordToIdx = { '<NULL>': 0, cat: 2, dog: 3 };
  const V = Object.keys(wordToIdx).length;
  for (const [cell, lo, hi, expected] of [['rnn', -1.5, 0.3, 9.83235591003], ['lstm', -0.5, 1.7, 9.82445935443]] as const) {
    it(`${cell}: ${expected} to 1e-10`, () => {
      const model = new CaptioningModel({ wordToIdx, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: cell });
      for (const k of PARAM_NAMES) model.params[k] = linspace(-1.4, 1.3, model.params[k].shape);
      const features = linspace(lo, hi, [N, D]);
      const captions = intTensor([N, T], Array.from({ length: N * T }, (_, i) => i % V));
      const { loss } = model.loss(features, captions);
      assert.ok(Math.abs(loss - expected) < 1e-10, `loss ${loss}, expected ${expected}, diff ${Math.abs(loss - expected)}`);
    });
  }
});
