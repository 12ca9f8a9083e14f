// What a new user of `gradlab` runs into: flags that would be silently ignored, errors that name
// the file and the problem, work rejected before it starts, Ctrl-C and `| head` handled quietly.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, noPositionals, UsageError } from '../../cli/args';
import { checkSavePath, demoExitCode, overfitLine } from '../../cli/commands/demo';
import { jobFromArgs } from '../../cli/commands/train';
import { run as checkPython } from '../../cli/commands/checkPython';
import { run as runCheck } from '../../cli/commands/check';
import { formatResult, runWith as explore } from '../../cli/commands/explore';
import { runExplore } from '../../core/explore/index';
import { CaptioningModel } from '../../core/model';
import { saveCheckpoint } from '../../runtime/checkpointFile';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
const gradlab = (args: string[], input?: string) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', input, cwd: root });

async function exploreOut(argv: string[]): Promise<string> {
  let out = '';
  await explore(argv, (s) => (out += s), () => undefined);
  return out;
}

describe('gradlab flag parsing', () => {
  it('a boolean flag given a value is an error, not silently true', () => {
    assert.throws(() => parseArgs(['--json=1'], [], ['json']), /--json takes no value/);
  });

  it('a valued flag followed by another flag says the value is missing', () => {
    assert.throws(() => parseArgs(['--layer', '--json'], ['layer'], ['json']), (e: Error) => e instanceof UsageError && e.message === '--layer needs a value');
    assert.equal(parseArgs(['--seed', '-1'], ['seed'], []).flags.get('seed'), '-1');
  });

  it('an unknown option of a command without options says so instead of listing nothing', () => {
    assert.throws(() => parseArgs(['--json'], [], []), /unknown option --json \(this command takes no options\)/);
  });

  it('positional arguments a command does not take are rejected', () => {
    assert.throws(() => noPositionals(parseArgs(['extra'], [], [])), /unexpected argument "extra"/);
  });
});

describe('gradlab commands reject bad input before working', () => {
  before(() => {
    if (!existsSync(cli)) spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
  });

  it('check with a stray argument exits 2 instead of ignoring it', () => {
    const r = gradlab(['check', 'rnn']);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, 'gradlab: unexpected argument "rnn"\n');
    assert.equal(r.stdout, '');
  });

  it('eval names a missing file and a folder in words', () => {
    const missing = gradlab(['eval', '/nonexistent/case.json']);
    assert.equal(missing.status, 2);
    assert.equal(missing.stderr, 'gradlab: /nonexistent/case.json: no such file\n');
    const folder = gradlab(['eval', tmpdir()]);
    assert.equal(folder.status, 2);
    assert.equal(folder.stderr, `gradlab: ${tmpdir()}: is a folder, not a case file\n`);
  });

  it('demo checks its arguments before the gradient check runs', () => {
    for (const [args, re] of [
      [['--seed', 'x'], /^gradlab: --seed x: expected an integer\n$/],
      [['extra'], /^gradlab: unexpected argument "extra"\n$/],
      [['--save', 'model.txt'], /^gradlab: --save model\.txt: the checkpoint file name must end in \.npz\n$/],
      [['--save', '/nonexistent/dir/m.npz'], /^gradlab: --save \/nonexistent\/dir\/m\.npz: the folder \/nonexistent\/dir does not exist\n$/],
      [['--dataset', '/nonexistent'], /^gradlab: \/nonexistent: no such dataset folder\n$/],
    ] as [string[], RegExp][]) {
      const r = gradlab(['demo', ...args]);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, re);
      assert.equal(r.stdout, '', `nothing printed before the error for ${args.join(' ')}`);
    }
  });

  it('train rejects a batch larger than its training captions and an unwritable --save up front', () => {
    assert.throws(() => jobFromArgs(['--batch', '100']), /--batch 100 is larger than the 50 training captions of --max-train 50 \(--max-train 0 uses the whole train split\)/);
    assert.equal(jobFromArgs(['--batch', '100', '--max-train', '0']).job.batchSize, 100);
    assert.throws(() => jobFromArgs(['--save', '/nonexistent/dir/m.npz']), /--save \/nonexistent\/dir\/m\.npz: the folder \/nonexistent\/dir does not exist/);
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-save-'));
    assert.throws(() => checkSavePath(join(dir, 'm.txt')), /must end in \.npz/);
    assert.doesNotThrow(() => checkSavePath(join(dir, 'm.npz')));
  });

  it('check-python on a folder with no submission in it says so in one line', async () => {
    // A folder is batch mode (a folder of submissions); one with nothing to check is bad input.
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-empty-'));
    await assert.rejects(checkPython([dir]), (e: Error) => e instanceof UsageError && e.message === `${dir}: no cs231n/ folder, no submission folders and no .py files in it`);
    await assert.rejects(checkPython([join(dir, 'nope'), join(dir, 'x.txt')]), (e: Error) => e instanceof UsageError && /nope: no such file or folder; .*x\.txt: no such file or folder$/.test(e.message));
  });
});

describe('gradlab demo stopped by Ctrl-C', () => {
  it('does not call an interrupted overfit a success, and exits 130 like train', () => {
    const line = overfitLine('cancelled', 0.036456, 95, 100, 3900);
    assert.equal(line, 'final loss 0.036456 after 95 iterations, 3.9 s — stopped by Ctrl-C at iteration 95 of 100: not finished');
    assert.doesNotMatch(line, /success/);
    assert.equal(demoExitCode('cancelled', 0, 0.03), 130);
    assert.match(overfitLine('done', 0.031, 100, 100, 3000), /overfit: success$/);
    assert.equal(demoExitCode('done', 0, 0.031), 0);
    assert.equal(demoExitCode('done', 0, 0.2), 1);
    assert.equal(demoExitCode('diverged', 0, undefined), 1);
  });
});

describe('gradlab output into a closed pipe', () => {
  it('demo | head ends quietly with status 0, no EPIPE stack trace', async () => {
    const child = spawn(process.execPath, [cli, 'demo'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // The reader takes the first chunk and goes away, as `head -1` does.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.doesNotMatch(err, /EPIPE|\n\s+at /, err);
    assert.equal(code, 0, err);
  });
});

describe('gradlab explore', () => {
  it('an option of another exploration is an error, not silently ignored', async () => {
    await assert.rejects(exploreOut(['sweep', '--h', '1e-3']), /^UsageError: --h does not apply to explore sweep \(its options: --check, --param, --seed, --json\)$/);
    await assert.rejects(exploreOut(['flow', '--cell', 'lstm']), /--cell does not apply to explore flow/);
    await assert.rejects(exploreOut(['precision', '--bug', 'mask-ignored']), /--bug does not apply to explore precision/);
  });

  it('text output names verdicts as the report and gradlab check do (suspect, not warn)', () => {
    const r = runExplore({ name: 'sparse', seed: 1, cells: ['rnn'], sizes: { N: 2, T: 3, D: 3, W: 3, H: 3, V: 5 }, perParam: 2, directions: 1 });
    assert.equal(r.kind, 'sparse');
    if (r.kind !== 'sparse') return;
    r.cells[0].sparse.params[0].verdict = 'warn';
    const text = formatResult(r);
    assert.match(text, /^W_embed(\s+\S+){4}\s+suspect$/m);
    // Its absolute error and |g| are there to tell round-off on a small gradient from a bug.
    assert.match(text, /^param\s+checked\s+rel error\s+max abs error\s+\|g\| at worst\s+verdict$/m);
    assert.match(text, /not from a bug: the round-off of f\(x ± h\) is the same for every entry/);
    assert.doesNotMatch(text, /\bwarn\b/);
  });

  it('one loss step is "loss step 1", several are "loss steps 1-9"', async () => {
    const out = await exploreOut(['bugs', '--bug', 'dwh-not-accumulated']);
    assert.match(out, /with the bug: rnn\.dWh \(loss steps 1-9\), captioning_rnn\.Wh \(loss step 1\)\n/);
  });
});

describe('gradlab check --cell', () => {
  it('with a layer it would not run: an error instead of an empty table that says "All checks pass"', async () => {
    await assert.rejects(runCheck(['--layer', 'captioning_rnn', '--cell', 'lstm']), /--layer captioning_rnn --cell lstm: the layer names the other cell/);
    await assert.rejects(runCheck(['--layer', 'rnn', '--cell', 'lstm']), /--cell lstm chooses the captioning model's cell; it does not apply to --layer rnn/);
  });
});

describe('gradlab check --h', () => {
  it('is the step the models are checked with too, and the summary says which steps ran', () => {
    const wx = (args: string[]): number => {
      const r = gradlab(['check', '--layer', 'captioning_rnn', '--json', ...args]);
      assert.equal(r.status, 0, r.stderr);
      return (JSON.parse(r.stdout) as { layers: { params: { name: string; relError: number }[] }[] }).layers[0].params.find((q) => q.name === 'Wx')!.relError;
    };
    assert.notEqual(wx(['--h', '1e-3']), wx([]), '--h changes the model check');
    assert.match(gradlab(['check', '--layer', 'captioning_rnn']).stdout, /\(seed 231, h 1e-5, models 1e-6, \d+ ms\)\n$/);
    assert.match(gradlab(['check', '--layer', 'captioning_rnn', '--h', '1e-3']).stdout, /\(seed 231, h 0\.001, \d+ ms\)\n$/);
  });
});

describe('gradlab --help of check and demo', () => {
  it('says what each option does, its default and the exit statuses', () => {
    const check = gradlab(['check', '--help']);
    assert.equal(check.status, 0);
    assert.match(check.stdout, /--h STEP +step of the centred difference \(default 1e-5 for the layers, 1e-6 for the models\)/);
    assert.match(check.stdout, /temporal_softmax_loss, lstm_step, lstm, captioning_rnn, captioning_lstm;/);
    assert.ok(check.stdout.split('\n').every((l) => l.length <= 100), 'lines fit a terminal');
    const demo = gradlab(['demo', '--help']);
    assert.match(demo.stdout, /--seed S +the training run's seed \(default 1\)/);
    assert.match(demo.stdout, /130 Ctrl-C/);
    assert.match(gradlab(['train', '--help']).stdout, /JSON lines \(one event each\) when piped or with --json\.\n(?:.*\n)*?.*--epochs is the new total\.\n.*\n {2}exit status 0 finished, 1 diverged, 2 bad input or a failed run, 130 stopped by Ctrl-C\n$/);
    assert.match(gradlab(['explore', '--help']).stdout, /exit status 0 done, 1 the sanity suite failed/);
  });
});

describe('gradlab check-python without a usable Python', () => {
  it('says nothing was checked instead of "0 passed, 1 failed", exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-py-'));
    const file = join(dir, 'layers.py');
    writeFileSync(file, 'import numpy as np\ndef rnn_step_forward(x, prev_h, Wx, Wh, b):\n    return np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b), None\n');
    const r = gradlab(['check-python', file, '--python', '/nonexistent/python3']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stdout, /\nnothing checked: Python was not found \(tried \/nonexistent\/python3\) \(1 function\(s\) not run\)\n$/);
    assert.doesNotMatch(r.stdout, /passed, \d+ failed/);
  });
});

describe('gradlab train --resume', () => {
  it('a --cell, --hidden or --wordvec the checkpoint disagrees with is an error, not silently ignored', () => {
    const words = ['<NULL>', '<START>', '<END>', 'cat'];
    const model = new CaptioningModel({ wordToIdx: Object.fromEntries(words.map((w, i) => [w, i])), inputDim: 4, wordvecDim: 3, hiddenDim: 5, cellType: 'rnn', seed: 1 });
    const file = join(mkdtempSync(join(tmpdir(), 'gradlab-resume-')), 'm.npz');
    saveCheckpoint(file, { config: { cellType: 'rnn', inputDim: 4, wordvecDim: 3, hiddenDim: 5, vocabSize: 4 }, params: model.params, idxToWord: words, lossHistory: [] });
    assert.throws(() => jobFromArgs(['--resume', file, '--cell', 'lstm']), new RegExp(`^UsageError: --cell lstm: the checkpoint ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} has cell rnn, and --resume continues it as it is \\(drop --cell\\)$`));
    assert.throws(() => jobFromArgs(['--resume', file, '--hidden', '512']), /--hidden 512: the checkpoint .* has hidden 5/);
    assert.equal(jobFromArgs(['--resume', file, '--hidden', '5', '--cell', 'rnn']).job.resume, file);
    assert.equal(jobFromArgs(['--resume', file]).job.resume, file, 'the defaults are not "given"');
  });
});

describe('gradlab train --resume past --epochs', () => {
  before(() => {
    if (!existsSync(cli)) spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
  });

  it('is an error instead of a run that "finishes" at once without training', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gradlab-resume-')), 'one-epoch.npz');
    const r = gradlab(['train', '--hidden', '4', '--wordvec', '3', '--epochs', '1', '--save', file, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.throws(() => jobFromArgs(['--resume', file, '--epochs', '1']), /--epochs 1: the checkpoint .* has already trained 1 epochs; to go on, ask for more \(e\.g\. --epochs 2\)/);
    assert.equal(jobFromArgs(['--resume', file, '--epochs', '2']).job.numEpochs, 2);
  });
});

describe('gradlab train stopped by Ctrl-C (the run is on the command\'s own thread)', () => {
  before(() => {
    if (!existsSync(cli)) spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
  });

  // Waits for the run's second step event, sends SIGINT (twice when asked, the second once the
  // first was answered) and collects the end.
  const interrupted = (twice: boolean): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> =>
    new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [cli, 'train', '--hidden', '16', '--wordvec', '8', '--epochs', '100000', '--json'], { cwd: root });
      let out = '', err = '', sent = 0;
      p.stdout.on('data', (d: Buffer) => {
        out += d;
        if (sent === 0 && out.includes('"type":"step","iteration":2,')) {
          sent = 1;
          p.kill('SIGINT');
        }
      });
      p.stderr.on('data', (d: Buffer) => {
        err += d;
        if (twice && sent === 1 && err.includes('Ctrl-C again')) {
          sent = 2;
          p.kill('SIGINT');
        }
      });
      p.on('error', reject);
      p.on('close', (code, signal) => resolve({ code, signal, out, err }));
    });

  it('once: says so, stops after the iteration, ends with a cancelled summary and exit status 130', async () => {
    const r = await interrupted(false);
    assert.equal(r.code, 130, r.err);
    assert.equal(r.err.trim(), 'stopping after this iteration (Ctrl-C again to quit now)');
    const last = JSON.parse(r.out.trim().split('\n').pop() ?? '{}') as { type?: string; status?: string };
    assert.deepEqual([last.type, last.status], ['done', 'cancelled']);
  });

  it('twice: the second Ctrl-C ends the process at once, without a summary', async () => {
    const r = await interrupted(true);
    // Ended by the signal itself, or by the first request if it finished first; never a full run.
    assert.ok(r.signal === 'SIGINT' || r.code === 130, `code ${r.code} signal ${r.signal}`);
    assert.ok(!r.out.includes('"status":"done"'), 'the run did not finish');
  });
});
