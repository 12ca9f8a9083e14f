/**
 * Prefetch of the next minibatches' feature rows (issue 15): when the train features stream from
 * disk, a reader thread (featureReaderWorker) reads the rows of the next `depth` iterations while
 * the training thread computes, and the solver's minibatch takes them from here. The rows of
 * iteration t are known in advance (CaptioningSolver.batchRows(t) depends only on the seed and t),
 * and a prefetched batch is only used when its rows equal the rows asked for, so a run draws exactly
 * the same minibatches with and without prefetch. Anything else (evaluation, sampling, a reader
 * error) is read synchronously through the fallback.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SplitName } from '../core/data/types';
import type { Tensor } from '../core/tensor';

export interface ReaderSetup {
  /** Absolute path of the feature file. */
  path: string;
  /** Its name relative to the dataset (for messages). */
  file: string;
  split: SplitName;
  cacheBytes: number;
  direct: boolean;
}
export type ReaderRequest = { id: number; rows: Int32Array };
export type ReaderReply = { id: number; data?: Float32Array; error?: string; ready?: boolean };

function readerScript(): { file: string; evalSource?: string } {
  const bundled = path.join(__dirname, 'featureReaderWorker.js');
  if (!__filename.endsWith('.ts') && existsSync(bundled)) return { file: bundled };
  const src = path.join(__dirname, 'featureReaderWorker.ts');
  if (existsSync(src)) return { file: src, evalSource: `require('tsx/cjs'); require(${JSON.stringify(src)});` };
  throw new Error(`feature reader not found (looked for ${bundled} and ${src})`);
}

/** Starts a reader thread; resolves once it has opened the file. */
export async function startReader(setup: ReaderSetup): Promise<Worker> {
  const s = readerScript();
  const worker = s.evalSource ? new Worker(s.evalSource, { eval: true, workerData: setup }) : new Worker(s.file, { workerData: setup });
  worker.unref();
  await new Promise<void>((resolve, reject) => {
    const onMsg = (m: ReaderReply): void => {
      worker.off('message', onMsg);
      worker.off('error', onErr);
      if (m.ready) resolve();
      else reject(new Error(m.error ?? 'feature reader failed to start'));
    };
    const onErr = (e: Error): void => {
      worker.off('message', onMsg);
      reject(e);
    };
    worker.on('message', onMsg);
    worker.once('error', onErr);
  }).catch(async (e: unknown) => {
    await worker.terminate();
    throw e;
  });
  return worker;
}

interface Slot {
  t: number;
  rows: Int32Array;
  data?: Float32Array;
  error?: string;
  done: Promise<void>;
  settle(): void;
}

const now = (): number => performance.now();

export interface PrefetchOptions {
  /** The reader thread (startReader), or null for none (every batch read synchronously). */
  worker: Worker | null;
  /** Image rows of iteration t's minibatch. */
  rowsFor(t: number): Int32Array;
  /** Iterations of the run (nothing is fetched at or past it). */
  total: number;
  /** Batches fetched ahead (default 4). */
  depth?: number;
  D: number;
  /** Synchronous read of any rows (evaluation, sampling, a batch that was not prefetched). */
  fallback(rows: ArrayLike<number>): Tensor;
}

export class Prefetcher {
  /** Milliseconds the training thread spent waiting for train features (prefetch waits and synchronous reads). */
  waitMs = 0;
  /** Batches served from the prefetch / read synchronously. */
  served = 0;
  missed = 0;
  private next = -1;
  private readonly slots = new Map<number, Slot>();
  private readonly byId = new Map<number, Slot>();
  private nextId = 1;
  private readonly depth: number;

  constructor(private readonly opts: PrefetchOptions) {
    this.depth = Math.max(1, opts.depth ?? 4);
    opts.worker?.on('message', (m: ReaderReply) => {
      const s = this.byId.get(m.id);
      if (!s) return;
      this.byId.delete(m.id);
      if (m.data) s.data = m.data;
      else s.error = m.error ?? 'no data';
      s.settle();
    });
    opts.worker?.on('error', (e: Error) => {
      for (const s of this.byId.values()) {
        s.error = e.message;
        s.settle();
      }
      this.byId.clear();
    });
  }

  /** Awaited before iteration t: makes sure t and the next ones are requested, and waits for t's rows. */
  async ready(t: number): Promise<void> {
    if (t !== this.next) {
      // Not the iteration expected (first call, or a resumed/restored run): start over at t.
      for (const k of [...this.slots.keys()]) if (k < t || k >= t + this.depth) this.slots.delete(k);
      this.next = t;
    }
    this.ensure();
    const s = this.slots.get(t);
    if (s && s.data === undefined && s.error === undefined) {
      const t0 = now();
      await s.done;
      this.waitMs += now() - t0;
    }
  }

  /** The features of `rows`: the prefetched batch when it is the one expected, else a synchronous read. */
  getFeatures(rows: ArrayLike<number>): Tensor {
    const s = this.slots.get(this.next);
    if (s && s.data !== undefined && sameRows(s.rows, rows)) {
      this.slots.delete(this.next);
      this.next++;
      this.ensure();
      this.served++;
      return { shape: [rows.length, this.opts.D], data: Float64Array.from(s.data) };
    }
    const t0 = now();
    const out = this.opts.fallback(rows);
    if (s && sameRows(s.rows, rows)) {
      // The expected batch, but its read failed or had not arrived: it was read here instead.
      this.slots.delete(this.next);
      this.next++;
      this.ensure();
      this.missed++;
      this.waitMs += now() - t0;
    }
    return out;
  }

  /** Stops the reader thread. */
  async close(): Promise<void> {
    for (const s of this.byId.values()) s.settle();
    this.byId.clear();
    this.slots.clear();
    await this.opts.worker?.terminate();
  }

  private ensure(): void {
    if (this.next < 0) return;
    for (let t = this.next; t < Math.min(this.opts.total, this.next + this.depth); t++) {
      if (this.slots.has(t)) continue;
      const rows = this.opts.rowsFor(t);
      let settle = (): void => {};
      const done = new Promise<void>((r) => (settle = r));
      const slot: Slot = { t, rows, done, settle };
      this.slots.set(t, slot);
      if (this.opts.worker) {
        const id = this.nextId++;
        this.byId.set(id, slot);
        this.opts.worker.postMessage({ id, rows } satisfies ReaderRequest);
      } else {
        slot.error = 'no reader';
        settle();
      }
    }
  }
}

function sameRows(a: Int32Array, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
