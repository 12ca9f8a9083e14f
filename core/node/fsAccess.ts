/**
 * Node adapter of the dataset layer: DataAccess over node:fs + h5wasm, and where the embedded
 * default dataset lives (data/default next to dist/ in the repo and in the installed .vsix).
 */
import { existsSync, promises as fsp, statSync } from 'node:fs';
import * as path from 'node:path';
import type { DataAccess } from '../data/access';
import { openDataset, VOCAB_FILE } from '../data/loader';
import { DatasetError, type Dataset, type OpenOptions } from '../data/types';
import { openH5File } from './h5';

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

/** Environment variable that overrides where the embedded default dataset is looked for. */
export const DEFAULT_DATA_ENV = 'GRADLAB_DEFAULT_DATA';

/**
 * The folder of the embedded default dataset. Looks for `data/default` in the folders above
 * this module: dist/ for the bundles (dist/cli.js, dist/extension.js, dist/*Worker.js, also
 * inside an installed .vsix) and core/node/ when run from source (tsx tests, scripts).
 */
export function findDefaultDatasetDir(): string {
  const tried: string[] = [];
  const env = process.env[DEFAULT_DATA_ENV];
  const candidates: string[] = env ? [path.resolve(env)] : [];
  let dir = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (let i = 0; i < 5; i++) {
    candidates.push(path.join(dir, 'data', 'default'));
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  candidates.push(path.join(process.cwd(), 'data', 'default'));
  for (const c of candidates) {
    tried.push(c);
    if (existsSync(path.join(c, VOCAB_FILE))) return c;
  }
  throw new DatasetError(`embedded default dataset not found (looked in ${tried.join(', ')})`);
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

/** Opens the embedded default dataset (coloured shapes, PCA features only). */
export async function openDefaultDataset(opts: OpenOptions = {}): Promise<Dataset> {
  return openDataset(fsAccess(findDefaultDatasetDir()), { name: 'default', source: 'default', ...opts });
}
