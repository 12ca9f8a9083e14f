/**
 * Shape analysis across the cells of a notebook. A code cell starts from what the code cells above
 * it (in notebook order) left at module level, plus the signatures of the local modules it imports
 * (`from cs231n.rnn_layers import *`). Each cell is analysed on its own text with that state as its
 * seed, and cached keyed on (its text, the state it starts from): an edit of one cell re-analyses
 * that cell, and the cells below only when what it leaves behind changed; moving or deleting cells
 * re-analyses only the cells whose upstream state changed. A hover in cell k touches cells 0..k
 * only. Markdown cells, cells of other languages and `%%bash`-style cells pass the state through.
 * Pure: no connection, no file system (modules come through a ModuleResolver).
 */
import type { ShapeContextParams } from '../../protocol/lsp';
import { analyzePython, type ModuleState, type PyAnalysis } from '../python/infer';
import type { ShapeSig } from '../python/signature';
import type { Value } from '../python/values';
import { cellImports, cellPython, PYTHON_CELL_LANGUAGES, type CellImport } from '../../core/notebook/cells';
import { importedSigs, type ModuleResolver } from './imports';

export interface NotebookCellInput {
  /** The cell's document URI (`vscode-notebook-cell:…#…`): stable across edits and moves. */
  readonly uri: string;
  readonly languageId: string;
  /** False for markdown cells. */
  readonly code: boolean;
  readonly text: string;
}

export interface CellAnalysis {
  readonly uri: string;
  /** Null when the cell is not Python (markdown, another language, a `%%bash` cell). */
  readonly py: PyAnalysis | null;
  /** What the next cell starts from. */
  readonly out: ModuleState;
  /** A string equal for equal `out` states: the next cell's cache key. */
  readonly outKey: string;
  readonly outHash: StateHash;
}

interface Entry {
  readonly text: string;
  /** The text as Python and its imports: re-read only when the text changes. */
  readonly python: string | null;
  readonly imports: readonly CellImport[];
  readonly languageId: string;
  readonly code: boolean;
  readonly inKey: string;
  readonly generation: number;
  readonly result: CellAnalysis;
}

const EMPTY_STATE: ModuleState = { env: new Map(), sigs: new Map() };

/**
 * A state's key is an order-independent sum of 2 × 32-bit hashes of its entries (name and value),
 * so the state after a cell is keyed from the state before it by the entries the cell changed
 * (values it passed through are the same objects): no re-serialising of the whole notebook's names
 * per cell. Values' hashes are cached by object.
 */
interface StateHash {
  readonly a: number;
  readonly b: number;
}

const EMPTY_HASH: StateHash = { a: 0, b: 0 };
const valueHashes = new WeakMap<object, StateHash>();

function hashString(s: string): StateHash {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  return { a: a >>> 0, b: b >>> 0 };
}

function objectHash(o: object): StateHash {
  let h = valueHashes.get(o);
  if (!h) valueHashes.set(o, (h = hashString(JSON.stringify(o))));
  return h;
}

/** One entry's contribution: its name's and value's hashes mixed, `tag` separating names from signatures. */
function entryHash(tag: string, name: string, value: object): StateHash {
  const n = hashString(tag + name);
  const v = objectHash(value);
  return { a: Math.imul(n.a ^ v.a, 0x9e3779b1) >>> 0, b: Math.imul(n.b ^ v.b, 0x85ebca6b) >>> 0 };
}

const known = (v: Value | undefined): v is Value => v !== undefined && v.k !== 'unknown';

/** The hash of `out`, from the hash of `before` and the entries that differ (by object). */
function nextHash(before: ModuleState, h: StateHash, out: ModuleState): StateHash {
  let { a, b } = h;
  const step = (sign: 1 | -1, e: StateHash): void => {
    a = (a + sign * e.a) >>> 0;
    b = (b + sign * e.b) >>> 0;
  };
  for (const [k, v] of out.env) {
    const old = before.env.get(k);
    if (old === v) continue;
    if (known(old)) step(-1, entryHash('v:', k, old));
    if (known(v)) step(1, entryHash('v:', k, v));
  }
  for (const [k, old] of before.env) if (!out.env.has(k) && known(old)) step(-1, entryHash('v:', k, old));
  for (const [k, sig] of out.sigs) {
    const old = before.sigs.get(k);
    if (old === sig) continue;
    if (old) step(-1, entryHash('s:', k, old));
    step(1, entryHash('s:', k, sig));
  }
  for (const [k, old] of before.sigs) if (!out.sigs.has(k)) step(-1, entryHash('s:', k, old));
  return { a, b };
}

const keyOf = (h: StateHash): string => `${h.a.toString(36)}.${h.b.toString(36)}`;

/** The key of a whole state (what nextHash keeps up to date incrementally); for tests. */
export function stateKey(s: ModuleState): string {
  return keyOf(nextHash(EMPTY_STATE, EMPTY_HASH, s));
}

/** Counters for tests and the benchmark: how much work the cache saved. */
export interface CrossCellStats {
  analysed: number;
  reused: number;
}

export class NotebookShapes {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;
  readonly stats: CrossCellStats = { analysed: 0, reused: 0 };

  /** The shape context changed (cell type, dataset arrays): every cached cell is stale. */
  invalidateAll(): void {
    this.generation++;
  }

  /** Analyses cells[0..index] (reusing what still holds) and returns cell `index`'s analysis. */
  analyzeUpTo(cells: readonly NotebookCellInput[], index: number, ctx: ShapeContextParams, resolve: ModuleResolver): CellAnalysis | null {
    if (index < 0 || index >= cells.length) return null;
    let state = EMPTY_STATE;
    let hash = EMPTY_HASH;
    let result: CellAnalysis | null = null;
    for (let i = 0; i <= index; i++) {
      result = this.cell(cells[i], state, hash, ctx, resolve);
      state = result.out;
      hash = result.outHash;
    }
    return result;
  }

  /** Every cell's analysis in order; forgets cells no longer in the notebook. */
  analyzeAll(cells: readonly NotebookCellInput[], ctx: ShapeContextParams, resolve: ModuleResolver): CellAnalysis[] {
    const out: CellAnalysis[] = [];
    let state = EMPTY_STATE;
    let hash = EMPTY_HASH;
    for (const c of cells) {
      const r = this.cell(c, state, hash, ctx, resolve);
      out.push(r);
      state = r.out;
      hash = r.outHash;
    }
    const live = new Set(cells.map((c) => c.uri));
    for (const uri of [...this.entries.keys()]) if (!live.has(uri)) this.entries.delete(uri);
    return out;
  }

  forget(uri: string): void {
    this.entries.delete(uri);
  }

  get size(): number {
    return this.entries.size;
  }

  private cell(c: NotebookCellInput, state: ModuleState, inHash: StateHash, ctx: ShapeContextParams, resolve: ModuleResolver): CellAnalysis {
    const inKey = keyOf(inHash);
    const hit = this.entries.get(c.uri);
    const sameText = hit !== undefined && hit.text === c.text && hit.languageId === c.languageId && hit.code === c.code;
    const python = sameText ? hit.python : c.code && PYTHON_CELL_LANGUAGES.has(c.languageId) ? cellPython(c.text) : null;
    const imports = sameText ? hit.imports : python !== null ? cellImports(python) : [];
    // Imports resolve against files that may change between two keystrokes: their versions are part of the key.
    const imported = imports.length ? importedSigs(imports, resolve) : null;
    const fullKey = imported && imported.key ? `${inKey}\u0000${imported.key}` : inKey;
    if (sameText && hit.generation === this.generation && hit.inKey === fullKey) {
      this.stats.reused++;
      return hit.result;
    }
    this.stats.analysed++;
    let result: CellAnalysis;
    if (python === null) {
      result = { uri: c.uri, py: null, out: state, outKey: inKey, outHash: inHash };
    } else {
      let seed = state;
      if (imported && imported.sigs.size) {
        const sigs = new Map<string, ShapeSig>(state.sigs);
        for (const [k, v] of imported.sigs) sigs.set(k, v);
        seed = { env: state.env, sigs };
      }
      const py = analyzePython(python, ctx, seed);
      // Keyed from the state before the imports: the imported signatures count as the cell's own.
      const outHash = nextHash(state, inHash, py.module);
      result = { uri: c.uri, py, out: py.module, outKey: keyOf(outHash), outHash };
    }
    this.entries.set(c.uri, { text: c.text, python, imports, languageId: c.languageId, code: c.code, inKey: fullKey, generation: this.generation, result });
    return result;
  }
}
