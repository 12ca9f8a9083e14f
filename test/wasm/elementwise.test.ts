import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmEngine, type DType } from '../../core/wasm/engine';
import { detectNodeWasmSupport } from '../../core/node/fastEngine';
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
