/**
 * The language server's crash bookkeeping (extension/serverCrashes.ts): restarts until the 5th
 * crash within 3 minutes, older crashes leave the window, and the log lines name how it ended.
 * Times are passed in, so nothing here depends on the clock.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CRASH_WINDOW_MS, CrashWindow, describeExit, gaveUpLine, gaveUpNotification, MAX_CRASHES, restartLine } from '../../extension/serverCrashes';

const MIN = 60_000;

describe('language server crash window', () => {
  it('restarts after each of the first 4 crashes and gives up at the 5th within 3 minutes', () => {
    assert.equal(MAX_CRASHES, 5);
    assert.equal(CRASH_WINDOW_MS, 3 * MIN);
    const w = new CrashWindow();
    const t0 = 1_000_000;
    assert.deepEqual([0, 1, 2, 3].map((i) => w.record(t0 + i * 10_000)), [true, true, true, true]);
    assert.equal(w.count, 4);
    assert.equal(w.record(t0 + 40_000), false);
    assert.equal(w.count, 5);
  });

  it('forgets crashes older than 3 minutes', () => {
    const w = new CrashWindow();
    for (let i = 0; i < 4; i++) assert.equal(w.record(i * MIN / 2), true); // 0, 0.5, 1, 1.5 min
    // A 5th crash, but at 3.2 min the one at 0 is over 3 minutes old: 4 in the window, restart.
    assert.equal(w.record(3.2 * MIN), true);
    assert.equal(w.count, 4);
    // At 4 min the crashes at 0.5 and 1 min (exactly 3 minutes old) no longer count: 1.5, 3.2, 4.
    assert.equal(w.record(4 * MIN), true);
    assert.equal(w.count, 3);
  });

  it('starts over after a manual restart', () => {
    const w = new CrashWindow();
    for (let i = 0; i < 4; i++) w.record(i);
    w.reset();
    assert.equal(w.count, 0);
    for (let i = 0; i < 4; i++) assert.equal(w.record(10 + i), true);
    assert.equal(w.record(20), false);
  });

  it('names how the process ended', () => {
    assert.equal(describeExit({ pid: 4242, code: null, signal: 'SIGKILL' }), 'process 4242 was killed by SIGKILL');
    assert.equal(describeExit({ pid: 4242, code: 1, signal: null }), 'process 4242 exited with code 1');
    assert.equal(describeExit({ pid: undefined, code: 0, signal: null }), 'its process exited with code 0');
    assert.equal(describeExit(undefined), 'its connection closed (exit status unknown)');
  });

  it('says in the log what happened and what to do', () => {
    const w = new CrashWindow();
    w.record(0);
    const exit = { pid: 7, code: 134, signal: null };
    assert.equal(restartLine(exit, w), 'Gradient Lab language server stopped: process 7 exited with code 134. Restarting it (crash 1 of 5 allowed in 3 minutes).');
    for (let i = 1; i < 5; i++) w.record(i);
    assert.equal(gaveUpLine(exit, w), 'Gradient Lab language server stopped: process 7 exited with code 134. It stopped 5 times in 3 minutes, so it was not restarted; shape hovers and warnings are off until "Gradient Lab: Restart Language Server" or a window reload.');
    assert.equal(gaveUpNotification(exit, w), 'The Gradient Lab language server crashed 5 times in 3 minutes (last: process 7 exited with code 134) and was not restarted. Shape hovers and warnings are off.');
  });
});
