/**
 * Generated student submissions for `gradlab check-python DIR...` (batch mode): folders in the
 * assignment's layout (`cs231n/rnn_layers.py`, `cs231n/classifiers/rnn.py`) made from the correct
 * fixture tree with one thing changed. Used by test/pycheck/batch.test.ts and bench/pycheckBatch.ts.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export const FIXTURE_TREE = path.resolve(__dirname, '..', 'test', 'fixtures', 'pylayers', 'cs231n');

export type SubmissionKind =
  /** The correct fixture tree. */
  | 'correct'
  /** rnn_backward assigns dWh instead of summing it over time. */
  | 'buggy'
  /** rnn_layers.py does not parse (a `def` without its colon). */
  | 'syntax'
  /** rnn_forward never returns. */
  | 'loop'
  /** rnn_layers.py loops at import time, after writing its process id to `pid.txt` beside cs231n/. */
  | 'import-loop'
  /** cs231n/classifiers/rnn.py is missing. */
  | 'missing'
  /** cs231n/rnn_layers.py without the LSTM functions (a half-done file). */
  | 'half';

const LAYERS = path.join('cs231n', 'rnn_layers.py');

function edit(file: string, from: string | RegExp, to: string): void {
  const src = readFileSync(file, 'utf8');
  const out = src.replace(from, to);
  if (out === src) throw new Error(`pycheck-submissions: ${String(from)} not found in ${file}`);
  writeFileSync(file, out);
}

/** One submission folder of the given kind at `dir` (replaced if it exists). */
export function makeSubmission(dir: string, kind: SubmissionKind): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(FIXTURE_TREE, path.join(dir, 'cs231n'), { recursive: true, filter: (p) => !p.includes('__pycache__') });
  // Only the assignment's own model file: the fixture's extra variant is not part of a submission.
  rmSync(path.join(dir, 'cs231n', 'classifiers', 'relative_rnn.py'), { force: true });
  const layers = path.join(dir, LAYERS);
  switch (kind) {
    case 'correct':
      break;
    case 'buggy':
      edit(layers, 'dWh += dWh_t', 'dWh = dWh_t');
      break;
    case 'syntax':
      edit(layers, 'def rnn_step_forward(x, prev_h, Wx, Wh, b):', 'def rnn_step_forward(x, prev_h, Wx, Wh, b)');
      break;
    case 'loop':
      edit(layers, /(def rnn_forward\(x, h0, Wx, Wh, b\):\n)/, '$1    while True:\n        pass\n');
      break;
    case 'import-loop':
      edit(layers, 'import numpy as np\n', `import numpy as np\nimport os\nwith open(${JSON.stringify(path.join(dir, 'pid.txt'))}, 'w') as _f:\n    _f.write(str(os.getpid()))\nwhile True:\n    pass\n`);
      break;
    case 'missing':
      rmSync(path.join(dir, 'cs231n', 'classifiers', 'rnn.py'));
      break;
    case 'half': {
      const src = readFileSync(layers, 'utf8');
      const cut = src.indexOf('def lstm_step_forward');
      writeFileSync(layers, src.slice(0, cut));
      break;
    }
  }
}

/** The mix of a class: mostly right, some wrong, a few that do not run (cycled over `n`). */
export const BENCH_MIX: readonly SubmissionKind[] = ['correct', 'correct', 'buggy', 'correct', 'half', 'correct', 'missing', 'correct', 'syntax', 'correct', 'correct', 'buggy', 'correct', 'correct', 'correct', 'correct', 'correct', 'correct', 'correct', 'correct', 'correct', 'correct', 'correct', 'correct', 'loop'];

/** `n` submissions `student-01` … under `root` (emptied first); returns their folders. */
export function makeSubmissions(root: string, n: number, mix: readonly SubmissionKind[] = BENCH_MIX): string[] {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const width = String(n).length;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const dir = path.join(root, `student-${String(i + 1).padStart(width, '0')}-${mix[i % mix.length]}`);
    makeSubmission(dir, mix[i % mix.length]);
    out.push(dir);
  }
  return out;
}
