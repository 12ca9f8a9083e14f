/** `gradlab check-python`: exit status and output for an autograder. Needs python3 with numpy. */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const REPO = path.resolve(__dirname, '../..');
const FX = path.join(REPO, 'test/fixtures/pylayers');

function gradlab(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'cli/main.ts'), 'check-python', ...args], { cwd: FX, encoding: 'utf8', timeout: 60000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('gradlab check-python', () => {
  it('exits 1 and names the gradient and timesteps when a check fails', () => {
    const r = gradlab('bugs/no_accumulate_dwh.py');
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /^FAIL {2}rnn_backward {2}\(bugs\/no_accumulate_dwh\.py:7\) {2}dWh: relative error 1\.0e\+00.*timesteps 0 right, 1-9 wrong/m);
    assert.match(r.out, /0 passed, 1 failed/);
  });

  it('exits 0 with --function and --json on correct code', () => {
    const r = gradlab('cs231n/rnn_layers.py', '--function', 'lstm_step_backward', '--json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { results: { function: string; status: string; cases: unknown[] }[]; numpy: string };
    assert.equal(j.results.length, 1);
    assert.equal(j.results[0].function, 'lstm_step_backward');
    assert.equal(j.results[0].status, 'pass');
    assert.ok(j.numpy);
  });

  it('prints traceback frames as file:line for an exception', () => {
    const r = gradlab('misc/raises.py');
    assert.equal(r.code, 1);
    assert.match(r.out, /misc\/raises\.py:14 in rnn_step_backward: dx = da\.dot\(Wx\)/);
  });

  it('exits 2 with one line for a missing file, an unknown function and a missing interpreter', () => {
    const a = gradlab('nope.py');
    assert.equal(a.code, 2);
    assert.match(a.err, /^gradlab: nope\.py: no such file\n$/);
    const b = gradlab('cs231n/rnn_layers.py', '--function', 'not_a_layer');
    assert.equal(b.code, 2);
    assert.match(b.err, /no checkable function named not_a_layer/);
    const c = gradlab('cs231n/rnn_layers.py', '--function', 'rnn_forward', '--python', '/nonexistent/python');
    assert.equal(c.code, 2);
    assert.match(c.out, /Python was not found \(tried \/nonexistent\/python\)/);
  });
});
