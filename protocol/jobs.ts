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

export type JobRequest = CheckJob | DatasetInfoJob;
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
}

/** Worker → host. */
export type FromJobWorker =
  /** Part of the job is done; `fraction` in [0, 1] when known. */
  | { type: 'progress'; message: string; fraction?: number }
  /** The job finished; `result` is `JobResults[kind]`. */
  | { type: 'done'; result: unknown }
  /** The job failed; `message` is one line naming what is wrong. */
  | { type: 'error'; message: string; stack?: string };
