import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createNodeEngine, detectNodeWasmSupport, machineThreads, resolveThreads } from '../../runtime/fastEngine';
import { FastCaptioningModel } from '../../core/fast/model';
import { CaptioningModel, PARAM_NAMES } from '../../core/model';
import { Rng } from '../../core/random';
import { intTensor, tensor } from '../../core/tensor';
import type { DType, WasmEngine } from '../../core/wasm/engine';
import { availableParallelism } from 'node:os';

// More threads than two (and than this machine may have cores): every GEMM part, packed-GEMM part
// and row range is computed by one thread in the one-thread order, so products are bit-identical
// to one thread and so are the model's gradients; the loss (a sum of per-range sums) agrees to rounding.
detectNodeWasmSupport();
const engines: WasmEngine[] = [];
after(() => { for (const e of engines) e.detachHelper(); });

test('threads: 0 or absent means every core, others are taken as given', () => {
  assert.equal(resolveThreads(undefined), machineThreads());
  assert.equal(resolveThreads(0), machineThreads());
  assert.equal(machineThreads(), Math.min(64, availableParallelism()));
  assert.equal(resolveThreads(3), 3);
  assert.equal(resolveThreads(1), 1);
});

test('3 and 4 threads: GEMM (N and M splits) and packed GEMM bit-identical to one thread', async () => {
  const rng = new Rng(3);
  for (const threads of [3, 4]) {
    const e = await createNodeEngine({ threads, global: false, initialMiB: 16 });
    engines.push(e);
    assert.equal(e.threads, threads);
    for (const dtype of ['f64', 'f32'] as DType[]) {
      for (const [M, N, K] of [[50, 512, 256], [123, 301, 97], [400, 12, 300], [64, 1004, 33], [9, 40, 2000]] as const) {
        for (const [ta, tb] of [[false, false], [true, false], [false, true]] as const) {
          const A = e.floats(dtype, M * K), B = e.floats(dtype, K * N), C1 = e.floats(dtype, M * N), C2 = e.floats(dtype, M * N);
          for (const a of [A, B, C1]) for (let i = 0; i < a.length; i++) a[i] = rng.uniform() * 2 - 1;
          C2.set(C1);
          e.gemm(ta, tb, M, N, K, A, B, C1, 1, 1);
          e.gemm(ta, tb, M, N, K, A, B, C2, 1);
          for (let i = 0; i < C1.length; i++) {
            if (!Object.is(C1[i], C2[i])) assert.fail(`${threads}T ${dtype} ${M}x${N}x${K} ta=${ta} tb=${tb}: element ${i} ${C2[i]} vs 1T ${C1[i]}`);
          }
          if (!ta && !tb) {
            const pb = e.packB(dtype, false, K, N, e.ptr(B), N);
            const C3 = e.floats(dtype, M * N);
            e.gemmPacked(false, M, e.ptr(A), K, pb, e.ptr(C3), N, 0);
            const C4 = e.floats(dtype, M * N);
            e.gemm(false, false, M, N, K, A, B, C4, 0, 1);
            for (let i = 0; i < C3.length; i++) if (!Object.is(C3[i], C4[i])) assert.fail(`${threads}T packed ${dtype} ${M}x${N}x${K}: element ${i}`);
            e.release(C4); e.release(C3); e.releasePacked(pb);
          }
          e.release(C2); e.release(C1); e.release(B); e.release(A);
        }
      }
    }
  }
});

test('4 threads: the model gives the one-thread gradients bit for bit, and its loss', async () => {
  const e4 = engines.find((e) => e.threads === 4) ?? (await createNodeEngine({ threads: 4, global: false, initialMiB: 16 }));
  if (!engines.includes(e4)) engines.push(e4);
  const e1 = await createNodeEngine({ threads: 1, global: false, initialMiB: 16 });
  const c = { n: 50, t: 8, d: 64, w: 32, h: 96, v: 300 };
  const w: Record<string, number> = { '<NULL>': 0, '<START>': 1, '<END>': 2 };
  for (let i = 3; i < c.v; i++) w[`w${i}`] = i;
  const rng = new Rng(9);
  const features = tensor([c.n, c.d], rng.normals(c.n * c.d, 1));
  const captions = intTensor([c.n, c.t + 1]);
  for (let i = 0; i < c.n; i++) {
    captions.data[i * (c.t + 1)] = 1;
    for (let s = 1; s <= c.t; s++) captions.data[i * (c.t + 1) + s] = s <= 2 + (i % c.t) ? rng.int(c.v) : 0;
  }
  for (const cell of ['rnn', 'lstm'] as const) {
    for (const dtype of ['f64', 'f32'] as DType[]) {
      const ref = new CaptioningModel({ wordToIdx: w, inputDim: c.d, wordvecDim: c.w, hiddenDim: c.h, cellType: cell, seed: 4 });
      const mk = (engine: WasmEngine) => new FastCaptioningModel({ wordToIdx: w, inputDim: c.d, wordvecDim: c.w, hiddenDim: c.h, cellType: cell, dtype, engine, params: ref.params });
      const a = mk(e1).loss(features, captions), b = mk(e4).loss(features, captions);
      assert.ok(Math.abs(a.loss - b.loss) <= 1e-12 * Math.abs(a.loss) * (dtype === 'f32' ? 1e6 : 1), `${cell} ${dtype}: loss ${b.loss} vs ${a.loss}`);
      for (const name of PARAM_NAMES) {
        const x = a.grads[name].data, y = b.grads[name].data;
        for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) assert.fail(`${cell} ${dtype} d${name}[${i}]: 4T ${y[i]} vs 1T ${x[i]}`);
      }
    }
  }
});
