/**
 * Builders of small CS231n-layout datasets in temp folders (written with h5wasm), with defaults
 * that open cleanly; each test overrides just what it damages.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CAPTIONS_FILE, featureFile, urlsFile, VOCAB_FILE } from '../../core/data/loader';
import { writeH5File, type H5WriteSpec } from '../../runtime/h5';

export const WORDS = ['<NULL>', '<START>', '<END>', '<UNK>', 'a', 'red', 'blue', 'circle', 'square', 'above'];
export const T = 7;
export const D = 6;

export interface Layout {
  chunks?: boolean;
  gzip?: number;
  /** Raw HDF5 filter, e.g. { id: 2, opts: [4] } = shuffle. */
  filter?: { id: number; opts: number[] };
}

export interface SmallSpec {
  nTrain?: number;
  nVal?: number;
  layout?: Layout;
  /** Float64 features instead of float32. */
  float64?: boolean;
  pca?: boolean;
}

/** Deterministic feature value of (row, col) so reads can be checked exactly. */
export const featureValue = (split: 'train' | 'val', row: number, col: number): number => (split === 'train' ? 1 : -1) * (row * 0.25 + col * 0.125);

export function captionRow(imageIdx: number): number[] {
  // <START> a red|blue circle|square <END> <NULL>...
  return [1, 4, 5 + (imageIdx % 2), 7 + (Math.floor(imageIdx / 2) % 2), 2, 0, 0];
}

export interface SmallArrays {
  captions: Record<'train' | 'val', { captions: Int32Array; imageIdxs: Int32Array }>;
  features: Record<'train' | 'val', Float32Array | Float64Array>;
  nImages: Record<'train' | 'val', number>;
}

export function smallArrays(spec: SmallSpec = {}): SmallArrays {
  const nImages = { train: spec.nTrain ?? 12, val: spec.nVal ?? 5 };
  const out = { captions: {}, features: {}, nImages } as SmallArrays;
  for (const split of ['train', 'val'] as const) {
    const n = nImages[split];
    const rows = n * 2; // two captions per image
    const captions = new Int32Array(rows * T);
    const imageIdxs = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      imageIdxs[r] = r % n;
      captions.set(captionRow(r % n), r * T);
    }
    out.captions[split] = { captions, imageIdxs };
    const f = spec.float64 ? new Float64Array(n * D) : new Float32Array(n * D);
    for (let i = 0; i < n; i++) for (let j = 0; j < D; j++) f[i * D + j] = featureValue(split, i, j);
    out.features[split] = f;
  }
  return out;
}

function withLayout(s: Omit<H5WriteSpec, 'chunks' | 'gzip' | 'filter'>, layout: Layout): H5WriteSpec {
  if (!layout.chunks) return s;
  const chunks = s.shape.map((d, i) => (i === 0 ? Math.max(1, Math.ceil(d / 3)) : d));
  return { ...s, chunks, gzip: layout.gzip, filter: layout.filter };
}

/** Writes a complete small dataset into a new temp folder; returns the folder. */
export async function writeSmallDataset(spec: SmallSpec = {}, arrays = smallArrays(spec), dir = mkdtempSync(path.join(tmpdir(), 'gl-data-'))): Promise<string> {
  const layout = spec.layout ?? {};
  const pca = spec.pca ?? true;
  await writeH5File(
    path.join(dir, CAPTIONS_FILE),
    (['train', 'val'] as const).flatMap((split) => {
      const c = arrays.captions[split];
      const rows = c.imageIdxs.length;
      return [
        withLayout({ name: `${split}_captions`, data: c.captions, shape: [c.captions.length / T, T] }, layout),
        withLayout({ name: `${split}_image_idxs`, data: c.imageIdxs, shape: [rows] }, layout),
      ];
    }),
  );
  for (const split of ['train', 'val'] as const) {
    const f = arrays.features[split];
    await writeH5File(path.join(dir, featureFile(split, pca)), [withLayout({ name: 'features', data: f, shape: [f.length / D, D] }, layout)]);
    const urls = Array.from({ length: arrays.nImages[split] }, (_, i) => (i % 2 === 0 ? `images/${split}/${i}.png` : `http://example.invalid/${split}/${i}.jpg`));
    writeFileSync(path.join(dir, urlsFile(split)), urls.join('\n') + '\n');
  }
  writeVocab(dir, WORDS);
  return dir;
}

export function writeVocab(dir: string, idxToWord: string[], wordToIdx?: Record<string, number>): void {
  const w2i = wordToIdx ?? Object.fromEntries(idxToWord.map((w, i) => [w, i]));
  writeFileSync(path.join(dir, VOCAB_FILE), JSON.stringify({ idx_to_word: idxToWord, word_to_idx: w2i }));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
