/**
 * One training run from a TrainJob: open the dataset, build the model (WebAssembly engine when the
 * runtime has SIMD, else the float64 reference), run the solver, sample captions now and then,
 * save checkpoints. Runs in the training worker; tests call it in-process too.
 */
import type { Checkpoint } from '../core/checkpoint/checkpoint';
import type { Dataset } from '../core/data/types';
import { createFastModel } from '../core/fast/model';
import { CaptioningModel, type CellType } from '../core/model';
import { sampleSplit, type SamplerVocab } from '../core/sampling';
import { CaptioningSolver, subsetSplit, type AbortSignalLike, type CaptionModel, type CaptionSplit, type SolverOptions, type SolverState } from '../core/solver';
import { loadCheckpoint, saveCheckpoint } from './checkpointFile';
import { createNodeEngine, MAX_THREADS } from './fastEngine';
import { detectWasmSupport, type WasmEngine } from '../core/wasm/engine';
import { openDatasetAt } from './fsAccess';
import { LoadCancelled } from '../core/data/features';
import { TrainFeed } from './trainFeed';
import type { DatasetSpec, SampledCaptionInfo, TrainJob, TrainSummary, TrainWorkerEvent } from './trainProtocol';

/** The job trainHost hands the worker (`{ job, control }`). */
export function jobFromWorkerData(data: unknown): TrainJob {
  if (typeof data !== 'object' || data === null) throw new Error('training worker started without a job');
  const d = data as { job?: TrainJob };
  if (d.job) return d.job;
  throw new Error('training worker: workerData needs { job }');
}

/**
 * The `error` event of a failed run: bad input (a dataset, checkpoint or option problem) is one
 * line; anything else keeps its stack (for logs, never shown as the message).
 */
export function failureEvent(e: unknown): Extract<TrainWorkerEvent, { type: 'error' }> {
  const err = e instanceof Error ? e : new Error(String(e));
  const expected = ['Error', 'DatasetError', 'SolverError', 'CheckpointError', 'ShapeError', 'NpzError'].includes(err.name);
  return { type: 'error', message: err.message.split('\n')[0], stack: expected ? undefined : err.stack };
}

export function datasetSpecString(d: DatasetSpec): string {
  if (typeof d === 'string') return d;
  return d.kind === 'default' ? 'default' : d.path;
}

/** Checks the job's own fields (the solver checks the rest); throws one line naming the field. */
export function validateJob(job: TrainJob): void {
  if (job.cellType !== 'rnn' && job.cellType !== 'lstm') throw new Error(`cell type must be rnn or lstm, got "${String(job.cellType)}"`);
  const posInt = (name: string, v: unknown): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${String(v)}`);
  };
  posInt('hidden size', job.hiddenDim);
  posInt('word-vector size', job.wordvecDim);
  posInt('batch size', job.batchSize);
  posInt('epochs', job.numEpochs);
  if (job.maxTrain !== undefined && job.maxTrain !== 0) posInt('max train', job.maxTrain);
  if (!(typeof job.learningRate === 'number' && Number.isFinite(job.learningRate) && job.learningRate > 0)) throw new Error(`learning rate must be a positive number, got ${String(job.learningRate)}`);
  if (!Number.isInteger(job.seed)) throw new Error(`seed must be an integer, got ${String(job.seed)}`);
  if (job.dtype !== undefined && job.dtype !== 'f64' && job.dtype !== 'f32') throw new Error(`dtype must be f64 or f32, got "${String(job.dtype)}"`);
  if (job.threads !== undefined && !(Number.isInteger(job.threads) && job.threads >= 0 && job.threads <= MAX_THREADS)) throw new Error(`threads must be an integer from 0 (every core) to ${MAX_THREADS}, got ${String(job.threads)}`);
  if (job.memoryBudgetMB !== undefined && !(typeof job.memoryBudgetMB === 'number' && Number.isFinite(job.memoryBudgetMB) && job.memoryBudgetMB >= 0)) throw new Error(`memory budget must be a number of MB >= 0, got ${String(job.memoryBudgetMB)}`);
}

export interface ModelChoice {
  model: CaptionModel;
  /** e.g. "wasm f64, 1 thread" or "reference (pure TS float64)". */
  engine: string;
}

/** The fastest model this runtime has (or the reference when asked). */
export async function createTrainingModel(cfg: {
  wordToIdx: Readonly<Record<string, number>>;
  inputDim: number;
  wordvecDim: number;
  hiddenDim: number;
  cellType: CellType;
  seed: number;
  dtype?: 'f64' | 'f32';
  threads?: number;
  engine?: 'auto' | 'reference';
  /** An engine already being started (runTrainJob starts it while the dataset opens). */
  wasm?: Promise<WasmEngine>;
}): Promise<ModelChoice> {
  const base = { wordToIdx: cfg.wordToIdx, inputDim: cfg.inputDim, wordvecDim: cfg.wordvecDim, hiddenDim: cfg.hiddenDim, cellType: cfg.cellType, seed: cfg.seed };
  if (cfg.engine !== 'reference' && detectWasmSupport().simd) {
    const engine = await (cfg.wasm ?? createNodeEngine({ threads: cfg.threads, global: false }));
    const threads = engine.threads;
    const dtype = cfg.dtype ?? 'f32';
    // The solver applies each step's gradients before the next loss call, so the model may hand
    // out views of its own gradient buffers instead of copying them every step.
    return { model: createFastModel({ ...base, dtype, engine, reuseGrads: true }), engine: `wasm ${dtype}, ${threads} thread${threads > 1 ? 's' : ''}` };
  }
  return { model: new CaptioningModel(base), engine: 'reference (pure TS float64)' };
}

function vocabOf(ds: Dataset): SamplerVocab {
  return { idxToWord: ds.idxToWord, nullIdx: ds.nullIdx, startIdx: ds.startIdx, endIdx: ds.endIdx };
}

export interface RunHooks {
  signal?: AbortSignalLike;
  /** Awaited between iterations (the worker yields to its event loop here). */
  tick?(): Promise<void>;
  /**
   * Files asked for since the last call (a snapshot of the running model): each is written after
   * the iteration in progress, and answered by a `checkpoint` event (requested) or `saveFailed`.
   */
  takeSaveRequests?(): string[];
}

/** Runs a job to its end, posting events through `emit`. Throws (one line) for bad input. */
export async function runTrainJob(job: TrainJob, emit: (e: TrainWorkerEvent) => void, hooks: RunHooks = {}): Promise<TrainSummary> {
  validateJob(job);
  const dsName = datasetSpecString(job.dataset);
  // The engine (kernel instance, helper threads) starts while the dataset opens: neither needs the other.
  // Plain SIMD is enough to choose the engine; createNodeEngine turns on relaxed SIMD after its helpers start.
  const wasm = job.engine !== 'reference' && detectWasmSupport().simd ? createNodeEngine({ threads: job.threads, global: false }) : undefined;
  // Opening is quick and lazy: large feature files are neither read nor scanned here; the feed
  // below loads what fits the memory budget (checking every value) and streams the rest.
  let ds: Dataset;
  try {
    // scenes.json (6 MB of JSON for the default) only draws pictures: training never reads it.
    ds = await openDatasetAt(dsName, { pcaFeatures: !job.fc7, scanFeatures: false, preloadBytes: 0, readScenes: false });
  } catch (e) {
    // Not left running behind a dataset error.
    void wasm?.then((en) => en.detachHelper(), () => undefined);
    throw e;
  }
  const feed = new TrainFeed(ds.splits.train);
  try {
    try {
      // The embedded default with a training subset (the overfit run): only the subset's images are
      // read and held (the same draw as below), not the 51 MB of features it never uses.
      if (dsName === 'default' && job.maxTrain) feed.holdRows(ds, subsetSplit(ds.splits.train, job.maxTrain, job.seed).imageIdxs);
      else await feed.prepare(ds, { budgetMB: job.memoryBudgetMB, signal: hooks.signal, tick: hooks.tick, onLoading: (p) => emit({ type: 'loading', ...p }) });
    } catch (e) {
      if (e instanceof LoadCancelled) return cancelledWhileLoading(e.message);
      throw e;
    }
    const resume = job.resume ? loadCheckpoint(job.resume, { idxToWord: ds.idxToWord, D: ds.D, name: ds.name }) : undefined;
    if (resume && !resume.solver) throw new Error(`${job.resume}: the checkpoint has no solver state to resume from`);
    const cell = resume?.config.cellType ?? job.cellType;
    const hiddenDim = resume?.config.hiddenDim ?? job.hiddenDim;
    const wordvecDim = resume?.config.wordvecDim ?? job.wordvecDim;
    const full = feed.split;
    const train: CaptionSplit = job.maxTrain ? subsetSplit(full, job.maxTrain, job.seed) : full;
    const { model, engine } = await createTrainingModel({ wordToIdx: ds.wordToIdx, inputDim: ds.D, wordvecDim, hiddenDim, cellType: cell, seed: job.seed, dtype: job.dtype, threads: job.threads, engine: job.engine, wasm });
    if (resume) {
      for (const p of Object.keys(resume.params) as (keyof typeof resume.params)[]) model.params[p].data.set(resume.params[p].data);
      model.paramsChanged?.();
    }
    const opts: SolverOptions = {
      updateRule: job.updateRule,
      optimConfig: { learningRate: job.learningRate },
      lrDecay: job.lrDecay ?? 1,
      batchSize: job.batchSize,
      numEpochs: job.numEpochs,
      seed: job.seed,
      gradClip: job.gradClip,
      clipMode: job.clipMode,
      // About ten evaluations a run, on 50 captions per split: cheap next to the training itself.
      evalEvery: job.evalEvery ?? Math.max(1, Math.ceil(job.numEpochs / 10)),
      evalSize: job.evalSize ?? 50,
    };
    const solver = new CaptioningSolver(model, { train, val: ds.splits.val }, opts, resume?.solver as SolverState | undefined);
    const total = solver.totalIterations;
    await feed.startPrefetch(ds, { total, prefetch: job.prefetch, rowsFor: (t) => Int32Array.from(solver.batchRows(t), (r) => train.imageIdxs[r]) });
    const streams = feed.streams(ds);
    const features = `${ds.D}-d ${ds.pcaFeatures ? 'PCA' : 'fc7'}, ${streams ? `streamed${feed.prefetchStats ? ' with prefetch' : ''}` : 'in memory'}`;
    const sampleEvery = job.sampleEvery ?? Math.max(solver.iterationsPerEpoch, Math.ceil(total / 10));
    const sampleCount = job.sampleCount ?? 3;
    const vocab = vocabOf(ds);
    const modelDesc = `${cell} H=${hiddenDim} W=${wordvecDim} D=${ds.D} V=${ds.V}`;
    emit({ type: 'started', dataset: ds.name, numTrain: solver.numTrain, iterationsPerEpoch: solver.iterationsPerEpoch, totalIterations: total, engine, model: modelDesc, resumedAt: resume ? solver.iteration : undefined, features });

    const samples = (iteration: number): void => {
      if (sampleCount < 1) return;
      const captions: SampledCaptionInfo[] = [];
      for (const [name, split] of [['train', train], ['val', ds.splits.val]] as const) {
        if (split.captions.shape[0] === 0) continue;
        for (const r of sampleSplit(model, split, name, vocab, { count: sampleCount, seed: job.seed + iteration })) {
          captions.push({ split: r.split, text: r.sample, groundTruth: r.groundTruth, imageRef: r.imageRef, imageIndex: r.imageIndex, captionRow: r.captionRow });
        }
      }
      emit({ type: 'samples', iteration, captions });
    };
    const checkpoint = (): Checkpoint => ({
      config: { cellType: cell, inputDim: ds.D, wordvecDim, hiddenDim, vocabSize: ds.V, captionLength: ds.T, dataset: ds.source },
      params: model.params,
      idxToWord: [...ds.idxToWord],
      lossHistory: [...solver.lossHistory],
      solver: solver.state(),
    });
    const save = (): void => {
      if (!job.save) return;
      saveCheckpoint(job.save, checkpoint());
      emit({ type: 'checkpoint', file: job.save, iteration: solver.iteration });
    };
    const saveRequested = (): void => {
      for (const file of hooks.takeSaveRequests?.() ?? []) {
        try {
          saveCheckpoint(file, checkpoint());
          emit({ type: 'checkpoint', file, iteration: solver.iteration, requested: true });
        } catch (e) {
          emit({ type: 'saveFailed', file, message: (e as Error).message.split('\n')[0] });
        }
      }
    };

    const trainStart = performance.now();
    const waitAtStart = feed.waitMs;
    const result = await solver.train({
      signal: hooks.signal,
      tick: async () => {
        await hooks.tick?.();
        await feed.ready(solver.iteration);
      },
      onStep: (s) => {
        const elapsed = performance.now() - trainStart;
        const dataWaitShare = streams && elapsed > 0 ? Math.min(1, (feed.waitMs - waitAtStart) / elapsed) : undefined;
        emit({
          type: 'step',
          iteration: s.iteration,
          loss: s.loss,
          learningRate: s.learningRate,
          gradNorm: s.gradNorm,
          clipped: s.clipped,
          progress: { iteration: s.iteration, totalIterations: s.totalIterations, epoch: s.epoch, totalEpochs: s.totalEpochs, itPerSec: s.itPerSec, etaSeconds: Number.isFinite(s.etaSeconds) ? s.etaSeconds : undefined, dataWaitShare },
        });
        if (sampleEvery > 0 && s.iteration % sampleEvery === 0 && s.iteration < total) samples(s.iteration);
        saveRequested();
      },
      onEpoch: (e) => {
        emit({ type: 'epoch', point: e });
        if (job.saveEvery && e.epoch % job.saveEvery === 0 && e.epoch < solver.totalIterations / solver.iterationsPerEpoch) save();
      },
    });
    samples(result.iteration);
    save();
    saveRequested();
    return {
      status: result.status,
      stopped: result.status !== 'done',
      message: result.message,
      iteration: result.iteration,
      totalIterations: result.totalIterations,
      epoch: result.epoch,
      lossHistory: result.lossHistory,
      epochs: result.epochs,
      clippedFraction: result.clippedFraction,
      wallMs: result.wallMs,
      engine,
      checkpoint: job.save,
    };
  } finally {
    await feed.close();
    ds.close();
    // The helper threads end with the run (the model is not used after it).
    void wasm?.then((en) => en.detachHelper(), () => undefined);
  }
}

/** The summary of a run stopped while its features were still loading (no iteration done). */
function cancelledWhileLoading(detail: string): TrainSummary {
  return {
    status: 'cancelled',
    stopped: true,
    message: `cancelled before the first iteration (${detail})`,
    iteration: 0,
    totalIterations: 0,
    epoch: 0,
    lossHistory: [],
    epochs: [],
    clippedFraction: 0,
    wallMs: 0,
    engine: 'none',
  };
}
