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
import { cellImports, cellPython, PYTHON_CELL_LANGUAGES } from '../../core/notebook/cells';
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
}

interface Entry {
  readonly text: string;
  readonly languageId: string;
  readonly code: boolean;
  readonly inKey: string;
  readonly generation: number;
  readonly result: CellAnalysis;
}

const EMPTY_STATE: ModuleState = { env: new Map(), sigs: new Map() };

/** A deterministic text of a module state (names sorted), for cache keys. */
export function stateKey(s: ModuleState): string {
  const env = [...s.env.entries()].filter(([, v]) => v.k !== 'unknown').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const sigs = [...s.sigs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([env, sigs]);
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
    let key = stateKey(state);
    let result: CellAnalysis | null = null;
    for (let i = 0; i <= index; i++) {
      result = this.cell(cells[i], state, key, ctx, resolve);
      state = result.out;
      key = result.outKey;
    }
    return result;
  }

  /** Every cell's analysis in order; forgets cells no longer in the notebook. */
  analyzeAll(cells: readonly NotebookCellInput[], ctx: ShapeContextParams, resolve: ModuleResolver): CellAnalysis[] {
    const out: CellAnalysis[] = [];
    let state = EMPTY_STATE;
    let key = stateKey(state);
    for (const c of cells) {
      const r = this.cell(c, state, key, ctx, resolve);
      out.push(r);
      state = r.out;
      key = r.outKey;
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

  private cell(c: NotebookCellInput, state: ModuleState, inKey: string, ctx: ShapeContextParams, resolve: ModuleResolver): CellAnalysis {
    const python = c.code && PYTHON_CELL_LANGUAGES.has(c.languageId) ? cellPython(c.text) : null;
    // Imports resolve against files that may change between two keystrokes: their versions are part of the key.
    const imports = python !== null ? cellImports(python) : [];
    const imported = imports.length ? importedSigs(imports, resolve) : null;
    const fullKey = imported && imported.key ? `${inKey}\u0000${imported.key}` : inKey;
    const hit = this.entries.get(c.uri);
    if (hit && hit.text === c.text && hit.languageId === c.languageId && hit.code === c.code && hit.generation === this.generation && hit.inKey === fullKey) {
      this.stats.reused++;
      return hit.result;
    }
    this.stats.analysed++;
    let result: CellAnalysis;
    if (python === null) {
      result = { uri: c.uri, py: null, out: state, outKey: inKey };
    } else {
      let seed = state;
      if (imported && imported.sigs.size) {
        const sigs = new Map<string, ShapeSig>(state.sigs);
        for (const [k, v] of imported.sigs) sigs.set(k, v);
        seed = { env: state.env, sigs };
      }
      const py = analyzePython(python, ctx, seed);
      const outKey = stateKey(py.module);
      // Same state as before this cell: hand on the very same key string (cheap comparisons below).
      result = { uri: c.uri, py, out: py.module, outKey: outKey === inKey ? inKey : outKey };
    }
    this.entries.set(c.uri, { text: c.text, languageId: c.languageId, code: c.code, inKey: fullKey, generation: this.generation, result });
    return result;
  }
}
