/**
 * Opens a dataset in the CS231n `coco_captioning` layout (shared DATASET-FORMAT.md §1) through a
 * DataAccess, validating everything it reads. Any failure rejects with one DatasetError naming the
 * file, the HDF5 dataset and the problem; files opened so far are closed again, so a caller
 * that keeps its previous Dataset until this resolves is never left half-replaced.
 */
import { Rng } from '../random';
import { fmtShape, type Tensor } from '../tensor';
import type { DataAccess, H5DatasetInfo, H5FileHandle, NumericArray } from './access';
import { FeatureRows } from './features';
import type { Scene } from './shapes/scene';
import { DatasetError, SPLITS, type Dataset, type OpenOptions, type Split, type SplitName } from './types';
import { parseVocab, type Vocab } from './vocab';

export const CAPTIONS_FILE = 'coco2014_captions.h5';
export const VOCAB_FILE = 'coco2014_vocab.json';
export const SCENES_FILE = 'scenes.json';
export const featureFile = (split: SplitName, pca: boolean): string => `${split}2014_vgg16_fc7${pca ? '_pca' : ''}.h5`;
export const urlsFile = (split: SplitName): string => `${split}2014_urls.txt`;

const DEFAULT_PRELOAD_BYTES = 64 * 1024 * 1024;
/** Rows per block when scanning a large feature file for NaN/Inf (bounded memory). */
const SCAN_BLOCK_BYTES = 16 * 1024 * 1024;
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Opens and validates the dataset behind `access`. */
export async function openDataset(access: DataAccess, opts: OpenOptions = {}): Promise<Dataset> {
  const t0 = Date.now();
  const pca = opts.pcaFeatures ?? true;
  const open: H5FileHandle[] = [];
  try {
    return await load(access, opts, pca, open, t0);
  } catch (e) {
    for (const f of open) {
      try {
        f.close();
      } catch {
        // already failing; the first error is the one to report
      }
    }
    if (e instanceof DatasetError) throw e;
    throw new DatasetError(`unexpected failure while opening: ${(e as Error)?.message ?? String(e)}`, access.location);
  }
}

async function load(access: DataAccess, opts: OpenOptions, pca: boolean, open: H5FileHandle[], t0: number): Promise<Dataset> {
  const warnings: string[] = [];
  const layouts: string[] = [];

  // Presence first, so a missing file is reported as such rather than as a read failure.
  const required = [CAPTIONS_FILE, VOCAB_FILE, featureFile('train', pca), featureFile('val', pca)];
  const present = await Promise.all(required.map(async (f) => (await access.size(f)) !== null));
  if (!present.some((p) => p)) {
    throw new DatasetError(`${access.location} is not a CS231n captioning folder: none of ${required.join(', ')} is there`);
  }
  for (const f of required) {
    if ((await access.size(f)) === null) {
      let hint = '';
      if (f.includes('fc7') && (await access.size(f.replace(pca ? '_pca.h5' : '.h5', pca ? '.h5' : '_pca.h5'))) !== null) {
        hint = pca ? ' (the 4096-d files are there: open with pcaFeatures = false)' : ' (the PCA files are there: open with pcaFeatures = true)';
      }
      throw new DatasetError(`missing file in ${access.location}${hint}`, f);
    }
  }

  const vocab = parseVocab(await access.readText(VOCAB_FILE), VOCAB_FILE);
  const V = vocab.idxToWord.length;

  const capFile = await openH5(access, CAPTIONS_FILE, open);
  const caps = {} as Record<SplitName, { captions: Int32Array; rows: number; T: number; imageIdxs: Int32Array }>;
  let T = -1;
  for (const split of SPLITS) {
    const cName = `${split}_captions`;
    const iName = `${split}_image_idxs`;
    const ci = requireDataset(capFile, CAPTIONS_FILE, cName);
    const ii = requireDataset(capFile, CAPTIONS_FILE, iName);
    layouts.push(layoutOf(CAPTIONS_FILE, ci), layoutOf(CAPTIONS_FILE, ii));
    if ((ci.kind !== 'int' && ci.kind !== 'uint') || ci.shape.length !== 2) {
      throw new DatasetError(`captions must be 2-D integers, found ${ci.dtype} ${fmtShape(ci.shape)}`, CAPTIONS_FILE, cName);
    }
    const [rows, t] = ci.shape;
    if (rows === 0) throw new DatasetError('has no caption rows', CAPTIONS_FILE, cName);
    if (t < 2) throw new DatasetError(`captions have ${t} columns; need at least <START> and <END>`, CAPTIONS_FILE, cName);
    if (T >= 0 && t !== T) throw new DatasetError(`captions have T = ${t} columns but train_captions has ${T}`, CAPTIONS_FILE, cName);
    T = t;
    if ((ii.kind !== 'int' && ii.kind !== 'uint') || ii.shape.length !== 1) {
      throw new DatasetError(`image indices must be 1-D integers, found ${ii.dtype} ${fmtShape(ii.shape)}`, CAPTIONS_FILE, iName);
    }
    if (ii.shape[0] !== rows) {
      throw new DatasetError(`${ii.shape[0]} image indices for ${rows} caption rows (${cName}); they must match`, CAPTIONS_FILE, iName);
    }
    const captions = toInt32(readWhole(capFile, CAPTIONS_FILE, cName), CAPTIONS_FILE, cName);
    const imageIdxs = toInt32(readWhole(capFile, CAPTIONS_FILE, iName), CAPTIONS_FILE, iName);
    const bad = firstOutside(captions, V);
    if (bad >= 0) {
      throw new DatasetError(`token ${captions[bad]} at row ${Math.floor(bad / t)}, position ${bad % t} is outside the vocabulary (V = ${V}, ${VOCAB_FILE})`, CAPTIONS_FILE, cName);
    }
    const noStart = countNotStarting(captions, rows, t, vocab.startIdx);
    if (noStart > 0) warnings.push(`${CAPTIONS_FILE}: ${cName}: ${noStart} of ${rows} rows do not start with <START>`);
    caps[split] = { captions, rows, T: t, imageIdxs };
  }
  capFile.close();
  open.splice(open.indexOf(capFile), 1);

  // Features: shape and dtype checks, index range, NaN/Inf scan; small files are held whole.
  const preloadBytes = opts.preloadBytes ?? DEFAULT_PRELOAD_BYTES;
  const scan = opts.scanFeatures ?? true;
  let D = -1;
  const feats = {} as Record<SplitName, FeatureRows>;
  for (const split of SPLITS) {
    const file = featureFile(split, pca);
    const h = await openH5(access, file, open);
    const fi = requireDataset(h, file, 'features');
    layouts.push(layoutOf(file, fi));
    if (fi.kind !== 'float' || fi.shape.length !== 2) {
      throw new DatasetError(`features must be 2-D floats, found ${fi.dtype} ${fmtShape(fi.shape)}`, file, 'features');
    }
    const [rows, d] = fi.shape;
    if (rows === 0 || d === 0) throw new DatasetError(`features have shape ${fmtShape(fi.shape)}; need at least one row and one column`, file, 'features');
    if (D >= 0 && d !== D) throw new DatasetError(`features have D = ${d} columns but the train features have ${D}`, file, 'features');
    D = d;
    const idxs = caps[split].imageIdxs;
    for (let k = 0; k < idxs.length; k++) {
      if (idxs[k] < 0 || idxs[k] >= rows) {
        throw new DatasetError(
          `image index ${idxs[k]} at caption row ${k} is outside the ${rows} feature rows of ${file}`,
          CAPTIONS_FILE,
          `${split}_image_idxs`,
        );
      }
    }
    let whole: Float32Array | Float64Array | null = null;
    if (rows * d * fi.bytes <= preloadBytes) {
      whole = toFloat(readWhole(h, file, 'features'), file);
      checkFinite(whole, 0, d, file);
      h.close();
      open.splice(open.indexOf(h), 1);
      feats[split] = new FeatureRows({ file, split, rows, D: d, info: fi, handle: null, whole });
    } else {
      if (scan) {
        const block = Math.max(1, Math.floor(SCAN_BLOCK_BYTES / Math.max(1, d * fi.bytes)));
        for (let start = 0; start < rows; start += block) {
          const stop = Math.min(rows, start + block);
          checkFinite(toFloat(readRowsChecked(h, file, start, stop), file), start, d, file);
        }
      }
      feats[split] = new FeatureRows({ file, split, rows, D: d, info: fi, handle: h, whole: null });
    }
  }

  // URLs: optional (only images need them); a wrong line count is a warning and drops them.
  const urls = {} as Record<SplitName, string[] | null>;
  for (const split of SPLITS) {
    const file = urlsFile(split);
    urls[split] = null;
    if ((await access.size(file)) === null) {
      warnings.push(`${file}: missing (images of the ${split} split cannot be shown)`);
      continue;
    }
    const lines = (await access.readText(file)).split('\n').map((l) => l.trim());
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    if (lines.length !== feats[split].rows) {
      warnings.push(`${file}: ${lines.length} lines for ${feats[split].rows} feature rows; ignored`);
      continue;
    }
    urls[split] = lines;
  }

  const scenes = opts.readScenes === false ? null : await readScenes(access, feats.train.rows, feats.val.rows, warnings);

  // CS231n max_train: K caption rows with replacement; features and URLs stay whole.
  if (opts.maxTrain !== undefined) {
    const K = opts.maxTrain;
    if (!Number.isInteger(K) || K < 1) throw new DatasetError(`maxTrain must be a positive integer, got ${K}`);
    const rng = new Rng(opts.seed ?? 0);
    const src = caps.train;
    const captions = new Int32Array(K * src.T);
    const imageIdxs = new Int32Array(K);
    for (let i = 0; i < K; i++) {
      const r = rng.int(src.rows);
      captions.set(src.captions.subarray(r * src.T, (r + 1) * src.T), i * src.T);
      imageIdxs[i] = src.imageIdxs[r];
    }
    caps.train = { captions, rows: K, T: src.T, imageIdxs };
  }

  let closed = false;
  const makeSplit = (split: SplitName): Split => {
    const c = caps[split];
    const f = feats[split];
    return {
      name: split,
      captions: { shape: [c.rows, c.T], data: c.captions },
      imageIdxs: c.imageIdxs,
      numCaptions: c.rows,
      numImages: f.rows,
      urls: urls[split],
      featureFile: f.file,
      featureRows: f,
      getFeatures(imageRows: ArrayLike<number>): Tensor {
        if (closed) throw new DatasetError('dataset is closed', f.file, 'features');
        return f.gather(imageRows);
      },
    };
  };
  const handles = [...open];
  open.length = 0; // owned by the Dataset from here on
  const dir = access.location;
  return {
    source: opts.source ?? dir,
    dir,
    name: opts.name ?? baseName(dir),
    pcaFeatures: pca,
    splits: { train: makeSplit('train'), val: makeSplit('val') },
    ...vocabFields(vocab),
    T,
    D,
    V,
    scenes,
    warnings,
    stats: { openMs: Date.now() - t0, featuresPreloaded: { train: feats.train.whole !== null, val: feats.val.whole !== null }, layouts },
    close() {
      if (closed) return;
      closed = true;
      feats.train.close();
      feats.val.close();
      for (const h of handles) h.close();
    },
  };
}

function vocabFields(v: Vocab): Pick<Dataset, 'idxToWord' | 'wordToIdx' | 'nullIdx' | 'startIdx' | 'endIdx' | 'unkIdx'> {
  return { idxToWord: v.idxToWord, wordToIdx: v.wordToIdx, nullIdx: v.nullIdx, startIdx: v.startIdx, endIdx: v.endIdx, unkIdx: v.unkIdx };
}

function baseName(p: string): string {
  const parts = p.split(/[\\/]+/).filter((s) => s !== '');
  return parts.length > 0 ? parts[parts.length - 1] : p;
}

async function openH5(access: DataAccess, file: string, open: H5FileHandle[]): Promise<H5FileHandle> {
  const size = await access.size(file);
  if (size === null) throw new DatasetError('missing file', file);
  // HDF5 puts its signature at 0, 512, 1024, ... (after an optional user block).
  const head = await access.head(file, Math.min(size, 4104));
  let found = false;
  for (let off = 0; off + 8 <= head.length && !found; off = off === 0 ? 512 : off * 2) {
    found = HDF5_SIGNATURE.every((b, i) => head[off + i] === b);
  }
  if (!found) throw new DatasetError(`not an HDF5 file (no HDF5 signature in its first ${head.length} bytes)`, file);
  let h: H5FileHandle;
  try {
    h = await access.openH5(file);
  } catch (e) {
    throw new DatasetError(h5Problem(e, 'cannot be opened as HDF5; truncated or damaged?'), file);
  }
  open.push(h);
  return h;
}

function requireDataset(h: H5FileHandle, file: string, name: string): H5DatasetInfo {
  let info: H5DatasetInfo | null;
  try {
    info = h.keys().includes(name) ? h.info(name) : null;
  } catch (e) {
    throw new DatasetError(h5Problem(e, 'cannot be read; truncated or damaged?'), file, name);
  }
  if (info === null) {
    const have = h.keys();
    throw new DatasetError(`missing dataset (the file has: ${have.length > 0 ? have.join(', ') : 'nothing'})`, file, name);
  }
  return info;
}

function readWhole(h: H5FileHandle, file: string, name: string): NumericArray {
  try {
    return h.read(name);
  } catch (e) {
    throw new DatasetError(h5Problem(e, 'read failed; truncated or damaged file?'), file, name);
  }
}

function readRowsChecked(h: H5FileHandle, file: string, start: number, stop: number): NumericArray {
  try {
    return h.readRows('features', start, stop);
  } catch (e) {
    throw new DatasetError(h5Problem(e, `reading rows ${start}..${stop - 1} failed; truncated or damaged file?`), file, 'features');
  }
}

/**
 * The message for a failed HDF5 call: "damaged or not an HDF5 file (HDF5: <innermost diagnostic>)"
 * when HDF5 itself reported it (runtime/h5.ts H5Error), else `fallback (<message>)`.
 */
function h5Problem(e: unknown, fallback: string): string {
  const h = e as { damaged?: unknown; detail?: unknown; message?: unknown } | null;
  if (h && h.damaged === true) return `damaged or not an HDF5 file${typeof h.detail === 'string' && h.detail ? ` (HDF5: ${h.detail})` : ''}`;
  return `${fallback} (${typeof h?.message === 'string' ? h.message : String(e)})`;
}

// The scans over every caption token are small functions of their own: V8 optimises a short hot
// loop at once, while the same loop inside the long load() ran for tens of milliseconds first.

/** The index of the first token outside [0, V), or -1. */
function firstOutside(a: Int32Array, V: number): number {
  for (let k = 0; k < a.length; k++) {
    const tok = a[k];
    if (tok < 0 || tok >= V) return k;
  }
  return -1;
}

function countNotStarting(captions: Int32Array, rows: number, t: number, startIdx: number): number {
  let n = 0;
  for (let r = 0; r < rows; r++) if (captions[r * t] !== startIdx) n++;
  return n;
}

function toInt32(a: NumericArray, file: string, name: string): Int32Array {
  if (a instanceof Int32Array) return a;
  const out = new Int32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = Number(a[i]);
    if (v < -2147483648 || v > 2147483647) throw new DatasetError(`value ${v} at ${i} does not fit int32`, file, name);
    out[i] = v;
  }
  return out;
}

function toFloat(a: NumericArray, file: string): Float32Array | Float64Array {
  if (a instanceof Float32Array || a instanceof Float64Array) return a;
  throw new DatasetError(`expected float values, the reader returned ${a.constructor.name}`, file, 'features');
}

function checkFinite(a: Float32Array | Float64Array, firstRow: number, D: number, file: string): void {
  for (let k = 0; k < a.length; k++) {
    if (!Number.isFinite(a[k])) {
      throw new DatasetError(`${a[k]} at row ${firstRow + Math.floor(k / D)}, column ${k % D} (features must be finite)`, file, 'features');
    }
  }
}

async function readScenes(access: DataAccess, nTrain: number, nVal: number, warnings: string[]): Promise<Dataset['scenes']> {
  if ((await access.size(SCENES_FILE)) === null) return null;
  try {
    const json = JSON.parse(await access.readText(SCENES_FILE)) as { train?: unknown; val?: unknown };
    if (!Array.isArray(json.train) || !Array.isArray(json.val) || json.train.length !== nTrain || json.val.length !== nVal) {
      warnings.push(`${SCENES_FILE}: scene counts do not match the feature rows (${nTrain} train, ${nVal} val); ignored`);
      return null;
    }
    return { train: json.train as Scene[], val: json.val as Scene[] };
  } catch (e) {
    warnings.push(`${SCENES_FILE}: ${(e as Error).message}; ignored`);
    return null;
  }
}

function layoutOf(file: string, i: H5DatasetInfo): string {
  const storage = i.chunks === null ? 'contiguous' : `chunked${fmtShape(i.chunks)}`;
  const filters = i.filters.length > 0 ? ` ${i.filters.join('+')}` : '';
  return `${file}:${i.name} ${i.dtype} ${fmtShape(i.shape)} ${storage}${filters}`;
}
