/**
 * HDF5 through h5wasm (the HDF5 C library compiled to wasm; its Node build reads the host
 * filesystem directly, with random access, so hyperslab reads never pull a whole file in).
 * h5wasm is ESM-only: it is loaded with a dynamic import, which works from CommonJS and from
 * the esbuild bundles (esbuild.mjs defines import.meta.url for them).
 */
import fs from 'node:fs';
import { renameSync, rmSync } from 'node:fs';
import type { H5DatasetInfo, H5FileHandle, H5Kind, NumericArray } from '../data/access';

type H5Module = typeof import('h5wasm/node', { with: { 'resolution-mode': 'import' } });
type H5Lib = H5Module['default'];
type H5Dataset = InstanceType<H5Lib['Dataset']>;

let loading: Promise<H5Lib> | null = null;

/** The initialised h5wasm library (loaded once per process). */
export function h5lib(): Promise<H5Lib> {
  loading ??= (async () => {
    const mod = (await import('h5wasm/node')) as H5Module;
    const lib = mod.default ?? (mod as unknown as H5Lib);
    await lib.ready;
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
 * Runs an h5wasm call with HDF5's diagnostic stack (which the C library prints to stderr) captured
 * instead of printed. A failure is rethrown with the innermost diagnostic, e.g.
 * `truncated file: eof = 1168, sblock->base_addr = 0, stored_eof = 2336`.
 */
function quietly<T>(what: string, fn: () => T): T {
  const original = fs.writeSync;
  let captured = '';
  const patched = function (this: unknown, fd: number, buffer: unknown, ...rest: unknown[]): number {
    if (fd === 2 && ArrayBuffer.isView(buffer)) {
      const [offset = 0, length = buffer.byteLength] = rest as [number?, number?];
      captured += Buffer.from(buffer.buffer, buffer.byteOffset + offset, length).toString('utf8');
      return length;
    }
    return (original as (...a: unknown[]) => number).call(fs, fd, buffer, ...rest);
  };
  (fs as { writeSync: unknown }).writeSync = patched;
  try {
    return fn();
  } catch (e) {
    const detail = innermost(captured);
    throw new Error(`${what}: ${(e as Error)?.message ?? String(e)}${detail ? ` (HDF5: ${detail})` : ''}`);
  } finally {
    (fs as { writeSync: unknown }).writeSync = original;
  }
}

function innermost(diag: string): string {
  let last = '';
  for (const line of diag.split('\n')) {
    const m = /#\d+: .* in [^(]+\(\): (.*)$/.exec(line);
    if (m) last = m[1].trim();
  }
  return last;
}

/** Opens `path` read-only. Throws a plain Error when HDF5 cannot open it. */
export async function openH5File(path: string): Promise<H5FileHandle> {
  const lib = await h5lib();
  // h5wasm reports a failed H5Fopen through a negative id (and HDF5's own stderr diagnostics).
  const file = quietly('open failed', () => {
    const f = new lib.File(path, 'r');
    if ((f as unknown as { file_id: bigint }).file_id < 0n) throw new Error('HDF5 could not open the file');
    return f;
  });
  let closed = false;
  const dataset = (name: string): H5Dataset => {
    if (closed) throw new Error(`${path} is closed`);
    if (!file.keys().includes(name)) throw new Error(`no dataset ${name}`);
    const obj = file.get(name);
    if (!(obj instanceof lib.Dataset)) throw new Error(`${name} is not a dataset`);
    return obj;
  };
  const asNumeric = (v: unknown, name: string): NumericArray => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return v as NumericArray;
    throw new Error(`${name} did not read as a numeric array`);
  };
  return {
    keys: () => file.keys(),
    info(name: string): H5DatasetInfo | null {
      if (!file.keys().includes(name)) return null;
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
    },
    read: (name) => quietly(`reading ${name}`, () => asNumeric(dataset(name).value, name)),
    readRows(name, start, stop) {
      const ds = dataset(name);
      const rank = (ds.shape ?? []).length;
      const ranges: [number, number][] = [[start, stop]];
      const rest = Array.from({ length: Math.max(0, rank - 1) }, () => [] as unknown as [number, number]);
      return quietly(`reading rows ${start}..${stop - 1} of ${name}`, () => asNumeric(ds.slice([...ranges, ...rest]), name));
    },
    close() {
      if (closed) return;
      closed = true;
      file.close();
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
