/**
 * A notebook cell's text as Python the analysis can parse. IPython syntax is not Python:
 * line magics (`%matplotlib inline`, `%autoreload 2`) and shell lines (`!pip install …`) are
 * blanked to spaces, so every offset still points where it did in the cell; a cell magic whose
 * body is not Python (`%%bash`, `%%writefile`, `%%html`, …) makes the whole cell not Python.
 * Also the imports of a cell (`from cs231n.rnn_layers import *`). Pure: the language server and
 * the extension's cell CodeLens both read cells with it.
 */

/** Cell magics whose body is still Python (timing, capturing output). */
const PYTHON_CELL_MAGICS = new Set(['time', 'timeit', 'capture', 'prun', 'debug']);

/** The Python of a cell, same length as `text`, or null when the cell is not Python at all. */
export function cellPython(text: string): string | null {
  const first = /^\s*%%([A-Za-z_][\w-]*)?/.exec(text);
  if (first && !PYTHON_CELL_MAGICS.has(first[1] ?? '')) return null;
  let masked = false;
  const lines = text.split(/(?<=\n)/);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (/^[ \t]*(%|!)/.test(l)) {
      lines[i] = l.replace(/[^\r\n]/g, ' ');
      masked = true;
    }
  }
  return masked ? lines.join('') : text;
}

/** Languages whose cells are Python (VS Code's ipynb support says `python` for code cells of a Python kernel). */
export const PYTHON_CELL_LANGUAGES: ReadonlySet<string> = new Set(['python']);

export interface CellImport {
  /** Dotted module name as written (`cs231n.rnn_layers`); relative imports keep their dots. */
  readonly module: string;
  /** Names brought in: [name in the module, name in the notebook]; null means all of them (`*`, `import m as L`). */
  readonly names: readonly (readonly [string, string])[] | null;
  /** `L` of `import cs231n.layers as L`. */
  readonly alias?: string;
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
        if (/^[\w.]+$/.test(p[0])) out.push(p[1] && IDENT.test(p[1]) ? { module: p[0], names: null, alias: p[1] } : { module: p[0], names: null });
      }
    }
  }
  return out;
}
