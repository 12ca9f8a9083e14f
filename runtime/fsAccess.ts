/**
 * Node adapter of the dataset layer: DataAccess over node:fs + h5wasm, and opening the embedded
 * default dataset (generated into the user's cache on first use: runtime/defaultDataset.ts).
 */
import { promises as fsp, statSync } from 'node:fs';
import * as path from 'node:path';
import type { DataAccess } from '../core/data/access';
import { openDataset } from '../core/data/loader';
import { DatasetError, type Dataset, type OpenOptions } from '../core/data/types';
import { DEFAULT_DATA_ENV, defaultDatasetDir, ensureDefaultDataset, generatedDefaultDir } from './defaultDataset';
import { openH5File } from './h5';
import { withRawSidecars } from './rawSidecar';

/** DataAccess for the folder `dir`. */
export function fsAccess(dir: string): DataAccess {
  const root = path.resolve(dir);
  const at = (name: string): string => path.join(root, name);
  return {
    location: root,
    async exists(name) {
      return (await this.size(name)) !== null;
    },
    async size(name) {
      try {
        const st = await fsp.stat(at(name));
        return st.isFile() ? st.size : null;
      } catch {
        return null;
      }
    },
    async head(name, n) {
      const fh = await fsp.open(at(name), 'r');
      try {
        const buf = Buffer.alloc(n);
        const { bytesRead } = await fh.read(buf, 0, n, 0);
        return new Uint8Array(buf.buffer, buf.byteOffset, bytesRead);
      } finally {
        await fh.close();
      }
    },
    readText: (name) => fsp.readFile(at(name), 'utf8'),
    openH5: (name) => openH5File(at(name)),
    resolve: at,
  };
}

export { DEFAULT_DATA_ENV } from './defaultDataset';

/**
 * The folder of the embedded default dataset when it is already generated (in the user's cache,
 * or where GRADLAB_DEFAULT_DATA points); throws a DatasetError naming the folder when it is not.
 * `openDefaultDataset` generates it on first use instead.
 */
export function findDefaultDatasetDir(): string {
  const dir = generatedDefaultDir();
  if (dir === null) throw new DatasetError(`embedded default dataset not generated yet (expected in ${defaultDatasetDir()})`);
  return dir;
}

/** Opens `spec`: `default` for the embedded set, else a dataset folder (or a file inside one). */
export async function openDatasetAt(spec: string, opts: OpenOptions = {}): Promise<Dataset> {
  if (spec === 'default') return openDefaultDataset(opts);
  const abs = path.resolve(spec);
  let dir = abs;
  try {
    if (!statSync(abs).isDirectory()) dir = path.dirname(abs);
  } catch {
    throw new DatasetError(`no such dataset folder`, abs);
  }
  return openDataset(fsAccess(dir), opts);
}

/**
 * Opens the embedded default dataset (coloured shapes, PCA features only), generating it into the
 * cache on first use. Its arrays are read from raw sidecars (runtime/rawSidecar.ts), not through
 * the HDF5 library, once they exist.
 */
export async function openDefaultDataset(opts: OpenOptions = {}): Promise<Dataset> {
  const dir = await ensureDefaultDataset();
  // Only in the cache folder Gradient Lab owns; a GRADLAB_DEFAULT_DATA folder is read as it is.
  const own = !process.env[DEFAULT_DATA_ENV];
  return openDataset(own ? withRawSidecars(fsAccess(dir)) : fsAccess(dir), { name: 'default', source: 'default', ...opts });
}
