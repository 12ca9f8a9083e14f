// The sanity suite on the embedded default dataset (every line, rnn), and on a synthetic set.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openDatasetAt } from '../../runtime/fsAccess';
import { runSanity } from '../../core/explore/sanity';
import { syntheticData } from '../../core/explore/index';

async function defaultDataset() {
  try {
    return await openDatasetAt('default');
  } catch (e) {
    return (e as Error).message;
  }
}

describe('sanity suite', () => {
  it('the fast lines pass on a synthetic set, with their numbers (beam width 1 = greedy included)', () => {
    const r = runSanity(syntheticData(), { hiddenDim: 16, wordvecDim: 8, only: ['initial-loss', 'masked-zero-gradient', 'causality', 'beam-greedy'] });
    assert.equal(r.lines.length, 4);
    for (const l of r.lines) assert.equal(l.status, 'pass', `${l.title}: ${l.detail}`);
    const init = r.lines[0];
    assert.ok(Math.abs(init.values.ratio - 1) < 0.1);
    assert.equal(r.lines[1].values.nonzero, 0);
    assert.ok(r.lines[1].values.masked > 0);
    assert.equal(r.lines[3].values.captions, 10);
    assert.equal(r.lines[3].values.differing, 0);
  });

  it('passes on the default dataset (rnn: initial loss, masking, causality, loss falls, overfit 50 captions < 0.1)', async (t) => {
    const ds = await defaultDataset();
    if (typeof ds === 'string') {
      t.skip(`the embedded default dataset is not in this checkout: ${ds}`);
      return;
    }
    const r = runSanity(ds, { cell: 'rnn' });
    const fails = r.lines.filter((l) => l.status === 'fail').map((l) => `${l.title}: ${l.detail}`);
    assert.deepEqual(fails, []);
    const overfit = r.lines.find((l) => l.id === 'overfit')!;
    assert.equal(overfit.status, 'pass');
    assert.ok(overfit.values.last < 0.1, `overfit loss ${overfit.values.last}`);
    assert.ok(r.lines.find((l) => l.id === 'loss-falls')!.values.last < r.lines.find((l) => l.id === 'loss-falls')!.values.first);
    ds.close();
  });
});
