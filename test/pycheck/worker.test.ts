/**
 * The editor runs checks in a worker thread (dist/pycheckWorker.js): results stream back per
 * function, and cancelling kills the Python child. The worker is bundled here with esbuild as
 * esbuild.mjs does. Needs python3 with numpy.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as esbuild from 'esbuild';
import { functionsIn, type FunctionResult } from '../../core/node/pycheck/index';
import { defaultDriverPath } from '../../core/node/pycheck/runner';
import { checkInWorker } from '../../extension/pycheck/worker';

const ROOT = path.resolve(__dirname, '../fixtures/pylayers');
const dist = mkdtempSync(path.join(tmpdir(), 'gradlab-pyworker-'));

before(async () => {
  await esbuild.build({
    entryPoints: [path.resolve(__dirname, '../../core/node/pycheck/worker.ts')],
    outfile: path.join(dist, 'pycheckWorker.js'),
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning',
  });
});

describe('checks in the worker thread', () => {
  it('stream one result per function, the same as in-process', async () => {
    const file = path.join(ROOT, 'bugs/no_accumulate_dwh.py');
    const seen: FunctionResult[] = [];
    const warnings: string[] = [];
    const rs = await checkInWorker(dist, file, functionsIn(file), { python: ['python3'], cwd: ROOT, driver: defaultDriverPath() }, (r) => seen.push(r), (w) => warnings.push(w));
    assert.deepEqual(warnings, []);
    assert.equal(seen.length, 1);
    assert.equal(rs[0].function, 'rnn_backward');
    assert.equal(rs[0].status, 'fail');
    assert.match(rs[0].summary, /^dWh: .*timesteps 0 right, 1-9 wrong/);
  });

  it('cancel stops an endless loop at once and says cancelled', async () => {
    const file = path.join(ROOT, 'misc/loops.py');
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 800);
    const rs = await checkInWorker(dist, file, functionsIn(file), { python: ['python3'], cwd: ROOT, driver: defaultDriverPath(), timeoutMs: 60000, signal: ac.signal }, () => undefined, () => undefined);
    assert.ok(Date.now() - t0 < 10000, `settled ${Date.now() - t0} ms after start`);
    assert.equal(rs[0].problem?.kind, 'cancelled');
  });

  it('without the bundle it checks in-process and warns', async () => {
    const file = path.join(ROOT, 'cs231n/rnn_layers.py');
    const warnings: string[] = [];
    const rs = await checkInWorker(path.join(dist, 'nowhere'), file, functionsIn(file, 'rnn_step_forward'), { python: ['python3'], cwd: ROOT, driver: defaultDriverPath() }, () => undefined, (w) => warnings.push(w));
    assert.equal(rs[0].status, 'pass');
    assert.match(warnings[0], /pycheckWorker\.js is missing/);
  });
});
