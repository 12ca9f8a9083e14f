/**
 * Dense row-major tensors. Floating tensors are float64 (the precision gradient checks need);
 * integer tensors (word indices, captions) are int32 as in the CS231n data files.
 */

export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export interface IntTensor {
  readonly shape: readonly number[];
  readonly data: Int32Array;
}

/** Thrown for any shape disagreement; the message names the operation and both shapes. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

export function fmtShape(shape: readonly number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`invalid shape ${fmtShape(shape)}`);
    n *= d;
  }
  return n;
}

export function tensor(shape: readonly number[], data?: ArrayLike<number>): Tensor {
  const n = sizeOf(shape);
  if (data !== undefined && data.length !== n) {
    throw new ShapeError(`tensor: ${data.length} values do not fill shape ${fmtShape(shape)} (${n} values)`);
  }
  const arr = new Float64Array(n);
  if (data !== undefined) arr.set(data);
  return { shape: [...shape], data: arr };
}

export const zeros = (shape: readonly number[]): Tensor => tensor(shape);

export function intTensor(shape: readonly number[], data?: ArrayLike<number>): IntTensor {
  const n = sizeOf(shape);
  if (data !== undefined && data.length !== n) {
    throw new ShapeError(`intTensor: ${data.length} values do not fill shape ${fmtShape(shape)} (${n} values)`);
  }
  const arr = new Int32Array(n);
  if (data !== undefined) arr.set(data);
  return { shape: [...shape], data: arr };
}

export function zerosLike(t: Tensor): Tensor {
  return zeros(t.shape);
}

export function clone(t: Tensor): Tensor {
  return { shape: [...t.shape], data: Float64Array.from(t.data) };
}

/** Same data, new shape (one axis may be -1). Shares the buffer, like numpy's reshape of a contiguous array. */
export function reshape(t: Tensor, shape: readonly number[]): Tensor {
  const known = shape.filter((d) => d !== -1);
  const free = shape.length - known.length;
  let resolved = [...shape];
  if (free > 1) throw new ShapeError(`reshape: at most one -1 in ${fmtShape(shape)}`);
  if (free === 1) {
    const k = sizeOf(known);
    resolved = shape.map((d) => (d === -1 ? t.data.length / k : d));
  }
  if (sizeOf(resolved) !== t.data.length) {
    throw new ShapeError(`reshape: cannot reshape ${fmtShape(t.shape)} to ${fmtShape(shape)}`);
  }
  return { shape: resolved, data: t.data };
}

/** numpy.linspace(lo, hi, n) reshaped to `shape`, the notebooks' way of building fixed inputs. */
export function linspace(lo: number, hi: number, shape: readonly number[]): Tensor {
  const n = sizeOf(shape);
  const out = new Float64Array(n);
  if (n === 1) out[0] = lo;
  // numpy computes lo + i*step with step = (hi-lo)/(n-1), and sets the last value to hi exactly.
  const step = (hi - lo) / (n - 1);
  for (let i = 0; i < n; i++) out[i] = lo + i * step;
  if (n > 1) out[n - 1] = hi;
  return { shape: [...shape], data: out };
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throws a ShapeError naming `op`, the argument and both shapes unless `t` has `expected` (-1 = any). */
export function expectShape(op: string, name: string, t: { shape: readonly number[] }, expected: readonly number[]): void {
  const ok = t.shape.length === expected.length && expected.every((d, i) => d === -1 || d === t.shape[i]);
  if (!ok) {
    const want = expected.map((d) => (d === -1 ? '?' : String(d)));
    throw new ShapeError(`${op}: ${name} has shape ${fmtShape(t.shape)}, expected (${want.join(', ')}${want.length === 1 ? ',' : ''})`);
  }
}

export function expectRank(op: string, name: string, t: { shape: readonly number[] }, rank: number): void {
  if (t.shape.length !== rank) {
    throw new ShapeError(`${op}: ${name} has shape ${fmtShape(t.shape)}, expected ${rank} axes`);
  }
}

/** Boolean masks (1 = true), e.g. which caption positions count in the loss. */
export interface BoolTensor {
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

export function boolTensor(shape: readonly number[], data?: ArrayLike<number | boolean>): BoolTensor {
  const n = sizeOf(shape);
  if (data !== undefined && data.length !== n) {
    throw new ShapeError(`boolTensor: ${data.length} values do not fill shape ${fmtShape(shape)} (${n} values)`);
  }
  const arr = new Uint8Array(n);
  if (data !== undefined) for (let i = 0; i < n; i++) arr[i] = data[i] ? 1 : 0;
  return { shape: [...shape], data: arr };
}
