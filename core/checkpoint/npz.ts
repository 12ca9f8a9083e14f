/**
 * NumPy `.npy` arrays and `.npz` archives (a zip of `.npy` files) in pure TypeScript, so checkpoints
 * are written and read in core and `np.load` reads them. Writing uses the stored (uncompressed)
 * zip method with CRC-32, and fixed timestamps so the same arrays give the same bytes. Reading
 * accepts stored entries, and deflated ones (np.savez_compressed) when given an inflate function
 * (the Node adapter passes zlib's).
 *
 * Supported dtypes: <f8, <f4, <i4, <i8 (read only; must fit int32), |u1, |b1 (read only) and <U (unicode).
 */

export type NpyArray =
  | { dtype: 'f8'; shape: number[]; data: Float64Array }
  | { dtype: 'f4'; shape: number[]; data: Float32Array }
  | { dtype: 'i4'; shape: number[]; data: Int32Array }
  | { dtype: 'u1'; shape: number[]; data: Uint8Array }
  | { dtype: 'U'; shape: number[]; data: string[] };

/** A malformed or unsupported .npy/.npz; the message names the entry when there is one. */
export class NpzError extends Error {
  override name = 'NpzError';
}

export type InflateRaw = (data: Uint8Array) => Uint8Array;

// ------------------------------------------------------------------ CRC-32 (IEEE 802.3)

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ------------------------------------------------------------------ UTF-8 without TextEncoder (not in ES2022's lib)

export function utf8Encode(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return Uint8Array.from(out);
}

export function utf8Decode(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; ) {
    const x = b[i];
    let cp: number;
    if (x < 0x80) {
      cp = x;
      i += 1;
    } else if (x < 0xe0) {
      cp = ((x & 31) << 6) | (b[i + 1] & 63);
      i += 2;
    } else if (x < 0xf0) {
      cp = ((x & 15) << 12) | ((b[i + 1] & 63) << 6) | (b[i + 2] & 63);
      i += 3;
    } else {
      cp = ((x & 7) << 18) | ((b[i + 1] & 63) << 12) | ((b[i + 2] & 63) << 6) | (b[i + 3] & 63);
      i += 4;
    }
    s += String.fromCodePoint(cp);
  }
  return s;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ------------------------------------------------------------------ .npy

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function descrOf(a: NpyArray): string {
  if (a.dtype === 'U') return `<U${Math.max(1, ...a.data.map((s) => [...s].length))}`;
  return { f8: '<f8', f4: '<f4', i4: '<i4', u1: '|u1' }[a.dtype];
}

function count(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** The bytes of one .npy file (format 1.0, C order, header padded to 64 bytes). */
export function encodeNpy(a: NpyArray): Uint8Array {
  const n = count(a.shape);
  if (a.data.length !== n) throw new NpzError(`array of shape (${a.shape.join(', ')}) needs ${n} values, got ${a.data.length}`);
  const descr = descrOf(a);
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  if (header.length > 65535) throw new NpzError('npy header too long');
  let body: Uint8Array;
  if (a.dtype === 'U') {
    const width = Number(descr.slice(2));
    const buf = new DataView(new ArrayBuffer(n * width * 4));
    a.data.forEach((s, i) => {
      let k = 0;
      for (const ch of s) buf.setUint32((i * width + k++) * 4, ch.codePointAt(0)!, true);
    });
    body = new Uint8Array(buf.buffer);
  } else if (LITTLE_ENDIAN) {
    body = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  } else {
    body = toLittleEndian(a);
  }
  const out = new Uint8Array(10 + header.length + body.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(body, 10 + header.length);
  return out;
}

function toLittleEndian(a: NpyArray): Uint8Array {
  const size = a.dtype === 'f8' ? 8 : a.dtype === 'u1' ? 1 : 4;
  const dv = new DataView(new ArrayBuffer(a.data.length * size));
  for (let i = 0; i < a.data.length; i++) {
    const v = a.data[i] as number;
    if (a.dtype === 'f8') dv.setFloat64(i * 8, v, true);
    else if (a.dtype === 'f4') dv.setFloat32(i * 4, v, true);
    else if (a.dtype === 'i4') dv.setInt32(i * 4, v, true);
    else dv.setUint8(i, v);
  }
  return new Uint8Array(dv.buffer);
}

/** Parses one .npy file. `where` names it in errors. */
export function decodeNpy(bytes: Uint8Array, where = 'array'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) throw new NpzError(`${where}: not a .npy array (bad magic)`);
  const major = bytes[6];
  if (major !== 1 && major !== 2 && major !== 3) throw new NpzError(`${where}: unsupported .npy format version ${major}`);
  const hlen = major === 1 ? bytes[8] | (bytes[9] << 8) : (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24)) >>> 0;
  const off = major === 1 ? 10 : 12;
  if (off + hlen > bytes.length) throw new NpzError(`${where}: truncated .npy header`);
  const header = utf8Decode(bytes.subarray(off, off + hlen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new NpzError(`${where}: malformed .npy header ${JSON.stringify(header.trim())}`);
  if (fortran === 'True') throw new NpzError(`${where}: Fortran-ordered arrays are not supported (save with np.ascontiguousarray)`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new NpzError(`${where}: bad shape (${shapeText})`);
  const n = count(shape);
  const body = bytes.subarray(off + hlen);
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const need = (size: number): void => {
    if (body.length < n * size) throw new NpzError(`${where}: truncated data (${body.length} bytes for ${n} values of ${size} bytes)`);
  };
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  if (!m) throw new NpzError(`${where}: unsupported dtype ${descr}`);
  const [, order, kind, sizeText] = m;
  const size = Number(sizeText);
  const le = order !== '>';
  if (kind === 'U') {
    need(size * 4);
    const data: string[] = [];
    for (let i = 0; i < n; i++) {
      let s = '';
      for (let k = 0; k < size; k++) {
        const cp = dv.getUint32((i * size + k) * 4, le);
        if (cp === 0) break;
        s += String.fromCodePoint(cp);
      }
      data.push(s);
    }
    return { dtype: 'U', shape, data };
  }
  const key = `${kind}${size}`;
  switch (key) {
    case 'f8': {
      need(8);
      const data = new Float64Array(n);
      for (let i = 0; i < n; i++) data[i] = dv.getFloat64(i * 8, le);
      return { dtype: 'f8', shape, data };
    }
    case 'f4': {
      need(4);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = dv.getFloat32(i * 4, le);
      return { dtype: 'f4', shape, data };
    }
    case 'i4': {
      need(4);
      const data = new Int32Array(n);
      for (let i = 0; i < n; i++) data[i] = dv.getInt32(i * 4, le);
      return { dtype: 'i4', shape, data };
    }
    case 'i8': {
      need(8);
      const data = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = dv.getBigInt64(i * 8, le);
        if (v > 2147483647n || v < -2147483648n) throw new NpzError(`${where}: int64 value ${v} does not fit int32`);
        data[i] = Number(v);
      }
      return { dtype: 'i4', shape, data };
    }
    case 'u1':
    case 'b1': {
      need(1);
      return { dtype: 'u1', shape, data: Uint8Array.from(body.subarray(0, n)) };
    }
    default:
      throw new NpzError(`${where}: unsupported dtype ${descr}`);
  }
}

// ------------------------------------------------------------------ zip (stored)

// 1980-01-01 00:00 in MS-DOS format: fixed so identical content gives identical bytes.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const UTF8_FLAG = 0x0800;

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

/** A zip archive of the entries, stored without compression. */
export function writeZip(entries: readonly ZipEntry[]): Uint8Array {
  const names = entries.map((e) => utf8Encode(e.name));
  const crcs = entries.map((e) => crc32(e.data));
  let localSize = 0;
  entries.forEach((e, i) => (localSize += 30 + names[i].length + e.data.length));
  let centralSize = 0;
  names.forEach((nm) => (centralSize += 46 + nm.length));
  const total = localSize + centralSize + 22;
  if (total > 0xffffffff || entries.length > 0xffff) throw new NpzError('checkpoint too large for a zip without zip64 (over 4 GB)');
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  let p = 0;
  const offsets: number[] = [];
  entries.forEach((e, i) => {
    offsets.push(p);
    dv.setUint32(p, 0x04034b50, true);
    dv.setUint16(p + 4, 20, true);
    dv.setUint16(p + 6, UTF8_FLAG, true);
    dv.setUint16(p + 8, 0, true);
    dv.setUint16(p + 10, DOS_TIME, true);
    dv.setUint16(p + 12, DOS_DATE, true);
    dv.setUint32(p + 14, crcs[i], true);
    dv.setUint32(p + 18, e.data.length, true);
    dv.setUint32(p + 22, e.data.length, true);
    dv.setUint16(p + 26, names[i].length, true);
    dv.setUint16(p + 28, 0, true);
    out.set(names[i], p + 30);
    p += 30 + names[i].length;
    out.set(e.data, p);
    p += e.data.length;
  });
  const cdStart = p;
  entries.forEach((e, i) => {
    dv.setUint32(p, 0x02014b50, true);
    dv.setUint16(p + 4, 20, true);
    dv.setUint16(p + 6, 20, true);
    dv.setUint16(p + 8, UTF8_FLAG, true);
    dv.setUint16(p + 10, 0, true);
    dv.setUint16(p + 12, DOS_TIME, true);
    dv.setUint16(p + 14, DOS_DATE, true);
    dv.setUint32(p + 16, crcs[i], true);
    dv.setUint32(p + 20, e.data.length, true);
    dv.setUint32(p + 24, e.data.length, true);
    dv.setUint16(p + 28, names[i].length, true);
    // extra, comment, disk, internal attributes: 0
    dv.setUint32(p + 38, 0, true);
    dv.setUint32(p + 42, offsets[i], true);
    out.set(names[i], p + 46);
    p += 46 + names[i].length;
  });
  dv.setUint32(p, 0x06054b50, true);
  dv.setUint16(p + 8, entries.length, true);
  dv.setUint16(p + 10, entries.length, true);
  dv.setUint32(p + 12, p - cdStart, true);
  dv.setUint32(p + 16, cdStart, true);
  return out;
}

/** The entries of a zip archive; checks every CRC. */
export function readZip(bytes: Uint8Array, inflateRaw?: InflateRaw): ZipEntry[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 22) throw new NpzError(`not a zip archive (${bytes.length} bytes)`);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new NpzError(bytes.length >= 4 && dv.getUint32(0, true) === 0x04034b50 ? 'truncated zip archive (no end-of-archive record)' : 'not a zip archive');
  const count = dv.getUint16(eocd + 10, true);
  const cdSize = dv.getUint32(eocd + 12, true);
  const cdOff = dv.getUint32(eocd + 16, true);
  if (cdOff === 0xffffffff || count === 0xffff) throw new NpzError('zip64 archives are not supported');
  if (cdOff + cdSize > eocd) throw new NpzError('damaged zip archive (central directory out of range)');
  const out: ZipEntry[] = [];
  let p = cdOff;
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || dv.getUint32(p, true) !== 0x02014b50) throw new NpzError(`damaged zip archive (central directory entry ${k})`);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    const csize = dv.getUint32(p + 20, true);
    const usize = dv.getUint32(p + 24, true);
    const nlen = dv.getUint16(p + 28, true);
    const xlen = dv.getUint16(p + 30, true);
    const clen = dv.getUint16(p + 32, true);
    const lho = dv.getUint32(p + 42, true);
    const name = utf8Decode(bytes.subarray(p + 46, p + 46 + nlen));
    p += 46 + nlen + xlen + clen;
    if (lho + 30 > bytes.length || dv.getUint32(lho, true) !== 0x04034b50) throw new NpzError(`${name}: damaged zip entry (bad local header)`);
    const start = lho + 30 + dv.getUint16(lho + 26, true) + dv.getUint16(lho + 28, true);
    if (start + csize > bytes.length) throw new NpzError(`${name}: truncated zip entry (${csize} bytes expected)`);
    const raw = bytes.subarray(start, start + csize);
    let data: Uint8Array;
    if (method === 0) data = raw;
    else if (method === 8) {
      if (!inflateRaw) throw new NpzError(`${name}: compressed (deflate) entry; open the file through the Node loader`);
      data = inflateRaw(raw);
    } else throw new NpzError(`${name}: unsupported zip compression method ${method}`);
    if (data.length !== usize) throw new NpzError(`${name}: damaged zip entry (${data.length} bytes, expected ${usize})`);
    if (crc32(data) !== crc) throw new NpzError(`${name}: damaged zip entry (CRC-32 mismatch)`);
    out.push({ name, data });
  }
  return out;
}

// ------------------------------------------------------------------ .npz

/** An .npz archive: one `<name>.npy` entry per array, in the given order. */
export function writeNpz(arrays: Readonly<Record<string, NpyArray>>): Uint8Array {
  return writeZip(Object.entries(arrays).map(([name, a]) => ({ name: `${name}.npy`, data: encodeNpy(a) })));
}

/** Arrays of an .npz archive by name (without the .npy suffix), as np.load names them. */
export function readNpz(bytes: Uint8Array, inflateRaw?: InflateRaw): Record<string, NpyArray> {
  const out: Record<string, NpyArray> = {};
  for (const e of readZip(bytes, inflateRaw)) {
    const name = e.name.endsWith('.npy') ? e.name.slice(0, -4) : e.name;
    out[name] = decodeNpy(e.data, name);
  }
  return out;
}

/** A unicode scalar array holding `s` (np.load gives a 0-d str array; `str(a)` is the text). */
export function npyString(s: string): NpyArray {
  return { dtype: 'U', shape: [], data: [s] };
}
