/**
 * Backward passes of the recurrent layers written once more, with switches for the classic
 * mistakes of the bug catalogue. Lives in core/explore only: the reference layers in core/layers
 * carry no switch, and nothing a training run imports reaches this file.
 *
 * With every switch off these compute exactly what core/layers computes (test/explore checks it),
 * so a failing check with a switch on is the switch's doing.
 */
import type { LayerImpl } from '../layers/index';
import type { LstmStepCache } from '../layers/lstm';
import type { RnnStepCache, StepObserver } from '../layers/rnn';
import { matmulNT, matmulTN, sliceTime, sumRows, writeTime } from '../ops';
import { expectShape, type Tensor } from '../tensor';

export interface RnnBugs {
  /** next_h = tanh(a), but da = dnext_h (the (1 − h²) factor dropped). */
  dropTanh?: boolean;
  /** dWh = (last step seen) instead of += over time, so only step 0's term survives. */
  assignWh?: boolean;
  /** The upstream dh[:, t] is only used at the last step; earlier steps see the carried gradient alone. */
  noUpstream?: boolean;
  /** Step t receives dprev_h of step t+2 instead of t+1 (the carry is updated one iteration late). */
  staleCarry?: boolean;
}

export interface LstmBugs {
  /** da written in gate order i, f, g, o while the forward reads i, f, o, g. */
  swapOG?: boolean;
  /** da_f = dc · f(1 − f), the prev_c factor missing. */
  forgetNoCell?: boolean;
}

/** da, dx and dprev_h of one RNN step. */
function rnnStepGrads(dnext: Float64Array, c: RnnStepCache, bugs: RnnBugs): { da: Float64Array; dx: Float64Array; dprevH: Float64Array } {
  const da = new Float64Array(dnext.length);
  if (bugs.dropTanh) da.set(dnext);
  else for (let i = 0; i < da.length; i++) da[i] = dnext[i] * (1 - c.nextH[i] * c.nextH[i]);
  return { da, dx: matmulNT(da, c.Wx.data, c.n, c.h, c.d), dprevH: matmulNT(da, c.Wh.data, c.n, c.h, c.h) };
}

export function rnnStepBackwardWith(bugs: RnnBugs): LayerImpl['rnnStepBackward'] {
  return (dnextH, cache) => {
    const { n, d, h } = cache;
    expectShape('rnn_step_backward', 'dnext_h', dnextH, [n, h]);
    const g = rnnStepGrads(dnextH.data, cache, bugs);
    return {
      dx: { shape: [n, d], data: g.dx },
      dprevH: { shape: [n, h], data: g.dprevH },
      dWx: { shape: [d, h], data: matmulTN(cache.x, g.da, n, d, h) },
      dWh: { shape: [h, h], data: matmulTN(cache.prevH, g.da, n, h, h) },
      db: { shape: [h], data: sumRows(g.da, n, h) },
    };
  };
}

export function rnnBackwardWith(bugs: RnnBugs): LayerImpl['rnnBackward'] {
  return (dh, cache, observe?: StepObserver) => {
    const { steps, n, t, d, h } = cache;
    expectShape('rnn_backward', 'dh', dh, [n, t, h]);
    const dx = new Float64Array(n * t * d);
    const dWx = new Float64Array(d * h);
    let dWh: Float64Array = new Float64Array(h * h);
    const db = new Float64Array(h);
    let carry: Float64Array = new Float64Array(n * h);
    let lateCarry: Float64Array = new Float64Array(n * h);
    for (let s = t - 1; s >= 0; s--) {
      const cur = bugs.noUpstream && s < t - 1 ? new Float64Array(n * h) : sliceTime(dh.data, n, s, t, h);
      const incoming = bugs.staleCarry ? lateCarry : carry;
      for (let i = 0; i < cur.length; i++) cur[i] += incoming[i];
      const c = steps[s];
      const g = rnnStepGrads(cur, c, bugs);
      writeTime(dx, n, s, t, d, g.dx);
      matmulTN(c.x, g.da, n, d, h, dWx, true);
      if (bugs.assignWh) dWh = matmulTN(c.prevH, g.da, n, h, h);
      else matmulTN(c.prevH, g.da, n, h, h, dWh, true);
      sumRows(g.da, n, h, db);
      observe?.(s, { dh: cur, dx: g.dx, da: g.da, x: c.x, prevH: c.prevH });
      lateCarry = carry;
      carry = g.dprevH;
    }
    return {
      dx: { shape: [n, t, d], data: dx },
      dh0: { shape: [n, h], data: bugs.staleCarry ? lateCarry : carry },
      dWx: { shape: [d, h], data: dWx },
      dWh: { shape: [h, h], data: dWh },
      db: { shape: [h], data: db },
    };
  };
}

/** da (N, 4H), dx, dprev_h and dprev_c of one LSTM step. */
function lstmStepGrads(dnextH: Float64Array, dnextC: Float64Array, c: LstmStepCache, bugs: LstmBugs): { da: Float64Array; dx: Float64Array; dprevH: Float64Array; dprevC: Float64Array } {
  const { n, d, h, gates } = c;
  const da = new Float64Array(n * 4 * h);
  const dprevC = new Float64Array(n * h);
  const [oBlock, gBlock] = bugs.swapOG ? [3, 2] : [2, 3];
  for (let r = 0; r < n; r++) {
    const ra = r * 4 * h;
    for (let j = 0; j < h; j++) {
      const k = r * h + j;
      const gi = gates.i[k];
      const gf = gates.f[k];
      const go = gates.o[k];
      const gg = gates.g[k];
      const tc = c.tanhC[k];
      const dc = dnextC[k] + dnextH[k] * go * (1 - tc * tc);
      dprevC[k] = dc * gf;
      da[ra + j] = dc * gg * gi * (1 - gi);
      da[ra + h + j] = dc * (bugs.forgetNoCell ? 1 : c.prevC[k]) * gf * (1 - gf);
      da[ra + oBlock * h + j] = dnextH[k] * tc * go * (1 - go);
      da[ra + gBlock * h + j] = dc * gi * (1 - gg * gg);
    }
  }
  return { da, dx: matmulNT(da, c.Wx.data, n, 4 * h, d), dprevH: matmulNT(da, c.Wh.data, n, 4 * h, h), dprevC };
}

export function lstmStepBackwardWith(bugs: LstmBugs): LayerImpl['lstmStepBackward'] {
  return (dnextH, dnextC, cache) => {
    const { n, d, h } = cache;
    expectShape('lstm_step_backward', 'dnext_h', dnextH, [n, h]);
    expectShape('lstm_step_backward', 'dnext_c', dnextC, [n, h]);
    const g = lstmStepGrads(dnextH.data, dnextC.data, cache, bugs);
    return {
      dx: { shape: [n, d], data: g.dx },
      dprevH: { shape: [n, h], data: g.dprevH },
      dprevC: { shape: [n, h], data: g.dprevC },
      dWx: { shape: [d, 4 * h], data: matmulTN(cache.x, g.da, n, d, 4 * h) },
      dWh: { shape: [h, 4 * h], data: matmulTN(cache.prevH, g.da, n, h, 4 * h) },
      db: { shape: [4 * h], data: sumRows(g.da, n, 4 * h) },
    };
  };
}

export function lstmBackwardWith(bugs: LstmBugs): LayerImpl['lstmBackward'] {
  return (dh: Tensor, cache, observe?: StepObserver) => {
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
      const g = lstmStepGrads(cur, carryC, c, bugs);
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
  };
}
