/**
 * The CS231n CaptioningSolver: minibatches of caption rows drawn with replacement from the train
 * split, one update rule per parameter (own state each), the learning rate multiplied by
 * `lrDecay` after every epoch, `iterationsPerEpoch = max(numTrain // batchSize, 1)`.
 * Additions: optional gradient clipping, periodic train/val loss, divergence detection that
 * restores the last parameters with a finite loss, cancellation, and a seed that makes a run
 * reproduce exactly (the minibatch of iteration t depends only on the seed and t, so a resumed
 * run draws the same batches as an uninterrupted one).
 *
 * It knows nothing of VS Code, workers or files: the model and data are small interfaces that the
 * reference CaptioningModel, the WebAssembly model and core/data's Split all satisfy.
 */
import type { CellType, ModelParams, ParamName } from './model';
import { PARAM_NAMES } from './model';
import { cloneConfig, defaultConfig, isUpdateRule, update, UPDATE_RULES, type OptimConfig, type OptimOptions, type UpdateRule } from './optim';
import { Rng } from './random';
import type { IntTensor, Tensor } from './tensor';

/** What the solver needs of a model (CaptioningModel and the fast model both have it). */
export interface CaptionModel {
  readonly cellType: CellType;
  params: ModelParams;
  loss(features: Tensor, captions: IntTensor): { loss: number; grads: ModelParams };
  /** The same loss without the backward pass (evaluation uses it when the model has it). */
  lossOnly?(features: Tensor, captions: IntTensor): number;
  sample(features: Tensor, maxLength?: number): IntTensor;
  /** Called after the solver changed `params` in place (a model keeping its own copy refreshes it). */
  paramsChanged?(): void;
  /**
   * Applies `config`'s update rule to one parameter itself, bit-identical to core/optim.ts's update
   * (the wasm model runs Adam there); false: not handled, the solver updates.
   */
  updateInPlace?(name: ParamName, dw: Float64Array, config: OptimConfig): boolean;
}

/** One split as the solver reads it (core/data's Split has this shape). */
export interface CaptionSplit {
  /** (N, T) token rows. */
  readonly captions: IntTensor;
  /** (N,) feature row of each caption's image. */
  readonly imageIdxs: ArrayLike<number>;
  /** (n, D) features of the given image rows. */
  getFeatures(imageRows: ArrayLike<number>): Tensor;
  readonly urls?: readonly string[] | null;
}

export interface TrainData {
  readonly train: CaptionSplit;
  readonly val?: CaptionSplit | null;
}

/** Minimal AbortSignal (core compiles without DOM or Node types; the real one fits). */
export interface AbortSignalLike {
  readonly aborted: boolean;
}

export type ClipMode = 'norm' | 'value';

export interface SolverOptions {
  updateRule: UpdateRule | string;
  /** Hyperparameters of the update rule; CS231n's defaults for whatever is left out. */
  optimConfig?: OptimOptions;
  /** Multiplies every learning rate after each epoch. Default 1. */
  lrDecay?: number;
  /** Default 100 (CS231n). */
  batchSize?: number;
  /** Default 10 (CS231n). */
  numEpochs?: number;
  /** Seeds the minibatch draws and the evaluation rows. Default 0. */
  seed?: number;
  /**
   * Gradient clipping threshold (off when absent): 'norm' rescales all gradients together so
   * their global L2 norm is at most gradClip; 'value' clips each element to [-gradClip, gradClip].
   */
  gradClip?: number;
  clipMode?: ClipMode;
  /** Evaluate train and val loss every this many epochs and after the last one (0 = never). Default 1. */
  evalEvery?: number;
  /** Captions per evaluation and split (a fixed subset, drawn once). Default 100. */
  evalSize?: number;
  /** A loss above explodeFactor × the first loss counts as divergence. Default 10. */
  explodeFactor?: number;
}

export interface EpochRecord {
  epoch: number;
  /** Iterations done when the epoch ended. */
  iteration: number;
  learningRate: number;
  trainLoss?: number;
  valLoss?: number;
}

/** Everything needed to resume a run, and what a checkpoint stores. */
export interface SolverState {
  updateRule: UpdateRule;
  lrDecay: number;
  batchSize: number;
  numEpochs: number;
  seed: number;
  gradClip: number | null;
  clipMode: ClipMode;
  /** Iterations completed. */
  iteration: number;
  /** Epochs completed. */
  epoch: number;
  /** Per-parameter optimizer configs (state arrays included). */
  optimConfigs: Record<ParamName, OptimConfig>;
  lossHistory: number[];
  epochs: EpochRecord[];
  /** Iterations whose gradients were clipped (norm mode) or the summed clipped element fractions (value mode). */
  clippedSum: number;
}

export interface StepInfo {
  /** 1-based iteration just done. */
  iteration: number;
  totalIterations: number;
  /** Epochs completed after this iteration. */
  epoch: number;
  totalEpochs: number;
  iterationsPerEpoch: number;
  loss: number;
  /** Learning rate used by this iteration. */
  learningRate: number;
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: number;
  /** Norm mode: 1 when this step was clipped, else 0. Value mode: fraction of gradient elements clipped. */
  clipped: number;
  /** Iterations per second over this train() call. */
  itPerSec: number;
  /** Seconds left at that rate. */
  etaSeconds: number;
}

export type TrainStatus = 'done' | 'cancelled' | 'diverged';

export interface TrainResult {
  status: TrainStatus;
  /** One line: what happened. */
  message: string;
  /** Iterations completed (the run's total, a resumed run included). */
  iteration: number;
  totalIterations: number;
  epoch: number;
  lossHistory: number[];
  epochs: EpochRecord[];
  /** Mean over iterations of StepInfo.clipped (0 when clipping is off). */
  clippedFraction: number;
  /** Milliseconds spent in this train() call. */
  wallMs: number;
  /** Diverged only: the iteration whose parameters were restored (its loss was finite). */
  restoredIteration?: number;
}

export interface TrainHooks {
  signal?: AbortSignalLike;
  onStep?(s: StepInfo): void;
  onEpoch?(e: EpochRecord): void;
  /**
   * Awaited before every iteration. A worker passes `() => new Promise(r => setImmediate(r))` so
   * messages (a stop request) are delivered between iterations.
   */
  tick?(): Promise<void>;
}

/** Thrown for options the solver cannot run with; one line naming the option. */
export class SolverError extends Error {
  override name = 'SolverError';
}

const EVAL_SEED_SALT = 0x5eed_e7a1;

export class CaptioningSolver {
  readonly model: CaptionModel;
  readonly data: TrainData;
  readonly numTrain: number;
  readonly iterationsPerEpoch: number;
  readonly totalIterations: number;
  private readonly st: SolverState;
  private readonly evalEvery: number;
  private readonly evalSize: number;
  private readonly explodeFactor: number;
  private evalRows: { train: Int32Array; val: Int32Array | null } | undefined;

  /**
   * `resume` continues a saved run: its update rule, optimizer state, batch size, lr decay, seed and
   * clipping win over `opts`; `opts.numEpochs`, when given, sets a new total (to train longer).
   */
  constructor(model: CaptionModel, data: TrainData, opts: SolverOptions, resume?: SolverState) {
    this.model = model;
    this.data = data;
    const rule = resume?.updateRule ?? opts.updateRule;
    if (!isUpdateRule(rule)) throw new SolverError(`unknown update rule "${rule}": expected one of ${UPDATE_RULES.join(', ')}`);
    const batchSize = resume?.batchSize ?? opts.batchSize ?? 100;
    const numEpochs = opts.numEpochs ?? resume?.numEpochs ?? 10;
    const lrDecay = resume?.lrDecay ?? opts.lrDecay ?? 1;
    const seed = resume?.seed ?? opts.seed ?? 0;
    const gradClip = resume ? resume.gradClip : (opts.gradClip ?? null);
    const clipMode = resume?.clipMode ?? opts.clipMode ?? 'norm';
    const n = data.train.captions.shape[0];
    if (data.train.captions.shape.length !== 2) throw new SolverError(`train captions must be (N, T), got ${data.train.captions.shape.length} axes`);
    if (n < 1) throw new SolverError('the train split has no captions');
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new SolverError(`batch size must be a positive integer, got ${batchSize}`);
    if (batchSize > n) throw new SolverError(`batch size ${batchSize} is larger than the train split (${n} captions)`);
    if (!Number.isInteger(numEpochs) || numEpochs < 1) throw new SolverError(`epochs must be a positive integer, got ${numEpochs}`);
    if (!(Number.isFinite(lrDecay) && lrDecay > 0 && lrDecay <= 1)) throw new SolverError(`lr decay must be in (0, 1], got ${lrDecay}`);
    if (!Number.isInteger(seed)) throw new SolverError(`seed must be an integer, got ${seed}`);
    if (gradClip !== null && !(Number.isFinite(gradClip) && gradClip > 0)) throw new SolverError(`gradient clip must be a positive number, got ${gradClip}`);
    if (clipMode !== 'norm' && clipMode !== 'value') throw new SolverError(`clip mode must be "norm" or "value", got "${String(clipMode)}"`);
    this.evalEvery = opts.evalEvery ?? 1;
    this.evalSize = opts.evalSize ?? 100;
    this.explodeFactor = opts.explodeFactor ?? 10;
    if (!Number.isInteger(this.evalEvery) || this.evalEvery < 0) throw new SolverError(`evalEvery must be a non-negative integer, got ${this.evalEvery}`);
    if (!Number.isInteger(this.evalSize) || this.evalSize < 1) throw new SolverError(`evalSize must be a positive integer, got ${this.evalSize}`);
    if (!(this.explodeFactor > 1)) throw new SolverError(`explodeFactor must be > 1, got ${this.explodeFactor}`);
    this.numTrain = n;
    this.iterationsPerEpoch = Math.max(Math.floor(n / batchSize), 1);
    this.totalIterations = numEpochs * this.iterationsPerEpoch;

    let optimConfigs: Record<ParamName, OptimConfig>;
    if (resume) {
      optimConfigs = {} as Record<ParamName, OptimConfig>;
      for (const p of PARAM_NAMES) {
        const c = resume.optimConfigs[p];
        if (!c || c.rule !== rule) throw new SolverError(`solver state has no ${rule} config for parameter ${p}`);
        optimConfigs[p] = cloneConfig(c);
      }
    } else {
      let base: OptimConfig;
      try {
        base = defaultConfig(rule, opts.optimConfig);
      } catch (e) {
        throw new SolverError((e as Error).message);
      }
      optimConfigs = {} as Record<ParamName, OptimConfig>;
      for (const p of PARAM_NAMES) optimConfigs[p] = cloneConfig(base);
    }
    this.st = {
      updateRule: rule,
      lrDecay,
      batchSize,
      numEpochs,
      seed,
      gradClip,
      clipMode,
      iteration: resume?.iteration ?? 0,
      epoch: resume?.epoch ?? 0,
      optimConfigs,
      lossHistory: resume ? [...resume.lossHistory] : [],
      epochs: resume ? resume.epochs.map((e) => ({ ...e })) : [],
      clippedSum: resume?.clippedSum ?? 0,
    };
  }

  get iteration(): number {
    return this.st.iteration;
  }

  get epoch(): number {
    return this.st.epoch;
  }

  get learningRate(): number {
    return this.st.optimConfigs.W_vocab.learningRate;
  }

  get lossHistory(): readonly number[] {
    return this.st.lossHistory;
  }

  /** A deep copy of the solver state (for checkpoints). */
  state(): SolverState {
    const s = this.st;
    const optimConfigs = {} as Record<ParamName, OptimConfig>;
    for (const p of PARAM_NAMES) optimConfigs[p] = cloneConfig(s.optimConfigs[p]);
    return { ...s, optimConfigs, lossHistory: [...s.lossHistory], epochs: s.epochs.map((e) => ({ ...e })) };
  }

  /** The caption rows of iteration `t` (0-based): with replacement, from a generator seeded by (seed, t). */
  batchRows(t: number): Int32Array {
    const rng = new Rng(mixSeed(this.st.seed, t));
    const rows = new Int32Array(this.st.batchSize);
    for (let i = 0; i < rows.length; i++) rows[i] = rng.int(this.numTrain);
    return rows;
  }

  /**
   * One iteration: draw a minibatch, compute loss and gradients, clip, update every parameter.
   * Does not advance epochs (train() does). When the loss or a gradient is not finite, or the
   * loss exceeds explodeFactor × the run's first loss, nothing is updated and `bad` says why.
   */
  step(): { loss: number; gradNorm: number; clipped: number; learningRate: number; bad?: string } {
    const rows = this.batchRows(this.st.iteration);
    const { captions, features } = gather(this.data.train, rows);
    const { loss, grads } = this.model.loss(features, captions);
    const learningRate = this.learningRate;
    let sq = 0;
    for (const p of PARAM_NAMES) sq = sumOfSquares(grads[p].data, sq);
    const gradNorm = Math.sqrt(sq);
    const ref = this.st.lossHistory[0];
    let bad: string | undefined;
    if (!Number.isFinite(loss)) bad = `the loss is ${loss}`;
    else if (!Number.isFinite(gradNorm)) bad = `a gradient is not finite (norm ${gradNorm})`;
    else if (ref !== undefined && loss > this.explodeFactor * ref) bad = `the loss ${fmt(loss)} exceeds ${this.explodeFactor} × the first loss ${fmt(ref)}`;
    if (bad) return { loss, gradNorm, clipped: 0, learningRate, bad };
    const clipped = this.clip(grads, gradNorm);
    for (const p of PARAM_NAMES) {
      const g = grads[p].data;
      const c = this.st.optimConfigs[p];
      if (!(g instanceof Float64Array && this.model.updateInPlace?.(p, g, c))) update(this.model.params[p].data, g, c);
    }
    this.model.paramsChanged?.();
    this.st.iteration += 1;
    this.st.lossHistory.push(loss);
    this.st.clippedSum += clipped;
    return { loss, gradNorm, clipped, learningRate };
  }

  private clip(grads: ModelParams, norm: number): number {
    const c = this.st.gradClip;
    if (c === null) return 0;
    if (this.st.clipMode === 'norm') {
      if (norm <= c) return 0;
      const s = c / norm;
      for (const p of PARAM_NAMES) {
        const g = grads[p].data;
        for (let i = 0; i < g.length; i++) g[i] *= s;
      }
      return 1;
    }
    let n = 0;
    let total = 0;
    for (const p of PARAM_NAMES) {
      const g = grads[p].data;
      total += g.length;
      for (let i = 0; i < g.length; i++) {
        if (g[i] > c || g[i] < -c) {
          g[i] = g[i] > c ? c : -c;
          n++;
        }
      }
    }
    return total > 0 ? n / total : 0;
  }

  /**
   * Mean per-caption loss (summed over time) on a fixed subset of `split`, at most evalSize
   * captions, in chunks of the batch size.
   */
  evaluate(split: 'train' | 'val'): number | undefined {
    const rows = this.getEvalRows()[split];
    const s = split === 'train' ? this.data.train : this.data.val;
    if (!rows || !s || rows.length === 0) return undefined;
    let sum = 0;
    for (let i = 0; i < rows.length; i += this.st.batchSize) {
      const chunk = rows.subarray(i, Math.min(rows.length, i + this.st.batchSize));
      const { captions, features } = gather(s, chunk);
      // Forward only: an evaluation needs no gradients (the same loss, a third of the work).
      const loss = this.model.lossOnly ? this.model.lossOnly(features, captions) : this.model.loss(features, captions).loss;
      sum += loss * chunk.length;
    }
    return sum / rows.length;
  }

  private getEvalRows(): { train: Int32Array; val: Int32Array | null } {
    if (!this.evalRows) {
      const rng = new Rng(mixSeed(this.st.seed, EVAL_SEED_SALT));
      const val = this.data.val;
      this.evalRows = {
        train: distinctRows(this.numTrain, this.evalSize, rng),
        val: val && val.captions.shape[0] > 0 ? distinctRows(val.captions.shape[0], this.evalSize, rng) : null,
      };
    }
    return this.evalRows;
  }

  /** Runs the remaining iterations. Never throws for a diverging run: it stops and says so. */
  async train(hooks: TrainHooks = {}): Promise<TrainResult> {
    const t0 = Date.now();
    const startIt = this.st.iteration;
    const total = this.totalIterations;
    const names = PARAM_NAMES;
    // Two snapshots, swapped: the state before this iteration's update and before the previous one.
    let cur = new Snapshot(this);
    let prev = new Snapshot(this);
    let havePrev = false;
    const finish = (status: TrainStatus, message: string, extra: Partial<TrainResult> = {}): TrainResult => ({
      status,
      message,
      iteration: this.st.iteration,
      totalIterations: total,
      epoch: this.st.epoch,
      lossHistory: [...this.st.lossHistory],
      epochs: this.st.epochs.map((e) => ({ ...e })),
      clippedFraction: this.st.iteration > 0 ? this.st.clippedSum / this.st.iteration : 0,
      wallMs: Date.now() - t0,
      ...extra,
    });

    while (this.st.iteration < total) {
      if (hooks.tick) await hooks.tick();
      if (hooks.signal?.aborted) {
        return finish('cancelled', `cancelled at iteration ${this.st.iteration} of ${total} (epoch ${this.st.epoch} of ${this.st.numEpochs})`);
      }
      cur.take(this);
      const it = this.st.iteration;
      const r = this.step();
      if (r.bad !== undefined) {
        // The parameters of iteration `it` are the bad ones; the previous iteration's had a finite loss.
        let kept = 'no earlier parameters to keep';
        if (havePrev) {
          const keptLoss = this.st.lossHistory[it - 1];
          prev.restore(this);
          kept = `kept the parameters after ${this.st.iteration} updates (their loss ${fmt(keptLoss)})`;
        }
        return finish('diverged', `diverged at iteration ${it + 1}: ${r.bad} (learning rate ${fmt(r.learningRate)}); ${kept}`, { restoredIteration: havePrev ? this.st.iteration : undefined });
      }
      [cur, prev] = [prev, cur];
      havePrev = true;
      const done = this.st.iteration;
      const elapsed = (Date.now() - t0) / 1000;
      const rate = elapsed > 0 ? (done - startIt) / elapsed : 0;
      let epochEnd = false;
      if (done % this.iterationsPerEpoch === 0) {
        this.st.epoch += 1;
        for (const p of names) this.st.optimConfigs[p].learningRate *= this.st.lrDecay;
        epochEnd = true;
      }
      hooks.onStep?.({
        iteration: done,
        totalIterations: total,
        epoch: this.st.epoch,
        totalEpochs: this.st.numEpochs,
        iterationsPerEpoch: this.iterationsPerEpoch,
        loss: r.loss,
        learningRate: r.learningRate,
        gradNorm: r.gradNorm,
        clipped: r.clipped,
        itPerSec: rate,
        etaSeconds: rate > 0 ? (total - done) / rate : NaN,
      });
      if (epochEnd) {
        const rec: EpochRecord = { epoch: this.st.epoch, iteration: done, learningRate: this.learningRate };
        const last = this.st.epoch === this.st.numEpochs;
        if (this.evalEvery > 0 && (this.st.epoch % this.evalEvery === 0 || last)) {
          rec.trainLoss = this.evaluate('train');
          rec.valLoss = this.evaluate('val');
        }
        this.st.epochs.push(rec);
        hooks.onEpoch?.({ ...rec });
      }
    }
    const lastLoss = this.st.lossHistory[this.st.lossHistory.length - 1];
    return finish('done', `finished ${total} iterations (${this.st.numEpochs} epochs), final loss ${fmt(lastLoss)}`);
  }

  /** @internal for Snapshot */
  get internalState(): SolverState {
    return this.st;
  }
}

/**
 * A copy of parameters, optimizer state and counters, in buffers allocated once: taken before
 * every update so a diverging step can return to the last parameters with a finite loss.
 */
class Snapshot {
  private readonly params: Record<string, Float64Array> = {};
  private readonly opt: Record<string, Record<string, Float64Array>> = {};
  private scalars: { iteration: number; epoch: number; clippedSum: number; epochs: number; lr: number[]; t: number[] } = { iteration: 0, epoch: 0, clippedSum: 0, epochs: 0, lr: [], t: [] };

  constructor(s: CaptioningSolver) {
    for (const p of PARAM_NAMES) this.params[p] = new Float64Array(s.model.params[p].data.length);
  }

  take(s: CaptioningSolver): void {
    const st = s.internalState;
    for (const p of PARAM_NAMES) {
      this.params[p].set(s.model.params[p].data);
      const c = st.optimConfigs[p] as unknown as Record<string, unknown>;
      const o = (this.opt[p] ??= {});
      for (const [k, v] of Object.entries(c)) {
        if (!(v instanceof Float64Array)) continue;
        if (!o[k] || o[k].length !== v.length) o[k] = new Float64Array(v.length);
        o[k].set(v);
      }
      for (const k of Object.keys(o)) if (!(c[k] instanceof Float64Array)) delete o[k];
    }
    this.scalars = {
      iteration: st.iteration,
      epoch: st.epoch,
      clippedSum: st.clippedSum,
      epochs: st.epochs.length,
      lr: PARAM_NAMES.map((p) => st.optimConfigs[p].learningRate),
      t: PARAM_NAMES.map((p) => { const c = st.optimConfigs[p]; return c.rule === 'adam' ? c.t : 0; }),
    };
  }

  restore(s: CaptioningSolver): void {
    const st = s.internalState;
    PARAM_NAMES.forEach((p, i) => {
      s.model.params[p].data.set(this.params[p]);
      const c = st.optimConfigs[p] as unknown as Record<string, unknown>;
      for (const k of Object.keys(c)) if (c[k] instanceof Float64Array) delete c[k];
      for (const [k, v] of Object.entries(this.opt[p] ?? {})) c[k] = Float64Array.from(v);
      st.optimConfigs[p].learningRate = this.scalars.lr[i];
      const oc = st.optimConfigs[p];
      if (oc.rule === 'adam') oc.t = this.scalars.t[i];
    });
    s.model.paramsChanged?.();
    st.iteration = this.scalars.iteration;
    st.epoch = this.scalars.epoch;
    st.clippedSum = this.scalars.clippedSum;
    st.lossHistory.length = this.scalars.iteration;
    st.epochs.length = this.scalars.epochs;
  }
}

/** Runs a solver on `model` and `data` until done, cancelled or diverged. */
export async function train(model: CaptionModel, data: TrainData, opts: SolverOptions, hooks: TrainHooks = {}): Promise<TrainResult> {
  return new CaptioningSolver(model, data, opts).train(hooks);
}

/** The captions and features of the given caption rows of a split. */
export function gather(split: CaptionSplit, rows: ArrayLike<number>): { captions: IntTensor; features: Tensor; imageIdxs: Int32Array } {
  const [n, T] = split.captions.shape;
  const b = rows.length;
  const caps = new Int32Array(b * T);
  const imgs = new Int32Array(b);
  for (let i = 0; i < b; i++) {
    const r = rows[i];
    if (!(r >= 0 && r < n)) throw new RangeError(`caption row ${r} is outside [0, ${n})`);
    caps.set(split.captions.data.subarray(r * T, (r + 1) * T), i * T);
    imgs[i] = split.imageIdxs[r];
  }
  return { captions: { shape: [b, T], data: caps }, features: split.getFeatures(imgs), imageIdxs: imgs };
}

/**
 * CS231n `max_train`: K caption rows drawn with replacement (seeded); features stay whole so the
 * image rows keep their meaning.
 */
export function subsetSplit<S extends CaptionSplit>(split: S, k: number, seed: number): CaptionSplit {
  const [n, T] = split.captions.shape;
  if (!Number.isInteger(k) || k < 1) throw new SolverError(`max train must be a positive integer, got ${k}`);
  const rng = new Rng(mixSeed(seed, 0x3a7_1a1e));
  const caps = new Int32Array(k * T);
  const imgs = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    const r = rng.int(n);
    caps.set(split.captions.data.subarray(r * T, (r + 1) * T), i * T);
    imgs[i] = split.imageIdxs[r];
  }
  return {
    captions: { shape: [k, T], data: caps },
    imageIdxs: imgs,
    getFeatures: (rows) => split.getFeatures(rows),
    urls: split.urls,
  };
}

/** A 32-bit seed from (seed, salt), so nearby iterations get unrelated generators. */
export function mixSeed(seed: number, salt: number): number {
  let h = Math.imul((seed | 0) ^ 0x27d4eb2f, 0x165667b1) ^ Math.imul(salt | 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca77);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae3d);
  return (h ^ (h >>> 16)) >>> 0;
}

function distinctRows(n: number, k: number, rng: Rng): Int32Array {
  const m = Math.min(n, k);
  if (m === n) return Int32Array.from({ length: n }, (_, i) => i);
  // Partial Fisher–Yates over a sparse permutation.
  const swapped = new Map<number, number>();
  const out = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    const vj = swapped.get(j) ?? j;
    const vi = swapped.get(i) ?? i;
    out[i] = vj;
    swapped.set(j, vi);
  }
  return out;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e6 ? x.toPrecision(4) : x.toExponential(3)) : String(x);
}

/**
 * s + Σ a[i]² (the gradient norm's sum, added in the same order as one loop over every gradient). A function of its own so that V8 optimises the loop at once:
 * inside step() the first iteration ran this loop over every gradient element unoptimised (~14 ms).
 */
function sumOfSquares(a: ArrayLike<number>, s: number): number {
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}
