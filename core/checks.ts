/**
 * The gradient check of every layer and of the captioning model, at the CS231n notebooks'
 * sizes, with diagnostics that locate trouble (worst element, per-element and per-timestep errors).
 */
import { compareGradients, evalNumericalGradient, worstVerdict, type CheckReport, type LayerCheck, type ParamCheck, type Thresholds } from './gradcheck';
import { REFERENCE_LAYERS, type LayerImpl } from './layers/index';
import { CaptioningModel, PARAM_NAMES, type CellType } from './model';
import { Rng } from './random';
import { boolTensor, intTensor, type BoolTensor, type IntTensor, type Tensor } from './tensor';

/** One check case: float inputs (perturbed by the numerical gradient), integer inputs, upstream gradients. */
export interface CheckCase {
  inputs: Record<string, Tensor>;
  ints: Record<string, IntTensor>;
  masks: Record<string, BoolTensor>;
  douts: Record<string, Tensor>;
}

export interface LayerSpec {
  /** The eval op name, e.g. "rnn_step". */
  layer: string;
  sizes: Record<string, number>;
  /** Input name → gradient name, for every input that gets a gradient, in CS231n order. */
  grads: Record<string, string>;
  /** Input name → time axis, for inputs laid out (N, T, ·). */
  timeAxis?: Record<string, number>;
  /** Upstream gradient with a time axis 1: the check is repeated with only one step's loss active. */
  lossSteps?: string;
  make(rng: Rng): CheckCase;
  /** Σ over outputs of sum(out · dout), or the loss for loss layers. */
  objective(c: CheckCase, L: LayerImpl): number;
  /** Analytic gradients by input name. */
  analytic(c: CheckCase, L: LayerImpl): Record<string, Tensor>;
}

const randn = (rng: Rng, shape: number[], scale = 1): Tensor => ({ shape, data: rng.normals(shape.reduce((a, b) => a * b, 1), scale) });
const dot = (a: Tensor, b: Tensor): number => {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i] * b.data[i];
  return s;
};
const randInts = (rng: Rng, shape: number[], hi: number): IntTensor => intTensor(shape, Array.from({ length: shape[0] * shape[1] }, () => rng.int(hi)));

/** The layers' checks, at the sizes the CS231n notebooks use. */
export const LAYER_SPECS: LayerSpec[] = [
  {
    layer: 'affine',
    sizes: { N: 10, D: 6, M: 5 },
    grads: { x: 'dx', w: 'dw', b: 'db' },
    make: (rng) => ({ inputs: { x: randn(rng, [10, 2, 3]), w: randn(rng, [6, 5]), b: randn(rng, [5]) }, ints: {}, masks: {}, douts: { dout: randn(rng, [10, 5]) } }),
    objective: (c, L) => dot(L.affineForward(c.inputs.x, c.inputs.w, c.inputs.b).out, c.douts.dout),
    analytic: (c, L) => {
      const g = L.affineBackward(c.douts.dout, L.affineForward(c.inputs.x, c.inputs.w, c.inputs.b).cache);
      return { x: g.dx, w: g.dw, b: g.db };
    },
  },
  {
    layer: 'rnn_step',
    sizes: { N: 4, D: 5, H: 6 },
    grads: { x: 'dx', prev_h: 'dprev_h', Wx: 'dWx', Wh: 'dWh', b: 'db' },
    make: (rng) => ({
      inputs: { x: randn(rng, [4, 5]), prev_h: randn(rng, [4, 6]), Wx: randn(rng, [5, 6]), Wh: randn(rng, [6, 6]), b: randn(rng, [6]) },
      ints: {}, masks: {},
      douts: { dnext_h: randn(rng, [4, 6]) },
    }),
    objective: (c, L) => dot(L.rnnStepForward(c.inputs.x, c.inputs.prev_h, c.inputs.Wx, c.inputs.Wh, c.inputs.b).nextH, c.douts.dnext_h),
    analytic: (c, L) => {
      const g = L.rnnStepBackward(c.douts.dnext_h, L.rnnStepForward(c.inputs.x, c.inputs.prev_h, c.inputs.Wx, c.inputs.Wh, c.inputs.b).cache);
      return { x: g.dx, prev_h: g.dprevH, Wx: g.dWx, Wh: g.dWh, b: g.db };
    },
  },
  {
    layer: 'rnn',
    sizes: { N: 2, T: 10, D: 3, H: 5 },
    grads: { x: 'dx', h0: 'dh0', Wx: 'dWx', Wh: 'dWh', b: 'db' },
    timeAxis: { x: 1 },
    lossSteps: 'dh',
    make: (rng) => ({
      inputs: { x: randn(rng, [2, 10, 3]), h0: randn(rng, [2, 5]), Wx: randn(rng, [3, 5]), Wh: randn(rng, [5, 5]), b: randn(rng, [5]) },
      ints: {}, masks: {},
      douts: { dh: randn(rng, [2, 10, 5]) },
    }),
    objective: (c, L) => dot(L.rnnForward(c.inputs.x, c.inputs.h0, c.inputs.Wx, c.inputs.Wh, c.inputs.b).h, c.douts.dh),
    analytic: (c, L) => {
      const g = L.rnnBackward(c.douts.dh, L.rnnForward(c.inputs.x, c.inputs.h0, c.inputs.Wx, c.inputs.Wh, c.inputs.b).cache);
      return { x: g.dx, h0: g.dh0, Wx: g.dWx, Wh: g.dWh, b: g.db };
    },
  },
  {
    layer: 'word_embedding',
    sizes: { N: 50, T: 3, V: 5, D: 6 },
    grads: { W: 'dW' },
    make: (rng) => ({ inputs: { W: randn(rng, [5, 6]) }, ints: { x: randInts(rng, [50, 3], 5) }, masks: {}, douts: { dout: randn(rng, [50, 3, 6]) } }),
    objective: (c, L) => dot(L.wordEmbeddingForward(c.ints.x, c.inputs.W).out, c.douts.dout),
    analytic: (c, L) => ({ W: L.wordEmbeddingBackward(c.douts.dout, L.wordEmbeddingForward(c.ints.x, c.inputs.W).cache).dW }),
  },
  {
    layer: 'temporal_affine',
    sizes: { N: 2, T: 3, D: 4, M: 5 },
    grads: { x: 'dx', w: 'dw', b: 'db' },
    timeAxis: { x: 1 },
    make: (rng) => ({ inputs: { x: randn(rng, [2, 3, 4]), w: randn(rng, [4, 5]), b: randn(rng, [5]) }, ints: {}, masks: {}, douts: { dout: randn(rng, [2, 3, 5]) } }),
    objective: (c, L) => dot(L.temporalAffineForward(c.inputs.x, c.inputs.w, c.inputs.b).out, c.douts.dout),
    analytic: (c, L) => {
      const g = L.temporalAffineBackward(c.douts.dout, L.temporalAffineForward(c.inputs.x, c.inputs.w, c.inputs.b).cache);
      return { x: g.dx, w: g.dw, b: g.db };
    },
  },
  {
    layer: 'temporal_softmax_loss',
    sizes: { N: 7, T: 8, V: 9 },
    grads: { x: 'dx' },
    timeAxis: { x: 1 },
    make: (rng) => ({
      inputs: { x: randn(rng, [7, 8, 9], 0.001) },
      ints: { y: randInts(rng, [7, 8], 9) },
      masks: { mask: boolTensor([7, 8], Array.from({ length: 56 }, () => rng.uniform() > 0.5)) },
      douts: {},
    }),
    objective: (c, L) => L.temporalSoftmaxLoss(c.inputs.x, c.ints.y, c.masks.mask).loss,
    analytic: (c, L) => ({ x: L.temporalSoftmaxLoss(c.inputs.x, c.ints.y, c.masks.mask).dx }),
  },
  {
    layer: 'lstm_step',
    sizes: { N: 4, D: 5, H: 6 },
    grads: { x: 'dx', prev_h: 'dprev_h', prev_c: 'dprev_c', Wx: 'dWx', Wh: 'dWh', b: 'db' },
    make: (rng) => ({
      inputs: { x: randn(rng, [4, 5]), prev_h: randn(rng, [4, 6]), prev_c: randn(rng, [4, 6]), Wx: randn(rng, [5, 24]), Wh: randn(rng, [6, 24]), b: randn(rng, [24]) },
      ints: {}, masks: {},
      douts: { dnext_h: randn(rng, [4, 6]), dnext_c: randn(rng, [4, 6]) },
    }),
    objective: (c, L) => {
      const r = L.lstmStepForward(c.inputs.x, c.inputs.prev_h, c.inputs.prev_c, c.inputs.Wx, c.inputs.Wh, c.inputs.b);
      return dot(r.nextH, c.douts.dnext_h) + dot(r.nextC, c.douts.dnext_c);
    },
    analytic: (c, L) => {
      const r = L.lstmStepForward(c.inputs.x, c.inputs.prev_h, c.inputs.prev_c, c.inputs.Wx, c.inputs.Wh, c.inputs.b);
      const g = L.lstmStepBackward(c.douts.dnext_h, c.douts.dnext_c, r.cache);
      return { x: g.dx, prev_h: g.dprevH, prev_c: g.dprevC, Wx: g.dWx, Wh: g.dWh, b: g.db };
    },
  },
  {
    layer: 'lstm',
    sizes: { N: 2, T: 10, D: 3, H: 6 },
    grads: { x: 'dx', h0: 'dh0', Wx: 'dWx', Wh: 'dWh', b: 'db' },
    timeAxis: { x: 1 },
    lossSteps: 'dh',
    make: (rng) => ({
      inputs: { x: randn(rng, [2, 10, 3]), h0: randn(rng, [2, 6]), Wx: randn(rng, [3, 24]), Wh: randn(rng, [6, 24]), b: randn(rng, [24]) },
      ints: {}, masks: {},
      douts: { dh: randn(rng, [2, 10, 6]) },
    }),
    objective: (c, L) => dot(L.lstmForward(c.inputs.x, c.inputs.h0, c.inputs.Wx, c.inputs.Wh, c.inputs.b).h, c.douts.dh),
    analytic: (c, L) => {
      const g = L.lstmBackward(c.douts.dh, L.lstmForward(c.inputs.x, c.inputs.h0, c.inputs.Wx, c.inputs.Wh, c.inputs.b).cache);
      return { x: g.dx, h0: g.dh0, Wx: g.dWx, Wh: g.dWh, b: g.db };
    },
  },
];

export const LAYER_NAMES = LAYER_SPECS.map((s) => s.layer);

export interface CheckOptions {
  /** A layer name, "model" (both cells, or `cell`), or "all" (default). */
  layer?: string;
  /** Restricts the model check to one cell type. */
  cell?: CellType;
  seed?: number;
  /** Step of the numerical gradient for layers (CS231n default 1e-5); the model uses `modelH`. */
  h?: number;
  modelH?: number;
  thresholds?: Thresholds;
  /** Layer implementations to check (the bug catalogue swaps in broken ones). */
  layers?: LayerImpl;
  /** Called after each layer's check, for progress. Return false to stop (cancellation). */
  onLayer?: (done: LayerCheck, index: number, total: number) => boolean | void;
}

/** Runs one layer spec: every gradient against its centred-difference estimate. */
export function checkLayer(spec: LayerSpec, seed: number, h = 1e-5, L: LayerImpl = REFERENCE_LAYERS, thresholds?: Thresholds): LayerCheck {
  const t0 = Date.now();
  const c = spec.make(new Rng(seed));
  const analytic = spec.analytic(c, L);
  const params: ParamCheck[] = [];
  for (const [input, gradName] of Object.entries(spec.grads)) {
    const numeric = evalNumericalGradient(() => spec.objective(c, L), c.inputs[input], h);
    const pc = compareGradients(gradName, analytic[input], numeric, { timeAxis: spec.timeAxis?.[input], thresholds });
    params.push(pc);
  }
  if (spec.lossSteps) addLossStepErrors(spec, c, params, h, L);
  return { layer: spec.layer, sizes: spec.sizes, params, verdict: worstVerdict(params.map((p) => p.verdict)), ms: Date.now() - t0 };
}

/**
 * For gradients without a time axis (weights, h0), the error by the step whose loss is active:
 * the check is repeated with the upstream gradient zero except at step t. A weight gradient that
 * is right for early losses and wrong for late ones points at the accumulation through time.
 */
function addLossStepErrors(spec: LayerSpec, c: CheckCase, params: ParamCheck[], h: number, L: LayerImpl): void {
  const full = c.douts[spec.lossSteps!];
  const [n, steps, k] = full.shape;
  const per = new Map<string, number[]>();
  for (let t = 0; t < steps; t++) {
    const masked = new Float64Array(full.data.length);
    for (let i = 0; i < n; i++) masked.set(full.data.subarray((i * steps + t) * k, (i * steps + t + 1) * k), (i * steps + t) * k);
    const ct: CheckCase = { ...c, douts: { ...c.douts, [spec.lossSteps!]: { shape: full.shape, data: masked } } };
    const analytic = spec.analytic(ct, L);
    for (const [input, gradName] of Object.entries(spec.grads)) {
      if (spec.timeAxis?.[input] !== undefined) continue;
      const numeric = evalNumericalGradient(() => spec.objective(ct, L), ct.inputs[input], h);
      const e = compareGradients(gradName, analytic[input], numeric).relError;
      if (!per.has(gradName)) per.set(gradName, []);
      per.get(gradName)!.push(e);
    }
  }
  for (const p of params) {
    const errs = per.get(p.name);
    if (errs) {
      p.perTimestep = errs;
      p.perTimestepKind = 'loss-step';
    }
  }
}

/** The notebook's model check: N=2, T=3 steps of input, D=4, W=5, H=6, V=3, h=1e-6, every parameter element. */
export function checkModel(cell: CellType, seed: number, h = 1e-6, L: LayerImpl = REFERENCE_LAYERS, thresholds?: Thresholds): LayerCheck {
  const t0 = Date.now();
  const rng = new Rng(seed);
  const [N, T, D, W, H] = [2, 3, 4, 5, 6];
  const wordToIdx = { '<NULL>': 0, cat: 2, dog: 3 };
  const V = Object.keys(wordToIdx).length;
  const captions = randInts(rng, [N, T], V);
  const features = randn(rng, [N, D]);
  const model = new CaptioningModel({ wordToIdx, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: cell, seed: seed + 1, layers: L });
  const { grads } = model.loss(features, captions);
  const params: ParamCheck[] = [];
  for (const name of [...PARAM_NAMES].sort()) {
    const numeric = evalNumericalGradient(() => model.loss(features, captions).loss, model.params[name], h);
    params.push(compareGradients(name, grads[name], numeric, { thresholds }));
  }
  // Every parameter again with one step's loss at a time (as addLossStepErrors does for the layers).
  for (let s = 0; s < T - 1; s++) {
    const step = model.loss(features, captions, { onlyStep: s }).grads;
    for (const pc of params) {
      const name = pc.name as (typeof PARAM_NAMES)[number];
      const numeric = evalNumericalGradient(() => model.loss(features, captions, { onlyStep: s }).loss, model.params[name], h);
      (pc.perTimestep ??= []).push(compareGradients(name, step[name], numeric).relError);
      pc.perTimestepKind = 'loss-step';
    }
  }
  return { layer: `captioning_${cell}`, sizes: { N, T, D, W, H, V }, params, verdict: worstVerdict(params.map((p) => p.verdict)), ms: Date.now() - t0 };
}

export const MODEL_CHECK_NAMES = ['captioning_rnn', 'captioning_lstm'];

/** Runs the requested checks (default: every layer and both models) and gathers them in a report. */
export function runChecks(opts: CheckOptions = {}): CheckReport {
  const seed = opts.seed ?? 231;
  const h = opts.h ?? 1e-5;
  const which = opts.layer ?? 'all';
  const L = opts.layers ?? REFERENCE_LAYERS;
  const jobs: (() => LayerCheck)[] = [];
  const known = [...LAYER_NAMES, ...MODEL_CHECK_NAMES, 'model', 'all'];
  if (!known.includes(which)) throw new Error(`unknown layer "${which}": expected one of ${known.join(', ')}`);
  for (const spec of LAYER_SPECS) {
    if (which === 'all' || which === spec.layer) jobs.push(() => checkLayer(spec, seed, h, L, opts.thresholds));
  }
  for (const cell of ['rnn', 'lstm'] as const) {
    const wanted = which === 'all' || which === 'model' || which === `captioning_${cell}`;
    if (wanted && (opts.cell === undefined || opts.cell === cell)) jobs.push(() => checkModel(cell, seed, opts.modelH ?? 1e-6, L, opts.thresholds));
  }
  const layers: LayerCheck[] = [];
  for (let i = 0; i < jobs.length; i++) {
    const done = jobs[i]();
    layers.push(done);
    if (opts.onLayer?.(done, i, jobs.length) === false) break;
  }
  return { seed, h, dtype: 'float64', layers, verdict: worstVerdict(layers.map((l) => l.verdict)) };
}
