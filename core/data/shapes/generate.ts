/**
 * The embedded default dataset, generated in memory from a seed: scenes (with their style),
 * grammar captions -> vocabulary and token rows, scene descriptions -> features (sceneFeatures.ts;
 * no pixels are rendered) -> centred on the train mean, unit mean square on train -> float16
 * precision. runtime/defaultDataset.ts writes the result in the CS231n layout (into the user's
 * cache, on first use); pictures are drawn from the scene records when shown.
 *
 * `generateSteps` is a generator that yields progress between blocks of images, so a caller can
 * report it, yield to its event loop and stop; `generateShapesDataset` runs it to the end.
 */
import { Rng } from '../../random';
import { encodeCaption } from '../decode';
import { END_TOKEN, NULL_TOKEN, START_TOKEN, UNK_TOKEN } from '../vocab';
import type { SplitName } from '../types';
import { roundToHalf } from './half';
import { randomScene, sceneCaptions, withStyle, type Scene } from './scene';
import { sceneFeatureParams, sceneFeatures, SCENE_RAW_DIM } from './sceneFeatures';

export interface GenerateOptions {
  seed?: number;
  nTrain?: number;
  nVal?: number;
  captionsPerImage?: number;
  /** Feature dimension. */
  D?: number;
  /** Caption length incl. <START>/<END>. */
  T?: number;
  /** Words seen fewer times than this in train captions become <UNK>. */
  minCount?: number;
  /** Scenes and captions only (features left empty): the cheap part, for tests. */
  skipFeatures?: boolean;
  /** Share of the feature variance that comes from each scene's texture (see below). */
  textureShare?: number;
  /** Root mean square of the train features. */
  rms?: number;
}

export interface GeneratedSplit {
  /** Scene records with their style (background, jittered RGB), as scenes.json holds them. */
  scenes: Scene[];
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
  /** Milliseconds per stage. */
  timings: Record<string, number>;
}

/** Where a generation is: a stage name and the fraction of the whole generation done. */
export interface GenerateProgress {
  stage: string;
  fraction: number;
}

export const DEFAULT_SEED = 231;
/**
 * The embedded default's sizes: 20,000 train images (100,000 captions), so 50 random captions of
 * the overfit check rarely hold two captions of one image (expected pairs 50·49/2 / 20,000 ≈ 0.06),
 * and 5,000 val images.
 */
export const DEFAULT_SIZES = { nTrain: 20000, nVal: 5000, captionsPerImage: 5, D: 512, T: 17, minCount: 400, textureShare: 0.2, rms: 1 } as const;
/** Images per progress step. */
const BLOCK = 1000;

export function generateShapesDataset(opts: GenerateOptions = {}, log: (msg: string) => void = () => {}): GeneratedDataset {
  const it = generateSteps(opts, log);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
  }
}

export function* generateSteps(opts: GenerateOptions = {}, log: (msg: string) => void = () => {}): Generator<GenerateProgress, GeneratedDataset, void> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const counts: Record<SplitName, number> = { train: opts.nTrain ?? DEFAULT_SIZES.nTrain, val: opts.nVal ?? DEFAULT_SIZES.nVal };
  const perImage = opts.captionsPerImage ?? DEFAULT_SIZES.captionsPerImage;
  const D = opts.D ?? DEFAULT_SIZES.D;
  const T = opts.T ?? DEFAULT_SIZES.T;
  const minCount = opts.minCount ?? DEFAULT_SIZES.minCount;
  const total = counts.train + counts.val;
  const timings: Record<string, number> = {};
  let t = Date.now();
  const lap = (name: string): void => {
    timings[name] = Date.now() - t;
    log(`${name}: ${timings[name]} ms`);
    t = Date.now();
  };

  // Scenes and captions: 40% of the work; features: 55%; the rest 5%.
  const sceneRng = new Rng(seed);
  const captionRng = new Rng(seed + 1);
  const textureRng = new Rng(seed + 4);
  const scenes = {} as Record<SplitName, Scene[]>;
  const words = {} as Record<SplitName, string[][]>;
  const owners = {} as Record<SplitName, number[]>;
  let done = 0;
  for (const split of ['train', 'val'] as const) {
    scenes[split] = [];
    words[split] = [];
    owners[split] = [];
    for (let i = 0; i < counts[split]; i++) {
      const { scene, style } = randomScene(sceneRng);
      scenes[split].push({ ...withStyle(scene, style), texture: textureRng.nextU32() });
      for (const c of sceneCaptions(scene, captionRng, perImage)) {
        words[split].push(c);
        owners[split].push(i);
      }
      if (++done % BLOCK === 0) yield { stage: 'scenes and captions', fraction: (0.4 * done) / total };
    }
  }
  lap('scenes and captions');

  // Vocabulary: CS231n order (specials, then train words by count, ties alphabetical).
  const freq = new Map<string, number>();
  for (const c of words.train) for (const w of c) freq.set(w, (freq.get(w) ?? 0) + 1);
  const kept = [...freq.entries()].filter(([, n]) => n >= minCount).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const idxToWord = [NULL_TOKEN, START_TOKEN, END_TOKEN, UNK_TOKEN, ...kept.map(([w]) => w)];
  const wordToIdx = new Map<string, number>();
  idxToWord.forEach((w, i) => wordToIdx.set(w, i));
  const captions = { train: encodeAll(words.train, wordToIdx, T), val: encodeAll(words.val, wordToIdx, T) };
  lap('vocabulary and captions');

  const splits = {} as Record<SplitName, GeneratedSplit>;
  if (opts.skipFeatures) {
    for (const split of ['train', 'val'] as const) splits[split] = { scenes: scenes[split], captions: captions[split], imageIdxs: Int32Array.from(owners[split]), features: new Float32Array(0) };
    return { seed, T, D, idxToWord, splits, timings };
  }

  const params = sceneFeatureParams(new Rng(seed + 2), D);
  const raw = {} as Record<SplitName, Float64Array>;
  const scratch = new Float64Array(SCENE_RAW_DIM);
  done = 0;
  for (const split of ['train', 'val'] as const) {
    raw[split] = new Float64Array(counts[split] * D);
    for (let i = 0; i < counts[split]; i++) {
      const s = scenes[split][i];
      sceneFeatures(s, { background: s.background ?? [255, 255, 255], rgb: s.objects.map((o) => o.rgb ?? [0, 0, 0]) }, params, raw[split], i * D, scratch);
      if (++done % BLOCK === 0) yield { stage: 'features', fraction: 0.4 + (0.55 * done) / total };
    }
  }
  lap('features');

  // Centre on the train mean, one scale so train has unit mean square; then the texture: every
  // scene's own pseudo-random component (uniform, unit variance, from its texture seed), the
  // stand-in for the countless details that make each photo's fc7 vector its own (so any two
  // images are told apart, as in COCO, even when their facts are the same); float16 precision.
  const share = opts.textureShare ?? DEFAULT_SIZES.textureShare;
  const rms = opts.rms ?? DEFAULT_SIZES.rms;
  const keep = rms * Math.sqrt(1 - share);
  const grain = rms * Math.sqrt(share) * Math.sqrt(12);
  const mean = new Float64Array(D);
  for (let i = 0; i < counts.train; i++) for (let j = 0; j < D; j++) mean[j] += raw.train[i * D + j];
  for (let j = 0; j < D; j++) mean[j] /= Math.max(1, counts.train);
  let ms = 0;
  for (let i = 0; i < counts.train; i++) {
    for (let j = 0; j < D; j++) {
      const v = raw.train[i * D + j] - mean[j];
      ms += v * v;
    }
  }
  const scale = ms > 0 ? 1 / Math.sqrt(ms / (counts.train * D)) : 1;
  for (const split of ['train', 'val'] as const) {
    const features = new Float32Array(counts[split] * D);
    const r = raw[split];
    for (let i = 0; i < counts[split]; i++) {
      const tex = new Rng(scenes[split][i].texture ?? 0);
      for (let j = 0; j < D; j++) features[i * D + j] = roundToHalf((r[i * D + j] - mean[j]) * scale * keep + (share > 0 ? grain * (tex.uniform() - 0.5) : 0));
    }
    splits[split] = { scenes: scenes[split], captions: captions[split], imageIdxs: Int32Array.from(owners[split]), features };
  }
  lap('normalise');
  yield { stage: 'features', fraction: 0.95 };
  return { seed, T, D, idxToWord, splits, timings };
}

function encodeAll(words: string[][], wordToIdx: Map<string, number>, T: number): Int32Array {
  const lookup: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const [w, i] of wordToIdx) lookup[w] = i;
  const captions = new Int32Array(words.length * T);
  words.forEach((c, r) => captions.set(encodeCaption(c, lookup, T), r * T));
  return captions;
}
