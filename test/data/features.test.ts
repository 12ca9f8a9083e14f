/**
 * Feature access for training at real scale (issue 15): the memory-budget decision, the block
 * reader against HDF5's own whole read for every storage layout, streamed reads through the chunk
 * cache and the direct reader, and cancelling a load.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { blockRanges, DEFAULT_MEMORY_BUDGET_MB, FeatureRows, LoadCancelled, residencyPlan } from '../../core/data/features';
import { openDataset } from '../../core/data/loader';
import { openDirectReader, prepareFeatures } from '../../runtime/featureStore';
import { fsAccess } from '../../runtime/fsAccess';
import { openH5File, writeH5File, type H5WriteSpec } from '../../runtime/h5';
import { removeDir, writeSmallDataset } from './builders';

const MB = 1024 * 1024;

describe('memory budget decision', () => {
  const pca = { train: 169_541_632, val: 82_952_192 }; // 82,783 × 512 and 40,504 × 512 float32
  const fc7 = { train: 1_356_316_672, val: 663_617_536 };

  it('holds the course PCA features (train and val) under the default budget, and streams fc7', () => {
    const p = residencyPlan(pca, DEFAULT_MEMORY_BUDGET_MB * MB);
    assert.deepEqual([p.train, p.val], ['memory', 'memory']);
    assert.deepEqual(p.cacheBytes, { train: 0, val: 0 });
    const f = residencyPlan(fc7, DEFAULT_MEMORY_BUDGET_MB * MB);
    assert.deepEqual([f.train, f.val], ['stream', 'stream']);
    // Nothing held: the whole budget goes to the chunk caches, 7/8 to train.
    assert.equal(f.cacheBytes.train + f.cacheBytes.val, DEFAULT_MEMORY_BUDGET_MB * MB);
    assert.equal(f.cacheBytes.train, Math.floor((DEFAULT_MEMORY_BUDGET_MB * MB * 7) / 8));
  });

  it('holds train first; val only when train is held and both fit; the rest of the budget is cache', () => {
    const p = residencyPlan(pca, 200 * MB);
    assert.deepEqual([p.train, p.val], ['memory', 'stream']);
    assert.equal(p.cacheBytes.val, 200 * MB - pca.train);
    assert.equal(p.cacheBytes.train, 0);
    // A small val that would fit alone is not held while train streams.
    const q = residencyPlan({ train: 300 * MB, val: 10 * MB }, 100 * MB);
    assert.deepEqual([q.train, q.val], ['stream', 'stream']);
    // Exactly at the budget counts as fitting.
    const r = residencyPlan({ train: 100, val: 50 }, 150);
    assert.deepEqual([r.train, r.val], ['memory', 'memory']);
    const z = residencyPlan({ train: 1, val: 1 }, 0);
    assert.deepEqual([z.train, z.val, z.cacheBytes.train, z.cacheBytes.val], ['stream', 'stream', 0, 0]);
    assert.throws(() => residencyPlan(pca, -1), /budget/);
  });

  it('block ranges cover every row once and never split a chunk', () => {
    for (const [rows, chunk, target] of [[1000, 64, 64 * 512 * 4 * 3 + 5], [1000, 64, 1], [37, 8, 100 * 28], [10, null, 3 * 28], [82783, 64, 32 * MB]] as const) {
      const r = blockRanges(rows, 28, chunk, target);
      assert.equal(r[0][0], 0);
      assert.equal(r[r.length - 1][1], rows);
      for (let i = 1; i < r.length; i++) assert.equal(r[i][0], r[i - 1][1]);
      for (const [s] of r) assert.equal(s % (chunk ?? 1), 0, `block start ${s} is not on a chunk boundary`);
    }
  });
});

// ----------------------------------------------------------------------------- block reader

const ROWS = 37;
const COLS = 7;

/** Values that differ in every row and column, with no two rows alike (so misplaced rows show). */
function values(f64 = false): Float32Array | Float64Array {
  const a = f64 ? new Float64Array(ROWS * COLS) : new Float32Array(ROWS * COLS);
  for (let r = 0; r < ROWS; r++) for (let c = 0; c < COLS; c++) a[r * COLS + c] = Math.sin(r * 12.9898 + c * 78.233) * 1000 + r;
  return a;
}

const LAYOUTS: Record<string, Partial<H5WriteSpec>> = {
  contiguous: {},
  'chunked (8 rows)': { chunks: [8, COLS] },
  'chunked (5 rows x 3 columns)': { chunks: [5, 3] },
  'chunked gzip': { chunks: [8, COLS], gzip: 6 },
  'chunked shuffle': { chunks: [6, COLS], filter: { id: 2, opts: [4] } },
  'chunked (1 row) gzip': { chunks: [1, COLS], gzip: 1 },
};

async function writeFeatures(dir: string, name: string, layout: Partial<H5WriteSpec>, data: Float32Array | Float64Array): Promise<string> {
  const file = path.join(dir, name);
  await writeH5File(file, [{ name: 'features', data, shape: [ROWS, COLS], ...layout }]);
  return file;
}

async function featureRows(file: string): Promise<FeatureRows> {
  const h = await openH5File(file);
  const info = h.info('features');
  assert.ok(info);
  return new FeatureRows({ file: path.basename(file), split: 'train', rows: ROWS, D: COLS, info, handle: h, whole: null });
}

describe('block reader: rows match a direct read exactly', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gl-feat-'));
  const order = [36, 0, 5, 5, 17, 8, 7, 35, 1, 36, 20, 21, 22, 9];

  for (const [name, layout] of Object.entries(LAYOUTS)) {
    for (const f64 of [false, true]) {
      it(`${name}${f64 ? ' float64' : ''}: whole load, block reads and streamed gathers equal HDF5's read`, async () => {
        const data = values(f64);
        const file = await writeFeatures(dir, `${name.replace(/\W+/g, '_')}${f64 ? '_f64' : ''}.h5`, layout, data);
        const ref = await openH5File(file);
        const whole = ref.read('features');
        ref.close();
        assert.deepEqual(Array.from(whole as Float32Array | Float64Array), Array.from(data));
        const expect = (rows: number[]): number[] => rows.flatMap((r) => Array.from(data.subarray(r * COLS, (r + 1) * COLS)));

        // Streamed, no cache, then a cache big enough for everything, then one too small for a chunk.
        for (const cache of [0, MB, 4]) {
          const fr = await featureRows(file);
          fr.setCacheBytes(cache);
          assert.deepEqual(Array.from(fr.gather(order).data), expect(order), `cache ${cache}`);
          assert.deepEqual(Array.from(fr.gather(order).data), expect(order), `cache ${cache}, second read`);
          if (fr.chunkRows !== null && cache === MB) assert.ok(fr.stats().hits > 0, 'the second read should hit the chunk cache');
          fr.close();
        }
        // Blocks straddling chunk boundaries and the last, short chunk.
        const fr = await featureRows(file);
        for (const [s, e] of [[0, ROWS], [3, 19], [30, 37], [36, 37]]) assert.deepEqual(Array.from(fr.readBlock(s, e)), Array.from(data.subarray(s * COLS, e * COLS)));
        // Whole load in tiny blocks: identical array, and reads no longer touch the file.
        let calls = 0;
        await fr.load({ blockBytes: 1, onProgress: () => calls++ });
        assert.ok(fr.resident);
        assert.ok(calls > 1, 'progress after every block');
        assert.deepEqual(Array.from(fr.whole as Float32Array), Array.from(data));
        assert.equal(fr.whole instanceof Float64Array, f64);
        assert.deepEqual(Array.from(fr.gather(order).data), expect(order));
        fr.close();
      });
    }
  }

  it('contiguous float32: the direct reader finds the data and reads the same bytes as HDF5', async () => {
    const data = values();
    const file = await writeFeatures(dir, 'direct.h5', {}, data);
    const fr = await featureRows(file);
    const r = openDirectReader(file, fr);
    assert.ok(r, 'a contiguous float32 file gets a direct reader');
    fr.setDirectReader(r.read);
    assert.deepEqual(Array.from(fr.gather(order).data), order.flatMap((x) => Array.from(data.subarray(x * COLS, (x + 1) * COLS))));
    const out = new Float32Array(3 * COLS);
    r.read(34, 3, out);
    assert.deepEqual(Array.from(out), Array.from(data.subarray(34 * COLS)));
    assert.ok(fr.stats().direct);
    r.close();
    fr.close();
    // Chunked files and float64 files get none (HDF5 reads them).
    const chunked = await featureRows(await writeFeatures(dir, 'nodirect.h5', { chunks: [8, COLS] }, data));
    assert.equal(openDirectReader(path.join(dir, 'nodirect.h5'), chunked), null);
    chunked.close();
    const f64 = await featureRows(await writeFeatures(dir, 'nodirect64.h5', {}, values(true)));
    assert.equal(openDirectReader(path.join(dir, 'nodirect64.h5'), f64), null);
    f64.close();
  });

  it('a row outside the file and a non-finite value are one-line DatasetErrors', async () => {
    const data = values();
    data[11 * COLS + 2] = NaN;
    const file = await writeFeatures(dir, 'nan.h5', { chunks: [8, COLS], gzip: 1 }, data);
    const fr = await featureRows(file);
    assert.throws(() => fr.gather([ROWS]), /image row 37 is outside \[0, 37\)/);
    assert.throws(() => fr.gather([11]), /features: NaN at row 11, column 2/);
    await assert.rejects(fr.load(), /features: NaN at row 11, column 2/);
    assert.equal(fr.resident, false);
    fr.close();
  });

  it('cleans up', () => removeDir(dir));
});

describe('loading under the budget', () => {
  it('prepareFeatures holds what fits, streams the rest, and a cancel during the load holds nothing', async () => {
    const dir = await writeSmallDataset({ nTrain: 40, nVal: 9, layout: { chunks: true, gzip: 4 } });
    try {
      const open = (): ReturnType<typeof openDataset> => openDataset(fsAccess(dir), { preloadBytes: 0, scanFeatures: false });
      const ds = await open();
      assert.equal(ds.splits.train.featureRows?.resident, false, 'opening is lazy: nothing is read whole');
      const ref = await openDataset(fsAccess(dir));
      const rows = [39, 0, 3, 3, 20];
      const p = await prepareFeatures(ds);
      assert.deepEqual([p.plan.train, p.plan.val], ['memory', 'memory']);
      assert.equal(ds.splits.train.featureRows?.resident, true);
      assert.deepEqual(Array.from(ds.splits.train.getFeatures(rows).data), Array.from(ref.splits.train.getFeatures(rows).data));
      p.close();
      ds.close();

      const small = await open();
      const q = await prepareFeatures(small, { budgetMB: 0 });
      assert.deepEqual([q.plan.train, q.plan.val], ['stream', 'stream']);
      assert.equal(small.splits.train.featureRows?.resident, false);
      assert.deepEqual(Array.from(small.splits.train.getFeatures(rows).data), Array.from(ref.splits.train.getFeatures(rows).data));
      q.close();
      small.close();

      // Cancel: the signal fires after the first block; the load stops and nothing is held.
      const c = await open();
      const signal = { aborted: false };
      let progress = 0;
      await assert.rejects(
        prepareFeatures(c, { signal, blockBytes: 1, tick: async () => {}, onProgress: () => { progress++; signal.aborted = true; } }),
        (e: unknown) => e instanceof LoadCancelled && /cancelled at row/.test((e as Error).message),
      );
      assert.equal(progress, 1, 'stopped after the first block');
      assert.equal(c.splits.train.featureRows?.resident, false);
      c.close();
      ref.close();
    } finally {
      removeDir(dir);
    }
  });
});
