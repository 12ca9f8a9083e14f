// Which checks a notebook cell offers and what they run (extension/notebook/plan.ts, issue 18).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cellPython } from '../../core/notebook/cells';
import { cellModule, planCellChecks, type PlanCell } from '../../extension/notebook/plan';

const cell = (text: string): PlanCell => ({ python: cellPython(text) });
const md: PlanCell = { python: null };

describe('notebook cell checks: the plan', () => {
  it('a cell calling an imported layer offers "Check" of the module function, on the call', () => {
    const cells = [cell('import numpy as np\nfrom cs231n.rnn_layers import *\n%matplotlib inline'), md, cell('N, D, H = 3, 10, 4\nx = np.zeros((N, D))\nnext_h, _ = rnn_step_forward(x, prev_h, Wx, Wh, b)\nprint(rel_error(next_h, 1))')];
    const plan = planCellChecks(cells, 2);
    assert.deepEqual(plan, [{ line: 2, character: 12, endCharacter: 28, qualified: 'rnn_step_forward', target: { kind: 'module', modules: ['cs231n.rnn_layers'], qualified: 'rnn_step_forward' } }]);
  });

  it('aliases, module attributes and the model', () => {
    const cells = [
      cell('from cs231n.rnn_layers import rnn_forward as fwd\nimport cs231n.rnn_layers as L\nfrom cs231n.classifiers.rnn import CaptioningRNN'),
      cell('h = fwd(x, h0, Wx, Wh, b)\ndx = L.rnn_backward(dh, cache)\nmodel = CaptioningRNN(word_to_idx)\nloss, grads = model.loss(features, captions)'),
    ];
    const plan = planCellChecks(cells, 1).map((p) => [p.qualified, p.target]);
    assert.deepEqual(plan, [
      ['rnn_forward', { kind: 'module', modules: ['cs231n.rnn_layers'], qualified: 'rnn_forward' }],
      ['rnn_backward', { kind: 'module', modules: ['cs231n.rnn_layers'], qualified: 'rnn_backward' }],
      ['CaptioningRNN.loss', { kind: 'module', modules: ['cs231n.classifiers.rnn'], qualified: 'CaptioningRNN.loss' }],
    ]);
  });

  it('a layer defined in a cell: a check of that cell, where it is defined and where it is called', () => {
    const def = 'import numpy as np\ndef rnn_step_forward(x, prev_h, Wx, Wh, b):\n    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)\n    return next_h, (x, prev_h, Wx, Wh, next_h)';
    const cells = [cell('from cs231n.rnn_layers import *'), cell(def), cell('out, _ = rnn_step_forward(x, h, Wx, Wh, b)')];
    assert.deepEqual(planCellChecks(cells, 1).map((p) => [p.qualified, p.target, p.line]), [['rnn_step_forward', { kind: 'cell', cell: 1, qualified: 'rnn_step_forward' }, 1]]);
    assert.deepEqual(planCellChecks(cells, 2).map((p) => p.target), [{ kind: 'cell', cell: 1, qualified: 'rnn_step_forward' }]);
    // Other calls (numpy, print) and markdown or %%bash cells offer nothing.
    assert.deepEqual(planCellChecks([cell('import numpy as np\nprint(np.zeros(3))')], 0), []);
    assert.deepEqual(planCellChecks([md], 0), []);
    assert.deepEqual(planCellChecks([cell('%%bash\nrnn_step_forward(x)')], 0), []);
  });

  it('a layer that comes from nowhere is unresolved, with a reason', () => {
    const [p] = planCellChecks([cell('h, _ = rnn_step_forward(x, h, Wx, Wh, b)')], 0);
    assert.equal(p.target.kind, 'unresolved');
  });

  it('the module of a cell runs only imports and definitions, keeps the cell\'s line numbers, and imports as the notebook does', () => {
    const cells = [
      cell('import numpy as np\nprint("cell 0 ran")\ndef helper(a):\n    return np.tanh(a)'),
      md,
      cell('raise SystemExit("a statement ran")\ndef rnn_step_forward(x, prev_h, Wx, Wh, b):\n    next_h = helper(x @ Wx + prev_h @ Wh + b)\n    return next_h, None\nprint("cell 2 ran")'),
    ];
    const dir = mkdtempSync(join(tmpdir(), 'gl-cellmod-'));
    try {
      const m = cellModule(cells, 2, dir);
      const lines = m.text.split('\n');
      assert.match(lines[m.lineOffset + 1], /^def rnn_step_forward/);
      assert.doesNotMatch(m.text, /ran|SystemExit/);
      writeFileSync(join(dir, 'cellmod.py'), m.text);
      const py = spawnSync('python3', ['-c', 'import sys, numpy as np; sys.path.insert(0, sys.argv[1]); import cellmod; print(cellmod.rnn_step_forward(np.ones((1, 2)), np.zeros((1, 3)), np.zeros((2, 3)), np.zeros((3, 3)), np.zeros(3))[0].shape)', dir], { encoding: 'utf8' });
      if (py.error || /No module named 'numpy'/.test(py.stderr)) return; // no Python with numpy here: the text checks above still ran
      assert.equal(py.stdout.trim(), '(1, 3)', py.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
