import { matmul, matmulNT, matmulTN, addRowVector, sumRows } from '../ops';
import { expectRank, expectShape, fmtShape, ShapeError, type Tensor } from '../tensor';

export interface AffineCache {
  /** x flattened to (N, D). */
  x2: Float64Array;
  xShape: readonly number[];
  w: Tensor;
  n: number;
  d: number;
  m: number;
}

/**
 * Affine layer. x: (N, d1, …, dk) flattened to (N, D) with D = d1·…·dk; w: (D, M); b: (M,).
 * Returns out: (N, M).
 */
export function affineForward(x: Tensor, w: Tensor, b: Tensor): { out: Tensor; cache: AffineCache } {
  if (x.shape.length < 1) throw new ShapeError(`affine_forward: x has shape ${fmtShape(x.shape)}, expected (N, …)`);
  expectRank('affine_forward', 'w', w, 2);
  const n = x.shape[0];
  const d = n === 0 ? 0 : x.data.length / n;
  const [wd, m] = w.shape;
  if (wd !== d) throw new ShapeError(`affine_forward: cannot multiply x ${fmtShape(x.shape)} (flattened to (${n}, ${d})) by w ${fmtShape(w.shape)}`);
  expectShape('affine_forward', 'b', b, [m]);
  const out = matmul(x.data, w.data, n, d, m);
  addRowVector(out, b.data, n, m);
  return { out: { shape: [n, m], data: out }, cache: { x2: x.data, xShape: [...x.shape], w, n, d, m } };
}

/** dout: (N, M) → dx with x's shape, dw: (D, M), db: (M,). */
export function affineBackward(dout: Tensor, cache: AffineCache): { dx: Tensor; dw: Tensor; db: Tensor } {
  const { x2, xShape, w, n, d, m } = cache;
  expectShape('affine_backward', 'dout', dout, [n, m]);
  const dx = matmulNT(dout.data, w.data, n, m, d);
  const dw = matmulTN(x2, dout.data, n, d, m);
  const db = sumRows(dout.data, n, m);
  return { dx: { shape: [...xShape], data: dx }, dw: { shape: [d, m], data: dw }, db: { shape: [m], data: db } };
}
