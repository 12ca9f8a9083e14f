import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { CaptioningModel, PARAM_NAMES, type CellType } from '../../core/model';
import { FastCaptioningModel, createFastModel } from '../../core/fast/model';
import { batchOrder, fastGradCheck, FLOAT32_CHECK_NOTE } from '../../core/fast/gradcheck';
import { evalNumericalGradient } from '../../core/gradcheck';
import { Rng } from '../../core/random';
import { intTensor, tensor } from '../../core/tensor';
import { WasmEngine } from '../../core/wasm/engine';
import { createNodeEngine, detectNodeWasmSupport } from '../../runtime/fastEngine';

// The batched numerical gradient (rank-one perturbations, P copies per batch) must give the same
// centred differences as perturbing each parameter and calling the reference model's loss twice.
detectNodeWasmSupport();
const engine = new WasmEngine({ initialMiB: 16 });
let threaded: WasmEngine | undefined;
after(() => threaded?.detachHelper());

for (const cell of ['rnn', 'lstm'] as CellType[]) {
  test(`batched numerical gradient (${cell}) equals the reference's centred differences`, async () => {
    const V = 6, N = 4, T = 5, D = 7, W = 5, H = 5; // odd H: the kernels' lane-by-lane tails
    const wordToIdx: Record<string, number> = { '<NULL>': 0, '<START>': 1, '<END>': 2, a: 3, b: 4, c: 5 };
    const ref = new CaptioningModel({ wordToIdx, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: cell, seed: 4 });
    const rng = new Rng(8);
    for (const name of ['b_proj', 'b', 'b_vocab'] as const) ref.params[name].data.forEach((_, i, a) => (a[i] = rng.normal() * 0.2));
    const features = tensor([N, D], rng.normals(N * D, 1));
    const captions = intTensor([N, T + 1]);
    for (let i = 0; i < captions.data.length; i++) captions.data[i] = rng.int(V);
    for (let n = 0; n < N; n++) captions.data[n * (T + 1)] = 1;
    captions.data[T] = 0; // one masked target
    const fast = new FastCaptioningModel({ wordToIdx, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: cell, engine, params: ref.params });
    const h = 1e-6;
    // h = 1e-6: the perturbed steps are evaluated by Taylor polynomials around the unperturbed ones;
    // h = 1e-2: the pre-activations move beyond 2^-12 and the kernels fall back to the full functions.
    for (const [copies, hc] of [[3, h], [8, h], [5, 1e-2]]) {
      const r = fastGradCheck(fast, features, captions, hc, { copies });
      let total = 0;
      for (const name of PARAM_NAMES) {
        const want = evalNumericalGradient(() => ref.loss(features, captions).loss, ref.params[name], hc).data;
        const got = r.numerical[name];
        total += want.length;
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
        // Both are centred differences of losses that agree to ~1e-15: the differences are noise of ~1e-9.
        assert.ok(worst < 1e-8, `${cell} copies=${copies} h=${hc} d${name}: max |batched - reference| = ${worst}`);
      }
      assert.equal(r.lossEvaluations, 2 * total);
      if (hc === h) assert.ok(r.worstRelError < 1e-3, `${cell}: worst rel error ${r.worstRelError}`); // tiny gradients: noise-dominated
    }
    // With the helper thread taking batches off the shared counter: bit-identical results.
    // Likewise with 2 and 3 threads (every thread of the engine's team takes batches).
    threaded ??= await createNodeEngine({ threads: 3, global: false, initialMiB: 16 });
    const fast2 = new FastCaptioningModel({ wordToIdx, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: cell, engine: threaded, params: ref.params });
    const one = fastGradCheck(fast, features, captions, h, { copies: 2 });
    for (const th of [2, 3]) {
      threaded.maxThreads = th;
      assert.equal(threaded.team, th);
      const many = fastGradCheck(fast2, features, captions, h, { copies: 2 });
      for (const name of PARAM_NAMES) assert.deepEqual([...many.numerical[name]], [...one.numerical[name]], `${cell} ${th} threads d${name}`);
    }
    threaded.maxThreads = 64;
    fast2.dispose();
    fast.dispose();
  });
}

test('float32 exploration: the check runs and lands far above the float64 thresholds, as the note says', () => {
  const wordToIdx: Record<string, number> = { '<NULL>': 0, '<START>': 1, '<END>': 2, a: 3 };
  const fast = new FastCaptioningModel({ wordToIdx, inputDim: 5, wordvecDim: 4, hiddenDim: 6, cellType: 'rnn', dtype: 'f32', engine, seed: 2 });
  const rng = new Rng(1);
  const features = tensor([3, 5], rng.normals(15, 1));
  const captions = intTensor([3, 4], [1, 3, 2, 0, 1, 2, 3, 2, 1, 3, 3, 0]);
  const r = fastGradCheck(fast, features, captions, 1e-6);
  assert.ok(r.worstRelError > 1e-4, `float32 worst rel error ${r.worstRelError} should fail the float64 'ok' threshold`);
  assert.match(FLOAT32_CHECK_NOTE, /7 significant digits/);
  fast.dispose();
});

test('createFastModel falls back to the pure-TS reference model when WebAssembly SIMD is missing', () => {
  const wordToIdx: Record<string, number> = { '<NULL>': 0, '<START>': 1, '<END>': 2, a: 3 };
  const saved = WebAssembly.validate;
  try {
    (WebAssembly as { validate: (b: Uint8Array) => boolean }).validate = () => false;
    const m = createFastModel({ wordToIdx, inputDim: 5, wordvecDim: 4, hiddenDim: 6, cellType: 'lstm', dtype: 'f32', seed: 2 });
    assert.ok(m instanceof CaptioningModel);
    assert.equal(m.dtype, 'f64');
  } finally {
    (WebAssembly as { validate: (b: Uint8Array) => boolean }).validate = saved;
  }
  const m2 = createFastModel({ wordToIdx, inputDim: 5, wordvecDim: 4, hiddenDim: 6, cellType: 'lstm', dtype: 'f32', seed: 2 });
  assert.ok(m2 instanceof FastCaptioningModel);
  (m2 as FastCaptioningModel).dispose();
});

test('batchOrder: each thread first runs one batch of every kind, then the rest; every batch once', () => {
  // Perturbation list as batchedNumericalGradients builds it: (parameter, element) twice per element.
  const sizes = [5, 1, 7, 3];
  const pairs: number[] = [];
  sizes.forEach((n, q) => { for (let i = 0; i < n; i++) pairs.push(q, i, q, i); });
  const pert = Int32Array.from(pairs);
  const nPert = pert.length / 2, P = 4;
  const nBatches = Math.ceil(nPert / P);
  const kindOf = (b: number) => { let m = 0; for (let e = b * P; e < Math.min(nPert, (b + 1) * P); e++) m |= 1 << pert[2 * e]; return m; };
  const kinds = new Set(Array.from({ length: nBatches }, (_, b) => kindOf(b)));
  for (const threads of [1, 2, 3]) {
    const order = new Int32Array(nBatches * threads + nBatches);
    const nEarly = batchOrder(pert, nPert, P, threads, order);
    assert.equal(nEarly, kinds.size * threads, `threads ${threads}: a slot per kind and thread`);
    const used = [...order].filter((b) => b >= 0).sort((a, b) => a - b);
    assert.deepEqual(used, Array.from({ length: nBatches }, (_, i) => i), `threads ${threads}: every batch once`);
    // Thread s's early batches (entries s, s + threads, …): one of every kind that has more than s batches.
    for (let s = 0; s < threads; s++) {
      const mine = new Set<number>();
      for (let i = s; i < nEarly; i += threads) if (order[i] >= 0) mine.add(kindOf(order[i]));
      const want = [...kinds].filter((k) => Array.from({ length: nBatches }, (_, b) => b).filter((b) => kindOf(b) === k).length > s);
      assert.deepEqual([...mine].sort(), want.sort(), `threads ${threads}, thread ${s}: every kind early`);
    }
  }
});
