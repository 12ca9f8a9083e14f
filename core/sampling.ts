/**
 * Test-time captioning: greedy (the model's own `sample`), temperature sampling and beam search,
 * all stopping at <END>, and captions decoded to text with the ground truth and image reference
 * of each sampled image kept next to it.
 *
 * Temperature and beam search run the reference step functions on the model's parameters, with
 * the same row-wise arithmetic as CaptioningModel.sample, so beam width 1 reproduces greedy
 * decoding token for token.
 */
import { lstmStepForward, rnnStepForward, affineForward } from './layers/index';
import type { CellType, ModelParams } from './model';
import { addRowVector, matmul } from './ops';
import { Rng } from './random';
import { gather, type CaptionSplit } from './solver';
import { intTensor, ShapeError, type IntTensor, type Tensor } from './tensor';

export interface SamplerVocab {
  readonly idxToWord: readonly string[];
  readonly nullIdx: number;
  readonly startIdx: number;
  readonly endIdx: number;
}

/** One step of the recurrence at a time, for beam search and temperature sampling. */
export interface SamplingStepper {
  /** Hidden size and vocabulary size. */
  readonly h: number;
  readonly v: number;
  /** h0 = features·W_proj + b_proj, (n, H). */
  h0(features: Tensor): Tensor;
  /** Feeds `words` (one per row) with states (n, H); returns the next states and the scores (n, V). */
  step(words: ArrayLike<number>, prevH: Tensor, prevC: Tensor): { h: Tensor; c: Tensor; scores: Float64Array };
}

/** What sampling needs of a model. */
export interface SamplingModel {
  readonly cellType: CellType;
  readonly params: ModelParams;
  sample(features: Tensor, maxLength?: number): IntTensor;
  /** A faster step function over the same parameters (the wasm engine's); else the reference's. */
  stepper?(): SamplingStepper;
}

function stepperOf(model: SamplingModel): SamplingStepper {
  return model.stepper?.() ?? new Stepper(model.cellType, model.params);
}

export type SampleMethod =
  | { kind: 'greedy' }
  | { kind: 'temperature'; temperature: number; seed?: number }
  | { kind: 'beam'; width: number };

export const DEFAULT_MAX_LENGTH = 30;

/** Throws a one-line error for an unusable method. */
export function checkMethod(m: SampleMethod): void {
  if (m.kind === 'temperature' && !(Number.isFinite(m.temperature) && m.temperature > 0)) throw new Error(`temperature must be a positive number, got ${m.temperature}`);
  if (m.kind === 'beam' && !(Number.isInteger(m.width) && m.width >= 1)) throw new Error(`beam width must be a positive integer, got ${m.width}`);
}

/** The recurrence as a step function over the model's parameters (float64 reference layers). */
class Stepper implements SamplingStepper {
  readonly h: number;
  readonly v: number;
  readonly w: number;
  constructor(private readonly cell: CellType, private readonly p: ModelParams) {
    this.h = p.Wh.shape[0];
    this.v = p.W_vocab.shape[1];
    this.w = p.W_embed.shape[1];
  }

  h0(features: Tensor): Tensor {
    return affineForward(features, this.p.W_proj, this.p.b_proj).out;
  }

  /** Feeds `words` (one per row) with states (n, H); returns the next states and the scores (n, V). */
  step(words: ArrayLike<number>, prevH: Tensor, prevC: Tensor): { h: Tensor; c: Tensor; scores: Float64Array } {
    const n = words.length;
    const { w, h, v, p } = this;
    const x: Tensor = { shape: [n, w], data: new Float64Array(n * w) };
    for (let i = 0; i < n; i++) x.data.set(p.W_embed.data.subarray(words[i] * w, (words[i] + 1) * w), i * w);
    let nextH: Tensor;
    let nextC = prevC;
    if (this.cell === 'rnn') {
      nextH = rnnStepForward(x, prevH, p.Wx, p.Wh, p.b).nextH;
    } else {
      const r = lstmStepForward(x, prevH, prevC, p.Wx, p.Wh, p.b);
      nextH = r.nextH;
      nextC = r.nextC;
    }
    const scores = matmul(nextH.data, p.W_vocab.data, n, h, v);
    addRowVector(scores, p.b_vocab.data, n, v);
    return { h: nextH, c: nextC, scores };
  }
}

function checkFeatures(model: SamplingModel, features: Tensor): void {
  const d = model.params.W_proj.shape[0];
  if (features.shape.length !== 2 || features.shape[1] !== d) throw new ShapeError(`sampling: features have shape (${features.shape.join(', ')}), the model expects (N, ${d})`);
}

function checkMaxLength(maxLength: number): void {
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new Error(`max length must be a positive integer, got ${maxLength}`);
}

/** Greedy captions from the model's own sampler, with everything after <END> set to <NULL>. */
export function sampleGreedy(model: SamplingModel, features: Tensor, vocab: SamplerVocab, maxLength = DEFAULT_MAX_LENGTH): IntTensor {
  checkMaxLength(maxLength);
  return cutAtEnd(model.sample(features, maxLength), vocab);
}

/**
 * Samples each next word from softmax(scores / temperature), seeded. Low temperatures approach
 * greedy decoding; 1 samples from the model's distribution. (N, maxLength), <NULL> after <END>.
 */
export function sampleTemperature(model: SamplingModel, features: Tensor, vocab: SamplerVocab, temperature: number, rng: Rng, maxLength = DEFAULT_MAX_LENGTH): IntTensor {
  checkMethod({ kind: 'temperature', temperature });
  checkMaxLength(maxLength);
  checkFeatures(model, features);
  const st = stepperOf(model);
  const n = features.shape[0];
  const v = st.v;
  const out = intTensor([n, maxLength]);
  out.data.fill(vocab.nullIdx);
  let h = st.h0(features);
  let c: Tensor = { shape: [n, st.h], data: new Float64Array(n * st.h) };
  const words = new Int32Array(n).fill(vocab.startIdx);
  const done = new Uint8Array(n);
  const probs = new Float64Array(v);
  for (let s = 0; s < maxLength; s++) {
    const r = st.step(words, h, c);
    h = r.h;
    c = r.c;
    for (let i = 0; i < n; i++) {
      let mx = -Infinity;
      for (let j = 0; j < v; j++) mx = Math.max(mx, r.scores[i * v + j] / temperature);
      let z = 0;
      for (let j = 0; j < v; j++) z += probs[j] = Math.exp(r.scores[i * v + j] / temperature - mx);
      // Always draw, so row i's random stream does not depend on when other rows ended.
      let u = rng.uniform() * z;
      let k = 0;
      while (k < v - 1 && u >= probs[k]) u -= probs[k++];
      words[i] = k;
      if (!done[i]) {
        out.data[i * maxLength + s] = k;
        if (k === vocab.endIdx) done[i] = 1;
      }
    }
    if (done.every((d) => d === 1)) break;
  }
  return out;
}

export interface BeamResult {
  /** (N, maxLength) best caption per image, <END> included when reached, <NULL> after. */
  tokens: IntTensor;
  /** Sum of log-probabilities of each returned caption's tokens. */
  logProbs: Float64Array;
}

/**
 * Beam search of width B per image. At each step every live hypothesis is extended by every
 * word; the candidates are ranked by total log-probability; a candidate ending in <END> among the
 * top B is finished, and the best B others stay live. The search stops when no live hypothesis
 * can beat the best finished one (log-probabilities only fall) or at maxLength; the best
 * hypothesis is returned. Width 1 is greedy decoding.
 */
export function beamSearch(model: SamplingModel, features: Tensor, vocab: SamplerVocab, width: number, maxLength = DEFAULT_MAX_LENGTH): BeamResult {
  checkMethod({ kind: 'beam', width });
  checkMaxLength(maxLength);
  checkFeatures(model, features);
  const st = stepperOf(model);
  const n = features.shape[0];
  const d = features.shape[1];
  const tokens = intTensor([n, maxLength]);
  tokens.data.fill(vocab.nullIdx);
  const logProbs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const f: Tensor = { shape: [1, d], data: features.data.subarray(i * d, (i + 1) * d) };
    const best = beamOne(st, f, vocab, width, maxLength);
    tokens.data.set(best.words, i * maxLength);
    logProbs[i] = best.logp;
  }
  return { tokens, logProbs };
}

interface Hyp {
  words: number[];
  logp: number;
  /** Row of the state batch this hypothesis continues from. */
  row: number;
}

function beamOne(st: SamplingStepper, feature: Tensor, vocab: SamplerVocab, width: number, maxLength: number): { words: number[]; logp: number } {
  const H = st.h;
  const V = st.v;
  let h = st.h0(feature);
  let c: Tensor = { shape: [1, H], data: new Float64Array(H) };
  let live: Hyp[] = [{ words: [], logp: 0, row: 0 }];
  let bestDone: { words: number[]; logp: number } | null = null;
  for (let s = 0; s < maxLength && live.length > 0; s++) {
    const words = live.map((b) => (b.words.length ? b.words[b.words.length - 1] : vocab.startIdx));
    // States of the live hypotheses, one row each.
    const hs: Tensor = { shape: [live.length, H], data: new Float64Array(live.length * H) };
    const cs: Tensor = { shape: [live.length, H], data: new Float64Array(live.length * H) };
    live.forEach((b, i) => {
      hs.data.set(h.data.subarray(b.row * H, (b.row + 1) * H), i * H);
      cs.data.set(c.data.subarray(b.row * H, (b.row + 1) * H), i * H);
    });
    const r = st.step(words, hs, cs);
    // Candidates: total log-probability; ties broken by the raw score, then the word index (as argmax does).
    const cand: { beam: number; word: number; logp: number; raw: number }[] = [];
    for (let i = 0; i < live.length; i++) {
      const row = r.scores.subarray(i * V, (i + 1) * V);
      let mx = -Infinity;
      for (let j = 0; j < V; j++) mx = Math.max(mx, row[j]);
      let z = 0;
      for (let j = 0; j < V; j++) z += Math.exp(row[j] - mx);
      const lse = mx + Math.log(z);
      // Only the top `width` words of a hypothesis can enter the top `width` overall.
      const top = topK(row, width + 1);
      for (const j of top) cand.push({ beam: i, word: j, logp: live[i].logp + (row[j] - lse), raw: row[j] });
    }
    cand.sort((a, b) => b.logp - a.logp || b.raw - a.raw || a.beam - b.beam || a.word - b.word);
    const next: Hyp[] = [];
    for (let k = 0; k < cand.length && next.length < width; k++) {
      const cd = cand[k];
      const ws = [...live[cd.beam].words, cd.word];
      if (cd.word === vocab.endIdx) {
        if (k < width && (!bestDone || cd.logp > bestDone.logp)) bestDone = { words: ws, logp: cd.logp };
      } else {
        next.push({ words: ws, logp: cd.logp, row: cd.beam });
      }
    }
    h = r.h;
    c = r.c;
    live = next;
    const bestLive = live.reduce((m, b) => Math.max(m, b.logp), -Infinity);
    if (bestDone && bestDone.logp >= bestLive) break;
  }
  let best = bestDone;
  for (const b of live) if (!best || b.logp > best.logp) best = { words: b.words, logp: b.logp };
  return best ?? { words: [], logp: 0 };
}

/** Indices of the k largest values (ties: lower index first). */
function topK(row: Float64Array, k: number): number[] {
  const idx: number[] = [];
  for (let j = 0; j < row.length; j++) {
    if (idx.length < k) {
      idx.push(j);
      idx.sort((a, b) => row[b] - row[a] || a - b);
    } else if (row[j] > row[idx[k - 1]]) {
      idx[k - 1] = j;
      idx.sort((a, b) => row[b] - row[a] || a - b);
    }
  }
  return idx;
}

/** Sets every token after the first <END> of each row to <NULL>. */
export function cutAtEnd(t: IntTensor, vocab: SamplerVocab): IntTensor {
  const [n, L] = t.shape;
  const out = intTensor([n, L], t.data);
  for (let i = 0; i < n; i++) {
    let ended = false;
    for (let s = 0; s < L; s++) {
      if (ended) out.data[i * L + s] = vocab.nullIdx;
      else if (out.data[i * L + s] === vocab.endIdx) ended = true;
    }
  }
  return out;
}

/** Words of one token row: <NULL> and <START> dropped, stops at <END> (not included). */
export function tokensToWords(row: ArrayLike<number>, vocab: SamplerVocab): string[] {
  const out: string[] = [];
  for (let s = 0; s < row.length; s++) {
    const t = row[s];
    if (t === vocab.endIdx) break;
    if (t === vocab.nullIdx || t === vocab.startIdx) continue;
    out.push(t >= 0 && t < vocab.idxToWord.length ? vocab.idxToWord[t] : `<${t}?>`);
  }
  return out;
}

/** Captions of `tokens` (N, L) as text. */
export function decodeText(tokens: IntTensor, vocab: SamplerVocab): string[] {
  const [n, L] = tokens.shape;
  return Array.from({ length: n }, (_, i) => tokensToWords(tokens.data.subarray(i * L, (i + 1) * L), vocab).join(' '));
}

/** Runs one method on a batch of features. */
export function sampleTokens(model: SamplingModel, features: Tensor, vocab: SamplerVocab, method: SampleMethod, maxLength = DEFAULT_MAX_LENGTH): IntTensor {
  checkMethod(method);
  switch (method.kind) {
    case 'greedy':
      return sampleGreedy(model, features, vocab, maxLength);
    case 'temperature':
      return sampleTemperature(model, features, vocab, method.temperature, new Rng(method.seed ?? 0), maxLength);
    case 'beam':
      return beamSearch(model, features, vocab, method.width, maxLength).tokens;
  }
}

/** One sampled caption with what it should be compared with. */
export interface CaptionSampleRecord {
  split: 'train' | 'val';
  /** Caption row of the split whose image was captioned. */
  captionRow: number;
  /** Feature row (image) of the split. */
  imageIndex: number;
  /** The split's URL or relative path of the image, or null when the split has none. */
  imageRef: string | null;
  /** The caption of `captionRow` (CS231n shows this one). */
  groundTruth: string;
  /** Every caption of the same image in the split. */
  references: string[];
  /** The model's caption. */
  sample: string;
  method: SampleMethod;
}

/** Caption rows per image of a split, built once per split and reused. */
const imageIndexCache = new WeakMap<CaptionSplit, Map<number, number[]>>();
function captionsOfImage(split: CaptionSplit, image: number): number[] {
  let m = imageIndexCache.get(split);
  if (!m) {
    m = new Map();
    const n = split.captions.shape[0];
    for (let r = 0; r < n; r++) {
      const k = split.imageIdxs[r];
      const list = m.get(k);
      if (list) list.push(r);
      else m.set(k, [r]);
    }
    imageIndexCache.set(split, m);
  }
  return m.get(image) ?? [];
}

export interface SampleSplitOptions {
  /** How many captions (default 5). Ignored when `rows` is given. */
  count?: number;
  /** Caption rows to caption; default: `count` rows drawn with replacement from a generator seeded by `seed`. */
  rows?: ArrayLike<number>;
  seed?: number;
  method?: SampleMethod;
  maxLength?: number;
}

/**
 * Samples captions for images of a split (CS231n's notebook: a minibatch of the split, then
 * `model.sample` and `decode_captions`), keeping the ground truth and image reference of each.
 */
export function sampleSplit(model: SamplingModel, split: CaptionSplit, splitName: 'train' | 'val', vocab: SamplerVocab, opts: SampleSplitOptions = {}): CaptionSampleRecord[] {
  const method = opts.method ?? { kind: 'greedy' };
  checkMethod(method);
  const n = split.captions.shape[0];
  if (n === 0) throw new Error(`the ${splitName} split has no captions`);
  let rows: Int32Array;
  if (opts.rows) {
    rows = Int32Array.from(opts.rows);
  } else {
    const count = opts.count ?? 5;
    if (!Number.isInteger(count) || count < 1) throw new Error(`count must be a positive integer, got ${count}`);
    const rng = new Rng(opts.seed ?? 0);
    rows = Int32Array.from({ length: count }, () => rng.int(n));
  }
  const { captions, features, imageIdxs } = gather(split, rows);
  const tokens = sampleTokens(model, features, vocab, method, opts.maxLength ?? DEFAULT_MAX_LENGTH);
  const texts = decodeText(tokens, vocab);
  const T = captions.shape[1];
  return Array.from(rows, (r, i) => {
    const img = imageIdxs[i];
    return {
      split: splitName,
      captionRow: r,
      imageIndex: img,
      imageRef: split.urls ? (split.urls[img] ?? null) : null,
      groundTruth: tokensToWords(captions.data.subarray(i * T, (i + 1) * T), vocab).join(' '),
      references: captionsOfImage(split, img).map((k) => tokensToWords(split.captions.data.subarray(k * T, (k + 1) * T), vocab).join(' ')),
      sample: texts[i],
      method,
    };
  });
}
