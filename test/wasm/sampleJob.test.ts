import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { CaptioningModel, type CellType } from '../../core/model';
import { FastCaptioningModel } from '../../core/fast/model';
import { Rng } from '../../core/random';
import { tensor } from '../../core/tensor';
import { WasmEngine, type DType } from '../../core/wasm/engine';
import { createNodeEngine, detectNodeWasmSupport } from '../../runtime/fastEngine';

// Greedy sampling runs every step of a row range on one thread of the engine's team (core/fast/sampleJob.ts) with a
// per-thread table of input terms filled as words appear: the words must not depend on the split,
// and float64 must pick the reference engine's words.
detectNodeWasmSupport();
const engine1 = new WasmEngine({ initialMiB: 32 });
let engine2: WasmEngine | undefined;
let engine4: WasmEngine | undefined;
after(() => {
  engine2?.detachHelper();
  engine4?.detachHelper();
});

function vocab(v: number): Record<string, number> {
  const w: Record<string, number> = { '<NULL>': 0, '<START>': 1, '<END>': 2 };
  for (let i = 3; i < v; i++) w[`w${i}`] = i;
  return w;
}

// n·T below and above V; odd n (row tails on both threads); V small enough that words repeat.
const CASES = [
  { n: 13, t: 9, d: 21, w: 19, h: 37, v: 40 },
  { n: 30, t: 2, d: 16, w: 8, h: 24, v: 300 },
  { n: 50, t: 12, d: 64, w: 32, h: 72, v: 23 },
];

for (const cell of ['rnn', 'lstm'] as CellType[]) {
  test(`fast ${cell} sampling: 1, 2, 3 and 4 threads give the same words, float64 the reference's`, async () => {
    const e2 = (engine2 ??= await createNodeEngine({ threads: 2, global: false, initialMiB: 32 }));
    assert.equal(e2.threads, 2);
    // More threads than this machine may have cores: a machine with 4 or more samples on all of them.
    const e4 = (engine4 ??= await createNodeEngine({ threads: 4, global: false, initialMiB: 32 }));
    assert.equal(e4.threads, 4);
    for (const [ci, c] of CASES.entries()) {
      const ref = new CaptioningModel({ wordToIdx: vocab(c.v), inputDim: c.d, wordvecDim: c.w, hiddenDim: c.h, cellType: cell, seed: 7 + ci });
      const rng = new Rng(11 + ci);
      for (const name of ['b_proj', 'b', 'b_vocab'] as const) {
        const d = ref.params[name].data;
        for (let i = 0; i < d.length; i++) d[i] = rng.normal() * 0.3;
      }
      const features = tensor([c.n, c.d], rng.normals(c.n * c.d, 1));
      const want = [...ref.sample(features, c.t).data];
      for (const dtype of ['f64', 'f32'] as DType[]) {
        const runs: [WasmEngine, number][] = [[engine1, 1], [e2, 2], [e4, 3], [e4, 4]];
        const got: number[][] = runs.map(([engine, threads]) => {
          const m = new FastCaptioningModel({ wordToIdx: vocab(c.v), inputDim: c.d, wordvecDim: c.w, hiddenDim: c.h, cellType: cell, dtype, engine, params: ref.params });
          const saved = engine.maxThreads;
          engine.maxThreads = threads;
          try {
            const first = [...m.sample(features, c.t).data];
            assert.deepEqual([...m.sample(features, c.t).data], first, `${cell} ${dtype} case ${ci}: a second call differs`);
            return first;
          } finally {
            engine.maxThreads = saved;
            m.dispose();
          }
        });
        for (let r = 1; r < runs.length; r++) assert.deepEqual(got[r], got[0], `${cell} ${dtype} case ${ci}: ${runs[r][1]} threads differ from 1`);
        if (dtype === 'f64') assert.deepEqual(got[0], want, `${cell} f64 case ${ci}: words differ from the reference`);
        assert.ok(new Set(got[0]).size > 1, `${cell} ${dtype} case ${ci}: degenerate sample`);
      }
    }
  });
}
