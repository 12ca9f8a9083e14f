/**
 * Where a student's dotted module (`cs231n.rnn_layers`) may be on disk, as Python would find it
 * from a folder on its path: `cs231n/rnn_layers.py`, then the package `cs231n/rnn_layers/__init__.py`,
 * in that folder and up to MODULE_UP_LEVELS folders above it (a notebook or a file in
 * `cs231n/classifiers/` sits below the folder that holds `cs231n/`). Installed packages are never
 * looked for. Used by the language server (imports of a notebook), the notebook's cell checks and
 * the Python check (the modules a file imports).
 */
import * as path from 'node:path';

/** How many folders above the starting one a package root is looked for. */
export const MODULE_UP_LEVELS = 3;

const DOTTED = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/;

/** The candidate files of `dotted`, nearest first; none for a name that is not a dotted identifier. */
export function moduleCandidates(folder: string, dotted: string, upLevels: number = MODULE_UP_LEVELS): string[] {
  if (!DOTTED.test(dotted)) return [];
  const rel = dotted.split('.');
  const out: string[] = [];
  let dir = folder;
  for (let up = 0; up <= upLevels; up++) {
    out.push(path.join(dir, ...rel) + '.py', path.join(dir, ...rel, '__init__.py'));
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return out;
}
