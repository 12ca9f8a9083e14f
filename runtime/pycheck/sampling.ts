/**
 * The classic mistakes in CaptioningRNN.sample, recognised by running the engine's sampler with
 * that mistake made and comparing the user's captions with what it writes: each has a sentence
 * saying what to change. Only consulted when the user's captions differ from the engine's.
 */
import { REFERENCE_LAYERS as L } from '../../core/layers/index';
import type { Tensor } from '../../core/tensor';
import type { ModelCase } from './cases';

/** One way of sampling; the defaults are CS231n's. */
interface Variant {
  /** The word fed at step t > 0: the previous step's argmax, or a fixed word index. */
  feed: 'previous' | number;
  /** A fixed `feed` word at step 0 too (instead of <START>). */
  feedFirst?: boolean;
  /** How the word is picked from scores (N, V): per row, or one argmax of the flattened scores for all rows. */
  argmax: 'row' | 'flat';
  /** h0: the image projection, without its bias, or zeros. */
  h0: 'projection' | 'no-bias' | 'zeros';
  /** Carry h (and c) from one step to the next, or restart each step from h0 (and c = 0). */
  carryH: boolean;
  carryC: boolean;
}

const CS231N: Variant = { feed: 'previous', argmax: 'row', h0: 'projection', carryH: true, carryC: true };

/** Captions (N, maxLength) sampled the way `v` says. */
export function sampleVariant(m: ModelCase, v: Partial<Variant>): number[][] {
  const o = { ...CS231N, ...v };
  const p = m.params;
  const f = m.features;
  const [n] = f.shape;
  const H = m.dims.H;
  const W = m.dims.W;
  const V = p.W_vocab.shape[1];
  const maxLength = m.maxLength ?? 30;
  const start = m.wordToIdx['<START>'];
  let h0: Tensor;
  if (o.h0 === 'zeros') h0 = { shape: [n, H], data: new Float64Array(n * H) };
  else {
    const b = o.h0 === 'no-bias' ? { shape: [H], data: new Float64Array(H) } : p.b_proj;
    h0 = L.affineForward(f, p.W_proj, b).out;
  }
  const c0: Tensor = { shape: [n, H], data: new Float64Array(n * H) };
  let h = h0;
  let c = c0;
  const words = new Array<number>(n).fill(start);
  const out = Array.from({ length: n }, () => new Array<number>(maxLength).fill(0));
  for (let t = 0; t < maxLength; t++) {
    const x: Tensor = { shape: [n, W], data: new Float64Array(n * W) };
    for (let i = 0; i < n; i++) {
      const w = o.feed === 'previous' || (t === 0 && !o.feedFirst) ? words[i] : o.feed;
      if (!(w >= 0 && w < V)) return [];
      x.data.set(p.W_embed.data.subarray(w * W, (w + 1) * W), i * W);
    }
    const prevH = o.carryH ? h : h0;
    const prevC = o.carryC ? c : c0;
    if (m.cell === 'rnn') h = L.rnnStepForward(x, prevH, p.Wx, p.Wh, p.b).nextH;
    else {
      const r = L.lstmStepForward(x, prevH, prevC, p.Wx, p.Wh, p.b);
      h = r.nextH;
      c = r.nextC;
    }
    const scores = new Float64Array(n * V);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < V; j++) {
        let s = p.b_vocab.data[j];
        for (let k = 0; k < H; k++) s += h.data[i * H + k] * p.W_vocab.data[k * V + j];
        scores[i * V + j] = s;
      }
    }
    if (o.argmax === 'flat') {
      let best = 0;
      for (let j = 1; j < n * V; j++) if (scores[j] > scores[best]) best = j;
      for (let i = 0; i < n; i++) words[i] = best;
    } else {
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let j = 1; j < V; j++) if (scores[i * V + j] > scores[i * V + best]) best = j;
        words[i] = best;
      }
    }
    for (let i = 0; i < n; i++) out[i][t] = words[i];
  }
  return out;
}

const same = (a: number[][], u: Tensor, L0: number): boolean =>
  a.length > 0 && a.every((row, i) => row.every((w, t) => u.data[i * L0 + t] === w));

const wordName = (m: ModelCase, idx: number): string => Object.keys(m.wordToIdx).find((k) => m.wordToIdx[k] === idx) ?? String(idx);

/**
 * A sentence naming the mistake that makes `user` (N, maxLength) out of the engine's sampler, or
 * undefined when none of the known mistakes does. `ref` is the engine's own captions.
 */
export function explainSample(m: ModelCase, user: Tensor, ref: readonly number[][]): string | undefined {
  const [n, L0] = user.shape.length === 2 ? user.shape : [0, 0];
  if (n !== ref.length || L0 !== (ref[0]?.length ?? 0) || n === 0) return undefined;
  const start = m.wordToIdx['<START>'];
  const lstm = m.cell === 'lstm';
  // 1. Every word one column late, whatever fills column 0 (<START>, <NULL>, anything).
  let shifted = L0 > 1;
  for (let i = 0; i < n && shifted; i++) for (let t = 1; t < L0 && shifted; t++) if (user.data[i * L0 + t] !== ref[i][t - 1]) shifted = false;
  if (shifted) {
    const col0 = new Set<number>();
    for (let i = 0; i < n; i++) col0.add(user.data[i * L0]);
    const what = col0.size === 1 ? `column 0 holds ${wordName(m, [...col0][0])} (${[...col0][0]})` : 'column 0 holds no generated word';
    return `every word comes one column late (${what}): write the word generated at step t into captions[:, t], starting at t = 0; <START> is only the first input, never part of the caption`;
  }
  const differs = (v: Partial<Variant>): number[][] | undefined => {
    const s = sampleVariant(m, v);
    // A mistake that gives the right captions on these inputs can't be told apart: not named.
    return s.length > 0 && !s.every((row, i) => row.every((w, t) => w === ref[i][t])) ? s : undefined;
  };
  const tries: [Partial<Variant>, string][] = [
    [{ feed: start }, `every step is fed <START> (${start}) instead of the word generated at the step before: after each step, embed the argmax you just took (W_embed[word]) and feed that`],
    [{ argmax: 'flat' }, 'one word is picked for the whole batch: np.argmax(scores) without axis takes the largest score of all images together; take np.argmax(scores, axis=1), one word per image'],
    [{ carryH: false, carryC: false }, `the hidden state${lstm ? ' (and the cell)' : ''} is not carried to the next step: every step starts again from the image projection${lstm ? ' and a zero cell' : ''}; assign the step's result back to h${lstm ? ' and c' : ''} (h${lstm ? ', c' : ''}, _ = ${m.cell}_step_forward(x, h${lstm ? ', c' : ''}, Wx, Wh, b))`],
    [{ h0: 'zeros' }, 'the image projection is not used as the first hidden state: h0 must be features.dot(W_proj) + b_proj (you start from zeros, so every image gets the same caption)'],
    [{ h0: 'no-bias' }, 'the first hidden state misses b_proj: h0 = features.dot(W_proj) + b_proj'],
  ];
  if (lstm) {
    tries.push([{ carryC: false }, 'the cell state is not carried to the next step: every step starts from a zero cell; keep the next_c that lstm_step_forward returns and pass it to the next step (h, c, _ = lstm_step_forward(x, h, c, Wx, Wh, b))']);
    tries.push([{ carryH: false }, 'the hidden state is not carried to the next step (the cell is): every step starts again from the image projection; keep the next_h that lstm_step_forward returns and pass it to the next step']);
  }
  const V = m.params.W_vocab.shape[1];
  for (let w = 0; w < V; w++) {
    const sentence = `every step is fed the same word, ${wordName(m, w)} (${w}), instead of the word generated at the step before${w === m.wordToIdx['<NULL>'] ? ' (captions[:, t] holds <NULL> until it is written)' : ''}: feed <START> first, then the argmax of the previous step`;
    if (w !== start) tries.push([{ feed: w }, sentence], [{ feed: w, feedFirst: true }, sentence]);
  }
  const found: string[] = [];
  for (const [v, sentence] of tries) {
    const s = differs(v);
    if (s && same(s, user, L0) && !found.includes(sentence)) found.push(sentence);
  }
  if (found.length <= 1) return found[0];
  // Two mistakes that write the same captions on these inputs: say both rather than guess.
  return `${found[0]}; or else (these captions fit ${found.length === 2 ? 'both' : `all ${found.length}`}): ${found.slice(1).join('; or ')}`;
}

/** The error numpy raises when argmax runs over the batch axis: "(V,) into shape (N,)". */
export function explainSampleError(m: ModelCase, message: string): string | undefined {
  const V = m.params.W_vocab.shape[1];
  const n = m.features.shape[0];
  const rx = new RegExp(`\\(${V},?\\)\\s+into shape\\s+\\(${n},?\\)`);
  if (rx.test(message)) return `np.argmax over axis 0 (the batch) gives one index per vocabulary word (${V}) instead of one per image (${n}): take np.argmax(scores, axis=1)`;
  const past = new RegExp(`index (\\d+) is out of bounds for axis 0 with size ${V}\\b`).exec(message);
  if (past && Number(past[1]) < n * V) {
    return `word index ${past[1]} is past the vocabulary (${V} words): np.argmax(scores) without axis indexes the flattened (N, V) scores of all images together; take np.argmax(scores, axis=1), one word per image`;
  }
  return undefined;
}
