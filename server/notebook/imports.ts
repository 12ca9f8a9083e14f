/**
 * What a cell's imports (core/notebook/cells.ts reads them) bring in: the signatures of the
 * functions of local modules. Pure; finding a module's file is the server's (see ModuleResolver).
 */
import type { CellImport } from '../../core/notebook/cells';
import type { ShapeSig } from '../python/signature';

/** A module found on disk: its signatures, and a key that changes when the file does. */
export interface ResolvedModule {
  readonly key: string;
  readonly sigs: ReadonlyMap<string, ShapeSig>;
}

/** Finds a module's file next to the notebook and analyses it; null for numpy and anything not found. */
export type ModuleResolver = (module: string) => ResolvedModule | null;

/** The signatures a cell's imports bring in, and a key naming them (module files' versions). */
export function importedSigs(imports: readonly CellImport[], resolve: ModuleResolver): { sigs: Map<string, ShapeSig>; key: string } {
  const sigs = new Map<string, ShapeSig>();
  const keys: string[] = [];
  for (const imp of imports) {
    const mod = resolve(imp.module);
    if (!mod) continue;
    keys.push(mod.key);
    if (imp.names === null) {
      for (const [k, v] of mod.sigs) if (!k.startsWith('_')) sigs.set(k, v);
    } else {
      for (const [from, as] of imp.names) {
        const s = mod.sigs.get(from);
        if (s) sigs.set(as, s);
      }
    }
  }
  return { sigs, key: keys.join('|') };
}
