/**
 * The embedded default dataset, generated in memory from a seed (shared DATASET-FORMAT.md §3):
 * scenes -> PNG-ready pixels, grammar captions -> vocabulary and token rows, pixels -> random
 * conv features -> PCA (fitted on train) -> unit mean square -> float16 precision.
 * scripts/gen-default-dataset.ts writes the result in the CS231n layout.
 */
import { Rng } from '../../random';
import { encodeCaption } from '../decode';
import { END_TOKEN, NULL_TOKEN, START_TOKEN, UNK_TOKEN } from '../vocab';
import type { SplitName } from '../types';
import { imageFeatures, randomConv, RAW_DIM } from './features';
import { roundToHalf } from './half';
import { fitPca, pcaTransform } from './pca';
import { renderScene } from './render';
import { randomScene, sceneCaptions, type Scene } from './scene';

export interface GenerateOptions {
  seed?: number;
  nTrain?: number;
  nVal?: number;
  captionsPerImage?: number;
  /** Feature dimension after PCA. */
  D?: number;
  /** Caption length incl. <START>/<END>. */
  T?: number;
  /** Words seen fewer times than this in train captions become <UNK>. */
  minCount?: number;
  /** Subspace-iteration rounds of the PCA. */
  pcaIterations?: number;
  /** Scenes, images and captions only (features left empty): the cheap part, for tests. */
  skipFeatures?: boolean;
}

export interface GeneratedSplit {
  scenes: Scene[];
  /** (64, 64, 3) uint8 per image. */
  images: Uint8Array[];
  /** (numCaptions, T) token rows. */
  captions: Int32Array;
  imageIdxs: Int32Array;
  /** (numImages, D), float16 values stored as float32. */
  features: Float32Array;
}

export interface GeneratedDataset {
  seed: number;
  T: number;
  D: number;
  idxToWord: string[];
  splits: Record<SplitName, GeneratedSplit>;
  /** Fraction of train variance the kept PCA components hold. */
  pcaExplained: number;
  /** Milliseconds per stage. */
  timings: Record<string, number>;
}

export const DEFAULT_SEED = 231;

export function generateShapesDataset(opts: GenerateOptions = {}, log: (msg: string) => void = () => {}): GeneratedDataset {
  const seed = opts.seed ?? DEFAULT_SEED;
  const counts: Record<SplitName, number> = { train: opts.nTrain ?? 1600, val: opts.nVal ?? 400 };
  const perImage = opts.captionsPerImage ?? 5;
  const D = opts.D ?? 512;
  const T = opts.T ?? 17;
  const minCount = opts.minCount ?? 20;
  const timings: Record<string, number> = {};
  let t = Date.now();
  const lap = (name: string): void => {
    timings[name] = Date.now() - t;
    log(`${name}: ${timings[name]} ms`);
    t = Date.now();
  };

  const sceneRng = new Rng(seed);
  const captionRng = new Rng(seed + 1);
  const scenes = {} as Record<SplitName, Scene[]>;
  const images = {} as Record<SplitName, Uint8Array[]>;
  const words = {} as Record<SplitName, string[][]>;
  const owners = {} as Record<SplitName, number[]>;
  for (const split of ['train', 'val'] as const) {
    scenes[split] = [];
    images[split] = [];
    words[split] = [];
    owners[split] = [];
    for (let i = 0; i < counts[split]; i++) {
      const { scene, style } = randomScene(sceneRng);
      scenes[split].push(scene);
      images[split].push(renderScene(scene, style));
      for (const c of sceneCaptions(scene, captionRng, perImage)) {
        words[split].push(c);
        owners[split].push(i);
      }
    }
  }
  lap('scenes, images and captions');

  // Vocabulary: CS231n order (specials, then train words by count, ties alphabetical).
  const freq = new Map<string, number>();
  for (const c of words.train) for (const w of c) freq.set(w, (freq.get(w) ?? 0) + 1);
  const kept = [...freq.entries()].filter(([, n]) => n >= minCount).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const idxToWord = [NULL_TOKEN, START_TOKEN, END_TOKEN, UNK_TOKEN, ...kept.map(([w]) => w)];
  const wordToIdx: Record<string, number> = {};
  idxToWord.forEach((w, i) => (wordToIdx[w] = i));

  if (opts.skipFeatures) {
    const splits = {} as Record<SplitName, GeneratedSplit>;
    for (const split of ['train', 'val'] as const) splits[split] = { scenes: scenes[split], images: images[split], captions: encodeAll(words[split], wordToIdx, T), imageIdxs: Int32Array.from(owners[split]), features: new Float32Array(0) };
    return { seed, T, D, idxToWord, splits, pcaExplained: NaN, timings };
  }

  const conv = randomConv(new Rng(seed + 2));
  const raw = {} as Record<SplitName, Float64Array>;
  for (const split of ['train', 'val'] as const) {
    raw[split] = new Float64Array(counts[split] * RAW_DIM);
    const row = new Float64Array(RAW_DIM);
    images[split].forEach((img, i) => {
      imageFeatures(img, conv, row);
      raw[split].set(row, i * RAW_DIM);
    });
  }
  lap('conv features');

  const fit = fitPca(raw.train, counts.train, RAW_DIM, D, new Rng(seed + 3), opts.pcaIterations ?? 4);
  lap('pca fit');
  const proj = { train: pcaTransform(fit, raw.train, counts.train), val: pcaTransform(fit, raw.val, counts.val) };
  let ms = 0;
  for (const v of proj.train) ms += v * v;
  const scale = 1 / Math.sqrt(ms / proj.train.length);
  lap('pca transform');

  const splits = {} as Record<SplitName, GeneratedSplit>;
  for (const split of ['train', 'val'] as const) {
    const captions = encodeAll(words[split], wordToIdx, T);
    const features = new Float32Array(proj[split].length);
    for (let i = 0; i < features.length; i++) features[i] = roundToHalf(proj[split][i] * scale);
    splits[split] = { scenes: scenes[split], images: images[split], captions, imageIdxs: Int32Array.from(owners[split]), features };
  }
  return { seed, T, D, idxToWord, splits, pcaExplained: fit.explained, timings };
}

function encodeAll(words: string[][], wordToIdx: Record<string, number>, T: number): Int32Array {
  const captions = new Int32Array(words.length * T);
  words.forEach((c, r) => captions.set(encodeCaption(c, wordToIdx, T), r * T));
  return captions;
}
