import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { CaptioningModel, type CellType } from '../../core/model';
import { FastCaptioningModel } from '../../core/fast/model';
import { Rng } from '../../core/random';
import { tensor } from '../../core/tensor';
import { WasmEngine, type DType } from '../../core/wasm/engine';
import { createNodeEngine, detectNodeWasmSupport } from '../../runtime/fastEngine';
import { screenBound } from '../../core/fast/sampleJob';

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

// Float64 sampling computes the scores in float32 and recomputes in float64 the words that could be
// the largest (kernel screen_argmax_f64): the words must be float64's, even where float32 cannot
// tell two words apart.
for (const cell of ['rnn', 'lstm'] as CellType[]) {
  test(`fast ${cell} float64 sampling screened in float32: the words of every score in float64, near-ties included`, async () => {
    const e2 = (engine2 ??= await createNodeEngine({ threads: 2, global: false, initialMiB: 32 }));
    const c = { n: 37, t: 10, d: 20, w: 12, h: 48, v: 61 };
    const ref = new CaptioningModel({ wordToIdx: vocab(c.v), inputDim: c.d, wordvecDim: c.w, hiddenDim: c.h, cellType: cell, seed: 21 });
    const rng = new Rng(5);
    const Wv = ref.params.W_vocab.data, bv = ref.params.b_vocab.data;
    for (let i = 0; i < bv.length; i++) bv[i] = rng.normal() * 0.3;
    // Near-ties: words 40..59 copy words 3..22 with every weight changed by about 1e-8 relative:
    // their scores differ from their twins' by less than float32's rounding of them, so float32
    // alone orders twins at random.
    for (let j = 0; j < 20; j++) {
      for (let q = 0; q < c.h; q++) Wv[q * c.v + 40 + j] = Wv[q * c.v + 3 + j] * (1 + 1e-8 * rng.normal());
      bv[40 + j] = bv[3 + j];
    }
    const features = tensor([c.n, c.d], rng.normals(c.n * c.d, 1));
    const want = [...ref.sample(features, c.t).data];
    for (const engine of [engine1, e2]) {
      const m = new FastCaptioningModel({ wordToIdx: vocab(c.v), inputDim: c.d, wordvecDim: c.w, hiddenDim: c.h, cellType: cell, dtype: 'f64', engine, params: ref.params });
      try {
        m.sampleScreen = true;
        const screened = [...m.sample(features, c.t).data];
        m.sampleScreen = false;
        const full = [...m.sample(features, c.t).data];
        assert.deepEqual(screened, full, `${cell}: screened words differ from float64 scores' words`);
        assert.deepEqual(screened, want, `${cell}: screened words differ from the reference's`);
        assert.ok(screened.some((w) => w >= 40 && w < 60), `${cell}: the near-tied words were reached`);
      } finally {
        m.dispose();
      }
    }
  });
}

test('screen_argmax_f64: with the bound, the float64 argmax among twins float32 cannot order', () => {
  const H = 37, V = 53, rows = 40;
  const rng = new Rng(8);
  const e = engine1;
  const h = e.f64(rows * H), WvT = e.f64(V * H), bv = e.f64(V), wn = e.f64(2 * V), out = e.i32(rows);
  const s32 = new Float32Array(e.memory.buffer, e.alloc(rows * V * 4), rows * V);
  try {
    for (let i = 0; i < h.length; i++) h[i] = rng.normal();
    for (let i = 0; i < WvT.length; i++) WvT[i] = rng.normal() / Math.sqrt(H);
    // Words 0..9 (and their twins) lead by their bias, so each row's argmax is one of a pair of twins.
    for (let i = 0; i < V; i++) bv[i] = rng.normal() * 0.1 + (i < 10 ? 4 : 0);
    // Twins of words 0..9 at 10..19, apart by less than float32 can see.
    for (let v = 10; v < 20; v++) { for (let q = 0; q < H; q++) WvT[v * H + q] = WvT[(v - 10) * H + q] * (1 + 1e-7 * rng.normal()); bv[v] = bv[v - 10]; }
    for (let v = 0; v < V; v++) {
      let nn = 0;
      for (let q = 0; q < H; q++) nn += WvT[v * H + q] ** 2;
      wn[v] = Math.sqrt(nn);
      wn[V + v] = Math.abs(bv[v]);
    }
    const exact: number[] = [];
    for (let r = 0; r < rows; r++) {
      let best = -1, bestS = -Infinity;
      for (let v = 0; v < V; v++) {
        // float32 scores as the engine's product makes them (rounded inputs, float32 sums).
        let s = Math.fround(bv[v]);
        for (let q = 0; q < H; q++) s = Math.fround(s + Math.fround(Math.fround(h[r * H + q]) * Math.fround(WvT[v * H + q])));
        s32[r * V + v] = s;
        let sv = bv[v];
        for (let q = 0; q < H; q++) sv += h[r * H + q] * WvT[v * H + q];
        if (sv > bestS || best < 0) { bestS = sv; best = v; }
      }
      exact.push(best);
    }
    const bound = screenBound(H);
    e.kernel('screen_argmax_f64')(s32.byteOffset, e.ptr(h), e.ptr(WvT), e.ptr(bv), e.ptr(wn), rows, H, V, bound, e.ptr(out));
    assert.deepEqual([...out], exact, 'the kernel picks the float64 argmax');
  } finally {
    e.release(s32.byteOffset);
    for (const a of [out, wn, bv, WvT, h]) e.release(a);
  }
});
