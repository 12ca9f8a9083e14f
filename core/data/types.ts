/**
 * The open dataset: CS231n `coco_captioning` layout (see shared DATASET-FORMAT.md §1).
 * N captions, T tokens per caption (incl. <START>/<END>), D feature dims, V vocabulary size.
 */
import type { IntTensor, Tensor } from '../tensor';
import type { FeatureRows } from './features';
import type { Scene } from './shapes/scene';

export type SplitName = 'train' | 'val';
export const SPLITS: readonly SplitName[] = ['train', 'val'];

/**
 * Any problem with a dataset on disk. The message names the file, the HDF5 dataset when there
 * is one, and what is wrong, on one line: `coco2014_captions.h5: train_captions: ...`.
 */
export class DatasetError extends Error {
  override name = 'DatasetError';
  constructor(
    message: string,
    /** The file (relative to the dataset folder) the problem is in, when there is one. */
    readonly file?: string,
    /** The HDF5 dataset or JSON key, when there is one. */
    readonly key?: string,
  ) {
    super([file, key, message].filter((s) => s !== undefined && s !== '').join(': '));
  }
}

export interface Split {
  readonly name: SplitName;
  /** (N, T) token indices, each row `<START> w1 ... <END> <NULL>...`. */
  readonly captions: IntTensor;
  /** (N,) image row (row of `features`) of each caption. */
  readonly imageIdxs: Int32Array;
  readonly numCaptions: number;
  /** Rows of the feature file (images), including images no caption refers to. */
  readonly numImages: number;
  /** One image reference per image row (URL or path relative to the folder), when the urls file exists. */
  readonly urls: readonly string[] | null;
  /** The features file this split reads (relative name). */
  readonly featureFile: string;
  /**
   * The feature rows behind getFeatures: held in memory or streamed (core/data/features.ts).
   * The training worker loads or streams them under its memory budget.
   */
  readonly featureRows?: FeatureRows;
  /**
   * Feature rows of the given images as an (n, D) float64 tensor, in the order given
   * (repeats allowed). Reads by hyperslab unless the file was preloaded. Throws a
   * DatasetError for a row outside [0, numImages) or a non-finite value.
   */
  getFeatures(imageRows: ArrayLike<number>): Tensor;
}

export interface Dataset {
  /** `default` for the embedded set, else the folder the dataset was opened from. */
  readonly source: string;
  /** The dataset folder (for image paths and messages). */
  readonly dir: string;
  /** Short display name: `default` or the folder's base name. */
  readonly name: string;
  readonly pcaFeatures: boolean;
  readonly splits: { readonly train: Split; readonly val: Split };
  readonly idxToWord: readonly string[];
  readonly wordToIdx: Readonly<Record<string, number>>;
  readonly nullIdx: number;
  readonly startIdx: number;
  readonly endIdx: number;
  /** Index of `<UNK>`, or null when the vocabulary has none. */
  readonly unkIdx: number | null;
  /** Caption length including <START> and <END> (17 in CS231n). */
  readonly T: number;
  /** Feature dimension (512 for PCA features, 4096 without). */
  readonly D: number;
  /** Vocabulary size. */
  readonly V: number;
  /** Ground-truth scene facts (embedded shapes set only; `scenes.json`). */
  readonly scenes: { readonly train: readonly Scene[]; readonly val: readonly Scene[] } | null;
  /** Non-fatal findings (e.g. missing URL files, rows not starting with <START>). */
  readonly warnings: readonly string[];
  /** How the data was opened, for `data info` and the report. */
  readonly stats: DatasetStats;
  /** Releases open HDF5 files. Further getFeatures calls throw. */
  close(): void;
}

export interface DatasetStats {
  readonly openMs: number;
  /** Feature files held in memory (true) or read by hyperslab per request (false). */
  readonly featuresPreloaded: { readonly train: boolean; readonly val: boolean };
  /** Storage layout per file and dataset, e.g. `coco2014_captions.h5:train_captions chunked(1927,17) shuffle+deflate`. */
  readonly layouts: readonly string[];
}

export interface OpenOptions {
  /** Use `*_vgg16_fc7_pca.h5` (true, CS231n default) or the 4096-d `*_vgg16_fc7.h5`. */
  readonly pcaFeatures?: boolean;
  /** Keep K train captions drawn with replacement (CS231n `max_train`); features stay whole. */
  readonly maxTrain?: number;
  /** Seed of the `maxTrain` draw. Default 0. */
  readonly seed?: number;
  /** Feature files up to this many bytes (raw) are read whole; larger ones by hyperslab. Default 64 MiB. */
  readonly preloadBytes?: number;
  /** Scan every feature value for NaN/Inf on open (in bounded row blocks). Default true. */
  readonly scanFeatures?: boolean;
  /** Read scenes.json (pictures of generated images; `scenes` is null without it). Default true; training does not need it. */
  readonly readScenes?: boolean;
  /** Name shown for the dataset (defaults to the folder's base name). */
  readonly name?: string;
  /** Source string (defaults to access.location). */
  readonly source?: string;
}
