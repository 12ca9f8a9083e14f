// AssemblyScript: SIMD exp, tanh and logistic for f64x2 and f32x4.
// float64: within a few ulp of Math.exp / Math.tanh (checked by test/wasm/elementwise.test.ts);
// float32: within a few float32 ulp. Ranges are clamped so exp never overflows; below the clamp
// the results are at most ~1e-308 (f64) / ~1e-38 (f32) instead of exact underflow.

// ---------------------------------------------------------------- float64

// @ts-ignore: decorator
@inline export function vexp64(x: v128): v128 {
  x = f64x2.max(f64x2.min(x, f64x2.splat(709.0)), f64x2.splat(-708.0));
  const n = f64x2.nearest(f64x2.mul(x, f64x2.splat(1.4426950408889634)));
  // Cody–Waite reduction: r = x - n·ln2 with ln2 split so n·C1 is exact.
  let r = f64x2.sub(x, f64x2.mul(n, f64x2.splat(6.93145751953125e-1)));
  r = f64x2.sub(r, f64x2.mul(n, f64x2.splat(1.42860682030941723212e-6)));
  // exp(r), |r| <= 0.3466: Taylor series to r^13 (truncation < 1e-17 relative).
  let p = f64x2.splat(1.0 / 6227020800.0);
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 479001600.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 39916800.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 3628800.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 362880.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 40320.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 5040.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 720.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 120.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 24.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 6.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(0.5));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0));
  // 2^n from the exponent bits.
  const ni = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(n));
  const scale = i64x2.shl(i64x2.add(ni, i64x2.splat(1023)), 52);
  return f64x2.mul(p, scale);
}

// @ts-ignore: decorator
@inline export function vtanh64(x: v128): v128 {
  const ax = f64x2.abs(x);
  // Large |x|: 1 - 2/(exp(2|x|) + 1), sign restored.
  const e = vexp64(f64x2.add(ax, ax));
  let big = f64x2.sub(f64x2.splat(1.0), f64x2.div(f64x2.splat(2.0), f64x2.add(e, f64x2.splat(1.0))));
  big = v128.or(big, v128.and(x, f64x2.splat(-0.0)));
  // Small |x| < 0.625: Cephes rational x + x·s·P(s)/Q(s), s = x².
  const s = f64x2.mul(x, x);
  let pn = f64x2.splat(-9.64399179425052238628e-1);
  pn = f64x2.add(f64x2.mul(pn, s), f64x2.splat(-9.92877231001918586564e1));
  pn = f64x2.add(f64x2.mul(pn, s), f64x2.splat(-1.61468768441708447952e3));
  let qd = f64x2.add(s, f64x2.splat(1.12811678491632931402e2));
  qd = f64x2.add(f64x2.mul(qd, s), f64x2.splat(2.23548839060100448583e3));
  qd = f64x2.add(f64x2.mul(qd, s), f64x2.splat(4.84406305325125486048e3));
  const small = f64x2.add(x, f64x2.mul(f64x2.mul(x, s), f64x2.div(pn, qd)));
  return v128.bitselect(small, big, f64x2.lt(ax, f64x2.splat(0.625)));
}

// @ts-ignore: decorator
@inline export function vsigmoid64(x: v128): v128 {
  // Stable: e = exp(-|x|); x >= 0: 1/(1+e); x < 0: e/(1+e).
  const e = vexp64(f64x2.neg(f64x2.abs(x)));
  const d = f64x2.add(f64x2.splat(1.0), e);
  const pos = f64x2.div(f64x2.splat(1.0), d);
  const neg = f64x2.div(e, d);
  return v128.bitselect(pos, neg, f64x2.ge(x, f64x2.splat(0.0)));
}

// ---------------------------------------------------------------- float32

// @ts-ignore: decorator
@inline export function vexp32(x: v128): v128 {
  x = f32x4.max(f32x4.min(x, f32x4.splat(88.3)), f32x4.splat(-87.0));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  // Cephes expf polynomial: exp(r) = 1 + r + r²·P(r).
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.mul(f32x4.mul(p, r), r), f32x4.add(r, f32x4.splat(1.0)));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

// @ts-ignore: decorator
@inline export function vtanh32(x: v128): v128 {
  const ax = f32x4.abs(x);
  const e = vexp32(f32x4.add(ax, ax));
  let big = f32x4.sub(f32x4.splat(1.0), f32x4.div(f32x4.splat(2.0), f32x4.add(e, f32x4.splat(1.0))));
  big = v128.or(big, v128.and(x, f32x4.splat(-0.0)));
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(x, f32x4.mul(f32x4.mul(p, z), x));
  return v128.bitselect(small, big, f32x4.lt(ax, f32x4.splat(0.625)));
}

// @ts-ignore: decorator
@inline export function vsigmoid32(x: v128): v128 {
  const e = vexp32(f32x4.neg(f32x4.abs(x)));
  const d = f32x4.add(f32x4.splat(1.0), e);
  const pos = f32x4.div(f32x4.splat(1.0), d);
  const neg = f32x4.div(e, d);
  return v128.bitselect(pos, neg, f32x4.ge(x, f32x4.splat(0.0)));
}
