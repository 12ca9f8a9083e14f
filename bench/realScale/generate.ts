/**
 * A random dataset in the CS231n `coco_captioning` layout at the course's full sizes (shared
 * DATASET-FORMAT.md §1), for the real-scale training benchmark: 82,783 / 40,504 images,
 * 400,135 / 195,954 captions, V = 1004, T = 17; PCA features 512-d chunked + gzip, fc7 features
 * 4096-d contiguous. Written with h5py when python3 has it (as the measurement was),
 * else with h5wasm (gzip without shuffle: h5wasm writes one filter per dataset).
 * Never inside the repository: callers pass a temporary folder.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { h5lib } from '../../runtime/h5';

export interface ScaleSpec {
  trainImages: number;
  valImages: number;
  trainCaptions: number;
  valCaptions: number;
  V: number;
  T: number;
}

/** The course's sizes. */
export const FULL: ScaleSpec = { trainImages: 82783, valImages: 40504, trainCaptions: 400135, valCaptions: 195954, V: 1004, T: 17 };

export interface GenerateOptions {
  /** Which feature pairs to write (default both). */
  pca?: boolean;
  fc7?: boolean;
  /** Chunk rows of the PCA files (default 64: whole rows, 32K elements a chunk). */
  pcaChunkRows?: number;
  /** 'auto' (default): h5py when importable, else h5wasm. */
  writer?: 'auto' | 'h5py' | 'h5wasm';
  seed?: number;
  log?(line: string): void;
}

export function hasH5py(): boolean {
  const r = spawnSync('python3', ['-c', 'import h5py, numpy'], { stdio: 'ignore' });
  return r.status === 0;
}

/** xorshift32 stream of floats in [-1, 1) (fast; no statistical quality needed). */
function fillUniform(a: Float32Array, seed: number): void {
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < a.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    a[i] = x / 2147483648 - 1;
  }
}

function captions(rows: number, T: number, V: number, images: number, seed: number): { caps: Int32Array; idxs: Int32Array } {
  const caps = new Int32Array(rows * T);
  const idxs = new Int32Array(rows);
  let x = seed >>> 0 || 1;
  const next = (n: number): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
  for (let r = 0; r < rows; r++) {
    idxs[r] = r < images ? r : next(images); // every image has at least one caption
    const len = 8 + next(T - 9); // words between <START> and <END>
    caps[r * T] = 1;
    for (let k = 1; k <= len; k++) caps[r * T + k] = 4 + next(V - 4);
    caps[r * T + len + 1] = 2;
  }
  return { caps, idxs };
}

function vocabJson(V: number): string {
  const idxToWord = ['<NULL>', '<START>', '<END>', '<UNK>'];
  for (let i = 4; i < V; i++) {
    let w = '';
    let k = i;
    do {
      w = String.fromCharCode(97 + (k % 26)) + w;
      k = Math.floor(k / 26);
    } while (k > 0);
    idxToWord.push(`w${w}`);
  }
  const wordToIdx: Record<string, number> = {};
  idxToWord.forEach((w, i) => (wordToIdx[w] = i));
  return JSON.stringify({ idx_to_word: idxToWord, word_to_idx: wordToIdx });
}

/** Writes the dataset into `dir` (created). Returns the writer used. */
export async function generateDataset(dir: string, spec: ScaleSpec, opts: GenerateOptions = {}): Promise<'h5py' | 'h5wasm'> {
  mkdirSync(dir, { recursive: true });
  const log = opts.log ?? (() => {});
  const seed = opts.seed ?? 231;
  const pca = opts.pca ?? true;
  const fc7 = opts.fc7 ?? true;
  const chunkRows = opts.pcaChunkRows ?? 64;
  const writer = opts.writer === 'h5py' || (opts.writer !== 'h5wasm' && hasH5py()) ? 'h5py' : 'h5wasm';
  writeFileSync(path.join(dir, 'coco2014_vocab.json'), vocabJson(spec.V));
  for (const [split, n] of [['train', spec.trainImages], ['val', spec.valImages]] as const) {
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(`http://images.example/${split}/${i}.jpg`);
    writeFileSync(path.join(dir, `${split}2014_urls.txt`), lines.join('\n') + '\n');
  }
  if (writer === 'h5py') {
    const script = `
import sys, numpy as np, h5py
d, V, T, seed, pca, fc7, cr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == '1', sys.argv[6] == '1', int(sys.argv[7])
sizes = dict(train=(int(sys.argv[8]), int(sys.argv[9])), val=(int(sys.argv[10]), int(sys.argv[11])))
rng = np.random.default_rng(seed)
with h5py.File(d + '/coco2014_captions.h5', 'w') as f:
    for s, (imgs, caps) in sizes.items():
        lens = rng.integers(8, T - 1, size=caps)
        c = np.zeros((caps, T), np.int32)
        c[:, 0] = 1
        words = rng.integers(4, V, size=(caps, T)).astype(np.int32)
        pos = np.arange(T)[None, :]
        c = np.where((pos >= 1) & (pos <= lens[:, None]), words, c)
        c[np.arange(caps), lens + 1] = 2
        idx = np.concatenate([np.arange(min(imgs, caps)), rng.integers(0, imgs, size=max(0, caps - imgs))]).astype(np.int32)
        f.create_dataset(s + '_captions', data=c)
        f.create_dataset(s + '_image_idxs', data=idx)
for s, (imgs, caps) in sizes.items():
    if pca:
        with h5py.File(d + '/' + s + '2014_vgg16_fc7_pca.h5', 'w') as f:
            ds = f.create_dataset('features', shape=(imgs, 512), dtype='<f4', chunks=(cr, 512), compression='gzip', shuffle=True)
            for a in range(0, imgs, 8192):
                b = min(imgs, a + 8192)
                ds[a:b] = rng.standard_normal((b - a, 512), dtype=np.float32)
    if fc7:
        with h5py.File(d + '/' + s + '2014_vgg16_fc7.h5', 'w') as f:
            ds = f.create_dataset('features', shape=(imgs, 4096), dtype='<f4')
            for a in range(0, imgs, 4096):
                b = min(imgs, a + 4096)
                ds[a:b] = np.maximum(rng.standard_normal((b - a, 4096), dtype=np.float32), 0)
`;
    const r = spawnSync('python3', ['-c', script, dir, String(spec.V), String(spec.T), String(seed), pca ? '1' : '0', fc7 ? '1' : '0', String(chunkRows), String(spec.trainImages), String(spec.trainCaptions), String(spec.valImages), String(spec.valCaptions)], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`h5py generation failed (exit ${r.status})`);
    log(`wrote ${dir} with h5py`);
    return writer;
  }
  const lib = await h5lib();
  const write = (file: string, fill: (f: InstanceType<typeof lib.File>) => void): void => {
    const f = new lib.File(path.join(dir, file), 'w');
    try {
      fill(f);
    } finally {
      f.close();
    }
  };
  write('coco2014_captions.h5', (f) => {
    for (const [split, imgs, rows, s] of [['train', spec.trainImages, spec.trainCaptions, seed], ['val', spec.valImages, spec.valCaptions, seed + 1]] as const) {
      const { caps, idxs } = captions(rows, spec.T, spec.V, imgs, s);
      f.create_dataset({ name: `${split}_captions`, data: caps, shape: [rows, spec.T], dtype: '<i' });
      f.create_dataset({ name: `${split}_image_idxs`, data: idxs, shape: [rows], dtype: '<i' });
    }
  });
  log('wrote coco2014_captions.h5');
  for (const [split, imgs, s] of [['train', spec.trainImages, seed + 10], ['val', spec.valImages, seed + 20]] as const) {
    if (pca) {
      const data = new Float32Array(imgs * 512);
      fillUniform(data, s);
      write(`${split}2014_vgg16_fc7_pca.h5`, (f) => {
        f.create_dataset({ name: 'features', data, shape: [imgs, 512], dtype: '<f', chunks: [chunkRows, 512], compression: 'gzip', compression_opts: 4 });
      });
      log(`wrote ${split}2014_vgg16_fc7_pca.h5`);
    }
    if (fc7) {
      // Contiguous storage needs the whole array in one create_dataset call (no resize).
      const data = new Float32Array(imgs * 4096);
      fillUniform(data, s + 5);
      for (let i = 0; i < data.length; i++) if (data[i] < 0) data[i] = 0;
      write(`${split}2014_vgg16_fc7.h5`, (f) => {
        f.create_dataset({ name: 'features', data, shape: [imgs, 4096], dtype: '<f' });
      });
      log(`wrote ${split}2014_vgg16_fc7.h5`);
    }
  }
  return writer;
}
