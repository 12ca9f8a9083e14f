/**
 * A raw sidecar of the embedded default dataset's HDF5 files (issue 16): the same arrays as plain
 * little-endian bytes, so a run opens the default without loading the HDF5 library (h5wasm: its
 * wasm compile and a gzip inflate of every chunk cost ~1 s of CPU at start) and reads rows with
 * positional file reads.
 *
 * Layout of `<folder>/raw-v1/<name>.bin`, one per HDF5 file:
 *   8 bytes magic `GLRAW\0\0\1`, u32 LE header length, the header (JSON, UTF-8), zero padding to
 *   a multiple of 8, then each dataset's bytes at the offset the header names (8-aligned).
 * The header names the version, the size and mtime of the HDF5 file it was made from (a sidecar
 * of another file is never used), the sidecar's total length (a truncated one is never used), and
 * per dataset its info (as the HDF5 reader gives it), array type, offset, length and the SHA-256 of
 * every 64 KiB block. Small datasets are checked whole at open, and any problem then falls back to
 * the HDF5 file (the sidecar is written again from it); large ones are read by rows, each block
 * checked on its first read (a bad block is then a one-line error, and the sidecar is removed).
 * A sidecar is written to a temporary name and renamed into place: under its final name it is
 * always complete.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import * as path from 'node:path';
import type { H5DatasetInfo, H5FileHandle, NumericArray } from '../core/data/access';
import type { DataAccess } from '../core/data/access';

export const SIDECAR_DIR = 'raw-v1';
const MAGIC = Buffer.from([0x47, 0x4c, 0x52, 0x41, 0x57, 0, 0, 1]);
const VERSION = 1;

const TYPES = {
  Int8Array,
  Uint8Array,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
} as const;
type TypeName = keyof typeof TYPES;

interface SidecarEntry {
  info: H5DatasetInfo;
  type: TypeName;
  offset: number;
  byteLength: number;
  /** SHA-256 (hex) of each BLOCK_BYTES block of the data, the last one shorter. */
  blocks: string[];
}

/** Bytes per checksummed block: rows are read (and checked) in whole blocks. */
const BLOCK_BYTES = 64 * 1024;
/** Integer datasets up to this size are read whole and checked at open (so a bad one still falls back to HDF5). */
const EAGER_BYTES = 16 * 1024 * 1024;

interface SidecarHeader {
  version: number;
  source: { size: number; mtimeMs: number };
  total: number;
  datasets: SidecarEntry[];
}

/** Where the sidecar of the HDF5 file `name` in `dir` is. */
export function sidecarPath(dir: string, name: string): string {
  return path.join(dir, SIDECAR_DIR, `${name}.bin`);
}

function isTypeName(s: unknown): s is TypeName {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(TYPES, s);
}

function readHeader(fd: number, h5Stat: { size: number; mtimeMs: number }): { header: SidecarHeader; size: number } | null {
  const size = fstatSync(fd).size;
  const head = Buffer.alloc(12);
  if (readSync(fd, head, 0, 12, 0) !== 12 || !head.subarray(0, 8).equals(MAGIC)) return null;
  const len = head.readUInt32LE(8);
  if (len <= 0 || 12 + len > size) return null;
  const json = Buffer.alloc(len);
  if (readSync(fd, json, 0, len, 12) !== len) return null;
  let header: SidecarHeader;
  try {
    header = JSON.parse(json.toString('utf8')) as SidecarHeader;
  } catch {
    return null;
  }
  if (!header || header.version !== VERSION || header.total !== size || !Array.isArray(header.datasets)) return null;
  if (!header.source || header.source.size !== h5Stat.size || header.source.mtimeMs !== h5Stat.mtimeMs) return null;
  for (const d of header.datasets) {
    if (!d || !d.info || typeof d.info.name !== 'string' || !isTypeName(d.type) || !Number.isInteger(d.offset) || !Number.isInteger(d.byteLength)) return null;
    if (d.offset % 8 !== 0 || d.offset < 12 + len || d.offset + d.byteLength > size) return null;
    if (!Array.isArray(d.blocks) || d.blocks.length !== Math.ceil(d.byteLength / BLOCK_BYTES) || !d.blocks.every((b) => typeof b === 'string')) return null;
    const elems = d.info.shape.reduce((a, b) => a * b, 1);
    if (elems * TYPES[d.type].BYTES_PER_ELEMENT !== d.byteLength) return null;
  }
  return { header, size };
}

/**
 * Opens the sidecar of the HDF5 file at `h5Path`, or null when there is no valid one (missing,
 * of another version, of another file, truncated). Never throws for a bad sidecar.
 */
export function openSidecar(h5Path: string, opts: { eagerBytes?: number } = {}): H5FileHandle | null {
  if (endianness() !== 'LE') return null;
  let st;
  try {
    st = statSync(h5Path);
  } catch {
    return null;
  }
  let fd: number;
  try {
    fd = openSync(sidecarPath(path.dirname(h5Path), path.basename(h5Path)), 'r');
  } catch {
    return null;
  }
  let parsed: ReturnType<typeof readHeader>;
  try {
    parsed = readHeader(fd, { size: st.size, mtimeMs: st.mtimeMs });
  } catch {
    parsed = null;
  }
  if (!parsed) {
    closeSync(fd);
    return null;
  }
  // Small datasets (the captions) are read whole and checked now: a bad one falls back to HDF5.
  // Large ones (features) are read by rows, each BLOCK_BYTES block checked the first time it is
  // read: a run reads the rows it uses, not the whole file. A block that fails its checksum later
  // is an error naming the cache (the sidecar is removed, so the next open reads HDF5 again).
  const sidecar = sidecarPath(path.dirname(h5Path), path.basename(h5Path));
  const entries = new Map<string, SidecarEntry>(parsed.header.datasets.map((d) => [d.info.name, d]));
  const eager = new Map<string, NumericArray>();
  const verified = new Map<string, Uint8Array>();
  for (const e of parsed.header.datasets) verified.set(e.info.name, new Uint8Array(e.blocks.length));
  const readSpan = (e: SidecarEntry, byteStart: number, byteLength: number): NumericArray => {
    // Whole blocks around the span, checked where not yet checked.
    const b0 = Math.floor(byteStart / BLOCK_BYTES);
    const b1 = byteLength > 0 ? Math.ceil((byteStart + byteLength) / BLOCK_BYTES) : b0;
    const from = b0 * BLOCK_BYTES;
    const to = Math.min(e.byteLength, b1 * BLOCK_BYTES);
    const ok = verified.get(e.info.name) as Uint8Array;
    const Ctor = TYPES[e.type];
    const all = from === byteStart && to === byteStart + byteLength;
    const buf = new Uint8Array(new ArrayBuffer(Math.max(0, to - from)));
    for (let done = 0; done < buf.length; ) {
      const n = readSync(fd, buf, done, buf.length - done, e.offset + from + done);
      if (n <= 0) return damaged(e, 'truncated');
      done += n;
    }
    for (let b = b0; b < b1; b++) {
      if (ok[b]) continue;
      const lo = b * BLOCK_BYTES - from;
      const hi = Math.min(lo + BLOCK_BYTES, buf.length);
      if (createHash('sha256').update(buf.subarray(lo, hi)).digest('hex') !== e.blocks[b]) return damaged(e, `block ${b} fails its checksum`);
      ok[b] = 1;
    }
    if (all) return new Ctor(buf.buffer);
    return new Ctor(buf.buffer.slice(byteStart - from, byteStart - from + byteLength));
  };
  let open = true;
  const damaged = (e: SidecarEntry, why: string): never => {
    rmSync(sidecar, { force: true });
    throw new Error(`${e.info.name}: the raw copy in the cache (${sidecar}) is damaged (${why}); it was removed, and the next run reads the HDF5 file`);
  };
  // By default only integer datasets are read at open: captions and image indices are read whole by
  // every open, while features are read by rows (a training run reads the rows it uses, and an
  // evaluation the val rows it draws), so reading and checking 10 MB of val features at open was
  // start-up time spent on rows no one might read.
  const eagerOf = (e: SidecarEntry): boolean =>
    opts.eagerBytes !== undefined ? e.byteLength <= opts.eagerBytes : e.byteLength <= EAGER_BYTES && !e.type.startsWith('Float');
  try {
    for (const e of parsed.header.datasets) if (eagerOf(e)) eager.set(e.info.name, readSpan(e, 0, e.byteLength));
  } catch {
    closeSync(fd);
    rmSync(sidecar, { force: true });
    return null;
  }
  const entry = (name: string): SidecarEntry => {
    if (!open) throw new Error(`${h5Path} is closed`);
    const e = entries.get(name);
    if (!e) throw new Error(`${name}: no such dataset`);
    return e;
  };
  return {
    keys: () => [...entries.keys()],
    info: (name) => entries.get(name)?.info ?? null,
    read(name) {
      const e = entry(name);
      // An eagerly read array itself, once (fresh memory costs page faults); after that, copies.
      const a = eager.get(name);
      if (a) {
        eager.delete(name);
        return a;
      }
      return readSpan(e, 0, e.byteLength);
    },
    readRows(name, start, stop) {
      const e = entry(name);
      const rows = e.info.shape[0] ?? 0;
      if (!(Number.isInteger(start) && Number.isInteger(stop) && start >= 0 && stop <= rows && start <= stop)) throw new Error(`${name}: rows ${start}..${stop - 1} outside 0..${rows - 1}`);
      const rowBytes = rows > 0 ? e.byteLength / rows : 0;
      return readSpan(e, start * rowBytes, (stop - start) * rowBytes);
    },
    close() {
      if (!open) return;
      open = false;
      eager.clear();
      closeSync(fd);
    },
  };
}

/**
 * Writes the sidecar of the HDF5 file at `h5Path` from `h5` (an open handle of that file): every
 * numeric root dataset, as the handle reads it. Written under a temporary name and renamed.
 */
export function writeSidecar(h5Path: string, h5: H5FileHandle): void {
  if (endianness() !== 'LE') return;
  const st = statSync(h5Path);
  const arrays: { info: H5DatasetInfo; type: TypeName; bytes: Buffer }[] = [];
  for (const name of h5.keys()) {
    const info = h5.info(name);
    if (!info || info.kind === 'string' || info.kind === 'other') continue;
    const a = h5.read(name);
    const type = a.constructor.name;
    if (!isTypeName(type)) continue;
    arrays.push({ info: { ...info, shape: [...info.shape], chunks: info.chunks ? [...info.chunks] : null, filters: [...info.filters] }, type, bytes: Buffer.from(a.buffer, a.byteOffset, a.byteLength) });
  }
  // The header's length depends on the offsets it names: lay out with a fixed-width guess, then fix.
  const build = (start: number): { json: Buffer; datasets: SidecarEntry[]; total: number } => {
    let off = start;
    const datasets: SidecarEntry[] = arrays.map((x) => {
      const blocks: string[] = [];
      for (let b = 0; b < x.bytes.length; b += BLOCK_BYTES) blocks.push(createHash('sha256').update(x.bytes.subarray(b, Math.min(x.bytes.length, b + BLOCK_BYTES))).digest('hex'));
      const e = { info: x.info, type: x.type, offset: off, byteLength: x.bytes.length, blocks };
      off = align8(off + x.bytes.length);
      return e;
    });
    const total = arrays.length ? datasets[datasets.length - 1].offset + arrays[arrays.length - 1].bytes.length : start;
    const header: SidecarHeader = { version: VERSION, source: { size: st.size, mtimeMs: st.mtimeMs }, total, datasets };
    return { json: Buffer.from(JSON.stringify(header), 'utf8'), datasets, total };
  };
  let start = 4096;
  let b = build(start);
  while (align8(12 + b.json.length) !== start) {
    start = align8(12 + b.json.length);
    b = build(start);
  }
  const final = sidecarPath(path.dirname(h5Path), path.basename(h5Path));
  mkdirSync(path.dirname(final), { recursive: true });
  const tmp = `${final}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const fd = openSync(tmp, 'w');
  try {
    const head = Buffer.alloc(start);
    MAGIC.copy(head, 0);
    head.writeUInt32LE(b.json.length, 8);
    b.json.copy(head, 12);
    writeAll(fd, head, 0);
    b.datasets.forEach((d, i) => writeAll(fd, arrays[i].bytes, d.offset));
    closeSync(fd);
    renameSync(tmp, final);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    rmSync(tmp, { force: true });
    throw e;
  }
}

function writeAll(fd: number, buf: Buffer, position: number): void {
  for (let done = 0; done < buf.length; ) done += writeSync(fd, buf, done, buf.length - done, position + done);
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** Writes the sidecars of the HDF5 files `names` in `dir` (a generation, before its folder is renamed into place). */
export async function writeSidecars(dir: string, names: readonly string[], openHdf5: (file: string) => Promise<H5FileHandle>): Promise<void> {
  for (const name of names) {
    const file = path.join(dir, name);
    const h = await openHdf5(file);
    try {
      writeSidecar(file, h);
    } finally {
      h.close();
    }
  }
}

/**
 * `access` with HDF5 files read from their raw sidecars where a valid one exists; where none does,
 * the HDF5 file is opened as before and a sidecar written from it for the next run (a failure to
 * write one, e.g. a read-only folder, only means the next run reads HDF5 again).
 */
export function withRawSidecars(access: DataAccess): DataAccess {
  return {
    ...access,
    exists: (name) => access.exists(name),
    size: (name) => access.size(name),
    async openH5(name) {
      const file = access.resolve(name);
      const raw = openSidecar(file);
      if (raw) return raw;
      const h = await access.openH5(name);
      try {
        writeSidecar(file, h);
      } catch {
        // not writable here: HDF5 it stays
      }
      return h;
    },
  };
}
