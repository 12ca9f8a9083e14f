import { matmul, matmulNT, matmulTN, addRowVector, sumRows, sliceTime, writeTime } from '../ops';
import { expectRank, expectShape, type Tensor } from '../tensor';

export interface RnnStepCache {
  x: Float64Array;
  prevH: Float64Array;
  nextH: Float64Array;
  Wx: Tensor;
  Wh: Tensor;
  n: number;
  d: number;
  h: number;
}

/**
 * One vanilla-RNN step, next_h = tanh(x·Wx + prev_h·Wh + b). N batch, D input, H hidden.
 * x: (N, D); prevH: (N, H); Wx: (D, H); Wh: (H, H); b: (H,). Returns nextH: (N, H).
 */
export function rnnStepForward(x: Tensor, prevH: Tensor, Wx: Tensor, Wh: Tensor, b: Tensor): { nextH: Tensor; cache: RnnStepCache } {
  const op = 'rnn_step_forward';
  expectRank(op, 'x', x, 2);
  const [n, d] = x.shape;
  expectRank(op, 'Wh', Wh, 2);
  const h = Wh.shape[0];
  expectShape(op, 'prev_h', prevH, [n, h]);
  expectShape(op, 'Wx', Wx, [d, h]);
  expectShape(op, 'Wh', Wh, [h, h]);
  expectShape(op, 'b', b, [h]);
  const a = matmul(x.data, Wx.data, n, d, h);
  matmul(prevH.data, Wh.data, n, h, h, a, true);
  addRowVector(a, b.data, n, h);
  for (let i = 0; i < a.length; i++) a[i] = Math.tanh(a[i]);
  return { nextH: { shape: [n, h], data: a }, cache: { x: x.data, prevH: prevH.data, nextH: a, Wx, Wh, n, d, h } };
}

/** dnextH: (N, H) → dx (N, D), dprevH (N, H), dWx (D, H), dWh (H, H), db (H,). */
export function rnnStepBackward(dnextH: Tensor, cache: RnnStepCache): { dx: Tensor; dprevH: Tensor; dWx: Tensor; dWh: Tensor; db: Tensor } {
  const { n, d, h } = cache;
  expectShape('rnn_step_backward', 'dnext_h', dnextH, [n, h]);
  const g = stepGrads(dnextH.data, cache);
  const dWx = matmulTN(cache.x, g.da, n, d, h);
  const dWh = matmulTN(cache.prevH, g.da, n, h, h);
  const db = sumRows(g.da, n, h);
  return {
    dx: { shape: [n, d], data: g.dx },
    dprevH: { shape: [n, h], data: g.dprevH },
    dWx: { shape: [d, h], data: dWx },
    dWh: { shape: [h, h], data: dWh },
    db: { shape: [h], data: db },
  };
}

/** The step's local gradients: da through tanh, then dx and dprev_h. */
function stepGrads(dnext: Float64Array, c: RnnStepCache): { da: Float64Array; dx: Float64Array; dprevH: Float64Array } {
  const da = new Float64Array(dnext.length);
  for (let i = 0; i < da.length; i++) da[i] = dnext[i] * (1 - c.nextH[i] * c.nextH[i]);
  return { da, dx: matmulNT(da, c.Wx.data, c.n, c.h, c.d), dprevH: matmulNT(da, c.Wh.data, c.n, c.h, c.h) };
}

/**
 * Sees each step of a sequence backward pass (for visualising gradient flow through time).
 * dh is the total gradient reaching h_t (upstream plus what came back from t+1), da the
 * gradient of the pre-activation, x and prevH the step's inputs, all row-major (N, ·).
 */
export type StepObserver = (t: number, s: { dh: Float64Array; dx: Float64Array; da: Float64Array; x: Float64Array; prevH: Float64Array }) => void;

export interface RnnCache {
  steps: RnnStepCache[];
  n: number;
  t: number;
  d: number;
  h: number;
}

/**
 * Vanilla RNN over a sequence. x: (N, T, D); h0: (N, H); Wx: (D, H); Wh: (H, H); b: (H,).
 * Returns h: (N, T, H), the hidden state at every step.
 */
export function rnnForward(x: Tensor, h0: Tensor, Wx: Tensor, Wh: Tensor, b: Tensor): { h: Tensor; cache: RnnCache } {
  expectRank('rnn_forward', 'x', x, 3);
  const [n, t, d] = x.shape;
  expectRank('rnn_forward', 'h0', h0, 2);
  const hd = h0.shape[1];
  expectShape('rnn_forward', 'h0', h0, [n, hd]);
  const out = new Float64Array(n * t * hd);
  const steps: RnnStepCache[] = [];
  let prev = h0;
  for (let s = 0; s < t; s++) {
    const xs = { shape: [n, d], data: sliceTime(x.data, n, s, t, d) };
    const { nextH, cache } = rnnStepForward(xs, prev, Wx, Wh, b);
    writeTime(out, n, s, t, hd, nextH.data);
    steps.push(cache);
    prev = nextH;
  }
  return { h: { shape: [n, t, hd], data: out }, cache: { steps, n, t, d, h: hd } };
}

/**
 * dh: (N, T, H), the upstream gradient of every hidden state (not the ones passed between steps).
 * Returns dx (N, T, D), dh0 (N, H), dWx (D, H), dWh (H, H), db (H,).
 */
export function rnnBackward(dh: Tensor, cache: RnnCache, observe?: StepObserver): { dx: Tensor; dh0: Tensor; dWx: Tensor; dWh: Tensor; db: Tensor } {
  const { steps, n, t, d, h } = cache;
  expectShape('rnn_backward', 'dh', dh, [n, t, h]);
  const dx = new Float64Array(n * t * d);
  const dWx = new Float64Array(d * h);
  const dWh = new Float64Array(h * h);
  const db = new Float64Array(h);
  let carry: Float64Array = new Float64Array(n * h);
  for (let s = t - 1; s >= 0; s--) {
    const cur = sliceTime(dh.data, n, s, t, h);
    for (let i = 0; i < cur.length; i++) cur[i] += carry[i];
    const c = steps[s];
    const g = stepGrads(cur, c);
    writeTime(dx, n, s, t, d, g.dx);
    matmulTN(c.x, g.da, n, d, h, dWx, true);
    matmulTN(c.prevH, g.da, n, h, h, dWh, true);
    sumRows(g.da, n, h, db);
    observe?.(s, { dh: cur, dx: g.dx, da: g.da, x: c.x, prevH: c.prevH });
    carry = g.dprevH;
  }
  return {
    dx: { shape: [n, t, d], data: dx },
    dh0: { shape: [n, h], data: carry },
    dWx: { shape: [d, h], data: dWx },
    dWh: { shape: [h, h], data: dWh },
    db: { shape: [h], data: db },
  };
}
