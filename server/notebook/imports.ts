/**
 * The imports of a cell (`from cs231n.rnn_layers import *`, `from cs231n.rnn_layers import
 * rnn_step_forward as step`, `import cs231n.layers as L`), read from its text: which module, and
 * which of its names come in. Pure; resolving a module to a file is the server's (see
 * ModuleResolver).
 */
import type { ShapeSig } from '../python/signature';

export interface CellImport {
  /** Dotted module name as written (`cs231n.rnn_layers`); relative imports keep their dots. */
  readonly module: string;
  /** Names brought in: [name in the module, name in the notebook]; null means all of them (`*`, `import m as L`). */
  readonly names: readonly (readonly [string, string])[] | null;
}

const IDENT = /^[A-Za-z_]\w*$/;

/** Top-level import statements of a cell (indented imports inside functions are left out). */
export function cellImports(python: string): CellImport[] {
  const out: CellImport[] = [];
  // Join parenthesised continuation lines and backslash continuations of from-imports.
  const text = python.replace(/\\\r?\n/g, ' ').replace(/\(([^()]*)\)/g, (_m, inner: string) => inner.replace(/\r?\n/g, ' '));
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '');
    let m = /^from\s+(\.*[\w.]*)\s+import\s+(.+)$/.exec(line.trimEnd());
    if (m) {
      const list = m[2].trim();
      if (list === '*') {
        out.push({ module: m[1], names: null });
        continue;
      }
      const names: [string, string][] = [];
      for (const part of list.split(',')) {
        const p = part.trim().split(/\s+as\s+/);
        if (p.length >= 1 && IDENT.test(p[0]) && (p.length === 1 || IDENT.test(p[1]))) names.push([p[0], p[1] ?? p[0]]);
      }
      if (names.length) out.push({ module: m[1], names });
      continue;
    }
    m = /^import\s+(.+)$/.exec(line.trimEnd());
    if (m) {
      for (const part of m[1].split(',')) {
        const p = part.trim().split(/\s+as\s+/);
        if (/^[\w.]+$/.test(p[0])) out.push({ module: p[0], names: null });
      }
    }
  }
  return out;
}

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
