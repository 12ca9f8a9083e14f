/**
 * HDF5 through h5wasm (the HDF5 C library compiled to wasm; its Node build reads the host
 * filesystem directly, with random access, so hyperslab reads never pull a whole file in).
 * h5wasm is ESM-only: it is loaded with a dynamic import, which works from CommonJS and from
 * the esbuild bundles (esbuild.mjs defines import.meta.url for them).
 */
import { renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import type { H5DatasetInfo, H5FileHandle, H5Kind, NumericArray } from '../core/data/access';

type H5Module = typeof import('h5wasm/node', { with: { 'resolution-mode': 'import' } });
type H5Lib = H5Module['default'];
type H5Dataset = InstanceType<H5Lib['Dataset']>;

let loading: Promise<H5Lib> | null = null;

/** The initialised h5wasm library (loaded once per process). */
export function h5lib(): Promise<H5Lib> {
  loading ??= (async () => {
    const mod = (await import('h5wasm/node')) as H5Module;
    const lib = mod.default ?? (mod as unknown as H5Lib);
    silence(await lib.ready);
    return lib;
  })();
  return loading;
}

// HDF5 datatype classes (H5Tpublic.h).
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;

function kindOf(type: number, signed: boolean): H5Kind {
  if (type === H5T_INTEGER) return signed ? 'int' : 'uint';
  if (type === H5T_FLOAT) return 'float';
  if (type === H5T_STRING) return 'string';
  return 'other';
}

/**
 * HDF5's error printing, switched off for the whole process: the C library writes its diagnostic
 * stack (`HDF5-DIAG: Error detected in HDF5 ...`, 80+ lines with its build's source paths) to C
 * stderr, which h5wasm's Node build sends to the real fd 2. h5wasm exports no H5Eset_auto, so the
 * wasm runtime's own fd 2 stream is pointed at this buffer instead (it keeps the last few KB, for
 * the innermost message). Nothing from the library ever reaches the terminal, the extension host's
 * stderr or a worker's.
 */
let diag = '';
const DIAG_KEEP = 16 * 1024;

interface EmStream {
  node?: { mode: number };
  position?: number;
  stream_ops?: { write(stream: unknown, buffer: Uint8Array, offset: number, length: number): number };
}

function silence(mod: unknown): void {
  const streams = (mod as { FS?: { streams?: (EmStream | null)[] } } | null)?.FS?.streams;
  const err = streams?.[2];
  if (!err || err.stream_ops) return; // already routed (or a runtime this code does not know)
  // VFS.write needs a node that is not a directory (S_IFCHR) and a position.
  err.node ??= { mode: 0o020000 };
  err.position ??= 0;
  err.stream_ops = {
    write(_stream, buffer, offset, length) {
      diag += Buffer.from(buffer.buffer, buffer.byteOffset + offset, length).toString('utf8');
      if (diag.length > DIAG_KEEP) diag = diag.slice(-DIAG_KEEP);
      return length;
    },
  };
}

/** The failure of an HDF5 call: one line naming the file, the object and what is wrong. */
export class H5Error extends Error {
  override name = 'H5Error';
  constructor(
    message: string,
    /** The innermost HDF5 diagnostic, e.g. `address of object past end of allocation`, when there is one. */
    readonly detail: string,
    /** Whether HDF5 itself reported the failure (so the file is damaged, or not HDF5 at all). */
    readonly damaged: boolean,
  ) {
    super(message);
  }
}

/** What to say about a file HDF5 could not make sense of. */
export const DAMAGED = 'damaged or not an HDF5 file';

/**
 * Runs an h5wasm call with HDF5's diagnostics read from the buffer above. A failure, or a call that
 * "succeeds" while HDF5 reports an error (h5wasm turns a failed link iteration into an empty key
 * list), is thrown as an H5Error: `<file>: <object>: damaged or not an HDF5 file (HDF5: <innermost>)`.
 * Errors of this module's own (a closed file, a missing dataset) keep their message.
 */
function quietly<T>(file: string, what: string, fn: () => T): T {
  diag = '';
  let result: T;
  try {
    result = fn();
  } catch (e) {
    const detail = innermost(diag);
    diag = '';
    if (e instanceof H5Error) throw e;
    const msg = oneLine((e as Error)?.message ?? String(e));
    if (!detail && e instanceof Error && e.name === 'H5Own') throw new H5Error(`${path.basename(file)}: ${what}: ${msg}`, '', false);
    throw new H5Error(`${path.basename(file)}: ${what}: ${DAMAGED} (HDF5: ${detail || msg})`, detail || msg, true);
  }
  const detail = innermost(diag);
  const reported = diag.includes('HDF5-DIAG');
  diag = '';
  if (reported) throw new H5Error(`${path.basename(file)}: ${what}: ${DAMAGED} (HDF5: ${detail || 'error'})`, detail, true);
  return result;
}

/** An error of this module's own (not HDF5's): kept as it is by quietly(). */
function own(message: string): Error {
  const e = new Error(message);
  e.name = 'H5Own';
  return e;
}

function oneLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim() !== '') ?? s;
  return line.length > 200 ? `${line.slice(0, 197)}...` : line.trim();
}

function innermost(diag: string): string {
  let last = '';
  for (const line of diag.split('\n')) {
    const m = /#\d+: .* in [^(]+\(\): (.*)$/.exec(line);
    if (m) last = m[1].trim();
  }
  return last;
}

/**
 * Opens `path` read-only. Every failure is an H5Error of one line; HDF5's own diagnostics are
 * never printed (see silence()).
 */
export async function openH5File(path: string): Promise<H5FileHandle> {
  const lib = await h5lib();
  // h5wasm reports a failed H5Fopen through a negative id (and HDF5's own stderr diagnostics).
  const file = quietly(path, 'open', () => {
    const f = new lib.File(path, 'r');
    if ((f as unknown as { file_id: bigint }).file_id < 0n) throw new Error('HDF5 could not open the file');
    return f;
  });
  let closed = false;
  // Root names, read once: h5wasm lists them through H5Literate, which fails on a damaged file.
  let rootKeys: string[] | null = null;
  const keys = (): string[] => (rootKeys ??= quietly(path, 'root group', () => file.keys()));
  const dataset = (name: string): H5Dataset => {
    if (closed) throw own(`${path} is closed`);
    if (!keys().includes(name)) throw own(`no dataset ${name}`);
    const obj = file.get(name);
    if (!(obj instanceof lib.Dataset)) throw own(`${name} is not a dataset`);
    return obj;
  };
  const asNumeric = (v: unknown, name: string): NumericArray => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return v as NumericArray;
    throw own(`${name} did not read as a numeric array`);
  };
  return {
    keys: () => [...keys()],
    info(name: string): H5DatasetInfo | null {
      if (!keys().includes(name)) return null;
      return quietly(path, name, () => {
        const obj = file.get(name);
        if (!(obj instanceof lib.Dataset)) return null;
        const m = obj.metadata;
        return {
          name,
          kind: kindOf(m.type, m.signed),
          bytes: m.size,
          dtype: String(obj.dtype),
          shape: obj.shape ?? [],
          chunks: m.chunks ?? null,
          filters: obj.filters.map((f) => f.name),
        };
      });
    },
    read: (name) => quietly(path, name, () => asNumeric(dataset(name).value, name)),
    readRows(name, start, stop) {
      return quietly(path, `${name} rows ${start}..${stop - 1}`, () => {
        const ds = dataset(name);
        const rank = (ds.shape ?? []).length;
        const ranges: [number, number][] = [[start, stop]];
        const rest = Array.from({ length: Math.max(0, rank - 1) }, () => [] as unknown as [number, number]);
        return asNumeric(ds.slice([...ranges, ...rest]), name);
      });
    },
    close() {
      if (closed) return;
      closed = true;
      quietly(path, 'close', () => file.close());
    },
  };
}

export interface H5WriteSpec {
  name: string;
  data: Int32Array | BigInt64Array | Float32Array | Float64Array;
  shape: number[];
  /** Chunk shape; omit for contiguous storage. */
  chunks?: number[];
  /** 'gzip' level (1–9), or a raw HDF5 filter id with options (e.g. 2 = shuffle). Needs chunks. */
  gzip?: number;
  filter?: { id: number; opts: number[] };
}

const dtypeOf = (a: H5WriteSpec['data']): string => (a instanceof Int32Array ? '<i' : a instanceof BigInt64Array ? '<q' : a instanceof Float32Array ? '<f' : '<d');

/**
 * Writes datasets at the root of a new HDF5 file, through a temp file and a rename (nothing
 * half-written). `fixedTimeMs` pins the object timestamps HDF5 records, so the same content
 * gives the same bytes (h5wasm takes the time from Date.now). Note: h5wasm 0.10 sets at most one
 * filter per dataset, so shuffle+deflate cannot be written with it.
 */
export async function writeH5File(path: string, specs: H5WriteSpec[], fixedTimeMs?: number): Promise<void> {
  const lib = await h5lib();
  const tmp = `${path}.tmp-${process.pid}`;
  const realNow = Date.now;
  if (fixedTimeMs !== undefined) Date.now = () => fixedTimeMs;
  try {
    const f = new lib.File(tmp, 'w');
    try {
      for (const s of specs) {
        const compression = s.gzip !== undefined ? ('gzip' as const) : s.filter?.id;
        const compression_opts = s.gzip !== undefined ? s.gzip : s.filter?.opts;
        f.create_dataset({ name: s.name, data: s.data, shape: s.shape, dtype: dtypeOf(s.data), chunks: s.chunks ?? null, compression, compression_opts });
      }
    } finally {
      f.close();
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    Date.now = realNow;
  }
}

/**
 * Writes a (rows, D) float32 `features` file block by block (resizable chunked dataset), so a
 * file far larger than memory can be produced. `fill(start, stop)` returns rows [start, stop).
 */
export async function writeLargeFeatureFile(path: string, rows: number, D: number, blockRows: number, fill: (start: number, stop: number) => Float32Array, chunkRows = 64): Promise<void> {
  const lib = await h5lib();
  const f = new lib.File(path, 'w');
  try {
    const first = Math.min(rows, blockRows);
    const ds = f.create_dataset({ name: 'features', data: fill(0, first), shape: [first, D], dtype: '<f', maxshape: [null, D], chunks: [chunkRows, D] });
    for (let start = first; start < rows; start += blockRows) {
      const stop = Math.min(rows, start + blockRows);
      ds.resize([stop, D]);
      ds.write_slice([[start, stop], [0, D]], fill(start, stop));
    }
  } finally {
    f.close();
  }
}
