/** Minibatches, CS231n `sample_coco_minibatch` semantics: caption rows drawn with replacement. */
import type { Rng } from '../random';
import type { IntTensor, Tensor } from '../tensor';
import type { Dataset, SplitName } from './types';

export interface Minibatch {
  /** (B, T) token rows. */
  readonly captions: IntTensor;
  /** (B, D) features of each caption's image. */
  readonly features: Tensor;
  /** (B,) image row of each caption. */
  readonly imageIdxs: Int32Array;
  /** (B,) caption rows drawn. */
  readonly captionIdxs: Int32Array;
  /** Image reference of each caption's image, or null when the split has no URL list. */
  readonly urls: (string | null)[];
}

/** Draws `batchSize` caption rows of `split` with replacement using `rng`. */
export function sampleMinibatch(ds: Dataset, batchSize: number, split: SplitName, rng: Rng): Minibatch {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`sampleMinibatch: batch size must be a positive integer, got ${batchSize}`);
  const s = ds.splits[split];
  const rows = new Int32Array(batchSize);
  for (let i = 0; i < batchSize; i++) rows[i] = rng.int(s.numCaptions);
  return gatherCaptions(ds, split, rows);
}

/** The minibatch made of the given caption rows (in order), e.g. for a fixed overfit set. */
export function gatherCaptions(ds: Dataset, split: SplitName, captionRows: ArrayLike<number>): Minibatch {
  const s = ds.splits[split];
  const T = ds.T;
  const B = captionRows.length;
  const captions = new Int32Array(B * T);
  const imageIdxs = new Int32Array(B);
  const captionIdxs = Int32Array.from(captionRows);
  for (let i = 0; i < B; i++) {
    const r = captionIdxs[i];
    if (r < 0 || r >= s.numCaptions) throw new RangeError(`gatherCaptions: caption row ${r} outside [0, ${s.numCaptions}) of ${split}`);
    captions.set(s.captions.data.subarray(r * T, (r + 1) * T), i * T);
    imageIdxs[i] = s.imageIdxs[r];
  }
  const urls = Array.from(imageIdxs, (k) => (s.urls ? s.urls[k] : null));
  return { captions: { shape: [B, T], data: captions }, features: s.getFeatures(imageIdxs), imageIdxs, captionIdxs, urls };
}
