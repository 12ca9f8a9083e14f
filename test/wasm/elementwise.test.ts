import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmEngine, type DType } from '../../core/wasm/engine';
import { detectNodeWasmSupport } from '../../runtime/fastEngine';
import { sigmoid } from '../../core/ops';

// The SIMD exp/tanh/logistic against Math.* in float64 (a few ulp) and float32 (a few float32 ulp),
// over the whole range the layers use, including the tails handled lane by lane.
const support = detectNodeWasmSupport();
const builds = support.relaxedSimd ? (['plain', 'relaxed'] as const) : (['plain'] as const);

function inputs(): number[] {
  const xs: number[] = [0, -0, 1e-300, -1e-300, 1e-12, -1e-8, 0.1, 0.6249, 0.625, 0.63, -0.625, 1, -1, 2.5, 10, -10, 19, -19, 30, -40, 200, -200, 700, -700, 1000, -1000];
  for (let i = 0; i < 4001; i++) xs.push(-20 + (40 * i) / 4000);
  for (let i = 0; i < 500; i++) xs.push((Math.sin(i * 12.9898) * 43758.5453) % 3);
  return xs;
}

function maxErr(got: ArrayLike<number>, want: ArrayLike<number>, floor: number): number {
  let m = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), floor);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

for (const build of builds) {
  const e = new WasmEngine({ build, initialMiB: 8 });
  for (const dtype of ['f64', 'f32'] as DType[]) {
    test(`${build} ${dtype}: exp, tanh and sigmoid match Math within rounding`, () => {
      const xs = inputs();
      const n = xs.length;
      const src = e.floats(dtype, n), dst = e.floats(dtype, n);
      src.set(xs);
      const xv = Array.from(src); // the values as stored (rounded to float32 for f32)
      const eps = dtype === 'f64' ? 2.3e-16 : 1.2e-7;
      const cases: [string, (x: number) => number, number, number][] = [
        // name, reference, tolerance in eps, relative floor
        ['exp', Math.exp, 4, 1e-300],
        ['tanh', Math.tanh, 4, 1e-300],
        ['sigmoid', sigmoid, 4, 1e-290], // below e^-708 the kernel returns ~1e-308 rather than underflowing
      ];
      for (const [name, ref, ulps, floor0] of cases) {
        const inRange = name === 'exp' ? xv.map((x) => Math.max(Math.min(x, dtype === 'f64' ? 700 : 80), dtype === 'f64' ? -700 : -80)) : xv;
        src.set(inRange);
        e.kernel(name, dtype)(e.ptr(dst), e.ptr(src), n);
        const want = Array.from(src, ref);
        const floor = dtype === 'f32' ? Math.max(floor0, 1e-30) : floor0;
        const err = maxErr(dst, want, floor);
        assert.ok(err < ulps * eps, `${name} ${dtype}: max relative error ${err} (> ${ulps} eps)`);
      }
      e.release(dst);
      e.release(src);
    });
  }
}

// The gradient check recomputes one hidden unit of a step: the single-unit kernels must write what
// the whole-row kernels write there (pair and tail columns, odd and even H, rows with a stride).
for (const build of builds) {
  test(`one-unit LSTM / one-column tanh kernels equal the whole-row kernels (${build})`, () => {
    const e = new WasmEngine({ build, initialMiB: 8 });
    let seed = 3;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 6 - 3;
    for (const H of [5, 6, 1]) {
      const rows = 7, stride = 3, R = rows * stride, G = 4 * H;
      const a = e.f64(R * G), B = e.f64(rows * G), cp = e.f64(R * H), c1 = e.f64(R * H), h1 = e.f64(R * H), c2 = e.f64(R * H), h2 = e.f64(R * H);
      const Bt = e.f64(R * G); // B repeated per row of the full layout
      for (const x of [a, B, cp]) for (let i = 0; i < x.length; i++) x[i] = rnd();
      for (let r = 0; r < R; r++) Bt.set(B.subarray(Math.floor(r / stride) * G, Math.floor(r / stride) * G + G), r * G);
      e.kernel('lstm_fwd_fast_addp_f64')(e.ptr(a), e.ptr(Bt), R, e.ptr(cp), e.ptr(c1), e.ptr(h1), R, H);
      for (let off = 0; off < stride; off++) {
        for (let u = 0; u < H; u++) {
          c2.fill(NaN); h2.fill(NaN);
          e.kernel('lstm_fwd_fast_addp_unit_f64')(e.ptr(a) + off * G * 8, e.ptr(B), e.ptr(cp) + off * H * 8, e.ptr(c2) + off * H * 8, e.ptr(h2) + off * H * 8, rows, stride, H, u);
          for (let i = 0; i < rows; i++) {
            const r = i * stride + off;
            assert.ok(Object.is(c2[r * H + u], c1[r * H + u]) && Object.is(h2[r * H + u], h1[r * H + u]), `H=${H} row ${r} unit ${u}: c/h differ`);
          }
        }
      }
      // tanh: rows of G columns, column u, against tanh_addp over the full rows.
      const T1 = e.f64(R * G), T2 = e.f64(R * G);
      e.kernel('tanh_addp_f64')(e.ptr(T1), e.ptr(a), e.ptr(Bt), R, G, R);
      for (let u = 0; u < G; u++) {
        T2.fill(NaN);
        e.kernel('tanh_addp_col_f64')(e.ptr(T2) + G * 8, e.ptr(a) + G * 8, e.ptr(B), rows, stride, G, u);
        for (let i = 0; i < rows; i++) assert.ok(Object.is(T2[(i * stride + 1) * G + u], T1[(i * stride + 1) * G + u]), `G=${G} row ${i} col ${u}: tanh differs`);
      }
      for (const x of [a, B, cp, c1, h1, c2, h2, Bt, T1, T2]) e.release(x);
    }
  });
}
