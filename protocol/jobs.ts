/**
 * Messages between the extension host and the job worker (dist/jobWorker.js, worker_threads).
 * One worker runs one job: the request travels as `workerData`, the worker posts progress and
 * then exactly one `done` or `error`. Cancelling a job terminates its worker.
 */
import type { CheckReport, Thresholds } from '../core/gradcheck';
import type { DatasetKeyInfo } from './lsp';

export type CellType = 'rnn' | 'lstm';

/** Where a dataset comes from: the embedded default, or a folder in the CS231n layout. */
export type DatasetSource = { kind: 'default' } | { kind: 'folder'; path: string };

/** Run gradient checks of one layer or of all of them (`layer: 'all'`). */
export interface CheckJob {
  kind: 'check';
  /** A layer name from the engine's list, 'all', or 'model' (the whole captioning model only). */
  layer: string;
  cell: CellType;
  seed: number;
  h: number;
  thresholds: Thresholds;
  /** Sizes by CS231n letter (N, T, D, W, H, V) to check at instead of the seeds' small ones. */
  sizes?: Record<string, number>;
}

/** Open a dataset and describe it (the Dataset tree). */
export interface DatasetInfoJob {
  kind: 'datasetInfo';
  source: DatasetSource;
}

/**
 * Trace one caption of the dataset through the captioning model (hidden states, LSTM cell and
 * gates, gradient norms per timestep), for each requested cell type. The model is the checkpoint's
 * when one is given (its cell type then wins), else a fresh one initialised from `seed`.
 */
export interface TraceJob {
  kind: 'trace';
  source: DatasetSource;
  split: 'train' | 'val';
  /** Caption row in the split. */
  index: number;
  cells: CellType[];
  hiddenDim: number;
  wordvecDim: number;
  seed: number;
  checkpoint?: string;
  /**
   * Trace the greedy caption the checkpoint's model samples for the image of caption row `index`
   * (<START>, its words up to and including <END>, padded with <NULL>) instead of the dataset's.
   * Needs `checkpoint`.
   */
  sampled?: boolean;
}

/** One cell type's trace of a caption, as plain arrays. */
export interface CellTrace {
  cell: CellType;
  loss: number;
  h: number[][];
  c?: number[][];
  gates?: { i: number[][]; f: number[][]; o: number[][]; g: number[][] };
  dh: number[];
  dx: number[];
  dWh: number[];
  dWx: number[];
  /** "fresh model (seed 231)" or the checkpoint's file name. */
  model: string;
}

export interface TraceResult {
  split: 'train' | 'val';
  index: number;
  /** Caption rows in the split. */
  count: number;
  /** Input word at each step (captions_in), so words.length === T. */
  words: string[];
  traces: CellTrace[];
  /** Set when the words are the model's greedy sample for the image rather than the dataset's caption. */
  sampled?: { imageIndex: number };
}

/** Caption images of a split with a trained model (a checkpoint): greedy, beam and temperature. */
export interface SampleJob {
  kind: 'sample';
  source: DatasetSource;
  checkpoint: string;
  split: 'train' | 'val';
  count: number;
  seed: number;
}

/** An image's reference: a URL, a file inside the dataset folder, a picture drawn from its scene, or why there is none. */
export type ImageSource =
  | { kind: 'url'; url: string }
  | { kind: 'file'; path: string; label: string }
  /** Drawn from the image's scene record (embedded shapes set): a PNG `data:` URL. */
  | { kind: 'picture'; dataUrl: string; label: string }
  | { kind: 'none'; reason: string };

export interface SampledImage {
  split: 'train' | 'val';
  imageIndex: number;
  image: ImageSource;
  groundTruth: string[];
  samples: { method: 'greedy' | 'beam' | 'temperature'; text: string; beamWidth?: number; temperature?: number }[];
}

export interface SampleResult {
  model: string;
  items: SampledImage[];
}

/** Read a checkpoint and check it against the open dataset. */
export interface CheckpointInfoJob {
  kind: 'checkpointInfo';
  source: DatasetSource;
  file: string;
}

export interface CheckpointSummary {
  file: string;
  cellType: CellType;
  hiddenDim: number;
  wordvecDim: number;
  inputDim: number;
  vocabSize: number;
  iterations: number;
  finalLoss?: number;
}

export type JobRequest = CheckJob | DatasetInfoJob | TraceJob | SampleJob | CheckpointInfoJob;
export type JobKind = JobRequest['kind'];

/** One split of a dataset as the Dataset tree shows it. */
export interface SplitSummary {
  name: string;
  captions: number;
  images: number;
}

/** What the Dataset tree and the size pickers need to know about an open dataset. */
export interface DatasetSummary {
  /** Short name: "embedded default" or the folder's name. */
  name: string;
  source: DatasetSource;
  /** Absolute folder it was loaded from (the default's own folder inside the extension). */
  location: string;
  splits: SplitSummary[];
  /** Vocabulary size V (including the special tokens). */
  vocabSize: number;
  /** Caption length in tokens (17 in CS231n: <START>, 15 words, <END>); the model sees T = length − 1. */
  captionLength: number;
  /** Feature size D. */
  featureDim: number;
  /** Milliseconds to open and validate. */
  openMs: number;
  /** Non-fatal findings of the loader (missing URL files, …). */
  warnings: string[];
  /** The data dict's arrays (train_captions, val_features, …) as stored, for the shape hovers. */
  keys: DatasetKeyInfo[];
}

export interface JobResults {
  check: CheckReport;
  datasetInfo: DatasetSummary;
  trace: TraceResult;
  sample: SampleResult;
  checkpointInfo: CheckpointSummary;
}

/**
 * Host → worker. `cancel` asks the job to stop where it can clean up after itself (the default
 * dataset's generation removes its temporary folder); the host terminates the worker shortly after
 * in any case, so a job in a synchronous loop stops too.
 */
export type ToJobWorker = { type: 'cancel' };

/** Worker → host. */
export type FromJobWorker =
  /** Part of the job is done; `fraction` in [0, 1] when known. */
  | { type: 'progress'; message: string; fraction?: number }
  /** The job finished; `result` is `JobResults[kind]`. */
  | { type: 'done'; result: unknown }
  /** The job failed; `message` is one line naming what is wrong. */
  | { type: 'error'; message: string; stack?: string };
