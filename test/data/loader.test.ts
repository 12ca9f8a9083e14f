/**
 * The loader on real layouts: every HDF5 storage layout (contiguous, chunked, gzip, shuffle,
 * shuffle+gzip from the h5py-written COCO fixture), both read paths (preloaded, hyperslab),
 * the COCO fixture with the real vocabulary, max_train, minibatches, decoding, image refs.
 */
import assert from 'node:assert/strict';
import { checkScene } from '../../runtime/scenePng';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  captionText,
  classifyImageRef,
  decodeCaptions,
  decodeCaptionWords,
  encodeCaption,
  gatherCaptions,
  openDataset,
  resolveImageRef,
  sampleMinibatch,
} from '../../core/data';
import { fsAccess, openDatasetAt } from '../../runtime/fsAccess';
import { writeH5File } from '../../runtime/h5';
import { Rng } from '../../core/random';
import { captionRow, D, featureValue, removeDir, T, WORDS, writeSmallDataset, type Layout } from './builders';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'coco-mini');
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

const expectedRow = (split: 'train' | 'val', r: number): number[] => Array.from({ length: D }, (_, j) => featureValue(split, r, j));

describe('storage layouts', () => {
  const layouts: [string, Layout, RegExp][] = [
    ['contiguous', {}, / contiguous$/],
    ['chunked', { chunks: true }, / chunked\(\d+, 6\)$/],
    ['chunked + gzip', { chunks: true, gzip: 6 }, / chunked\(\d+, 6\) deflate$/],
    ['chunked + shuffle', { chunks: true, filter: { id: 2, opts: [4] } }, / chunked\(\d+, 6\) shuffle$/],
  ];
  for (const [name, layout, pattern] of layouts) {
    for (const preload of [true, false]) {
      it(`${name}, ${preload ? 'preloaded' : 'read by hyperslab'}`, async () => {
        const dir = await writeSmallDataset({ layout });
        dirs.push(dir);
        const ds = await openDataset(fsAccess(dir), { preloadBytes: preload ? undefined : 0 });
        try {
          assert.equal(ds.stats.featuresPreloaded.train, preload);
          assert.match(ds.stats.layouts.find((l) => l.startsWith('train2014_vgg16_fc7_pca.h5:features')) ?? '', pattern);
          assert.equal(ds.T, T);
          assert.equal(ds.D, D);
          assert.equal(ds.V, WORDS.length);
          assert.deepEqual([ds.splits.train.numCaptions, ds.splits.train.numImages, ds.splits.val.numCaptions, ds.splits.val.numImages], [24, 12, 10, 5]);
          assert.deepEqual(Array.from(ds.splits.train.captions.data.subarray(3 * T, 4 * T)), captionRow(3));
          assert.equal(ds.splits.val.imageIdxs[7], 2);
          // Scattered, repeated and unsorted rows, including a run of neighbours.
          const rows = [11, 0, 5, 6, 7, 5, 2];
          const f = ds.splits.train.getFeatures(rows);
          assert.deepEqual(f.shape, [rows.length, D]);
          rows.forEach((r, i) => assert.deepEqual(Array.from(f.data.subarray(i * D, (i + 1) * D)), expectedRow('train', r)));
          assert.deepEqual(Array.from(ds.splits.val.getFeatures([4]).data), expectedRow('val', 4));
          assert.throws(() => ds.splits.train.getFeatures([12]), /image row 12 is outside \[0, 12\)/);
        } finally {
          ds.close();
        }
        assert.throws(() => ds.splits.train.getFeatures([0]), /dataset is closed/);
      });
    }
  }

  it('float64 features and the 4096-d (non-PCA) file names', async () => {
    const dir = await writeSmallDataset({ float64: true, pca: false, layout: { chunks: true, gzip: 9 } });
    dirs.push(dir);
    await assert.rejects(openDataset(fsAccess(dir)), /train2014_vgg16_fc7_pca\.h5: missing file .*pcaFeatures = false/);
    const ds = await openDataset(fsAccess(dir), { pcaFeatures: false, preloadBytes: 0 });
    assert.equal(ds.pcaFeatures, false);
    assert.equal(ds.splits.train.featureFile, 'train2014_vgg16_fc7.h5');
    assert.deepEqual(Array.from(ds.splits.train.getFeatures([9]).data), expectedRow('train', 9));
    ds.close();
  });

  it('int64 captions and image indices (numpy default integers) are read as int32', async () => {
    const dir = await writeSmallDataset();
    dirs.push(dir);
    const src = await openDataset(fsAccess(dir));
    const wide = (a: Int32Array): BigInt64Array => BigInt64Array.from(a, (v) => BigInt(v));
    const specs = (['train', 'val'] as const).flatMap((split) => {
      const s = src.splits[split];
      return [
        { name: `${split}_captions`, data: wide(s.captions.data), shape: [s.numCaptions, T] },
        { name: `${split}_image_idxs`, data: wide(s.imageIdxs), shape: [s.numCaptions] },
      ];
    });
    const before = Array.from(src.splits.train.captions.data);
    src.close();
    await writeH5File(path.join(dir, 'coco2014_captions.h5'), specs);
    const ds = await openDataset(fsAccess(dir));
    assert.match(ds.stats.layouts[0], /^coco2014_captions\.h5:train_captions <q \(24, 7\)/);
    assert.deepEqual(Array.from(ds.splits.train.captions.data), before);
    assert.ok(ds.splits.train.captions.data instanceof Int32Array);
    ds.close();
  });

  it('shuffle + gzip (h5py-written COCO fixture), preloaded and by hyperslab agree', async () => {
    const a = await openDataset(fsAccess(FIXTURE));
    const b = await openDataset(fsAccess(FIXTURE), { preloadBytes: 0 });
    assert.ok(a.stats.layouts.every((l) => l.endsWith('shuffle+deflate')), a.stats.layouts.join('\n'));
    assert.equal(b.stats.featuresPreloaded.val, false);
    const rows = [24, 3, 3, 0, 17];
    assert.deepEqual(Array.from(b.splits.val.getFeatures(rows).data), Array.from(a.splits.val.getFeatures(rows).data));
    a.close();
    b.close();
  });
});

describe('COCO fixture (real captions, real CS231n vocabulary)', () => {
  it('opens with the values read from its files', async () => {
    const ds = await openDatasetAt(FIXTURE);
    try {
      assert.equal(ds.name, 'coco-mini');
      assert.deepEqual([ds.T, ds.D, ds.V], [17, 512, 1004]);
      assert.deepEqual([ds.nullIdx, ds.startIdx, ds.endIdx, ds.unkIdx], [0, 1, 2, 3]);
      assert.deepEqual(ds.idxToWord.slice(4, 8), ['a', 'on', 'of', 'the']);
      assert.equal(ds.idxToWord[1003], 'apartment');
      assert.deepEqual([ds.splits.train.numCaptions, ds.splits.train.numImages, ds.splits.val.numCaptions, ds.splits.val.numImages], [122, 26, 122, 25]);
      assert.deepEqual(ds.warnings, []);
      assert.equal(ds.scenes, null);
      // Every caption is <START> ... <END> <NULL>... and decodes to lower-case words.
      const texts = decodeCaptions(ds.splits.train.captions, ds);
      assert.equal(texts.length, 122);
      for (const t of texts) assert.match(t, /^<START>( ([a-z]+|<UNK>))+ <END>$/);
      // The urls are Flickr links (remote), one per image row.
      assert.equal(ds.splits.val.urls?.length, 25);
      const ref = resolveImageRef(ds, ds.splits.val.urls?.[0] ?? '');
      assert.equal(ref.kind, 'url');
      // Features are finite float16-precision values of the expected scale.
      const f = ds.splits.train.getFeatures([0, 25]);
      let ms = 0;
      for (const v of f.data) ms += v * v;
      assert.ok(ms / f.data.length > 0.2 && ms / f.data.length < 5, `mean square ${ms / f.data.length}`);
    } finally {
      ds.close();
    }
  });

  it('the captions match the original COCO annotations (first train image)', async () => {
    const ds = await openDatasetAt(path.join(FIXTURE, 'coco2014_captions.h5')); // a file inside the folder also works
    const images = (await import(path.join(FIXTURE, 'images.json'))) as { train: { coco_id: number }[] };
    const ann = (await import(path.join(FIXTURE, 'captions_train2017.subset.json'))) as { annotations: { image_id: number; caption: string }[] };
    const id = images.train[0].coco_id;
    const refs = ann.annotations.filter((a) => a.image_id === id).map((a) => a.caption.toLowerCase().match(/[a-z0-9]+/g)?.map((w) => (w in ds.wordToIdx ? w : '<UNK>')).join(' '));
    const mine = Array.from(ds.splits.train.imageIdxs)
      .map((img, r) => (img === 0 ? r : -1))
      .filter((r) => r >= 0)
      .map((r) => captionText(ds.splits.train.captions.data.subarray(r * 17, (r + 1) * 17), ds)[0]);
    assert.ok(mine.length >= 1);
    for (const m of mine) assert.ok(refs.includes(m), `${m} not among ${refs.join(' | ')}`);
    ds.close();
  });
});

describe('CS231n semantics', () => {
  it('max_train: K caption rows with replacement, seeded; features and URLs stay whole', async () => {
    const full = await openDatasetAt(FIXTURE);
    const a = await openDatasetAt(FIXTURE, { maxTrain: 300, seed: 5 });
    const b = await openDatasetAt(FIXTURE, { maxTrain: 300, seed: 5 });
    const c = await openDatasetAt(FIXTURE, { maxTrain: 300, seed: 6 });
    assert.equal(a.splits.train.numCaptions, 300); // more than the 122 rows: with replacement
    assert.equal(a.splits.train.numImages, 26);
    assert.equal(a.splits.train.urls?.length, 26);
    assert.equal(a.splits.val.numCaptions, 122);
    assert.deepEqual(a.splits.train.captions.data, b.splits.train.captions.data);
    assert.notDeepEqual(a.splits.train.captions.data, c.splits.train.captions.data);
    // Each kept row is a row of the full set, with its own image index.
    const fullRows = new Map<string, number>();
    for (let r = 0; r < 122; r++) fullRows.set(Array.from(full.splits.train.captions.data.subarray(r * 17, (r + 1) * 17)).join(','), full.splits.train.imageIdxs[r]);
    for (let r = 0; r < 300; r++) {
      const key = Array.from(a.splits.train.captions.data.subarray(r * 17, (r + 1) * 17)).join(',');
      assert.equal(fullRows.get(key), a.splits.train.imageIdxs[r]);
    }
    for (const d of [full, a, b, c]) d.close();
  });

  it('minibatches: with replacement, seeded, captions/features/urls of the same rows', async () => {
    const ds = await openDatasetAt(FIXTURE, { maxTrain: 50, seed: 1 });
    const m1 = sampleMinibatch(ds, 25, 'train', new Rng(9));
    const m2 = sampleMinibatch(ds, 25, 'train', new Rng(9));
    assert.deepEqual(m1.captionIdxs, m2.captionIdxs);
    assert.deepEqual(m1.captions.shape, [25, 17]);
    assert.deepEqual(m1.features.shape, [25, 512]);
    const big = sampleMinibatch(ds, 200, 'train', new Rng(3));
    assert.ok(new Set(big.captionIdxs).size < 200, 'rows repeat (drawn with replacement)');
    assert.ok(Math.max(...big.captionIdxs) < 50);
    const again = gatherCaptions(ds, 'train', m1.captionIdxs);
    assert.deepEqual(again.captions.data, m1.captions.data);
    for (let i = 0; i < 25; i++) {
      const r = m1.captionIdxs[i];
      assert.equal(m1.imageIdxs[i], ds.splits.train.imageIdxs[r]);
      assert.deepEqual(Array.from(m1.captions.data.subarray(i * 17, (i + 1) * 17)), Array.from(ds.splits.train.captions.data.subarray(r * 17, (r + 1) * 17)));
      assert.deepEqual(Array.from(m1.features.data.subarray(i * 512, (i + 1) * 512)), Array.from(ds.splits.train.getFeatures([m1.imageIdxs[i]]).data));
      assert.equal(m1.urls[i], ds.splits.train.urls?.[m1.imageIdxs[i]]);
    }
    assert.throws(() => sampleMinibatch(ds, 0, 'val', new Rng(1)), /batch size must be a positive integer/);
    ds.close();
  });

  it('decode_captions: skips <NULL>, keeps <START>/<END>, stops after <END>; 1-D gives one string', () => {
    const words = ['<NULL>', '<START>', '<END>', '<UNK>', 'a', 'cat'];
    const caps = { shape: [3, 7], data: Int32Array.from([1, 4, 0, 5, 2, 4, 4, 1, 3, 2, 0, 0, 0, 0, 4, 5, 5, 5, 5, 5, 5]) };
    assert.deepEqual(decodeCaptions(caps, words), ['<START> a cat <END>', '<START> <UNK> <END>', 'a cat cat cat cat cat cat']);
    assert.deepEqual(captionText(caps, words), ['a cat', '<UNK>', 'a cat cat cat cat cat cat']);
    assert.deepEqual(decodeCaptions([1, 5, 2, 5], words), ['<START> cat <END>']);
    assert.deepEqual(decodeCaptionWords(Int32Array.from([4, 9]), words), [['a', '<9?>']]);
    const w2i = Object.fromEntries(words.map((w, i) => [w, i]));
    assert.deepEqual(Array.from(encodeCaption(['a', 'dog'], w2i, 6)), [1, 4, 3, 2, 0, 0]);
    assert.throws(() => encodeCaption(['a', 'a', 'a', 'a', 'a'], w2i, 6), /5 words do not fit T = 6/);
  });

  it('image references: a URL stays a URL, anything else is a path inside the folder', () => {
    const ds = { dir: '/data/set' };
    assert.deepEqual(resolveImageRef(ds, 'http://farm4.staticflickr.com/1/2.jpg'), { kind: 'url', url: 'http://farm4.staticflickr.com/1/2.jpg' });
    assert.deepEqual(resolveImageRef(ds, 'images/val/00001.png\r'), { kind: 'file', relPath: 'images/val/00001.png', path: '/data/set/images/val/00001.png' });
    assert.deepEqual(resolveImageRef({ dir: 'C:\\data\\set' }, './images/a/../b.png'), { kind: 'file', relPath: 'images/b.png', path: 'C:\\data\\set\\images\\b.png' });
    assert.equal(classifyImageRef('../secret.png').kind, 'invalid');
    assert.equal(classifyImageRef('/etc/passwd').kind, 'invalid');
    assert.equal(classifyImageRef('').kind, 'invalid');
  });
});

describe('embedded default dataset', () => {
  it('opens through openDatasetAt("default") (generated into the cache on first use), each image a scene record', async () => {
    const ds = await openDatasetAt('default');
    try {
      assert.equal(ds.source, 'default');
      assert.deepEqual([ds.T, ds.D], [17, 512]);
      assert.ok(ds.V > 30 && ds.V < 50, `V = ${ds.V}`);
      assert.deepEqual([ds.splits.train.numCaptions, ds.splits.train.numImages, ds.splits.val.numCaptions, ds.splits.val.numImages], [100000, 20000, 25000, 5000]);
      assert.deepEqual(ds.warnings, []);
      assert.ok(ds.scenes && ds.scenes.val.length === 5000);
      for (const i of [0, 4999]) {
        assert.equal(ds.splits.val.urls?.[i], `scenes.json#val/${i}`);
        assert.equal(typeof checkScene(ds.scenes.val[i]), 'object');
      }
      const text = captionText(ds.splits.train.captions.data.subarray(0, 17), ds)[0];
      assert.match(text, /(circle|square|diamond|triangle|shapes)/);
    } finally {
      ds.close();
    }
  });
});
