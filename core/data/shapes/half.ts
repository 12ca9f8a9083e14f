/** Rounding to IEEE half precision (round to nearest, ties to even), returned as a double. */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 value nearest to `x` (float16 precision is what the stored features keep). */
export function roundToHalf(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a >= 65520) return x > 0 ? Infinity : -Infinity;
  if (a < 2 ** -14) {
    // Subnormal halves are multiples of 2^-24.
    const q = a * 2 ** 24;
    let r = Math.round(q);
    if (r - q === 0.5 && r % 2 === 1) r -= 1; // Math.round rounds .5 up; ties go to even
    return Math.sign(x) * r * 2 ** -24;
  }
  // Normal range: keep 10 of float32's 23 mantissa bits (x is first rounded to float32).
  f32[0] = x;
  const bits = u32[0];
  const drop = 13;
  const lower = bits & ((1 << drop) - 1);
  let kept = bits >>> drop;
  const half = 1 << (drop - 1);
  if (lower > half || (lower === half && (kept & 1) === 1)) kept += 1;
  u32[0] = (kept << drop) >>> 0;
  return f32[0];
}
