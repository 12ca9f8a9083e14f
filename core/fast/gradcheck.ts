/**
 * The full numerical gradient check of the captioning model on the fast engine: centred differences
 * for every element of every parameter (CS231n eval_numerical_gradient with step h), compared with
 * the analytic gradients by rel_error.
 *
 * Instead of one forward pass per perturbed point, P perturbed copies of the model run as one batch
 * of P·N rows (float64). Every perturbation of one parameter element is a rank-one change that is
 * added where the element enters: W_proj/b_proj into h0, Wx/b/W_embed into the input term of each
 * step, Wh into each step's recurrent term (δ·h_{t-1}[:, i] into column j), W_vocab/b_vocab into the
 * scores. The recurrence itself is recomputed for every copy (it is nonlinear), as one GEMM of P·N
 * rows per step. The result is the same centred difference as perturbing the parameter and calling
 * loss() twice (equal up to rounding: see test/wasm/fastGradcheck.test.ts).
 */
import { relError } from '../gradcheck';
import { PARAM_NAMES, type ModelParams, type ParamName } from '../model';
import { expectRank, ShapeError, type IntTensor, type Tensor } from '../tensor';
import type { FastCaptioningModel } from './model';

export interface FastGradCheckResult {
  analytic: ModelParams;
  numerical: Record<ParamName, Float64Array>;
  relErrors: Record<ParamName, number>;
  worstRelError: number;
  /** Loss evaluations the check stands for (2 per parameter element). */
  lossEvaluations: number;
}

export interface FastGradCheckOptions {
  /** Perturbed copies per batch (default: enough for about 480 rows). */
  copies?: number;
  /** Evaluate point by point with lossOnly() instead of batching (slow; for cross-checks). */
  naive?: boolean;
}

interface Pert { name: ParamName; e: number; delta: number }

export function fastGradCheck(model: FastCaptioningModel, features: Tensor, captions: IntTensor, h = 1e-6, opts: FastGradCheckOptions = {}): FastGradCheckResult {
  const { grads } = model.loss(features, captions);
  const numerical = {} as Record<ParamName, Float64Array>;
  for (const name of PARAM_NAMES) numerical[name] = new Float64Array(model.params[name].data.length);
  let evals = 0;
  if (opts.naive) {
    for (const name of PARAM_NAMES) {
      const x = model.params[name].data;
      for (let i = 0; i < x.length; i++) {
        const old = x[i];
        x[i] = old + h;
        const fp = model.lossOnly(features, captions);
        x[i] = old - h;
        const fm = model.lossOnly(features, captions);
        x[i] = old;
        numerical[name][i] = (fp - fm) / (2 * h);
        evals += 2;
      }
    }
  } else {
    evals = batchedNumericalGradients(model, features, captions, h, numerical, opts.copies);
  }
  const relErrors = {} as Record<ParamName, number>;
  let worst = 0;
  for (const name of PARAM_NAMES) {
    relErrors[name] = relError(numerical[name], grads[name].data);
    worst = Math.max(worst, relErrors[name]);
  }
  return { analytic: grads, numerical, relErrors, worstRelError: worst, lossEvaluations: evals };
}

function batchedNumericalGradients(model: FastCaptioningModel, features: Tensor, captions: IntTensor, h: number,
  numerical: Record<ParamName, Float64Array>, copies?: number): number {
  const e = model.engine;
  const p = model.params;
  const N = features.shape[0];
  expectRank('gradcheck', 'features', features, 2);
  expectRank('gradcheck', 'captions', captions, 2);
  const tp1 = captions.shape[1];
  if (captions.shape[0] !== N) throw new ShapeError(`gradcheck: features ${N} rows but captions ${captions.shape[0]} rows`);
  const T = tp1 - 1;
  const D = model.inputDim, W = model.wordvecDim, H = model.hiddenDim, V = model.vocabSize;
  const lstm = model.cellType === 'lstm';
  const G = lstm ? 4 * H : H;
  const P = Math.max(1, copies ?? Math.max(2, Math.round(480 / N / 2) * 2));
  const PN = P * N;
  // Parameters as engine arrays (copied if the caller's tensors live elsewhere).
  const owned: Float64Array[] = [];
  const par = {} as Record<ParamName, Float64Array>;
  for (const name of PARAM_NAMES) {
    const d = p[name].data;
    if (e.owns(d)) par[name] = d;
    else {
      par[name] = e.f64(d.length);
      par[name].set(d);
      owned.push(par[name]);
    }
  }
  const ptr = (a: Float64Array | Int32Array) => e.ptr(a);
  const gemm = (M: number, Nn: number, K: number, A: number, B: number, C: number, beta: 0 | 1) =>
    e.gemmRaw('f64', false, false, M, Nn, K, A, K, B, Nn, C, Nn, beta);
  const k = (name: string) => e.kernel(name, 'f64');

  // Shared, unperturbed quantities.
  const F = e.f64(N * D);
  F.set(features.data);
  const idx = new Int32Array(T * N);
  const yT = e.i32(T * PN), maskT = e.i32(T * PN);
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < T; t++) {
      const win = captions.data[n * tp1 + t], wout = captions.data[n * tp1 + t + 1];
      if (!(win >= 0 && win < V) || !(wout >= 0 && wout < V)) throw new ShapeError(`gradcheck: caption word at [${n}, ${t}] is outside [0, ${V})`);
      idx[t * N + n] = win;
      for (let c = 0; c < P; c++) {
        yT[(t * P + c) * N + n] = wout;
        maskT[(t * P + c) * N + n] = wout !== model.nullIdx ? 1 : 0;
      }
    }
  }
  const idxW = e.i32(T * N);
  idxW.set(idx);
  const X = e.f64(T * N * W);
  k('gather_rows')(ptr(X), ptr(par.W_embed), ptr(idxW), T * N, W);
  const XW = e.f64(T * N * G); // x·Wx + b per step, (T, N, G)
  k('fill_rows')(ptr(XW), T * N, G, ptr(par.b));
  gemm(T * N, G, W, ptr(X), ptr(par.Wx), ptr(XW), 1);
  const H0 = e.f64(N * H);
  k('fill_rows')(ptr(H0), N, H, ptr(par.b_proj));
  gemm(N, H, D, ptr(F), ptr(par.W_proj), ptr(H0), 1);

  // Batch buffers.
  const Hb = e.f64((T + 1) * PN * H); // slot t = h_t for all copies, rows (copy, n)
  const A = e.f64(PN * G);
  const C0 = lstm ? e.f64(PN * H) : undefined, C1 = lstm ? e.f64(PN * H) : undefined, TC = lstm ? e.f64(PN * H) : undefined;
  const S = e.f64(T * PN * V);
  const rowLoss = e.f64(T * PN);
  const fillRows = k('fill_rows');
  const Fd = F, Xd = X, WxD = par.Wx;

  // All perturbations, ±h in adjacent copies.
  const perts: Pert[] = [];
  for (const name of PARAM_NAMES) for (let i = 0; i < par[name].length; i++) perts.push({ name, e: i, delta: h }, { name, e: i, delta: -h });
  const losses = new Float64Array(perts.length);

  for (let b0 = 0; b0 < perts.length; b0 += P) {
    const batch = perts.slice(b0, b0 + P);
    // h0 for every copy, then W_proj / b_proj corrections.
    for (let c = 0; c < P; c++) Hb.set(H0, c * N * H);
    batch.forEach((q, c) => {
      if (q.name === 'W_proj') {
        const i = Math.floor(q.e / H), j = q.e % H;
        for (let n = 0; n < N; n++) Hb[(c * N + n) * H + j] += q.delta * Fd[n * D + i];
      } else if (q.name === 'b_proj') {
        for (let n = 0; n < N; n++) Hb[(c * N + n) * H + q.e] += q.delta;
      }
    });
    if (lstm) C0!.fill(0);
    let cPrev = C0!, cNext = C1!;
    for (let t = 0; t < T; t++) {
      const xw = XW.subarray(t * N * G, (t + 1) * N * G);
      for (let c = 0; c < P; c++) A.set(xw, c * N * G);
      const hPrevOff = t * PN * H;
      batch.forEach((q, c) => {
        const rowA = c * N * G;
        switch (q.name) {
          case 'Wx': {
            const i = Math.floor(q.e / G), j = q.e % G;
            for (let n = 0; n < N; n++) A[rowA + n * G + j] += q.delta * Xd[(t * N + n) * W + i];
            break;
          }
          case 'b':
            for (let n = 0; n < N; n++) A[rowA + n * G + q.e] += q.delta;
            break;
          case 'W_embed': {
            const w = Math.floor(q.e / W), j = q.e % W;
            for (let n = 0; n < N; n++) {
              if (idx[t * N + n] !== w) continue;
              const ra = rowA + n * G;
              for (let g = 0; g < G; g++) A[ra + g] += q.delta * WxD[j * G + g];
            }
            break;
          }
          case 'Wh': {
            const i = Math.floor(q.e / G), j = q.e % G;
            for (let n = 0; n < N; n++) A[rowA + n * G + j] += q.delta * Hb[hPrevOff + (c * N + n) * H + i];
            break;
          }
          default:
            break;
        }
      });
      gemm(PN, G, H, ptr(Hb) + hPrevOff * 8, ptr(par.Wh), ptr(A), 1);
      const hNext = ptr(Hb) + (t + 1) * PN * H * 8;
      const pa = ptr(A);
      if (lstm) {
        const pc = ptr(cPrev), pcn = ptr(cNext), ptc = ptr(TC!);
        e.callRows('lstm_fwd', 'f64', PN, Math.ceil(2048 / H), (r0, r1) =>
          [pa + r0 * G * 8, pc + r0 * H * 8, pcn + r0 * H * 8, ptc + r0 * H * 8, hNext + r0 * H * 8, r1 - r0, H]);
        [cPrev, cNext] = [cNext, cPrev];
      } else {
        e.callRows('tanh', 'f64', PN, Math.ceil(8192 / H), (r0, r1) => [hNext + r0 * H * 8, pa + r0 * H * 8, (r1 - r0) * H]);
      }
    }
    // Scores for every step and copy, vocabulary corrections, per-row losses.
    fillRows(ptr(S), T * PN, V, ptr(par.b_vocab));
    gemm(T * PN, V, H, ptr(Hb) + PN * H * 8, ptr(par.W_vocab), ptr(S), 1);
    batch.forEach((q, c) => {
      if (q.name === 'W_vocab') {
        const i = Math.floor(q.e / V), j = q.e % V;
        for (let t = 0; t < T; t++) {
          for (let n = 0; n < N; n++) {
            const r = t * PN + c * N + n;
            S[r * V + j] += q.delta * Hb[PN * H + r * H + i];
          }
        }
      } else if (q.name === 'b_vocab') {
        for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) S[(t * PN + c * N + n) * V + q.e] += q.delta;
      }
    });
    const ps = ptr(S), py = ptr(yT), pm = ptr(maskT), pl = ptr(rowLoss);
    e.callRows('softmax_rows_loss', 'f64', T * PN, Math.ceil(32768 / V), (r0, r1) => [ps + r0 * V * 8, py + r0 * 4, pm + r0 * 4, r1 - r0, V, pl + r0 * 8]);
    for (let c = 0; c < batch.length; c++) {
      let s = 0;
      for (let n = 0; n < N; n++) for (let t = 0; t < T; t++) s += rowLoss[t * PN + c * N + n];
      losses[b0 + c] = s / N;
    }
  }
  for (let i = 0; i < perts.length; i += 2) {
    const q = perts[i];
    numerical[q.name][q.e] = (losses[i] - losses[i + 1]) / (2 * h);
  }
  for (const a of [F, yT, maskT, idxW, X, XW, H0, Hb, A, C0, C1, TC, S, rowLoss, ...owned]) if (a) e.release(a);
  return perts.length;
}
