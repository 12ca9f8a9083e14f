/**
 * A notebook cell's text as Python the analysis can parse. IPython syntax is not Python:
 * line magics (`%matplotlib inline`, `%autoreload 2`) and shell lines (`!pip install …`) are
 * blanked to spaces, so every offset still points where it did in the cell; a cell magic whose
 * body is not Python (`%%bash`, `%%writefile`, `%%html`, …) makes the whole cell not Python.
 * Pure.
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
