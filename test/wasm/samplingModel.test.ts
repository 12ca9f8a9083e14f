import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CaptioningModel } from '../../core/model';
import { Rng } from '../../core/random';
import { beamSearch, sampleGreedy, sampleTemperature } from '../../core/sampling';
import { tensor } from '../../core/tensor';
import { affineForward, lstmStepForward, rnnStepForward } from '../../core/layers/index';
import { checkpointSampler } from '../../runtime/samplingModel';

// gradlab sample and the sampled-captions view caption with checkpointSampler's model: the engine
// in float64 must give the reference model's captions, greedy, beam and temperature alike.
// Also the step function on its own, against the reference layers.
function vocab(v: number): Record<string, number> {
  const w: Record<string, number> = { '<NULL>': 0, '<START>': 1, '<END>': 2 };
  for (let i = 3; i < v; i++) w[`w${i}`] = i;
  return w;
}

for (const cell of ['rnn', 'lstm'] as const) {
  test(`checkpointSampler (${cell}): the engine's captions are the reference model's`, async () => {
    const V = 57, D = 24, W = 16, H = 32, N = 41;
    const ref = new CaptioningModel({ wordToIdx: vocab(V), inputDim: D, wordvecDim: W, hiddenDim: H, cellType: cell, seed: 5 });
    const rng = new Rng(9);
    for (const name of ['b_proj', 'b', 'b_vocab'] as const) {
      const d = ref.params[name].data;
      for (let i = 0; i < d.length; i++) d[i] = rng.normal() * 0.5;
    }
    const features = tensor([N, D], rng.normals(N * D, 1));
    const sv = { idxToWord: ref.idxToWord, nullIdx: ref.nullIdx, startIdx: ref.startIdx!, endIdx: ref.endIdx! };
    const s = await checkpointSampler({ wordToIdx: vocab(V), inputDim: D, wordvecDim: W, hiddenDim: H, cellType: cell, params: ref.params, threads: 2 });
    try {
      assert.match(s.engine, /^wasm f64, 2 threads$/);
      const greedy = [...sampleGreedy(s.model, features, sv, 20).data];
      assert.deepEqual(greedy, [...sampleGreedy(ref, features, sv, 20).data], 'greedy');
      assert.ok(new Set(greedy).size > 3, 'not a degenerate sample');
      // Beam search and temperature sampling step on the engine (FastCaptioningModel.stepper): the same
      // words, log-probabilities equal to rounding (the products sum in another order).
      const fast = beamSearch(s.model, features, sv, 3, 12), slow = beamSearch(ref, features, sv, 3, 12);
      assert.deepEqual([...fast.tokens.data], [...slow.tokens.data], 'beam 3 tokens');
      for (let i = 0; i < N; i++) assert.ok(Math.abs(fast.logProbs[i] - slow.logProbs[i]) <= 1e-9 * Math.abs(slow.logProbs[i]), `beam 3 log-probability of image ${i}`);
      assert.ok(s.model.stepper, 'the engine model steps on the engine');
      assert.deepEqual([...sampleTemperature(s.model, features, sv, 0.7, new Rng(3), 12).data], [...sampleTemperature(ref, features, sv, 0.7, new Rng(3), 12).data], 'temperature');
    } finally {
      s.close();
    }
  });
}

for (const cell of ['rnn', 'lstm'] as const) {
  test(`FastCaptioningModel.stepper (${cell}): h0 and a step equal the reference layers to 1e-12`, async () => {
    const V = 23, D = 12, W = 10, H = 14, n = 5;
    const ref = new CaptioningModel({ wordToIdx: vocab(V), inputDim: D, wordvecDim: W, hiddenDim: H, cellType: cell, seed: 2 });
    const rng = new Rng(4);
    const features = tensor([n, D], rng.normals(n * D, 1));
    const s = await checkpointSampler({ wordToIdx: vocab(V), inputDim: D, wordvecDim: W, hiddenDim: H, cellType: cell, params: ref.params, threads: 1 });
    try {
      const st = s.model.stepper!();
      const h0 = st.h0(features);
      const want0 = affineForward(features, ref.params.W_proj, ref.params.b_proj).out;
      assert.deepEqual(h0.shape, [n, H]);
      for (let i = 0; i < n * H; i++) assert.ok(Math.abs(h0.data[i] - want0.data[i]) < 1e-12, `h0[${i}]`);
      const words = [1, 5, 22, 0, 7];
      const c0 = tensor([n, H], rng.normals(n * H, 0.5));
      const r = st.step(words, h0, c0);
      const x = tensor([n, W], new Float64Array(n * W));
      words.forEach((w, i) => x.data.set(ref.params.W_embed.data.subarray(w * W, (w + 1) * W), i * W));
      const want = cell === 'rnn'
        ? { h: rnnStepForward(x, want0, ref.params.Wx, ref.params.Wh, ref.params.b).nextH, c: c0 }
        : (() => { const o = lstmStepForward(x, want0, c0, ref.params.Wx, ref.params.Wh, ref.params.b); return { h: o.nextH, c: o.nextC }; })();
      for (let i = 0; i < n * H; i++) {
        assert.ok(Math.abs(r.h.data[i] - want.h.data[i]) < 1e-12, `h[${i}]`);
        assert.ok(Math.abs(r.c.data[i] - want.c.data[i]) < 1e-12, `c[${i}]`);
      }
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < V; j++) {
          let sc = ref.params.b_vocab.data[j];
          for (let q = 0; q < H; q++) sc += want.h.data[i * H + q] * ref.params.W_vocab.data[q * V + j];
          assert.ok(Math.abs(r.scores[i * V + j] - sc) < 1e-12, `scores[${i}, ${j}]`);
        }
      }
      assert.throws(() => st.step([V], h0, c0), /word 23 is outside \[0, 23\)/);
    } finally {
      s.close();
    }
  });
}
