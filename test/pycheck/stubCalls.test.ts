/**
 * A model branch that waits for an unfinished layer of another file: the model's loss with
 * cell_type='lstm' while rnn_layers.py still has the starter's lstm_forward (it returns
 * (None, None), and the loss raises a line or two later). Judged "not checked yet", never a
 * failure of the student's right loss; a real error in a finished lstm_forward is not hidden.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkFile, type PyCheckOptions } from '../../runtime/pycheck/index';
import { importedFiles, stubCalledBy, stubCalledIn } from '../../runtime/pycheck/stubCalls';

const SRC = path.resolve(__dirname, '../fixtures/pycorpus/s01_loops_2019');

const LSTM_FORWARD_STARTER = [
  'def lstm_forward(x, h0, Wx, Wh, b):',
  '    h, cache = None, None',
  '    #############################################################################',
  '    # TODO: Implement forward pass for an LSTM over an entire timeseries.       #',
  '    #############################################################################',
  '    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****',
  '',
  '    pass',
  '',
  '    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****',
  '    return h, cache',
  '',
  '',
].join('\n');

/** rnn_layers.py with lstm_forward replaced by `body` (up to lstm_backward). */
function withLstmForward(src: string, body: string): string {
  const i = src.indexOf('def lstm_forward(');
  const j = src.indexOf('def lstm_backward(');
  assert.ok(i >= 0 && j > i);
  return src.slice(0, i) + body + src.slice(j);
}

describe('importedFiles and stubCalledIn', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'gradlab-stubcalls-'));
    mkdirSync(path.join(root, 'cs231n', 'classifiers'), { recursive: true });
    writeFileSync(path.join(root, 'cs231n', '__init__.py'), '');
    writeFileSync(path.join(root, 'cs231n', 'layers.py'), 'def affine_forward(x, w, b):\n    return x.dot(w) + b, None\n');
    writeFileSync(path.join(root, 'cs231n', 'rnn_layers.py'), `import numpy as np\n\n${LSTM_FORWARD_STARTER}def rnn_forward(x, h0, Wx, Wh, b):\n    return h0, None\n`);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('finds absolute imports from the package root above, and relative ones', () => {
    const model = path.join(root, 'cs231n', 'classifiers', 'rnn.py');
    const abs = 'import numpy as np\nfrom cs231n.layers import *\nfrom cs231n.rnn_layers import *\n';
    assert.deepEqual(importedFiles(model, abs), [path.join(root, 'cs231n', 'layers.py'), path.join(root, 'cs231n', 'rnn_layers.py')]);
    assert.deepEqual(importedFiles(model, 'from ..rnn_layers import lstm_forward\n'), [path.join(root, 'cs231n', 'rnn_layers.py')]);
    assert.deepEqual(importedFiles(model, 'from cs231n.missing import *\nimport os\n'), []);
    // A notebook cell's temporary module lives elsewhere: absolute imports from the check's root.
    const cell = path.join(tmpdir(), 'gradient-lab-cells-test', 'cell_3.py');
    assert.deepEqual(importedFiles(cell, abs), []);
    assert.deepEqual(importedFiles(cell, abs, root), [path.join(root, 'cs231n', 'layers.py'), path.join(root, 'cs231n', 'rnn_layers.py')]);
  });

  it("names the stub a traceback's line called, or the nearest line above the one that raised", () => {
    const model = path.join(root, 'cs231n', 'classifiers', 'rnn.py');
    const lines = [
      'from cs231n.rnn_layers import *',
      'def loss(x, h0, Wx, Wh, b):',
      '    h, _ = rnn_forward(x, h0, Wx, Wh, b)',
      '    h, cache = lstm_forward(x, h0, Wx, Wh, b)',
      '    # lstm_forward(x) in a comment',
      '    return h.sum()',
    ];
    writeFileSync(model, lines.join('\n') + '\n');
    const frame = (line: number) => ({ file: model, line, function: 'loss', text: lines[line - 1].trim() });
    const passLine = LSTM_FORWARD_STARTER.split('\n').findIndex((l) => l.trim() === 'pass') + 2; // after `import numpy as np` and a blank line
    // Raised on the call's own line (a stub returning a bare None, unpacked).
    assert.deepEqual(stubCalledIn([frame(4)], []), { line: 4, file: model, chain: ['lstm_forward'], stubFile: path.join(root, 'cs231n', 'rnn_layers.py'), passLine });
    // Raised two lines later (h is None): the nearest call above, not rnn_forward (finished) nor the comment.
    assert.equal(stubCalledIn([frame(6)], [])?.line, 4);
    // A finished function above: nothing to wait for.
    assert.equal(stubCalledIn([frame(3)], []), undefined);
    // No traceback (a NaN): the body's calls, with the names a branch may not call left out.
    assert.equal(stubCalledBy(model, 1, (n) => !/lstm/.test(n))?.chain, undefined);
    assert.deepEqual(stubCalledBy(model, 1, () => true)?.chain, ['lstm_forward']);
    assert.equal(stubCalledBy(model, 1, () => true)?.line, 4);
  });
});

describe("the model's lstm branch waits for the starter's lstm_forward of rnn_layers.py", () => {
  let root: string;
  const opts = (): PyCheckOptions => ({ python: ['python3'], cwd: root, timeoutMs: 30000 });
  before(() => {
    const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    assert.equal(probe.status, 0, `python3 with numpy is needed: ${probe.stderr}`);
    root = mkdtempSync(path.join(tmpdir(), 'gradlab-stubcalls-model-'));
    cpSync(SRC, root, { recursive: true });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const layers = (): string => path.join(root, 'cs231n', 'rnn_layers.py');
  const model = (): string => path.join(root, 'cs231n', 'classifiers', 'rnn.py');

  it('a right loss passes, and its lstm branch reads "not checked yet" naming lstm_forward and its line', async () => {
    const original = readFileSync(layers(), 'utf8');
    writeFileSync(layers(), withLstmForward(original, LSTM_FORWARD_STARTER));
    try {
      const [r] = await checkFile(model(), opts(), 'CaptioningRNN.loss');
      assert.equal(r.status, 'pass', r.summary);
      const passLine = readFileSync(layers(), 'utf8').split('\n').findIndex((l, i, all) => l.trim() === 'pass' && i > all.findIndex((x) => x.startsWith('def lstm_forward'))) + 1;
      assert.match(r.summary, new RegExp(`cell_type='lstm': not checked yet: line \\d+ calls your lstm_forward, which is not implemented yet \\(the starter's \`pass\` is still at line ${passLine} of rnn_layers\\.py\\); it is checked once you write it$`));
      assert.equal(r.cells?.find((c) => c.cell === 'lstm')?.status, 'not-implemented');
      assert.equal(r.cells?.find((c) => c.cell === 'rnn')?.status, 'pass');
    } finally {
      writeFileSync(layers(), original);
    }
  });

  it("NaN through lstm_forward from the starter's lstm_step_forward: the lstm branch waits for it, the rnn branch passes", async () => {
    const original = readFileSync(layers(), 'utf8');
    const i = original.indexOf('def lstm_step_forward(');
    const j = original.indexOf('\ndef ', i + 1);
    const stub = [
      'def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):',
      '    next_h, next_c, cache = None, None, None',
      '    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****',
      '',
      '    pass',
      '',
      '    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****',
      '    return next_h, next_c, cache',
      '',
    ].join('\n');
    writeFileSync(layers(), original.slice(0, i) + stub + original.slice(j));
    try {
      const [r] = await checkFile(model(), opts(), 'CaptioningRNN.loss');
      assert.equal(r.status, 'pass', r.summary);
      assert.match(r.summary, /cell_type='lstm': not checked yet: line \d+ calls your lstm_forward, which calls your lstm_step_forward, which is not implemented yet \(the starter's `pass` is still at line \d+ of rnn_layers\.py\)/);
      assert.equal(r.cells?.find((c) => c.cell === 'rnn')?.status, 'pass');
    } finally {
      writeFileSync(layers(), original);
    }
  });

  it('a finished lstm_forward that raises is not hidden: the lstm branch is an error', async () => {
    const original = readFileSync(layers(), 'utf8');
    const i = original.indexOf('def lstm_forward(');
    const j = original.indexOf('def lstm_backward(');
    const lstm = original.slice(i, j);
    assert.ok(lstm.includes('    prev_h = h0\n'));
    writeFileSync(layers(), withLstmForward(original, lstm.replace('    prev_h = h0\n', '    prev_h = h0_typo\n')));
    try {
      const [r] = await checkFile(model(), opts(), 'CaptioningRNN.loss');
      assert.notEqual(r.status, 'pass', r.summary);
      assert.notEqual(r.status, 'todo', r.summary);
      assert.doesNotMatch(r.summary + r.details.join('\n'), /not checked yet/);
      assert.equal(r.cells?.find((c) => c.cell === 'rnn')?.status, 'pass');
      assert.match(r.summary + r.details.join('\n'), /h0_typo/);
    } finally {
      writeFileSync(layers(), original);
    }
  });
});
