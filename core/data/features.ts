/**
 * Feature rows of one split, held in memory or streamed from the HDF5 file (issue 15).
 *
 * - Held: the whole (rows, D) array, read once in large blocks aligned to whole chunks, so
 *   every chunk is decompressed exactly once (`load`, with progress and cancel).
 * - Streamed: rows are read on demand. A chunked file is read in units of whole chunk rows (one
 *   decompression per chunk), kept in an LRU chunk cache of a bounded size; a contiguous file is
 *   read through a direct row reader when the Node layer found one (plain file reads at the
 *   dataset's byte offset), else by hyperslab per run of consecutive rows.
 *
 * `residencyPlan` decides which splits are held, from their sizes and a memory budget.
 * Everything here is synchronous over H5FileHandle (h5wasm reads are synchronous).
 */
import type { Tensor } from '../tensor';
import type { H5DatasetInfo, H5FileHandle, NumericArray } from './access';
import { DatasetError, type SplitName } from './types';

export type FloatRows = Float32Array | Float64Array;

/** Reads `count` consecutive rows starting at `row` into `out` (row-major, count × D). */
export type DirectRowReader = (row: number, count: number, out: Float32Array) => void;

export type Residency = 'memory' | 'stream';

export interface ResidencyPlan {
  train: Residency;
  val: Residency;
  /** Bytes of chunk cache each streamed split may use (0 for held splits). */
  cacheBytes: { train: number; val: number };
  budgetBytes: number;
}

/** Default memory budget for feature data (MB): the course's PCA features (170 + 83 MB) fit, fc7 (1.36 GB) does not. */
export const DEFAULT_MEMORY_BUDGET_MB = 1024;

/**
 * Which splits' features are held in memory under `budgetBytes`: the train features first (every
 * iteration reads them), the val features only when the train features are held too and both fit.
 * What the held splits leave of the budget goes to the chunk caches of the streamed ones (train
 * 7/8, val 1/8 when both stream).
 */
export function residencyPlan(bytes: { train: number; val: number }, budgetBytes: number): ResidencyPlan {
  if (!(budgetBytes >= 0)) throw new RangeError(`memory budget must be >= 0 bytes, got ${budgetBytes}`);
  const train: Residency = bytes.train <= budgetBytes ? 'memory' : 'stream';
  const val: Residency = train === 'memory' && bytes.train + bytes.val <= budgetBytes ? 'memory' : 'stream';
  const held = (train === 'memory' ? bytes.train : 0) + (val === 'memory' ? bytes.val : 0);
  const left = Math.max(0, budgetBytes - held);
  const cacheBytes = {
    train: train === 'stream' ? (val === 'stream' ? Math.floor((left * 7) / 8) : left) : 0,
    val: val === 'stream' ? (train === 'stream' ? Math.floor(left / 8) : left) : 0,
  };
  return { train, val, cacheBytes, budgetBytes };
}

/**
 * Row ranges [start, stop) covering `rows` rows in blocks of about `targetBytes`, each a whole
 * number of chunk rows (`chunkRows`, or 1 for contiguous data), so no chunk is split between blocks.
 */
export function blockRanges(rows: number, rowBytes: number, chunkRows: number | null, targetBytes: number): [number, number][] {
  const unit = Math.max(1, chunkRows ?? 1);
  const unitsPerBlock = Math.max(1, Math.floor(targetBytes / Math.max(1, unit * rowBytes)));
  const step = unit * unitsPerBlock;
  const out: [number, number][] = [];
  for (let s = 0; s < rows; s += step) out.push([s, Math.min(rows, s + step)]);
  return out;
}

/** Thrown by FeatureRows.load when its signal is aborted. */
export class LoadCancelled extends Error {
  override name = 'LoadCancelled';
}

export interface LoadOptions {
  signal?: { readonly aborted: boolean };
  /** Rows done of the total, after each block. */
  onProgress?(done: number, total: number): void;
  /** Awaited after each block (a worker yields to its event loop so a stop request is seen). */
  tick?(): Promise<void>;
  /** Block size in bytes (default 32 MiB). */
  blockBytes?: number;
}

export interface FeatureRowStats {
  residency: Residency;
  /** Bytes of the whole array (rows × D × element size). */
  bytes: number;
  cacheBytes: number;
  cachedBytes: number;
  /** Chunk-row units served from the cache / read from the file. */
  hits: number;
  misses: number;
  /** Rows read from the file since open (block loads and streamed reads). */
  rowsRead: number;
  /** Milliseconds spent reading from the file (streamed reads). */
  readMs: number;
  direct: boolean;
}

// core compiles without DOM or Node types: performance is looked up on globalThis.
const perf = (globalThis as { performance?: { now(): number } }).performance;
const now = (): number => (perf ? perf.now() : Date.now());

export class FeatureRows {
  readonly file: string;
  readonly split: SplitName;
  readonly rows: number;
  readonly D: number;
  readonly info: H5DatasetInfo | null;
  private handle: H5FileHandle | null;
  private wholeRows: FloatRows | null;
  private direct: DirectRowReader | null = null;
  private readonly cache = new Map<number, FloatRows>();
  private cacheLimit = 0;
  private cached = 0;
  private st = { hits: 0, misses: 0, rowsRead: 0, readMs: 0 };
  private closed = false;

  constructor(init: { file: string; split: SplitName; rows: number; D: number; info: H5DatasetInfo | null; handle: H5FileHandle | null; whole: FloatRows | null }) {
    this.file = init.file;
    this.split = init.split;
    this.rows = init.rows;
    this.D = init.D;
    this.info = init.info;
    this.handle = init.handle;
    this.wholeRows = init.whole;
  }

  /** The whole array when held (read-only use). */
  get whole(): FloatRows | null {
    return this.wholeRows;
  }

  get resident(): boolean {
    return this.wholeRows !== null;
  }

  get elementBytes(): number {
    return this.info?.bytes ?? (this.wholeRows instanceof Float64Array ? 8 : 4);
  }

  /** Size of the whole array in bytes. */
  get bytes(): number {
    return this.rows * this.D * this.elementBytes;
  }

  /** Rows per chunk along axis 0 (null for contiguous storage). */
  get chunkRows(): number | null {
    return this.info?.chunks ? this.info.chunks[0] : null;
  }

  stats(): FeatureRowStats {
    return { residency: this.resident ? 'memory' : 'stream', bytes: this.bytes, cacheBytes: this.cacheLimit, cachedBytes: this.cached, ...this.st, direct: this.direct !== null };
  }

  /** Gives streamed reads a chunk cache of at most `bytes` (0: none). Drops what no longer fits. */
  setCacheBytes(bytes: number): void {
    this.cacheLimit = Math.max(0, Math.floor(bytes));
    this.evict();
  }

  /** Contiguous files: a reader of raw rows (the Node layer's plain file reads). */
  setDirectReader(reader: DirectRowReader | null): void {
    this.direct = reader;
  }

  /** Rows [start, stop) from the file through HDF5 (whole chunks when aligned), checked finite. */
  readBlock(start: number, stop: number): FloatRows {
    const h = this.openHandle();
    let a: NumericArray;
    try {
      a = h.readRows('features', start, stop);
    } catch (e) {
      throw new DatasetError(`reading rows ${start}..${stop - 1} failed; truncated or damaged file? (${(e as Error).message})`, this.file, 'features');
    }
    if (!(a instanceof Float32Array || a instanceof Float64Array)) throw new DatasetError(`expected float values, the reader returned ${a.constructor.name}`, this.file, 'features');
    checkFinite(a, start, this.D, this.file);
    this.st.rowsRead += stop - start;
    return a;
  }

  /**
   * Reads the whole array into memory in blocks of whole chunks (each chunk decompressed once),
   * reporting progress and honouring `signal` between blocks (then it throws LoadCancelled and
   * holds nothing). Afterwards reads never touch the file.
   */
  async load(opts: LoadOptions = {}): Promise<void> {
    if (this.wholeRows !== null) {
      opts.onProgress?.(this.rows, this.rows);
      return;
    }
    const D = this.D;
    const out = this.elementBytes === 8 ? new Float64Array(this.rows * D) : new Float32Array(this.rows * D);
    const blocks = blockRanges(this.rows, D * this.elementBytes, this.chunkRows, opts.blockBytes ?? 32 * 1024 * 1024);
    for (const [s, e] of blocks) {
      if (opts.signal?.aborted) throw new LoadCancelled(`loading ${this.file} cancelled at row ${s} of ${this.rows}`);
      if (this.direct && out instanceof Float32Array) {
        this.direct(s, e - s, out.subarray(s * D, e * D));
        checkFinite(out.subarray(s * D, e * D), s, D, this.file);
        this.st.rowsRead += e - s;
      } else {
        out.set(this.readBlock(s, e), s * D);
      }
      opts.onProgress?.(e, this.rows);
      if (opts.tick) await opts.tick();
    }
    if (opts.signal?.aborted) throw new LoadCancelled(`loading ${this.file} cancelled at row ${this.rows} of ${this.rows}`);
    this.wholeRows = out;
    this.cache.clear();
    this.cached = 0;
  }

  /** Releases the in-memory copy (reads stream again). */
  unload(): void {
    this.wholeRows = null;
  }

  /**
   * Feature rows of the given images as an (n, D) float64 tensor, in the given order (repeats
   * allowed). `uncached`: rows read once (a training subset held in memory) go straight to the file
   * by runs of consecutive rows, not through the chunk cache's whole chunks.
   */
  gather(imageRows: ArrayLike<number>, opts: { uncached?: boolean } = {}): Tensor {
    const out = new Float64Array(imageRows.length * this.D);
    this.gatherInto(imageRows, out, opts);
    return { shape: [imageRows.length, this.D], data: out };
  }

  /** Like gather, into `out` (n × D). */
  gatherInto(imageRows: ArrayLike<number>, out: Float32Array | Float64Array, opts: { uncached?: boolean } = {}): void {
    if (this.closed) throw new DatasetError('dataset is closed', this.file, 'features');
    const n = imageRows.length;
    const D = this.D;
    for (let i = 0; i < n; i++) {
      const r = imageRows[i];
      if (!Number.isInteger(r) || r < 0 || r >= this.rows) throw new DatasetError(`image row ${r} is outside [0, ${this.rows})`, this.file, 'features');
    }
    const whole = this.wholeRows;
    if (whole !== null) {
      for (let i = 0; i < n; i++) {
        const off = imageRows[i] * D;
        for (let j = 0; j < D; j++) out[i * D + j] = whole[off + j];
      }
      return;
    }
    const t0 = now();
    try {
      if (this.chunkRows !== null && !opts.uncached) this.gatherChunked(imageRows, out, this.chunkRows);
      else if (this.direct) this.gatherDirect(imageRows, out);
      else this.gatherRuns(imageRows, out);
    } finally {
      this.st.readMs += now() - t0;
    }
  }

  close(): void {
    this.closed = true;
    this.cache.clear();
    this.cached = 0;
    this.wholeRows = null;
    this.handle = null;
  }

  private openHandle(): H5FileHandle {
    if (this.closed || this.handle === null) throw new DatasetError('dataset is closed', this.file, 'features');
    return this.handle;
  }

  /** Chunked: one read (and decompression) per chunk-row unit, through the LRU cache. */
  private gatherChunked(imageRows: ArrayLike<number>, out: Float32Array | Float64Array, unit: number): void {
    const D = this.D;
    const n = imageRows.length;
    const order = sortedOrder(imageRows);
    let k = 0;
    while (k < n) {
      const u = Math.floor(imageRows[order[k]] / unit);
      const block = this.unitBlock(u, unit);
      const base = u * unit;
      while (k < n && Math.floor(imageRows[order[k]] / unit) === u) {
        const i = order[k];
        const off = (imageRows[i] - base) * D;
        for (let j = 0; j < D; j++) out[i * D + j] = block[off + j];
        k++;
      }
    }
  }

  private unitBlock(u: number, unit: number): FloatRows {
    const hit = this.cache.get(u);
    if (hit !== undefined) {
      this.st.hits++;
      this.cache.delete(u); // most recently used goes last
      this.cache.set(u, hit);
      return hit;
    }
    this.st.misses++;
    const start = u * unit;
    const block = this.readBlock(start, Math.min(this.rows, start + unit));
    if (block.byteLength <= this.cacheLimit) {
      this.cache.set(u, block);
      this.cached += block.byteLength;
      this.evict();
    }
    return block;
  }

  private evict(): void {
    for (const [key, b] of this.cache) {
      if (this.cached <= this.cacheLimit) break;
      this.cache.delete(key);
      this.cached -= b.byteLength;
    }
  }

  /** Contiguous with a direct reader: one plain read per run of consecutive rows. */
  private gatherDirect(imageRows: ArrayLike<number>, out: Float32Array | Float64Array): void {
    const D = this.D;
    const read = this.direct as DirectRowReader;
    let buf = new Float32Array(D * 8);
    forEachRun(imageRows, (start, stop, place) => {
      const len = (stop - start) * D;
      if (buf.length < len) buf = new Float32Array(len);
      const view = buf.subarray(0, len);
      read(start, stop - start, view);
      checkFinite(view, start, D, this.file);
      this.st.rowsRead += stop - start;
      place(view, D, out);
    });
  }

  /** Contiguous through HDF5: one hyperslab per run of consecutive rows. */
  private gatherRuns(imageRows: ArrayLike<number>, out: Float32Array | Float64Array): void {
    forEachRun(imageRows, (start, stop, place) => place(this.readBlock(start, stop), this.D, out));
  }
}

/** Copies the rows of one run (read as `block`, starting at the run's first row) to their places in `out`. */
type PlaceRun = (block: FloatRows, D: number, out: Float32Array | Float64Array) => void;

/**
 * Visits the runs of consecutive (or repeated) rows among `imageRows` in ascending order: one
 * [start, stop) range per run, with a function that copies the run's rows from a block read for it
 * to the output positions of the rows that asked for them.
 */
function forEachRun(imageRows: ArrayLike<number>, visit: (start: number, stop: number, place: PlaceRun) => void): void {
  const n = imageRows.length;
  const order = sortedOrder(imageRows);
  let k = 0;
  while (k < n) {
    const start = imageRows[order[k]];
    let stop = start + 1;
    let m = k + 1;
    while (m < n && imageRows[order[m]] <= stop) {
      stop = Math.max(stop, imageRows[order[m]] + 1);
      m++;
    }
    const first = k;
    const last = m;
    visit(start, stop, (block, D, out) => {
      for (let q = first; q < last; q++) {
        const i = order[q];
        const off = (imageRows[i] - start) * D;
        if (out instanceof Float32Array && block instanceof Float32Array) out.set(block.subarray(off, off + D), i * D);
        else for (let j = 0; j < D; j++) out[i * D + j] = block[off + j];
      }
    });
    k = m;
  }
}

function sortedOrder(rows: ArrayLike<number>): number[] {
  return Array.from({ length: rows.length }, (_, i) => i).sort((a, b) => rows[a] - rows[b]);
}

export function checkFinite(a: FloatRows, firstRow: number, D: number, file: string): void {
  for (let k = 0; k < a.length; k++) {
    const v = a[k];
    if (v - v !== 0) {
      throw new DatasetError(`${v} at row ${firstRow + Math.floor(k / D)}, column ${k % D} (features must be finite)`, file, 'features');
    }
  }
}
