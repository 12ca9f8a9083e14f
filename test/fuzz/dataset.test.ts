/**
 * Fuzz: dataset folders and vocabularies. A small valid CS231n-layout folder is damaged one way
 * at a time (each file truncated at several points, bytes flipped, datasets deleted, wrong dtypes
 * and ranks, NaN/Inf features, tokens >= V or negative, indices out of range, empty splits,
 * vocabularies with __proto__, HTML, duplicates and gaps); openDataset() must open it or reject
 * with a one-line DatasetError naming the file, and nothing may reach stderr (no HDF5-DIAG).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CAPTIONS_FILE, DatasetError, featureFile, openDataset, VOCAB_FILE } from '../../core/data';
import { fsAccess } from '../../runtime/fsAccess';
import { writeH5File } from '../../runtime/h5';
import { smallArrays, T, WORDS, writeSmallDataset, writeVocab } from '../data/builders';
import { assertOneLine, capturingStdio, PROTO_NAMES, Rand } from './rules';

const root = mkdtempSync(path.join(tmpdir(), 'gl-fuzz-data-'));
let good = '';
let n = 0;
const copy = (): string => {
  const d = path.join(root, `case-${n++}`);
  cpSync(good, d, { recursive: true });
  return d;
};

/** Opens `dir`; a refusal must be one line naming a file of the folder; stderr stays empty. */
async function verdict(dir: string, label: string): Promise<'ok' | 'refused'> {
  const r = await capturingStdio(async () => {
    const ds = await openDataset(fsAccess(dir));
    try {
      // Touch the data the way training does: a batch of features of every split.
      for (const s of ['train', 'val'] as const) ds.splits[s].getFeatures([0, ds.splits[s].numImages - 1]);
    } finally {
      ds.close();
    }
  });
  assert.equal(r.written, '', `${label}: wrote to stderr:\n${r.written.slice(0, 500)}`);
  if (r.error === undefined) return 'ok';
  const e = r.error as Error;
  assert.ok(e instanceof DatasetError, `${label}: ${e?.name}: ${e?.message}`);
  assertOneLine(e.message, /\.(h5|json|txt)\b/);
  return 'refused';
}

before(async () => {
  good = await writeSmallDataset();
});
after(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(good, { recursive: true, force: true });
});

describe('fuzz: dataset folders (named findings)', () => {
  it('a features file with 200 bytes flipped is "damaged or not an HDF5 file", not "missing dataset", with no HDF5-DIAG', async () => {
    // The damage of issue 17: flips after the superblock, so the file opens and its root group does not list.
    for (const seed of [2, 3, 4]) {
      const d = copy();
      const f = path.join(d, featureFile('train', true));
      const b = readFileSync(f);
      const r = new Rand(seed);
      for (let i = 0; i < 200; i++) {
        const at = 96 + r.int(Math.min(b.length, 4096) - 96);
        b[at] ^= 0xff;
      }
      writeFileSync(f, b);
      const out = await capturingStdio(() => openDataset(fsAccess(d)));
      assert.equal(out.written, '');
      const e = out.error as Error;
      assert.ok(e instanceof DatasetError, String(e));
      assert.match(e.message, /^train2014_vgg16_fc7_pca\.h5: (features: )?damaged or not an HDF5 file \(HDF5: [^\n]+\)$/);
    }
  });
});

describe('fuzz: dataset folders (seeded)', () => {
  it('seed 31: every file truncated at several points', async () => {
    for (const file of readdirSync(good).filter((f) => /\.(h5|json|txt)$/.test(f))) {
      const size = readFileSync(path.join(good, file)).length;
      for (const frac of [0, 0.01, 0.3, 0.5, 0.9, 0.999]) {
        const d = copy();
        truncateSync(path.join(d, file), Math.floor(size * frac));
        await verdict(d, `${file} cut to ${frac}`);
        rmSync(d, { recursive: true });
      }
    }
  });
  it('seed 32: bytes flipped in every file (1, 8, 200 bytes)', async () => {
    const r = new Rand(32);
    for (const file of readdirSync(good).filter((f) => /\.(h5|json|txt)$/.test(f))) {
      for (const flips of [1, 8, 200]) {
        for (let rep = 0; rep < 3; rep++) {
          const d = copy();
          const f = path.join(d, file);
          const b = readFileSync(f);
          for (let i = 0; i < flips; i++) b[r.int(b.length)] ^= 1 << r.int(8);
          writeFileSync(f, b);
          await verdict(d, `${file} ${flips} flips #${rep}`);
          rmSync(d, { recursive: true });
        }
      }
    }
  });
  it('datasets deleted, wrong dtypes and ranks, NaN/Inf, tokens out of range, bad indices, empty splits', async () => {
    const a = smallArrays();
    const cap = a.captions;
    const write = async (specs: Parameters<typeof writeH5File>[1], file = CAPTIONS_FILE): Promise<string> => {
      const d = copy();
      await writeH5File(path.join(d, file), specs);
      return d;
    };
    const captionSpecs = (over: Partial<Record<string, { data: Int32Array | Float64Array | Float32Array | BigInt64Array; shape: number[] } | null>>): Parameters<typeof writeH5File>[1] => {
      const base: Record<string, { data: Int32Array | Float64Array | Float32Array | BigInt64Array; shape: number[] }> = {
        train_captions: { data: cap.train.captions, shape: [cap.train.imageIdxs.length, T] },
        train_image_idxs: { data: cap.train.imageIdxs, shape: [cap.train.imageIdxs.length] },
        val_captions: { data: cap.val.captions, shape: [cap.val.imageIdxs.length, T] },
        val_image_idxs: { data: cap.val.imageIdxs, shape: [cap.val.imageIdxs.length] },
      };
      return Object.entries({ ...base, ...over }).filter(([, v]) => v !== null).map(([name, v]) => ({ name, ...v! }));
    };
    const bad = (f: (x: Int32Array) => void): Int32Array => {
      const c = cap.train.captions.slice();
      f(c);
      return c;
    };
    const rows = cap.train.imageIdxs.length;
    const cases: [string, Promise<string>, RegExp][] = [
      ['train_captions deleted', write(captionSpecs({ train_captions: null })), /coco2014_captions\.h5: train_captions: missing/],
      ['val_image_idxs deleted', write(captionSpecs({ val_image_idxs: null })), /val_image_idxs/],
      ['captions as float64', write(captionSpecs({ train_captions: { data: Float64Array.from(cap.train.captions), shape: [rows, T] } })), /train_captions/],
      ['captions of rank 1', write(captionSpecs({ train_captions: { data: cap.train.captions, shape: [rows * T] } })), /train_captions/],
      ['captions of rank 3', write(captionSpecs({ train_captions: { data: cap.train.captions, shape: [rows, T, 1] } })), /train_captions/],
      ['token >= V', write(captionSpecs({ train_captions: { data: bad((c) => (c[3] = WORDS.length)), shape: [rows, T] } })), /train_captions/],
      ['negative token', write(captionSpecs({ train_captions: { data: bad((c) => (c[5] = -1)), shape: [rows, T] } })), /train_captions/],
      ['image index out of range', write(captionSpecs({ train_image_idxs: { data: cap.train.imageIdxs.map((v, i) => (i === 2 ? 999 : v)), shape: [rows] } })), /train_image_idxs/],
      ['negative image index', write(captionSpecs({ train_image_idxs: { data: cap.train.imageIdxs.map((v, i) => (i === 0 ? -1 : v)), shape: [rows] } })), /train_image_idxs/],
      ['empty train split', write(captionSpecs({ train_captions: { data: new Int32Array(0), shape: [0, T] }, train_image_idxs: { data: new Int32Array(0), shape: [0] } })), /train/],
      ['image index count differs', write(captionSpecs({ train_image_idxs: { data: cap.train.imageIdxs.slice(1), shape: [rows - 1] } })), /train_image_idxs|train_captions/],
      ['NaN feature', write([{ name: 'features', data: Float32Array.from(a.features.train as Float32Array, (v, i) => (i === 7 ? NaN : v)), shape: [a.nImages.train, 6] }], featureFile('train', true)), /features: NaN/],
      ['Inf feature', write([{ name: 'features', data: Float32Array.from(a.features.val as Float32Array, (v, i) => (i === 3 ? Infinity : v)), shape: [a.nImages.val, 6] }], featureFile('val', true)), /features: Infinity/],
      ['features of rank 1', write([{ name: 'features', data: a.features.val as Float32Array, shape: [a.nImages.val * 6] }], featureFile('val', true)), /features/],
      ['features as int32', write([{ name: 'features', data: Int32Array.from(a.features.val), shape: [a.nImages.val, 6] }], featureFile('val', true)), /features/],
      ['features wrongly named', write([{ name: 'feats', data: a.features.val as Float32Array, shape: [a.nImages.val, 6] }], featureFile('val', true)), /features: missing dataset \(the file has: feats\)/],
      ['features with a prototype name beside', write([{ name: '__proto__', data: a.features.val as Float32Array, shape: [a.nImages.val, 6] }], featureFile('val', true)), /features: missing dataset/],
      ['D differs between splits', write([{ name: 'features', data: new Float32Array(a.nImages.val * 5), shape: [a.nImages.val, 5] }], featureFile('val', true)), /features/],
    ];
    for (const [label, dir, expect] of cases) {
      const d = await dir;
      const out = await capturingStdio(() => openDataset(fsAccess(d)));
      assert.equal(out.written, '', label);
      const e = out.error as Error;
      assert.ok(e instanceof DatasetError, `${label}: ${e === undefined ? 'opened' : `${e.name}: ${e.message}`}`);
      assertOneLine(e.message);
      assert.match(e.message, expect, label);
    }
  });
  it('vocabularies: __proto__, HTML, duplicates, gaps, wrong types', async () => {
    const vocabs: [string, string][] = [
      ['__proto__ word', JSON.stringify({ idx_to_word: [...WORDS.slice(0, 9), '__proto__'], word_to_idx: JSON.parse(`{${[...WORDS.slice(0, 9), '__proto__'].map((w, i) => `${JSON.stringify(w)}: ${i}`).join(',')}}`) })],
      ['prototype names', JSON.stringify({ idx_to_word: [...WORDS.slice(0, 4), ...PROTO_NAMES.slice(1, 7)], word_to_idx: Object.fromEntries([...WORDS.slice(0, 4), ...PROTO_NAMES.slice(1, 7)].map((w, i) => [w, i])) })],
      ['HTML words', JSON.stringify({ idx_to_word: [...WORDS.slice(0, 8), '<img src=x onerror=alert(1)>', '</script>'], word_to_idx: Object.fromEntries([...WORDS.slice(0, 8), '<img src=x onerror=alert(1)>', '</script>'].map((w, i) => [w, i])) })],
      ['duplicate words', JSON.stringify({ idx_to_word: [...WORDS.slice(0, 9), 'a'], word_to_idx: Object.fromEntries(WORDS.map((w, i) => [w, i])) })],
      ['gap in indices', JSON.stringify({ idx_to_word: WORDS, word_to_idx: Object.fromEntries(WORDS.map((w, i) => [w, i === 5 ? 50 : i])) })],
      ['mismatched maps', JSON.stringify({ idx_to_word: WORDS, word_to_idx: Object.fromEntries(WORDS.map((w, i) => [w, (i + 1) % WORDS.length])) })],
      ['idx_to_word not a list', JSON.stringify({ idx_to_word: { a: 1 }, word_to_idx: {} })],
      ['words of wrong type', JSON.stringify({ idx_to_word: [...WORDS.slice(0, 9), 7], word_to_idx: Object.fromEntries(WORDS.map((w, i) => [w, i])) })],
      ['a list, not an object', '[1, 2, 3]'],
      ['null', 'null'],
      ['__proto__ key at the top', '{"__proto__": {"idx_to_word": [], "word_to_idx": {}}}'],
    ];
    for (const [label, text] of vocabs) {
      const d = copy();
      writeFileSync(path.join(d, VOCAB_FILE), text);
      const v = await verdict(d, label);
      if (v === 'ok') {
        // Opened: then every word must decode to itself (no prototype lookups behind the scenes).
        const ds = await openDataset(fsAccess(d));
        try {
          for (const [w, i] of Object.entries(ds.wordToIdx)) assert.equal(ds.idxToWord[i], w, `${label}: ${w}`);
          assert.ok(!Object.hasOwn(Object.prototype, 'idx_to_word'));
        } finally {
          ds.close();
        }
      }
    }
    writeVocab(copy(), WORDS); // the builder itself still works
  });
});

const cli = path.resolve('dist/cli.js');
describe('fuzz: gradlab data info through the CLI', { skip: !existsSync(cli) && 'dist/cli.js is not built (npm run build)' }, () => {
  it('a byte-flipped features file: exit 2, one line naming the file and "damaged or not an HDF5 file", no HDF5-DIAG', () => {
    const d = copy();
    const f = path.join(d, featureFile('val', true));
    const b = readFileSync(f);
    const r = new Rand(2);
    for (let i = 0; i < 200; i++) b[96 + r.int(Math.min(b.length, 4096) - 96)] ^= 0xff;
    writeFileSync(f, b);
    const p = spawnSync(process.execPath, [cli, 'data', 'info', d], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(p.status, 2, p.stderr);
    assert.equal(p.stderr.trimEnd().split('\n').length, 1, p.stderr);
    assertOneLine(p.stderr, /val2014_vgg16_fc7_pca\.h5: .*damaged or not an HDF5 file/);
    assert.equal(p.stdout, '');
  });
  it('missing URL lists: each warning is a line of its own and the output ends with a newline', () => {
    const d = copy();
    for (const f of readdirSync(d).filter((x) => x.endsWith('_urls.txt'))) rmSync(path.join(d, f));
    for (const args of [[], ['--json']]) {
      const p = spawnSync(process.execPath, [cli, 'data', 'info', d, ...args], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(p.status, 0, p.stderr);
      assert.ok(p.stdout.endsWith('\n'), JSON.stringify(p.stdout.slice(-80)));
      if (args.length === 0) assert.equal(p.stdout.split('\n').filter((l) => /^ {2}warning: .*_urls\.txt: missing/.test(l)).length, 2, p.stdout);
    }
  });
});
