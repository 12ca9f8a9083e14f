/**
 * The raw sidecars of the default dataset's HDF5 files (issue 16): the same arrays and descriptions
 * as HDF5 gives, written on first open, used on the next, and never used when damaged, truncated,
 * of another file or another version (the HDF5 file is read instead and the sidecar written again).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { CAPTIONS_FILE, featureFile, openDataset } from '../../core/data/loader';
import { fsAccess } from '../../runtime/fsAccess';
import { openH5File } from '../../runtime/h5';
import { openSidecar, sidecarPath, withRawSidecars, writeSidecar } from '../../runtime/rawSidecar';
import { removeDir, writeSmallDataset } from './builders';

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

async function sample(): Promise<string> {
  const dir = await writeSmallDataset({ layout: { chunks: true, gzip: 1 } });
  dirs.push(dir);
  return dir;
}

async function writeFor(file: string): Promise<void> {
  const h = await openH5File(file);
  try {
    writeSidecar(file, h);
  } finally {
    h.close();
  }
}

describe('raw sidecar', () => {
  it('reads the same arrays, rows and descriptions as HDF5', async () => {
    const dir = await sample();
    for (const name of [CAPTIONS_FILE, featureFile('train', true), featureFile('val', true)]) {
      const file = path.join(dir, name);
      await writeFor(file);
      const h5 = await openH5File(file);
      const raw = openSidecar(file);
      assert.ok(raw, `${name}: sidecar opens`);
      try {
        assert.deepEqual(raw.keys().sort(), h5.keys().sort());
        for (const k of h5.keys()) {
          assert.deepEqual(raw.info(k), h5.info(k), `${name}:${k} info`);
          const whole = h5.read(k);
          const a = raw.read(k);
          assert.equal(a.constructor, whole.constructor, `${name}:${k} type`);
          assert.deepEqual(a, whole, `${name}:${k} values`);
          // A second read is a copy of the same values, not the array handed out before.
          const b = raw.read(k);
          assert.notEqual(b, a);
          assert.deepEqual(b, whole);
          const rows = (h5.info(k)?.shape[0] ?? 0) as number;
          if (rows >= 3) assert.deepEqual(raw.readRows(k, 1, 3), h5.readRows(k, 1, 3), `${name}:${k} rows 1..2`);
          assert.throws(() => raw.readRows(k, 0, rows + 1), /outside/);
        }
        assert.equal(raw.info('nope'), null);
      } finally {
        raw.close();
        h5.close();
      }
    }
  });

  it('is not used when a byte is changed, it is truncated, or the HDF5 file changed', async () => {
    const dir = await sample();
    // The captions file: its integer datasets are read and checked at open.
    const file = path.join(dir, CAPTIONS_FILE);
    const side = sidecarPath(dir, CAPTIONS_FILE);

    await writeFor(file);
    const bytes = readFileSync(side);
    bytes[bytes.length - 5] ^= 0x40; // inside the last dataset's data: only its checksum can tell
    writeFileSync(side, bytes);
    assert.equal(openSidecar(file), null);
    assert.equal(existsSync(side), false, 'a damaged sidecar is removed');

    // A features file's float data is read by rows, so a changed byte there is found when read.
    const fFile = path.join(dir, featureFile('train', true));
    const fSide = sidecarPath(dir, featureFile('train', true));
    await writeFor(fFile);
    const fBytes = readFileSync(fSide);
    fBytes[fBytes.length - 5] ^= 0x40;
    writeFileSync(fSide, fBytes);
    const lazy = openSidecar(fFile);
    assert.ok(lazy, 'opened: nothing of the features read yet');
    assert.throws(() => lazy.read('features'), /raw copy in the cache .* is damaged \(block \d+ fails its checksum\)/);
    assert.equal(existsSync(fSide), false);
    lazy.close();

    await writeFor(file);
    const whole = readFileSync(side);
    writeFileSync(side, whole.subarray(0, whole.length - 8));
    assert.equal(openSidecar(file), null, 'truncated');

    await writeFor(file);
    const st = statSync(file);
    utimesSync(file, st.atime, new Date(st.mtimeMs + 5000));
    assert.equal(openSidecar(file), null, 'made from another version of the HDF5 file');
  });

  it('large datasets: rows read lazily, each block checked on first read; a bad block is one line naming the cache, and the sidecar goes', async () => {
    const dir = await writeSmallDataset({ nTrain: 3000, layout: { chunks: true, gzip: 1 } });
    dirs.push(dir);
    const name = featureFile('train', true);
    const file = path.join(dir, name);
    const side = sidecarPath(dir, name);
    await writeFor(file);
    const h5 = await openH5File(file);
    try {
      const lazy = openSidecar(file, { eagerBytes: 0 });
      assert.ok(lazy);
      for (const [a, b] of [[0, 1], [5, 9], [1000, 1003], [2999, 3000]]) assert.deepEqual(lazy.readRows('features', a, b), h5.readRows('features', a, b), `rows ${a}..${b - 1}`);
      assert.deepEqual(lazy.read('features'), h5.read('features'));
      lazy.close();
      // Flip a byte in the last block: the open (nothing read yet) succeeds, the read of that row fails.
      const bytes = readFileSync(side);
      bytes[bytes.length - 3] ^= 0x10;
      writeFileSync(side, bytes);
      const bad = openSidecar(file, { eagerBytes: 0 });
      assert.ok(bad);
      assert.deepEqual(bad.readRows('features', 0, 2), h5.readRows('features', 0, 2), 'untouched blocks still read');
      assert.throws(() => bad.readRows('features', 2999, 3000), /raw copy in the cache .* is damaged \(block \d+ fails its checksum\)/);
      assert.equal(existsSync(side), false);
      bad.close();
    } finally {
      h5.close();
    }
  });

  it('withRawSidecars: the first open reads HDF5 and writes sidecars, the next reads them; the dataset is the same', async () => {
    const dir = await sample();
    const plain = await openDataset(fsAccess(dir), { scanFeatures: true });
    const first = await openDataset(withRawSidecars(fsAccess(dir)), { scanFeatures: true });
    for (const name of [CAPTIONS_FILE, featureFile('train', true), featureFile('val', true)]) assert.ok(existsSync(sidecarPath(dir, name)), `${name} sidecar written`);
    const second = await openDataset(withRawSidecars(fsAccess(dir)), { scanFeatures: true });
    try {
      for (const ds of [first, second]) {
        assert.deepEqual(ds.stats.layouts, plain.stats.layouts);
        for (const split of ['train', 'val'] as const) {
          assert.deepEqual(ds.splits[split].captions.data, plain.splits[split].captions.data);
          assert.deepEqual(ds.splits[split].imageIdxs, plain.splits[split].imageIdxs);
          const rows = Array.from({ length: ds.splits[split].numImages }, (_, i) => i);
          assert.deepEqual(ds.splits[split].getFeatures(rows).data, plain.splits[split].getFeatures(rows).data);
        }
      }
    } finally {
      plain.close();
      first.close();
      second.close();
    }
  });
});
