/**
 * Every validation failure of issue 3, each made with a damaged copy of a good small dataset:
 * the open rejects with a DatasetError naming the file, the dataset (or key) and the problem,
 * and a dataset opened before stays usable.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CAPTIONS_FILE, DatasetError, featureFile, openDataset, urlsFile, VOCAB_FILE, type Dataset } from '../../core/data';
import { fsAccess } from '../../runtime/fsAccess';
import { writeH5File } from '../../runtime/h5';
import { captionRow, D, featureValue, removeDir, smallArrays, T, WORDS, writeSmallDataset, writeVocab, type SmallArrays } from './builders';

const dirs: string[] = [];
async function damaged(edit: (a: SmallArrays) => void, spec = {}): Promise<string> {
  const arrays = smallArrays(spec);
  edit(arrays);
  const dir = await writeSmallDataset(spec, arrays);
  dirs.push(dir);
  return dir;
}
async function good(): Promise<string> {
  const dir = await writeSmallDataset();
  dirs.push(dir);
  return dir;
}

/** Asserts that opening `dir` rejects with a DatasetError whose message matches every pattern. */
async function rejects(dir: string, ...patterns: RegExp[]): Promise<DatasetError> {
  let err: unknown;
  try {
    const ds = await openDataset(fsAccess(dir));
    ds.close();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof DatasetError, `expected a DatasetError, got ${String(err)}`);
  assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
  for (const p of patterns) assert.match(err.message, p);
  return err;
}

describe('dataset validation', () => {
  let previous: Dataset;
  before(async () => {
    previous = await openDataset(fsAccess(await good()));
  });
  after(() => {
    previous.close();
    for (const d of dirs) removeDir(d);
  });

  it('missing files: captions, vocabulary, each feature file', async () => {
    for (const f of [CAPTIONS_FILE, VOCAB_FILE, featureFile('train', true), featureFile('val', true)]) {
      const dir = await good();
      rmSync(path.join(dir, f));
      const e = await rejects(dir, new RegExp(`^${f.replace(/\./g, '\\.')}: missing file`));
      assert.equal(e.file, f);
    }
  });

  it('a folder with none of the files is named as not a dataset folder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gl-empty-'));
    dirs.push(dir);
    await assert.rejects(openDataset(fsAccess(dir)), (e: Error) => e.message === `${dir} is not a CS231n captioning folder: none of ${CAPTIONS_FILE}, ${VOCAB_FILE}, ${featureFile('train', true)}, ${featureFile('val', true)} is there`);
  });

  it('asking for the 4096-d pair when only the PCA pair exists says so', async () => {
    const dir = await good();
    await assert.rejects(openDataset(fsAccess(dir), { pcaFeatures: false }), /train2014_vgg16_fc7\.h5: missing file .*pcaFeatures = true/);
  });

  it('missing URL files are a warning, not an error', async () => {
    const dir = await good();
    rmSync(path.join(dir, urlsFile('val')));
    const ds = await openDataset(fsAccess(dir));
    assert.equal(ds.splits.val.urls, null);
    assert.ok(ds.splits.train.urls);
    assert.match(ds.warnings.join('\n'), /val2014_urls\.txt: missing/);
    ds.close();
  });

  it('missing HDF5 datasets and JSON keys', async () => {
    const noCaps = await damaged(() => {});

    const a = smallArrays();
    await writeH5File(path.join(noCaps, CAPTIONS_FILE), [
      { name: 'train_captions', data: a.captions.train.captions, shape: [a.captions.train.imageIdxs.length, T] },
      { name: 'train_image_idxs', data: a.captions.train.imageIdxs, shape: [a.captions.train.imageIdxs.length] },
      { name: 'val_image_idxs', data: a.captions.val.imageIdxs, shape: [a.captions.val.imageIdxs.length] },
    ]);
    await rejects(noCaps, /^coco2014_captions\.h5: val_captions: missing dataset \(the file has: train_captions, train_image_idxs, val_image_idxs\)/);

    const noFeat = await good();
    await writeH5File(path.join(noFeat, featureFile('val', true)), [{ name: 'feats', data: new Float32Array(D), shape: [1, D] }]);
    await rejects(noFeat, /^val2014_vgg16_fc7_pca\.h5: features: missing dataset/);

    const noKey = await good();
    writeFileSync(path.join(noKey, VOCAB_FILE), JSON.stringify({ word_to_idx: {} }));
    await rejects(noKey, /^coco2014_vocab\.json: idx_to_word: missing key/);
  });

  it('captions that are not 2-D integers', async () => {

    const a = smallArrays();
    const n = a.captions.train.imageIdxs.length;
    const floats = await good();
    await writeH5File(path.join(floats, CAPTIONS_FILE), [
      { name: 'train_captions', data: Float32Array.from(a.captions.train.captions), shape: [n, T] },
      { name: 'train_image_idxs', data: a.captions.train.imageIdxs, shape: [n] },
      { name: 'val_captions', data: a.captions.val.captions, shape: [a.captions.val.imageIdxs.length, T] },
      { name: 'val_image_idxs', data: a.captions.val.imageIdxs, shape: [a.captions.val.imageIdxs.length] },
    ]);
    await rejects(floats, /^coco2014_captions\.h5: train_captions: captions must be 2-D integers, found <f \(24, 7\)/);

    const flat = await good();
    await writeH5File(path.join(flat, CAPTIONS_FILE), [
      { name: 'train_captions', data: a.captions.train.captions, shape: [n * T] },
      { name: 'train_image_idxs', data: a.captions.train.imageIdxs, shape: [n] },
    ]);
    await rejects(flat, /train_captions: captions must be 2-D integers, found <i \(168,\)/);
  });

  it('empty captions or features', async () => {
    const noRows = await good();
    await writeH5File(path.join(noRows, CAPTIONS_FILE), [
      { name: 'train_captions', data: new Int32Array(0), shape: [0, T] },
      { name: 'train_image_idxs', data: new Int32Array(0), shape: [0] },
    ]);
    await rejects(noRows, /^coco2014_captions\.h5: train_captions: has no caption rows/);
  });

  it('image indices: count mismatch and out of the feature rows', async () => {
    const dir = await damaged((a) => {
      a.captions.val.imageIdxs[3] = 5; // val has 5 images: rows 0..4
    });
    await rejects(dir, /^coco2014_captions\.h5: val_image_idxs: image index 5 at caption row 3 is outside the 5 feature rows of val2014_vgg16_fc7_pca\.h5/);
    const neg = await damaged((a) => {
      a.captions.train.imageIdxs[0] = -1;
    });
    await rejects(neg, /train_image_idxs: image index -1 at caption row 0/);
    const count = await damaged((a) => {
      a.captions.train.imageIdxs = a.captions.train.imageIdxs.slice(1);
    });
    await rejects(count, /train_image_idxs: 23 image indices for 24 caption rows/);
  });

  it('tokens outside the vocabulary', async () => {
    const dir = await damaged((a) => {
      a.captions.train.captions[2 * T + 3] = WORDS.length; // V = 10
    });
    await rejects(dir, /^coco2014_captions\.h5: train_captions: token 10 at row 2, position 3 is outside the vocabulary \(V = 10/);
    const negTok = await damaged((a) => {
      a.captions.val.captions[5] = -2;
    });
    await rejects(negTok, /val_captions: token -2 at row 0, position 5/);
  });

  it('idx_to_word and word_to_idx disagreeing', async () => {
    const swapped = await good();
    writeVocab(swapped, WORDS, { ...Object.fromEntries(WORDS.map((w, i) => [w, i])), red: 6, blue: 5 });
    await rejects(swapped, /^coco2014_vocab\.json: word_to_idx: idx_to_word and word_to_idx disagree: word_to_idx\["red"\] = 6 but idx_to_word\[6\] is "blue"/);
    const fewer = await good();
    const w2i = Object.fromEntries(WORDS.map((w, i) => [w, i]));
    delete w2i.square;
    writeVocab(fewer, WORDS, w2i);
    await rejects(fewer, /word_to_idx: idx_to_word and word_to_idx disagree: 10 vs 9 entries \(idx_to_word\[8\] = "square" has no entry\)/);
  });

  it('<NULL>, <START> or <END> missing', async () => {
    for (const tok of ['<NULL>', '<START>', '<END>']) {
      const dir = await good();
      writeVocab(dir, WORDS.map((w) => (w === tok ? 'zzz' : w)));
      await rejects(dir, new RegExp(`^coco2014_vocab\\.json: word_to_idx: special token ${tok} missing`));
    }
  });

  it('NaN or infinite features, preloaded and read by hyperslab', async () => {
    const nan = await damaged((a) => {
      a.features.train[3 * D + 2] = NaN;
    });
    await rejects(nan, /^train2014_vgg16_fc7_pca\.h5: features: NaN at row 3, column 2 \(features must be finite\)/);
    const inf = await damaged((a) => {
      a.features.val[4 * D + 5] = -Infinity;
    });
    await rejects(inf, /^val2014_vgg16_fc7_pca\.h5: features: -Infinity at row 4, column 5/);
    // Hyperslab mode: scanned on open in blocks, and checked again on each read when not scanned.
    await assert.rejects(openDataset(fsAccess(inf), { preloadBytes: 0 }), /features: -Infinity at row 4, column 5/);
    const ds = await openDataset(fsAccess(inf), { preloadBytes: 0, scanFeatures: false });
    assert.deepEqual(Array.from(ds.splits.val.getFeatures([1]).data), Array.from({ length: D }, (_, j) => featureValue('val', 1, j)));
    assert.throws(() => ds.splits.val.getFeatures([2, 4]), (e: unknown) => e instanceof DatasetError && /val2014_vgg16_fc7_pca\.h5: features: -Infinity at row 4/.test(e.message));
    ds.close();
  });

  it('truncated and non-HDF5 files', async () => {
    const cut = await good();
    const f = path.join(cut, featureFile('train', true));
    truncateSync(f, Math.floor(statSync(f).size / 2));
    await rejects(cut, /^train2014_vgg16_fc7_pca\.h5: (features: )?damaged or not an HDF5 file \(HDF5: truncated file/);

    const text = await good();
    writeFileSync(path.join(text, CAPTIONS_FILE), 'this is not HDF5\n');
    await rejects(text, /^coco2014_captions\.h5: not an HDF5 file \(no HDF5 signature/);

    const empty = await good();
    writeFileSync(path.join(empty, featureFile('val', true)), '');
    await rejects(empty, /^val2014_vgg16_fc7_pca\.h5: not an HDF5 file/);

    const badJson = await good();
    writeFileSync(path.join(badJson, VOCAB_FILE), readFileSync(path.join(badJson, VOCAB_FILE), 'utf8').slice(0, 40));
    await rejects(badJson, /^coco2014_vocab\.json: not valid JSON/);
  });

  it('rows not starting with <START> are reported as a warning', async () => {
    const dir = await damaged((a) => {
      a.captions.train.captions[0] = 4;
    });
    const ds = await openDataset(fsAccess(dir));
    assert.match(ds.warnings.join('\n'), /train_captions: 1 of 24 rows do not start with <START>/);
    ds.close();
  });

  it('a failed open leaves the dataset opened before intact', async () => {
    const broken = await damaged((a) => {
      a.captions.train.captions[T + 1] = 99;
    });
    await assert.rejects(openDataset(fsAccess(broken)), DatasetError);
    assert.deepEqual(Array.from(previous.splits.train.getFeatures([7]).data), Array.from({ length: D }, (_, j) => featureValue('train', 7, j)));
    assert.deepEqual(Array.from(previous.splits.val.captions.data.subarray(0, T)), captionRow(0));
  });
});
