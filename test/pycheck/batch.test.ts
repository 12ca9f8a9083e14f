/**
 * `gradlab check-python DIR...` (batch mode) over generated submissions: a correct one, a buggy
 * one, one that does not parse, one with an endless loop, one without its model file, plus a
 * folder that is not a submission and a path that does not exist. Each is a row with its reason;
 * none stops the batch. Needs python3 with numpy.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { findSubmissions } from '../../runtime/pycheck/batch';
import { columnHead, csvField } from '../../cli/commands/checkPythonBatch';
import { makeSubmission } from '../../scripts/pycheck-submissions';

const REPO = path.resolve(__dirname, '../..');
const CLI = path.join(REPO, 'cli/main.ts');
/** tsx by path: the batch runs in a temporary folder, where `--import tsx` would not resolve. */
const TSX = pathToFileURL(path.join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

function gradlab(cwd: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', TSX, CLI, 'check-python', ...args], { cwd, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface JsonCell { status: string; summary: string; where?: string; error?: { type: string; frames: { file: string; line: number }[] } }
interface JsonSub { name: string; status: string; note: string; results: Record<string, JsonCell>; files: { rel: string; present: boolean; problem?: string }[] }

describe('gradlab check-python DIR... (batch)', () => {
  let root: string;
  let json: { submissions: JsonSub[]; columns: string[]; jobs: number; numpy: string };
  let code: number | null;
  const sub = (name: string): JsonSub => {
    const s = json.submissions.find((x) => x.name === `class/${name}`);
    assert.ok(s, `a row for class/${name}: ${json.submissions.map((x) => x.name).join(', ')}`);
    return s;
  };

  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'gradlab-batch-'));
    for (const k of ['correct', 'buggy', 'syntax', 'loop', 'missing'] as const) makeSubmission(path.join(root, 'class', k), k);
    mkdirSync(path.join(root, 'class', 'notes'));
    // The endless loop is stopped after 8 s per function (a busy machine needs a few seconds to import numpy).
    const r = gradlab(root, 'class', 'ghost', '--json', '--timeout', '8', '--jobs', '2');
    code = r.code;
    assert.ok(r.out, `JSON on stdout (stderr: ${r.err})`);
    json = JSON.parse(r.out) as typeof json;
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('finds the submissions of a folder, in order, and keeps what is not one as a row', () => {
    assert.deepEqual(json.submissions.map((s) => s.name), ['class/buggy', 'class/correct', 'class/loop', 'class/missing', 'class/notes', 'class/syntax', 'ghost']);
    assert.equal(sub('notes').note, 'no cs231n/ folder in it');
    const ghost = json.submissions.find((s) => s.name === 'ghost')!;
    assert.equal(ghost.status, 'error');
    assert.equal(ghost.note, 'no such file or folder');
    assert.equal(code, 1, 'exit 1: some submissions fail');
    assert.equal(json.jobs, 2);
  });

  it('a correct submission passes every function, layers and model', () => {
    const s = sub('correct');
    assert.equal(s.status, 'pass', s.note);
    for (const fn of ['rnn_step_forward', 'rnn_backward', 'lstm_backward', 'temporal_softmax_loss', 'CaptioningRNN.loss', 'CaptioningRNN.sample']) {
      assert.equal(s.results[fn]?.status, 'pass', `${fn}: ${s.results[fn]?.summary}`);
    }
    assert.equal(s.note, '');
  });

  it('a buggy submission fails on the buggy function, named in the note, and only there among the layers', () => {
    const s = sub('buggy');
    assert.equal(s.status, 'fail');
    assert.equal(s.results.rnn_backward.status, 'fail');
    assert.match(s.results.rnn_backward.summary, /dWh: relative error/);
    assert.match(s.note, /^rnn_backward: dWh: relative error/);
    for (const fn of ['rnn_step_backward', 'rnn_forward', 'lstm_backward', 'word_embedding_backward']) assert.equal(s.results[fn].status, 'pass', fn);
  });

  it('a file that does not parse is one reason on the row, and its functions are ERR', () => {
    const s = sub('syntax');
    assert.equal(s.status, 'error');
    assert.match(s.note, /^cs231n\/rnn_layers\.py does not import: SyntaxError: .*line 20/);
    assert.equal(s.results.rnn_forward.status, 'error');
    assert.equal(s.results['CaptioningRNN.loss'].status, 'error', 'the model imports the broken layers');
  });

  it('an endless loop times out in its function; the rest of the submission is checked', () => {
    const s = sub('loop');
    assert.equal(s.results.rnn_forward.status, 'timeout');
    assert.match(s.note, /^rnn_forward did not finish within 8 s/);
    assert.equal(s.results.rnn_step_backward.status, 'pass');
    assert.equal(s.results.lstm_forward.status, 'pass');
  });

  it('a missing model file: its functions are "missing", the layers are still checked', () => {
    const s = sub('missing');
    assert.equal(s.results['CaptioningRNN.loss'].status, 'missing');
    assert.equal(s.results['CaptioningRNN.sample'].status, 'missing');
    assert.equal(s.results.lstm_backward.status, 'pass');
    assert.equal(s.note, path.join('cs231n', 'classifiers', 'rnn.py') + ' is missing');
    assert.equal(s.status, 'fail');
  });

  it('--csv: one line per submission, a status per function, quoted notes', () => {
    const r = gradlab(root, 'class/correct', 'class/syntax', 'class/notes', '--csv');
    assert.equal(r.code, 1, r.err);
    const lines = r.out.split('\r\n').filter(Boolean);
    assert.equal(lines.length, 4);
    const head = lines[0].split(',');
    assert.deepEqual(head.slice(0, 3), ['submission', 'path', 'status']);
    const col = head.indexOf('rnn_backward');
    assert.ok(col > 2);
    assert.equal(lines[1].split(',')[col], 'pass');
    assert.ok(lines[1].startsWith('class/correct,'));
    assert.equal(lines[2].split(',')[col], 'error');
    assert.match(lines[2], /,"cs231n\/rnn_layers\.py does not import: SyntaxError: [^"]*"\r?$|,cs231n\/rnn_layers\.py does not import: SyntaxError: /);
    assert.match(lines[3], /^class\/notes,.*,error,.*,"no cs231n\/ folder, no submission folders and no \.py files in it"$/);
  });

  it('the text table: a header per layer, one row per submission with passed count and note', () => {
    const r = gradlab(root, 'class/missing', 'class/syntax');
    assert.equal(r.code, 1, r.err);
    const lines = r.out.split('\n');
    assert.match(lines[0], /rnn_step +rnn +.*CaptioningRNN/);
    assert.match(lines[1], /^submission +.*fwd +bwd .* loss +sample +passed +note$/);
    assert.match(r.out, /^class\/missing +(ok +)+miss +miss +15\/17 +cs231n\/classifiers\/rnn\.py is missing$/m);
    assert.match(r.out, /^class\/syntax +(ERR +)+0\/17 +cs231n\/rnn_layers\.py does not import: SyntaxError/m);
    assert.match(r.out, /^2 submissions: 0 pass, 1 with failures, 1 could not be checked \(/m);
  });

  it('a slow import (not an endless one) is not counted against the function limit: no false TIME', () => {
    const dir = path.join(root, 'slow');
    mkdirSync(dir, { recursive: true });
    const layers = readFileSync(path.join(root, 'class', 'correct', 'cs231n', 'rnn_layers.py'), 'utf8');
    writeFileSync(path.join(dir, 'slow_import.py'), layers.replace('import numpy as np\n', 'import numpy as np\nimport time\ntime.sleep(5)\n'));
    const r = gradlab(root, 'slow/slow_import.py', '--function', 'rnn_step_forward', '--timeout', '4', '--json', '--jobs', '1');
    assert.equal(r.code, 0, r.out + r.err);
    const j = JSON.parse(r.out) as typeof json;
    assert.equal(j.submissions[0].results.rnn_step_forward.status, 'pass', j.submissions[0].note);
  });

  it('without a usable Python: one line, exit 2, no table', () => {
    const r = gradlab(root, 'class/correct', 'class/buggy', '--python', '/nonexistent/python3');
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    assert.match(r.err, /^gradlab: nothing checked: Python was not found \(tried \/nonexistent\/python3\): install Python 3 with numpy.*\n$/);
  });

  it('Ctrl-C stops the Python processes and prints what finished, exit 130', async () => {
    const dir = path.join(root, 'stop');
    makeSubmission(path.join(dir, 'a-loops'), 'import-loop');
    makeSubmission(path.join(dir, 'b-correct'), 'correct');
    // Its own process group, signalled as a whole: what a terminal's Ctrl-C does (Python gets it too).
    const child = spawn(process.execPath, ['--import', TSX, CLI, 'check-python', 'stop', '--jobs', '1', '--timeout', '300'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const pidFile = path.join(dir, 'a-loops', 'pid.txt');
    const t0 = Date.now();
    while (!existsSync(pidFile) || !readFileSync(pidFile, 'utf8')) {
      assert.ok(Date.now() - t0 < 60_000, `the looping submission started (${err})`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const pid = Number(readFileSync(pidFile, 'utf8'));
    process.kill(-child.pid!, 'SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 130, err);
    assert.throws(() => process.kill(pid, 0), /ESRCH/, `Python process ${pid} is gone`);
    assert.match(err, /stopping/);
    assert.match(out, /^stop\/a-loops +.*not run \(stopped\)/m);
    // Never started: every expected function "?" (the affine columns come from the other row's file).
    assert.match(out, /^stop\/b-correct +- +- +(\? +)+0\/15 +not run \(stopped\)$/m);
    assert.doesNotMatch(out + err, /at .*\.ts:\d+/, 'no stack trace');
  });
});

describe('batch helpers', () => {
  it('a .py file is a submission; a folder with cs231n/ is one; other paths are rows with a problem', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'gradlab-find-'));
    try {
      makeSubmission(path.join(root, 'one'), 'correct');
      const subs = findSubmissions(['one', 'one/cs231n/rnn_layers.py', 'one/cs231n/__init__.py/x', path.join(root, 'one', 'cs231n', 'classifiers', '__init__.py')], root);
      assert.deepEqual(subs.map((s) => [s.kind, s.problem]), [['folder', undefined], ['file', undefined], ['file', 'no such file or folder'], ['file', undefined]]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('column heads and CSV quoting', () => {
    assert.deepEqual(columnHead('rnn_step_backward'), { group: 'rnn_step', sub: 'bwd' });
    assert.deepEqual(columnHead('CaptioningRNN.sample'), { group: 'CaptioningRNN', sub: 'sample' });
    assert.deepEqual(columnHead('temporal_softmax_loss'), { group: 'softmax', sub: 'loss' });
    assert.equal(csvField('a, "b"'), '"a, ""b"""');
    assert.equal(csvField('plain'), 'plain');
  });
});
