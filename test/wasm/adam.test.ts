import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FastCaptioningModel } from '../../core/fast/model';
import { PARAM_NAMES } from '../../core/model';
import { adam, cloneConfig, defaultConfig, type AdamConfig } from '../../core/optim';
import { Rng } from '../../core/random';
import { WasmEngine } from '../../core/wasm/engine';
import { detectNodeWasmSupport } from '../../runtime/fastEngine';
import { CaptioningSolver } from '../../core/solver';
import { intTensor, tensor } from '../../core/tensor';

// Adam on the engine (FastCaptioningModel.updateInPlace, kernel adam_f64) against core/optim.ts's
// adam: bit for bit, over several steps, on odd lengths (the scalar tail), after the moments were
// replaced by plain arrays (a snapshot restore), and through a whole solver run.
detectNodeWasmSupport();
const engine = new WasmEngine({ initialMiB: 16 });
const vocab: Record<string, number> = { '<NULL>': 0, '<START>': 1, '<END>': 2 };
for (let i = 3; i < 13; i++) vocab[`w${i}`] = i;

function model(seed: number): FastCaptioningModel {
  // Odd sizes: every parameter length has a scalar tail in the f64x2 loop somewhere.
  return new FastCaptioningModel({ wordToIdx: vocab, inputDim: 7, wordvecDim: 5, hiddenDim: 9, cellType: 'rnn', engine, seed, reuseGrads: true });
}

function same(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

test('adam_f64 on the engine equals optim.adam bit for bit, also after the moments were replaced', () => {
  const m = model(3);
  const rng = new Rng(8);
  for (const name of PARAM_NAMES) {
    const w = m.params[name].data;
    const jsW = Float64Array.from(w);
    const base = defaultConfig('adam', { learningRate: 5e-3 }) as AdamConfig;
    const cw = cloneConfig(base), cj = cloneConfig(base);
    const dw = engine.f64(w.length);
    for (let step = 0; step < 4; step++) {
      for (let i = 0; i < dw.length; i++) dw[i] = (rng.uniform() - 0.5) * (step + 1);
      assert.equal(m.updateInPlace(name, dw, cw), true, `${name}: handled`);
      adam(jsW, Float64Array.from(dw), cj);
      same(w, jsW, `${name} step ${step} w`);
      same(cw.m!, cj.m!, `${name} step ${step} m`);
      same(cw.v!, cj.v!, `${name} step ${step} v`);
      assert.equal(cw.t, cj.t);
      if (step === 1) {
        // As Snapshot.restore does: plain arrays with the same values.
        cw.m = Float64Array.from(cw.m!);
        cw.v = Float64Array.from(cw.v!);
      }
    }
    assert.ok(engine.owns(cw.m!), 'the moments live in wasm memory again');
    engine.release(dw);
  }
  // Other rules and arrays outside wasm memory are left to the caller.
  assert.equal(m.updateInPlace('Wx', engine.f64(m.params.Wx.data.length), defaultConfig('sgd')), false);
  assert.equal(m.updateInPlace('Wx', new Float64Array(m.params.Wx.data.length), defaultConfig('adam') as AdamConfig), false);
  m.dispose();
});

test('a solver run with the engine-side Adam gives the losses and parameters of the plain update', async () => {
  const rng = new Rng(5);
  const n = 12, T = 6, D = 7;
  const feats = tensor([n, D], rng.normals(n * D, 1));
  const caps = intTensor([n, T + 1]);
  for (let i = 0; i < caps.data.length; i++) caps.data[i] = i % (T + 1) === 0 ? 1 : 3 + rng.int(10);
  const split = { captions: caps, imageIdxs: Int32Array.from({ length: n }, (_, i) => i), getFeatures: (rows: ArrayLike<number>) => {
    const out = new Float64Array(rows.length * D);
    for (let i = 0; i < rows.length; i++) out.set(feats.data.subarray(rows[i] * D, (rows[i] + 1) * D), i * D);
    return tensor([rows.length, D], out);
  } };
  const opts = { updateRule: 'adam' as const, optimConfig: { learningRate: 1e-2 }, batchSize: 4, numEpochs: 3, seed: 1, evalEvery: 0 };
  const a = model(4), b = model(4);
  (b as unknown as { updateInPlace?: unknown }).updateInPlace = undefined; // the plain path
  const ra = await new CaptioningSolver(a, { train: split }, opts).train();
  const rb = await new CaptioningSolver(b, { train: split }, opts).train();
  assert.equal(ra.status, 'done');
  same(ra.lossHistory, rb.lossHistory, 'losses');
  for (const name of PARAM_NAMES) same(a.params[name].data, b.params[name].data, name);
  a.dispose(); b.dispose();
});
