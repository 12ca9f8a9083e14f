import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { WasmEngine, detectWasmSupport, type DType, type FloatArray } from '../../core/wasm/engine';
import { createNodeEngine, detectNodeWasmSupport } from '../../runtime/fastEngine';
import { Rng } from '../../core/random';

// Products checked against a plain float64 triple loop, in accumulate mode, for every layout.
function refGemm(ta: boolean, tb: boolean, M: number, N: number, K: number, A: ArrayLike<number>, B: ArrayLike<number>,
  C0: ArrayLike<number>, beta: number): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = beta ? C0[i * N + j] : 0;
      for (let k = 0; k < K; k++) s += (ta ? A[k * M + i] : A[i * K + k]) * (tb ? B[j * K + k] : B[k * N + j]);
      out[i * N + j] = s;
    }
  }
  return out;
}

function normwise(x: ArrayLike<number>, ref: ArrayLike<number>): number {
  let d = 0, m = 0;
  for (let i = 0; i < ref.length; i++) {
    d = Math.max(d, Math.abs(x[i] - ref[i]));
    m = Math.max(m, Math.abs(ref[i]));
  }
  return m === 0 ? d : d / m;
}

const support = detectNodeWasmSupport();
const engines: { name: string; e: WasmEngine }[] = [];
engines.push({ name: 'plain', e: new WasmEngine({ build: 'plain', initialMiB: 16 }) });
if (support.relaxedSimd) engines.push({ name: 'relaxed', e: new WasmEngine({ build: 'relaxed', initialMiB: 16 }) });
let threaded: WasmEngine | undefined;
after(() => threaded?.detachHelper());

const shapes: [number, number, number][] = [
  [1, 1, 1], [5, 7, 3], [4, 8, 16], [13, 9, 300], [37, 29, 517], [101, 130, 33], [3, 2100, 5], [50, 64, 40],
];

function fill(a: FloatArray, rng: Rng): void {
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform() * 2 - 1;
}

test('detection reports SIMD, and relaxed SIMD matches what the module says about itself', () => {
  assert.equal(detectWasmSupport().simd, true);
  for (const { name, e } of engines) assert.equal(e.k.hasRelaxedSimd() === 1, name === 'relaxed');
});

for (const { name, e } of engines) {
  for (const dtype of ['f64', 'f32'] as DType[]) {
    test(`gemm ${name} ${dtype}: NN, TN, NT, TT, overwrite and accumulate, odd shapes`, () => {
      const rng = new Rng(7);
      const tol = dtype === 'f64' ? 1e-14 : 2e-6;
      for (const [M, N, K] of shapes) {
        for (const ta of [false, true]) {
          for (const tb of [false, true]) {
            for (const beta of [0, 1] as const) {
              const A = e.floats(dtype, M * K), B = e.floats(dtype, K * N), C = e.floats(dtype, M * N);
              fill(A, rng); fill(B, rng); fill(C, rng);
              const C0 = Float64Array.from(C);
              e.gemm(ta, tb, M, N, K, A, B, C, beta, 1);
              const ref = refGemm(ta, tb, M, N, K, A, B, C0, beta);
              const err = normwise(C, ref);
              assert.ok(err < tol, `${M}x${N}x${K} ta=${ta} tb=${tb} beta=${beta}: normwise error ${err}`);
              e.release(C); e.release(B); e.release(A);
            }
          }
        }
      }
    });
  }
}

test('gemm with K = 0 zeroes C (beta 0) or leaves it (beta 1)', () => {
  const e = engines[0].e;
  const C = e.f64(6);
  C.fill(3);
  e.gemm(false, false, 2, 3, 0, e.f64(1), e.f64(1), C, 1);
  assert.deepEqual([...C], [3, 3, 3, 3, 3, 3]);
  e.gemm(false, false, 2, 3, 0, e.f64(1), e.f64(1), C, 0);
  assert.deepEqual([...C], [0, 0, 0, 0, 0, 0]);
});

test('gemm refuses arrays that are not views on the engine memory, and short arrays', () => {
  const e = engines[0].e;
  assert.throws(() => e.gemm(false, false, 2, 2, 2, new Float64Array(4), e.f64(4), e.f64(4)), /A is not a view/);
  assert.throws(() => e.gemm(false, false, 3, 2, 2, e.f64(4), e.f64(4), e.f64(4)), /too short/);
});

test('two threads give bit-identical results to one thread (split along N and along M)', async () => {
  threaded = await createNodeEngine({ threads: 2, global: false, initialMiB: 32 });
  assert.equal(threaded.threads, 2);
  const e = threaded;
  const rng = new Rng(11);
  // (M, N, K): N-split cases, an M-split case (few N tiles), odd sizes.
  const big: [number, number, number][] = [[50, 512, 256], [123, 301, 97], [400, 12, 300], [64, 1004, 33]];
  for (const dtype of ['f64', 'f32'] as DType[]) {
    for (const [M, N, K] of big) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true]] as const) {
        const A = e.floats(dtype, M * K), B = e.floats(dtype, K * N), C1 = e.floats(dtype, M * N), C2 = e.floats(dtype, M * N);
        fill(A, rng); fill(B, rng); fill(C1, rng);
        C2.set(C1);
        e.gemm(ta, tb, M, N, K, A, B, C1, 1, 1);
        e.gemm(ta, tb, M, N, K, A, B, C2, 1, 2);
        let same = true;
        for (let i = 0; i < C1.length; i++) if (!Object.is(C1[i], C2[i])) { same = false; break; }
        assert.ok(same, `${dtype} ${M}x${N}x${K} ta=${ta} tb=${tb}: 2-thread result differs from 1-thread`);
        const ref = refGemm(ta, tb, M, N, Math.min(K, K), A, B, new Float64Array(M * N), 0);
        // C1 = C0 + product: check the product part against the reference through C2 - C0 is not
        // available any more, so check a fresh overwrite product instead.
        e.gemm(ta, tb, M, N, K, A, B, C2, 0, 2);
        assert.ok(normwise(C2, ref) < (dtype === 'f64' ? 1e-14 : 2e-6), `${dtype} ${M}x${N}x${K}: 2-thread product wrong`);
        e.release(C2); e.release(C1); e.release(B); e.release(A);
      }
    }
  }
});

test('allocator reuses freed blocks and grows the memory on demand', () => {
  const e = new WasmEngine({ build: 'plain', initialMiB: 2 });
  const before = e.memory.buffer.byteLength;
  const a = e.f64(1 << 20); // 8 MiB: forces growth
  assert.ok(e.memory.buffer.byteLength > before);
  a[a.length - 1] = 5;
  const b = e.f64(100);
  e.release(b);
  const c = e.f64(50);
  assert.equal(c.byteOffset, b.byteOffset);
  assert.equal(a[a.length - 1], 5);
  e.release(c);
  e.release(a);
  assert.throws(() => e.release(12345), /unknown block/);
});

test('row-parallel kernels split with the helper give the single-thread results (values and returned sums)', async () => {
  threaded ??= await createNodeEngine({ threads: 2, global: false, initialMiB: 32 });
  const e = threaded;
  const rows = 301, cols = 37;
  const src = e.f64(rows * cols), a = e.f64(rows * cols), b = e.f64(rows * cols);
  const rng = new Rng(3);
  fill(src, rng);
  for (let i = 0; i < src.length; i++) src[i] *= 4;
  const args = (dst: Float64Array) => (r0: number, r1: number) => [dst.byteOffset + r0 * cols * 8, src.byteOffset + r0 * cols * 8, (r1 - r0) * cols];
  e.callRows('tanh', 'f64', rows, 1, args(a));
  e.callRows('tanh', 'f64', rows, Infinity, args(b));
  assert.deepEqual([...a], [...b]);
  // softmax_xent returns a float sum and takes a float argument (invN).
  const y = e.i32(rows), mask = e.i32(rows);
  for (let r = 0; r < rows; r++) { y[r] = r % cols; mask[r] = r % 7 ? 1 : 0; }
  a.set(src); b.set(src);
  const sm = (S: Float64Array, minRows: number) => e.callRows('softmax_xent', 'f64', rows, minRows, (r0, r1) =>
    [S.byteOffset + r0 * cols * 8, y.byteOffset + r0 * 4, mask.byteOffset + r0 * 4, r1 - r0, cols, 1 / 13, 1], [5]);
  const l2 = sm(a, 1), l1 = sm(b, Infinity);
  assert.ok(Math.abs(l2 - l1) <= 1e-12 * Math.abs(l1), `split loss ${l2} vs ${l1}`);
  assert.deepEqual([...a], [...b]);
});

test('products with a prepacked right operand equal the packing products bit for bit, 1 and 2 threads', async () => {
  threaded ??= await createNodeEngine({ threads: 2, global: false, initialMiB: 32 });
  const rng = new Rng(5);
  for (const e of [engines[0].e, threaded]) {
    for (const dtype of ['f64', 'f32'] as DType[]) {
      for (const [M, N, K] of [[50, 512, 300], [7, 13, 5], [64, 1004, 40], [3, 2100, 9], [1, 40, 17], [5, 24, 300], [25, 1516, 260], [26, 100, 20]] as [number, number, number][]) {
        for (const [ta, tb] of [[false, false], [true, false], [false, true]] as const) {
          const A = e.floats(dtype, M * K), B = e.floats(dtype, K * N), C1 = e.floats(dtype, M * N), C2 = e.floats(dtype, M * N);
          fill(A, rng); fill(B, rng); fill(C1, rng);
          C2.set(C1);
          const pb = e.packB(dtype, tb, K, N, e.ptr(B), tb ? K : N);
          e.gemm(ta, tb, M, N, K, A, B, C1, 1);
          e.gemmPacked(ta, M, e.ptr(A), ta ? M : K, pb, e.ptr(C2), N, 1);
          let same = true;
          for (let i = 0; i < C1.length; i++) if (!Object.is(C1[i], C2[i])) { same = false; break; }
          assert.ok(same, `${dtype} ${M}x${N}x${K} ta=${ta} tb=${tb} threads=${e.threads}: prepacked product differs`);
          e.releasePacked(pb);
          e.release(C2); e.release(C1); e.release(B); e.release(A);
        }
      }
    }
  }
});

test('gemm_pd_f64 (prepacked B, A read in place with a row stride) equals gemm_f64 bit for bit, beta 0 and 1', () => {
  const e = engines[0].e;
  const rng = new Rng(9);
  const k = e.kernel('gemm_pd_f64');
  for (const [M, N, K, lda] of [[480, 40, 40, 40], [50, 13, 7, 9], [7, 160, 40, 45], [3, 5, 300, 300], [1, 1, 1, 1]] as [number, number, number, number][]) {
    for (const beta of [0, 1] as const) {
      const A = e.f64(M * lda), B = e.f64(K * N), C1 = e.f64(M * N), C2 = e.f64(M * N);
      fill(A, rng); fill(B, rng); fill(C1, rng);
      C2.set(C1);
      const pb = e.packB('f64', false, K, N, e.ptr(B), N);
      e.gemmRaw('f64', false, false, M, N, K, e.ptr(A), lda, e.ptr(B), N, e.ptr(C1), N, beta, 1);
      k(M, N, K, e.ptr(A), lda, pb.ptr, pb.Npad, e.ptr(C2), N, beta, e.ws[0]);
      let same = true;
      for (let i = 0; i < C1.length; i++) if (!Object.is(C1[i], C2[i])) { same = false; break; }
      assert.ok(same, `${M}x${N}x${K} lda=${lda} beta=${beta}: gemm_pd_f64 differs from gemm_f64`);
      e.releasePacked(pb);
      e.release(C2); e.release(C1); e.release(B); e.release(A);
    }
  }
});
