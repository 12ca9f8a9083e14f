import { matmul, matmulNT, matmulTN, addRowVector, sumRows } from '../ops';
import { expectRank, expectShape, fmtShape, ShapeError, type BoolTensor, type IntTensor, type Tensor } from '../tensor';

export interface TemporalAffineCache {
  x: Tensor;
  w: Tensor;
  n: number;
  t: number;
  d: number;
  m: number;
}

/** Affine map at every step. x: (N, T, D); w: (D, M); b: (M,). Returns out: (N, T, M). */
export function temporalAffineForward(x: Tensor, w: Tensor, b: Tensor): { out: Tensor; cache: TemporalAffineCache } {
  expectRank('temporal_affine_forward', 'x', x, 3);
  expectRank('temporal_affine_forward', 'w', w, 2);
  const [n, t, d] = x.shape;
  const m = w.shape[1];
  if (w.shape[0] !== d) throw new ShapeError(`temporal_affine_forward: cannot multiply x ${fmtShape(x.shape)} by w ${fmtShape(w.shape)}`);
  expectShape('temporal_affine_forward', 'b', b, [m]);
  const out = matmul(x.data, w.data, n * t, d, m);
  addRowVector(out, b.data, n * t, m);
  return { out: { shape: [n, t, m], data: out }, cache: { x, w, n, t, d, m } };
}

/** dout: (N, T, M) → dx (N, T, D), dw (D, M), db (M,). */
export function temporalAffineBackward(dout: Tensor, cache: TemporalAffineCache): { dx: Tensor; dw: Tensor; db: Tensor } {
  const { x, w, n, t, d, m } = cache;
  expectShape('temporal_affine_backward', 'dout', dout, [n, t, m]);
  return {
    dx: { shape: [n, t, d], data: matmulNT(dout.data, w.data, n * t, m, d) },
    dw: { shape: [d, m], data: matmulTN(x.data, dout.data, n * t, d, m) },
    db: { shape: [m], data: sumRows(dout.data, n * t, m) },
  };
}

/**
 * Masked softmax cross-entropy over time. x: (N, T, V) scores; y: (N, T) targets in [0, V);
 * mask: (N, T), which positions count. The loss is summed over time and averaged over N
 * (divided by N, not by the number of unmasked positions). Returns loss and dx: (N, T, V).
 */
export function temporalSoftmaxLoss(x: Tensor, y: IntTensor, mask: BoolTensor): { loss: number; dx: Tensor } {
  expectRank('temporal_softmax_loss', 'x', x, 3);
  const [n, t, v] = x.shape;
  expectShape('temporal_softmax_loss', 'y', y, [n, t]);
  expectShape('temporal_softmax_loss', 'mask', mask, [n, t]);
  const dx = new Float64Array(n * t * v);
  let loss = 0;
  for (let k = 0; k < n * t; k++) {
    const target = y.data[k];
    if (!(target >= 0 && target < v)) {
      throw new ShapeError(`temporal_softmax_loss: y[${Math.floor(k / t)}, ${k % t}] = ${target} is outside [0, ${v})`);
    }
    const row = k * v;
    let max = -Infinity;
    for (let j = 0; j < v; j++) if (x.data[row + j] > max) max = x.data[row + j];
    let sum = 0;
    for (let j = 0; j < v; j++) {
      const e = Math.exp(x.data[row + j] - max);
      dx[row + j] = e;
      sum += e;
    }
    if (!mask.data[k]) {
      dx.fill(0, row, row + v);
      continue;
    }
    // log p[target] computed from the shifted scores, as numpy's probs then log.
    loss -= Math.log(dx[row + target] / sum);
    for (let j = 0; j < v; j++) dx[row + j] = dx[row + j] / sum / n;
    dx[row + target] -= 1 / n;
  }
  return { loss: loss / n, dx: { shape: [n, t, v], data: dx } };
}
