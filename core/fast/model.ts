/**
 * The captioning model on the wasm engine: loss + all gradients and greedy sampling in float64 or
 * float32, with every tensor living in WebAssembly memory (no copies between layers). Same interface
 * and semantics as the reference CaptioningModel (core/model.ts), which stays the float64 oracle and
 * the fallback where WebAssembly SIMD is missing (see createFastModel).
 *
 * Internally everything is time-major, (T, N, ·), so a time step is a contiguous N-row block:
 * one GEMM computes x·Wx + b for all steps, each step adds h_{t-1}·Wh into its block, and in the
 * backward pass each step accumulates da_t·Whᵀ straight into dh_{t-1} (beta = 1). dWx, dWh, db,
 * dW_vocab are then single large GEMMs / column sums over all T·N rows.
 *
 * Parameters are float64 master copies (Tensors whose data are views on wasm memory, so an optimiser
 * updating `params[k].data` in place writes straight into the engine). The float32 path demotes them
 * into float32 working copies at each call and promotes the float32 gradients back.
 */
import { CaptioningModel, PARAM_NAMES, type CellType, type ModelConfig, type ModelParams, type ModelTrace, type ParamName } from '../model';
import { expectRank, expectShape, intTensor, ShapeError, type IntTensor, type Tensor } from '../tensor';
import type { SamplingStepper } from '../sampling';
import { runSampleRows, S, SAMPLE_JOB, sampleDescLength, sampleRowRanges } from './sampleJob';
import type { OptimConfig } from '../optim';
import { detectWasmSupport, getEngine, type DType, type FloatArray, type PackedB, type WasmEngine } from '../wasm/engine';

/** Row-parallel elementwise kernels are split with the helper thread from this many elements up. */
const ELEMWISE_SPLIT = 32768;
/** float64 <-> float32 copies of the parameters and gradients are split between threads from this many elements. */
const CONVERT_SPLIT = 65536;
/** Softmax rows are split from this many scores up. */
const SOFTMAX_SPLIT = 32768;

/**
 * Orders a batch's rows by their last counted step (`last`, -1 for none), latest first, ties in row
 * order: perm[j] is the row at position j. live[s] counts the rows with a counted step at s or later
 * (they are the first live[s]); off[s] sums live[0..s) (off[T]: all live rows of all steps).
 */
export function orderByLast(last: Int32Array, T: number, perm: Int32Array, live: Int32Array, off: Int32Array): void {
  const n = last.length;
  let j = 0;
  for (let l = T - 1; l >= -1; l--) {
    for (let i = 0; i < n; i++) if (last[i] === l) perm[j++] = i;
  }
  off[0] = 0;
  for (let s = 0; s < T; s++) {
    let m = 0;
    while (m < n && last[perm[m]] >= s) m++;
    live[s] = m;
    off[s + 1] = off[s] + m;
  }
}

/** What training, sampling and gradient checks need from a captioning model. */
export interface CaptioningModelLike {
  readonly cellType: CellType;
  readonly vocabSize: number;
  readonly nullIdx: number;
  readonly startIdx: number | undefined;
  readonly endIdx: number | undefined;
  readonly idxToWord: string[];
  readonly wordToIdx: Readonly<Record<string, number>>;
  readonly inputDim: number;
  readonly wordvecDim: number;
  readonly hiddenDim: number;
  params: ModelParams;
  shapes(): Record<ParamName, number[]>;
  setParams(p: Readonly<Record<string, Tensor>>): void;
  loss(features: Tensor, captions: IntTensor): { loss: number; grads: ModelParams };
  sample(features: Tensor, maxLength?: number): IntTensor;
  trace(features: Tensor, captions: IntTensor, row?: number): ModelTrace;
}

export interface FastModelOptions extends Omit<ModelConfig, 'layers'> {
  /** 'f64' (default) or 'f32' (float32 arithmetic, float64 master parameters and gradients). */
  dtype?: DType;
  /** Engine to run on (default: the process-wide getEngine(), which a Node adapter may have made two-threaded). */
  engine?: WasmEngine;
  /** Initial parameter values (copied); default: the reference initialisation for `seed`. */
  params?: Readonly<Record<string, Tensor>>;
  /**
   * Return gradients as views on engine memory that the next loss() call overwrites (no copy).
   * Default false: fresh Float64Arrays, like the reference.
   */
  reuseGrads?: boolean;
}

/** Work buffers for one (N, T) shape. */
interface Work {
  n: number;
  t: number;
  feat: FloatArray; // (N, D)
  hbuf: FloatArray; // (T+1, N, H): slot 0 = h0
  cbuf: FloatArray | undefined; // (T+1, N, H) LSTM cells, slot 0 = 0
  tc: FloatArray | undefined; // (T, N, H) tanh(c_t)
  dc: FloatArray | undefined; // (N, H)
  // The batch runs in `perm` order (rows by their last counted step, latest first), so the rows still
  // live at step s are the first live[s]; "packed" arrays hold step s's live rows at rows off[s]…
  x: FloatArray; // (U, W) the embeddings of the U distinct input words of the live rows
  xw: FloatArray; // (U, G) their x·Wx, then the sum of da over each word's rows
  a: FloatArray; // packed (R, G) pre-activations -> gates -> da
  s: FloatArray; // (≤ T·N, V) scores -> dscores of the counted rows
  dh: FloatArray; // packed (R, H)
  dx: FloatArray; // (U, W) the gradient of each distinct word's embedding
  dh0: FloatArray; // (N, H)
  idx: Int32Array; // packed (R): captions_in
  uw: Int32Array; // (U) the distinct words
  widx: Int32Array; // packed (R): each row's word as an index into uw
  wmap: Int32Array; // (V) word -> index into uw (-1: not in this batch)
  hsrc: Int32Array; // packed (R): the row of h_{s} (time-major slots of hbuf) each packed row came from
  urows: Int32Array; // rows whose target counts (mask = 1), time-major slots of hbuf from slot 1
  urowsP: Int32Array; // the same rows, packed
  yc: Int32Array; // their targets
  ones: Int32Array; // all 1: the mask of the compacted rows
  hc: FloatArray; // (≤ T·N, H) hidden states of the counted rows, then their gradient, then packed h_{s}
  perm: Int32Array; // (N) batch row of each position
  last: Int32Array; // (N) each batch row's last counted step (-1: none)
  live: Int32Array; // (T) rows still live at step s
  off: Int32Array; // (T+1) packed offset of step s; off[T] = R
}

export class FastCaptioningModel implements CaptioningModelLike {
  readonly dtype: DType;
  readonly engine: WasmEngine;
  readonly cellType: CellType;
  readonly vocabSize: number;
  readonly nullIdx: number;
  readonly startIdx: number | undefined;
  readonly endIdx: number | undefined;
  readonly idxToWord: string[];
  readonly wordToIdx: Readonly<Record<string, number>>;
  readonly inputDim: number;
  readonly wordvecDim: number;
  readonly hiddenDim: number;
  params: ModelParams;
  /** The reference model on the same parameter tensors (used for trace()). */
  private readonly ref: CaptioningModel;
  private readonly master: Record<ParamName, Float64Array>; // f64 master values (wasm memory)
  private readonly w: Record<ParamName, FloatArray>; // working dtype (== master for f64)
  private readonly g: Record<ParamName, FloatArray>; // gradients in working dtype
  private readonly g64: Record<ParamName, Float64Array>; // f64 gradients (== g for f64)
  private readonly reuseGrads: boolean;
  private work: Work | undefined;
  private sampleWork: { n: number; bufs: FloatArray[]; words: Int32Array } | undefined;
  /**
   * Float64 greedy sampling computes the vocabulary scores in float32 and recomputes in float64 the
   * few words that could be the largest (kernel screen_argmax_f64, core/wasm/as/screen.ts): the same words.
   * false: every score in float64 (for comparing the two).
   */
  sampleScreen = true;
  private disposed = false;
  /** Adam's moments in wasm memory, by parameter (see updateInPlace). */
  private readonly moments = new Map<ParamName, { m: Float64Array; v: Float64Array }>();

  constructor(opts: FastModelOptions) {
    const engine = opts.engine ?? getEngine();
    this.engine = engine;
    this.dtype = opts.dtype ?? 'f64';
    if (this.dtype !== 'f64' && this.dtype !== 'f32') throw new Error(`dtype must be "f64" or "f32", got "${String(this.dtype)}"`);
    this.reuseGrads = opts.reuseGrads ?? false;
    const ref = new CaptioningModel(opts);
    this.ref = ref;
    this.cellType = ref.cellType;
    this.vocabSize = ref.vocabSize;
    this.nullIdx = ref.nullIdx;
    this.startIdx = ref.startIdx;
    this.endIdx = ref.endIdx;
    this.idxToWord = ref.idxToWord;
    this.wordToIdx = ref.wordToIdx;
    this.inputDim = ref.inputDim;
    this.wordvecDim = ref.wordvecDim;
    this.hiddenDim = ref.hiddenDim;
    if (opts.params) ref.setParams(opts.params);
    const shapes = ref.shapes();
    const master = {} as Record<ParamName, Float64Array>;
    const params = {} as ModelParams;
    const w = {} as Record<ParamName, FloatArray>;
    const g = {} as Record<ParamName, FloatArray>;
    const g64 = {} as Record<ParamName, Float64Array>;
    for (const name of PARAM_NAMES) {
      const size = shapes[name].reduce((a, b) => a * b, 1);
      master[name] = engine.f64(size);
      master[name].set(ref.params[name].data);
      params[name] = { shape: [...shapes[name]], data: master[name] };
      w[name] = this.dtype === 'f64' ? master[name] : engine.f32(size);
      g[name] = engine.floats(this.dtype, size);
      g64[name] = this.dtype === 'f64' ? (g[name] as Float64Array) : engine.f64(size);
    }
    this.master = master;
    this.params = params;
    this.w = w;
    this.g = g;
    this.g64 = g64;
    ref.params = params;
  }

  shapes(): Record<ParamName, number[]> {
    return this.ref.shapes();
  }

  /** Replaces parameter values after checking every name and shape (values are copied). */
  setParams(p: Readonly<Record<string, Tensor>>): void {
    const shapes = this.shapes();
    for (const name of PARAM_NAMES) {
      const t = p[name];
      if (!t) throw new Error(`parameter ${name} is missing`);
      expectShape('setParams', name, t, shapes[name]);
    }
    for (const name of PARAM_NAMES) this.master[name].set(p[name].data);
    const params = {} as ModelParams;
    for (const name of PARAM_NAMES) params[name] = { shape: [...shapes[name]], data: this.master[name] };
    this.params = params;
  }

  /** Frees the engine memory of this model. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.freeWork();
    this.freeSampleWork();
    for (const name of PARAM_NAMES) {
      if (this.dtype === 'f32') {
        this.engine.release(this.w[name]);
        this.engine.release(this.g64[name]);
      }
      this.engine.release(this.g[name]);
      this.engine.release(this.master[name]);
    }
    for (const { m, v } of this.moments.values()) {
      this.engine.release(v);
      this.engine.release(m);
    }
    this.moments.clear();
  }

  /**
   * The solver's update of one parameter on the engine, when it can be done there: Adam with the
   * parameter and its gradient in wasm memory (adam_f64: the operations of core/optim.ts's adam in
   * the same order, so the numbers are bit-identical). The moments move into wasm memory on first
   * use (config.m / config.v become views on it; a config whose arrays were replaced, e.g. by a
   * snapshot restore, is copied in again). Returns false for anything else (the caller updates).
   */
  updateInPlace(name: ParamName, dw: Float64Array, config: OptimConfig): boolean {
    if (config.rule !== 'adam' || this.disposed) return false;
    const e = this.engine;
    const w = this.params[name]?.data;
    if (!(w instanceof Float64Array) || !e.owns(w) || !e.owns(dw) || w.length !== dw.length) return false;
    const n = w.length;
    if ((config.m && config.m.length !== n) || (config.v && config.v.length !== n)) return false; // optim.ts reports it
    let st = this.moments.get(name);
    if (!st || st.m.length !== n) {
      st = { m: e.f64(n), v: e.f64(n) };
      this.moments.set(name, st);
    }
    if (config.m !== st.m) {
      if (config.m) st.m.set(config.m);
      else st.m.fill(0);
      config.m = st.m;
    }
    if (config.v !== st.v) {
      if (config.v) st.v.set(config.v);
      else st.v.fill(0);
      config.v = st.v;
    }
    const { learningRate: lr, beta1: b1, beta2: b2, epsilon: eps } = config;
    const t = config.t + 1;
    const c1 = 1 - Math.pow(b1, t);
    const c2 = 1 - Math.pow(b2, t);
    e.kernel('adam_f64')(w.byteOffset, dw.byteOffset, st.m.byteOffset, st.v.byteOffset, n, lr, b1, b2, 1 - b1, 1 - b2, eps, c1, c2);
    config.t = t;
    return true;
  }

  trace(features: Tensor, captions: IntTensor, row = 0): ModelTrace {
    this.ref.params = this.params;
    return this.ref.trace(features, captions, row);
  }

  // ---------------------------------------------------------------- helpers

  /** Brings the working parameters up to date with `this.params` (which callers may replace or edit). */
  private syncParams(): void {
    if (this.disposed) throw new Error('this fast model has been disposed');
    const shapes = this.shapes();
    const f32 = this.dtype === 'f32';
    for (const name of PARAM_NAMES) {
      const t = this.params[name];
      if (!t) throw new Error(`parameter ${name} is missing`);
      const m = this.master[name];
      if (t.data !== m) {
        expectShape('CaptioningRNN.loss', name, t, shapes[name]);
        m.set(t.data);
      }
      if (f32) this.convert('demote', this.w[name], m);
    }
  }

  /** dst = src converted (float64 -> float32 or back), split between the engine's threads from CONVERT_SPLIT elements. */
  private convert(kernel: 'demote' | 'promote', dst: FloatArray, src: FloatArray): void {
    const e = this.engine, d = e.ptr(dst), s = e.ptr(src), de = dst.BYTES_PER_ELEMENT, se = src.BYTES_PER_ELEMENT;
    e.callRows(kernel, undefined, src.length, CONVERT_SPLIT, (i0, i1) => [d + i0 * de, s + i0 * se, i1 - i0]);
  }

  private freeWork(): void {
    const wk = this.work;
    if (!wk) return;
    this.work = undefined;
    for (const b of [wk.feat, wk.hbuf, wk.cbuf, wk.tc, wk.dc, wk.x, wk.a, wk.s, wk.dh, wk.dx, wk.dh0, wk.idx, wk.uw, wk.widx, wk.xw, wk.hsrc, wk.urows, wk.urowsP, wk.yc, wk.ones, wk.hc]) {
      if (b) this.engine.release(b);
    }
  }

  private freeSampleWork(): void {
    const sw = this.sampleWork;
    if (!sw) return;
    this.sampleWork = undefined;
    for (const b of sw.bufs) this.engine.release(b);
    this.engine.release(sw.words);
  }

  private workFor(n: number, t: number): Work {
    if (this.work && this.work.n === n && this.work.t === t) return this.work;
    this.freeWork();
    const e = this.engine, dt = this.dtype;
    const D = this.inputDim, W = this.wordvecDim, H = this.hiddenDim, V = this.vocabSize;
    const G = this.cellType === 'lstm' ? 4 * H : H;
    const lstm = this.cellType === 'lstm';
    this.work = {
      n, t,
      feat: e.floats(dt, n * D),
      hbuf: e.floats(dt, (t + 1) * n * H),
      cbuf: lstm ? e.floats(dt, (t + 1) * n * H) : undefined,
      tc: lstm ? e.floats(dt, t * n * H) : undefined,
      dc: lstm ? e.floats(dt, n * H) : undefined,
      x: e.floats(dt, t * n * W),
      a: e.floats(dt, t * n * G),
      s: e.floats(dt, t * n * V),
      dh: e.floats(dt, t * n * H),
      dx: e.floats(dt, t * n * W),
      dh0: e.floats(dt, n * H),
      idx: e.i32(t * n),
      uw: e.i32(Math.min(t * n, V)),
      widx: e.i32(t * n),
      wmap: new Int32Array(V).fill(-1),
      xw: e.floats(dt, Math.min(t * n, V) * G),
      hsrc: e.i32(t * n),
      urows: e.i32(t * n),
      urowsP: e.i32(t * n),
      yc: e.i32(t * n),
      ones: e.i32(t * n).fill(1),
      hc: e.floats(dt, t * n * H),
      perm: new Int32Array(n),
      last: new Int32Array(n),
      live: new Int32Array(t),
      off: new Int32Array(t + 1),
    };
    return this.work;
  }

  /** Copies the features in (rows in `perm` order when given), checking their shape. */
  private loadFeatures(features: Tensor, dst: FloatArray, op: string, perm?: Int32Array): void {
    expectRank(op, 'features', features, 2);
    const D = this.inputDim;
    if (features.shape[1] !== D) {
      throw new ShapeError(`${op}: features have D = ${features.shape[1]}, the model expects ${D}`);
    }
    if (!perm) {
      dst.set(features.data);
      return;
    }
    const src = features.data;
    for (let j = 0; j < perm.length; j++) {
      const i = perm[j];
      dst.set(src.subarray(i * D, (i + 1) * D), j * D);
    }
  }

  // ---------------------------------------------------------------- loss

  /**
   * Training loss and gradients. features: (N, D); captions: (N, T+1) word indices.
   * captions[:, :-1] is fed in, captions[:, 1:] is predicted, <NULL> targets are masked.
   */
  loss(features: Tensor, captions: IntTensor): { loss: number; grads: ModelParams } {
    const loss = this.run(features, captions, true);
    const shapes = this.shapes();
    const grads = {} as ModelParams;
    const f32 = this.dtype === 'f32';
    for (const name of PARAM_NAMES) {
      const g64 = this.g64[name];
      if (f32) this.convert('promote', g64, this.g[name]);
      grads[name] = { shape: [...shapes[name]], data: this.reuseGrads ? g64 : new Float64Array(g64) };
    }
    return { loss, grads };
  }

  /** The loss alone (no backward pass): what a numerical gradient evaluates. */
  lossOnly(features: Tensor, captions: IntTensor): number {
    return this.run(features, captions, false);
  }

  private run(features: Tensor, captions: IntTensor, backward: boolean): number {
    const op = 'CaptioningRNN.loss';
    expectRank(op, 'features', features, 2);
    expectRank(op, 'captions', captions, 2);
    const [n] = features.shape;
    const [cn, tp1] = captions.shape;
    if (cn !== n) throw new ShapeError(`${op}: features ${n} rows but captions ${cn} rows`);
    if (tp1 < 2) throw new ShapeError(`${op}: captions need at least 2 columns, got ${tp1}`);
    const T = tp1 - 1;
    const D = this.inputDim, W = this.wordvecDim, H = this.hiddenDim, V = this.vocabSize;
    const lstm = this.cellType === 'lstm';
    const G = lstm ? 4 * H : H;
    const e = this.engine, dt = this.dtype, es = dt === 'f64' ? 8 : 4;
    const wk = this.workFor(n, T);
    // Words validated like the reference layers; each row's last counted step (target not <NULL>).
    const cap = captions.data;
    const last = wk.last;
    for (let i = 0; i < n; i++) {
      let l = -1;
      for (let s = 0; s < T; s++) {
        const win = cap[i * tp1 + s], wout = cap[i * tp1 + s + 1];
        if (!(win >= 0 && win < V)) throw new ShapeError(`word_embedding_forward: x[${i}, ${s}] = ${win} is outside the vocabulary [0, ${V})`);
        if (!(wout >= 0 && wout < V)) throw new ShapeError(`temporal_softmax_loss: y[${i}, ${s}] = ${wout} is outside [0, ${V})`);
        if (wout !== this.nullIdx) l = s;
      }
      last[i] = l;
    }
    // A row adds nothing to the loss or to any gradient after its last counted step: its hidden
    // state there feeds only masked scores. The batch therefore runs with rows ordered by that step,
    // latest first (stable), and step s runs on its first live[s] rows only; the skipped work is
    // exactly zero in the reference (real captions end early: about half of T·N at T = 16).
    const { perm, live, off } = wk;
    orderByLast(last, T, perm, live, off);
    const R = off[T];
    this.loadFeatures(features, wk.feat, op, perm);
    let MU = 0;
    for (let s = 0; s < T; s++) {
      const m = live[s], o = off[s];
      for (let j = 0; j < m; j++) {
        const i = perm[j];
        wk.idx[o + j] = cap[i * tp1 + s];
        wk.hsrc[o + j] = s * n + j;
        const wout = cap[i * tp1 + s + 1];
        if (wout !== this.nullIdx) {
          wk.urows[MU] = s * n + j;
          wk.urowsP[MU] = o + j;
          wk.yc[MU++] = wout;
        }
      }
    }
    this.syncParams();
    const p = this.w;
    const P = (a: FloatArray | Int32Array) => e.ptr(a);
    const hb = P(wk.hbuf), ab = P(wk.a), dhb = P(wk.dh);
    const NH = n * H, TN = T * n;
    const gemm = (ta: boolean, tb: boolean, M: number, N: number, K: number, A: number, B: number, C: number, beta: 0 | 1) =>
      e.gemmRaw(dt, ta, tb, M, N, K, A, ta ? M : K, B, tb ? K : N, C, N, beta);
    const k = (name: string) => e.kernel(name, dt);

    // h0 = features·W_proj + b_proj, into slot 0 of hbuf.
    k('fill_rows')(hb, n, H, P(p.b_proj));
    gemm(false, false, n, H, D, P(wk.feat), P(p.W_proj), hb, 1);
    // x·Wx + b for every live row of every step at once (packed): x·Wx once per distinct word (a
    // table of U rows; real captions repeat their words), then each row's entry plus b.
    const { uw, widx, wmap } = wk;
    let U = 0;
    for (let r = 0; r < R; r++) {
      const w = wk.idx[r];
      if (wmap[w] < 0) {
        wmap[w] = U;
        uw[U++] = w;
      }
      widx[r] = wmap[w];
    }
    for (let u = 0; u < U; u++) wmap[uw[u]] = -1;
    const xw = P(wk.xw);
    k('gather_rows')(P(wk.x), P(p.W_embed), P(uw), U, W);
    gemm(false, false, U, G, W, P(wk.x), P(p.Wx), xw, 0);
    k('gather_add_rows')(ab, xw, P(widx), P(p.b), 0, R, G);
    // The recurrence; Wh is packed once for all T steps. h and c stay in time-major slots of N rows.
    const Wh = P(p.Wh);
    const pbWh = e.packB(dt, false, H, G, Wh, G);
    const minRows = Math.ceil(ELEMWISE_SPLIT / H), minRowsLstm = Math.ceil(ELEMWISE_SPLIT / 4 / H);
    if (!lstm) {
      for (let s = 0; s < T && live[s] > 0; s++) {
        const as = ab + off[s] * G * es, hn = hb + (s + 1) * NH * es;
        e.gemmPacked(false, live[s], hb + s * NH * es, H, pbWh, as, G, 1);
        e.callRows('tanh', dt, live[s], minRows, (r0, r1) => [hn + r0 * H * es, as + r0 * H * es, (r1 - r0) * H]);
      }
    } else {
      const cb = P(wk.cbuf!), tcb = P(wk.tc!);
      wk.cbuf!.fill(0, 0, NH);
      for (let s = 0; s < T && live[s] > 0; s++) {
        const as = ab + off[s] * G * es, cp = cb + s * NH * es, cn = cb + (s + 1) * NH * es, tc = tcb + s * NH * es, hn = hb + (s + 1) * NH * es;
        e.gemmPacked(false, live[s], hb + s * NH * es, H, pbWh, as, G, 1);
        e.callRows('lstm_fwd', dt, live[s], minRowsLstm, (r0, r1) =>
          [as + r0 * G * es, cp + r0 * H * es, cn + r0 * H * es, tc + r0 * H * es, hn + r0 * H * es, r1 - r0, H]);
      }
    }
    e.releasePacked(pbWh);
    // Scores and the masked softmax loss (dscores overwrite the scores). Positions whose target is
    // <NULL> add nothing to the loss or to any gradient, so the vocabulary projection (more than half
    // of all flops) runs on the MU counted rows only, gathered into hc.
    const compact = MU < TN;
    const hs = compact ? P(wk.hc) : hb + NH * es;
    if (compact) k('gather_rows')(hs, hb + NH * es, P(wk.urows), MU, H);
    const sb = P(wk.s);
    k('fill_rows')(sb, MU, V, P(p.b_vocab));
    gemm(false, false, MU, V, H, hs, P(p.W_vocab), sb, 1);
    const yb = P(wk.yc), mb = P(wk.ones);
    const lossSum = e.callRows('softmax_xent', dt, MU, Math.ceil(SOFTMAX_SPLIT / V), (r0, r1) =>
      [sb + r0 * V * es, yb + r0 * 4, mb + r0 * 4, r1 - r0, V, 1 / n, backward ? 1 : 0], [5]);
    const loss = lossSum / n;
    if (!backward) return loss;

    const g = this.g;
    // Vocabulary projection backward (dh of the counted rows, scattered into the packed rows; zero elsewhere).
    gemm(true, false, H, V, MU, hs, sb, P(g.W_vocab), 0);
    k('col_sums')(P(g.b_vocab), sb, MU, V, 0);
    if (compact) {
      gemm(false, true, MU, H, V, sb, P(p.W_vocab), hs, 0);
      wk.dh.fill(0, 0, R * H);
      k('scatter_add_rows')(dhb, hs, P(wk.urowsP), MU, H);
    } else {
      // Every position counts: every row is live at every step, and packed rows are the slots.
      gemm(false, true, TN, H, V, sb, P(p.W_vocab), dhb, 0);
    }
    // Backward through time: da_t in place, da_t·Whᵀ accumulated into dh_{t-1} (or dh0) of the live rows.
    const dh0 = P(wk.dh0);
    const pbWhT = e.packB(dt, true, G, H, Wh, G); // Whᵀ, packed once for all steps
    let da: number;
    if (!lstm) {
      const back = k('tanh_back');
      for (let s = T - 1; s >= 0; s--) {
        const m = live[s], dh = dhb + off[s] * H * es;
        if (m === 0) continue;
        back(dh, hb + (s + 1) * NH * es, m * H);
        if (s > 0) e.gemmPacked(false, m, dh, G, pbWhT, dhb + off[s - 1] * H * es, H, 1);
        else e.gemmPacked(false, m, dh, G, pbWhT, dh0, H, 0);
      }
      da = dhb;
    } else {
      const cb = P(wk.cbuf!), tcb = P(wk.tc!), dcb = P(wk.dc!);
      wk.dc!.fill(0);
      for (let s = T - 1; s >= 0; s--) {
        const m = live[s];
        if (m === 0) continue;
        const as = ab + off[s] * G * es, dh = dhb + off[s] * H * es, cp = cb + s * NH * es, tc = tcb + s * NH * es;
        e.callRows('lstm_bwd', dt, m, minRowsLstm * 2, (r0, r1) =>
          [as + r0 * G * es, dh + r0 * H * es, dcb + r0 * H * es, cp + r0 * H * es, tc + r0 * H * es, r1 - r0, H]);
        if (s > 0) e.gemmPacked(false, m, as, G, pbWhT, dhb + off[s - 1] * H * es, H, 1);
        else e.gemmPacked(false, m, as, G, pbWhT, dh0, H, 0);
      }
      da = ab;
    }
    e.releasePacked(pbWhT);
    // Rows with no counted step at all (past live[0]) get no gradient through h0.
    wk.dh0.fill(0, live[0] * H);
    // Parameter gradients of the recurrence over all R packed rows at once; h_{s} of each packed row
    // is gathered from its slot (when every row is live at every step, the slots are already packed).
    let hp = hb;
    if (R < TN) {
      hp = P(wk.hc);
      k('gather_rows')(hp, hb, P(wk.hsrc), R, H);
    }
    gemm(true, false, H, G, R, hp, da, P(g.Wh), 0);
    k('col_sums')(P(g.b), da, R, G, 0);
    // Through x: da summed over each distinct word's rows first, then dWx = xᵀ·that and each word's
    // embedding gradient that·Wxᵀ (U rows instead of R).
    wk.xw.fill(0, 0, U * G);
    k('scatter_add_rows')(xw, da, P(widx), R, G);
    gemm(true, false, W, G, U, P(wk.x), xw, P(g.Wx), 0);
    gemm(false, true, U, W, G, xw, P(p.Wx), P(wk.dx), 0);
    g.W_embed.fill(0);
    k('scatter_add_rows')(P(g.W_embed), P(wk.dx), P(uw), U, W);
    // Image projection backward.
    gemm(true, false, D, H, n, P(wk.feat), dh0, P(g.W_proj), 0);
    k('col_sums')(P(g.b_proj), dh0, n, H, 0);
    return loss;
  }

  // ---------------------------------------------------------------- sampling

  /**
   * The recurrence one step at a time on the engine, in float64 on the master parameters whatever
   * the model's dtype (beam search and temperature sampling, core/sampling.ts): the same formulas
   * as the reference step functions, with the engine's products and nonlinearities.
   */
  stepper(): SamplingStepper {
    this.syncParams();
    const e = this.engine, p = this.master;
    const H = this.hiddenDim, V = this.vocabSize, W = this.wordvecDim, D = this.inputDim;
    const lstm = this.cellType === 'lstm';
    const G = lstm ? 4 * H : H;
    const k = (name: string) => e.kernel(name, 'f64');
    // Engine arrays for n rows, released before returning; results are copied out.
    const scoped = <T>(fn: (f64: (n: number) => Float64Array, i32: (n: number) => Int32Array) => T): T => {
      const held: (Float64Array | Int32Array)[] = [];
      try {
        return fn((n) => { const a = e.f64(Math.max(1, n)); held.push(a); return a; }, (n) => { const a = e.i32(Math.max(1, n)); held.push(a); return a; });
      } finally {
        for (let i = held.length - 1; i >= 0; i--) e.release(held[i]);
      }
    };
    return {
      h: H,
      v: V,
      h0: (features: Tensor): Tensor => {
        if (features.shape.length !== 2 || features.shape[1] !== D) throw new ShapeError(`sampling: features have shape (${features.shape.join(', ')}), the model expects (N, ${D})`);
        const n = features.shape[0];
        return scoped((f64) => {
          const F = f64(n * D), out = f64(n * H);
          F.set(features.data.subarray(0, n * D));
          k('fill_rows')(e.ptr(out), n, H, e.ptr(p.b_proj));
          if (n > 0) e.gemm(false, false, n, H, D, F, p.W_proj, out, 1);
          return { shape: [n, H], data: Float64Array.from(out.subarray(0, n * H)) };
        });
      },
      step: (words, prevH, prevC) => {
        const n = words.length;
        return scoped((f64, i32) => {
          const idx = i32(n), X = f64(n * W), A = f64(n * G), Hp = f64(n * H), Hn = f64(n * H);
          const Cp = f64(n * H), Cn = f64(n * H), TC = f64(n * H), S = f64(n * V);
          for (let i = 0; i < n; i++) {
            const w = words[i];
            if (!(Number.isInteger(w) && w >= 0 && w < V)) throw new Error(`sampling: word ${w} is outside [0, ${V})`);
            idx[i] = w;
          }
          Hp.set(prevH.data.subarray(0, n * H));
          if (n > 0) {
            k('gather_rows')(e.ptr(X), e.ptr(p.W_embed), e.ptr(idx), n, W);
            k('fill_rows')(e.ptr(A), n, G, e.ptr(p.b));
            e.gemm(false, false, n, G, W, X, p.Wx, A, 1);
            e.gemm(false, false, n, G, H, Hp, p.Wh, A, 1);
            if (lstm) {
              Cp.set(prevC.data.subarray(0, n * H));
              k('lstm_fwd')(e.ptr(A), e.ptr(Cp), e.ptr(Cn), e.ptr(TC), e.ptr(Hn), n, H);
            } else {
              k('tanh')(e.ptr(Hn), e.ptr(A), n * H);
            }
            k('fill_rows')(e.ptr(S), n, V, e.ptr(p.b_vocab));
            e.gemm(false, false, n, V, H, Hn, p.W_vocab, S, 1);
          }
          return {
            h: { shape: [n, H], data: Float64Array.from(Hn.subarray(0, n * H)) },
            c: lstm ? { shape: [n, H], data: Float64Array.from(Cn.subarray(0, n * H)) } : prevC,
            scores: Float64Array.from(S.subarray(0, n * V)),
          };
        });
      },
    };
  }

  /**
   * Greedy sampling: h0 from the features, <START> fed first, then at every step the argmax word.
   * features: (N, D). Returns captions: (N, maxLength); column 0 holds the first generated word.
   */
  sample(features: Tensor, maxLength = 30): IntTensor {
    const op = 'CaptioningRNN.sample';
    expectRank(op, 'features', features, 2);
    if (features.shape[1] !== this.inputDim) throw new ShapeError(`${op}: features have D = ${features.shape[1]}, the model expects ${this.inputDim}`);
    if (this.startIdx === undefined) throw new Error('word_to_idx has no "<START>" entry, so the model cannot sample');
    if (!Number.isInteger(maxLength) || maxLength < 1) throw new Error(`max_length must be a positive integer, got ${maxLength}`);
    const n = features.shape[0];
    const D = this.inputDim, W = this.wordvecDim, H = this.hiddenDim, V = this.vocabSize;
    const lstm = this.cellType === 'lstm';
    const G = lstm ? 4 * H : H;
    const e = this.engine, dt = this.dtype, es = dt === 'f64' ? 8 : 4;
    const VG = V + G;
    if (!this.sampleWork || this.sampleWork.n !== n) {
      this.freeSampleWork();
      const sizes = [n * D, n * H, n * H, n * H, n * H, n * H, n * W, n * G, n * VG, VG * H, VG];
      this.sampleWork = { n, bufs: sizes.map((s) => e.floats(dt, s)), words: e.i32(n) };
    }
    const [feat, h0, h1, c0, c1, tc, x, a, sc, wvh, bias] = this.sampleWork.bufs;
    const words = this.sampleWork.words;
    this.loadFeatures(features, feat, op);
    this.syncParams();
    const p = this.w;
    const P = (arr: FloatArray | Int32Array) => e.ptr(arr);
    // h0 = features·W_proj + b_proj and h0·Wh are computed by each thread for its rows (sampleJob.ts).
    const h = h0, hn = h1, c = c0, cn = c1;
    c.fill(0);
    words.fill(this.startIdx);
    const out = intTensor([n, maxLength]);
    // Both products of h_t go through one GEMM per step: h_t·[W_vocab | Wh] gives the scores of
    // step t and the recurrent term of step t+1. [W_vocab | Wh] is assembled and packed once.
    // float64: the vocabulary product in float32, screened (screen_argmax_f64); no fused product.
    const screen = dt === 'f64' && this.sampleScreen;
    let pbWvh: PackedB | undefined;
    if (!screen) {
      for (let i = 0; i < H; i++) {
        wvh.set(p.W_vocab.subarray(i * V, (i + 1) * V), i * VG);
        wvh.set(p.Wh.subarray(i * G, (i + 1) * G), i * VG + V);
      }
      bias.fill(0);
      bias.set(p.b_vocab);
      pbWvh = e.packB(dt, false, H, VG, P(wvh), VG);
    }
    // The input term b + x·Wx of a word is computed the first time a row samples it, into a
    // per-thread table (see core/fast/sampleJob.ts); Wx is packed once for those products.
    const pbWx = e.packB(dt, false, W, G, P(p.Wx), G);
    let screenDesc: [number, number][] = [];
    let screenBufs: { pbWh: PackedB; pbWv32: PackedB; held: (Float64Array | Float32Array)[] } | undefined;
    if (screen) {
      const wv32 = e.floats('f32', H * V) as Float32Array, b32 = e.floats('f32', V) as Float32Array, wnorm = e.f64(2 * V), wvT = e.f64(H * V);
      const h32 = e.floats('f32', n * H) as Float32Array, s32 = e.floats('f32', n * V) as Float32Array;
      const Wv = p.W_vocab as Float64Array, bv = p.b_vocab as Float64Array;
      this.convert('demote', wv32, Wv);
      this.convert('demote', b32, bv);
      wnorm.fill(0);
      for (let q = 0; q < H; q++) for (let v = 0; v < V; v++) wnorm[v] += Wv[q * V + v] * Wv[q * V + v];
      // Transposed in 32×32 tiles (both sides stay in cache).
      for (let q0 = 0; q0 < H; q0 += 32) {
        for (let v0 = 0; v0 < V; v0 += 32) {
          const q1 = Math.min(H, q0 + 32), v1 = Math.min(V, v0 + 32);
          for (let q = q0; q < q1; q++) for (let v = v0; v < v1; v++) wvT[v * H + q] = Wv[q * V + v];
        }
      }
      for (let v = 0; v < V; v++) {
        wnorm[v] = Math.sqrt(wnorm[v]);
        wnorm[V + v] = Math.abs(bv[v]);
      }
      const pbWv32 = e.packB('f32', false, H, V, P(wv32), V);
      const pbWh = e.packB('f64', false, H, G, P(p.Wh), G);
      screenBufs = { pbWh, pbWv32, held: [wv32, b32, wnorm, wvT, h32, s32] };
      const dvs: [number, number][] = [[S.SCREEN, 1], [S.WHP, pbWh.ptr], [S.WHNPAD, pbWh.Npad], [S.WV32P, pbWv32.ptr], [S.WV32NPAD, pbWv32.Npad],
        [S.B32, P(b32)], [S.WNORM, P(wnorm)], [S.H32, P(h32)], [S.S32, P(s32)], [S.WVOCAB, P(wvT)], [S.BVOCAB, P(bv)]];
      screenDesc = dvs;
    }
    // Every step of a row depends only on that row: each thread runs all steps for its own rows
    // (core/fast/sampleJob.ts), with no hand-off between the threads per step.
    const threads = n >= 8 ? e.team : 1;
    const bounds = sampleRowRanges(n, threads);
    const tabRows = (rows: number) => Math.max(1, Math.min(V, rows * maxLength));
    const outBuf = e.i32(n * maxLength), sidx = e.i32(2 * n), maps = e.i32(threads * V);
    const tabs = Array.from({ length: threads }, (_, s) => e.alloc(tabRows(bounds[s + 1] - bounds[s]) * G * es));
    const desc = e.f64(sampleDescLength(threads));
    const dv: [number, number][] = [
      [S.F32, dt === 'f32' ? 1 : 0], [S.LSTM, lstm ? 1 : 0], [S.N, n], [S.H, H], [S.G, G], [S.V, V], [S.VG, VG], [S.W, W],
      [S.T, maxLength], [S.X, P(x)], [S.WEMBED, P(p.W_embed)], [S.B, P(p.b)],
      [S.WXP, pbWx.ptr], [S.WXNPAD, pbWx.Npad], [S.A, P(a)], [S.H0, P(h)], [S.H1, P(hn)],
      [S.C0, P(c)], [S.C1, P(cn)], [S.TC, P(tc)], [S.SC, P(sc)], [S.BIAS, P(bias)], [S.WVHP, pbWvh?.ptr ?? 0],
      [S.WVHNPAD, pbWvh?.Npad ?? 0], [S.WORDS, P(words)], [S.OUT, P(outBuf)], [S.SIDX, P(sidx)],
      [S.FEAT, P(feat)], [S.D, D], [S.WPROJ, P(p.W_proj)], [S.BPROJ, P(p.b_proj)], [S.WH, P(p.Wh)],
    ];
    for (const [i, v] of dv) desc[i] = v;
    desc[S.SCREEN] = 0;
    for (const [i, v] of screenDesc) desc[i] = v;
    for (let s = 0; s < threads; s++) {
      const sb = S.SLOT + S.SLOT_LEN * s;
      desc[sb + S.R0] = bounds[s];
      desc[sb + S.R1] = bounds[s + 1];
      desc[sb + S.WS] = e.ws[s];
      desc[sb + S.TAB] = tabs[s];
      desc[sb + S.MAP] = P(maps) + s * V * 4;
    }
    const pdesc = P(desc);
    try {
      if (threads > 1) e.runJobTeam(SAMPLE_JOB, (slot) => [pdesc, slot], () => runSampleRows(e.k, e.memory.buffer, pdesc, 0));
      else runSampleRows(e.k, e.memory.buffer, pdesc, 0);
      out.data.set(outBuf);
    } finally {
      for (const b of [desc, ...tabs.reverse(), maps, sidx, outBuf]) e.release(b);
      if (screenBufs) {
        e.releasePacked(screenBufs.pbWh);
        e.releasePacked(screenBufs.pbWv32);
        for (const b of screenBufs.held.reverse()) e.release(b);
      }
      e.releasePacked(pbWx);
      if (pbWvh) e.releasePacked(pbWvh);
    }
    return out;
  }
}

/**
 * A captioning model on the fastest path this runtime has: the wasm SIMD engine (float64 or
 * float32) when WebAssembly SIMD with shared memory is available, else the pure-TS reference
 * model (float64 whatever `dtype` asks: the fallback is the oracle itself).
 */
export function createFastModel(opts: FastModelOptions): CaptioningModelLike & { readonly dtype: DType } {
  if (opts.engine || detectWasmSupport().simd) return new FastCaptioningModel(opts);
  const ref = new CaptioningModel(opts) as CaptioningModel & { dtype: DType };
  if (opts.params) ref.setParams(opts.params);
  ref.dtype = 'f64';
  return ref;
}
