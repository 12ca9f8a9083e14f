/**
 * The editor runs checks in a long-lived worker thread (dist/pycheckWorker.js) that keeps the next
 * Python process started between checks. The worker is bundled here with esbuild as esbuild.mjs
 * does. Needs python3 with numpy.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as esbuild from 'esbuild';
import { functionsIn, type FunctionResult } from '../../runtime/pycheck/index';
import { defaultDriverPath, disposeWarm, runDriver, warmPids, warmUp } from '../../runtime/pycheck/runner';
import { PyCheckWorker } from '../../runtime/pycheck/workerHost';

const ROOT = path.resolve(__dirname, '../fixtures/pylayers');
const dist = mkdtempSync(path.join(tmpdir(), 'gradlab-pyworker-'));
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const until = async (f: () => boolean, ms = 5000): Promise<boolean> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (f()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return f();
};

before(async () => {
  await esbuild.build({
    entryPoints: [path.resolve(__dirname, '../../runtime/pycheck/worker.ts')],
    outfile: path.join(dist, 'pycheckWorker.js'),
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning',
  });
});

describe('a warm Python process', () => {
  after(() => disposeWarm());

  it('is started after a run, answers the next job, and is killed by disposeWarm', async () => {
    const job = { module: path.join(ROOT, 'cs231n/rnn_layers.py'), root: ROOT, cases: [] };
    const opts = { python: ['python3'], driver: defaultDriverPath(), cwd: ROOT, timeoutMs: 20000, groups: [], prewarm: true };
    const first = await runDriver(job, opts);
    assert.ok(first.ok);
    const [warm] = warmPids();
    assert.ok(warm > 0 && warm !== first.pid, 'a second process waits');
    const second = await runDriver(job, opts);
    assert.equal(second.pid, warm, 'the waiting process answered');
    const [next] = warmPids();
    assert.ok(next > 0 && next !== warm);
    disposeWarm();
    assert.deepEqual(warmPids(), []);
    assert.ok(await until(() => !alive(next)), 'the waiting process is gone');
  });
});

describe('warming up ahead of the first check', () => {
  after(() => disposeWarm());

  it('the process started by warmUp answers the first job', async () => {
    warmUp('python3', defaultDriverPath(), ROOT);
    const [warm] = warmPids();
    assert.ok(warm > 0);
    const a = await runDriver({ module: path.join(ROOT, 'cs231n/rnn_layers.py'), root: ROOT, cases: [] }, { python: ['python3'], driver: defaultDriverPath(), cwd: ROOT, timeoutMs: 20000, groups: [] });
    assert.equal(a.pid, warm);
    assert.deepEqual(warmPids(), [], 'no prewarm asked: nothing waits after the run');
  });
});

describe('checks in the worker thread', () => {
  it('stream one result per function; later checks reuse the worker', async () => {
    const warnings: string[] = [];
    const w = new PyCheckWorker(dist, (m) => warnings.push(m));
    try {
      const file = path.join(ROOT, 'bugs/no_accumulate_dwh.py');
      const seen: FunctionResult[] = [];
      const rs = await w.run(file, functionsIn(file), { python: ['python3'], cwd: ROOT, driver: defaultDriverPath() }, (r) => seen.push(r));
      assert.deepEqual(warnings, []);
      assert.equal(seen.length, 1);
      assert.equal(rs[0].function, 'rnn_backward');
      assert.match(rs[0].summary, /^dWh: .*timesteps 0 right, 1-9 wrong/);
      const file2 = path.join(ROOT, 'cs231n/rnn_layers.py');
      const rs2 = await w.run(file2, functionsIn(file2, 'lstm_step_backward'), { python: ['python3'], cwd: ROOT, driver: defaultDriverPath() }, () => undefined);
      assert.equal(rs2[0].status, 'pass', rs2[0].summary);
    } finally {
      w.dispose();
    }
  });

  it('cancel stops an endless loop at once and says cancelled', async () => {
    const w = new PyCheckWorker(dist, () => undefined);
    try {
      const file = path.join(ROOT, 'misc/loops.py');
      const ac = new AbortController();
      const t0 = Date.now();
      setTimeout(() => ac.abort(), 800);
      const rs = await w.run(file, functionsIn(file), { python: ['python3'], cwd: ROOT, driver: defaultDriverPath(), timeoutMs: 60000, signal: ac.signal }, () => undefined);
      assert.ok(Date.now() - t0 < 10000, `settled ${Date.now() - t0} ms after start`);
      assert.equal(rs[0].problem?.kind, 'cancelled');
    } finally {
      w.dispose();
    }
  });

  it('without the bundle it checks in-process and warns', async () => {
    const warnings: string[] = [];
    const w = new PyCheckWorker(path.join(dist, 'nowhere'), (m) => warnings.push(m));
    const file = path.join(ROOT, 'cs231n/rnn_layers.py');
    const rs = await w.run(file, functionsIn(file, 'rnn_step_forward'), { python: ['python3'], cwd: ROOT, driver: defaultDriverPath() }, () => undefined);
    assert.equal(rs[0].status, 'pass');
    assert.match(warnings[0], /pycheckWorker\.js is missing/);
  });
});
