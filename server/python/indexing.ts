/**
 * numpy indexing on shapes: basic slices (`x[:, t, :]`, `x[:, :-1]`), `None`, integer indices,
 * and integer-array (advanced) indices such as `W[x, :]` or `probs[np.arange(N * T), y]`.
 */
import { add, constValue, num, sub, type Dim, type Shape } from './dims';
import { array, broadcast, type DType, type Value } from './values';

/** One comma-separated part of a subscript, as the analyser read it. */
export type IndexPart =
  | { readonly k: 'slice'; readonly len: Dim }
  | { readonly k: 'drop' }
  | { readonly k: 'new' }
  | { readonly k: 'adv'; readonly shape: Shape }
  | { readonly k: 'ellipsis' }
  | { readonly k: 'unknown' };

/** The shape of `x[parts]` for x of `shape`; unknown for anything numpy could read two ways. */
export function applyIndex(shape: readonly Dim[], dtype: DType | undefined, parts: readonly IndexPart[]): Value {
  if (parts.some((p) => p.k === 'unknown' || p.k === 'ellipsis')) return array(null);
  const used = parts.filter((p) => p.k !== 'new').length;
  if (used > shape.length) return array(null);
  const out: Dim[] = [];
  let advShape: Shape | undefined;
  let advAt = -1;
  let lastAdv = -2;
  let adjacent = true;
  let ax = 0;
  parts.forEach((p, i) => {
    if (p.k === 'slice') {
      out.push(p.len);
      ax++;
    } else if (p.k === 'new') out.push(num(1));
    else if (p.k === 'drop') ax++;
    else if (p.k === 'adv') {
      if (advShape === undefined) {
        advShape = p.shape;
        advAt = out.length;
      } else {
        if (lastAdv !== i - 1) adjacent = false;
        advShape = broadcast(advShape, p.shape).shape;
      }
      lastAdv = i;
      ax++;
    }
  });
  for (let i = ax; i < shape.length; i++) out.push(shape[i]);
  if (advShape !== undefined) {
    if (advShape === null) return array(null);
    const pos = adjacent ? advAt : 0;
    out.splice(pos, 0, ...advShape);
  }
  return array(out, dtype);
}

/** Length of `start:stop:step` on a dimension d (negative constants count from the end). */
export function sliceLen(d: Dim, start: Value | null, stop: Value | null, step: Value | null): Dim {
  const asDim = (v: Value | null | undefined): Dim | undefined => (v === null || v === undefined ? undefined : v.k === 'dim' ? v.d : null);
  const st = asDim(step);
  if (st !== undefined && (st === null || constValue(st) !== 1)) return null;
  const resolve = (v: Dim | undefined, dflt: Dim): Dim => {
    if (v === undefined) return dflt;
    if (v === null) return null;
    const c = constValue(v);
    if (c !== null && c < 0) return d === null ? null : add(d, v);
    return v;
  };
  const a = resolve(asDim(start), num(0));
  const b = resolve(asDim(stop), d);
  if (a === null || b === null) return null;
  return sub(b, a);
}
