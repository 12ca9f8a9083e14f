/**
 * What the inference knows about a Python value, and numpy's shape rules on those values.
 * Every rule returns `null`/unknown rather than guess; a conflict is reported only when both
 * sides are known and differ.
 */
import {
  asLetter, constValue, dimDiffers, dimEq, div, fmtDim, isOne, mul, num, polyEq, product, substitute,
  type Dim, type Poly, type Shape,
} from './dims';

export type DType = 'float' | 'int' | 'bool';

export type Value =
  | { readonly k: 'array'; readonly shape: Shape; readonly dtype?: DType }
  /** A Python int: a size (`N`, `4H`) or an index whose value is unknown (`d: null`). */
  | { readonly k: 'dim'; readonly d: Dim }
  | { readonly k: 'tuple'; readonly items: readonly Value[]; readonly list?: boolean }
  | { readonly k: 'unknown' };

export const UNKNOWN: Value = { k: 'unknown' };
export const array = (shape: Shape, dtype?: DType): Value => (dtype ? { k: 'array', shape, dtype } : { k: 'array', shape });
export const dimValue = (d: Dim): Value => ({ k: 'dim', d });

/** A value as an operand of array arithmetic: Python numbers are scalars, shape `()`. */
export function operandShape(v: Value): Shape | undefined {
  if (v.k === 'array') return v.shape;
  if (v.k === 'dim') return [];
  return undefined;
}

/** One disagreeing pair of dimensions, e.g. `H ≠ D`. */
export interface DimConflict {
  readonly a: Dim;
  readonly b: Dim;
}

export const fmtConflicts = (cs: readonly DimConflict[]): string =>
  cs.map((c) => `${fmtDim(c.a)} ≠ ${fmtDim(c.b)}`).join(', ');

/** numpy broadcasting; `conflicts` non-empty only for dimensions proven to disagree. */
export function broadcast(a: Shape, b: Shape): { shape: Shape; conflicts: DimConflict[] } {
  if (a === null || b === null) return { shape: null, conflicts: [] };
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  const conflicts: DimConflict[] = [];
  for (let i = 0; i < n; i++) {
    const x = i < n - a.length ? num(1) : a[i - (n - a.length)];
    const y = i < n - b.length ? num(1) : b[i - (n - b.length)];
    if (isOne(x)) out.push(y);
    else if (isOne(y)) out.push(x);
    else if (x === null) out.push(y); // unknown is 1 or equal to y, or numpy fails: either way y
    else if (y === null) out.push(x);
    else if (polyEq(x, y)) out.push(x);
    else {
      conflicts.push({ a: x, b: y });
      out.push(null);
    }
  }
  return { shape: out, conflicts };
}

export interface MatmulResult {
  readonly shape: Shape;
  readonly conflict?: DimConflict;
}

/** np.dot / @ for the ranks layer code uses: 1-D and 2-D operands, and (..., k)·(k, n). */
export function matmulShape(a: Shape, b: Shape, op: 'dot' | 'matmul'): MatmulResult {
  if (a === null || b === null) return { shape: null };
  if (a.length === 0 || b.length === 0) return { shape: op === 'dot' ? broadcast(a, b).shape : null };
  const k1 = a[a.length - 1];
  const k2 = b.length === 1 ? b[0] : b[b.length - 2];
  const conflict = dimDiffers(k1, k2) ? { a: k1, b: k2 } : undefined;
  let shape: Shape;
  if (b.length === 1) shape = a.slice(0, -1);
  else if (b.length === 2) shape = [...a.slice(0, -1), b[1]];
  else if (a.length === 1) shape = op === 'matmul' ? [...b.slice(0, -2), b[b.length - 1]] : null;
  else if (op === 'matmul') {
    const batch = broadcast(a.slice(0, -2), b.slice(0, -2)).shape;
    shape = batch === null ? null : [...batch, a[a.length - 2], b[b.length - 1]];
  } else shape = null;
  return conflict ? { shape, conflict } : { shape };
}

export function transposeShape(s: Shape, axes?: readonly number[]): Shape {
  if (s === null) return null;
  if (!axes) return [...s].reverse();
  if (axes.length !== s.length) return null;
  return axes.map((i) => s[i < 0 ? i + s.length : i] ?? null);
}

/**
 * x.reshape(dims) with one -1 resolved when the sizes divide. `conflict` when the element counts
 * are both known and differ.
 */
export function reshapeShape(from: Shape, to: readonly Dim[]): { shape: Shape; conflict?: DimConflict } {
  const minus = to.findIndex((d) => d !== null && constValue(d) === -1);
  const total = from === null ? null : product(from);
  if (minus >= 0) {
    const rest = product(to.filter((_, i) => i !== minus));
    const inferred = total !== null && rest !== null ? div(total, rest) : null;
    return { shape: to.map((d, i) => (i === minus ? inferred : d)) };
  }
  const want = product(to);
  if (total !== null && want !== null && !polyEq(total, want)) return { shape: [...to], conflict: { a: total, b: want } };
  return { shape: [...to] };
}

/** np.sum-like reductions over `axis` (null: all axes). */
export function reduceShape(s: Shape, axis: readonly number[] | null | undefined, keepdims: boolean): Shape {
  if (axis === undefined) return null; // an axis we could not read
  if (axis === null) return keepdims ? (s === null ? null : s.map(() => num(1))) : [];
  if (s === null) return null;
  const norm = new Set(axis.map((a) => (a < 0 ? a + s.length : a)));
  if ([...norm].some((a) => a < 0 || a >= s.length)) return null;
  return keepdims ? s.map((d, i) => (norm.has(i) ? num(1) : d)) : s.filter((_, i) => !norm.has(i));
}

/** Letters of a signature bound to the caller's dimensions while matching arguments. */
export type Bindings = Map<string, Poly>;

/**
 * Matches an argument's shape against a signature's, binding the signature's letters. Returns the
 * expected shape (in the caller's dimensions, `null` where unknown) and the proven conflicts.
 */
export function unify(spec: readonly Poly[], actual: Shape, env: Bindings): { expected: Dim[]; conflicts: DimConflict[]; rank?: boolean } {
  const expected: Dim[] = spec.map((p) => substitute(p, env));
  if (actual === null) return { expected, conflicts: [] };
  if (actual.length !== spec.length) return { expected, conflicts: [], rank: true };
  const conflicts: DimConflict[] = [];
  spec.forEach((p, i) => {
    const a = actual[i];
    if (a === null) return;
    const letter = asLetter(p);
    if (letter !== null && !env.has(letter)) {
      env.set(letter, a);
      expected[i] = a;
      return;
    }
    const sub = substitute(p, env);
    if (sub === null) {
      // c·X with X unbound: X = a / c when it divides.
      if (p.length === 1 && p[0].s.length === 1 && !env.has(p[0].s[0])) {
        const x = div(a, num(p[0].c));
        if (x !== null) {
          env.set(p[0].s[0], x);
          expected[i] = a;
        }
      }
      return;
    }
    expected[i] = sub;
    if (!polyEq(sub, a)) conflicts.push({ a, b: sub });
  });
  return { expected, conflicts };
}

/** Shapes of two branches joined: what both agree on. */
export function joinValues(a: Value, b: Value): Value {
  if (a.k === 'array' && b.k === 'array') {
    if (a.shape === null || b.shape === null || a.shape.length !== b.shape.length) return array(null);
    const sb = b.shape;
    return array(a.shape.map((d, i) => (dimEq(d, sb[i]) ? d : null)), a.dtype === b.dtype ? a.dtype : undefined);
  }
  if (a.k === 'dim' && b.k === 'dim') return dimValue(dimEq(a.d, b.d) ? a.d : null);
  if (a.k === 'tuple' && b.k === 'tuple' && a.items.length === b.items.length) {
    return { k: 'tuple', items: a.items.map((x, i) => joinValues(x, b.items[i])) };
  }
  return UNKNOWN;
}

export const shapeOfSpec = (spec: readonly Poly[], env: Bindings): Dim[] => spec.map((p) => substitute(p, env));

export { mul };
