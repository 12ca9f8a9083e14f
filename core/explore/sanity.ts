/**
 * The sanity suite: checks a gradient check cannot make, each a pass/fail line with its numbers.
 * Initial loss ≈ (mean caption length) × ln V; masked positions get exactly zero gradient; the
 * scores at step t do not depend on the word they predict (causality); the loss falls over the
 * first iterations on a small batch; 50 captions can be overfitted below 0.1; beam width 1 is greedy
 * (core/sampling.ts's beam search against the model's greedy sampler).
 */
import { createFastModel } from '../fast/model';
import { REFERENCE_LAYERS, type LayerImpl } from '../layers/index';
import { CaptioningModel, type CellType } from '../model';
import { CaptioningSolver, gather, type CaptionSplit } from '../solver';
import { intTensor, type IntTensor, type Tensor } from '../tensor';
import { beamSearchEqualsGreedy } from './beam';
import type { SanityLine, SanityReport } from './types';
export type { SanityLine, SanityReport };

/** The part of a dataset the suite reads (core/data's Dataset has it). */
export interface SanityData {
  readonly name: string;
  readonly wordToIdx: Readonly<Record<string, number>>;
  readonly splits: { readonly train: CaptionSplit };
}



export interface SanityOptions {
  cell?: CellType;
  seed?: number;
  hiddenDim?: number;
  wordvecDim?: number;
  /** Iterations of the overfitting run (0 skips it). Default 100 (50 captions, batch 25: 50 epochs). */
  overfitIterations?: number;
  /** Sizes of the training lines (loss falls, overfit). Default CS231n's 512 and 256. */
  fitHiddenDim?: number;
  fitWordvecDim?: number;
  /** Layer table (the bug catalogue passes a broken one to show which sanity check catches it). */
  layers?: LayerImpl;
  only?: SanityLine['id'][];
  onLine?: (line: SanityLine) => void;
}

function timed(fn: () => Omit<SanityLine, 'ms'>): SanityLine {
  const t0 = Date.now();
  const r = fn();
  return { ...r, ms: Date.now() - t0 };
}

/** Rows 0..n−1 of a split as a minibatch (deterministic: the first n captions). */
function firstRows(split: CaptionSplit, n: number): { captions: IntTensor; features: Tensor } {
  const rows = Int32Array.from({ length: Math.min(n, split.captions.shape[0]) }, (_, i) => i);
  return gather(split, rows);
}

function featureDim(split: CaptionSplit): number {
  return split.getFeatures([0]).shape[1];
}

/** A spy over a layer table: what the loss layer and the output layer saw and returned. */
function spy(L: LayerImpl) {
  const seen: { scores: Float64Array[]; dscores: Float64Array[]; mask: Uint8Array[] } = { scores: [], dscores: [], mask: [] };
  const table: LayerImpl = {
    ...L,
    temporalAffineForward: (x, w, b) => {
      const r = L.temporalAffineForward(x, w, b);
      seen.scores.push(Float64Array.from(r.out.data));
      return r;
    },
    temporalSoftmaxLoss: (x, y, mask) => {
      const r = L.temporalSoftmaxLoss(x, y, mask);
      seen.dscores.push(Float64Array.from(r.dx.data));
      seen.mask.push(Uint8Array.from(mask.data));
      return r;
    },
  };
  return { table, seen };
}

/**
 * The first caption of each of the first n images. Memorising needs captions the features tell
 * apart: two captions of one image cannot both reach zero loss, so a subset drawn with replacement
 * (several captions of an image, as the embedded set has five each) has a floor above 0.1.
 */
export function distinctImageCaptions(split: CaptionSplit, n: number): CaptionSplit {
  const [rows, T] = split.captions.shape;
  const seen = new Set<number>();
  const pick: number[] = [];
  for (let r = 0; r < rows && pick.length < n; r++) {
    const img = split.imageIdxs[r];
    if (seen.has(img)) continue;
    seen.add(img);
    pick.push(r);
  }
  const caps = new Int32Array(pick.length * T);
  pick.forEach((r, i) => caps.set(split.captions.data.subarray(r * T, (r + 1) * T), i * T));
  return { captions: { shape: [pick.length, T], data: caps }, imageIdxs: Int32Array.from(pick, (r) => split.imageIdxs[r]), getFeatures: (rows) => split.getFeatures(rows) };
}

export function runSanity(data: SanityData, opts: SanityOptions = {}): SanityReport {
  const cell = opts.cell ?? 'rnn';
  const seed = opts.seed ?? 231;
  const H = opts.hiddenDim ?? 64;
  const W = opts.wordvecDim ?? 32;
  const L = opts.layers ?? REFERENCE_LAYERS;
  const train = data.splits.train;
  const D = featureDim(train);
  const V = Object.keys(data.wordToIdx).length;
  const nullIdx = data.wordToIdx['<NULL>'];
  const makeModel = (layers: LayerImpl = L): CaptioningModel =>
    new CaptioningModel({ wordToIdx: data.wordToIdx, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: cell, seed, layers });
  const want = (id: SanityLine['id']) => !opts.only || opts.only.includes(id);
  const lines: SanityLine[] = [];
  const add = (l: SanityLine) => {
    lines.push(l);
    opts.onLine?.(l);
  };

  if (want('initial-loss')) {
    add(timed(() => {
      const batch = firstRows(train, 100);
      const { loss } = makeModel().loss(batch.features, batch.captions);
      const [n, tp1] = batch.captions.shape;
      let unmasked = 0;
      for (let i = 0; i < n; i++) for (let t = 1; t < tp1; t++) unmasked += batch.captions.data[i * tp1 + t] !== nullIdx ? 1 : 0;
      const meanLen = unmasked / n;
      const expected = meanLen * Math.log(V);
      const ratio = loss / expected;
      // Scores are not exactly zero at initialisation (W_vocab ~ N(0, 1/H)), which lifts the loss
      // a little above ln V per word; 10% allows that and still catches a wrong normalisation.
      const ok = Math.abs(ratio - 1) < 0.1;
      return {
        id: 'initial-loss',
        title: 'initial loss ≈ mean caption length × ln V',
        status: ok ? 'pass' : 'fail',
        detail: `loss ${loss.toFixed(3)} vs ${meanLen.toFixed(2)} words × ln ${V} = ${expected.toFixed(3)} (ratio ${ratio.toFixed(3)}, pass within 10%)`,
        values: { loss, expected, meanLength: meanLen, V, ratio },
      };
    }));
  }

  if (want('masked-zero-gradient')) {
    add(timed(() => {
      const batch = firstRows(train, 50);
      const s = spy(L);
      const { grads } = makeModel(s.table).loss(batch.features, batch.captions);
      const dx = s.seen.dscores[0];
      const mask = s.seen.mask[0];
      let masked = 0;
      let nonzero = 0;
      let worst = 0;
      for (let k = 0; k < mask.length; k++) {
        if (mask[k]) continue;
        masked++;
        for (let j = 0; j < V; j++) {
          const v = dx[k * V + j];
          if (v !== 0) {
            nonzero++;
            worst = Math.max(worst, Math.abs(v));
          }
        }
      }
      // <NULL> is only ever fed after <END>, where every later target is masked too: its embedding row gets nothing.
      const Wd = grads.W_embed.shape[1];
      let nullRow = 0;
      for (let j = 0; j < Wd; j++) nullRow = Math.max(nullRow, Math.abs(grads.W_embed.data[nullIdx * Wd + j]));
      const ok = masked > 0 && nonzero === 0 && nullRow === 0;
      return {
        id: 'masked-zero-gradient',
        title: 'positions masked as <NULL> get exactly zero gradient',
        status: ok ? 'pass' : 'fail',
        detail:
          masked === 0
            ? 'no masked position in the first 50 captions: nothing to test'
            : `${masked} masked positions: ${nonzero} nonzero score gradients (largest ${worst.toExponential(2)}); |dW_embed[<NULL>]| max ${nullRow.toExponential(2)}`,
        values: { masked, nonzero, worst, nullRow },
      };
    }));
  }

  if (want('causality')) {
    add(timed(() => {
      const batch = firstRows(train, 20);
      const [n, tp1] = batch.captions.shape;
      const T = tp1 - 1;
      const model = makeModel();
      const s = spy(L);
      const probe = new CaptioningModel({ wordToIdx: data.wordToIdx, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: cell, seed, layers: s.table });
      probe.setParams(model.params);
      probe.loss(batch.features, batch.captions);
      const base = s.seen.scores[0];
      // Change the word at column k (the target of step k−1); steps < k must not see it.
      const leaks: number[] = [];
      let checked = 0;
      for (let k = 1; k <= T; k++) {
        const changed: IntTensor = intTensor([n, tp1], batch.captions.data);
        for (let i = 0; i < n; i++) {
          const w = changed.data[i * tp1 + k];
          changed.data[i * tp1 + k] = w === nullIdx ? w : ((w + 1) % V === nullIdx ? (w + 2) % V : (w + 1) % V);
        }
        s.seen.scores.length = 0;
        probe.loss(batch.features, changed);
        const after = s.seen.scores[0];
        for (let i = 0; i < n; i++) {
          for (let t = 0; t < k; t++) {
            checked++;
            const o = (i * T + t) * V;
            let same = true;
            for (let j = 0; j < V && same; j++) same = after[o + j] === base[o + j];
            if (!same && !leaks.includes(t)) leaks.push(t);
          }
        }
      }
      leaks.sort((a, b) => a - b);
      return {
        id: 'causality',
        title: 'the score at step t does not depend on the word it predicts',
        status: leaks.length === 0 ? 'pass' : 'fail',
        detail:
          leaks.length === 0
            ? `changed each caption word in turn: the ${checked} earlier (caption, step) scores stayed bit-identical`
            : `scores at steps ${leaks.join(', ')} change when a later word changes: the input sees its own target (captions in/out off by one?)`,
        values: { checked, leakingSteps: leaks.length },
      };
    }));
  }

  if (want('beam-greedy')) {
    add(timed(() => {
      const batch = firstRows(train, 10);
      const r = beamSearchEqualsGreedy(makeModel(), batch.features, 12);
      return {
        id: 'beam-greedy',
        title: 'beam width 1 equals greedy',
        status: r.status,
        detail: r.detail,
        values: { captions: r.compared, differing: r.differing },
      };
    }));
  }

  // Training lines run at the CS231n overfitting sizes (H = 512, W = 256) on the fastest engine
  // there is; with a broken layer table they must use the reference model, which calls through it.
  const fitH = opts.fitHiddenDim ?? 512;
  const fitW = opts.fitWordvecDim ?? 256;
  /** How many captions (one per image) the last trainSteps had: fewer than asked when the split has fewer images. */
  let used = 0;
  const few = (n: number): string => (used < n ? ` (the train split has only ${used} images)` : '');
  const trainSteps = (n: number, iterations: number, batchSize: number) => {
    const cfg = { wordToIdx: data.wordToIdx, inputDim: D, wordvecDim: fitW, hiddenDim: fitH, cellType: cell, seed };
    const model = opts.layers ? new CaptioningModel({ ...cfg, layers: opts.layers }) : createFastModel(cfg);
    const small = distinctImageCaptions(train, n);
    used = small.captions.shape[0];
    const solver = new CaptioningSolver(model, { train: small }, { updateRule: 'adam', optimConfig: { learningRate: 5e-3 }, lrDecay: 0.95, batchSize, numEpochs: Math.max(1, Math.ceil(iterations / Math.max(1, Math.floor(n / batchSize)))), seed, evalEvery: 0 });
    const losses: number[] = [];
    for (let i = 0; i < iterations; i++) losses.push(solver.step().loss);
    return losses;
  };

  if (want('loss-falls')) {
    add(timed(() => {
      const losses = trainSteps(25, 10, 25);
      const first = losses[0];
      const last = losses[losses.length - 1];
      const ok = last < 0.9 * first;
      return {
        id: 'loss-falls',
        title: 'the loss falls over the first iterations on a small batch',
        status: ok ? 'pass' : 'fail',
        detail: `${used} captions${few(25)}, adam 5e-3: loss ${first.toFixed(3)} → ${last.toFixed(3)} in ${losses.length} iterations (pass below 90% of the first)`,
        values: { first, last, iterations: losses.length },
      };
    }));
  }

  const overfitIters = opts.overfitIterations ?? 100;
  if (want('overfit') && overfitIters > 0) {
    add(timed(() => {
      const losses = trainSteps(50, overfitIters, 25);
      const last = losses[losses.length - 1];
      const ok = last < 0.1;
      return {
        id: 'overfit',
        title: 'overfitting 50 captions reaches < 0.1',
        status: ok ? 'pass' : 'fail',
        detail: `${used} captions of ${used} images${few(50)}, batch 25, adam 5e-3 (decay 0.95/epoch), H = ${fitH}, W = ${fitW}: loss ${losses[0].toFixed(3)} → ${last.toFixed(4)} after ${losses.length} iterations`,
        values: { first: losses[0], last, iterations: losses.length },
      };
    }));
  }

  return { dataset: data.name, cell, lines, passed: lines.every((l) => l.status !== 'fail') };
}
