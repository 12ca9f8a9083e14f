import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { CaptioningModel, PARAM_NAMES, type CellType } from '../../core/model';
import { FastCaptioningModel, createFastModel, orderByLast } from '../../core/fast/model';
import { relError, evalNumericalGradient } from '../../core/gradcheck';
import { Rng } from '../../core/random';
import { intTensor, tensor, type IntTensor, type Tensor } from '../../core/tensor';
import { WasmEngine, type DType } from '../../core/wasm/engine';
import { createNodeEngine, detectNodeWasmSupport } from '../../runtime/fastEngine';

// The fast (wasm) captioning model against the reference engine, the oracle: float64 equal to
// rounding, float32 within rel_error 1e-4 forward and scaled error 1e-5 on gradients.
detectNodeWasmSupport();
const engine1 = new WasmEngine({ initialMiB: 32 });
let engine2: WasmEngine | undefined;
after(() => engine2?.detachHelper());

function vocab(v: number): Record<string, number> {
  const w: Record<string, number> = { '<NULL>': 0, '<START>': 1, '<END>': 2 };
  for (let i = 3; i < v; i++) w[`w${i}`] = i;
  return w;
}

interface Case { n: number; t: number; d: number; w: number; h: number; v: number }
const CASES: Case[] = [
  { n: 10, t: 13, d: 20, w: 30, h: 40, v: 3 }, // the notebook's loss-check sizes
  { n: 7, t: 5, d: 9, w: 6, h: 11, v: 17 }, // odd sizes: every kernel tail
  { n: 50, t: 6, d: 64, w: 32, h: 72, v: 130 }, // large enough for two-thread products
];

function data(c: Case, seed: number): { features: Tensor; captions: IntTensor } {
  const rng = new Rng(seed);
  const features = tensor([c.n, c.d], rng.normals(c.n * c.d, 1));
  const captions = intTensor([c.n, c.t + 1]);
  for (let i = 0; i < c.n; i++) {
    captions.data[i * (c.t + 1)] = 1;
    const len = 1 + rng.int(c.t); // NULL padding after `len` words: masked targets
    for (let s = 1; s <= c.t; s++) captions.data[i * (c.t + 1) + s] = s <= len ? rng.int(c.v) : 0;
  }
  return { features, captions };
}

/** Reference model with non-zero biases, so every parameter's gradient path is exercised. */
function refModel(c: Case, cell: CellType, seed: number): CaptioningModel {
  const m = new CaptioningModel({ wordToIdx: vocab(c.v), inputDim: c.d, wordvecDim: c.w, hiddenDim: c.h, cellType: cell, seed });
  const rng = new Rng(seed + 100);
  for (const name of ['b_proj', 'b', 'b_vocab'] as const) {
    const d = m.params[name].data;
    for (let i = 0; i < d.length; i++) d[i] = rng.normal() * 0.3;
  }
  return m;
}

function scaledError(x: ArrayLike<number>, ref: ArrayLike<number>): number {
  let d = 0, m = 0;
  for (let i = 0; i < ref.length; i++) {
    d = Math.max(d, Math.abs(x[i] - ref[i]));
    m = Math.max(m, Math.abs(ref[i]));
  }
  return m === 0 ? d : d / m;
}

for (const cell of ['rnn', 'lstm'] as CellType[]) {
  for (const dtype of ['f64', 'f32'] as DType[]) {
    test(`fast ${cell} ${dtype}: loss and every gradient match the reference engine`, async () => {
      if (!engine2) engine2 = await createNodeEngine({ threads: 2, global: false, initialMiB: 32 });
      const engines: WasmEngine[] = [engine1, engine2];
      for (const [ci, c] of CASES.entries()) {
        const ref = refModel(c, cell, 3 + ci);
        const { features, captions } = data(c, 5 + ci);
        const want = ref.loss(features, captions);
        for (const engine of engines) {
          const fast: FastCaptioningModel = new FastCaptioningModel({ wordToIdx: vocab(c.v), inputDim: c.d, wordvecDim: c.w, hiddenDim: c.h, cellType: cell, dtype, engine, params: ref.params });
          const got = fast.loss(features, captions);
          const tag = `${cell} ${dtype} case ${ci} threads ${engine.threads}`;
          const lossErr = relError([got.loss], [want.loss]);
          assert.ok(lossErr < (dtype === 'f64' ? 1e-13 : 1e-4), `${tag}: loss ${got.loss} vs ${want.loss} (rel ${lossErr})`);
          for (const name of PARAM_NAMES) {
            const gx = got.grads[name].data, gr = want.grads[name].data;
            assert.deepEqual(got.grads[name].shape, want.grads[name].shape);
            if (dtype === 'f64') {
              const e = relError(gx, gr);
              const s = scaledError(gx, gr);
              assert.ok(s < 1e-12 && e < 1e-7, `${tag}: d${name} rel_error ${e}, scaled ${s}`);
            } else {
              const s = scaledError(gx, gr);
              assert.ok(s < 1e-5, `${tag}: d${name} scaled error ${s}`);
            }
          }
          // A second call gives the same numbers (work buffers are reused, not stale).
          const again = fast.loss(features, captions);
          assert.equal(again.loss, got.loss);
          assert.deepEqual([...again.grads.Wh.data], [...got.grads.Wh.data]);
          // Greedy sampling: float64 picks exactly the reference's words.
          if (dtype === 'f64') {
            assert.deepEqual([...fast.sample(features, 12).data], [...ref.sample(features, 12).data], `${tag}: sample`);
            // Short enough that the input term is multiplied per step rather than per vocabulary word.
            assert.deepEqual([...fast.sample(features, 1).data], [...ref.sample(features, 1).data], `${tag}: sample of length 1`);
          }
          else assert.deepEqual(fast.sample(features, 12).shape, [c.n, 12]);
          fast.dispose();
        }
      }
    });
  }
}

test('fast model follows parameters edited in place or replaced, and its numerical gradient agrees', () => {
  const c = CASES[1];
  const ref = refModel(c, 'lstm', 9);
  const { features, captions } = data(c, 10);
  const fast = createFastModel({ wordToIdx: vocab(c.v), inputDim: c.d, wordvecDim: c.w, hiddenDim: c.h, cellType: 'lstm', engine: engine1, params: ref.params }) as FastCaptioningModel;
  // In-place edit (what an optimiser does) and wholesale replacement.
  fast.params.Wh.data[3] += 0.25;
  ref.params.Wh.data[3] += 0.25;
  assert.ok(relError([fast.loss(features, captions).loss], [ref.loss(features, captions).loss]) < 1e-13);
  const Wx = tensor(ref.params.Wx.shape, ref.params.Wx.data.map((x) => x * 0.5));
  fast.params = { ...fast.params, Wx };
  ref.params = { ...ref.params, Wx };
  assert.ok(relError([fast.lossOnly(features, captions)], [ref.loss(features, captions).loss]) < 1e-13);
  // Numerical gradient through lossOnly vs the analytic gradient of the fast model.
  const { grads } = fast.loss(features, captions);
  const num = evalNumericalGradient(() => fast.lossOnly(features, captions), fast.params.b, 1e-6);
  assert.ok(relError(num.data, grads.b.data) < 1e-6, `numerical vs analytic db: ${relError(num.data, grads.b.data)}`);
  fast.dispose();
});

test('fast model rejects bad input with the reference messages', () => {
  const c = CASES[1];
  const fast = new FastCaptioningModel({ wordToIdx: vocab(c.v), inputDim: c.d, wordvecDim: c.w, hiddenDim: c.h, cellType: 'rnn', engine: engine1 });
  const { features, captions } = data(c, 1);
  assert.throws(() => fast.loss(tensor([c.n, c.d + 1]), captions), /features have D = 10, the model expects 9/);
  const bad = intTensor(captions.shape, captions.data);
  bad.data[3] = 99;
  assert.throws(() => fast.loss(features, bad), /outside/);
  assert.throws(() => fast.sample(features, 0), /max_length must be a positive integer/);
  fast.dispose();
  assert.throws(() => fast.loss(features, captions), /disposed/);
});

test('fast model matches the reference when no target is <NULL> and when every target is', () => {
  const c = CASES[1];
  const ref = refModel(c, 'rnn', 21);
  const fast = new FastCaptioningModel({ wordToIdx: vocab(c.v), inputDim: c.d, wordvecDim: c.w, hiddenDim: c.h, cellType: 'rnn', engine: engine1, params: ref.params });
  const { features, captions } = data(c, 22);
  for (const fillWith of [3, 0]) {
    const cap = intTensor(captions.shape, captions.data);
    for (let i = 0; i < c.n; i++) for (let s = 1; s <= c.t; s++) cap.data[i * (c.t + 1) + s] = fillWith === 0 ? 0 : 3 + ((i + s) % (c.v - 3));
    const want = ref.loss(features, cap), got = fast.loss(features, cap);
    assert.ok(relError([got.loss], [want.loss]) < 1e-13 || (want.loss === 0 && got.loss === 0), `loss ${got.loss} vs ${want.loss}`);
    for (const name of PARAM_NAMES) assert.ok(scaledError(got.grads[name].data, want.grads[name].data) < 1e-12, `d${name} (targets ${fillWith})`);
  }
  fast.dispose();
});

test('rows that end early: a batch of mixed lengths (one row with no counted word, holes, unsorted) matches the reference, rnn and lstm', () => {
  const c = { n: 9, t: 7, d: 8, w: 6, h: 10, v: 12 };
  // Counted targets per row (0 = <NULL>): lengths 7, 2, 0, 5, 7, 1, 3 with a hole, 4, 6 with two holes.
  const rows = [
    [4, 5, 6, 7, 8, 9, 2], [4, 2, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0], [5, 6, 7, 8, 2, 0, 0], [3, 3, 3, 3, 3, 3, 3],
    [2, 0, 0, 0, 0, 0, 0], [7, 0, 2, 0, 0, 0, 0], [8, 9, 10, 2, 0, 0, 0], [4, 0, 5, 0, 6, 2, 0],
  ];
  const rng = new Rng(31);
  const features = tensor([c.n, c.d], rng.normals(c.n * c.d, 1));
  const captions = intTensor([c.n, c.t + 1]);
  rows.forEach((r, i) => { captions.data[i * (c.t + 1)] = 1; r.forEach((wd, s) => { captions.data[i * (c.t + 1) + s + 1] = wd; }); });
  for (const cell of ['rnn', 'lstm'] as CellType[]) {
    const ref = refModel(c, cell, 41);
    const want = ref.loss(features, captions);
    for (const dtype of ['f64', 'f32'] as DType[]) {
      const fast = new FastCaptioningModel({ wordToIdx: vocab(c.v), inputDim: c.d, wordvecDim: c.w, hiddenDim: c.h, cellType: cell, dtype, engine: engine1, params: ref.params });
      const got = fast.loss(features, captions);
      const tol = dtype === 'f64' ? 1e-12 : 1e-5;
      assert.ok(relError([got.loss], [want.loss]) < tol, `${cell} ${dtype}: loss ${got.loss} vs ${want.loss}`);
      for (const name of PARAM_NAMES) {
        assert.ok(scaledError(got.grads[name].data, want.grads[name].data) < tol, `${cell} ${dtype}: d${name}`);
      }
      assert.equal(fast.lossOnly(features, captions), got.loss, `${cell} ${dtype}: lossOnly`);
      fast.dispose();
    }
  }
});

test('orderByLast: rows by last counted step, latest first and stable; live rows and packed offsets per step', () => {
  const perm = new Int32Array(6), live = new Int32Array(4), off = new Int32Array(5);
  orderByLast(Int32Array.from([1, 3, -1, 3, 0, 1]), 4, perm, live, off);
  assert.deepEqual([...perm], [1, 3, 0, 5, 4, 2]);
  assert.deepEqual([...live], [5, 4, 2, 2]);
  assert.deepEqual([...off], [0, 5, 9, 11, 13]);
});

test('lossOnly (what the solver evaluates with) is the loss of loss() bit for bit, f64 and f32, rnn and lstm', () => {
  const c = CASES[2];
  const { features, captions } = data(c, 17);
  for (const cell of ['rnn', 'lstm'] as const) {
    for (const dtype of ['f64', 'f32'] as DType[]) {
      const ref = refModel(c, cell, 5);
      const fast = createFastModel({ wordToIdx: vocab(c.v), inputDim: c.d, wordvecDim: c.w, hiddenDim: c.h, cellType: cell, engine: engine1, dtype, params: ref.params, reuseGrads: true }) as FastCaptioningModel;
      const only = fast.lossOnly(features, captions);
      const full = fast.loss(features, captions).loss;
      assert.ok(Number.isFinite(only) && only > 0, `${cell} ${dtype}: loss ${only}`);
      assert.equal(only, full, `${cell} ${dtype}: lossOnly ${only} vs loss ${full}`);
    }
  }
});
