// The `gradlab eval` exchange format: every op, exact round trips, and one-line errors naming the field.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, EvalError, fromTensor, EVAL_OPS, type EvalCase, type JsonTensor } from '../../core/eval';
import { linspace, intTensor, boolTensor, type Tensor } from '../../core/tensor';
import { Rng } from '../../core/random';
import { CaptioningModel, PARAM_NAMES } from '../../core/model';
import { rnnStepForward, rnnStepBackward } from '../../core/layers/index';
import { relError } from '../../core/gradcheck';

const f = (t: Tensor): JsonTensor => fromTensor(t);
const rng = new Rng(5);
const randn = (shape: number[]): Tensor => ({ shape, data: rng.normals(shape.reduce((a, b) => a * b, 1)) });
const vals = (t: JsonTensor): number[] => t.data as number[];

describe('eval exchange format', () => {
  it('lists the ops of the contract', () => {
    for (const op of ['affine', 'rnn_step', 'rnn', 'word_embedding', 'lstm_step', 'lstm', 'temporal_affine', 'temporal_softmax_loss', 'captioning_rnn_loss', 'captioning_rnn_sample', 'rel_error', 'eval_numerical_gradient', 'eval_numerical_gradient_array']) {
      assert.ok(EVAL_OPS.includes(op), op);
    }
  });

  it('rnn_step runs forward then backward on that cache, with exact float round trips', () => {
    const x = randn([3, 4]), prevH = randn([3, 5]), Wx = randn([4, 5]), Wh = randn([5, 5]), b = randn([5]), d = randn([3, 5]);
    const c: EvalCase = { op: 'rnn_step', inputs: { x: f(x), prev_h: f(prevH), Wx: f(Wx), Wh: f(Wh), b: f(b) }, dout: { dnext_h: f(d) } };
    const out = evaluate(JSON.parse(JSON.stringify(c))).outputs;
    const fw = rnnStepForward(x, prevH, Wx, Wh, b);
    const bw = rnnStepBackward(d, fw.cache);
    assert.deepEqual(vals(out.next_h), Array.from(fw.nextH.data));
    assert.deepEqual(vals(out.dWh), Array.from(bw.dWh.data));
    assert.deepEqual(out.dprev_h.shape, [3, 5]);
    assert.deepEqual(Object.keys(out), ['next_h', 'dx', 'dprev_h', 'dWx', 'dWh', 'db']);
    // JSON text keeps every bit: 17 significant digits at most, parsed back to the same double.
    const text = JSON.stringify(out.dx);
    assert.deepEqual(JSON.parse(text).data, Array.from(bw.dx.data));
  });

  it('numerical-gradient ops agree with the analytic gradient of the named op', () => {
    const x = randn([2, 3]), prevH = randn([2, 4]), Wx = randn([3, 4]), Wh = randn([4, 4]), b = randn([4]), d = randn([2, 4]);
    const inputs = { x: f(x), prev_h: f(prevH), Wx: f(Wx), Wh: f(Wh), b: f(b) };
    const num = evaluate({ op: 'eval_numerical_gradient_array', params: { fn: 'rnn_step', fn_output: 'next_h', wrt: 'Wh', h: 1e-5 }, inputs, dout: { df: f(d) } });
    const ana = rnnStepBackward(d, rnnStepForward(x, prevH, Wx, Wh, b).cache).dWh;
    assert.ok(relError(vals(num.outputs.grad), ana.data) < 1e-7);

    const N = 3, T = 4, V = 5;
    const sx = randn([N, T, V]);
    const y = intTensor([N, T], Array.from({ length: N * T }, () => rng.int(V)));
    const mask = boolTensor([N, T], Array.from({ length: N * T }, () => rng.uniform() > 0.3));
    const loss = evaluate({ op: 'temporal_softmax_loss', inputs: { x: f(sx), y: fromTensor(y), mask: fromTensor(mask) }, dout: null }).outputs;
    assert.deepEqual(loss.loss.shape, []);
    const g = evaluate({ op: 'eval_numerical_gradient', params: { fn: 'temporal_softmax_loss', fn_output: 'loss', wrt: 'x' }, inputs: { x: f(sx), y: fromTensor(y), mask: fromTensor(mask) }, dout: null });
    assert.ok(relError(vals(g.outputs.grad), vals(loss.dx)) < 1e-7);
  });

  it('captioning_rnn_loss reproduces the notebook loss; sample returns int64 captions', () => {
    const [N, D, W, H, T] = [10, 20, 30, 40, 13];
    const wordToIdx = { '<NULL>': 0, cat: 2, dog: 3 };
    const shapes = new CaptioningModel({ wordToIdx, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: 'lstm' }).shapes();
    const inputs: Record<string, JsonTensor> = { features: f(linspace(-0.5, 1.7, [N, D])), captions: fromTensor(intTensor([N, T], Array.from({ length: N * T }, (_, i) => i % 3))) };
    for (const k of PARAM_NAMES) inputs[k] = f(linspace(-1.4, 1.3, shapes[k]));
    const out = evaluate({ op: 'captioning_rnn_loss', params: { cell_type: 'lstm', word_to_idx: wordToIdx }, inputs, dout: null }).outputs;
    assert.ok(Math.abs(vals(out.loss)[0] - 9.82445935443) < 1e-10);
    assert.deepEqual(Object.keys(out).sort(), ['dW_embed', 'dW_proj', 'dW_vocab', 'dWh', 'dWx', 'db', 'db_proj', 'db_vocab', 'loss']);
    const s = evaluate({ op: 'captioning_rnn_sample', params: { cell_type: 'lstm', null_idx: 0, start_idx: 1, end_idx: 2, max_length: 7 }, inputs, dout: null }).outputs;
    assert.equal(s.captions.dtype, 'int64');
    assert.deepEqual(s.captions.shape, [N, 7]);
  });

  const bad: [string, unknown, RegExp][] = [
    ['not an object', 5, /^case: expected a JSON object/],
    ['unknown op', { op: 'conv', inputs: {}, dout: null }, /^op: unknown op "conv"/],
    ['missing tensor', { op: 'affine', inputs: {}, dout: null }, /^inputs\.x: missing/],
    ['misshaped data', { op: 'rel_error', inputs: { x: { shape: [2, 2], dtype: 'float64', data: [1, 2, 3] }, y: { shape: [1], dtype: 'float64', data: [1] } }, dout: null }, /^inputs\.x\.data: 3 values, shape \(2, 2\) needs 4/],
    ['NaN (null in JSON)', { op: 'rel_error', inputs: { x: { shape: [1], dtype: 'float64', data: [null] }, y: { shape: [1], dtype: 'float64', data: [1] } }, dout: null }, /^inputs\.x\.data\[0\]: null is not a finite number/],
    ['index outside the vocabulary', { op: 'word_embedding', inputs: { x: { shape: [1, 2], dtype: 'int64', data: [0, 9] }, W: { shape: [3, 2], dtype: 'float64', data: [1, 2, 3, 4, 5, 6] } }, dout: null }, /^inputs\.x\.data\[1\]: index 9 is outside the vocabulary \[0, 3\)/],
    ['shape disagreement', { op: 'rnn_step', inputs: { x: { shape: [1, 2], dtype: 'float64', data: [1, 2] }, prev_h: { shape: [1, 3], dtype: 'float64', data: [1, 2, 3] }, Wx: { shape: [2, 2], dtype: 'float64', data: [1, 2, 3, 4] }, Wh: { shape: [2, 2], dtype: 'float64', data: [1, 2, 3, 4] }, b: { shape: [2], dtype: 'float64', data: [1, 2] } }, dout: null }, /^op rnn_step: rnn_step_forward: prev_h has shape \(1, 3\), expected \(1, 2\)/],
    ['wrong dtype', { op: 'word_embedding', inputs: { x: { shape: [1, 1], dtype: 'float64', data: [0] }, W: { shape: [1, 1], dtype: 'float64', data: [1] } }, dout: null }, /^inputs\.x: dtype "float64", expected "int64"/],
  ];
  for (const [what, input, re] of bad) {
    it(`bad input: ${what}`, () => {
      assert.throws(() => evaluate(input), (e: Error) => e instanceof EvalError && re.test(e.message) && !e.message.includes('\n'));
    });
  }
});
