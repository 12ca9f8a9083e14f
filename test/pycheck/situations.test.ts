/**
 * Issue 14's four situations, each with the message the student reads, and the notebook's way of
 * importing and calling the code (working directory, namespace package, literal cell_type,
 * tracebacks without the import machinery). Needs python3 with numpy.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { checkFile, type PyCheckOptions } from '../../runtime/pycheck/index';

const REPO = path.resolve(__dirname, '../..');
const CORPUS = path.join(REPO, 'test/fixtures/pycorpus');
const PYLAYERS = path.join(REPO, 'test/fixtures/pylayers');
const opts = (cwd: string): PyCheckOptions => ({ python: ['python3'], cwd, timeoutMs: 30000 });

function gradlab(cwd: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'cli/main.ts'), 'check-python', ...args], { cwd, encoding: 'utf8', timeout: 120000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("1. `if self.cell_type is 'rnn':` gets the notebook's verdict", () => {
  it('passes for both cell types (cell_type arrives as the literal), with a hint to write ==', async () => {
    const sub = path.join(CORPUS, 's02_vectorised_2021');
    const rs = await checkFile(path.join(sub, 'cs231n/classifiers/rnn.py'), opts(sub));
    const by = Object.fromEntries(rs.map((r) => [r.function, r]));
    for (const r of rs) {
      assert.equal(r.status, 'pass', `${r.function}: ${r.summary}`);
      assert.deepEqual(r.cells?.map((c) => `${c.cell} ${c.status}`), ['rnn pass', 'lstm pass']);
    }
    assert.deepEqual(by['CaptioningRNN.loss'].hints, [
      "lines 39 and 47 compare a string with `is` (self.cell_type is 'rnn'): it holds in the notebook because Python keeps one copy of a short literal string, but a string made at run time (read from a file, joined, passed in from elsewhere) fails it; write self.cell_type == 'rnn'",
    ]);
    assert.deepEqual(by['CaptioningRNN.sample'].hints, [
      "line 62 compares a string with `is` (self.cell_type is 'lstm'): it holds in the notebook because Python keeps one copy of a short literal string, but a string made at run time (read from a file, joined, passed in from elsewhere) fails it; write self.cell_type == 'lstm'",
    ]);
  });
});

describe('2. one cell type does not hide the other', () => {
  it("rnn branch right, lstm branch `raise NotImplementedError`: rnn passes, lstm reads 'not implemented yet'", async () => {
    const sub = path.join(CORPUS, 's07_half_done');
    const rs = await checkFile(path.join(sub, 'cs231n/classifiers/rnn.py'), opts(sub));
    const [loss, sample] = rs;
    assert.equal(loss.status, 'pass', loss.summary);
    assert.match(loss.summary, /^CaptioningRNN\.loss: gradients match the engine on 2 cases \(cell_type 'rnn'\) \(worst relative error \d\.\de-\d+\) and the numerical gradient of your loss \(\d\.\de-\d+\); cell_type='lstm' is not implemented yet \(raises NotImplementedError at line 54\): it is checked once you write it$/);
    assert.deepEqual(loss.cells?.map((c) => [c.cell, c.status, c.summary]), [
      ['rnn', 'pass', "cell_type='rnn': right"],
      ['lstm', 'not-implemented', "cell_type='lstm' is not implemented yet (raises NotImplementedError at line 54): it is checked once you write it"],
    ]);
    assert.equal(sample.status, 'pass', sample.summary);
    assert.match(sample.summary, /cell_type='lstm' is not implemented yet \(raises NotImplementedError at line 79\)/);
  });

  it('a wrong rnn branch next to an unfinished lstm one fails on the rnn, and still says the lstm is unfinished', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gradlab-cells-'));
    mkdirSync(path.join(dir, 'cs231n/classifiers'), { recursive: true });
    writeFileSync(path.join(dir, 'cs231n/__init__.py'), '');
    writeFileSync(path.join(dir, 'cs231n/classifiers/__init__.py'), '');
    const src = spawnSync('cat', [path.join(CORPUS, 's07_half_done/cs231n/classifiers/rnn.py')], { encoding: 'utf8' }).stdout;
    writeFileSync(path.join(dir, 'cs231n/classifiers/rnn.py'), src.replace('word = np.argmax(scores, axis=1)', 'word = self._start * np.ones(N, dtype=np.int32)'));
    for (const f of ['layers.py', 'rnn_layers.py']) writeFileSync(path.join(dir, 'cs231n', f), spawnSync('cat', [path.join(CORPUS, 's07_half_done/cs231n', f)], { encoding: 'utf8' }).stdout);
    const [r] = await checkFile(path.join(dir, 'cs231n/classifiers/rnn.py'), opts(dir), 'CaptioningRNN.sample');
    assert.equal(r.status, 'fail');
    assert.equal(r.cells?.[0].status, 'fail');
    assert.equal(r.cells?.[1].status, 'not-implemented');
    assert.ok(r.details.some((d) => /^cell_type='lstm' is not implemented yet/.test(d)), r.details.join('\n'));
  });
});

describe('3. sampling bugs are told in words', () => {
  it('column 0 left <NULL>, every word one column late', async () => {
    const [r] = await checkFile(path.join(PYLAYERS, 'misc/null_column.py'), opts(PYLAYERS), 'CaptioningRNN.sample');
    assert.equal(r.status, 'fail');
    assert.equal(
      r.summary,
      "CaptioningRNN.sample: every word comes one column late (column 0 holds <NULL> (0)): write the word generated at step t into captions[:, t], starting at t = 0; <START> is only the first input, never part of the caption [random inputs, seed 0, cell_type='rnn']",
    );
  });
});

describe('4. a file that does not import is one error, on its line', () => {
  it('a Python 2 file: one ERROR saying it is Python 2 and what to change, no importlib frames', () => {
    const sub = path.join(CORPUS, 's08_python2_2016');
    const r = gradlab(sub, 'cs231n/rnn_layers.py');
    assert.equal(r.code, 1, r.err);
    assert.equal(
      r.out,
      [
        'ERROR (cs231n/rnn_layers.py:52)  rnn_layers.py is Python 2 code; the notebooks run Python 3: print statement (lines 52, 221): write print(...); xrange (lines 53, 70, 86, 98, 163): write range',
        '      traceback (most recent call last):',
        '        cs231n/rnn_layers.py:52 in <module>: print "rnn_forward: N=%d T=%d" % (N, T)',
        'nothing checked: rnn_layers.py does not import (15 function(s) not run)',
        '',
      ].join('\n'),
    );
  });

  it('the model importing a Python 2 rnn_layers.py: the error names that file and sits on the import line', async () => {
    const sub = path.join(CORPUS, 's08_python2_2016');
    const rs = await checkFile(path.join(sub, 'cs231n/classifiers/rnn.py'), opts(sub));
    assert.equal(rs.length, 2);
    for (const r of rs) {
      assert.equal(r.status, 'error');
      assert.equal(r.fileError?.line, 2, 'line 3 (0-based 2): from cs231n.rnn_layers import *');
      assert.equal(r.fileError?.python2, true);
      assert.equal(r.fileError?.message, 'cs231n/rnn_layers.py is Python 2 code (imported by rnn.py at line 3); the notebooks run Python 3: print statement (lines 52, 221): write print(...); xrange (lines 53, 70, 86, 98, 163): write range');
      assert.ok(r.error!.frames.every((f) => !/importlib|<frozen/.test(f.file)), JSON.stringify(r.error!.frames));
      assert.ok(!/importlib|<frozen/.test(r.error!.traceback), r.error!.traceback);
    }
  });

  it('a syntax error and a missing module: the exception on its own line, once', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gradlab-syntax-'));
    const file = path.join(dir, 'layers.py');
    writeFileSync(file, 'import numpy as np\n\ndef rnn_step_forward(x, prev_h, Wx, Wh, b):\n    return np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b, None\n\ndef rnn_forward(x, h0, Wx, Wh, b):\n    pass\n');
    const rs = await checkFile(file, opts(dir));
    assert.equal(rs.length, 2);
    assert.equal(rs[0].fileError?.line, 3);
    assert.match(rs[0].fileError!.message, /^importing layers\.py raised SyntaxError: '\(' was never closed \(layers\.py line 4\)$/);
    const cli = gradlab(REPO, file, '--cwd', dir);
    assert.equal(cli.out.split('\n').filter((l) => l.startsWith('ERROR')).length, 1, cli.out);
    const missing = path.join(dir, 'missing.py');
    writeFileSync(missing, 'import numpy as np\nfrom cs231n.fast_layers import *\n\ndef rnn_step_forward(x, prev_h, Wx, Wh, b):\n    return None, None\n');
    const [m] = await checkFile(missing, opts(dir));
    assert.equal(m.fileError?.line, 1);
    assert.equal(m.fileError?.message, "importing missing.py raised ModuleNotFoundError: No module named 'cs231n' (missing.py line 2)");
  });
});

describe('the code runs as the notebook runs it', () => {
  it("in the folder that holds cs231n/ (the notebook's working directory), also without __init__.py files", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gradlab-notebook-'));
    mkdirSync(path.join(dir, 'cs231n'));
    // No __init__.py: Python 3 imports cs231n as a namespace package, as the notebook does.
    writeFileSync(path.join(dir, 'cs231n/helpers.py'), 'import numpy as np\n\ndef tanh(a):\n    return np.tanh(a)\n');
    writeFileSync(
      path.join(dir, 'cs231n/rnn_layers.py'),
      "import os\nfrom cs231n.helpers import tanh\n\nassert os.path.isdir('cs231n'), os.getcwd()\n\ndef rnn_step_forward(x, prev_h, Wx, Wh, b):\n    return tanh(x.dot(Wx) + prev_h.dot(Wh) + b), None\n",
    );
    // The editor's workspace folder may be above the submission: the driver moves to it.
    const [r] = await checkFile(path.join(dir, 'cs231n/rnn_layers.py'), opts(path.dirname(dir)));
    assert.equal(r.status, 'pass', r.summary);
  });

  it('the traceback of an exception shows only the user\'s frames', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gradlab-tb-'));
    const file = path.join(dir, 'tb.py');
    writeFileSync(file, 'import numpy as np\n\ndef rnn_step_forward(x, prev_h, Wx, Wh, b):\n    return np.concatenate(x, 3), None\n');
    const [r] = await checkFile(file, opts(dir));
    assert.equal(r.status, 'error');
    assert.deepEqual(r.error!.frames.map((f) => `${path.basename(f.file)}:${f.line}`), ['tb.py:4']);
    assert.match(r.summary, /^rnn_step_forward raised AxisError: axis 3 is out of bounds for array of dimension 1 \(line 4\)/);
    assert.ok(!/numpy\/|driver\.py/.test(r.error!.traceback), r.error!.traceback);
  });
});
