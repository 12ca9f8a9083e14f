/**
 * Numerical gradients and relative errors, CS231n style, plus the diagnostics that say
 * *where* an analytic gradient disagrees: worst element, per-element errors, per-timestep errors.
 */
import { fmtShape, sameShape, ShapeError, type Tensor } from './tensor';

/** rel_error(x, y) = max |x − y| / max(1e-8, |x| + |y|), as in the CS231n notebooks. */
export function relError(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new ShapeError(`rel_error: ${x.length} values against ${y.length}`);
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const e = Math.abs(x[i] - y[i]) / Math.max(1e-8, Math.abs(x[i]) + Math.abs(y[i]));
    if (e > worst || Number.isNaN(e)) worst = e;
  }
  return worst;
}

/**
 * Centred-difference gradient of a scalar function f at x (CS231n eval_numerical_gradient).
 * x is perturbed in place and restored.
 */
export function evalNumericalGradient(f: () => number, x: Tensor, h = 1e-5): Tensor {
  const grad = new Float64Array(x.data.length);
  for (let i = 0; i < x.data.length; i++) {
    const old = x.data[i];
    x.data[i] = old + h;
    const fp = f();
    x.data[i] = old - h;
    const fm = f();
    x.data[i] = old;
    grad[i] = (fp - fm) / (2 * h);
  }
  return { shape: [...x.shape], data: grad };
}

/** Centred-difference gradient of sum(f(x) * df) (CS231n eval_numerical_gradient_array). */
export function evalNumericalGradientArray(f: () => Tensor, x: Tensor, df: Tensor, h = 1e-5): Tensor {
  const grad = new Float64Array(x.data.length);
  for (let i = 0; i < x.data.length; i++) {
    const old = x.data[i];
    x.data[i] = old + h;
    const pos = f().data;
    x.data[i] = old - h;
    const neg = f().data;
    x.data[i] = old;
    if (pos.length !== df.data.length) {
      throw new ShapeError(`eval_numerical_gradient_array: output has ${pos.length} values, df has shape ${fmtShape(df.shape)}`);
    }
    let s = 0;
    for (let j = 0; j < pos.length; j++) s += (pos[j] - neg[j]) * df.data[j];
    grad[i] = s / (2 * h);
  }
  return { shape: [...x.shape], data: grad };
}

/** The CS231n notes' reading of a relative error in float64. */
export type Verdict = 'good' | 'ok' | 'warn' | 'wrong';

export interface Thresholds {
  /** At or below: good (≤ 1e-7). */
  good: number;
  /** At or below: ok for kinked objectives (≤ 1e-4). */
  ok: number;
  /** At or below: usually a problem (≤ 1e-2); above: wrong. */
  warn: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { good: 1e-7, ok: 1e-4, warn: 1e-2 };

export function classify(rel: number, t: Thresholds = DEFAULT_THRESHOLDS): Verdict {
  if (!(rel <= t.warn)) return 'wrong'; // NaN lands here too
  if (rel <= t.good) return 'good';
  if (rel <= t.ok) return 'ok';
  return 'warn';
}

export const VERDICT_TEXT: Record<Verdict, string> = {
  good: 'good (≤1e-7)',
  ok: 'ok (≤1e-4, fine for kinks)',
  warn: 'suspect (≤1e-2)',
  wrong: 'wrong (>1e-2)',
};

/** Everything a user needs to locate trouble in one checked tensor. Plain data: crosses process boundaries as JSON. */
export interface ParamCheck {
  /** CS231n name, e.g. "dWh" or "W_vocab". */
  name: string;
  shape: number[];
  relError: number;
  maxAbsError: number;
  verdict: Verdict;
  worst: { index: number[]; flatIndex: number; analytic: number; numeric: number; relError: number };
  /** Per-element relative error, row-major, same shape as the tensor. */
  errors: number[];
  /** Which axis is time (for (N, T, ·) tensors: 1), when the tensor has one. */
  timeAxis?: number;
  /**
   * Max relative error per timestep. 'axis': of the elements at step t of timeAxis.
   * 'loss-step': of the whole gradient when only step t's loss is active (for weights, h0).
   */
  perTimestep?: number[];
  perTimestepKind?: 'axis' | 'loss-step';
  /** How many elements were compared (fewer than the size for sparse checks). */
  checked: number;
}

export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = flat % shape[a];
    flat = Math.floor(flat / shape[a]);
  }
  return idx;
}

/** Element-wise relative error of one pair, the same formula as relError. */
function elemRel(a: number, n: number): number {
  return Math.abs(a - n) / Math.max(1e-8, Math.abs(a) + Math.abs(n));
}

/**
 * Compares an analytic gradient with a numerical one and says where they differ.
 * `only` restricts the comparison to some flat indices (sparse checks); the rest get error 0.
 */
export function compareGradients(
  name: string,
  analytic: Tensor,
  numeric: Tensor,
  opts: { timeAxis?: number; thresholds?: Thresholds; only?: readonly number[] } = {},
): ParamCheck {
  if (!sameShape(analytic.shape, numeric.shape)) {
    throw new ShapeError(`check ${name}: analytic gradient has shape ${fmtShape(analytic.shape)}, numerical ${fmtShape(numeric.shape)}`);
  }
  const n = analytic.data.length;
  const errors = new Array<number>(n).fill(0);
  const indices = opts.only ?? Array.from({ length: n }, (_, i) => i);
  let rel = 0;
  let maxAbs = 0;
  let worstI = indices.length > 0 ? indices[0] : 0;
  for (const i of indices) {
    const a = analytic.data[i];
    const m = numeric.data[i];
    const e = elemRel(a, m);
    errors[i] = e;
    const abs = Math.abs(a - m);
    if (abs > maxAbs || Number.isNaN(abs)) maxAbs = abs;
    if (e > rel || Number.isNaN(e)) {
      rel = e;
      worstI = i;
    }
  }
  const shape = [...analytic.shape];
  let perTimestep: number[] | undefined;
  const ta = opts.timeAxis;
  if (ta !== undefined && ta >= 0 && ta < shape.length) {
    perTimestep = new Array<number>(shape[ta]).fill(0);
    const inner = shape.slice(ta + 1).reduce((p, d) => p * d, 1);
    for (let i = 0; i < n; i++) {
      const t = Math.floor(i / inner) % shape[ta];
      if (errors[i] > perTimestep[t] || Number.isNaN(errors[i])) perTimestep[t] = errors[i];
    }
  }
  const result: ParamCheck = {
    name,
    shape,
    relError: rel,
    maxAbsError: maxAbs,
    verdict: classify(rel, opts.thresholds),
    worst: {
      index: n > 0 ? unravel(worstI, shape) : [],
      flatIndex: worstI,
      analytic: n > 0 ? analytic.data[worstI] : 0,
      numeric: n > 0 ? numeric.data[worstI] : 0,
      relError: rel,
    },
    errors,
    checked: indices.length,
  };
  if (perTimestep) {
    result.timeAxis = ta;
    result.perTimestep = perTimestep;
    result.perTimestepKind = 'axis';
  }
  return result;
}

/** One layer's (or model's) check: every gradient it returns, compared. */
export interface LayerCheck {
  /** Layer or model name: "rnn_step", "lstm", "captioning_rnn (lstm)", … */
  layer: string;
  /** Sizes used, by CS231n letter: { N: 3, D: 10, H: 4 }. */
  sizes: Record<string, number>;
  params: ParamCheck[];
  /** Worst verdict of its params. */
  verdict: Verdict;
  /** Wall time of the check in milliseconds. */
  ms: number;
  /**
   * Set when the layer is a student's function that is still the assignment's stub: the sentence
   * to show instead of errors. It has no params, and its verdict does not count (reportVerdict).
   */
  todo?: string;
}

export interface CheckReport {
  seed: number;
  h: number;
  /** "float64" for real checks; "float32" only in explorations. */
  dtype: 'float64' | 'float32';
  layers: LayerCheck[];
  verdict: Verdict;
}

const ORDER: Verdict[] = ['good', 'ok', 'warn', 'wrong'];

export function worstVerdict(vs: readonly Verdict[]): Verdict {
  let w = 0;
  for (const v of vs) w = Math.max(w, ORDER.indexOf(v));
  return ORDER[w];
}

/** A report's verdict: the worst of its layers', leaving out those not implemented yet (`todo`). */
export function reportVerdict(layers: readonly LayerCheck[]): Verdict {
  return worstVerdict(layers.filter((l) => l.todo === undefined).map((l) => l.verdict));
}

/**
 * The steps where a per-timestep error is above `limit` (NaN counts), as runs: "1-9", "0,3-4".
 * Empty when every step is within it.
 */
export function stepRuns(perTimestep: readonly number[], limit: number): string {
  const bad = perTimestep.map((e, t) => (e <= limit ? -1 : t)).filter((t) => t >= 0);
  const runs: string[] = [];
  for (let i = 0; i < bad.length; i++) {
    let j = i;
    while (j + 1 < bad.length && bad[j + 1] === bad[j] + 1) j++;
    runs.push(i === j ? `${bad[i]}` : `${bad[i]}-${bad[j]}`);
    i = j;
  }
  return runs.join(',');
}
