/**
 * Gradient flow through time. A synthetic task: T random inputs, h0 = 0, a loss at the last step
 * only, Wh with a chosen spectral radius ρ (ρ times a random orthogonal matrix, so every
 * eigenvalue has modulus exactly ρ). ‖∂L/∂h_t‖ for every t then shows how a gradient shrinks
 * (ρ small, or tanh saturated) or grows (ρ large) on its way back to the start, for the RNN and
 * the LSTM side by side. The same for a real caption through CaptioningModel.trace().
 */
import { REFERENCE_LAYERS } from '../layers/index';
import type { CaptioningModel } from '../model';
import { Rng } from '../random';
import type { IntTensor, Tensor } from '../tensor';
import type { FlowSeries, FlowResult, FlowGrid, CaptionFlow } from './types';
export type { FlowSeries, FlowResult, FlowGrid, CaptionFlow };

export interface FlowOptions {
  T: number;
  /** Spectral radius of Wh (of each gate block for the LSTM). */
  rho: number;
  hidden?: number;
  input?: number;
  /** Scale of the inputs x_t (standard deviation). */
  inputScale?: number;
  /** Bias of the LSTM forget gate (1 is the usual initialisation; 0 halves the cell every step). */
  forgetBias?: number;
  seed?: number;
}



/** A random orthogonal n×n matrix (Gram–Schmidt on Gaussian columns), row-major. */
export function randomOrthogonal(n: number, rng: Rng): Float64Array {
  const q = new Float64Array(n * n);
  const col = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    for (;;) {
      for (let i = 0; i < n; i++) col[i] = rng.normal();
      for (let k = 0; k < j; k++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += col[i] * q[i * n + k];
        for (let i = 0; i < n; i++) col[i] -= d * q[i * n + k];
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += col[i] * col[i];
      norm = Math.sqrt(norm);
      if (norm > 1e-8) {
        for (let i = 0; i < n; i++) q[i * n + j] = col[i] / norm;
        break;
      }
    }
  }
  return q;
}

const l2 = (a: Float64Array): number => Math.sqrt(a.reduce((s, v) => s + v * v, 0));

/** One synthetic run of both cells. N = 1; the last step's upstream gradient is a fixed unit vector. */
export function gradientFlow(o: FlowOptions): FlowResult {
  const T = Math.round(o.T);
  if (!(T >= 1 && T <= 1000)) throw new Error(`T must be an integer in [1, 1000], got ${o.T}`);
  if (!(o.rho >= 0 && Number.isFinite(o.rho))) throw new Error(`the spectral radius must be a finite number ≥ 0, got ${o.rho}`);
  const H = o.hidden ?? 32;
  const D = o.input ?? 8;
  const rng = new Rng(o.seed ?? 231);
  const xs: Tensor = { shape: [1, T, D], data: rng.normals(T * D, o.inputScale ?? 1) };
  const Wx1 = rng.normals(D * H, 1 / Math.sqrt(D));
  const Q = randomOrthogonal(H, rng);
  const up = rng.normals(H);
  const un = l2(up);
  for (let i = 0; i < H; i++) up[i] /= un;
  const dh: Tensor = { shape: [1, T, H], data: new Float64Array(T * H) };
  dh.data.set(up, (T - 1) * H);
  const h0: Tensor = { shape: [1, H], data: new Float64Array(H) };

  const series = (): FlowSeries => ({ dh: new Array<number>(T).fill(0), dx: new Array<number>(T).fill(0), meanAbsH: new Array<number>(T).fill(0) });
  const meanAbs = (h: Float64Array, s: FlowSeries) => {
    for (let t = 0; t < T; t++) {
      let m = 0;
      for (let j = 0; j < H; j++) m += Math.abs(h[t * H + j]);
      s.meanAbsH[t] = m / H;
    }
  };

  // RNN: Wh = ρ·Q.
  const rnn = series();
  {
    const Wh: Tensor = { shape: [H, H], data: Q.map((v) => v * o.rho) };
    const f = REFERENCE_LAYERS.rnnForward(xs, h0, { shape: [D, H], data: Wx1 }, Wh, { shape: [H], data: new Float64Array(H) });
    meanAbs(f.h.data, rnn);
    REFERENCE_LAYERS.rnnBackward(dh, f.cache, (t, s) => {
      rnn.dh[t] = l2(s.dh);
      rnn.dx[t] = l2(s.dx);
    });
  }
  // LSTM: every gate block of Wh is ρ·Q; Wx repeats the RNN's input weights per gate.
  const lstm = series();
  {
    const G = 4 * H;
    const Wh = new Float64Array(H * G);
    const Wx = new Float64Array(D * G);
    for (let r = 0; r < H; r++) for (let k = 0; k < 4; k++) for (let c = 0; c < H; c++) Wh[r * G + k * H + c] = o.rho * Q[r * H + c];
    for (let r = 0; r < D; r++) for (let k = 0; k < 4; k++) for (let c = 0; c < H; c++) Wx[r * G + k * H + c] = Wx1[r * H + c];
    const b = new Float64Array(G);
    b.fill(o.forgetBias ?? 1, H, 2 * H);
    const f = REFERENCE_LAYERS.lstmForward(xs, h0, { shape: [D, G], data: Wx }, { shape: [H, G], data: Wh }, { shape: [G], data: b });
    meanAbs(f.h.data, lstm);
    REFERENCE_LAYERS.lstmBackward(dh, f.cache, (t, s) => {
      lstm.dh[t] = l2(s.dh);
      lstm.dx[t] = l2(s.dx);
    });
  }
  return { T, rho: o.rho, rnn, lstm };
}

export const FLOW_TS: readonly number[] = [10, 25, 50, 100, 150, 200];
export const FLOW_RHOS: readonly number[] = Array.from({ length: 13 }, (_, i) => Math.round((0.25 + i * 0.25) * 100) / 100);


/** Every (T, ρ) of the sliders, computed once so moving a slider needs no round trip. */
export function gradientFlowGrid(opts: { Ts?: readonly number[]; rhos?: readonly number[]; hidden?: number; forgetBias?: number; seed?: number } = {}): FlowGrid {
  const Ts = [...(opts.Ts ?? FLOW_TS)];
  const rhos = [...(opts.rhos ?? FLOW_RHOS)];
  const hidden = opts.hidden ?? 32;
  const forgetBias = opts.forgetBias ?? 1;
  const runs = Ts.map((T) => rhos.map((rho) => gradientFlow({ T, rho, hidden, forgetBias, seed: opts.seed })));
  return { Ts, rhos, runs, hidden, forgetBias };
}


/** Gradient flow on one caption of a dataset: the models' trace() for both cells. */
export function captionFlow(models: { rnn: CaptioningModel; lstm: CaptioningModel }, features: Tensor, captions: IntTensor, idxToWord: readonly string[]): CaptionFlow {
  const r = models.rnn.trace(features, captions, 0);
  const l = models.lstm.trace(features, captions, 0);
  const pick = (t: typeof r) => ({ dh: t.dhNorm, dx: t.dxNorm, dWh: t.dWhNorm, dWx: t.dWxNorm });
  return { words: r.inputWords.map((i) => idxToWord[i] ?? `#${i}`), mask: r.mask, rnn: pick(r), lstm: pick(l) };
}
