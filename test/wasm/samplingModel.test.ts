import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CaptioningModel } from '../../core/model';
import { Rng } from '../../core/random';
import { beamSearch, sampleGreedy, sampleTemperature } from '../../core/sampling';
import { tensor } from '../../core/tensor';
import { checkpointSampler } from '../../runtime/samplingModel';

// gradlab sample and the sampled-captions view caption with checkpointSampler's model: the engine
// in float64 must give the reference model's captions, greedy, beam and temperature alike.
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
      assert.deepEqual(beamSearch(s.model, features, sv, 3, 12), beamSearch(ref, features, sv, 3, 12), 'beam 3');
      assert.deepEqual([...sampleTemperature(s.model, features, sv, 0.7, new Rng(3), 12).data], [...sampleTemperature(ref, features, sv, 0.7, new Rng(3), 12).data], 'temperature');
    } finally {
      s.close();
    }
  });
}
