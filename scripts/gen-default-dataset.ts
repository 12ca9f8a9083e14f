/**
 * Generates the embedded default dataset (coloured shapes, CS231n layout) into data/default:
 *   npm run gen:data            (or: node --import tsx scripts/gen-default-dataset.ts [OUT_DIR] [--seed N])
 * Same seed -> same bytes: the HDF5 object timestamps are pinned and PNGs are encoded with fixed
 * filters and zlib level 9. data/default/README.md is hand-written and left alone.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import { CAPTIONS_FILE, featureFile, SCENES_FILE, urlsFile, VOCAB_FILE } from '../core/data/loader';
import { generateShapesDataset, DEFAULT_SEED, type GeneratedDataset, type GenerateOptions } from '../core/data/shapes/generate';
import { CANVAS } from '../core/data/shapes/render';
import { vocabJson } from '../core/data/vocab';
import { writeH5File } from '../core/node/h5';
import { crc32 } from '../core/checkpoint/npz';

/** 2026-01-01T00:00:00Z: the time HDF5 records in object headers, pinned for reproducible bytes. */
export const FIXED_TIME_MS = Date.UTC(2026, 0, 1);
/** Every top-level name the generator writes (README.md is not one of them). */
export const GENERATED_NAMES = [CAPTIONS_FILE, VOCAB_FILE, featureFile('train', true), featureFile('val', true), urlsFile('train'), urlsFile('val'), SCENES_FILE, 'images'];

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * An 8-bit RGB PNG. Each row gets the filter (None, Sub, Up, Average, Paeth) with the smallest
 * sum of absolute filtered bytes, the usual heuristic; the choice is deterministic.
 */
export function encodePng(rgb: Uint8Array, width: number, height: number): Buffer {
  const stride = width * 3;
  const raw = new Uint8Array(height * (stride + 1));
  const cand = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = rgb.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? rgb.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    let best = -1;
    let bestCost = Infinity;
    for (let f = 0; f < 5; f++) {
      let cost = 0;
      for (let i = 0; i < stride; i++) {
        const a = i >= 3 ? row[i - 3] : 0;
        const b = prev[i];
        const c = i >= 3 ? prev[i - 3] : 0;
        let pred = 0;
        if (f === 1) pred = a;
        else if (f === 2) pred = b;
        else if (f === 3) pred = (a + b) >> 1;
        else if (f === 4) {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }
        const v = (row[i] - pred) & 0xff;
        cost += v < 128 ? v : 256 - v;
      }
      if (cost < bestCost) {
        bestCost = cost;
        best = f;
      }
    }
    const o = y * (stride + 1);
    raw[o] = best;
    for (let i = 0; i < stride; i++) {
      const a = i >= 3 ? row[i - 3] : 0;
      const b = prev[i];
      const c = i >= 3 ? prev[i - 3] : 0;
      let pred = 0;
      if (best === 1) pred = a;
      else if (best === 2) pred = b;
      else if (best === 3) pred = (a + b) >> 1;
      else if (best === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      cand[i] = (row[i] - pred) & 0xff;
    }
    raw.set(cand, o + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

const imageName = (split: string, i: number): string => `images/${split}/${String(i).padStart(5, '0')}.png`;

/** Writes every generated file of `gen` into the (new or empty) folder `dir`. */
export async function writeGenerated(gen: GeneratedDataset, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const { T, D } = gen;
  const s = gen.splits;
  const capChunk = Math.max(1, Math.floor(32768 / T)); // whole rows of about 32K elements
  const idxChunk = (n: number): number => Math.min(n, 32768);
  await writeH5File(
    path.join(dir, CAPTIONS_FILE),
    (['train', 'val'] as const).flatMap((split) => {
      const n = s[split].imageIdxs.length;
      return [
        { name: `${split}_captions`, data: s[split].captions, shape: [n, T], chunks: [Math.min(n, capChunk), T], gzip: 9 },
        { name: `${split}_image_idxs`, data: s[split].imageIdxs, shape: [n], chunks: [idxChunk(n)], gzip: 9 },
      ];
    }),
    FIXED_TIME_MS,
  );
  for (const split of ['train', 'val'] as const) {
    const n = s[split].images.length;
    if (s[split].features.length > 0)
      await writeH5File(path.join(dir, featureFile(split, true)), [{ name: 'features', data: s[split].features, shape: [n, D], chunks: [Math.min(n, 64), D], gzip: 9 }], FIXED_TIME_MS);
    mkdirSync(path.join(dir, 'images', split), { recursive: true });
    const names: string[] = [];
    s[split].images.forEach((img, i) => {
      const name = imageName(split, i);
      writeFileSync(path.join(dir, name), encodePng(img, CANVAS, CANVAS));
      names.push(name);
    });
    writeFileSync(path.join(dir, urlsFile(split)), names.join('\n') + '\n');
  }
  writeFileSync(path.join(dir, VOCAB_FILE), vocabJson(gen.idxToWord));
  writeFileSync(path.join(dir, SCENES_FILE), JSON.stringify({ train: s.train.scenes, val: s.val.scenes }));
}

/** Generates with `opts` and writes into `dir` (created). */
export async function generateInto(dir: string, opts: GenerateOptions = {}, log: (m: string) => void = () => {}): Promise<GeneratedDataset> {
  const gen = generateShapesDataset(opts, log);
  const t = Date.now();
  await writeGenerated(gen, dir);
  log(`write files: ${Date.now() - t} ms`);
  return gen;
}

async function main(argv: string[]): Promise<void> {
  const seedAt = argv.indexOf('--seed');
  const seed = seedAt >= 0 ? Number(argv[seedAt + 1]) : DEFAULT_SEED;
  const positional = argv.filter((a, i) => !a.startsWith('--') && (seedAt < 0 || i !== seedAt + 1));
  const out = path.resolve(positional[0] ?? path.join(__dirname, '..', 'data', 'default'));
  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const t0 = Date.now();
  const gen = await generateInto(tmp, { seed }, (m) => console.log(m));
  // Swap in the generated names only, so a hand-written README.md in `out` survives.
  mkdirSync(out, { recursive: true });
  for (const name of GENERATED_NAMES) {
    rmSync(path.join(out, name), { recursive: true, force: true });
    if (existsSync(path.join(tmp, name))) renameSync(path.join(tmp, name), path.join(out, name));
  }
  rmSync(tmp, { recursive: true, force: true });
  console.log(
    `wrote ${out}: ${gen.splits.train.images.length} train / ${gen.splits.val.images.length} val images, ` +
      `${gen.splits.train.imageIdxs.length} / ${gen.splits.val.imageIdxs.length} captions, V = ${gen.idxToWord.length}, ` +
      `D = ${gen.D}, PCA keeps ${(100 * gen.pcaExplained).toFixed(1)}% of the variance, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(`gen-default-dataset: ${(e as Error).message}`);
    process.exit(1);
  });
}
