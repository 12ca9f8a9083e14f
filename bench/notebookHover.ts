/**
 * Hover latency in a generated 100-cell CS231n-style notebook, as the language server computes it
 * (server/notebook/crossCell.ts + the hover text): every code cell starts from the state the cells
 * above left, cached per cell. Not a test; prints figures with the machine load beside them.
 *
 *   node --import tsx bench/notebookHover.ts [cells] [hovers]
 *
 * Scenarios: (1) the first analysis of the whole notebook (opening it); (2) hovers with nothing
 * edited; (3) a keystroke in a random cell, then a hover in a random cell (the edit leaves the
 * cell's names and shapes as they were: a comment or a literal); (4) a keystroke that changes a
 * shape in the sizes cell at the top, then a hover in the last cell (every cell below re-analysed);
 * (5) a moved cell, then a hover below it. Goal (issue 18): hover p95 under 20 ms.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { EMPTY_SHAPE_CONTEXT, type ShapeContextParams } from '../protocol/lsp';
import { pythonHover, toMarkdown } from '../server/hover';
import { NotebookShapes, type NotebookCellInput } from '../server/notebook/crossCell';
import type { ModuleResolver, ResolvedModule } from '../server/notebook/imports';
import { analyzePython } from '../server/python/infer';

const CELLS = Number(process.argv[2] ?? 100);
const HOVERS = Number(process.argv[3] ?? 1000);
const CTX: ShapeContextParams = EMPTY_SHAPE_CONTEXT;

// cs231n/rnn_layers.py as the notebook imports it (analysed once, as the server's ModuleFiles does).
const LAYERS = readFileSync(join(__dirname, '..', 'test', 'fixtures', 'pylayers', 'cs231n', 'rnn_layers.py'), 'utf8');
const layersModule: ResolvedModule = { key: 'rnn_layers.py@1', sigs: analyzePython(LAYERS, { cellType: null, datasetKeys: [] }).module.sigs };
const resolve: ModuleResolver = (m) => (m === 'cs231n.rnn_layers' ? layersModule : null);

let seed = 231;
const rand = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = (n: number): number => Math.floor(rand() * n);

/** The shapes of RNN_Captioning.ipynb's checks, repeated with fresh names to `n` cells. */
function generate(n: number): NotebookCellInput[] {
  const cells: NotebookCellInput[] = [];
  const add = (text: string, code = true): void => {
    cells.push({ uri: `vscode-notebook-cell:/bench.ipynb#c${cells.length}`, languageId: code ? 'python' : 'markdown', code, text });
  };
  add('import numpy as np\nfrom cs231n.rnn_layers import *\n%matplotlib inline\n%load_ext autoreload\n%autoreload 2');
  add('N, D, H, T = 3, 10, 4, 5');
  for (let k = 0; cells.length < n; k++) {
    const kind = k % 6;
    if (kind === 0) add(`## Check ${k}\nThe step forward, with inputs from np.linspace.`, false);
    else if (kind === 1) add(`x${k} = np.linspace(-0.4, 0.7, num=N*D).reshape(N, D)\nprev_h${k} = np.linspace(-0.2, 0.5, num=N*H).reshape(N, H)\nWx${k} = np.linspace(-0.1, 0.9, num=D*H).reshape(D, H)\nWh${k} = np.linspace(-0.3, 0.7, num=H*H).reshape(H, H)\nb${k} = np.linspace(-0.2, 0.4, num=H)`);
    else if (kind === 2) add(`next_h${k}, cache${k} = rnn_step_forward(x${k - 1}, prev_h${k - 1}, Wx${k - 1}, Wh${k - 1}, b${k - 1})\nexpected = np.asarray([[-0.58172089, -0.50182032, -0.41232771, -0.31410098]])\nprint('next_h error: ', np.max(np.abs(next_h${k} - expected)))`);
    else if (kind === 3) add(`xs${k} = np.random.randn(N, T, D)\nh0_${k} = np.random.randn(N, H)\nh${k}, _ = rnn_forward(xs${k}, h0_${k}, Wx${k - 2}, Wh${k - 2}, b${k - 2})\ndh${k} = np.random.randn(*h${k}.shape)`);
    else if (kind === 4) add(`def helper${k}(a, w):\n    """\n    Inputs:\n    - a: of shape (N, D)\n    - w: of shape (D, M)\n\n    Returns:\n    - out: of shape (N, M)\n    """\n    return a.dot(w)\n\nout${k} = helper${k}(x${k - 3}, Wx${k - 3})  # a comment`);
    else add(`%%time\ny${k} = np.tanh(out${k - 1} + b${k - 4})\nz${k} = y${k}.T @ y${k}`);
  }
  return cells;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const fmt = (xs: number[]): string => {
  const cpu = cpuMs.splice(0);
  return `wall p50 ${percentile(xs, 50).toFixed(2)} ms, p95 ${percentile(xs, 95).toFixed(2)} ms, max ${Math.max(...xs).toFixed(2)} ms; CPU p50 ${percentile(cpu, 50).toFixed(2)} ms, p95 ${percentile(cpu, 95).toFixed(2)} ms (${xs.length} hovers; load ${loadavg()[0].toFixed(2)})`;
};

/** A hover at a random name of cell `i`, timed from the cell list to the markdown the server sends. */
/** CPU time of each hover too: on a loaded machine wall clock includes waiting for a core. */
const cpuMs: number[] = [];

function hover(nb: NotebookShapes, cells: readonly NotebookCellInput[], i: number): { ms: number; text: string | null } {
  const text = cells[i].text;
  const names = [...text.matchAll(/[A-Za-z_]\w*/g)];
  const at = names.length ? names[pick(names.length)].index ?? 0 : 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = nb.analyzeUpTo(cells, i, CTX, resolve);
  const h = r?.py ? pythonHover(r.py, at, CTX) : null;
  const md = h ? toMarkdown(h) : null;
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  cpuMs.push((c.user + c.system) / 1000);
  return { ms, text: md };
}

function main(): void {
  const cells = generate(CELLS);
  const code = cells.map((c, i) => (c.code ? i : -1)).filter((i) => i >= 0);
  console.log(`notebook: ${cells.length} cells (${code.length} code), ${cells.reduce((n, c) => n + c.text.split('\n').length, 0)} lines; node ${process.version}, ${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  // Warm the JIT on another notebook first, as a server that has been running would be.
  { const w = new NotebookShapes(); for (let r = 0; r < 3; r++) { w.invalidateAll(); w.analyzeAll(generate(CELLS), CTX, resolve); } }

  const nb = new NotebookShapes();
  let t0 = performance.now();
  const all = nb.analyzeAll(cells, CTX, resolve);
  console.log(`(1) first analysis of every cell (opening the notebook): ${(performance.now() - t0).toFixed(1)} ms; ${all.reduce((n, r) => n + (r.py?.diagnostics.length ?? 0), 0)} warnings`);
  // A sanity check that the figures are of real answers: the hover.
  const ix = cells.findIndex((c) => c.text.startsWith('x1 ='));
  const check = nb.analyzeUpTo(cells, ix, CTX, resolve);
  const xHover = check?.py ? pythonHover(check.py, 0, CTX)?.lines.join(' ') : null;
  const nextHover = nb.analyzeUpTo(cells, ix + 1, CTX, resolve);
  const nh = nextHover?.py ? pythonHover(nextHover.py, 0, CTX)?.lines.join(' ') : null;
  console.log(`    hover x1: ${xHover}; hover next_h2: ${nh}`);

  cpuMs.length = 0;
  const warm: number[] = [];
  let answered = 0;
  for (let k = 0; k < HOVERS; k++) {
    const r = hover(nb, cells, code[pick(code.length)]);
    warm.push(r.ms);
    if (r.text) answered++;
  }
  console.log(`(2) hovers, nothing edited: ${fmt(warm)}; ${answered} with an answer`);

  const afterEdit: number[] = [];
  const analysedBefore = nb.stats.analysed;
  for (let k = 0; k < HOVERS; k++) {
    const e = code[pick(code.length)];
    // A keystroke that keeps the cell's names and shapes: a comment grows.
    cells[e] = { ...cells[e], text: `${cells[e].text}\n# edit ${k}` };
    afterEdit.push(hover(nb, cells, code[pick(code.length)]).ms);
  }
  console.log(`(3) a keystroke in a random cell, then a hover in a random cell: ${fmt(afterEdit)}; ${nb.stats.analysed - analysedBefore} cell analyses for ${HOVERS} edits`);

  const cascade: number[] = [];
  const last = code[code.length - 1];
  for (let k = 0; k < Math.min(HOVERS, 200); k++) {
    cells[1] = { ...cells[1], text: `N, D, H, T = ${3 + (k % 2)}, 10, 4, 5` };
    cascade.push(hover(nb, cells, last).ms);
  }
  console.log(`(4) a keystroke changing N in the sizes cell, then a hover in the last cell (all ${code.length - 2} cells below re-analysed): ${fmt(cascade)}`);

  const moved: number[] = [];
  for (let k = 0; k < Math.min(HOVERS, 200); k++) {
    const from = 2 + pick(cells.length - 3);
    const [c] = cells.splice(from, 1);
    cells.splice(from + 1, 0, c);
    moved.push(hover(nb, cells, Math.min(cells.length - 1, from + 1 + pick(10))).ms);
  }
  console.log(`(5) a cell moved down by one, then a hover up to 10 cells below it: ${fmt(moved)}`);
  t0 = performance.now();
  nb.analyzeAll(cells, CTX, resolve);
  console.log(`    diagnostics of every cell after that (the server's debounced publish): ${(performance.now() - t0).toFixed(1)} ms; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

main();
