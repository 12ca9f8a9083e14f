/**
 * The training job and the messages of the training worker (dist/trainWorker.js), shared by the
 * worker, the host API (trainHost.ts), the CLI and the extension. The worker receives the job as
 * `workerData` ({ job, control }: trainHost.ts; the extension's panel form becomes a job through
 * jobFromPanel), posts events, and finishes with
 * exactly one `done` or `error`. The host asks it to stop with { type: 'stop' }
 * and for a snapshot of the running model with { type: 'save', file }.
 */
import type { EpochRecord, TrainResult } from '../core/solver';
import type { TrainProgress } from '../protocol/webview';

/** `default` (the embedded shapes set), a folder in the CS231n layout, or the extension's DatasetSource. */
export type DatasetSpec = string | { kind: 'default' } | { kind: 'folder'; path: string };

export interface TrainJob {
  dataset: DatasetSpec;
  cellType: 'rnn' | 'lstm';
  hiddenDim: number;
  wordvecDim: number;
  updateRule: string;
  learningRate: number;
  /** Default 1. */
  lrDecay?: number;
  batchSize: number;
  numEpochs: number;
  /** CS231n max_train: this many train captions drawn with replacement (seeded). 0 or absent: all. */
  maxTrain?: number;
  seed: number;
  gradClip?: number;
  clipMode?: 'norm' | 'value';
  /** Epochs between train/val loss evaluations (0 = never; default: about ten a run, and after the last epoch). */
  evalEvery?: number;
  /** Captions per split and evaluation (default 50). */
  evalSize?: number;
  /** 'f32' (default, as CaptioningRNN's dtype=np.float32) or 'f64' arithmetic on the WebAssembly engine. */
  dtype?: 'f64' | 'f32';
  /** Train on the 4096-d fc7 features (`*_vgg16_fc7.h5`) instead of the 512-d PCA ones (CS231n pca_features=False). */
  fc7?: boolean;
  /** Feature data held in memory up to this many MB; larger feature files stream (default 1024). */
  memoryBudgetMB?: number;
  /** Prefetch the next minibatches in a reader thread when the train features stream (default true). */
  prefetch?: boolean;
  /** Threads of the WebAssembly engine (0 or absent: every core of the machine). */
  threads?: number;
  /** 'auto' (default): the WebAssembly engine when the runtime has SIMD, else the reference; 'reference': pure TS float64. */
  engine?: 'auto' | 'reference';
  /** Checkpoint written at the end (done, cancelled, or diverged with the last good parameters). */
  save?: string;
  /** Also save every this many epochs (0 = only at the end). */
  saveEvery?: number;
  /** Iterations between sampled captions (0 = only at the end); default about 10 times a run. */
  sampleEvery?: number;
  /** Captions sampled per split each time (default 3). */
  sampleCount?: number;
  /** Continue the run saved in this checkpoint (its solver state and parameters). */
  resume?: string;
}

export interface SampledCaptionInfo {
  split: 'train' | 'val';
  text: string;
  groundTruth: string;
  imageRef: string | null;
  imageIndex: number;
  captionRow: number;
}

/** What a finished run reports: the solver's result, plus what only the worker knows. */
export type TrainSummary = TrainResult & {
  /** True unless the run finished all iterations (the extension's reading). */
  stopped: boolean;
  /** Which model ran, e.g. "wasm f64, 1 thread" or "reference (pure TS float64)". */
  engine: string;
  /** The checkpoint written at the end, if any. */
  checkpoint?: string;
};

export type TrainWorkerEvent =
  | { type: 'started'; dataset: string; numTrain: number; iterationsPerEpoch: number; totalIterations: number; engine: string; model: string; resumedAt?: number; /** How the train features are read, e.g. "memory" or "stream (direct reads), prefetch". */ features?: string }
  /** Feature files being read into memory before the first iteration (fraction 0..1 of the rows). */
  | { type: 'loading'; file: string; fraction: number; doneRows: number; totalRows: number }
  | { type: 'step'; iteration: number; loss: number; learningRate: number; gradNorm: number; clipped: number; progress: TrainProgress }
  | { type: 'epoch'; point: EpochRecord }
  | { type: 'samples'; iteration: number; captions: SampledCaptionInfo[] }
  | { type: 'checkpoint'; file: string; iteration: number; /** Written for a `save` command, mid-run. */ requested?: boolean }
  | { type: 'saveFailed'; file: string; message: string }
  | ({ type: 'done' } & TrainSummary)
  | { type: 'error'; message: string; stack?: string };

/** `save`: write a snapshot of the running model to `file` after the iteration in progress. */
export type TrainWorkerCommand = { type: 'stop' } | { type: 'save'; file: string };

/**
 * Optional shared control block (workerData.control, an Int32Array over a SharedArrayBuffer):
 * the host stores 1 at STOP to ask for a stop without waiting on the worker's event loop, and the
 * worker stores each finished iteration at ITERATION, so a caller knows where the run stood when it
 * asked (the run then ends at that iteration or the one in flight).
 */
export const TRAIN_CONTROL = { STOP: 0, ITERATION: 1, LENGTH: 2 } as const;

/** The extension's training form (protocol/webview TrainConfig): a TrainJob without its dataset, with `trainSubset` for maxTrain. */
export interface PanelConfig {
  cellType: 'rnn' | 'lstm';
  hiddenDim: number;
  wordvecDim: number;
  updateRule: string;
  learningRate: number;
  batchSize: number;
  numEpochs: number;
  trainSubset?: number;
  seed: number;
  lrDecay?: number;
}

/** The job of a panel form on a dataset; `extra` adds or overrides TrainJob fields (settings, the save file). */
export function jobFromPanel(config: PanelConfig & Partial<TrainJob>, dataset: DatasetSpec, extra: Partial<TrainJob> = {}): TrainJob {
  const { trainSubset, ...rest } = config;
  return { ...rest, ...extra, dataset, maxTrain: extra.maxTrain ?? rest.maxTrain ?? trainSubset };
}
