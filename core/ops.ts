/**
 * Dense kernels on row-major Float64Arrays: the reference (pure TS) path of the engine.
 * Each takes explicit sizes so layers can run on slices without copying shapes around.
 */

/** C (m×n) = A (m×k) · B (k×n), or C += … when accumulate. */
export function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number, c?: Float64Array, accumulate = false): Float64Array {
  const out = c ?? new Float64Array(m * n);
  if (!accumulate) out.fill(0);
  for (let i = 0; i < m; i++) {
    const ro = i * n;
    const ra = i * k;
    for (let p = 0; p < k; p++) {
      const av = a[ra + p];
      if (av === 0) continue;
      const rb = p * n;
      for (let j = 0; j < n; j++) out[ro + j] += av * b[rb + j];
    }
  }
  return out;
}

/** C (k×n) = Aᵀ · B where A is (m×k) and B is (m×n); C += … when accumulate. */
export function matmulTN(a: Float64Array, b: Float64Array, m: number, k: number, n: number, c?: Float64Array, accumulate = false): Float64Array {
  const out = c ?? new Float64Array(k * n);
  if (!accumulate) out.fill(0);
  for (let i = 0; i < m; i++) {
    const ra = i * k;
    const rb = i * n;
    for (let p = 0; p < k; p++) {
      const av = a[ra + p];
      if (av === 0) continue;
      const ro = p * n;
      for (let j = 0; j < n; j++) out[ro + j] += av * b[rb + j];
    }
  }
  return out;
}

/** C (m×n) = A (m×k) · Bᵀ where B is (n×k); C += … when accumulate. */
export function matmulNT(a: Float64Array, b: Float64Array, m: number, k: number, n: number, c?: Float64Array, accumulate = false): Float64Array {
  const out = c ?? new Float64Array(m * n);
  if (!accumulate) out.fill(0);
  for (let i = 0; i < m; i++) {
    const ra = i * k;
    const ro = i * n;
    for (let j = 0; j < n; j++) {
      const rb = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ra + p] * b[rb + p];
      out[ro + j] += s;
    }
  }
  return out;
}

/** out[i, j] += bias[j] for an (m×n) matrix. */
export function addRowVector(out: Float64Array, bias: Float64Array, m: number, n: number): void {
  for (let i = 0; i < m; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) out[r + j] += bias[j];
  }
}

/** Column sums of an (m×n) matrix, added into `into` when given. */
export function sumRows(a: Float64Array, m: number, n: number, into?: Float64Array): Float64Array {
  const out = into ?? new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) out[j] += a[r + j];
  }
  return out;
}

/** Numerically stable logistic function (no overflow for large |x|). */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const z = Math.exp(x);
  return z / (1 + z);
}

/** Copies time step t of an (N, T, K) array into an (N, K) array. */
export function sliceTime(src: Float64Array, n: number, t: number, steps: number, k: number, out?: Float64Array): Float64Array {
  const dst = out ?? new Float64Array(n * k);
  for (let i = 0; i < n; i++) dst.set(src.subarray((i * steps + t) * k, (i * steps + t + 1) * k), i * k);
  return dst;
}

/** Writes an (N, K) array into time step t of an (N, T, K) array. */
export function writeTime(dst: Float64Array, n: number, t: number, steps: number, k: number, src: Float64Array): void {
  for (let i = 0; i < n; i++) dst.set(src.subarray(i * k, (i + 1) * k), (i * steps + t) * k);
}
