/**
 * Gradient-check explorations (issue 10): one entry point for the CLI and the extension's worker.
 * Results are plain JSON data. Training code never imports this folder (the bug catalogue's
 * broken layer tables live here); test/explore/isolation.test.ts holds that line.
 */
import { CaptioningModel, type CellType } from '../model';
import { Rng } from '../random';
import { intTensor, type Tensor } from '../tensor';
import type { CaptionSplit } from '../solver';
import { BUGS, runBug } from './bugs';
import { captionFlow, gradientFlowGrid } from './flow';
import { comparePrecisions } from './precision';
import { runSanity, type SanityData } from './sanity';
import { directionalCheck, modelProblem, sparseCheck } from './sparse';
import { sweep } from './sweep';
import type { BugsResult, ExploreName, ExploreRequest, ExploreResult } from './types';
export type { BugsResult, ExploreName, ExploreRequest, ExploreResult };
export * from './types';

export * from './bugs';
export * from './flow';
export * from './precision';
export * from './sanity';
export * from './sparse';
export * from './sweep';

export const EXPLORE_NAMES: readonly ExploreName[] = ['sweep', 'precision', 'bugs', 'sanity', 'flow', 'sparse'];

export const EXPLORE_TITLES: Record<ExploreName, string> = {
  sweep: 'Step-size sweep (h from 1e-1 to 1e-12, float64 and float32)',
  precision: 'float32 against float64: the check table side by side',
  bugs: 'Bug catalogue: classic BPTT and captioning mistakes',
  sanity: 'Sanity suite: loss, masking, causality, beam, overfitting',
  flow: 'Gradient flow through time (vanishing and exploding)',
  sparse: 'Sparse and random-direction checks for large models',
};

export function isExploreName(s: string): s is ExploreName {
  return (EXPLORE_NAMES as readonly string[]).includes(s);
}


/** The dataset an exploration reads (sanity; flow on a caption). core/data's Dataset fits. */
export interface ExploreData extends SanityData {
  readonly idxToWord: readonly string[];
  readonly splits: { readonly train: CaptionSplit; readonly val?: CaptionSplit };
}



export interface ExploreHooks {
  progress?: (message: string, fraction?: number) => void;
  /** The dataset for sanity and caption flow; without it those parts say what they lack. */
  data?: ExploreData;
}

/**
 * A tiny random captioning set (no files): 20 words, 60 captions of 3..15 words padded with <NULL>.
 * The bug catalogue runs its sanity lines on it so catalogue entries need no dataset.
 */
export function syntheticData(seed = 5): ExploreData {
  const rng = new Rng(seed);
  const words = ['<NULL>', '<START>', '<END>', ...Array.from({ length: 17 }, (_, i) => `w${i}`)];
  const wordToIdx: Record<string, number> = {};
  words.forEach((w, i) => (wordToIdx[w] = i));
  const n = 60;
  const T = 17;
  const caps = intTensor([n, T]);
  for (let i = 0; i < n; i++) {
    const len = 3 + rng.int(13);
    caps.data[i * T] = 1;
    for (let t = 1; t <= len; t++) caps.data[i * T + t] = 3 + rng.int(17);
    caps.data[i * T + len + 1] = 2;
  }
  const D = 16;
  const feats = rng.normals(n * D);
  const split: CaptionSplit = {
    captions: caps,
    imageIdxs: Int32Array.from({ length: n }, (_, i) => i),
    getFeatures: (rows): Tensor => {
      const out = new Float64Array(rows.length * D);
      for (let i = 0; i < rows.length; i++) out.set(feats.subarray(rows[i] * D, (rows[i] + 1) * D), i * D);
      return { shape: [rows.length, D], data: out };
    },
  };
  return { name: 'synthetic', wordToIdx, idxToWord: words, splits: { train: split } };
}

export const DEFAULT_SPARSE_SIZES = { N: 10, T: 16, D: 64, W: 32, H: 48, V: 50 };

export function runExplore(req: ExploreRequest, hooks: ExploreHooks = {}): ExploreResult {
  const seed = req.seed ?? 231;
  const progress = hooks.progress ?? (() => undefined);
  const cells = req.cells ?? (['rnn', 'lstm'] as CellType[]);
  switch (req.name) {
    case 'sweep': {
      const check = req.check ?? 'rnn';
      progress(`sweeping h for ${check} ${req.param ?? ''}`.trim(), 0);
      return { kind: 'sweep', sweep: sweep({ check, param: req.param, seed }) };
    }
    case 'precision':
      return { kind: 'precision', table: comparePrecisions({ seed, h: req.h, onCheck: (name, i, n) => progress(`${name} in float64 and float32`, (i + 1) / n) }) };
    case 'bugs': {
      const ids = req.bug ? [req.bug] : BUGS.map((b) => b.id);
      const synth = syntheticData();
      const runs = ids.map((id, i) => {
        const run = runBug(id, seed);
        const sanity = runSanity(synth, { layers: BUGS.find((b) => b.id === id)?.layers, hiddenDim: 16, wordvecDim: 8, only: ['masked-zero-gradient', 'causality'] }).lines;
        progress(`${id}: with the bug the check says ${run.buggy.verdict === 'warn' ? 'suspect' : run.buggy.verdict}`, (i + 1) / ids.length);
        return { ...run, sanity };
      });
      return { kind: 'bugs', runs };
    }
    case 'sanity': {
      const data = hooks.data;
      if (!data) throw new Error('the sanity suite needs a dataset: open one (or the embedded default) first');
      const reports = cells.map((cell) =>
        runSanity(data, { cell, seed, overfitIterations: req.overfitIterations, onLine: (l) => progress(`${cell}: ${l.status} — ${l.title}`) }),
      );
      return { kind: 'sanity', dataset: data.name, reports, passed: reports.every((r) => r.passed) };
    }
    case 'flow': {
      progress('synthetic task: every T and spectral radius of the sliders', 0);
      const grid = gradientFlowGrid({ seed });
      const data = hooks.data;
      if (!data) return { kind: 'flow', grid };
      progress(`a caption of ${data.name}`, 0.8);
      const splitName = data.splits.val ? 'val' : 'train';
      const split = data.splits[splitName] ?? data.splits.train;
      const index = 0;
      const captions = intTensor([1, split.captions.shape[1]], split.captions.data.subarray(0, split.captions.shape[1]));
      const features = split.getFeatures([split.imageIdxs[index]]);
      const D = features.shape[1];
      const mk = (cell: CellType) => new CaptioningModel({ wordToIdx: data.wordToIdx, inputDim: D, wordvecDim: 256, hiddenDim: 512, cellType: cell, seed });
      const caption = captionFlow({ rnn: mk('rnn'), lstm: mk('lstm') }, features, captions, data.idxToWord);
      return { kind: 'flow', grid, caption: { ...caption, dataset: data.name, split: splitName, index } };
    }
    case 'sparse': {
      const sizes = req.sizes ?? DEFAULT_SPARSE_SIZES;
      const out = cells.map((cell, i) => {
        progress(`captioning_${cell}: sparse and directional`, i / cells.length);
        const sparse = sparseCheck(modelProblem(cell, sizes, seed), { h: 1e-6, perParam: req.perParam });
        const directional = directionalCheck(modelProblem(cell, sizes, seed), { h: 1e-6, directions: req.directions });
        return { cell, sparse, directional };
      });
      return { kind: 'sparse', sizes, cells: out };
    }
    default: {
      const never: never = req.name;
      throw new Error(`unknown exploration "${String(never)}": expected one of ${EXPLORE_NAMES.join(', ')}`);
    }
  }
}


