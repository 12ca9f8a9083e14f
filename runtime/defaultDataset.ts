/**
 * The embedded default dataset ("shapes") lives in the user's cache, generated on first use
 * rather than shipped: the CLI and the extension (its workers) look in the same folder,
 *
 *   $GRADLAB_CACHE_DIR                        when set (any process: CLI, extension, tests)
 *   else $XDG_CACHE_HOME/gradient-lab         when XDG_CACHE_HOME is set
 *   else %LOCALAPPDATA%\gradient-lab\Cache    (Windows), ~/Library/Caches/gradient-lab (macOS),
 *        ~/.cache/gradient-lab                (elsewhere)
 *
 * and inside it `default-<key>`, where the key hashes the generator version and its settings, so
 * a new generator never reads an old folder. A generation writes into a temporary folder next to
 * it and renames it into place as a whole: a folder under the final name is always complete.
 * Two first uses at once (CLI and extension) both generate; the first rename wins and the other
 * drops its copy and uses the winner's (same seed, same bytes, so either is the same data).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, promises as fsp, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CAPTIONS_FILE, featureFile, SCENES_FILE, urlsFile, VOCAB_FILE } from '../core/data/loader';
import { DEFAULT_SEED, DEFAULT_SIZES, generateSteps, type GeneratedDataset, type GenerateOptions, type GenerateProgress } from '../core/data/shapes/generate';
import { DatasetError } from '../core/data/types';
import { vocabJson } from '../core/data/vocab';
import { openH5File, writeH5File } from './h5';
import { writeSidecars } from './rawSidecar';

/** Bump whenever the generator's output changes (the determinism test's digest tells when). */
export const GENERATOR_VERSION = 2;
/** Environment variable naming the cache folder (both the CLI and the extension honour it). */
export const CACHE_ENV = 'GRADLAB_CACHE_DIR';
/** Environment variable naming a ready dataset folder to use as the default instead (tests, offline copies). */
export const DEFAULT_DATA_ENV = 'GRADLAB_DEFAULT_DATA';
/** 2026-01-01T00:00:00Z: the time HDF5 records in object headers, pinned for reproducible bytes. */
export const FIXED_TIME_MS = Date.UTC(2026, 0, 1);
/** Every file the generator writes. */
export const GENERATED_FILES = [CAPTIONS_FILE, VOCAB_FILE, featureFile('train', true), featureFile('val', true), urlsFile('train'), urlsFile('val'), SCENES_FILE, 'README.md'];
/** Temporary folders older than this are a crashed or killed generation's and are removed. */
const STALE_MS = 60 * 60 * 1000;

/** The default's generator settings: what the cache key hashes. */
export const DEFAULT_OPTIONS: Required<Omit<GenerateOptions, 'skipFeatures'>> = { seed: DEFAULT_SEED, ...DEFAULT_SIZES };

/** The cache folder of Gradient Lab (not created). */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  const own = env[CACHE_ENV];
  if (own) return path.resolve(own);
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, 'gradient-lab');
  if (platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'gradient-lab', 'Cache');
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches', 'gradient-lab');
  return path.join(home, '.cache', 'gradient-lab');
}

/** 12 hex digits naming the generator version and settings. */
export function defaultKey(opts: GenerateOptions = DEFAULT_OPTIONS): string {
  const o = { ...DEFAULT_OPTIONS, ...opts };
  const canonical = JSON.stringify([GENERATOR_VERSION, o.seed, o.nTrain, o.nVal, o.captionsPerImage, o.D, o.T, o.minCount, o.textureShare]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}

/** Where the default dataset is (or will be) in the cache. */
export function defaultDatasetDir(root = cacheRoot()): string {
  return path.join(root, `default-${defaultKey()}`);
}

/** A complete generated folder: the rename is the last step, so the vocabulary file suffices. */
function isComplete(dir: string): boolean {
  return existsSync(path.join(dir, VOCAB_FILE));
}

/** Writes every file of `gen` into the (new or empty) folder `dir`. */
export async function writeGenerated(gen: GeneratedDataset, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const { T, D } = gen;
  const s = gen.splits;
  const capChunk = Math.max(1, Math.floor(32768 / T)); // whole rows of about 32K elements
  const idxChunk = (n: number): number => Math.max(1, Math.min(n, 32768));
  await writeH5File(
    path.join(dir, CAPTIONS_FILE),
    (['train', 'val'] as const).flatMap((split) => {
      const n = s[split].imageIdxs.length;
      return [
        { name: `${split}_captions`, data: s[split].captions, shape: [n, T], chunks: [Math.max(1, Math.min(n, capChunk)), T], gzip: 1 },
        { name: `${split}_image_idxs`, data: s[split].imageIdxs, shape: [n], chunks: [idxChunk(n)], gzip: 1 },
      ];
    }),
    FIXED_TIME_MS,
  );
  for (const split of ['train', 'val'] as const) {
    const n = s[split].scenes.length;
    if (s[split].features.length > 0)
      await writeH5File(path.join(dir, featureFile(split, true)), [{ name: 'features', data: s[split].features, shape: [n, D], chunks: [Math.max(1, Math.min(n, 64)), D], gzip: 1 }], FIXED_TIME_MS);
    // No image files: each line says which scene record the picture is drawn from.
    writeFileSync(path.join(dir, urlsFile(split)), Array.from({ length: n }, (_, i) => sceneRef(split, i)).join('\n') + '\n');
  }
  writeFileSync(path.join(dir, VOCAB_FILE), vocabJson(gen.idxToWord));
  writeFileSync(path.join(dir, SCENES_FILE), JSON.stringify({ train: s.train.scenes, val: s.val.scenes }));
  writeFileSync(path.join(dir, 'README.md'), readme(gen));
}

/** The image reference of a generated image: `scenes.json#train/12`. */
export function sceneRef(split: 'train' | 'val', index: number): string {
  return `${SCENES_FILE}#${split}/${index}`;
}

function readme(gen: GeneratedDataset): string {
  return [
    '# Gradient Lab: the embedded default dataset ("shapes")',
    '',
    `Generated by Gradient Lab (generator version ${GENERATOR_VERSION}, seed ${gen.seed}) on first use; safe to delete:`,
    'the next use generates it again, byte for byte the same.',
    `${gen.splits.train.scenes.length} train / ${gen.splits.val.scenes.length} val images, ` +
      `${gen.splits.train.imageIdxs.length} / ${gen.splits.val.imageIdxs.length} captions, V = ${gen.idxToWord.length}, D = ${gen.D}.`,
    'There are no image files: pictures are drawn from the scene records in scenes.json when shown.',
    '',
  ].join('\n');
}

export interface EnsureOptions {
  /** Stage and fraction (0..1) of a generation; not called when the dataset is already there. */
  onProgress?: (p: GenerateProgress) => void;
  /** Stops a generation (its temporary folder is removed); the promise rejects with GenerationCancelled. */
  signal?: AbortSignal;
  /** Cache folder (default: cacheRoot()). */
  root?: string;
  /** Generator settings (default: the embedded default's); tests use small ones. */
  options?: GenerateOptions;
}

/** A stopped generation (a DatasetError, so every caller reports it as one line). */
export class GenerationCancelled extends DatasetError {
  constructor() {
    super('generation of the embedded default dataset cancelled');
  }
}

const inFlight = new Map<string, Promise<string>>();
let ambient: Pick<EnsureOptions, 'onProgress' | 'signal'> = {};

/**
 * Progress reporting and cancellation for generations this thread starts without their own
 * (e.g. through openDatasetAt('default')): the CLI prints on stderr and stops on Ctrl-C, the
 * extension's job worker posts progress to the notification.
 */
export function setGenerationHooks(hooks: Pick<EnsureOptions, 'onProgress' | 'signal'>): void {
  ambient = hooks;
}

/**
 * The folder of the default dataset, generated first when the cache does not hold it yet.
 * `GRADLAB_DEFAULT_DATA` names a ready folder instead. Concurrent calls in one thread share
 * one generation; other processes and threads race safely (see the module comment).
 */
export function ensureDefaultDataset(options: EnsureOptions = {}): Promise<string> {
  const opts = { ...ambient, ...options };
  const env = process.env[DEFAULT_DATA_ENV];
  if (env && opts.root === undefined && opts.options === undefined) {
    const dir = path.resolve(env);
    if (!isComplete(dir)) return Promise.reject(new DatasetError(`${DEFAULT_DATA_ENV} names ${dir}, which holds no ${VOCAB_FILE}`));
    return Promise.resolve(dir);
  }
  const root = opts.root ?? cacheRoot();
  const dir = path.join(root, `default-${defaultKey(opts.options)}`);
  if (isComplete(dir)) return Promise.resolve(dir);
  const running = inFlight.get(dir);
  if (running) return running;
  const p = generateIntoCache(root, dir, opts).finally(() => inFlight.delete(dir));
  inFlight.set(dir, p);
  return p;
}

async function generateIntoCache(root: string, dir: string, opts: EnsureOptions): Promise<string> {
  try {
    mkdirSync(root, { recursive: true });
  } catch (e) {
    throw new DatasetError(`cannot create the cache folder ${root} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); set ${CACHE_ENV} to a writable folder`);
  }
  removeStale(root);
  const tmp = path.join(root, `.tmp-${path.basename(dir)}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    const gen = await runSteps(opts);
    opts.onProgress?.({ stage: 'writing files', fraction: 0.95 });
    await writeGenerated(gen, tmp);
    // Raw copies of the HDF5 arrays: runs then open the default without the HDF5 library.
    await writeSidecars(tmp, [CAPTIONS_FILE, featureFile('train', true), featureFile('val', true)], openH5File);
    if (opts.signal?.aborted) throw new GenerationCancelled();
    try {
      renameSync(tmp, dir);
    } catch (e) {
      // Another process finished first: its folder is complete and the same; use it.
      if (!isComplete(dir)) throw e;
      rmSync(tmp, { recursive: true, force: true });
    }
    opts.onProgress?.({ stage: 'done', fraction: 1 });
    return dir;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (e instanceof GenerationCancelled || e instanceof DatasetError) throw e;
    throw new DatasetError(`could not generate the embedded default dataset into ${root}: ${(e as Error).message}`);
  }
}

/** Runs the generator, yielding to the event loop between blocks (so Ctrl-C and cancel get in). */
async function runSteps(opts: EnsureOptions): Promise<GeneratedDataset> {
  const it = generateSteps({ ...DEFAULT_OPTIONS, ...opts.options });
  for (;;) {
    if (opts.signal?.aborted) throw new GenerationCancelled();
    const r = it.next();
    if (r.done) return r.value;
    opts.onProgress?.(r.value);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function removeStale(root: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  const now = Date.now();
  for (const n of names) {
    if (!n.startsWith('.tmp-default-')) continue;
    const p = path.join(root, n);
    try {
      if (now - statSync(p).mtimeMs > STALE_MS) rmSync(p, { recursive: true, force: true });
    } catch {
      // gone already, or not ours to remove: leave it
    }
  }
}

/** The folder when the default is already generated (no generation), else null. */
export function generatedDefaultDir(): string | null {
  const env = process.env[DEFAULT_DATA_ENV];
  if (env) return isComplete(path.resolve(env)) ? path.resolve(env) : null;
  const dir = defaultDatasetDir();
  return isComplete(dir) ? dir : null;
}

/** SHA-256 over the generated files (name and bytes, in GENERATED_FILES order): the determinism test compares it. */
export async function folderDigest(dir: string, names = GENERATED_FILES): Promise<string> {
  const h = createHash('sha256');
  for (const n of names) {
    const p = path.join(dir, n);
    if (!existsSync(p)) continue;
    h.update(n).update('\0').update(await fsp.readFile(p));
  }
  return h.digest('hex');
}
