// Cross-cell shape analysis of notebooks (issue 18): what a cell sees of the cells above it, after
// edits, moves and deletions; other languages and IPython magics; imports of local modules.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EMPTY_SHAPE_CONTEXT, type ShapeContextParams } from '../../protocol/lsp';
import { pythonHover } from '../../server/hover';
import { cellImports, cellPython } from '../../core/notebook/cells';
import { NotebookShapes, type CellAnalysis, type NotebookCellInput } from '../../server/notebook/crossCell';
import type { ModuleResolver } from '../../server/notebook/imports';
import { ModuleFiles, notebookFolder } from '../../server/notebook/moduleFiles';

const none: ModuleResolver = () => null;
const ctx: ShapeContextParams = EMPTY_SHAPE_CONTEXT;

let nextId = 0;
const code = (text: string, languageId = 'python'): NotebookCellInput => ({ uri: `vscode-notebook-cell:/nb.ipynb#c${nextId++}`, languageId, code: true, text });
const markdown = (text: string): NotebookCellInput => ({ uri: `vscode-notebook-cell:/nb.ipynb#m${nextId++}`, languageId: 'markdown', code: false, text });
const edit = (c: NotebookCellInput, text: string): NotebookCellInput => ({ ...c, text });

/** The hover text at the first `needle` (plus delta) of cell `index`. */
function hoverIn(nb: NotebookShapes, cells: readonly NotebookCellInput[], index: number, needle: string, delta = 0, resolve = none): string | null {
  const r = nb.analyzeUpTo(cells, index, ctx, resolve);
  assert.ok(r, 'cell analysed');
  const off = cells[index].text.indexOf(needle);
  assert.ok(off >= 0, `${needle} in cell ${index}`);
  if (!r.py) return null;
  const h = pythonHover(r.py, off + delta, ctx);
  return h ? h.lines.join('\n') : null;
}

const warnings = (r: CellAnalysis): string[] => (r.py?.diagnostics ?? []).map((d) => d.message);

// The cells of RNN_Captioning.ipynb's "Vanilla RNN: step forward" check.
const IMPORTS = 'import numpy as np\nfrom cs231n.rnn_layers import *\n%matplotlib inline\n%load_ext autoreload\n%autoreload 2';
const SIZES = 'N, D, H = 3, 10, 4';
const INPUTS = [
  'x = np.linspace(-0.4, 0.7, num=N*D).reshape(N, D)',
  'prev_h = np.linspace(-0.2, 0.5, num=N*H).reshape(N, H)',
  'Wx = np.linspace(-0.1, 0.9, num=D*H).reshape(D, H)',
  'Wh = np.linspace(-0.3, 0.7, num=H*H).reshape(H, H)',
  'b = np.linspace(-0.2, 0.4, num=H)',
].join('\n');
const STEP = 'next_h, _ = rnn_step_forward(x, prev_h, Wx, Wh, b)\nexpected_next_h = np.asarray([[-0.58172089, -0.50182032, -0.41232771, -0.31410098]])\nprint(next_h.shape)';

describe('notebook cells: what a cell sees of the cells above', () => {
  it('the issue\'s shapes: x is (3, 10) and next_h (3, 4), from sizes and inputs in earlier cells', () => {
    const cells = [code(IMPORTS), markdown('## Vanilla RNN: step forward\nN, D = 1, 2'), code(SIZES), code(INPUTS), code(STEP)];
    const nb = new NotebookShapes();
    assert.equal(hoverIn(nb, cells, 3, 'x ='), 'x: (3, 10)');
    assert.equal(hoverIn(nb, cells, 4, 'next_h'), 'next_h: (3, 4)');
    // The argument x in the call cell is the x of cell 3.
    assert.equal(hoverIn(nb, cells, 4, 'x, prev_h'), 'x: (3, 10)');
    // The layer name hovers with its signature.
    assert.match(hoverIn(nb, cells, 4, 'rnn_step_forward') ?? '', /^rnn_step_forward\(x: \(N, D\), prev_h: \(N, H\)/);
    const all = nb.analyzeAll(cells, ctx, none);
    assert.deepEqual(all.flatMap(warnings), []);
  });

  it('a misshapen call gets a warning on the argument, in the cell that makes the call', () => {
    const cells = [code(IMPORTS), code(SIZES), code(INPUTS), code('next_h, _ = rnn_step_forward(x, prev_h, Wh, Wh, b)')];
    const all = new NotebookShapes().analyzeAll(cells, ctx, none);
    assert.deepEqual(all.slice(0, 3).flatMap(warnings), []);
    assert.deepEqual(warnings(all[3]), ['rnn_step_forward: argument Wx gets Wh (4, 4), expected (10, 4): 4 ≠ 10']);
    const d = all[3].py?.diagnostics[0];
    assert.equal(cells[3].text.slice(d?.from, d?.to), 'Wh', 'the range is the argument');
  });

  it('functions defined in an earlier cell are called with their docstring shapes', () => {
    const def = [
      'def project(x, w):',
      '    """',
      '    Inputs:',
      '    - x: Input data, of shape (N, D)',
      '    - w: Weights, of shape (D, M)',
      '',
      '    Returns:',
      '    - out: Output data, of shape (N, M)',
      '    """',
      '    return x.dot(w)',
    ].join('\n');
    const cells = [code('import numpy as np'), code(def), code('a = np.zeros((5, 7))\nw = np.ones((7, 2))\nout = project(a, w)\nbad = project(a, a)')];
    const nb = new NotebookShapes();
    assert.equal(hoverIn(nb, cells, 2, 'out ='), 'out: (5, 2)');
    assert.deepEqual(warnings(nb.analyzeAll(cells, ctx, none)[2]), ['project: argument w gets a (5, 7), expected (7, 7): 5 ≠ 7']);
  });

  it('notebook order, not creation order: moving the sizes cell below its use loses the shapes', () => {
    const sizes = code(SIZES);
    const inputs = code(INPUTS);
    const imports = code(IMPORTS);
    const nb = new NotebookShapes();
    assert.equal(hoverIn(nb, [imports, sizes, inputs], 2, 'x ='), 'x: (3, 10)');
    const moved = [imports, inputs, sizes];
    const h = hoverIn(nb, moved, 1, 'x =');
    assert.notEqual(h, 'x: (3, 10)');
    assert.doesNotMatch(h ?? '', /\(3, 10\)/);
    // And back: the cached analyses of both orders are not mixed up.
    assert.equal(hoverIn(nb, [imports, sizes, inputs], 2, 'x ='), 'x: (3, 10)');
  });

  it('deleting a cell: the cells below stop seeing its names, and its cache entry goes', () => {
    const cells = [code(IMPORTS), code(SIZES), code(INPUTS), code(STEP)];
    const nb = new NotebookShapes();
    assert.equal(hoverIn(nb, cells, 3, 'next_h'), 'next_h: (3, 4)');
    assert.equal(nb.analyzeAll(cells, ctx, none).length, 4);
    assert.equal(nb.size, 4);
    const without = [cells[0], cells[2], cells[3]];
    nb.analyzeAll(without, ctx, none);
    assert.equal(nb.size, 3);
    assert.doesNotMatch(hoverIn(nb, without, 2, 'next_h') ?? '', /\(3, 4\)/);
    assert.doesNotMatch(hoverIn(nb, without, 1, 'x =') ?? '', /\(3, 10\)/);
  });

  it('markdown, another language and %%bash cells: nothing of theirs reaches the cells below', () => {
    const cells = [
      code(SIZES),
      markdown('N = 7'),
      code('N = 100', 'r'),
      code('%%bash\nN = 50\necho $N'),
      code('%%writefile helper.py\nD = 99'),
      code('import numpy as np\nx = np.zeros((N, D))'),
    ];
    const nb = new NotebookShapes();
    assert.equal(hoverIn(nb, cells, 5, 'x ='), 'x: (3, 10)');
    const all = nb.analyzeAll(cells, ctx, none);
    assert.deepEqual(all.map((r) => r.py !== null), [true, false, false, false, false, true]);
  });

  it('IPython magics and shell lines are blanked in place; %%time cells are still Python', () => {
    const text = '%matplotlib inline\n!pip install numpy\nimport numpy as np\n  %time y = 1\nx = np.zeros((2, 3))';
    const py = cellPython(text);
    assert.ok(py !== null);
    assert.equal(py.length, text.length, 'offsets are kept');
    assert.equal(py.indexOf('x = np.zeros'), text.indexOf('x = np.zeros'));
    assert.doesNotMatch(py, /[%!]/);
    assert.equal(cellPython('%%bash\nls'), null);
    assert.equal(cellPython('%%time\nx = 1'), '      \nx = 1');
    const nb = new NotebookShapes();
    const cells = [code(text), code('%%time\nz = x.T')];
    assert.equal(hoverIn(nb, cells, 0, 'x ='), 'x: (2, 3)');
    assert.equal(hoverIn(nb, cells, 1, 'z ='), 'z: (3, 2)');
    assert.deepEqual(nb.analyzeAll(cells, ctx, none).flatMap(warnings), []);
  });

  it('a cell that fails to parse mid-edit does not take the cells below down', () => {
    const cells = [code(IMPORTS), code(SIZES), code('x = np.linspace(-0.4, 0.7, num=N*D).reshape(N, D\nif'), code('y = np.zeros((N, H))')];
    const nb = new NotebookShapes();
    assert.equal(hoverIn(nb, cells, 3, 'y ='), 'y: (3, 4)');
  });
});

describe('notebook cells: incremental analysis', () => {
  const notebook = (n: number): NotebookCellInput[] => {
    const cells = [code(IMPORTS), code(SIZES)];
    for (let i = 0; i < n; i++) cells.push(code(`x${i} = np.zeros((N, D))\ny${i} = x${i}.T\n# cell ${i}`));
    return cells;
  };

  it('hovers reuse every analysed cell; an edit re-analyses only that cell when what it leaves is unchanged', () => {
    const cells = notebook(20);
    const nb = new NotebookShapes();
    nb.analyzeAll(cells, ctx, none);
    assert.equal(nb.stats.analysed, 22);
    hoverIn(nb, cells, 21, 'y19');
    assert.equal(nb.stats.analysed, 22, 'a hover after the analysis analyses nothing');
    // Edit a comment in cell 5: same names and shapes after it.
    cells[5] = edit(cells[5], cells[5].text.replace('# cell', '# the cell'));
    nb.analyzeAll(cells, ctx, none);
    assert.equal(nb.stats.analysed, 23, 'only the edited cell');
    // Change a shape in cell 5: the cells below see different state and are analysed again.
    cells[5] = edit(cells[5], 'x3 = np.zeros((N, H))\ny3 = x3.T');
    nb.analyzeAll(cells, ctx, none);
    assert.equal(nb.stats.analysed, 23 + 17);
  });

  it('a hover in cell k analyses cells 0..k only', () => {
    const cells = notebook(50);
    const nb = new NotebookShapes();
    assert.equal(hoverIn(nb, cells, 11, 'y9 ='), 'y9: (10, 3)');
    assert.equal(nb.stats.analysed, 12);
  });

  it('a new shape context (cell type, dataset) re-analyses everything', () => {
    const cells = notebook(3);
    const nb = new NotebookShapes();
    nb.analyzeAll(cells, ctx, none);
    nb.invalidateAll();
    nb.analyzeAll(cells, ctx, none);
    assert.equal(nb.stats.analysed, 10);
  });
});

describe('notebook cells: imports of local modules', () => {
  it('reads import statements (from … import names, *, import … as)', () => {
    assert.deepEqual(cellImports('from cs231n.rnn_layers import *\nfrom cs231n.layers import (affine_forward,\n    relu as r)\nimport numpy as np, cs231n.x\n    from a import b'), [
      { module: 'cs231n.rnn_layers', names: null },
      { module: 'cs231n.layers', names: [['affine_forward', 'affine_forward'], ['relu', 'r']] },
      { module: 'numpy', names: null, alias: 'np' },
      { module: 'cs231n.x', names: null },
    ]);
  });

  it('a function of a cs231n module next to the notebook is called with its docstring shapes, and follows edits of the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gl-nb-'));
    try {
      mkdirSync(join(dir, 'cs231n'));
      writeFileSync(join(dir, 'cs231n', '__init__.py'), '');
      const mod = (m: string): string => `import numpy as np\n\ndef project(x, w):\n    """\n    Inputs:\n    - x: Input data, of shape (N, D)\n    - w: Weights, of shape (D, ${m})\n\n    Returns:\n    - out: of shape (N, ${m})\n    """\n    return x.dot(w)\n`;
      const file = join(dir, 'cs231n', 'proj.py');
      writeFileSync(file, mod('M'));
      const folder = notebookFolder(pathToFileURL(join(dir, 'RNN_Captioning.ipynb')).toString());
      assert.equal(folder, dir);
      let files = new ModuleFiles(() => ctx);
      const cells = [code('import numpy as np\nfrom cs231n.proj import project as proj'), code('a = np.zeros((5, 7))\nw = np.ones((7, 2))\nout = proj(a, w)')];
      const nb = new NotebookShapes();
      assert.equal(hoverIn(nb, cells, 1, 'out =', 0, files.resolverFor(folder)), 'out: (5, 2)');
      // Without the import (or with numpy only) the name is unknown.
      assert.equal(hoverIn(new NotebookShapes(), [code('import numpy as np'), cells[1]], 1, 'out =', 0, files.resolverFor(folder)), null);
      // The file changes (new mtime): the output's shape follows it.
      writeFileSync(file, mod('M').replace('(N, M)"', '(M, N)"').replace('- out: of shape (N, M)', '- out: of shape (M, N)'));
      utimesSync(file, new Date(), new Date(Date.now() + 5000));
      files = new ModuleFiles(() => ctx);
      assert.equal(hoverIn(nb, cells, 1, 'out =', 0, files.resolverFor(folder)), 'out: (2, 5)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
