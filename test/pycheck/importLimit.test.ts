/**
 * The time limits before the first function: starting Python with numpy, then importing the
 * user's module, each with its own limit and message; the function limit starts only after both.
 * A slow import (a busy machine, a module that sleeps) must never read as the user's endless loop.
 * Needs python3 with numpy.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkFile, type PyCheckOptions } from '../../runtime/pycheck/index';
import { checkSubmission } from '../../runtime/pycheck/batch';
import { TIMEOUT_STAGE } from '../../runtime/pycheck/runner';

const LAYERS = readFileSync(path.resolve(__dirname, '../fixtures/pylayers/cs231n/rnn_layers.py'), 'utf8');

describe('time limits: numpy, the module, then each function', () => {
  let dir: string;
  let base: PyCheckOptions;
  const file = (name: string, text: string): string => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  /** The correct layers, with `code` run at import time right after `import numpy as np`. */
  const layersWith = (code: string): string => LAYERS.replace('import numpy as np\n', `import numpy as np\n${code}\n`);

  before(() => {
    const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    assert.equal(probe.status, 0, `python3 with numpy is needed: ${probe.stderr}`);
    dir = mkdtempSync(path.join(tmpdir(), 'gradlab-importlimit-'));
    base = { python: ['python3'], cwd: dir, timeoutMs: 2000, importTimeoutMs: 60000 };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a module that sleeps 4 s at import time passes with a 2 s function limit: the import is not the function', async () => {
    const p = file('slow_import.py', layersWith('import time\ntime.sleep(4)'));
    const [r] = await checkFile(p, base, 'rnn_step_forward');
    assert.equal(r.status, 'pass', r.summary);
    assert.equal(r.problem, undefined);
    assert.ok(r.timing && r.timing.processMs < 4000, `the first function's time leaves the import out (${r.timing?.processMs} ms)`);
  });

  it('after a slow import, an endless loop in a function still times out, with its message on its line', async () => {
    const src = layersWith('import time\ntime.sleep(3)').replace(/(def rnn_forward\(x, h0, Wx, Wh, b\):\n)/, '$1    while True:\n        pass\n');
    const p = file('slow_then_loop.py', src);
    const rs = await checkFile(p, base);
    const by = Object.fromEntries(rs.map((r) => [r.function, r]));
    assert.equal(by.rnn_step_forward.status, 'pass', by.rnn_step_forward.summary);
    const loop = by.rnn_forward;
    assert.equal(loop.problem?.kind, 'timeout');
    assert.match(loop.summary, /^rnn_forward did not finish within 2 s and was stopped \(an infinite loop\?\)/);
    assert.equal(loop.line, src.split('\n').findIndex((l) => l.startsWith('def rnn_forward(')), "on rnn_forward's def line");
    assert.equal(loop.fileError, undefined);
    assert.equal(by.lstm_forward.status, 'pass', 'the functions after it run in a fresh process');
  });

  it('an endless loop at import time: every function says the module did not import in time, under its own limit', async () => {
    const p = file('import_loop.py', layersWith('while True:\n    pass'));
    const rs = await checkFile(p, { ...base, importTimeoutMs: 3000 });
    assert.ok(rs.length > 5);
    for (const r of rs) {
      assert.equal(r.problem?.kind, 'timeout', r.function);
      assert.match(r.summary, /^importing import_loop\.py did not finish in 3 s and was stopped: the code at the top level of the file .* runs on import; an endless loop there\?: the limit is the setting gradientLab\.python\.importTimeoutSeconds/);
      assert.ok(TIMEOUT_STAGE.module.test(r.problem!.message));
    }
  });

  it('a Python that is slow to start and import numpy: its own message, never "an infinite loop"', async () => {
    const slowPy = file('slow-python.sh', '#!/bin/sh\nsleep 4\nexec python3 "$@"\n');
    chmodSync(slowPy, 0o755);
    const p = file('fine.py', LAYERS);
    const [r] = await checkFile(p, { ...base, python: [slowPy], importTimeoutMs: 2000 }, 'rnn_step_forward');
    assert.equal(r.problem?.kind, 'timeout');
    assert.match(r.summary, /^starting Python and importing numpy took longer than 2 s and was stopped; your code was not run yet/);
    assert.doesNotMatch(r.summary, /infinite loop/);
    // The same Python within the limit: the function limit (2 s) does not include the 4 s start.
    const [ok] = await checkFile(p, { ...base, python: [slowPy] }, 'rnn_step_forward');
    assert.equal(ok.status, 'pass', ok.summary);
  });

  it('batch: a slow start of Python gets one more try at three times the import limit; an import loop does not', async () => {
    const slowPy = file('slow-python2.sh', '#!/bin/sh\nsleep 3\nexec python3 "$@"\n');
    chmodSync(slowPy, 0o755);
    const fine = file('fine2.py', LAYERS);
    const row = await checkSubmission({ name: 'fine2.py', path: fine, kind: 'file' }, { python: [slowPy], timeoutMs: 2000, importTimeoutMs: 2000, only: 'rnn_step_forward' });
    assert.equal(row.cells.get('rnn_step_forward')?.status, 'pass', row.note);
    const loop = file('loop2.py', layersWith('while True:\n    pass'));
    const bad = await checkSubmission({ name: 'loop2.py', path: loop, kind: 'file' }, { python: ['python3'], timeoutMs: 2000, importTimeoutMs: 2000, only: 'rnn_step_forward' });
    assert.equal(bad.cells.get('rnn_step_forward')?.status, 'timeout');
    assert.match(bad.note, /^loop2\.py: importing loop2\.py did not finish in 2 s/);
  });
});
