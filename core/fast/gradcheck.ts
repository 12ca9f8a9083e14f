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
import type { KernelExports, WasmEngine } from '../wasm/engine';
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


/**
 * Why a float32 gradient check fails the float64 thresholds (shown with the float32 exploration):
 * the check divides a loss difference by 2h, so the loss's rounding error is amplified by 1/(2h).
 */
export const FLOAT32_CHECK_NOTE =
  'float32 keeps about 7 significant digits (machine epsilon 1.2e-7). A loss near 10 is rounded to within ' +
  '~1e-6, and the centred difference (f(x+h) - f(x-h)) / 2h with h = 1e-6 turns that into an error of order 1 ' +
  'in every numerical derivative; a larger h trades it for truncation error O(h²). The analytic float32 ' +
  'gradients are fine (scaled error ~1e-6 against float64), but rel_error against the numerical ones lands ' +
  'around 1e-2..1, far above the 1e-7 / 1e-4 thresholds, which assume float64 (epsilon 2.2e-16).';

export function fastGradCheck(model: FastCaptioningModel, features: Tensor, captions: IntTensor, h = 1e-6, opts: FastGradCheckOptions = {}): FastGradCheckResult {
  const { grads } = model.loss(features, captions);
  // The batched evaluation is float64 only; a float32 model is checked point by point (an exploration:
  // see FLOAT32_CHECK_NOTE).
  if (model.dtype === 'f32') opts = { ...opts, naive: true };
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

/** Job id of a gradient-check batch run on the helper thread (see runtime/gemmWorker.ts). */
export const GRADCHECK_JOB = 1;

// Layout of the job descriptor (a Float64Array in wasm memory; pointers are byte offsets).
const D_N = 0, D_T = 1, D_D = 2, D_W = 3, D_H = 4, D_V = 5, D_P = 6, D_LSTM = 7, D_STEP = 8, D_NPERT = 9;
const D_F = 10, D_X = 11, D_XW = 12, D_H0 = 13, D_IDX = 14, D_Y = 15, D_MASK = 16, D_PERT = 17, D_LOSS = 18, D_NEXT = 19;
const D_PAR = 20; // 8 parameter pointers in PARAM_NAMES order
const D_VP = 28, D_WVP = 29, D_BVP = 30; // padded vocabulary width, W_vocab (packed) and b_vocab padded to it
const D_WHP = 31, D_GP = 38; // Wh packed once (packB_full_f64), rows of Gp = G rounded up to 4
const D_A0 = 32; // h0·Wh of the unperturbed h0, (N, G)
const D_HB0 = 33; // the unperturbed hidden states h_0..h_T, (T+1, N, H)
const D_KT = 34; // i32 T: samples still needed at step t
const D_LAST = 35; // i32 N: last unmasked step of the sample at each position (−1: none)
const D_POS = 36; // i32 N: position of caption row n in the batch layout
const D_RS = 37; // i32 P·N: sample position of each batch row (r → ⌊r/P⌋)
const D_CB1 = 39; // the unperturbed c_1 (LSTM), (N, H)
// The near-base step kernels' tables (tanh_near_f64, lstm_near_f64): per step t, nearTables' rows.
const D_CO = 40;
const D_THREADS = 44;
const D_AH = 45; // the unperturbed h_1·Wh, (N, G)
const D_ORDER = 46; // i32: the order batches are taken in (see batchOrder)
const D_NEARLY = 47; // the first D_NEARLY entries of the order: each thread's own early batches
const D_BUF = 48; // per thread: Hb, A, C0, C1, -, S, rowLoss, ws (8 slots each)
const descLength = (threads: number) => D_BUF + 8 * threads;

/** The views a thread needs on one job, rebuilt from the descriptor (works on either thread). */
function views(buf: ArrayBufferLike, d: Float64Array, slot: number) {
  const f64 = (p: number, n: number) => new Float64Array(buf, p, n);
  const i32 = (p: number, n: number) => new Int32Array(buf, p, n);
  const N = d[D_N], T = d[D_T], D = d[D_D], W = d[D_W], H = d[D_H], V = d[D_V], P = d[D_P];
  const lstm = d[D_LSTM] === 1;
  const G = lstm ? 4 * H : H;
  const PN = P * N;
  const b = D_BUF + 8 * slot;
  const par = {} as Record<ParamName, number>;
  PARAM_NAMES.forEach((name, i) => (par[name] = d[D_PAR + i]));
  return {
    N, T, D, W, H, V, P, G, PN, lstm, step: d[D_STEP], nPert: d[D_NPERT], par, Vp: d[D_VP], WvP: d[D_WVP], bvP: d[D_BVP],
    WhP: d[D_WHP], Gp: d[D_GP], CB1: d[D_CB1], CO: d[D_CO], AH1: f64(d[D_AH], N * G), Wh: f64(par.Wh, H * G), HB1: f64(d[D_HB0] + N * H * 8, N * H), A0: d[D_A0], HB0: d[D_HB0], kt: i32(d[D_KT], T), last: i32(d[D_LAST], N), pos: i32(d[D_POS], N), rs: d[D_RS],
    F: f64(d[D_F], N * D), X: f64(d[D_X], T * N * W), XW: f64(d[D_XW], T * N * G), H0: f64(d[D_H0], N * H),
    idx: i32(d[D_IDX], T * N), yT: d[D_Y], maskT: d[D_MASK], pert: i32(d[D_PERT], 2 * d[D_NPERT]),
    losses: f64(d[D_LOSS], d[D_NPERT]), next: i32(d[D_NEXT], 1), nEarly: d[D_NEARLY], threads: d[D_THREADS],
    order: i32(d[D_ORDER], d[D_NEARLY] + Math.ceil(d[D_NPERT] / P)),
    Wx: f64(par.Wx, W * G),
    Hb: f64(d[b], (T + 1) * PN * H), A: f64(d[b + 1], PN * G), C0: d[b + 2], C1: d[b + 3],
    S: f64(d[b + 5], T * PN * d[D_VP]), rowLoss: f64(d[b + 6], T * PN), ws: d[b + 7],
  };
}

/**
 * One step's nonlinearity over the first `samples` sample positions of a layout with `reps` rows per
 * sample (row r belongs to sample ⌊r/reps⌋, whose input term x_t·Wx + b is row ⌊r/reps⌋ of xw).
 * Row by row the same arithmetic whatever the layout, so results do not depend on where a row sits.
 */
function stepNonlinearity(k: KernelExports, lstm: boolean, samples: number, reps: number, H: number, G: number,
  pA: number, xw: number, cPrev: number, cNext: number, hNext: number): void {
  if (samples === 0) return;
  if (reps === 1) {
    if (lstm) (k.lstm_fwd_fast_addp_f64 as Kern)(pA, xw, samples, cPrev, cNext, hNext, samples, H);
    else (k.tanh_addp_f64 as Kern)(hNext, pA, xw, samples, H, samples);
    return;
  }
  for (let s = 0; s < samples; s++) {
    const r0 = s * reps;
    if (lstm) (k.lstm_fwd_fast_addp_f64 as Kern)(pA + r0 * G * 8, xw + s * G * 8, 1, cPrev + r0 * H * 8, cNext + r0 * H * 8, hNext + r0 * H * 8, reps, H);
    else (k.tanh_addp_f64 as Kern)(hNext + r0 * H * 8, pA + r0 * G * 8, xw + s * G * 8, reps, H, 1);
  }
}
type Kern = (...a: number[]) => number;

/** Values per sample and hidden unit in one step's near-base table: RNN 6, LSTM 30 (see nearTables). */
export const NEAR_WIDTH_RNN = 6, NEAR_WIDTH_LSTM = 30;

/** tanh's value t and Taylor coefficients tanh⁽ᵏ⁾/k! (k = 1..4) where tanh = t, H apart from co[o]. */
function tanhTaylor(co: Float64Array, o: number, H: number, t: number): void {
  const t2 = t * t, p = 1 - t2, u = 3 * t2;
  co[o] = t;
  co[o + H] = p;
  co[o + 2 * H] = -t * p;
  co[o + 3 * H] = (-p * (1 - u)) / 3;
  co[o + 4 * H] = (t * p * (2 - u)) / 3;
}

/** The same for the logistic σ where σ = s. */
function sigTaylor(co: Float64Array, o: number, H: number, s: number): void {
  const q = s * (1 - s), w = 1 - 2 * s;
  co[o] = s;
  co[o + H] = q;
  co[o + 2 * H] = (q * w) / 2;
  co[o + 3 * H] = (q * (1 - 6 * q)) / 6;
  co[o + 4 * H] = (q * w * (1 - 12 * q)) / 24;
}

/**
 * One step's table for the near-base kernels (tanh_near_f64, lstm_near_f64), N samples, written to
 * co from offset o.
 * RNN (6·H per sample): the unperturbed h·Wh (ah, N×H), then tanh's value and coefficients 1..4 at
 * the unperturbed pre-activation (act: tanh of it, N×H).
 * LSTM (30·H per sample): ah (N×4H), the unperturbed c (N×H), then for the gates i, f, o (σ) and g
 * (tanh) (act: the activated gates, N×4H) and for tanh(c) (tc, N×H) the value and coefficients 1..4.
 */
export function nearTables(lstm: boolean, co: Float64Array, o: number, ah: Float64Array, act: Float64Array, c: Float64Array, tc: Float64Array, N: number, H: number): void {
  for (let s = 0; s < N; s++) {
    if (!lstm) {
      const b = o + s * NEAR_WIDTH_RNN * H;
      for (let j = 0; j < H; j++) {
        co[b + j] = ah[s * H + j];
        tanhTaylor(co, b + H + j, H, act[s * H + j]);
      }
      continue;
    }
    const b = o + s * NEAR_WIDTH_LSTM * H;
    for (let j = 0; j < 4 * H; j++) co[b + j] = ah[s * 4 * H + j];
    for (let j = 0; j < H; j++) {
      co[b + 4 * H + j] = c[s * H + j];
      for (let g = 0; g < 4; g++) {
        const x = act[s * 4 * H + g * H + j], at = b + 5 * H + 5 * g * H + j;
        if (g < 3) sigTaylor(co, at, H, x);
        else tanhTaylor(co, at, H, x);
      }
      tanhTaylor(co, b + 25 * H + j, H, tc[s * H + j]);
    }
  }
}

/**
 * A[r, :] += (Hb[off + r, u] − base[s, u])·Wh[u, :] for the rows r = s·P + c (s < samples) of copy c:
 * the product h·Wh of a copy whose h differs from the unperturbed `base` in column u only, given the
 * unperturbed product in A.
 */
function rankOne(A: Float64Array, Hb: Float64Array, base: Float64Array, Wh: Float64Array, samples: number, P: number, c: number, u: number, G: number, H: number, off: number): void {
  const w = u * G;
  for (let s = 0; s < samples; s++) {
    const r = s * P + c;
    const dh = Hb[off + r * H + u] - base[s * H + u];
    if (dh === 0) continue;
    const ra = r * G;
    for (let g = 0; g < G; g++) A[ra + g] += dh * Wh[w + g];
  }
}

/**
 * Evaluates batches of perturbed losses until the shared batch counter runs out. Single-threaded
 * kernels only: each thread runs whole batches on its own buffers.
 *
 * Batch layout: row r = s·P + c is sample position s (samples sorted by their last unmasked step,
 * longest first) of perturbed copy c. At step t only the first kt[t]·P rows are computed: a sample
 * whose remaining targets are all masked cannot change the loss (its later rows would add exact zeros),
 * and a row's values do not depend on which other rows are in the product, so the losses are
 * bit-identical to computing every row.
 */
export function runGradcheckBatches(k: KernelExports, buf: ArrayBufferLike, descPtr: number, slot: number): void {
  const v = views(buf, new Float64Array(buf, descPtr, descLength(new Float64Array(buf, descPtr, D_BUF)[D_THREADS])), slot);
  const x = batchContext(k, buf, v);
  const { nEarly, threads, order } = v;
  const end = nEarly + Math.ceil(v.nPert / v.P);
  // One call per batch: a small hot function that V8 optimises once and keeps (on either thread),
  // rather than one long loop that each gradient check would start again in the interpreter.
  // First this thread's own early batches (one of each kind, see batchOrder), then the shared rest.
  for (let i = slot; i < nEarly; i += threads) if (order[i] >= 0) runBatch(v, x, order[i]);
  for (;;) {
    const i = nEarly + Atomics.add(v.next, 0, 1);
    if (i >= end || order[i] < 0) break;
    runBatch(v, x, order[i]);
  }
}

/** Kernels, pointers and scratch arrays of one thread's batch run. */
function batchContext(k: KernelExports, buf: ArrayBufferLike, v: ReturnType<typeof views>) {
  const { P, Hb, A, S, rowLoss, T, kt } = v;
  const names = PARAM_NAMES;
  return {
    k, buf,
    gemmPD: k.gemm_pd_f64 as Kern, rowsLoss: k.rows_loss_bias_f64 as Kern, gather: k.gather_rows_f64 as Kern,
    unitLstm: k.lstm_fwd_fast_addp_unit_f64 as Kern, colTanh: k.tanh_addp_col_f64 as Kern,
    tanhNear: k.tanh_near_f64 as Kern, lstmNear: k.lstm_near_f64 as Kern,
    pHb: Hb.byteOffset, pA: A.byteOffset, pS: S.byteOffset, pRL: rowLoss.byteOffset,
    pWproj: names.indexOf('W_proj'), pbproj: names.indexOf('b_proj'), pWvocab: names.indexOf('W_vocab'), pbvocab: names.indexOf('b_vocab'),
    pWx: names.indexOf('Wx'), pb: names.indexOf('b'), pWembed: names.indexOf('W_embed'), pWh: names.indexOf('Wh'),
    qa: new Int32Array(P), ea: new Int32Array(P), ia: new Int32Array(P), ja: new Int32Array(P), da: new Float64Array(P),
    unit: new Int32Array(P), kt0: T > 0 ? kt[0] : 0,
  };
}

/** One batch: the losses of perturbations bi·P … bi·P + P − 1 (see runGradcheckBatches). */
function runBatch(v: ReturnType<typeof views>, x: ReturnType<typeof batchContext>, bi: number): void {
  const { N, T, D, W, H, V, Vp, P, G, PN, lstm, F, X, XW, H0, idx, pert, losses, Wx, Wh, Hb, A, S, rowLoss, kt, last, pos } = v;
  const { buf, gemmPD, rowsLoss, gather, unitLstm, colTanh, tanhNear, lstmNear, pHb, pA, pS, pRL, pWproj, pbproj, pWvocab, pbvocab, pWx, pb, pWembed, pWh,
    qa, ea, ia, ja, da, unit, kt0 } = x;
  const b0 = bi * P, count = Math.min(P, v.nPert - b0);
  // Per copy: parameter index, element, signed step, and the element's row i and column j.
  for (let c = 0; c < count; c++) {
    const q = pert[2 * (b0 + c)], e = pert[2 * (b0 + c) + 1];
    qa[c] = q;
    ea[c] = e;
    da[c] = (b0 + c) % 2 === 0 ? v.step : -v.step;
    const cols = q === pWproj ? H : q === pWx || q === pWh ? G : q === pWembed ? W : q === pWvocab ? V : 0;
    ia[c] = cols ? Math.floor(e / cols) : 0;
    ja[c] = cols ? e % cols : e;
  }
  let vocabOnly = true, h0Shared = true, unitsOnly = true;
  for (let c = 0; c < count; c++) {
    const q = qa[c], e = ea[c];
    if (q !== pWvocab && q !== pbvocab) vocabOnly = false;
    if (q === pWproj || q === pbproj) h0Shared = false;
    // The hidden unit whose step-0 gate columns this copy's perturbation changes (−1: none).
    unit[c] = -1;
    if (q === pWx || q === pWh) unit[c] = (e % G) % H;
    else if (q === pb) unit[c] = e % H;
    else if (q === pWembed) {
      const w = Math.floor(e / W);
      for (let s = 0; s < kt0; s++) if (idx[s] === w) unitsOnly = false;
    } else if (q !== pWvocab && q !== pbvocab) unitsOnly = false;
  }
  if (vocabOnly) {
    // No copy's recurrence is perturbed: every copy's h_t is the unperturbed one.
    for (let t = 1; t <= T; t++) gather(pHb + t * PN * H * 8, v.HB0 + t * N * H * 8, v.rs, kt[t - 1] * P, H);
  } else {
    if (!h0Shared) {
      // h0 for every copy, then the W_proj / b_proj corrections.
      gather(pHb, H0.byteOffset, v.rs, PN, H);
      for (let c = 0; c < count; c++) {
        const q = qa[c], i = ia[c], j = ja[c], dl = da[c];
        if (q === pWproj) {
          for (let s = 0; s < N; s++) Hb[(s * P + c) * H + j] += dl * F[s * D + i];
        } else if (q === pbproj) {
          for (let s = 0; s < N; s++) Hb[(s * P + c) * H + j] += dl;
        }
      }
    }
    let cPrev = v.C0, cNext = v.C1, step0Units = false;
    if (lstm) new Float64Array(buf, cPrev, kt[0] * P * H).fill(0);
    for (let t = 0; t < T; t++) {
      const ks = kt[t], rows = ks * P;
      if (rows === 0) break;
      // a = h_{t-1}·Wh (at t = 0 the same h0·Wh for every copy, unless h0 is perturbed), then each
      // copy's rank-one corrections, then (inside the nonlinearity kernel) the input term x_t·Wx + b.
      const hPrevOff = t * PN * H;
      const shared0 = t === 0 && h0Shared;
      if (shared0) gather(pA, v.A0, v.rs, rows, G);
      else if (t === 0) {
        // h0 differs from the unperturbed one in column j of the W_proj / b_proj copies only:
        // h0·Wh = the unperturbed product plus (h0 − h0ᵇ)[:, j]·Wh[j, :] (rank one).
        gather(pA, v.A0, v.rs, rows, G);
        for (let c = 0; c < count; c++) {
          if (qa[c] !== pWproj && qa[c] !== pbproj) continue;
          rankOne(A, Hb, H0, Wh, ks, P, c, ja[c], G, H, 0);
        }
      } else if (t === 1 && step0Units) {
        // h_1 differs from the unperturbed one in one hidden unit per copy (see the step-0 path): rank one.
        gather(pA, v.AH1.byteOffset, v.rs, rows, G);
        for (let c = 0; c < count; c++) if (unit[c] >= 0) rankOne(A, Hb, v.HB1, Wh, ks, P, c, unit[c], G, H, PN * H);
      } else gemmPD(rows, G, H, pHb + hPrevOff * 8, H, v.WhP, v.Gp, pA, G, 0, v.ws);
      for (let c = 0; c < count; c++) {
        const q = qa[c], i = ia[c], j = ja[c], dl = da[c];
        if (q === pWx) {
          for (let s = 0; s < ks; s++) A[(s * P + c) * G + j] += dl * X[(t * N + s) * W + i];
        } else if (q === pb) {
          for (let s = 0; s < ks; s++) A[(s * P + c) * G + j] += dl;
        } else if (q === pWembed) {
          const w = i;
          for (let s = 0; s < ks; s++) {
            if (idx[t * N + s] !== w) continue;
            const ra = (s * P + c) * G;
            for (let g = 0; g < G; g++) A[ra + g] += dl * Wx[j * G + g];
          }
        } else if (q === pWh) {
          if (shared0) for (let s = 0; s < ks; s++) A[(s * P + c) * G + j] += dl * H0[s * H + i];
          else for (let s = 0; s < ks; s++) A[(s * P + c) * G + j] += dl * Hb[hPrevOff + (s * P + c) * H + i];
        }
      }
      const hNext = pHb + (t + 1) * PN * H * 8;
      if (shared0 && unitsOnly) {
        step0Units = true;
        // Every copy's step-0 pre-activations equal the unperturbed ones except in the gate columns
        // of at most one hidden unit: h_1 (and c_1) are the unperturbed ones but for that unit.
        gather(hNext, v.HB0 + N * H * 8, v.rs, rows, H);
        if (lstm) gather(cNext, v.CB1, v.rs, rows, H);
        for (let c = 0; c < count; c++) {
          const u = unit[c];
          if (u < 0) continue;
          if (lstm) unitLstm(pA + c * G * 8, XW.byteOffset, cPrev + c * H * 8, cNext + c * H * 8, hNext + c * H * 8, ks, P, H, u);
          else colTanh(hNext + c * H * 8, pA + c * G * 8, XW.byteOffset, ks, P, H, u);
        }
      } else if (lstm) {
        lstmNear(pA, XW.byteOffset + t * N * G * 8, v.CO + t * N * NEAR_WIDTH_LSTM * H * 8, cPrev, cNext, hNext, ks, P, H);
      } else {
        tanhNear(hNext, pA, XW.byteOffset + t * N * G * 8, v.CO + t * N * NEAR_WIDTH_RNN * H * 8, ks, P, H);
      }
      [cPrev, cNext] = [cNext, cPrev];
    }
  }
  // Scores of every needed row (W_vocab zero-padded to Vp >= V columns: whole micro-tiles), the
  // vocabulary corrections, per-row losses (rows_loss_bias_f64 adds b_vocab as it reads the scores).
  for (let t = 0; t < T; t++) {
    const rows = kt[t] * P;
    if (rows === 0) break;
    const so = t * PN * Vp * 8;
    gemmPD(rows, Vp, H, pHb + (t + 1) * PN * H * 8, H, v.WvP, Vp, pS + so, Vp, 0, v.ws);
  }
  for (let c = 0; c < count; c++) {
    const q = qa[c], i = ia[c], j = ja[c], dl = da[c];
    if (q === pWvocab) {
      for (let t = 0; t < T; t++) {
        for (let s = 0; s < kt[t]; s++) {
          const r = t * PN + s * P + c;
          S[r * Vp + j] += dl * Hb[PN * H + r * H + i];
        }
      }
    } else if (q === pbvocab) {
      for (let t = 0; t < T; t++) for (let s = 0; s < kt[t]; s++) S[(t * PN + s * P + c) * Vp + j] += dl;
    }
  }
  for (let t = 0; t < T; t++) {
    const rows = kt[t] * P;
    if (rows === 0) break;
    rowsLoss(pS + t * PN * Vp * 8, Vp, v.bvP, v.yT + t * PN * 4, v.maskT + t * PN * 4, rows, V, pRL + t * PN * 8);
  }
  for (let c = 0; c < count; c++) {
    // Compensated (Neumaier) sum over caption rows n, then steps t, in the caption order (rows after
    // a sample's last unmasked step would add exact zeros: skipped).
    let sum = 0, comp = 0;
    for (let n = 0; n < N; n++) {
      const s = pos[n], L = last[s];
      for (let t = 0; t <= L; t++) {
        const x = rowLoss[t * PN + s * P + c];
        const y = sum + x;
        comp += Math.abs(sum) >= Math.abs(x) ? sum - y + x : x - y + sum;
        sum = y;
      }
    }
    losses[b0 + c] = (sum + comp) / N;
  }
}

/**
 * The order in which the threads take batches. runBatch has a branch per kind of parameter (and per
 * mix of kinds, where a batch spans two parameters), and V8 optimises it from what it has run so
 * far, on each thread separately: with batches taken in parameter order, every new kind reached a
 * branch the optimised code had never run, which threw it away and compiled it again (nine times in
 * a cold check, running slowly meanwhile). So each thread first runs one batch of every kind, its
 * own (entries kind·threads + slot of the early part, -1 where a kind has fewer batches than
 * threads), then all take the remaining batches off a shared counter. Batches are independent and
 * each is computed in the same order whoever runs it, so the losses do not depend on the order.
 * Returns the length of the early part; `order` needs room for it plus every batch.
 */
export function batchOrder(pert: Int32Array, nPert: number, P: number, threads: number, order: Int32Array): number {
  const nBatches = Math.ceil(nPert / P);
  // A batch's kind: the set of parameters it perturbs.
  const kindOf = (b: number): number => {
    let mask = 0;
    for (let e = b * P; e < Math.min(nPert, (b + 1) * P); e++) mask |= 1 << pert[2 * e];
    return mask;
  };
  const early = new Map<number, number[]>();
  const taken = new Uint8Array(nBatches);
  for (let b = 0; b < nBatches; b++) {
    const kind = kindOf(b);
    const list = early.get(kind) ?? [];
    if (list.length < threads) {
      list.push(b);
      taken[b] = 1;
    }
    early.set(kind, list);
  }
  let k = 0;
  for (const list of early.values()) for (let s = 0; s < threads; s++) order[k++] = s < list.length ? list[s] : -1;
  const nEarly = k;
  for (let b = 0; b < nBatches; b++) if (!taken[b]) order[k++] = b;
  for (; k < order.length; k++) order[k] = -1;
  return nEarly;
}

function batchedNumericalGradients(model: FastCaptioningModel, features: Tensor, captions: IntTensor, h: number,
  numerical: Record<ParamName, Float64Array>, copies?: number): number {
  const e: WasmEngine = model.engine;
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
  const allocs: (Float64Array | Int32Array | number)[] = [];
  const f64 = (n: number) => { const a = e.f64(n); allocs.push(a); return a; };
  const i32 = (n: number) => { const a = e.i32(n); allocs.push(a); return a; };
  // Parameters as engine arrays (copied if the caller's tensors live elsewhere).
  const par = {} as Record<ParamName, Float64Array>;
  for (const name of PARAM_NAMES) {
    const d = p[name].data;
    if (e.owns(d)) par[name] = d;
    else (par[name] = f64(d.length)).set(d);
  }
  const ptr = (a: Float64Array | Int32Array) => e.ptr(a);
  const gemm = (M: number, Nn: number, K: number, A: number, B: number, C: number, beta: 0 | 1) =>
    e.gemmRaw('f64', false, false, M, Nn, K, A, K, B, Nn, C, Nn, beta, 1);
  const k = (name: string) => e.kernel(name, 'f64');

  // Samples in the batch layout: sorted by their last unmasked step, longest first (stable).
  const lastOf = new Int32Array(N).fill(-1);
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < T; t++) {
      const win = captions.data[n * tp1 + t], wout = captions.data[n * tp1 + t + 1];
      if (!(win >= 0 && win < V) || !(wout >= 0 && wout < V)) throw new ShapeError(`gradcheck: caption word at [${n}, ${t}] is outside [0, ${V})`);
      if (wout !== model.nullIdx) lastOf[n] = t;
    }
  }
  const order = Array.from({ length: N }, (_, n) => n).sort((a, b) => lastOf[b] - lastOf[a] || a - b);
  const pos = i32(N), last = i32(N), kt = i32(Math.max(1, T)), rs = i32(PN);
  order.forEach((n, s) => { pos[n] = s; last[s] = lastOf[n]; });
  for (let t = 0; t < T; t++) { let c = 0; while (c < N && last[c] >= t) c++; kt[t] = c; }
  for (let r = 0; r < PN; r++) rs[r] = Math.floor(r / P);

  // Shared, unperturbed quantities (rows in the sorted sample order).
  const F = f64(N * D);
  for (let s = 0; s < N; s++) F.set(features.data.subarray(order[s] * D, (order[s] + 1) * D), s * D);
  const idx = i32(T * N);
  const yT = i32(T * PN), maskT = i32(T * PN);
  for (let s = 0; s < N; s++) {
    const n = order[s];
    for (let t = 0; t < T; t++) {
      const win = captions.data[n * tp1 + t], wout = captions.data[n * tp1 + t + 1];
      idx[t * N + s] = win;
      for (let c = 0; c < P; c++) {
        yT[t * PN + s * P + c] = wout;
        maskT[t * PN + s * P + c] = wout !== model.nullIdx ? 1 : 0;
      }
    }
  }
  const X = f64(T * N * W);
  k('gather_rows')(ptr(X), ptr(par.W_embed), ptr(idx), T * N, W);
  const XW = f64(T * N * G); // x·Wx + b per step, (T, N, G)
  k('fill_rows')(ptr(XW), T * N, G, ptr(par.b));
  gemm(T * N, G, W, ptr(X), ptr(par.Wx), ptr(XW), 1);
  const H0 = f64(N * H);
  k('fill_rows')(ptr(H0), N, H, ptr(par.b_proj));
  gemm(N, H, D, ptr(F), ptr(par.W_proj), ptr(H0), 1);

  // Wh and W_vocab (zero-padded to Vp columns) packed once for all products.
  const Vp = Math.ceil(V / 4) * 4;
  const Gp = Math.ceil(G / 4) * 4; // the packed panels' row length
  const WhP = e.alloc(H * Gp * 8);
  allocs.push(WhP);
  k('packB_full')(0, ptr(par.Wh), G, H, G, WhP);
  const Wv = f64(H * Vp), bvP = f64(Vp);
  for (let i = 0; i < H; i++) Wv.set(par.W_vocab.subarray(i * V, (i + 1) * V), i * Vp);
  bvP.set(par.b_vocab);
  const WvP = e.alloc(H * Vp * 8);
  allocs.push(WvP);
  k('packB_full')(0, ptr(Wv), Vp, H, Vp, WvP);

  // The unperturbed recurrence (shared by batches that perturb only W_vocab / b_vocab) and h0·Wh.
  const HB0 = f64((T + 1) * N * H), A0 = f64(N * G), At = f64(N * G);
  const Cb = [f64(lstm ? N * H : 1), f64(lstm ? N * H : 1)], CB1 = f64(lstm ? N * H : 1);
  HB0.set(H0);
  Cb[0].fill(0);
  const pd = e.kernel('gemm_pd_f64');
  pd(N, G, H, ptr(H0), H, WhP, Gp, ptr(A0), G, 0, e.ws[0]);
  const AH1 = f64(N * G);
  const width = (lstm ? NEAR_WIDTH_LSTM : NEAR_WIDTH_RNN) * H;
  const CO = f64(T * N * width);
  const GB = f64(N * G), CBS = f64(lstm ? N * H : 1), TCB = f64(lstm ? N * H : 1), hScratch = f64(lstm ? N * H : 1);
  for (let t = 0; t < T; t++) {
    pd(N, G, H, ptr(HB0) + t * N * H * 8, H, WhP, Gp, ptr(At), G, 0, e.ws[0]);
    // The expansion points: the unperturbed pre-activations and activations (lstm_fwd_f64: gates, c, tanh c).
    for (let i = 0; i < N * G; i++) GB[i] = At[i] + XW[t * N * G + i];
    if (lstm) k('lstm_fwd')(ptr(GB), ptr(Cb[t % 2]), ptr(CBS), ptr(TCB), ptr(hScratch), N, H);
    else k('tanh')(ptr(GB), ptr(GB), N * H);
    nearTables(lstm, CO, t * N * width, At, GB, CBS, TCB, N, H);
    stepNonlinearity(e.k, lstm, N, 1, H, G, ptr(At), ptr(XW) + t * N * G * 8, ptr(Cb[t % 2]), ptr(Cb[(t + 1) % 2]), ptr(HB0) + (t + 1) * N * H * 8);
    if (t === 0 && lstm) CB1.set(Cb[1]);
    if (t === 1) AH1.set(At);
  }

  // All perturbations (parameter index, element), +h and −h in adjacent slots.
  let nPert = 0;
  for (const name of PARAM_NAMES) nPert += 2 * par[name].length;
  const pert = i32(2 * nPert);
  let q = 0;
  PARAM_NAMES.forEach((name, pi) => {
    for (let i = 0; i < par[name].length; i++) {
      for (let s = 0; s < 2; s++) { pert[q++] = pi; pert[q++] = i; }
    }
  });
  const losses = f64(nPert);
  const next = i32(1);
  // At most 2^8 kinds (sets of the 8 parameters); in practice a dozen.
  const batches = i32(Math.min(256, Math.ceil(nPert / P)) * e.team + Math.ceil(nPert / P));
  const nEarly = batchOrder(pert, nPert, P, e.team, batches);
  // Every thread the engine may use now (default: every core) takes batches off the shared counter;
  // each batch is computed by one thread in the same order, so the losses do not depend on the count.
  const threads = e.team;
  const desc = f64(descLength(threads));
  desc[D_THREADS] = threads;
  desc[D_CO] = ptr(CO);
  desc[D_AH] = ptr(AH1);
  desc[D_ORDER] = ptr(batches);
  desc[D_NEARLY] = nEarly;
  desc.set([N, T, D, W, H, V, P, lstm ? 1 : 0, h, nPert, ptr(F), ptr(X), ptr(XW), ptr(H0), ptr(idx), ptr(yT), ptr(maskT), ptr(pert), ptr(losses), ptr(next)]);
  PARAM_NAMES.forEach((name, i) => (desc[D_PAR + i] = ptr(par[name])));
  desc[D_VP] = Vp;
  desc[D_WVP] = WvP;
  desc[D_BVP] = ptr(bvP);
  desc[D_WHP] = WhP;
  desc[D_GP] = Gp;
  desc[D_CB1] = ptr(CB1);
  desc[D_A0] = ptr(A0);
  desc[D_HB0] = ptr(HB0);
  desc[D_KT] = ptr(kt);
  desc[D_LAST] = ptr(last);
  desc[D_POS] = ptr(pos);
  desc[D_RS] = ptr(rs);
  for (let slot = 0; slot < threads; slot++) {
    const b = D_BUF + 8 * slot;
    desc[b] = ptr(f64((T + 1) * PN * H)); // Hb: slot t = h_t for all copies, rows (sample, copy)
    desc[b + 1] = ptr(f64(PN * G)); // A
    desc[b + 2] = ptr(f64(lstm ? PN * H : 1));
    desc[b + 3] = ptr(f64(lstm ? PN * H : 1));
    desc[b + 5] = ptr(f64(T * PN * Vp)); // S
    desc[b + 6] = ptr(f64(T * PN)); // row losses
    desc[b + 7] = e.ws[slot];
  }
  const run = () => runGradcheckBatches(e.k, e.memory.buffer, ptr(desc), 0);
  if (threads >= 2) e.runJobTeam(GRADCHECK_JOB, (slot) => [ptr(desc), slot], run);
  else run();
  for (let i = 0; i < nPert; i += 2) {
    const name = PARAM_NAMES[pert[2 * i]];
    numerical[name][pert[2 * i + 1]] = (losses[i] - losses[i + 1]) / (2 * h);
  }
  for (let i = allocs.length - 1; i >= 0; i--) e.release(allocs[i]);
  return nPert;
}
