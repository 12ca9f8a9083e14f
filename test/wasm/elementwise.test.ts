import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmEngine, type DType } from '../../core/wasm/engine';
import { detectNodeWasmSupport } from '../../runtime/fastEngine';
import { sigmoid } from '../../core/ops';
import { nearTables, NEAR_WIDTH_LSTM, NEAR_WIDTH_RNN } from '../../core/fast/gradcheck';

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

// The gradient check's near-base step kernels: Taylor polynomials around an unperturbed
// pre-activation where the perturbed one is within 2^-12 of it, the full functions beyond.
for (const build of builds) {
  test(`${build}: tanh_near_f64 and lstm_near_f64 equal tanh / σ of the perturbed pre-activations (Taylor and fallback paths)`, () => {
    const e = new WasmEngine({ build, initialMiB: 8 });
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    const samples = 3, reps = 4, H = 7; // odd H: the lane-by-lane tail
    const rows = samples * reps;
    for (const scale of [1e-6, 2.5e-5, 2e-4, 1e-3, 0.5]) { // below the threshold (2^-15), near it, above it
      let seed = 7;
      const rnd = () => { seed = (seed * 16807) % 2147483647; return (seed / 2147483647) * 2 - 1; };
      // RNN: AH (unperturbed h·Wh), B (input term), A = AH + a perturbation per copy.
      const AH = new Float64Array(samples * H), act = new Float64Array(samples * H);
      const A = e.f64(rows * H), B = e.f64(samples * H), CO = e.f64(samples * NEAR_WIDTH_RNN * H), dst = e.f64(rows * H);
      for (let i = 0; i < AH.length; i++) { AH[i] = 3 * rnd(); B[i] = rnd(); act[i] = Math.tanh(AH[i] + B[i]); }
      nearTables(false, CO, 0, AH, act, act, act, samples, H);
      for (let r = 0; r < rows; r++) for (let j = 0; j < H; j++) A[r * H + j] = AH[Math.floor(r / reps) * H + j] + scale * rnd();
      e.kernel('tanh_near_f64')(e.ptr(dst), e.ptr(A), e.ptr(B), e.ptr(CO), samples, reps, H);
      let worst = 0;
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < H; j++) worst = Math.max(worst, Math.abs(dst[r * H + j] - Math.tanh(A[r * H + j] + B[Math.floor(r / reps) * H + j])));
      }
      assert.ok(worst < 1e-15, `${build} tanh_near scale ${scale}: max abs error ${worst}`);
      // LSTM: a (rows, 4H: i, f, o, g), input term, unperturbed products, gates, c and tanh(c).
      const G = 4 * H;
      const AHl = new Float64Array(samples * G), gates = new Float64Array(samples * G), cb = new Float64Array(samples * H), tcb = new Float64Array(samples * H);
      const a = e.f64(rows * G), Bi = e.f64(samples * G), COl = e.f64(samples * NEAR_WIDTH_LSTM * H);
      const cPrev = e.f64(rows * H), c = e.f64(rows * H), h = e.f64(rows * H);
      for (let i = 0; i < AHl.length; i++) { AHl[i] = 3 * rnd(); Bi[i] = rnd(); }
      for (let s = 0; s < samples; s++) {
        for (let j = 0; j < H; j++) {
          const o = s * G + j;
          for (let g = 0; g < 4; g++) gates[o + g * H] = g < 3 ? sig(AHl[o + g * H] + Bi[o + g * H]) : Math.tanh(AHl[o + g * H] + Bi[o + g * H]);
          const cp = 2 * rnd();
          cb[s * H + j] = gates[o + H] * cp + gates[o] * gates[o + 3 * H];
          tcb[s * H + j] = Math.tanh(cb[s * H + j]);
          for (let k = 0; k < reps; k++) cPrev[(s * reps + k) * H + j] = cp + scale * rnd();
        }
      }
      nearTables(true, COl, 0, AHl, gates, cb, tcb, samples, H);
      for (let r = 0; r < rows; r++) for (let g = 0; g < G; g++) a[r * G + g] = AHl[Math.floor(r / reps) * G + g] + scale * rnd();
      e.kernel('lstm_near_f64')(e.ptr(a), e.ptr(Bi), e.ptr(COl), e.ptr(cPrev), e.ptr(c), e.ptr(h), samples, reps, H);
      let worstC = 0, worstH = 0;
      for (let r = 0; r < rows; r++) {
        const s = Math.floor(r / reps);
        for (let j = 0; j < H; j++) {
          const x = (q: number) => a[r * G + q * H + j] + Bi[s * G + q * H + j];
          const cw = sig(x(1)) * cPrev[r * H + j] + sig(x(0)) * Math.tanh(x(3));
          worstC = Math.max(worstC, Math.abs(c[r * H + j] - cw));
          worstH = Math.max(worstH, Math.abs(h[r * H + j] - sig(x(2)) * Math.tanh(cw)));
        }
      }
      assert.ok(worstC < 4e-15 && worstH < 4e-15, `${build} lstm_near scale ${scale}: max abs error c ${worstC}, h ${worstH}`);
    }
  });
}
