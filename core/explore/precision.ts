/**
 * float32 emulation for explorations: a layer table whose every tensor crossing a layer (inputs,
 * outputs, and for the recurrent layers every step's hidden and cell state and the LSTM's gate
 * activations) is rounded to float32 with Math.fround. Arithmetic inside one kernel still runs in
 * float64, so this is slightly kinder than true float32; the step x ± h, the objective and the
 * difference quotient are rounded too, which is where a finite difference loses its digits.
 */
import { LAYER_SPECS, type CheckCase, type LayerSpec } from '../checks';
import { compareGradients, DEFAULT_THRESHOLDS, worstVerdict, type LayerCheck, type ParamCheck, type Thresholds, type Verdict } from '../gradcheck';
import { REFERENCE_LAYERS, type LayerImpl } from '../layers/index';
import type { LstmCache, LstmStepCache } from '../layers/lstm';
import type { RnnCache, RnnStepCache } from '../layers/rnn';
import { createFastModel } from '../fast/model';
import { CaptioningModel, PARAM_NAMES, type CellType } from '../model';
import { sliceTime, writeTime } from '../ops';
import { Rng } from '../random';
import { intTensor, type IntTensor, type Tensor } from '../tensor';
import type { Precision, PrecisionRow, PrecisionTable } from './types';
export type { Precision, PrecisionRow, PrecisionTable };


/** Unit roundoff (half the machine epsilon) of each precision. */
export const UNIT_ROUNDOFF: Record<Precision, number> = { float64: 2 ** -53, float32: 2 ** -24 };

function roundInPlace(a: Float64Array): Float64Array {
  for (let i = 0; i < a.length; i++) a[i] = Math.fround(a[i]);
  return a;
}
const r32 = (t: Tensor): Tensor => ({ shape: t.shape, data: roundInPlace(Float64Array.from(t.data)) });
const out32 = <T extends Tensor>(t: T): T => {
  roundInPlace(t.data);
  return t;
};

/** The float32 version of a layer table (reference by default; bug tables work too). */
export function float32Layers(base: LayerImpl = REFERENCE_LAYERS): LayerImpl {
  const rnnStepForward: LayerImpl['rnnStepForward'] = (x, prevH, Wx, Wh, b) => {
    const r = base.rnnStepForward(r32(x), r32(prevH), r32(Wx), r32(Wh), r32(b));
    out32(r.nextH); // shared with the cache, which therefore holds the rounded state
    return r;
  };
  const lstmStepForward: LayerImpl['lstmStepForward'] = (x, prevH, prevC, Wx, Wh, b) => {
    const r = base.lstmStepForward(r32(x), r32(prevH), r32(prevC), r32(Wx), r32(Wh), r32(b));
    out32(r.nextH);
    out32(r.nextC);
    const g = r.cache.gates;
    for (const a of [g.i, g.f, g.o, g.g, r.cache.tanhC]) roundInPlace(a);
    return r;
  };
  return {
    affineForward: (x, w, b) => {
      const r = base.affineForward(r32(x), r32(w), r32(b));
      return { out: out32(r.out), cache: r.cache };
    },
    affineBackward: (dout, cache) => {
      const g = base.affineBackward(r32(dout), cache);
      return { dx: out32(g.dx), dw: out32(g.dw), db: out32(g.db) };
    },
    rnnStepForward,
    rnnStepBackward: (dnext, cache) => {
      const g = base.rnnStepBackward(r32(dnext), cache);
      return { dx: out32(g.dx), dprevH: out32(g.dprevH), dWx: out32(g.dWx), dWh: out32(g.dWh), db: out32(g.db) };
    },
    rnnForward: (x, h0, Wx, Wh, b) => {
      const [n, t, d] = x.shape;
      const hd = h0.shape[1];
      const out = new Float64Array(n * t * hd);
      const steps: RnnStepCache[] = [];
      let prev = h0;
      for (let s = 0; s < t; s++) {
        const r = rnnStepForward({ shape: [n, d], data: sliceTime(x.data, n, s, t, d) }, prev, Wx, Wh, b);
        writeTime(out, n, s, t, hd, r.nextH.data);
        steps.push(r.cache);
        prev = r.nextH;
      }
      const cache: RnnCache = { steps, n, t, d, h: hd };
      return { h: { shape: [n, t, hd], data: out }, cache };
    },
    rnnBackward: (dh, cache, observe) => {
      const g = base.rnnBackward(r32(dh), cache, observe);
      return { dx: out32(g.dx), dh0: out32(g.dh0), dWx: out32(g.dWx), dWh: out32(g.dWh), db: out32(g.db) };
    },
    lstmStepForward,
    lstmStepBackward: (dh, dc, cache) => {
      const g = base.lstmStepBackward(r32(dh), r32(dc), cache);
      return { dx: out32(g.dx), dprevH: out32(g.dprevH), dprevC: out32(g.dprevC), dWx: out32(g.dWx), dWh: out32(g.dWh), db: out32(g.db) };
    },
    lstmForward: (x, h0, Wx, Wh, b) => {
      const [n, t, d] = x.shape;
      const hd = h0.shape[1];
      const out = new Float64Array(n * t * hd);
      const steps: LstmStepCache[] = [];
      let prevH = h0;
      let prevC: Tensor = { shape: [n, hd], data: new Float64Array(n * hd) };
      for (let s = 0; s < t; s++) {
        const r = lstmStepForward({ shape: [n, d], data: sliceTime(x.data, n, s, t, d) }, prevH, prevC, Wx, Wh, b);
        writeTime(out, n, s, t, hd, r.nextH.data);
        steps.push(r.cache);
        prevH = r.nextH;
        prevC = r.nextC;
      }
      const cache: LstmCache = { steps, n, t, d, h: hd };
      return { h: { shape: [n, t, hd], data: out }, cache };
    },
    lstmBackward: (dh, cache, observe) => {
      const g = base.lstmBackward(r32(dh), cache, observe);
      return { dx: out32(g.dx), dh0: out32(g.dh0), dWx: out32(g.dWx), dWh: out32(g.dWh), db: out32(g.db) };
    },
    wordEmbeddingForward: (x, W) => {
      const r = base.wordEmbeddingForward(x, r32(W));
      return { out: out32(r.out), cache: r.cache };
    },
    wordEmbeddingBackward: (dout, cache) => ({ dW: out32(base.wordEmbeddingBackward(r32(dout), cache).dW) }),
    temporalAffineForward: (x, w, b) => {
      const r = base.temporalAffineForward(r32(x), r32(w), r32(b));
      return { out: out32(r.out), cache: r.cache };
    },
    temporalAffineBackward: (dout, cache) => {
      const g = base.temporalAffineBackward(r32(dout), cache);
      return { dx: out32(g.dx), dw: out32(g.dw), db: out32(g.db) };
    },
    temporalSoftmaxLoss: (x, y, mask) => {
      const r = base.temporalSoftmaxLoss(r32(x), y, mask);
      return { loss: Math.fround(r.loss), dx: out32(r.dx) };
    },
  };
}

/**
 * A gradient-check problem: named parameters (perturbed in place), the scalar objective and the
 * analytic gradients. Layers and models both become one, so sweeps and sparse checks treat them alike.
 */
export interface Problem {
  /** Check name: a layer ("rnn") or a model ("captioning_lstm"). */
  name: string;
  sizes: Record<string, number>;
  /** Input or parameter name → its tensor (perturbed in place by numerical gradients). */
  params: Record<string, Tensor>;
  /** Input name → the name its gradient has in reports ("x" → "dx"; the model's names are the same). */
  gradNames: Record<string, string>;
  timeAxis: Record<string, number>;
  objective(): number;
  analytic(): Record<string, Tensor>;
  precision: Precision;
  /** Frees engine memory (the wasm model). */
  dispose?(): void;
}

const MODEL_SIZES = { N: 2, T: 3, D: 4, W: 5, H: 6, V: 3 };

/** The notebook-sized check of a layer or the model as a Problem, in the given precision. */
export function makeProblem(name: string, seed: number, precision: Precision = 'float64', base: LayerImpl = REFERENCE_LAYERS): Problem {
  const L = precision === 'float32' ? float32Layers(base) : base;
  const round = precision === 'float32' ? Math.fround : (v: number) => v;
  const spec: LayerSpec | undefined = LAYER_SPECS.find((s) => s.layer === name);
  if (spec) {
    const c: CheckCase = spec.make(new Rng(seed));
    if (precision === 'float32') {
      for (const t of [...Object.values(c.inputs), ...Object.values(c.douts)]) roundInPlace(t.data);
    }
    return {
      name,
      sizes: spec.sizes,
      params: c.inputs,
      gradNames: spec.grads,
      timeAxis: spec.timeAxis ?? {},
      objective: () => round(spec.objective(c, L)),
      analytic: () => spec.analytic(c, L),
      precision,
    };
  }
  const cell = name === 'captioning_rnn' ? 'rnn' : name === 'captioning_lstm' ? 'lstm' : undefined;
  if (!cell) throw new Error(`unknown check "${name}": expected one of ${[...LAYER_SPECS.map((s) => s.layer), 'captioning_rnn', 'captioning_lstm'].join(', ')}`);
  // The same data as checkModel in core/checks.ts, so float64 results match the engine's check.
  const rng = new Rng(seed);
  const { N, T, D, W, H } = MODEL_SIZES;
  const wordToIdx = { '<NULL>': 0, cat: 2, dog: 3 };
  const V = Object.keys(wordToIdx).length;
  const captions: IntTensor = intTensor([N, T], Array.from({ length: N * T }, () => rng.int(V)));
  const features: Tensor = { shape: [N, D], data: rng.normals(N * D) };
  const model = new CaptioningModel({ wordToIdx, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: cell as CellType, seed: seed + 1, layers: L });
  if (precision === 'float32') {
    roundInPlace(features.data);
    for (const p of PARAM_NAMES) roundInPlace(model.params[p].data);
  }
  const gradNames: Record<string, string> = {};
  for (const p of [...PARAM_NAMES].sort()) gradNames[p] = p;
  return {
    name,
    sizes: MODEL_SIZES,
    params: model.params,
    gradNames,
    timeAxis: {},
    objective: () => round(model.loss(features, captions).loss),
    analytic: () => model.loss(features, captions).grads,
    precision,
  };
}

/**
 * The model check's problem on the wasm engine in real float32 arithmetic (core/fast; float64
 * master parameters demoted at every loss, so x ± h is rounded to float32 there). Undefined for
 * layers, and where the runtime has no WebAssembly SIMD (createFastModel then falls back to the
 * float64 reference, which would not be float32 at all).
 */
export function makeWasmFloat32Problem(name: string, seed: number): Problem | undefined {
  const cell = name === 'captioning_rnn' ? 'rnn' : name === 'captioning_lstm' ? 'lstm' : undefined;
  if (!cell) return undefined;
  const rng = new Rng(seed);
  const { N, T, D, W, H } = MODEL_SIZES;
  // Same draws as makeProblem / checkModel; a <START> and <END> are added because the fast model needs them.
  const wordToIdx = { '<NULL>': 0, '<START>': 1, cat: 2, '<END>': 3 };
  const captions: IntTensor = intTensor([N, T], Array.from({ length: N * T }, () => rng.int(3)));
  const features: Tensor = { shape: [N, D], data: rng.normals(N * D) };
  let model: ReturnType<typeof createFastModel>;
  try {
    model = createFastModel({ wordToIdx, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: cell, seed: seed + 1, dtype: 'f32' });
  } catch {
    return undefined;
  }
  const dispose = () => (model as { dispose?: () => void }).dispose?.();
  if (model.dtype !== 'f32') {
    dispose();
    return undefined;
  }
  for (const p of PARAM_NAMES) roundInPlace(model.params[p].data);
  roundInPlace(features.data);
  const gradNames: Record<string, string> = {};
  for (const p of [...PARAM_NAMES].sort()) gradNames[p] = p;
  return {
    name,
    sizes: { ...MODEL_SIZES, V: 4 },
    params: model.params,
    gradNames,
    timeAxis: {},
    objective: () => model.loss(features, captions).loss,
    analytic: () => model.loss(features, captions).grads,
    precision: 'float32',
    dispose,
  };
}

/** Centred difference of the problem's objective for some elements of one input, in its precision. */
export function numericAt(p: Problem, input: string, indices: readonly number[], h: number): Float64Array {
  const x = p.params[input].data;
  const grad = new Float64Array(x.length);
  const round = p.precision === 'float32' ? Math.fround : (v: number) => v;
  for (const i of indices) {
    const old = x[i];
    x[i] = round(old + h);
    const fp = p.objective();
    x[i] = round(old - h);
    const fm = p.objective();
    x[i] = old;
    grad[i] = round((fp - fm) / (2 * h));
  }
  return grad;
}

export const allIndices = (t: Tensor): number[] => Array.from({ length: t.data.length }, (_, i) => i);

/** Every gradient of a problem against its centred differences (dense). */
export function checkProblem(p: Problem, h: number, thresholds: Thresholds = DEFAULT_THRESHOLDS): LayerCheck {
  const t0 = Date.now();
  const analytic = p.analytic();
  const params: ParamCheck[] = [];
  for (const [input, gradName] of Object.entries(p.gradNames)) {
    const numeric = numericAt(p, input, allIndices(p.params[input]), h);
    params.push(compareGradients(gradName, analytic[input], { shape: p.params[input].shape, data: numeric }, { timeAxis: p.timeAxis[input], thresholds }));
  }
  return { layer: p.name, sizes: p.sizes, params, verdict: worstVerdict(params.map((q) => q.verdict)), ms: Date.now() - t0 };
}

/** The step that balances truncation (∝ h²) and float32 round-off (∝ u/h): (3u)^(1/3). */
export const SUGGESTED_H32 = Math.cbrt(3 * UNIT_ROUNDOFF.float32);

export const ALL_CHECKS = [...LAYER_SPECS.map((s) => s.layer), 'captioning_rnn', 'captioning_lstm'];



function fmt(x: number): string {
  return Number.isFinite(x) ? x.toExponential(1) : String(x);
}

/** Runs every check in float64 and in float32 and says which verdicts change and why. */
export function comparePrecisions(opts: { seed?: number; h?: number; checks?: string[]; onCheck?: (name: string, i: number, n: number) => void } = {}): PrecisionTable {
  const seed = opts.seed ?? 231;
  const h = opts.h ?? 1e-5;
  const checks = opts.checks ?? ALL_CHECKS;
  const rows: PrecisionRow[] = [];
  checks.forEach((name, ci) => {
    const modelH = name.startsWith('captioning_') ? 1e-6 : h;
    const p64 = checkProblem(makeProblem(name, seed, 'float64'), modelH);
    const prob32 = makeProblem(name, seed, 'float32');
    const f32 = Math.abs(prob32.objective());
    const p32 = checkProblem(prob32, modelH);
    const p32b = checkProblem(makeProblem(name, seed, 'float32'), SUGGESTED_H32);
    for (let i = 0; i < p64.params.length; i++) {
      const a = p64.params[i];
      const b = p32.params[i];
      const g = Math.max(Math.abs(b.worst.analytic), Math.abs(b.worst.numeric), 1e-30);
      const floor32 = (UNIT_ROUNDOFF.float32 * Math.max(f32, 1e-30)) / (modelH * g);
      const changed = a.verdict !== b.verdict;
      let why: string;
      if (!changed) why = b.verdict === 'wrong' ? 'wrong in both: a real bug, not precision' : 'same verdict: round-off stays below the threshold at this gradient’s scale';
      else if (rel(b.verdict) > rel(a.verdict))
        why = `float32 keeps ~7 digits: f(x ± h) ≈ ${fmt(f32)} each carry a rounding error of about u·|f| (u = 6e-8), which the centred difference divides by 2h = ${fmt(2 * modelH)}: an error of about ${fmt(floor32)} relative to |g| = ${fmt(g)}; the thresholds assume float64`;
      else why = 'better in float32 by chance of the rounding; both are within round-off';
      const c = p32b.params[i];
      rows.push({ check: name, param: a.name, rel64: a.relError, verdict64: a.verdict, rel32: b.relError, verdict32: b.verdict, changed, rel32AtH32: c.relError, verdict32AtH32: c.verdict, floor32, why });
    }
    opts.onCheck?.(name, ci, checks.length);
  });
  const changed = rows.filter((r) => r.changed).length;
  const suggestedH32 = SUGGESTED_H32;
  const better = rows.filter((r) => rel(r.verdict32AtH32) < rel(r.verdict32)).length;
  const summary =
    `${changed} of ${rows.length} verdicts change from float64 to float32 at h = ${fmt(h)} (model h = 1e-6). ` +
    `The CS231n thresholds (good ≤ 1e-7, ok ≤ 1e-4) assume float64, whose round-off (u = 1.1e-16) is far below them; ` +
    `float32 (u = 6.0e-8) puts the centred difference’s round-off error ε|f|/h near or above them, so correct gradients read as suspect or wrong. ` +
    `At h = ${fmt(suggestedH32)} ≈ (3u)^(1/3), where truncation and round-off balance in float32, ${better} of ${rows.length} float32 verdicts improve; ` +
    `even there a correct gradient shows relative errors of 1e-4 to 1e-1 (the worst element is one whose gradient is small against |f|), so float32 cannot certify a gradient by these thresholds.`;
  return { seed, h, suggestedH32, rows, summary };
}

function rel(v: Verdict): number {
  return ['good', 'ok', 'warn', 'wrong'].indexOf(v);
}

