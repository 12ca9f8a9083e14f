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
import { moduleCandidates } from '../pythonModules';
import { findFunctions } from './finder';
import type { PyFrame } from './runner';
import { functionLines, reachedStub, type StubReach } from './starter';

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
    let candidates: string[];
    if (dots.length > 0) {
      let base = dir;
      for (let i = 1; i < dots.length; i++) base = path.dirname(base);
      candidates = moduleCandidates(base, name, 0);
    } else {
      candidates = [...moduleCandidates(dir, name), ...(root ? moduleCandidates(root, name, 0) : [])];
    }
    const hit = candidates.find((c) => existsSync(c));
    if (hit && !out.includes(hit)) out.push(hit);
  }
  return out;
}

/** A file's text, and its layer functions by name (0-based def lines) once asked for. */
interface Parsed {
  src: string;
  defs?: Map<string, number>;
}

/**
 * Finds the starter stubs a student's code waits for. One finder serves one check of a file: each
 * file (the checked one, the traceback's, the modules they import) is read once and parsed only
 * when a result asks. Unreadable files count as absent; never throws.
 */
export class StubFinder {
  private readonly files = new Map<string, Parsed | null>();
  private readonly imports = new Map<string, string[]>();

  /** `root`: the folder Python runs the check in (absolute imports of a cell module resolve from it). */
  constructor(private readonly root?: string) {}

  /** The text of `file` (read once), or null when it cannot be read. */
  source(file: string): string | null {
    const abs = path.resolve(file);
    if (!this.files.has(abs)) {
      let p: Parsed | null = null;
      try {
        p = { src: readFileSync(abs, 'utf8') };
      } catch {
        p = null;
      }
      this.files.set(abs, p);
    }
    return this.files.get(abs)?.src ?? null;
  }

  /** The layer functions of `file` by name, with their def lines (parsed once). */
  defs(file: string): ReadonlyMap<string, number> {
    const src = this.source(file);
    const p = this.files.get(path.resolve(file));
    if (src === null || !p) return new Map();
    return (p.defs ??= new Map(findFunctions(src).filter((g) => !g.className).map((g) => [g.name, g.defLine])));
  }

  /** The stub `name` of `file` reaches through calls in that file (`self`: `name` itself counts). */
  reach(file: string, name: string, self = false): StubReach | undefined {
    const src = this.source(file);
    return src === null ? undefined : reachedStub(src, this.defs(file), name, self);
  }

  /**
   * The stub that the innermost traceback line calling one waited for. `frames` are the student's
   * frames, outermost first (as the driver gives them); `files` are more files to look in.
   */
  inTraceback(frames: readonly PyFrame[], files: readonly string[]): StubCall | undefined {
    const look = this.lookIn([...frames.map((fr) => fr.file), ...files]);
    // The traceback's own lines, innermost first: `h, cache = lstm_forward(...)` unpacking its None.
    for (let i = frames.length - 1; i >= 0; i--) {
      const hit = this.onLine(look, frames[i].text, frames[i].line, frames[i].file);
      if (hit) return hit;
    }
    // A stub's None used a line or more later (the starter's `return h, cache` gives (None, None)):
    // the lines of the outermost frame's function before the one that raised, nearest first.
    const top = frames[0];
    const src = top ? this.source(top.file) : null;
    if (!top || src === null) return undefined;
    const lines = src.split(/\r?\n/);
    const at = top.line - 1;
    let def = at;
    while (def >= 0 && !/^\s*def\s/.test(lines[def] ?? '')) def--;
    for (let l = at - 1; l > def; l--) {
      const hit = this.onLine(look, lines[l] ?? '', l + 1, top.file);
      if (hit) return hit;
    }
    return undefined;
  }

  /**
   * The first call in the body of the function at `defLine` of `file` (a model method) that reaches
   * a stub, among the names `use` accepts: a branch that gave NaN (the stub's None stored into an
   * array) raised nothing to follow.
   */
  inBody(file: string, defLine: number, use: (name: string) => boolean): StubCall | undefined {
    const src = this.source(file);
    if (src === null) return undefined;
    const look = this.lookIn([file]);
    for (const l of functionLines(src, defLine).slice(1)) {
      const hit = this.onLine(look, l.text, l.line, file, use);
      if (hit) return hit;
    }
    return undefined;
  }

  /** `files` and the modules they import, absolute, each once. */
  private lookIn(files: readonly string[]): string[] {
    const look: string[] = [];
    const add = (f: string): void => {
      const abs = path.resolve(f);
      if (!look.includes(abs)) look.push(abs);
    };
    for (const f of files) add(f);
    for (const f of [...look]) {
      let imported = this.imports.get(f);
      if (!imported) {
        const src = this.source(f);
        imported = src === null ? [] : importedFiles(f, src, this.root);
        this.imports.set(f, imported);
      }
      for (const g of imported) add(g);
    }
    return look;
  }

  /** The stub a line's calls reach, looking each called name up in the first file of `look` defining it. */
  private onLine(look: readonly string[], text: string, line: number, file: string, use: (name: string) => boolean = () => true): StubCall | undefined {
    for (const m of text.replace(/#.*$/, '').matchAll(/(?<![\w.])([A-Za-z_]\w*)\s*\(/g)) {
      const name = m[1];
      if (!use(name)) continue;
      const f = look.find((x) => this.defs(x).has(name));
      const reach = f ? this.reach(f, name, true) : undefined;
      if (f && reach) return { line, file, chain: reach.chain, stubFile: f, passLine: reach.passLine };
    }
    return undefined;
  }
}

/** StubFinder.inTraceback with a finder of its own. */
export function stubCalledIn(frames: readonly PyFrame[], files: readonly string[], root?: string): StubCall | undefined {
  return new StubFinder(root).inTraceback(frames, files);
}

/** StubFinder.inBody with a finder of its own. */
export function stubCalledBy(file: string, defLine: number, use: (name: string) => boolean, root?: string): StubCall | undefined {
  return new StubFinder(root).inBody(file, defLine, use);
}
