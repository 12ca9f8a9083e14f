/**
 * The training worker's feature feed (issue 15): applies the memory budget to the open dataset
 * (held splits are loaded with progress and can be cancelled), and, when the train features
 * stream, puts a prefetching reader thread between the solver and the file. It also keeps the
 * time the training thread spent waiting for feature data, for the progress line.
 */
import * as path from 'node:path';
import type { LoadCancelled } from '../core/data/features';
import type { Dataset } from '../core/data/types';
import type { CaptionSplit } from '../core/solver';
import type { Tensor } from '../core/tensor';
import { prepareFeatures, type PreparedFeatures } from './featureStore';
import { Prefetcher, startReader } from './prefetch';

export type { LoadCancelled };

/** Loads at least this large report progress (`loading` events). */
export const LOADING_EVENTS_FROM_BYTES = 64 * 1024 * 1024;
/** Chunk cache of the val features while only a training subset is held (holdRows). */
const VAL_CACHE_BYTES = 16 * 1024 * 1024;

export interface FeedOptions {
  budgetMB?: number;
  /** Fetch the next minibatches in a reader thread when the train features stream (default true). */
  prefetch?: boolean;
  signal?: { readonly aborted: boolean };
  tick?(): Promise<void>;
  onLoading?(p: { file: string; fraction: number; doneRows: number; totalRows: number }): void;
}

export class TrainFeed {
  /** The train split as the solver sees it. */
  readonly split: CaptionSplit;
  private prefetcher: Prefetcher | null = null;
  private syncWaitMs = 0;
  private prepared: PreparedFeatures | null = null;
  private held: { index: Map<number, number>; data: Float64Array; D: number } | null = null;

  constructor(private readonly train: CaptionSplit) {
    this.split = {
      captions: train.captions,
      imageIdxs: train.imageIdxs,
      urls: train.urls,
      getFeatures: (rows) => this.getFeatures(rows),
    };
  }

  /** Applies the budget (loading held splits; LoadCancelled when stopped meanwhile). */
  async prepare(ds: Dataset, opts: FeedOptions): Promise<PreparedFeatures> {
    this.prepared = await prepareFeatures(ds, {
      budgetMB: opts.budgetMB,
      signal: opts.signal,
      tick: opts.tick,
      // Small loads (the embedded default's 2 MB) take milliseconds: no progress events for them.
      onProgress: (p) => {
        if (p.totalBytes >= LOADING_EVENTS_FROM_BYTES) opts.onLoading?.({ file: p.file, fraction: p.fraction, doneRows: p.doneRows, totalRows: p.totalRows });
      },
    });
    return this.prepared;
  }

  /**
   * Holds only the feature rows of `imageRows` (a training subset's images) in memory instead of
   * applying the budget to whole files: a run on a subset never reads the other rows. Val rows are
   * read as evaluation and sampling ask for them, through a chunk cache.
   */
  holdRows(ds: Dataset, imageRows: ArrayLike<number>): void {
    const rows = [...new Set(Array.from(imageRows))].sort((a, b) => a - b);
    const fr = ds.splits.train.featureRows;
    // Runs of consecutive rows straight from the file, not through the chunk cache's whole chunks.
    const data = fr && !fr.resident ? fr.gather(rows, { uncached: true }).data : ds.splits.train.getFeatures(rows).data;
    this.held = { index: new Map(rows.map((r, i) => [r, i])), data, D: ds.D };
    ds.splits.val.featureRows?.setCacheBytes(VAL_CACHE_BYTES);
  }

  /** Whether the train features stream (not held in memory). */
  streams(ds: Dataset): boolean {
    if (this.held) return false;
    const f = ds.splits.train.featureRows;
    return f !== undefined && !f.resident;
  }

  /** Starts the prefetch of minibatches when the train features stream. */
  async startPrefetch(ds: Dataset, opts: { total: number; rowsFor(t: number): Int32Array; prefetch?: boolean; depth?: number }): Promise<void> {
    const f = ds.splits.train.featureRows;
    if (!f || f.resident || opts.prefetch === false || !this.prepared) return;
    const worker = await startReader({
      path: path.join(ds.dir, f.file),
      file: f.file,
      split: 'train',
      cacheBytes: this.prepared.plan.cacheBytes.train,
      direct: f.stats().direct,
    });
    // The reader has the big cache; the training thread's own (evaluation, sampling) gets a small one.
    f.setCacheBytes(Math.min(this.prepared.plan.cacheBytes.train, 64 * 1024 * 1024));
    this.prefetcher = new Prefetcher({ worker, total: opts.total, rowsFor: opts.rowsFor, depth: opts.depth, D: f.D, fallback: (rows) => this.train.getFeatures(rows) });
  }

  /** Awaited before iteration t. */
  async ready(t: number): Promise<void> {
    await this.prefetcher?.ready(t);
  }

  /** Milliseconds spent waiting for train features (prefetch waits and synchronous reads). */
  get waitMs(): number {
    return this.syncWaitMs + (this.prefetcher?.waitMs ?? 0);
  }

  get prefetchStats(): { served: number; missed: number } | null {
    return this.prefetcher ? { served: this.prefetcher.served, missed: this.prefetcher.missed } : null;
  }

  async close(): Promise<void> {
    await this.prefetcher?.close();
    this.prefetcher = null;
    this.prepared?.close();
    this.prepared = null;
  }

  private getFeatures(rows: ArrayLike<number>): Tensor {
    if (this.prefetcher) return this.prefetcher.getFeatures(rows);
    const held = this.held;
    if (held && Array.prototype.every.call(rows, (r: number) => held.index.has(r))) {
      const D = held.D;
      const out = new Float64Array(rows.length * D);
      for (let i = 0; i < rows.length; i++) {
        const off = (held.index.get(rows[i]) as number) * D;
        out.set(held.data.subarray(off, off + D), i * D);
      }
      return { shape: [rows.length, D], data: out };
    }
    const t0 = performance.now();
    try {
      return this.train.getFeatures(rows);
    } finally {
      this.syncWaitMs += performance.now() - t0;
    }
  }
}
