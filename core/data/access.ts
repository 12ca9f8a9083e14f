/**
 * The file access the dataset loader needs, kept behind a small interface so the same loader
 * serves the CLI, the extension host, workers and tests. runtime/fsAccess.ts implements it
 * with node:fs + h5wasm; a browser build could implement it over an in-memory FS.
 *
 * HDF5 reads are synchronous once a file is open (h5wasm is), so a training loop can fetch
 * feature rows without awaiting.
 */

/** Element kinds the loader distinguishes; anything else is reported by its HDF5 dtype string. */
export type H5Kind = 'int' | 'uint' | 'float' | 'string' | 'other';

export interface H5DatasetInfo {
  /** Dataset name at the root group, e.g. `train_captions`. */
  readonly name: string;
  readonly kind: H5Kind;
  /** Bytes per element (4 for int32/float32). */
  readonly bytes: number;
  /** The reader's own dtype string (h5wasm: `<i`, `<f`, `<d`, ...), for messages. */
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Chunk shape, or null for contiguous storage. */
  readonly chunks: readonly number[] | null;
  /** Filter names in pipeline order, e.g. ['shuffle', 'deflate']. */
  readonly filters: readonly string[];
}

/** Typed arrays a numeric HDF5 read may return. */
export type NumericArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

/** One open HDF5 file. Methods throw plain Errors; the loader turns them into DatasetErrors. */
export interface H5FileHandle {
  /** Names of the objects at the root group. */
  keys(): string[];
  /** Description of a root dataset, or null when `name` is missing or not a dataset. */
  info(name: string): H5DatasetInfo | null;
  /** The whole dataset, row-major. */
  read(name: string): NumericArray;
  /** Rows [start, stop) along axis 0 (a hyperslab; the rest of the file is not read). */
  readRows(name: string, start: number, stop: number): NumericArray;
  close(): void;
}

export interface DataAccess {
  /** Where the data lives, for messages and `Dataset.source` (e.g. an absolute folder path). */
  readonly location: string;
  /** Whether the file `name` (relative to the dataset folder) exists. */
  exists(name: string): Promise<boolean>;
  /** Size in bytes, or null when missing. */
  size(name: string): Promise<number | null>;
  /** The first `n` bytes (fewer if the file is shorter). */
  head(name: string, n: number): Promise<Uint8Array>;
  readText(name: string): Promise<string>;
  /** Opens an HDF5 file read-only; rejects with a plain Error when it cannot. */
  openH5(name: string): Promise<H5FileHandle>;
  /** A display/file path for `name` inside the dataset folder (no existence check). */
  resolve(name: string): string;
}
