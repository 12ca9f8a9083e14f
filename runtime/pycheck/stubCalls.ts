/**
 * Which unfinished layer function a raising call waited for, across the student's files: the
 * model's `loss` with `cell_type='lstm'` raises "cannot unpack non-iterable NoneType object" on
 * the line that calls `lstm_forward` when rnn_layers.py still has the starter's stub there. The
 * traceback's lines are read for calls, and each called layer function is looked up in the files
 * of the traceback and the modules they import (`from cs231n.rnn_layers import *`, relative
 * imports too), then judged by its source (runtime/pycheck/starter.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { findFunctions } from './finder';
import type { PyFrame } from './runner';
import { functionLines, reachedStub } from './starter';

export interface StubCall {
  /** The traceback line (1-based) and file that made the call. */
  line: number;
  file: string;
  /** From the function called there to the stub: ['lstm_forward'] or ['lstm_forward', 'lstm_step_forward']. */
  chain: string[];
  /** The file of the stub, and its `pass` line (0-based). */
  stubFile: string;
  passLine: number;
}

interface Parsed {
  src: string;
  defs: Map<string, number>;
}

/** How far up from a file a package root (the folder holding `cs231n/`) is looked for. */
const MAX_UP = 4;

/**
 * The module files `file` imports by name, that exist: relative imports from its package, absolute
 * ones from a package root above it or from `root` (the folder Python runs the check in, which a
 * notebook cell's temporary module is not under).
 */
export function importedFiles(file: string, src: string, root?: string): string[] {
  const out: string[] = [];
  const dir = path.dirname(file);
  for (const m of src.matchAll(/^[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import|import[ \t]+()([\w.]+))/gm)) {
    const dots = m[1] ?? m[3] ?? '';
    const name = m[2] || m[4] || '';
    const parts = name ? name.split('.') : [];
    const candidates: string[] = [];
    if (dots.length > 0) {
      let base = dir;
      for (let i = 1; i < dots.length; i++) base = path.dirname(base);
      candidates.push(path.join(base, ...parts) + '.py');
    } else if (parts.length > 0) {
      let base = dir;
      for (let up = 0; up <= MAX_UP; up++) {
        candidates.push(path.join(base, ...parts) + '.py');
        const next = path.dirname(base);
        if (next === base) break;
        base = next;
      }
      if (root) candidates.push(path.join(root, ...parts) + '.py');
    }
    const hit = candidates.find((c) => existsSync(c));
    if (hit && !out.includes(hit)) out.push(hit);
  }
  return out;
}

/** The files to look in for a called name, parsed once: the given ones and the modules they import. */
function lookup(files: readonly string[], root?: string): { parse: (f: string) => Parsed | null; onLine: (text: string, line: number, file: string, use?: (name: string) => boolean) => StubCall | undefined } {
  const cache = new Map<string, Parsed | null>();
  const parse = (f: string): Parsed | null => {
    if (cache.has(f)) return cache.get(f)!;
    let p: Parsed | null = null;
    try {
      const src = readFileSync(f, 'utf8');
      p = { src, defs: new Map(findFunctions(src).filter((g) => !g.className).map((g) => [g.name, g.defLine])) };
    } catch {
      p = null;
    }
    cache.set(f, p);
    return p;
  };
  const look: string[] = [];
  const add = (f: string): void => {
    const abs = path.resolve(f);
    if (!look.includes(abs)) look.push(abs);
  };
  for (const f of files) add(f);
  for (const f of [...look]) {
    const p = parse(f);
    if (p) for (const g of importedFiles(f, p.src, root)) add(g);
  }
  /** The stub a line's calls reach, looking each called name up where it is defined first. */
  const onLine = (text: string, line: number, file: string, use: (name: string) => boolean = () => true): StubCall | undefined => {
    for (const m of text.replace(/#.*$/, '').matchAll(/(?<![\w.])([A-Za-z_]\w*)\s*\(/g)) {
      const name = m[1];
      if (!use(name)) continue;
      for (const f of look) {
        const p = parse(f);
        if (!p || !p.defs.has(name)) continue;
        const reach = reachedStub(p.src, p.defs, name, true);
        if (reach) return { line, file, chain: reach.chain, stubFile: f, passLine: reach.passLine };
        break; // defined here and finished: the next name
      }
    }
    return undefined;
  };
  return { parse, onLine };
}

/**
 * The stub that the innermost traceback line calling one waited for, or undefined. `frames` are the
 * student's frames, outermost first (as the driver gives them); `files` are more files to look in
 * (the checked file). Unreadable files are skipped; never throws.
 */
export function stubCalledIn(frames: readonly PyFrame[], files: readonly string[], root?: string): StubCall | undefined {
  const { parse, onLine } = lookup([...frames.map((fr) => fr.file), ...files], root);
  // The traceback's own lines, innermost first: `h, cache = lstm_forward(...)` unpacking its None.
  for (let i = frames.length - 1; i >= 0; i--) {
    const hit = onLine(frames[i].text, frames[i].line, frames[i].file);
    if (hit) return hit;
  }
  // A stub's None used a line or more later (the starter's `return h, cache` gives (None, None)):
  // the lines of the outermost frame's function before the one that raised, nearest first.
  const top = frames[0];
  const p = top && parse(path.resolve(top.file));
  if (!p) return undefined;
  const lines = p.src.split(/\r?\n/);
  const at = top.line - 1;
  let def = at;
  while (def >= 0 && !/^\s*def\s/.test(lines[def] ?? '')) def--;
  for (let l = at - 1; l > def; l--) {
    const hit = onLine(lines[l] ?? '', l + 1, top.file);
    if (hit) return hit;
  }
  return undefined;
}

/**
 * The first call in the body of the function at `defLine` of `file` (a model method) that reaches a
 * stub, among the names `use` accepts: a branch that gave NaN (the stub's None stored into an array)
 * raised nothing to follow. Never throws.
 */
export function stubCalledBy(file: string, defLine: number, use: (name: string) => boolean, root?: string): StubCall | undefined {
  const { parse, onLine } = lookup([file], root);
  const p = parse(path.resolve(file));
  if (!p) return undefined;
  for (const l of functionLines(p.src, defLine).slice(1)) {
    const hit = onLine(l.text, l.line, file, use);
    if (hit) return hit;
  }
  return undefined;
}
