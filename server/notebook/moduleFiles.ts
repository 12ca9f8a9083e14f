/**
 * Local modules a notebook imports (`cs231n/rnn_layers.py` next to `RNN_Captioning.ipynb`), read
 * from disk and analysed once per file version. A file's modification time is looked at most once
 * per STAT_MS, so hovers do not stat files on every call. numpy and other installed packages are
 * not looked for: only files under the notebook's folder (or up to three folders above it) count.
 */
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ShapeContextParams } from '../../protocol/lsp';
import { analyzePython } from '../python/infer';
import { moduleCandidates } from '../../runtime/pythonModules';
import type { ModuleResolver, ResolvedModule } from './imports';

const STAT_MS = 2000;
const MAX_BYTES = 2_000_000;

interface FileEntry {
  checkedAt: number;
  mtimeMs: number;
  module: ResolvedModule | null;
}

/** Folder of a `file:` notebook URI, or null for notebooks elsewhere (untitled, remote schemes). */
export function notebookFolder(notebookUri: string): string | null {
  if (!notebookUri.startsWith('file:')) return null;
  try {
    return path.dirname(fileURLToPath(notebookUri));
  } catch {
    return null;
  }
}

export class ModuleFiles {
  private readonly files = new Map<string, FileEntry>();
  private generation = 0;

  constructor(private readonly ctx: () => ShapeContextParams, private readonly log: (msg: string) => void = () => undefined) {}

  invalidateAll(): void {
    this.generation++;
    this.files.clear();
  }

  /** A resolver for one notebook's folder. */
  resolverFor(folder: string | null): ModuleResolver {
    return (module) => {
      if (folder === null) return null;
      for (const candidate of moduleCandidates(folder, module)) {
        const m = this.load(candidate);
        if (m) return m;
      }
      return null;
    };
  }

  private load(file: string): ResolvedModule | null {
    const now = Date.now();
    const hit = this.files.get(file);
    if (hit && now - hit.checkedAt < STAT_MS) return hit.module;
    let mtimeMs = -1;
    let size = 0;
    try {
      const st = statSync(file);
      if (st.isFile()) {
        mtimeMs = st.mtimeMs;
        size = st.size;
      }
    } catch {
      /* not there */
    }
    if (hit && hit.mtimeMs === mtimeMs) {
      hit.checkedAt = now;
      return hit.module;
    }
    let module: ResolvedModule | null = null;
    if (mtimeMs >= 0 && size <= MAX_BYTES) {
      try {
        const an = analyzePython(readFileSync(file, 'utf8'), this.ctx());
        module = { key: `${file}@${mtimeMs}#${this.generation}`, sigs: an.module.sigs };
      } catch (e) {
        this.log(`could not read ${file} for the notebook's imports: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    this.files.set(file, { checkedAt: now, mtimeMs, module });
    return module;
  }
}
