/**
 * Checking users' numpy code: the fixtures in test/fixtures/pylayers run in python3 with numpy
 * (installed by .ci/run when missing). The correct implementation passes everywhere; each classic
 * bug is reported on the right function, the right gradient and, over time, the right timesteps.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { checkFile, type FunctionResult, type PyCheckOptions, type PyParamCheck } from '../../runtime/pycheck/index';
import { timestepRuns } from '../../runtime/pycheck/format';
import { DEFAULT_THRESHOLDS, worstVerdict, type CheckReport } from '../../core/gradcheck';
import { parseToWebview } from '../../protocol/webview';

const ROOT = path.resolve(__dirname, '../fixtures/pylayers');
const opts: PyCheckOptions = { python: ['python3'], cwd: ROOT, timeoutMs: 20000 };
const fx = (p: string): string => path.join(ROOT, p);

async function one(file: string, fn: string, o: Partial<PyCheckOptions> = {}): Promise<FunctionResult> {
  const rs = await checkFile(fx(file), { ...opts, ...o }, fn);
  assert.equal(rs.length, 1, `${fn} found once in ${file}`);
  return rs[0];
}

/** The user's results against the engine in the case that decided the verdict. */
function checksOf(r: FunctionResult): PyParamCheck[] {
  const worst = r.cases.find((c) => c.verdict === 'wrong' || c.verdict === 'warn') ?? r.cases[0];
  return worst.checks;
}
const wrongNames = (r: FunctionResult): string[] => checksOf(r).filter((p) => p.verdict === 'wrong' || p.verdict === 'warn').map((p) => p.name).sort();
const param = (r: FunctionResult, name: string): PyParamCheck => {
  const p = checksOf(r).find((q) => q.name === name);
  assert.ok(p, `${r.function} has a check of ${name}`);
  return p;
};

before(() => {
  const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    console.error('test/pycheck needs python3 with numpy (.ci/run installs python3-numpy): ' + (probe.error?.message ?? probe.stderr.trim()));
  }
});

describe('correct implementations pass', () => {
  it('every layer function of cs231n/rnn_layers.py matches the engine and its own numerical gradients', async () => {
    const rs = await checkFile(fx('cs231n/rnn_layers.py'), opts);
    assert.equal(rs.length, 15);
    for (const r of rs) assert.equal(r.status, 'pass', `${r.function}: ${r.summary}`);
    const bw = rs.find((r) => r.function === 'rnn_backward')!;
    assert.ok(bw.cases[0].numeric.length === 5, 'rnn_backward compared with 5 numerical gradients');
    for (const p of bw.cases[0].numeric) assert.ok(p.relError < 1e-6, `${p.name} numeric ${p.relError}`);
    for (const p of bw.cases[0].checks) assert.ok(p.relError < 1e-10, `${p.name} engine ${p.relError}`);
  });

  it("the model's loss (notebook values and gradients) and sample pass for rnn and lstm", async () => {
    const rs = await checkFile(fx('cs231n/classifiers/rnn.py'), opts);
    assert.deepEqual(rs.map((r) => r.function), ['CaptioningRNN.loss', 'CaptioningRNN.sample']);
    for (const r of rs) assert.equal(r.status, 'pass', `${r.function}: ${r.summary}`);
    const loss = rs[0].cases.find((c) => c.id === 'notebook-rnn')!.checks.find((p) => p.name === 'loss')!;
    assert.ok(Math.abs(loss.worst.analytic - 9.83235591003) < 1e-10, `notebook rnn loss ${loss.worst.analytic}`);
    const lstm = rs[0].cases.find((c) => c.id === 'notebook-lstm')!.checks.find((p) => p.name === 'loss')!;
    assert.ok(Math.abs(lstm.worst.analytic - 9.82445935443) < 1e-10, `notebook lstm loss ${lstm.worst.analytic}`);
  });
});

describe('thresholds', () => {
  it("the user's thresholds decide the verdicts (absurdly strict ones fail a correct forward)", async () => {
    const strict = await one('cs231n/rnn_layers.py', 'rnn_forward', { thresholds: { good: 1e-20, ok: 1e-19, warn: 1e-18 } });
    assert.equal(strict.status, 'fail');
    assert.equal(strict.cases[0].thresholds.warn, 1e-18);
  });
});

describe('imports', () => {
  it('a module inside a package imports its siblings relatively (from ..rnn_layers import *)', async () => {
    const r = await one('cs231n/classifiers/relative_rnn.py', 'CaptioningRNN.loss');
    assert.equal(r.status, 'pass', r.summary);
  });
});

describe("the seed student's code, verbatim", () => {
  it('passes every layer and the loss; sample() fails on a batch of three at captions[:,0] = [1,1]', async () => {
    const rs = await checkFile(fx('seed/student.py'), opts);
    assert.equal(rs.length, 11);
    for (const r of rs.filter((x) => x.function !== 'CaptioningRNN.sample')) assert.equal(r.status, 'pass', `${r.function}: ${r.summary}`);
    const sample = rs.find((x) => x.function === 'CaptioningRNN.sample')!;
    assert.equal(sample.status, 'error');
    const frame = sample.error!.frames[sample.error!.frames.length - 1];
    assert.equal(frame.text, 'captions[:,0] = [1,1]');
  });
});

describe('classic bugs are reported on the right function, gradient and timesteps', () => {
  it('no accumulation of dWh over time: rnn_backward, dWh only, right for the loss at t=0 only', async () => {
    const r = await one('bugs/no_accumulate_dwh.py', 'rnn_backward');
    assert.equal(r.status, 'fail');
    assert.deepEqual(wrongNames(r), ['dWh']);
    const p = param(r, 'dWh');
    assert.equal(p.timestepsFrom, 'upstream');
    assert.equal(timestepRuns(p.perTimestep!), 'timesteps 0 right, 1-9 wrong');
    assert.match(r.summary, /^dWh: relative error 1\.0e\+00, worst at \[\d, \d\] .*timesteps 0 right, 1-9 wrong/);
    assert.ok(r.details.some((d) => /numerical gradient of your rnn_forward agrees with the engine/.test(d)));
  });

  it('tanh derivative dropped: rnn_step_backward, every gradient', async () => {
    const r = await one('bugs/tanh_derivative_dropped.py', 'rnn_step_backward');
    assert.equal(r.status, 'fail');
    assert.deepEqual(wrongNames(r), ['dWh', 'dWx', 'db', 'dprev_h', 'dx']);
    assert.match(r.summary, /5 of 5 gradients wrong/);
    // Its forward is the correct one: the numerical gradients side with the engine.
    assert.ok(r.cases[0].forward.every((p) => p.verdict === 'good'));
    assert.ok(r.cases[0].numeric.every((p) => p.verdict === 'wrong'));
  });

  it('LSTM gates out of order: the forward is named with the order found, the backward is told to fix the forward', async () => {
    const f = await one('bugs/lstm_gates_out_of_order.py', 'lstm_step_forward');
    assert.equal(f.status, 'fail');
    assert.deepEqual(wrongNames(f), ['next_c', 'next_h']);
    assert.match(f.summary, /gates are read in the order i, f, g, o .*CS231n's order is i, f, o, g/);
    const b = await one('bugs/lstm_gates_out_of_order.py', 'lstm_step_backward');
    assert.equal(b.status, 'fail');
    assert.ok(wrongNames(b).includes('dWx'), 'dWx wrong against the engine');
    assert.ok(b.cases[0].numeric.every((p) => p.verdict === 'good' || p.verdict === 'ok'), 'consistent with its own forward');
    assert.match(b.summary, /match the numerical gradient of your lstm_step_forward, but lstm_step_forward itself is wrong .*i, f, g, o/);
  });

  it('loss divided by the number of unmasked steps: temporal_softmax_loss, loss and dx, with the ratio named', async () => {
    const r = await one('bugs/loss_divided_by_unmasked.py', 'temporal_softmax_loss');
    assert.equal(r.status, 'fail');
    assert.deepEqual(wrongNames(r), ['dx', 'loss']);
    assert.match(r.summary, /divide the summed loss by N, not by the number of unmasked positions/);
  });

  it('embedding backward assigns: word_embedding_backward, dW, repeated words named', async () => {
    const r = await one('bugs/embedding_assignment.py', 'word_embedding_backward');
    assert.equal(r.status, 'fail');
    assert.deepEqual(wrongNames(r), ['dW']);
    assert.match(r.summary, /^dW: relative error .*words that occur more than once in x; accumulate .*np\.add\.at/);
  });

  it('upstream dh not added at each step: rnn_backward, wrong before the last step only', async () => {
    const r = await one('bugs/upstream_dh_not_added.py', 'rnn_backward');
    assert.equal(r.status, 'fail');
    assert.deepEqual(wrongNames(r), ['dWh', 'dWx', 'db', 'dh0', 'dx']);
    const dx = param(r, 'dx');
    assert.equal(dx.timestepsFrom, 'axis');
    assert.equal(timestepRuns(dx.perTimestep!), 'timesteps 0-8 wrong, 9 right');
    const dWh = param(r, 'dWh');
    assert.equal(dWh.timestepsFrom, 'upstream');
    assert.equal(timestepRuns(dWh.perTimestep!), 'timesteps 0-8 wrong, 9 right');
    assert.match(r.summary, /timesteps 0-8 wrong, 9 right/);
  });

  it('forward bugs: h0 fed at every step is wrong from timestep 1 on; NaN outputs are reported as such', async () => {
    const rs = await checkFile(fx('misc/forward_bugs.py'), opts);
    const by = Object.fromEntries(rs.map((r) => [r.function, r]));
    assert.equal(by.rnn_forward.status, 'fail');
    assert.deepEqual(wrongNames(by.rnn_forward), ['h']);
    assert.match(by.rnn_forward.summary, /^h: relative error .*timesteps 0 right, 1-2 wrong \[notebook inputs\]$/);
    assert.equal(by.rnn_step_forward.status, 'fail');
    assert.match(by.rnn_step_forward.summary, /^next_h: relative error nan, worst at \[\d, \d\] \(yours nan, expected /);
  });

  it("a checked file's results make a report the report webview accepts (per-timestep errors kept)", async () => {
    const rs = [...(await checkFile(fx('bugs/upstream_dh_not_added.py'), opts)), ...(await checkFile(fx('misc/forward_bugs.py'), opts)), ...(await checkFile(fx('misc/raises.py'), opts))];
    const layers = rs.map((r) => r.layer);
    const report: CheckReport = { seed: 0, h: 1e-5, dtype: 'float64', layers, verdict: worstVerdict(layers.map((l) => l.verdict)) };
    const msg = parseToWebview('report', JSON.parse(JSON.stringify({ type: 'setReport', payload: { report, thresholds: DEFAULT_THRESHOLDS, title: 'python' } })));
    assert.equal(msg.type, 'setReport');
    const parsed = (msg as { payload: { report: CheckReport } }).payload.report;
    assert.equal(parsed.layers[0].layer, 'rnn_backward (upstream_dh_not_added.py)');
    const dWh = parsed.layers[0].params.find((p) => p.name === 'dWh')!;
    assert.equal(dWh.perTimestep?.length, 10);
    assert.equal(parsed.layers.find((l) => l.layer === 'rnn_step_backward (raises.py)')?.params.length, 0, 'an exception has no tensors to show');
  });

  it('a correct function imported next to a bug is not flagged (only functions defined in the file are checked)', async () => {
    const rs = await checkFile(fx('bugs/no_accumulate_dwh.py'), opts);
    assert.deepEqual(rs.map((r) => r.function), ['rnn_backward']);
  });
});

describe('failures of the user code and of Python itself', () => {
  it('an exception comes back with its traceback frames in the user file', async () => {
    const r = await one('misc/raises.py', 'rnn_step_backward');
    assert.equal(r.status, 'error');
    assert.match(r.summary, /^rnn_step_backward raised ValueError: .*not aligned.* \(line 14\)/);
    const last = r.error!.frames[r.error!.frames.length - 1];
    assert.equal(last.file, fx('misc/raises.py'));
    assert.equal(last.line, 14);
    assert.equal(last.function, 'rnn_step_backward');
    assert.ok(!r.error!.traceback.includes('driver.py'), 'the driver is not in the traceback');
  });

  it('wrong return counts, None and shapes are reported by name; prints do not break the answer', async () => {
    const rs = await checkFile(fx('misc/wrong_returns.py'), opts);
    const by = Object.fromEntries(rs.map((r) => [r.function, r]));
    assert.equal(by.rnn_step_backward.summary, 'rnn_step_backward returned 4 values, expected dx, dprev_h, dWx, dWh, db');
    assert.ok(by.rnn_step_backward.details.some((d) => d.includes('debug: da has shape')));
    assert.match(by.rnn_backward.summary, /dx is None \(not implemented yet\?\)/);
    assert.match(by.word_embedding_forward.summary, /out has shape \(4, 2, 3\), expected \(2, 4, 3\)/);
  });

  it('right gradients in the wrong order are named as such', async () => {
    const r = await one('misc/return_order.py', 'rnn_step_backward');
    assert.equal(r.status, 'fail');
    assert.equal(r.summary, "rnn_step_backward: your results are right but in the order dx, dWx, dprev_h, dWh, db; CS231n's order is dx, dprev_h, dWx, dWh, db");
  });

  it('writes to fd 1 do not corrupt the answer; sys.exit in a function is reported, not fatal', async () => {
    const rs = await checkFile(fx('misc/hostile.py'), opts);
    const by = Object.fromEntries(rs.map((r) => [r.function, r]));
    assert.equal(by.rnn_step_forward.status, 'pass', by.rnn_step_forward.summary);
    assert.equal(by.rnn_forward.status, 'error');
    assert.match(by.rnn_forward.summary, /^rnn_forward raised SystemExit: 3 \(line 16\)/);
  });

  it('an endless loop is stopped after the time limit, with a message saying so', async () => {
    const t0 = Date.now();
    const r = await one('misc/loops.py', 'rnn_step_forward', { timeoutMs: 1500 });
    assert.equal(r.status, 'error');
    assert.equal(r.problem?.kind, 'timeout');
    assert.match(r.summary, /rnn_step_forward did not finish within 1\.5 s and was stopped/);
    assert.ok(Date.now() - t0 < 8000, 'returned soon after the limit');
  });

  it('in one process per file, an endless loop and a dying Python stop only their own functions', async () => {
    const rs = await checkFile(fx('misc/loop_and_exit.py'), { ...opts, timeoutMs: 1500 });
    const by = Object.fromEntries(rs.map((r) => [r.function, r]));
    assert.deepEqual(rs.map((r) => r.function), ['rnn_step_forward', 'rnn_step_backward', 'rnn_forward', 'rnn_backward']);
    assert.equal(by.rnn_step_forward.status, 'pass', by.rnn_step_forward.summary);
    assert.equal(by.rnn_step_backward.problem?.kind, 'timeout');
    assert.match(by.rnn_step_backward.summary, /^rnn_step_backward did not finish within 1\.5 s/);
    assert.equal(by.rnn_forward.problem?.kind, 'crashed');
    assert.match(by.rnn_forward.summary, /^rnn_forward stopped Python \(exit code 7\)/);
    assert.equal(by.rnn_backward.problem?.kind, 'crashed', 'its forward (called for the cache) exits too');
  });

  it("the seed's sample() (a batch of two hard-coded) fails with its line; <START> in column 0 is explained", async () => {
    const seed = await one('misc/seed_sample.py', 'CaptioningRNN.sample');
    assert.equal(seed.status, 'error');
    assert.match(seed.summary, /could not broadcast .* \(line 21\)/);
    const col = await one('misc/start_column.py', 'CaptioningRNN.sample');
    assert.equal(col.status, 'fail');
    assert.match(col.summary, /every word comes one column late \(column 0 holds <START> \(1\)\): write the word generated at step t into captions\[:, t\]/);
  });

  it('a missing interpreter is explained with what to install', async () => {
    const r = await one('cs231n/rnn_layers.py', 'rnn_step_forward', { python: ['/nonexistent/python3'] });
    assert.equal(r.problem?.kind, 'not-found');
    assert.match(r.summary, /Python was not found \(tried \/nonexistent\/python3\).*install Python 3 with numpy/);
  });

  it('missing numpy is explained with the pip and apt commands', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gradlab-nonumpy-'));
    const wrapper = path.join(dir, 'python-without-numpy');
    writeFileSync(wrapper, '#!/bin/sh\nexec python3 -S "$@"\n');
    chmodSync(wrapper, 0o755);
    const r = await one('cs231n/rnn_layers.py', 'rnn_step_forward', { python: [wrapper] });
    assert.equal(r.problem?.kind, 'no-numpy');
    assert.match(r.summary, /numpy is not installed for .*pip install numpy.*python3-numpy/);
  });

  it('a file that fails to import reports the import error on every function', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gradlab-import-'));
    const file = path.join(dir, 'broken.py');
    writeFileSync(file, 'import numpy as np\nimport not_a_module_anywhere\n\ndef rnn_step_forward(x, prev_h, Wx, Wh, b):\n    return None, None\n');
    const rs = await checkFile(file, { ...opts, cwd: dir });
    assert.equal(rs[0].status, 'error');
    assert.match(rs[0].summary, /importing broken\.py raised ModuleNotFoundError: .*not_a_module_anywhere.*line 2/);
  });
});
