/**
 * Node side of feature access for training (issue 15): decides under a memory budget which
 * splits' features are held in memory, loads those in large blocks (progress, cancellable), and
 * sets up streaming for the rest: a chunk cache for chunked files, and for contiguous little-endian
 * float32 files a direct row reader (plain file reads at the dataset's byte offset, found once and
 * verified against HDF5's own reads; no HDF5 call per row).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import * as path from 'node:path';
import { DEFAULT_MEMORY_BUDGET_MB, residencyPlan, type DirectRowReader, type FeatureRows, type LoadOptions, type ResidencyPlan } from '../core/data/features';
import { SPLITS, type Dataset, type SplitName } from '../core/data/types';

export const MB = 1024 * 1024;

/** Largest stretch of file searched for the start of a contiguous dataset. */
const MAX_SEARCH_BYTES = 64 * MB;

export interface DirectReader {
  read: DirectRowReader;
  /** Byte offset of row 0 in the file. */
  offset: number;
  close(): void;
}

/**
 * A direct reader of a contiguous little-endian float32 (rows, D) `features` dataset in `file`,
 * or null when there is none (chunked, another dtype, a big-endian host, or the data's position
 * cannot be found unambiguously). The offset is where row 0's bytes are, such that rows 0, last and
 * a spread of others read identically to HDF5; a candidate is only taken when exactly one fits.
 */
export function openDirectReader(file: string, fr: FeatureRows): DirectReader | null {
  const info = fr.info;
  if (!info || info.chunks !== null || info.filters.length > 0 || info.dtype !== '<f' || info.bytes !== 4 || endianness() !== 'LE') return null;
  const { rows, D } = fr;
  const rowBytes = D * 4;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    const maxOff = size - rows * rowBytes;
    if (maxOff < 0) {
      closeSync(fd);
      return null;
    }
    const row0 = Buffer.from(asF32(fr.readBlock(0, 1)).buffer.slice(0));
    const probe = row0.subarray(0, Math.min(rowBytes, 4096));
    const searchLen = Math.min(maxOff + probe.length, MAX_SEARCH_BYTES);
    const region = Buffer.alloc(searchLen);
    const got = readSync(fd, region, 0, searchLen, 0);
    const checkRows = [...new Set([0, rows - 1, Math.floor(rows / 2), Math.floor(rows / 3), Math.floor((rows * 7) / 9), 1 % rows, Math.max(0, rows - 2)])];
    const expected = new Map<number, Buffer>(checkRows.map((r) => [r, Buffer.from(asF32(fr.readBlock(r, r + 1)).buffer.slice(0))]));
    const tmp = Buffer.alloc(rowBytes);
    const found: number[] = [];
    let at = region.subarray(0, got).indexOf(probe);
    let tried = 0;
    while (at >= 0 && at <= maxOff && tried < 64) {
      tried++;
      let ok = true;
      for (const r of checkRows) {
        const n = readSync(fd, tmp, 0, rowBytes, at + r * rowBytes);
        if (n !== rowBytes || !tmp.equals(expected.get(r) as Buffer)) {
          ok = false;
          break;
        }
      }
      if (ok) found.push(at);
      at = region.subarray(0, got).indexOf(probe, at + 1);
    }
    if (found.length !== 1) {
      closeSync(fd);
      return null;
    }
    const offset = found[0];
    let open = true;
    const read: DirectRowReader = (row, count, out) => {
      if (!open) throw new Error(`${file} is closed`);
      const bytes = count * rowBytes;
      const view = Buffer.from(out.buffer, out.byteOffset, bytes);
      let done = 0;
      while (done < bytes) {
        const n = readSync(fd, view, done, bytes - done, offset + row * rowBytes + done);
        if (n <= 0) throw new Error(`${file}: short read at row ${row} (file truncated?)`);
        done += n;
      }
    };
    return {
      read,
      offset,
      close() {
        if (!open) return;
        open = false;
        closeSync(fd);
      },
    };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

function asF32(a: Float32Array | Float64Array): Float32Array {
  if (a instanceof Float32Array) return a;
  throw new Error('expected float32 rows');
}

export interface PrepareOptions {
  /** Memory budget for feature data in MB (default DEFAULT_MEMORY_BUDGET_MB). */
  budgetMB?: number;
  signal?: LoadOptions['signal'];
  tick?: LoadOptions['tick'];
  /** Loading progress: rows done of the rows to load, over the splits being held. */
  onProgress?(p: { split: SplitName; file: string; doneRows: number; totalRows: number; fraction: number; totalBytes: number }): void;
  /** Use direct reads of contiguous files (default true; false: HDF5 hyperslabs only). */
  direct?: boolean;
  /** Block size of the loads in bytes (default 32 MiB). */
  blockBytes?: number;
}

export interface PreparedFeatures {
  plan: ResidencyPlan;
  /** Milliseconds spent loading held splits. */
  loadMs: number;
  /** Per split: 'memory', or how it streams ('stream direct', 'stream chunk cache 896 MB', ...). */
  describe: Record<SplitName, string>;
  /** Closes direct readers (the Dataset's own close() releases HDF5). */
  close(): void;
}

/**
 * Applies the memory budget to an open dataset: held splits are read whole (LoadCancelled when the
 * signal fires meanwhile), streamed ones get their chunk cache or direct reader. Splits the loader
 * already holds (small files) stay as they are.
 */
export async function prepareFeatures(ds: Dataset, opts: PrepareOptions = {}): Promise<PreparedFeatures> {
  const budgetMB = opts.budgetMB ?? DEFAULT_MEMORY_BUDGET_MB;
  const fr = { train: ds.splits.train.featureRows, val: ds.splits.val.featureRows };
  const bytes = { train: fr.train?.bytes ?? 0, val: fr.val?.bytes ?? 0 };
  const plan = residencyPlan(bytes, budgetMB * MB);
  const readers: DirectReader[] = [];
  const describe = {} as Record<SplitName, string>;
  const close = (): void => {
    for (const r of readers) r.close();
    readers.length = 0;
  };
  const t0 = Date.now();
  try {
    for (const split of SPLITS) {
      const f = fr[split];
      if (!f) {
        describe[split] = 'memory';
        continue;
      }
      if (!f.resident && opts.direct !== false) {
        const r = openDirectReader(path.join(ds.dir, f.file), f);
        if (r) {
          readers.push(r);
          f.setDirectReader(r.read);
        }
      }
    }
    const toLoad = SPLITS.filter((s) => plan[s] === 'memory' && fr[s] && !fr[s]!.resident);
    const totalRows = toLoad.reduce((a, s) => a + fr[s]!.rows, 0);
    const totalBytes = toLoad.reduce((a, s) => a + fr[s]!.bytes, 0);
    let before = 0;
    for (const split of toLoad) {
      const f = fr[split]!;
      await f.load({
        signal: opts.signal,
        tick: opts.tick,
        blockBytes: opts.blockBytes,
        onProgress: (done) => opts.onProgress?.({ split, file: f.file, doneRows: before + done, totalRows, fraction: totalRows > 0 ? (before + done) / totalRows : 1, totalBytes }),
      });
      before += f.rows;
    }
    for (const split of SPLITS) {
      const f = fr[split];
      if (!f || f.resident) {
        describe[split] = 'memory';
        continue;
      }
      f.setCacheBytes(plan.cacheBytes[split]);
      const s = f.stats();
      describe[split] = s.direct ? 'stream (direct reads)' : f.chunkRows !== null ? `stream (chunk cache ${Math.round(plan.cacheBytes[split] / MB)} MB)` : 'stream (hyperslabs)';
    }
  } catch (e) {
    close();
    for (const split of SPLITS) fr[split]?.setDirectReader(null);
    throw e;
  }
  return { plan, loadMs: Date.now() - t0, describe, close };
}
