/**
 * The training worker's feature feed (issue 15): a run whose train features stream and are
 * prefetched in a reader thread draws exactly the same minibatches (so the same losses, bit for
 * bit) as the same run without prefetch and as the run holding the features in memory; a stop
 * during the load ends the run before its first iteration.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runTrainJob } from '../../runtime/trainJob';
import type { TrainJob, TrainWorkerEvent } from '../../runtime/trainProtocol';
import { removeDir, writeSmallDataset } from '../data/builders';
import { openDataset } from '../../core/data/loader';
import { fsAccess } from '../../runtime/fsAccess';
import { TrainFeed } from '../../runtime/trainFeed';

describe('prefetch of minibatches', () => {
  let dir = '';
  before(async () => {
    dir = await writeSmallDataset({ nTrain: 40, nVal: 9, layout: { chunks: true, gzip: 4 } });
  });
  after(() => removeDir(dir));

  const job = (extra: Partial<TrainJob>): TrainJob => ({
    dataset: dir,
    cellType: 'rnn',
    hiddenDim: 8,
    wordvecDim: 6,
    updateRule: 'adam',
    learningRate: 5e-3,
    batchSize: 5,
    numEpochs: 3,
    maxTrain: 0,
    seed: 7,
    engine: 'reference',
    evalEvery: 1,
    evalSize: 6,
    sampleCount: 1,
    ...extra,
  });

  async function run(extra: Partial<TrainJob>): Promise<{ losses: number[]; events: TrainWorkerEvent[]; epochs: unknown }> {
    const events: TrainWorkerEvent[] = [];
    const s = await runTrainJob(job(extra), (e) => events.push(e), { tick: () => new Promise<void>((r) => setImmediate(r)) });
    assert.equal(s.status, 'done', s.message);
    return { losses: s.lossHistory, events, epochs: s.epochs };
  }

  for (const maxTrain of [0, 17]) {
    it(`streamed with prefetch = streamed without = held in memory (max train ${maxTrain || 'all'})`, async () => {
      const held = await run({ maxTrain });
      const streamed = await run({ maxTrain, memoryBudgetMB: 0, prefetch: false });
      const prefetched = await run({ maxTrain, memoryBudgetMB: 0 });
      const started = (r: { events: TrainWorkerEvent[] }): string | undefined => (r.events.find((e) => e.type === 'started') as { features?: string } | undefined)?.features;
      assert.match(started(held) ?? '', /in memory/);
      assert.match(started(streamed) ?? '', /streamed$/);
      assert.match(started(prefetched) ?? '', /streamed with prefetch/);
      assert.ok(held.losses.length >= 9, `${held.losses.length} losses`);
      assert.deepEqual(streamed.losses, held.losses);
      assert.deepEqual(prefetched.losses, held.losses);
      assert.deepEqual(prefetched.epochs, held.epochs, 'evaluations (synchronous reads beside the prefetch) agree too');
      // Streaming runs report the share of time spent waiting for data; in-memory runs do not.
      const share = (r: { events: TrainWorkerEvent[] }): (number | undefined)[] => r.events.filter((e) => e.type === 'step').map((e) => (e as Extract<TrainWorkerEvent, { type: 'step' }>).progress.dataWaitShare);
      assert.ok(share(held).every((x) => x === undefined));
      assert.ok(share(prefetched).every((x) => x !== undefined && x >= 0 && x <= 1));
    });
  }

  it('a stop during the feature load ends the run before its first iteration', async () => {
    const events: TrainWorkerEvent[] = [];
    const s = await runTrainJob(job({}), (e) => events.push(e), { signal: { aborted: true } });
    assert.equal(s.status, 'cancelled');
    assert.equal(s.iteration, 0);
    assert.match(s.message, /cancelled before the first iteration/);
    assert.ok(!events.some((e) => e.type === 'step'));
  });

  it("holdRows: a subset's feature rows are held and served from memory with the same values; rows outside it are still read", async () => {
    const ds = await openDataset(fsAccess(dir), { preloadBytes: 0, scanFeatures: false });
    try {
      const feed = new TrainFeed(ds.splits.train);
      const rows = [7, 3, 3, 8, 9, 10, 39, 0];
      feed.holdRows(ds, rows);
      assert.equal(feed.streams(ds), false, 'a held subset is in memory');
      const ask = [10, 3, 39, 7, 7, 0];
      assert.deepEqual(feed.split.getFeatures(ask), ds.splits.train.getFeatures(ask));
      const other = [5, 3];
      assert.deepEqual(feed.split.getFeatures(other), ds.splits.train.getFeatures(other));
      await feed.close();
    } finally {
      ds.close();
    }
  });

  it('a memory budget that is not a number of MB is refused in one line', async () => {
    await assert.rejects(runTrainJob(job({ memoryBudgetMB: -5 }), () => {}), /memory budget must be a number of MB >= 0, got -5/);
  });
});
