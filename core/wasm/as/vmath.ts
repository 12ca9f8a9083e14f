// AssemblyScript: SIMD exp, tanh and logistic for f64x2 and f32x4.
// float64: within a few ulp of Math.exp / Math.tanh (checked by test/wasm/elementwise.test.ts);
// float32: within a few float32 ulp. Ranges are clamped so exp never overflows; below the clamp
// the results are at most ~1e-308 (f64) / ~1e-38 (f32) instead of exact underflow.

// ---------------------------------------------------------------- float64

// @ts-ignore: decorator
@inline function madd64(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  else return f64x2.add(f64x2.mul(a, b), c);
}

const MAGIC64: f64 = 6755399441055744.0; // 1.5·2^52: adding it rounds to an integer in the low bits

/**
 * expm1 core: with n = round(x/ln2), r = x − n·ln2 (|r| ≤ 0.347) returns q = expm1(r) and sets
 * the exponent scale 2^n in `scale64`. exp(x) = 2^n·(1 + q); expm1(x) = 2^n·q + (2^n − 1).
 */
// @ts-ignore: decorator
@inline function big64(x: v128): v128 {
  return f64x2.add(f64x2.mul(x, f64x2.splat(1.4426950408889634)), f64x2.splat(MAGIC64));
}
// @ts-ignore: decorator
@inline function clamp64(x: v128): v128 {
  return f64x2.pmax(f64x2.pmin(x, f64x2.splat(709.0)), f64x2.splat(-708.0));
}
// @ts-ignore: decorator
@inline function scaleOf64(big: v128): v128 {
  return i64x2.shl(i64x2.add(big, i64x2.splat(1023)), 52);
}
// @ts-ignore: decorator
@inline function core64(x: v128, big: v128): v128 {
  const n = f64x2.sub(big, f64x2.splat(MAGIC64));
  // Cody–Waite reduction with ln2 split so n·C1 is exact.
  let r = f64x2.sub(x, f64x2.mul(n, f64x2.splat(6.93145751953125e-1)));
  r = f64x2.sub(r, f64x2.mul(n, f64x2.splat(1.42860682030941723212e-6)));
  // expm1(r) = r + r²·P(r), P(r) = Σ_{k=0..11} r^k/(k+2)! (truncation < 2e-17 relative),
  // evaluated by Estrin's scheme: dependency depth 5 instead of 12 (the loop is latency-bound).
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const r8 = f64x2.mul(r4, r4);
  const a0 = madd64(r, f64x2.splat(1.0 / 6.0), f64x2.splat(0.5));
  const a1 = madd64(r, f64x2.splat(1.0 / 120.0), f64x2.splat(1.0 / 24.0));
  const a2 = madd64(r, f64x2.splat(1.0 / 5040.0), f64x2.splat(1.0 / 720.0));
  const a3 = madd64(r, f64x2.splat(1.0 / 362880.0), f64x2.splat(1.0 / 40320.0));
  const a4 = madd64(r, f64x2.splat(1.0 / 39916800.0), f64x2.splat(1.0 / 3628800.0));
  const a5 = madd64(r, f64x2.splat(1.0 / 6227020800.0), f64x2.splat(1.0 / 479001600.0));
  const b0 = madd64(r2, a1, a0);
  const b1 = madd64(r2, a3, a2);
  const b2 = madd64(r2, a5, a4);
  const pp = madd64(r8, b2, madd64(r4, b1, b0));
  const q = madd64(r2, pp, r);
  return q;
}

// @ts-ignore: decorator
@inline export function vexp64(x: v128): v128 {
  x = clamp64(x);
  const big = big64(x);
  const q = core64(x, big);
  const s = scaleOf64(big); // 2^n: the low bits of `big` hold n, (n + 1023) << 52 is the exponent field
  return madd64(s, q, s);
}

/** expm1(x) for x <= 0.35 (what tanh needs): 2^n·q + (2^n − 1), exact q when n = 0. */
// @ts-ignore: decorator
@inline export function vexpm1_64(x: v128): v128 {
  x = clamp64(x);
  const big = big64(x);
  const q = core64(x, big);
  const s = scaleOf64(big);
  return madd64(s, q, f64x2.sub(s, f64x2.splat(1.0)));
}

// @ts-ignore: decorator
@inline export function vtanh64(x: v128): v128 {
  // tanh|x| = −u/(2 + u) with u = expm1(−2|x|) ∈ (−1, 0]: no cancellation anywhere.
  const ax = f64x2.abs(x);
  const u = vexpm1_64(f64x2.neg(f64x2.add(ax, ax)));
  const t = f64x2.div(f64x2.neg(u), f64x2.add(u, f64x2.splat(2.0)));
  return v128.or(t, v128.and(x, f64x2.splat(-0.0)));
}

// @ts-ignore: decorator
@inline export function vsigmoid64(x: v128): v128 {
  // Stable: e = exp(−|x|); x >= 0: 1/(1+e); x < 0: e/(1+e).
  const e = vexp64(f64x2.neg(f64x2.abs(x)));
  const r = f64x2.div(f64x2.splat(1.0), f64x2.add(f64x2.splat(1.0), e));
  return v128.bitselect(r, f64x2.mul(e, r), f64x2.ge(x, f64x2.splat(0.0)));
}

// ---------------------------------------------------------------- float32

// @ts-ignore: decorator
@inline function madd32(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  else return f32x4.add(f32x4.mul(a, b), c);
}

const MAGIC32: f32 = 12582912.0; // 1.5·2^23
// @ts-ignore: decorator
@inline function big32(x: v128): v128 {
  return f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504088896341)), f32x4.splat(MAGIC32));
}
// @ts-ignore: decorator
@inline function clamp32(x: v128): v128 {
  return f32x4.pmax(f32x4.pmin(x, f32x4.splat(88.3)), f32x4.splat(-87.0));
}
// @ts-ignore: decorator
@inline function core32(x: v128, big: v128): v128 {
  const n = f32x4.sub(big, f32x4.splat(MAGIC32));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  // Cephes expf polynomial: expm1(r) = r + r²·P(r), P evaluated by Estrin's scheme.
  const r2 = f32x4.mul(r, r);
  const a0 = madd32(r, f32x4.splat(1.6666665459e-1), f32x4.splat(5.0000001201e-1));
  const a1 = madd32(r, f32x4.splat(8.3334519073e-3), f32x4.splat(4.1665795894e-2));
  const a2 = madd32(r, f32x4.splat(1.9875691500e-4), f32x4.splat(1.3981999507e-3));
  const pp = madd32(f32x4.mul(r2, r2), a2, madd32(r2, a1, a0));
  const q = madd32(r2, pp, r);
  return q;
}

// @ts-ignore: decorator
@inline export function vexp32(x: v128): v128 {
  x = clamp32(x);
  const big = big32(x);
  const q = core32(x, big);
  const s = i32x4.shl(i32x4.add(big, i32x4.splat(127)), 23);
  return madd32(s, q, s);
}

// @ts-ignore: decorator
@inline export function vexpm1_32(x: v128): v128 {
  const y = clamp32(x);
  const big = big32(y);
  const q = core32(y, big);
  const s = i32x4.shl(i32x4.add(big, i32x4.splat(127)), 23);
  return madd32(s, q, f32x4.sub(s, f32x4.splat(1.0)));
}

// @ts-ignore: decorator
@inline export function vtanh32(x: v128): v128 {
  const ax = f32x4.abs(x);
  const u = vexpm1_32(f32x4.neg(f32x4.add(ax, ax)));
  const t = f32x4.div(f32x4.neg(u), f32x4.add(u, f32x4.splat(2.0)));
  return v128.or(t, v128.and(x, f32x4.splat(-0.0)));
}

// @ts-ignore: decorator
@inline export function vsigmoid32(x: v128): v128 {
  const e = vexp32(f32x4.neg(f32x4.abs(x)));
  const r = f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), e));
  return v128.bitselect(r, f32x4.mul(e, r), f32x4.ge(x, f32x4.splat(0.0)));
}
