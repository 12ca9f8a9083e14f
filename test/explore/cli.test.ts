// `gradlab explore`: JSON out, exit status, one-line errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runWith } from '../../cli/commands/explore';
import { UsageError } from '../../cli/args';

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await runWith(argv, (s) => (out += s), () => undefined);
  return { code, out };
}

describe('gradlab explore', () => {
  it('sweep --json prints one JSON result with both precisions', async () => {
    const { code, out } = await capture(['sweep', '--check', 'rnn_step', '--param', 'dWh', '--json']);
    assert.equal(code, 0);
    const r = JSON.parse(out);
    assert.equal(r.kind, 'sweep');
    assert.deepEqual(r.sweep.curves.map((c: { precision: string }) => c.precision), ['float64', 'float32']);
    assert.equal(r.sweep.hs.length, 23);
  });

  it('bugs --bug prints the catalogue entry as text and exits 0 when it shows what it promises', async () => {
    const { code, out } = await capture(['bugs', '--bug', 'dwh-not-accumulated']);
    assert.equal(code, 0);
    assert.match(out, /dWh not accumulated/);
    assert.match(out, /with the bug: rnn\.dWh \(loss steps 1-9\), captioning_rnn\.Wh/);
    assert.match(out, /shows what it promises/);
  });

  it('flow and sparse run without a dataset', async () => {
    const f = JSON.parse((await capture(['flow', '--json', '--data', 'test/fixtures/coco-mini'])).out);
    assert.equal(f.kind, 'flow');
    assert.equal(f.grid.runs.length, f.grid.Ts.length);
    assert.ok(f.caption === undefined || f.caption.words.length === f.caption.rnn.dh.length);
    if (f.caption) assert.deepEqual([f.caption.split, f.caption.index], ['val', 0], 'the caption says which split it comes from');
    const s = JSON.parse((await capture(['sparse', '--json', '--cell', 'rnn', '--sizes', '3,4,5,6,7,9', '--per-param', '3', '--directions', '2'])).out);
    assert.equal(s.cells[0].directional.forwardPasses, 4);
  });

  it('bad input is a one-line usage error naming it', async () => {
    await assert.rejects(capture(['sweeep']), (e: Error) => e instanceof UsageError && /expected one of sweep, precision, bugs, sanity, flow, sparse/.test(e.message));
    await assert.rejects(capture(['bugs', '--bug', 'nope']), /--bug nope: expected one of/);
    await assert.rejects(capture(['sparse', '--sizes', '1,2']), /six positive integers/);
  });
});
