/**
 * The embedded default dataset: generator pieces (half rounding, eigensolver, PCA, grammar),
 * determinism, the committed files against a regeneration, and learnability (linear probes).
 * The full regeneration (features included) takes about a minute of CPU.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { openDataset } from '../../core/data';
import { roundToHalf } from '../../core/data/shapes/half';
import { fitPca, pcaTransform, symEig } from '../../core/data/shapes/pca';
import { ridgeProbe } from '../../core/data/shapes/probe';
import { generateShapesDataset } from '../../core/data/shapes/generate';
import { correctCaptions, isCorrectCaption, randomScene, sceneCaptions, COLORS, SHAPES, type Scene } from '../../core/data/shapes/scene';
import { fsAccess, findDefaultDatasetDir } from '../../core/node/fsAccess';
import { Rng } from '../../core/random';
import { GENERATED_NAMES, generateInto, writeGenerated } from '../../scripts/gen-default-dataset';

const defaultDir = (): string => findDefaultDatasetDir();

function listFiles(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(dir, path.join(rel, e.name)) : [path.join(rel, e.name)]));
}

function assertSameFiles(a: string, b: string, names: string[]): void {
  for (const n of names) assert.ok(readFileSync(path.join(a, n)).equals(readFileSync(path.join(b, n))), `${n} differs`);
}

describe('generator pieces', () => {
  it('roundToHalf rounds to the nearest float16, ties to even', () => {
    assert.equal(roundToHalf(1 / 3), 0.333251953125);
    assert.equal(roundToHalf(1 + 2 ** -11), 1); // tie -> even
    assert.equal(roundToHalf(1 + 3 * 2 ** -11), 1 + 2 ** -9); // tie -> even (up)
    assert.equal(roundToHalf(-2.71828), -2.71875);
    assert.equal(roundToHalf(65504), 65504);
    assert.equal(roundToHalf(70000), Infinity);
    assert.equal(roundToHalf(3 * 2 ** -26), 2 ** -24); // subnormal
    assert.equal(roundToHalf(0), 0);
    for (const v of [0.1, -7.3, 1234.5678]) assert.equal(roundToHalf(roundToHalf(v)), roundToHalf(v));
  });

  it('symEig: A V = V Λ with orthonormal V', () => {
    const n = 30;
    const rng = new Rng(4);
    const r = rng.normals(n * n);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = r[i * n + j] + r[j * n + i];
    const { values, vectors } = symEig(a, n);
    for (let k = 1; k < n; k++) assert.ok(values[k] >= values[k - 1]);
    let worst = 0;
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[j * n + k];
        worst = Math.max(worst, Math.abs(av - values[k] * vectors[i * n + k]));
      }
      for (let m = 0; m < n; m++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += vectors[i * n + k] * vectors[i * n + m];
        assert.ok(Math.abs(d - (k === m ? 1 : 0)) < 1e-12);
      }
    }
    assert.ok(worst < 1e-12, `residual ${worst}`);
  });

  it('fitPca matches the covariance eigen-decomposition and is reproducible', () => {
    const N = 40;
    const F = 60;
    const rng = new Rng(8);
    const x = new Float64Array(N * F);
    for (let i = 0; i < N; i++) for (let f = 0; f < F; f++) x[i * F + f] = rng.normal() * (1 + (f % 7)) + 0.3 * f;
    const fit = fitPca(x, N, F, 10, new Rng(1));
    const cov = new Float64Array(F * F);
    for (let p = 0; p < F; p++) {
      for (let q = 0; q < F; q++) {
        let s = 0;
        for (let i = 0; i < N; i++) s += (x[i * F + p] - fit.mean[p]) * (x[i * F + q] - fit.mean[q]);
        cov[p * F + q] = s / N;
      }
    }
    const ref = symEig(cov, F);
    for (let m = 0; m < 10; m++) {
      assert.ok(Math.abs(fit.variances[m] - ref.values[F - 1 - m]) < 1e-9 * ref.values[F - 1], `variance ${m}`);
      let d = 0;
      for (let f = 0; f < F; f++) d += fit.components[m * F + f] * ref.vectors[f * F + (F - 1 - m)];
      assert.ok(Math.abs(Math.abs(d) - 1) < 1e-8, `component ${m}: |cos| = ${Math.abs(d)}`);
    }
    const again = fitPca(x, N, F, 10, new Rng(1));
    assert.deepEqual(again.components, fit.components);
    const proj = pcaTransform(fit, x, N);
    let v0 = 0;
    for (let i = 0; i < N; i++) v0 += proj[i * 10] ** 2;
    assert.ok(Math.abs(v0 / N - fit.variances[0]) < 1e-9 * fit.variances[0]);
  });

  it('grammar: 11 correct captions for one object, 25 for two; generated captions are among them', () => {
    const rng = new Rng(12);
    const seen = { single: 0, pair: 0 };
    for (let k = 0; k < 200; k++) {
      const { scene } = randomScene(rng);
      const set = correctCaptions(scene);
      assert.equal(set.size, scene.objects.length === 1 ? 11 : 25);
      seen[scene.objects.length === 1 ? 'single' : 'pair']++;
      const caps = sceneCaptions(scene, rng, 5, 0);
      assert.equal(caps.length, 5);
      for (const c of caps) {
        assert.ok(isCorrectCaption(scene, c), c.join(' '));
        assert.ok(c.length <= 12);
      }
      if (scene.objects.length === 2) {
        const [a, b] = scene.objects;
        assert.ok(a.color !== b.color || a.shape !== b.shape);
      }
    }
    assert.ok(seen.single > 20 && seen.pair > 100);
    const scene: Scene = { relation: 'vertical', objects: [{ color: 'orange', shape: 'square', size: 'small', x: 0.5, y: 0.27, r: 0.1 }, { color: 'red', shape: 'circle', size: 'large', x: 0.5, y: 0.73, r: 0.2 }] };
    assert.ok(isCorrectCaption(scene, 'an orange square above a large red circle'.split(' ')));
    assert.ok(isCorrectCaption(scene, 'a small orange square on top of a red circle'.split(' ')));
    assert.ok(!isCorrectCaption(scene, 'a red circle above an orange square'.split(' ')));
    assert.ok(!isCorrectCaption(scene, 'an orange square to the left of a red circle'.split(' ')));
  });

  it('a small generation is deterministic byte for byte', async () => {
    const a = mkdtempSync(path.join(tmpdir(), 'gl-gen-a-'));
    const b = mkdtempSync(path.join(tmpdir(), 'gl-gen-b-'));
    try {
      const opts = { seed: 5, nTrain: 48, nVal: 12, D: 16, minCount: 2 };
      const g = await generateInto(a, opts);
      await generateInto(b, opts);
      const files = listFiles(a);
      assert.ok(files.length === 60 + 7, files.join(','));
      assertSameFiles(a, b, files);
      const ds = await openDataset(fsAccess(a));
      assert.deepEqual([ds.D, ds.splits.train.numImages, ds.splits.train.numCaptions], [16, 48, 240]);
      assert.deepEqual(ds.idxToWord, g.idxToWord);
      ds.close();
    } finally {
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
    }
  });
});

describe('committed default dataset', () => {
  it('scenes, images, captions, vocabulary and URL lists regenerate byte for byte', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gl-regen-'));
    try {
      const gen = generateShapesDataset({ skipFeatures: true });
      await writeGenerated(gen, dir);
      const committed = listFiles(defaultDir()).filter((f) => GENERATED_NAMES.some((n) => f === n || f.startsWith(n + path.sep)));
      const regenerated = listFiles(dir);
      const withoutFeatures = committed.filter((f) => !f.includes('vgg16_fc7'));
      assert.deepEqual(regenerated.sort(), withoutFeatures.sort());
      assert.equal(regenerated.length, 2000 + 5);
      assertSameFiles(dir, defaultDir(), regenerated);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('features are float16 values with unit mean square on train', async () => {
    const ds = await openDataset(fsAccess(defaultDir()));
    const all = (split: 'train' | 'val'): Float64Array => ds.splits[split].getFeatures(Array.from({ length: ds.splits[split].numImages }, (_, i) => i)).data;
    const tr = all('train');
    let ms = 0;
    for (const v of tr) {
      assert.equal(roundToHalf(v), v);
      ms += v * v;
    }
    assert.ok(Math.abs(ms / tr.length - 1) < 1e-3, `mean square ${ms / tr.length}`);
    for (const v of all('val')) assert.equal(roundToHalf(v), v);
    ds.close();
  });

  it('features are learnable: ridge probes on val recover colour, shape, relation and size', async () => {
    const ds = await openDataset(fsAccess(defaultDir()));
    assert.ok(ds.scenes);
    const feats = (split: 'train' | 'val'): Float64Array => ds.splits[split].getFeatures(Array.from({ length: ds.splits[split].numImages }, (_, i) => i)).data;
    const xTr = feats('train');
    const xVa = feats('val');
    const labels = (scenes: readonly Scene[], f: (s: Scene) => number): Int32Array => Int32Array.from(scenes, f);
    const facts: [string, number, (s: Scene) => number][] = [
      ['colour', COLORS.length, (s) => COLORS.indexOf(s.objects[0].color)],
      ['shape', SHAPES.length, (s) => SHAPES.indexOf(s.objects[0].shape)],
      ['relation', 3, (s) => (s.relation === null ? 0 : s.relation === 'vertical' ? 1 : 2)],
      ['size', 2, (s) => (s.objects[0].size === 'small' ? 0 : 1)],
    ];
    const acc: Record<string, number> = {};
    for (const [name, k, f] of facts) acc[name] = ridgeProbe(xTr, labels(ds.scenes.train, f), xVa, labels(ds.scenes.val, f), ds.D, k, 10);
    console.log(`ridge probe on val (object A): ${Object.entries(acc).map(([n, a]) => `${n} ${(100 * a).toFixed(1)}%`).join(', ')}`);
    assert.ok(acc.colour > 0.85, `colour ${acc.colour}`);
    assert.ok(acc.shape > 0.6, `shape ${acc.shape}`);
    assert.ok(acc.relation > 0.95, `relation ${acc.relation}`);
    assert.ok(acc.size > 0.9, `size ${acc.size}`);
    ds.close();
  });

  // About a minute of CPU (features and PCA of 2000 images); worth it: it proves the committed data is the script's.
  it('full regeneration reproduces every committed file, features included', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gl-fullregen-'));
    try {
      const t = Date.now();
      await generateInto(dir);
      console.log(`full regeneration: ${((Date.now() - t) / 1000).toFixed(1)} s`);
      const files = listFiles(dir);
      assert.equal(files.length, 2000 + 7);
      assertSameFiles(dir, defaultDir(), files);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
