/** A tiny in-memory caption dataset for solver, sampling and checkpoint tests. */
import { Rng } from '../../core/random';
import type { CaptionSplit, TrainData } from '../../core/solver';
import type { Tensor } from '../../core/tensor';

const words = ['<NULL>', '<START>', '<END>', '<UNK>', 'a', 'red', 'blue', 'circle', 'square', 'above', 'below', 'small'];
export const toyVocab = {
  idxToWord: words,
  wordToIdx: Object.fromEntries(words.map((w, i) => [w, i])) as Record<string, number>,
  nullIdx: 0,
  startIdx: 1,
  endIdx: 2,
};

/** `n` captions of length T (random words, random length) over `images` images with D-dim features. */
export function toySplit(n: number, T: number, D: number, seed: number, images = Math.max(1, n >> 1)): CaptionSplit {
  const rng = new Rng(seed);
  const captions = new Int32Array(n * T);
  for (let i = 0; i < n; i++) {
    const len = 1 + rng.int(T - 2);
    captions[i * T] = 1;
    for (let t = 1; t <= len; t++) captions[i * T + t] = 3 + rng.int(words.length - 3);
    captions[i * T + len + 1] = 2;
  }
  const imageIdxs = Int32Array.from({ length: n }, () => rng.int(images));
  const feats = rng.normals(images * D);
  return {
    captions: { shape: [n, T], data: captions },
    imageIdxs,
    urls: Array.from({ length: images }, (_, i) => `images/${i}.png`),
    getFeatures(rows: ArrayLike<number>): Tensor {
      const out = new Float64Array(rows.length * D);
      for (let i = 0; i < rows.length; i++) out.set(feats.subarray(rows[i] * D, (rows[i] + 1) * D), i * D);
      return { shape: [rows.length, D], data: out };
    },
  };
}

export function toyData(n: number, T: number, D: number, seed: number): TrainData {
  return { train: toySplit(n, T, D, seed), val: toySplit(Math.max(2, n >> 2), T, D, seed + 1000) };
}
