/**
 * The temporary modules a notebook check writes for a cell's own functions (under
 * os.tmpdir()/gradient-lab-cells/): each is deleted when its check ends; what an earlier session
 * left (a crash, a killed window) is removed at start once it is a day old. No vscode import.
 */
import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import * as path from 'node:path';

/** Cell modules older than this are left from an earlier session (a crash, a killed window): removed at start. */
const STALE_MS = 24 * 3600 * 1000;

/** Removes cell modules under `root` not touched for a day, and the folders they leave empty. Never throws. */
export async function removeStaleCellModules(root: string, now = Date.now()): Promise<number> {
  let removed = 0;
  let dirs: string[];
  try {
    dirs = await readdir(root);
  } catch {
    return 0;
  }
  for (const d of dirs) {
    const dir = path.join(root, d);
    try {
      for (const f of await readdir(dir)) {
        const file = path.join(dir, f);
        if (now - (await stat(file)).mtimeMs > STALE_MS) {
          await rm(file, { force: true, recursive: true });
          removed++;
        }
      }
      if ((await readdir(dir)).length === 0) await rmdir(dir);
    } catch {
      // another window may be using it, or it is not ours: leave it
    }
  }
  return removed;
}
