import { matmul, matmulNT, matmulTN, addRowVector, sumRows, sigmoid, sliceTime, writeTime } from '../ops';
import { expectRank, expectShape, type Tensor } from '../tensor';
import type { StepObserver } from './rnn';

/** The four gates of one step, each (N, H), row-major. */
export interface LstmGates {
  i: Float64Array;
  f: Float64Array;
  o: Float64Array;
  g: Float64Array;
}

export interface LstmStepCache {
  x: Float64Array;
  prevH: Float64Array;
  prevC: Float64Array;
  gates: LstmGates;
  nextC: Float64Array;
  tanhC: Float64Array;
  Wx: Tensor;
  Wh: Tensor;
  n: number;
  d: number;
  h: number;
}

/**
 * One LSTM step. N batch, D input, H hidden; the gate blocks of Wx and Wh are i, f, o, g.
 * x: (N, D); prevH, prevC: (N, H); Wx: (D, 4H); Wh: (H, 4H); b: (4H,).
 * Returns nextH, nextC: (N, H).
 */
export function lstmStepForward(
  x: Tensor, prevH: Tensor, prevC: Tensor, Wx: Tensor, Wh: Tensor, b: Tensor,
): { nextH: Tensor; nextC: Tensor; cache: LstmStepCache } {
  const op = 'lstm_step_forward';
  expectRank(op, 'x', x, 2);
  expectRank(op, 'Wh', Wh, 2);
  const [n, d] = x.shape;
  const h = Wh.shape[0];
  expectShape(op, 'prev_h', prevH, [n, h]);
  expectShape(op, 'prev_c', prevC, [n, h]);
  expectShape(op, 'Wx', Wx, [d, 4 * h]);
  expectShape(op, 'Wh', Wh, [h, 4 * h]);
  expectShape(op, 'b', b, [4 * h]);
  const a = matmul(x.data, Wx.data, n, d, 4 * h);
  matmul(prevH.data, Wh.data, n, h, 4 * h, a, true);
  addRowVector(a, b.data, n, 4 * h);
  const gates: LstmGates = { i: new Float64Array(n * h), f: new Float64Array(n * h), o: new Float64Array(n * h), g: new Float64Array(n * h) };
  const nextC = new Float64Array(n * h);
  const tanhC = new Float64Array(n * h);
  const nextH = new Float64Array(n * h);
  for (let r = 0; r < n; r++) {
    const ra = r * 4 * h;
    for (let j = 0; j < h; j++) {
      const k = r * h + j;
      const gi = sigmoid(a[ra + j]);
      const gf = sigmoid(a[ra + h + j]);
      const go = sigmoid(a[ra + 2 * h + j]);
      const gg = Math.tanh(a[ra + 3 * h + j]);
      gates.i[k] = gi;
      gates.f[k] = gf;
      gates.o[k] = go;
      gates.g[k] = gg;
      nextC[k] = gf * prevC.data[k] + gi * gg;
      tanhC[k] = Math.tanh(nextC[k]);
      nextH[k] = go * tanhC[k];
    }
  }
  return {
    nextH: { shape: [n, h], data: nextH },
    nextC: { shape: [n, h], data: nextC },
    cache: { x: x.data, prevH: prevH.data, prevC: prevC.data, gates, nextC, tanhC, Wx, Wh, n, d, h },
  };
}

/** Local gradients of one step: da (N, 4H) through the gates, then dx, dprev_h and dprev_c. */
function stepGrads(dnextH: Float64Array, dnextC: Float64Array, c: LstmStepCache): { da: Float64Array; dx: Float64Array; dprevH: Float64Array; dprevC: Float64Array } {
  const { n, d, h, gates } = c;
  const da = new Float64Array(n * 4 * h);
  const dprevC = new Float64Array(n * h);
  for (let r = 0; r < n; r++) {
    const ra = r * 4 * h;
    for (let j = 0; j < h; j++) {
      const k = r * h + j;
      const { i: gi, f: gf, o: go, g: gg } = { i: gates.i[k], f: gates.f[k], o: gates.o[k], g: gates.g[k] };
      const tc = c.tanhC[k];
      // The cell gradient gathers the direct path and the path through next_h = o·tanh(c).
      const dc = dnextC[k] + dnextH[k] * go * (1 - tc * tc);
      dprevC[k] = dc * gf;
      da[ra + j] = dc * gg * gi * (1 - gi);
      da[ra + h + j] = dc * c.prevC[k] * gf * (1 - gf);
      da[ra + 2 * h + j] = dnextH[k] * tc * go * (1 - go);
      da[ra + 3 * h + j] = dc * gi * (1 - gg * gg);
    }
  }
  return {
    da,
    dx: matmulNT(da, c.Wx.data, n, 4 * h, d),
    dprevH: matmulNT(da, c.Wh.data, n, 4 * h, h),
    dprevC,
  };
}

/** dnextH, dnextC: (N, H) → dx (N, D), dprevH, dprevC (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,). */
export function lstmStepBackward(
  dnextH: Tensor, dnextC: Tensor, cache: LstmStepCache,
): { dx: Tensor; dprevH: Tensor; dprevC: Tensor; dWx: Tensor; dWh: Tensor; db: Tensor } {
  const { n, d, h } = cache;
  expectShape('lstm_step_backward', 'dnext_h', dnextH, [n, h]);
  expectShape('lstm_step_backward', 'dnext_c', dnextC, [n, h]);
  const g = stepGrads(dnextH.data, dnextC.data, cache);
  return {
    dx: { shape: [n, d], data: g.dx },
    dprevH: { shape: [n, h], data: g.dprevH },
    dprevC: { shape: [n, h], data: g.dprevC },
    dWx: { shape: [d, 4 * h], data: matmulTN(cache.x, g.da, n, d, 4 * h) },
    dWh: { shape: [h, 4 * h], data: matmulTN(cache.prevH, g.da, n, h, 4 * h) },
    db: { shape: [4 * h], data: sumRows(g.da, n, 4 * h) },
  };
}

export interface LstmCache {
  steps: LstmStepCache[];
  n: number;
  t: number;
  d: number;
  h: number;
}

/**
 * LSTM over a sequence; the cell state starts at zero. x: (N, T, D); h0: (N, H); Wx: (D, 4H);
 * Wh: (H, 4H); b: (4H,). Returns h: (N, T, H) (the hidden states only).
 */
export function lstmForward(x: Tensor, h0: Tensor, Wx: Tensor, Wh: Tensor, b: Tensor): { h: Tensor; cache: LstmCache } {
  expectRank('lstm_forward', 'x', x, 3);
  expectRank('lstm_forward', 'h0', h0, 2);
  const [n, t, d] = x.shape;
  const hd = h0.shape[1];
  expectShape('lstm_forward', 'h0', h0, [n, hd]);
  const out = new Float64Array(n * t * hd);
  const steps: LstmStepCache[] = [];
  let prevH = h0;
  let prevC: Tensor = { shape: [n, hd], data: new Float64Array(n * hd) };
  for (let s = 0; s < t; s++) {
    const xs = { shape: [n, d], data: sliceTime(x.data, n, s, t, d) };
    const r = lstmStepForward(xs, prevH, prevC, Wx, Wh, b);
    writeTime(out, n, s, t, hd, r.nextH.data);
    steps.push(r.cache);
    prevH = r.nextH;
    prevC = r.nextC;
  }
  return { h: { shape: [n, t, hd], data: out }, cache: { steps, n, t, d, h: hd } };
}

/** dh: (N, T, H) upstream → dx (N, T, D), dh0 (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,). */
export function lstmBackward(dh: Tensor, cache: LstmCache, observe?: StepObserver): { dx: Tensor; dh0: Tensor; dWx: Tensor; dWh: Tensor; db: Tensor } {
  const { steps, n, t, d, h } = cache;
  expectShape('lstm_backward', 'dh', dh, [n, t, h]);
  const dx = new Float64Array(n * t * d);
  const dWx = new Float64Array(d * 4 * h);
  const dWh = new Float64Array(h * 4 * h);
  const db = new Float64Array(4 * h);
  let carryH: Float64Array = new Float64Array(n * h);
  let carryC: Float64Array = new Float64Array(n * h);
  for (let s = t - 1; s >= 0; s--) {
    const cur = sliceTime(dh.data, n, s, t, h);
    for (let i = 0; i < cur.length; i++) cur[i] += carryH[i];
    const c = steps[s];
    const g = stepGrads(cur, carryC, c);
    writeTime(dx, n, s, t, d, g.dx);
    matmulTN(c.x, g.da, n, d, 4 * h, dWx, true);
    matmulTN(c.prevH, g.da, n, h, 4 * h, dWh, true);
    sumRows(g.da, n, 4 * h, db);
    observe?.(s, { dh: cur, dx: g.dx, da: g.da, x: c.x, prevH: c.prevH });
    carryH = g.dprevH;
    carryC = g.dprevC;
  }
  return {
    dx: { shape: [n, t, d], data: dx },
    dh0: { shape: [n, h], data: carryH },
    dWx: { shape: [d, 4 * h], data: dWx },
    dWh: { shape: [h, 4 * h], data: dWh },
    db: { shape: [4 * h], data: db },
  };
}
