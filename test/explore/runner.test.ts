// "Explore…" started while another exploration runs: the earlier one ends quietly as replaced,
// not as "failed: the exploration worker stopped", and the new one shows its result.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExploreRunner } from '../../runtime/exploreRun';

// A stand-in for dist/exploreWorker.js: "slow" never finishes, "fast" answers at once, "bad" fails.
const dir = mkdtempSync(join(tmpdir(), 'gradlab-runner-'));
const script = join(dir, 'worker.js');
writeFileSync(
  script,
  `const { parentPort, workerData } = require('node:worker_threads');
   const name = workerData.request.name;
   parentPort.postMessage({ type: 'progress', message: 'started ' + name });
   if (name === 'sweep') setInterval(() => undefined, 1000);
   else if (name === 'flow') parentPort.postMessage({ type: 'error', message: 'no such dataset folder' });
   else parentPort.postMessage({ type: 'done', result: { kind: 'precision', table: null }, ms: 1 });`,
);

describe('exploration runner', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a second run replaces the first: the first resolves as superseded, the second as done', async () => {
    const runner = new ExploreRunner(script);
    const progress: string[] = [];
    const first = runner.start({ request: { name: 'sweep' }, data: 'default' }, (m) => progress.push(m));
    const second = runner.start({ request: { name: 'precision' }, data: 'default' }, (m) => progress.push(m));
    assert.deepEqual(await first.done, { kind: 'superseded' });
    const r = await second.done;
    assert.equal(r.kind, 'done');
    assert.ok(progress.every((m) => m !== 'started sweep'), 'nothing is reported from a replaced run');
  });

  it('cancel resolves as cancelled; a worker error rejects with its message', async () => {
    const runner = new ExploreRunner(script);
    const slow = runner.start({ request: { name: 'sweep' }, data: 'default' }, () => undefined);
    slow.cancel();
    assert.deepEqual(await slow.done, { kind: 'cancelled' });
    await assert.rejects(runner.start({ request: { name: 'flow' }, data: '/nowhere' }, () => undefined).done, /^Error: no such dataset folder$/);
    const last = runner.start({ request: { name: 'sweep' }, data: 'default' }, () => undefined);
    runner.dispose();
    assert.deepEqual(await last.done, { kind: 'cancelled' });
  });
});
