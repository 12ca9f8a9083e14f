/**
 * The classic mistakes in CaptioningRNN.loss, recognised the way sampling.ts recognises those of
 * sample(): the engine's loss is run with each mistake made, and when the user's loss and every
 * gradient equal one of those (up to rounding) that mistake is named with what to change. Only
 * consulted when the user's results differ from the engine's; no exact match, no name.
 */
import { relError } from '../../core/gradcheck';
import { REFERENCE_LAYERS as L } from '../../core/layers/index';
import { boolTensor, intTensor, type IntTensor, type Tensor } from '../../core/tensor';
import type { ModelCase } from './cases';

/** One way of writing loss(); the defaults are CS231n's. */
export interface LossVariant {
  /** Which words are fed and which are predicted. */
  shift: 'cs231n' | 'both-full' | 'out-unshifted' | 'in-shifted' | 'swapped';
  /** The mask: captions_out != NULL, captions_in != NULL, or none (all ones). */
  mask: 'out' | 'in' | 'none';
  /** The loss (and so every gradient) divided by N, by N*T, by the unmasked count, or not at all. */
  divide: 'N' | 'NT' | 'kept' | 'none';
  /** h0 from the image projection, or zeros. */
  h0: 'projection' | 'zeros';
  /** With h0 zeros: W_proj's and b_proj's gradients still taken from dh0 through the unused projection. */
  h0GradAnyway?: boolean;
  /** Gradients left at zero: W_proj and b_proj (the projection's backward skipped), W_embed (the embedding's). */
  noProjGrad?: boolean;
  noEmbedGrad?: boolean;
  /** The recurrent step used whatever cell_type says. */
  cell?: 'rnn' | 'lstm';
}

const CS231N: LossVariant = { shift: 'cs231n', mask: 'out', divide: 'N', h0: 'projection' };

function cols(captions: IntTensor, from: number, to: number): IntTensor {
  const [n, tp1] = captions.shape;
  const t = to - from;
  const out = intTensor([n, t]);
  for (let i = 0; i < n; i++) for (let s = 0; s < t; s++) out.data[i * t + s] = captions.data[i * tp1 + from + s];
  return out;
}

const scale = (t: Tensor, k: number): Tensor => ({ shape: t.shape, data: t.data.map((x) => x * k) });
const zerosLike = (t: Tensor): Tensor => ({ shape: t.shape, data: new Float64Array(t.data.length) });

/** loss and d<param> (the driver's names) of loss() written the way `v` says; undefined when it cannot run. */
export function lossVariant(m: ModelCase, v: Partial<LossVariant>): Record<string, Tensor> | undefined {
  const o = { ...CS231N, ...v };
  const p = m.params;
  const captions = m.captions!;
  const [n, tp1] = captions.shape;
  const nullIdx = m.wordToIdx['<NULL>'];
  const [capIn, capOut] =
    o.shift === 'cs231n' ? [cols(captions, 0, tp1 - 1), cols(captions, 1, tp1)]
      : o.shift === 'both-full' ? [captions, captions]
        : o.shift === 'out-unshifted' ? [cols(captions, 0, tp1 - 1), cols(captions, 0, tp1 - 1)]
          : o.shift === 'in-shifted' ? [cols(captions, 1, tp1), cols(captions, 1, tp1)]
            : [cols(captions, 1, tp1), cols(captions, 0, tp1 - 1)];
  const t = capIn.shape[1];
  const maskFrom = o.mask === 'in' ? capIn : capOut;
  const mask = boolTensor([n, t], Array.from(maskFrom.data, (w) => o.mask === 'none' || w !== nullIdx));
  const H = m.dims.H;
  try {
    const proj = L.affineForward(m.features, p.W_proj, p.b_proj);
    const h0 = o.h0 === 'zeros' ? { shape: [n, H], data: new Float64Array(n * H) } : proj.out;
    const emb = L.wordEmbeddingForward(capIn, p.W_embed);
    const cell = o.cell ?? m.cell;
    const seq = cell === 'rnn' ? L.rnnForward(emb.out, h0, p.Wx, p.Wh, p.b) : L.lstmForward(emb.out, h0, p.Wx, p.Wh, p.b);
    const scores = L.temporalAffineForward(seq.h, p.W_vocab, p.b_vocab);
    const sm = L.temporalSoftmaxLoss(scores.out, capOut, mask);
    let kept = 0;
    for (const b of mask.data) kept += b ? 1 : 0;
    // temporal_softmax_loss divides by N; the other divisors rescale the loss and every gradient alike.
    const k = o.divide === 'N' ? 1 : o.divide === 'NT' ? 1 / t : o.divide === 'none' ? n : kept > 0 ? n / kept : NaN;
    const va = L.temporalAffineBackward(sm.dx, scores.cache);
    const sb = cell === 'rnn' ? L.rnnBackward(va.dx, seq.cache as Parameters<typeof L.rnnBackward>[1]) : L.lstmBackward(va.dx, seq.cache as Parameters<typeof L.lstmBackward>[1]);
    const eb = L.wordEmbeddingBackward(sb.dx, emb.cache);
    const pb = L.affineBackward(sb.dh0, proj.cache);
    const noProj = o.noProjGrad || (o.h0 === 'zeros' && !o.h0GradAnyway);
    const dW_proj = noProj ? zerosLike(p.W_proj) : pb.dw;
    const db_proj = noProj ? zerosLike(p.b_proj) : pb.db;
    const out: Record<string, Tensor> = {
      loss: { shape: [], data: Float64Array.of(sm.loss) },
      dW_proj, db_proj,
      dW_embed: o.noEmbedGrad ? zerosLike(p.W_embed) : eb.dW,
      dWx: sb.dWx, dWh: sb.dWh, db: sb.db, dW_vocab: va.dw, db_vocab: va.db,
    };
    if (k !== 1) for (const key of Object.keys(out)) out[key] = scale(out[key], k);
    return out;
  } catch {
    return undefined; // shapes that this mistake cannot even run with
  }
}

/**
 * Equal up to rounding: every named result. Rounding of float64 sums in another order reaches
 * relative errors of 1e-7 and more on tiny gradient entries, so a match allows MATCH; a mistake is
 * only tried when it is far (FAR) from the engine's results on these inputs.
 */
const MATCH = 1e-5;
const FAR = 1e-2;
function same(a: Record<string, Tensor>, b: Record<string, Tensor>, keys: readonly string[], tol = MATCH): boolean {
  return keys.every((k) => a[k] && b[k] && a[k].data.length === b[k].data.length && relError(a[k].data, b[k].data) < tol);
}
function far(a: Record<string, Tensor>, b: Record<string, Tensor>, keys: readonly string[]): boolean {
  return keys.some((k) => a[k] && b[k] && a[k].data.length === b[k].data.length && relError(a[k].data, b[k].data) > FAR);
}

/** The line of the loss function's source that most likely holds the mistake, as " (line N: text)". */
function lineOf(src: readonly { line: number; text: string }[] | undefined, rx: RegExp): string {
  const hit = src?.find((l) => rx.test(l.text));
  return hit ? ` (line ${hit.line}: ${hit.text.trim().slice(0, 80)})` : '';
}

/**
 * A sentence naming the mistake whose loss and gradients equal `user`'s exactly (up to rounding),
 * or undefined. `src`: the loss function's own lines (1-based numbers), to point at the line to change.
 */
export function explainLoss(m: ModelCase, user: Record<string, Tensor>, src?: readonly { line: number; text: string }[]): string | undefined {
  if (!m.captions) return undefined;
  const keys = Object.keys(user).filter((k) => k === 'loss' || k.startsWith('d'));
  const ref = lossVariant(m, {});
  if (!ref || keys.length === 0 || !keys.every((k) => ref[k])) return undefined;
  const lstm = m.cell === 'lstm';
  const tries: [Partial<LossVariant>, string][] = [
    [{ mask: 'none' }, `the mask is not applied: pass mask = (captions_out != self._null) to temporal_softmax_loss, so the <NULL> padding adds nothing to the loss${lineOf(src, /temporal_softmax_loss\s*\(/)}`],
    [{ mask: 'in' }, `the mask is built from captions_in: the padding to leave out is where the word to predict is <NULL>: mask = (captions_out != self._null)${lineOf(src, /\bmask\s*=/)}`],
    [{ shift: 'both-full' }, `captions are not split: the input is captions[:, :-1] (from <START>) and the target captions[:, 1:] (one word later), so each step predicts the next word${lineOf(src, /captions_(in|out)\s*=/)}`],
    [{ shift: 'out-unshifted' }, `captions_out is not shifted: it must be captions[:, 1:] (each step predicts the next word), not the same words as captions_in = captions[:, :-1]${lineOf(src, /captions_out\s*=/)}`],
    [{ shift: 'in-shifted' }, `captions_in is shifted too: it must be captions[:, :-1] (starting with <START>), captions_out = captions[:, 1:]${lineOf(src, /captions_in\s*=/)}`],
    [{ shift: 'swapped' }, `captions_in and captions_out are swapped: captions_in = captions[:, :-1], captions_out = captions[:, 1:]${lineOf(src, /captions_(in|out)\s*=/)}`],
    [{ divide: 'NT' }, `the loss is averaged over N*T: CS231n sums over the timesteps and divides by N only (temporal_softmax_loss does that; don't divide again by T)${lineOf(src, /temporal_softmax_loss\s*\(|\/\s*T\b/)}`],
    [{ divide: 'kept' }, `the loss is divided by the number of unmasked words: divide the summed loss by N only${lineOf(src, /temporal_softmax_loss\s*\(|np\.sum\(\s*mask/)}`],
    [{ divide: 'none' }, `the loss is summed but not divided by N: divide the loss and its gradient by N, as temporal_softmax_loss does${lineOf(src, /temporal_softmax_loss\s*\(/)}`],
    [{ h0: 'zeros' }, `the first hidden state is not the image projection: h0 = features.dot(W_proj) + b_proj (affine_forward(features, W_proj, b_proj)) and its gradient back through affine_backward to W_proj and b_proj${lineOf(src, /\bh0\s*=/)}`],
    [{ h0: 'zeros', h0GradAnyway: true }, `the first hidden state is not the image projection (h0 is zeros, but grads['W_proj'] still comes from the projection): use h0 = features.dot(W_proj) + b_proj, the output of affine_forward${lineOf(src, /\bh0\s*=/)}`],
    [{ noProjGrad: true }, `grads['W_proj'] and grads['b_proj'] are zero: backpropagate dh0 (from ${lstm ? 'lstm' : 'rnn'}_backward) through affine_backward(dh0, cache) to get them${lineOf(src, /grads\s*\[\s*['"]W_proj['"]\s*\]\s*=/)}`],
    [{ noEmbedGrad: true }, `grads['W_embed'] is zero: backpropagate dx (from ${lstm ? 'lstm' : 'rnn'}_backward) through word_embedding_backward(dx, cache)${lineOf(src, /grads\s*\[\s*['"]W_embed['"]\s*\]\s*=/)}`],
  ];
  if (lstm) tries.push([{ cell: 'rnn' }, `cell_type='lstm' runs the vanilla RNN: call lstm_forward and lstm_backward when self.cell_type == 'lstm'${lineOf(src, /rnn_forward\s*\(/)}`]);
  const found: string[] = [];
  for (const [v, sentence] of tries) {
    const s = lossVariant(m, v);
    // A mistake that gives the engine's results on these inputs can't be told apart: not named.
    if (!s || !far(s, ref, keys)) continue;
    if (same(s, user, keys) && !found.includes(sentence)) found.push(sentence);
  }
  if (found.length <= 1) return found[0];
  return `${found[0]}; or else (these results fit ${found.length === 2 ? 'both' : `all ${found.length}`}): ${found.slice(1).join('; or ')}`;
}

/** The error of cell_type='lstm' run through rnn_forward (Wx of 4H columns): its sentence. */
export function explainLossError(m: ModelCase, frames: readonly { function: string }[]): string | undefined {
  if (m.cell !== 'lstm' || !m.captions) return undefined;
  if (!frames.some((f) => /^rnn_(step_)?(forward|backward)$/.test(f.function))) return undefined;
  return "cell_type='lstm' runs the vanilla RNN (rnn_forward gets the LSTM's Wx with 4H columns): call lstm_forward and lstm_backward when self.cell_type == 'lstm'";
}
