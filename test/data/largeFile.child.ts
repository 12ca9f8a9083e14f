/**
 * Child process of large.test.ts (run apart so its peak RSS is its own):
 *   write DIR  -> a CS231n-layout folder whose train2014_vgg16_fc7.h5 is ROWS × 4096 float32 (> 200 MB)
 *   read DIR   -> opens it (hyperslab mode, full NaN scan), reads scattered rows, prints JSON
 */
import * as path from 'node:path';
import { writeFileSync } from 'node:fs';
import { openDataset } from '../../core/data';
import { fsAccess } from '../../runtime/fsAccess';
import { writeH5File, writeLargeFeatureFile } from '../../runtime/h5';

export const ROWS = 13000;
export const DIM = 4096;
const value = (row: number, col: number): number => Math.fround((((row * 7 + col * 13) % 1000) - 500) / 64);

function block(start: number, stop: number): Float32Array {
  const out = new Float32Array((stop - start) * DIM);
  for (let r = start; r < stop; r++) for (let c = 0; c < DIM; c++) out[(r - start) * DIM + c] = value(r, c);
  return out;
}

async function write(dir: string): Promise<void> {
  await writeLargeFeatureFile(path.join(dir, 'train2014_vgg16_fc7.h5'), ROWS, DIM, 256, block);
  await writeH5File(path.join(dir, 'val2014_vgg16_fc7.h5'), [{ name: 'features', data: block(0, 10), shape: [10, DIM] }]);
  const caps = (n: number, images: number): { c: Int32Array; i: Int32Array } => {
    const c = new Int32Array(n * 5);
    const i = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      c.set([1, 4, 5, 2, 0], r * 5);
      i[r] = (r * 37) % images;
    }
    return { c, i };
  };
  const tr = caps(2 * ROWS, ROWS);
  const va = caps(20, 10);
  await writeH5File(path.join(dir, 'coco2014_captions.h5'), [
    { name: 'train_captions', data: tr.c, shape: [2 * ROWS, 5] },
    { name: 'train_image_idxs', data: tr.i, shape: [2 * ROWS] },
    { name: 'val_captions', data: va.c, shape: [20, 5] },
    { name: 'val_image_idxs', data: va.i, shape: [20] },
  ]);
  const words = ['<NULL>', '<START>', '<END>', '<UNK>', 'a', 'b'];
  writeFileSync(path.join(dir, 'coco2014_vocab.json'), JSON.stringify({ idx_to_word: words, word_to_idx: Object.fromEntries(words.map((w, k) => [w, k])) }));
}

async function read(dir: string): Promise<void> {
  const rssMB = (): number => process.memoryUsage().rss / 2 ** 20;
  const t0 = Date.now();
  const ds = await openDataset(fsAccess(dir), { pcaFeatures: false });
  const openMs = Date.now() - t0;
  const rssAfterOpen = rssMB();
  const rows = [ROWS - 1, 0, 6000, 6001, 6002, 777, 0];
  const t1 = Date.now();
  const f = ds.splits.train.getFeatures(rows);
  const readMs = Date.now() - t1;
  let mismatches = 0;
  rows.forEach((r, i) => {
    for (let c = 0; c < DIM; c++) if (f.data[i * DIM + c] !== value(r, c)) mismatches++;
  });
  const t2 = Date.now();
  for (let k = 0; k < 20; k++) ds.splits.train.getFeatures(Array.from({ length: 100 }, (_, i) => (i * 131 + k * 17) % ROWS));
  const batchMs = (Date.now() - t2) / 20;
  const out = {
    D: ds.D,
    numImages: ds.splits.train.numImages,
    preloaded: ds.stats.featuresPreloaded.train,
    openMs,
    readMs,
    batch100Ms: batchMs,
    mismatches,
    rssAfterOpenMB: rssAfterOpen,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
  ds.close();
  process.stdout.write(JSON.stringify(out) + '\n');
}

const [mode, dir] = process.argv.slice(2);
(mode === 'write' ? write(dir) : read(dir)).catch((e: unknown) => {
  process.stderr.write(`largeFile.child: ${(e as Error).stack}\n`);
  process.exit(1);
});
