/**
 * The CS231n captioning model: image features → h0, word embeddings → RNN or LSTM → vocabulary
 * scores → masked temporal softmax loss. N batch, D feature dim, W word-vector dim, H hidden,
 * V vocabulary, T steps (caption length − 1).
 */
import { REFERENCE_LAYERS, type LayerImpl } from './layers/index';
import type { LstmCache, LstmGates } from './layers/lstm';
import type { RnnCache } from './layers/rnn';
import { matmul, matmulTN, addRowVector } from './ops';
import { Rng } from './random';
import { boolTensor, expectRank, expectShape, intTensor, ShapeError, type IntTensor, type Tensor } from './tensor';

export type CellType = 'rnn' | 'lstm';

export const PARAM_NAMES = ['W_proj', 'b_proj', 'W_embed', 'Wx', 'Wh', 'b', 'W_vocab', 'b_vocab'] as const;
export type ParamName = (typeof PARAM_NAMES)[number];
export type ModelParams = Record<ParamName, Tensor>;

export interface ModelConfig {
  wordToIdx: Readonly<Record<string, number>>;
  /** D: dimension of the image features. */
  inputDim: number;
  /** W: dimension of the word vectors. */
  wordvecDim: number;
  /** H: hidden size. */
  hiddenDim: number;
  cellType: CellType;
  /** Seed of the initialisation. */
  seed?: number;
  /** Layer implementations; only explorations pass anything but the reference. */
  layers?: LayerImpl;
}

/** Parameter shapes by name for a cell type and sizes (Wx is (W, 4H) for an LSTM). */
export function paramShapes(cell: CellType, d: number, w: number, h: number, v: number): Record<ParamName, number[]> {
  const g = cell === 'lstm' ? 4 : 1;
  return {
    W_proj: [d, h],
    b_proj: [h],
    W_embed: [v, w],
    Wx: [w, g * h],
    Wh: [h, g * h],
    b: [g * h],
    W_vocab: [h, v],
    b_vocab: [v],
  };
}

/** Everything the visualisations show about one caption's forward and backward pass. */
export interface ModelTrace {
  cellType: CellType;
  loss: number;
  /** captions_in of the traced row (the words fed at each step). */
  inputWords: number[];
  /** captions_out of the traced row (the targets). */
  targetWords: number[];
  /** Which steps count in the loss. */
  mask: boolean[];
  /** h_t for t = 0..T−1 of the traced row, each of length H. */
  h: number[][];
  /** LSTM only: cell state and gates of the traced row per step. */
  c?: number[][];
  gates?: { i: number[][]; f: number[][]; o: number[][]; g: number[][] };
  /** Norms over the batch, per step: ‖∂L/∂h_t‖ (total), ‖∂L/∂x_t‖, and the step's contributions ‖dWh_t‖, ‖dWx_t‖. */
  dhNorm: number[];
  dxNorm: number[];
  dWhNorm: number[];
  dWxNorm: number[];
}

export class CaptioningModel {
  readonly cellType: CellType;
  readonly wordToIdx: Readonly<Record<string, number>>;
  readonly idxToWord: string[];
  readonly nullIdx: number;
  readonly startIdx: number | undefined;
  readonly endIdx: number | undefined;
  readonly inputDim: number;
  readonly wordvecDim: number;
  readonly hiddenDim: number;
  readonly vocabSize: number;
  params: ModelParams;
  private readonly L: LayerImpl;

  constructor(cfg: ModelConfig) {
    if (cfg.cellType !== 'rnn' && cfg.cellType !== 'lstm') throw new Error(`Invalid cell_type "${String(cfg.cellType)}": expected "rnn" or "lstm"`);
    for (const [k, v] of [['inputDim', cfg.inputDim], ['wordvecDim', cfg.wordvecDim], ['hiddenDim', cfg.hiddenDim]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`${k} must be a positive integer, got ${v}`);
    }
    const nullIdx = cfg.wordToIdx['<NULL>'];
    if (nullIdx === undefined) throw new Error('word_to_idx has no "<NULL>" entry');
    this.cellType = cfg.cellType;
    this.wordToIdx = cfg.wordToIdx;
    this.vocabSize = Object.keys(cfg.wordToIdx).length;
    this.idxToWord = new Array<string>(this.vocabSize).fill('');
    for (const [w, i] of Object.entries(cfg.wordToIdx)) if (i >= 0 && i < this.vocabSize) this.idxToWord[i] = w;
    this.nullIdx = nullIdx;
    this.startIdx = cfg.wordToIdx['<START>'];
    this.endIdx = cfg.wordToIdx['<END>'];
    this.inputDim = cfg.inputDim;
    this.wordvecDim = cfg.wordvecDim;
    this.hiddenDim = cfg.hiddenDim;
    this.L = cfg.layers ?? REFERENCE_LAYERS;
    this.params = initParams(cfg.cellType, cfg.inputDim, cfg.wordvecDim, cfg.hiddenDim, this.vocabSize, new Rng(cfg.seed ?? 0));
  }

  shapes(): Record<ParamName, number[]> {
    return paramShapes(this.cellType, this.inputDim, this.wordvecDim, this.hiddenDim, this.vocabSize);
  }

  /** Replaces parameters after checking every name and shape. */
  setParams(p: Readonly<Record<string, Tensor>>): void {
    const shapes = this.shapes();
    const next = {} as ModelParams;
    for (const name of PARAM_NAMES) {
      const t = p[name];
      if (!t) throw new Error(`parameter ${name} is missing`);
      expectShape('setParams', name, t, shapes[name]);
      next[name] = t;
    }
    this.params = next;
  }

  /**
   * Training loss and gradients. features: (N, D); captions: (N, T+1) word indices.
   * captions[:, :-1] is fed in, captions[:, 1:] is predicted, <NULL> targets are masked.
   * `onlyStep` masks every step but that one (0-based), which is how the gradient check finds the
   * step whose loss a wrong gradient comes from.
   */
  loss(features: Tensor, captions: IntTensor, opts: { onlyStep?: number } = {}): { loss: number; grads: ModelParams } {
    return this.run(features, captions, false, 0, opts.onlyStep).result;
  }

  /** The loss pass with everything the visualisations need, for row `row` of the batch. */
  trace(features: Tensor, captions: IntTensor, row = 0): ModelTrace {
    return this.run(features, captions, true, row).trace!;
  }

  private run(features: Tensor, captions: IntTensor, tracing: boolean, row = 0, onlyStep?: number): { result: { loss: number; grads: ModelParams }; trace?: ModelTrace } {
    const L = this.L;
    const p = this.params;
    expectRank('CaptioningRNN.loss', 'features', features, 2);
    expectRank('CaptioningRNN.loss', 'captions', captions, 2);
    const [n, d] = features.shape;
    const [cn, tp1] = captions.shape;
    if (cn !== n) throw new ShapeError(`CaptioningRNN.loss: features ${n} rows but captions ${cn} rows`);
    if (d !== this.inputDim) throw new ShapeError(`CaptioningRNN.loss: features have D = ${d}, the model expects ${this.inputDim}`);
    if (tp1 < 2) throw new ShapeError(`CaptioningRNN.loss: captions need at least 2 columns, got ${tp1}`);
    const t = tp1 - 1;
    const capIn = intTensor([n, t]);
    const capOut = intTensor([n, t]);
    for (let i = 0; i < n; i++) {
      for (let s = 0; s < t; s++) {
        capIn.data[i * t + s] = captions.data[i * tp1 + s];
        capOut.data[i * t + s] = captions.data[i * tp1 + s + 1];
      }
    }
    if (onlyStep !== undefined && !(Number.isInteger(onlyStep) && onlyStep >= 0 && onlyStep < t)) {
      throw new ShapeError(`CaptioningRNN.loss: onlyStep ${onlyStep} is outside the ${t} steps of these captions`);
    }
    const mask = boolTensor([n, t], Array.from(capOut.data, (w, k) => w !== this.nullIdx && (onlyStep === undefined || k % t === onlyStep)));

    const proj = L.affineForward(features, p.W_proj, p.b_proj);
    const emb = L.wordEmbeddingForward(capIn, p.W_embed);
    const seq = this.cellType === 'rnn' ? L.rnnForward(emb.out, proj.out, p.Wx, p.Wh, p.b) : L.lstmForward(emb.out, proj.out, p.Wx, p.Wh, p.b);
    const scores = L.temporalAffineForward(seq.h, p.W_vocab, p.b_vocab);
    const { loss, dx: dscores } = L.temporalSoftmaxLoss(scores.out, capOut, mask);

    const va = L.temporalAffineBackward(dscores, scores.cache);
    const h = this.hiddenDim;
    const w = this.wordvecDim;
    const g = this.cellType === 'lstm' ? 4 : 1;
    const norms = tracing ? { dh: zerosN(t), dx: zerosN(t), dWh: zerosN(t), dWx: zerosN(t) } : undefined;
    const observe = norms
      ? (s: number, o: { dh: Float64Array; dx: Float64Array; da: Float64Array; x: Float64Array; prevH: Float64Array }) => {
          norms.dh[s] = l2(o.dh);
          norms.dx[s] = l2(o.dx);
          norms.dWh[s] = l2(matmulTN(o.prevH, o.da, n, h, g * h));
          norms.dWx[s] = l2(matmulTN(o.x, o.da, n, w, g * h));
        }
      : undefined;
    const sb = this.cellType === 'rnn'
      ? L.rnnBackward(va.dx, seq.cache as RnnCache, observe)
      : L.lstmBackward(va.dx, seq.cache as LstmCache, observe);
    const eb = L.wordEmbeddingBackward(sb.dx, emb.cache);
    const pb = L.affineBackward(sb.dh0, proj.cache);
    const grads: ModelParams = {
      W_proj: pb.dw,
      b_proj: pb.db,
      W_embed: eb.dW,
      Wx: sb.dWx,
      Wh: sb.dWh,
      b: sb.db,
      W_vocab: va.dw,
      b_vocab: va.db,
    };
    const result = { loss, grads };
    if (!norms) return { result };
    if (!(row >= 0 && row < n)) throw new ShapeError(`trace: row ${row} is outside the batch of ${n}`);
    const rowOf = (a: Float64Array): number[] => Array.from(a.subarray(row * h, (row + 1) * h));
    const hs = seq.h.data;
    const trace: ModelTrace = {
      cellType: this.cellType,
      loss,
      inputWords: Array.from(capIn.data.subarray(row * t, (row + 1) * t)),
      targetWords: Array.from(capOut.data.subarray(row * t, (row + 1) * t)),
      mask: Array.from(mask.data.subarray(row * t, (row + 1) * t), (m) => m === 1),
      h: Array.from({ length: t }, (_, s) => Array.from(hs.subarray((row * t + s) * h, (row * t + s + 1) * h))),
      dhNorm: norms.dh,
      dxNorm: norms.dx,
      dWhNorm: norms.dWh,
      dWxNorm: norms.dWx,
    };
    if (this.cellType === 'lstm') {
      const steps = (seq.cache as LstmCache).steps;
      trace.c = steps.map((st) => rowOf(st.nextC));
      const gate = (k: keyof LstmGates): number[][] => steps.map((st) => rowOf(st.gates[k]));
      trace.gates = { i: gate('i'), f: gate('f'), o: gate('o'), g: gate('g') };
    }
    return { result, trace };
  }

  /**
   * Greedy sampling: h0 from the features, <START> fed first, then at every step the argmax word.
   * features: (N, D). Returns captions: (N, maxLength); column 0 holds the first generated word.
   * Like the CS231n reference it keeps generating after <END>; decoding stops there.
   */
  sample(features: Tensor, maxLength = 30): IntTensor {
    const L = this.L;
    const p = this.params;
    expectRank('CaptioningRNN.sample', 'features', features, 2);
    if (features.shape[1] !== this.inputDim) throw new ShapeError(`CaptioningRNN.sample: features have D = ${features.shape[1]}, the model expects ${this.inputDim}`);
    if (this.startIdx === undefined) throw new Error('word_to_idx has no "<START>" entry, so the model cannot sample');
    if (!Number.isInteger(maxLength) || maxLength < 1) throw new Error(`max_length must be a positive integer, got ${maxLength}`);
    const n = features.shape[0];
    const h = this.hiddenDim;
    const v = this.vocabSize;
    const w = this.wordvecDim;
    const out = intTensor([n, maxLength]);
    let prevH = L.affineForward(features, p.W_proj, p.b_proj).out;
    let prevC: Tensor = { shape: [n, h], data: new Float64Array(n * h) };
    const words = new Int32Array(n).fill(this.startIdx);
    for (let s = 0; s < maxLength; s++) {
      const x: Tensor = { shape: [n, w], data: new Float64Array(n * w) };
      for (let i = 0; i < n; i++) x.data.set(p.W_embed.data.subarray(words[i] * w, (words[i] + 1) * w), i * w);
      if (this.cellType === 'rnn') {
        prevH = L.rnnStepForward(x, prevH, p.Wx, p.Wh, p.b).nextH;
      } else {
        const r = L.lstmStepForward(x, prevH, prevC, p.Wx, p.Wh, p.b);
        prevH = r.nextH;
        prevC = r.nextC;
      }
      const scores = matmul(prevH.data, p.W_vocab.data, n, h, v);
      addRowVector(scores, p.b_vocab.data, n, v);
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let j = 1; j < v; j++) if (scores[i * v + j] > scores[i * v + best]) best = j;
        words[i] = best;
        out.data[i * maxLength + s] = best;
      }
    }
    return out;
  }
}

/** CS231n initialisation: W_embed/100, weights/sqrt(fan-in), zero biases. */
function initParams(cell: CellType, d: number, w: number, h: number, v: number, rng: Rng): ModelParams {
  const s = paramShapes(cell, d, w, h, v);
  const randn = (shape: number[], scale: number): Tensor => ({ shape, data: rng.normals(shape[0] * shape[1], scale) });
  const zero = (shape: number[]): Tensor => ({ shape, data: new Float64Array(shape[0]) });
  return {
    W_embed: randn(s.W_embed, 1 / 100),
    W_proj: randn(s.W_proj, 1 / Math.sqrt(d)),
    b_proj: zero(s.b_proj),
    Wx: randn(s.Wx, 1 / Math.sqrt(w)),
    Wh: randn(s.Wh, 1 / Math.sqrt(h)),
    b: zero(s.b),
    W_vocab: randn(s.W_vocab, 1 / Math.sqrt(h)),
    b_vocab: zero(s.b_vocab),
  };
}

function zerosN(n: number): number[] {
  return new Array<number>(n).fill(0);
}

function l2(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}
