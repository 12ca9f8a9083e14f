/**
 * Broken versions of the non-recurrent layers for the bug catalogue (the recurrent ones are in
 * bptt.ts). Each is the reference computation with one classic mistake, nothing else.
 */
import type { LayerImpl } from '../layers/index';
import { REFERENCE_LAYERS } from '../layers/index';
import { expectShape, intTensor, type BoolTensor, type IntTensor, type Tensor } from '../tensor';

/**
 * Forward divides the loss by N (right); backward divides dx by the number of unmasked
 * positions instead. Forward and backward disagree by the factor N / Σmask everywhere.
 */
export const softmaxLossMeanOverUnmasked: LayerImpl['temporalSoftmaxLoss'] = (x: Tensor, y: IntTensor, mask: BoolTensor) => {
  const r = REFERENCE_LAYERS.temporalSoftmaxLoss(x, y, mask);
  const n = x.shape[0];
  let count = 0;
  for (let i = 0; i < mask.data.length; i++) count += mask.data[i] ? 1 : 0;
  const scale = count > 0 ? n / count : 0;
  const dx = Float64Array.from(r.dx.data, (v) => v * scale);
  return { loss: r.loss, dx: { shape: r.dx.shape, data: dx } };
};

/** The loss masks <NULL> targets but the backward forgets the mask: masked positions get softmax − onehot. */
export const softmaxLossMaskIgnoredInBackward: LayerImpl['temporalSoftmaxLoss'] = (x: Tensor, y: IntTensor, mask: BoolTensor) => {
  const loss = REFERENCE_LAYERS.temporalSoftmaxLoss(x, y, mask).loss;
  const all: BoolTensor = { shape: mask.shape, data: new Uint8Array(mask.data.length).fill(1) };
  return { loss, dx: REFERENCE_LAYERS.temporalSoftmaxLoss(x, y, all).dx };
};

/** dW[x[n, t]] = dout[n, t] (assigned): a word seen twice keeps only its last occurrence's gradient. */
export const embeddingBackwardAssigned: LayerImpl['wordEmbeddingBackward'] = (dout, cache) => {
  const { x, v, d } = cache;
  const [n, t] = x.shape;
  expectShape('word_embedding_backward', 'dout', dout, [n, t, d]);
  const dW = new Float64Array(v * d);
  for (let k = 0; k < n * t; k++) {
    const row = x.data[k] * d;
    for (let j = 0; j < d; j++) dW[row + j] = dout.data[k * d + j];
  }
  return { dW: { shape: [v, d], data: dW } };
};

/**
 * captions_in taken as captions[:, 1:] — the word fed at step t is the word step t must predict.
 * Emulated inside the embedding: the index matrix is shifted left by one. The last column is the
 * caption's last token, which the embedding never sees: <END> after a word and <NULL> after
 * <NULL> (indices 2 and 0 in every CS231n vocabulary), so a caption that fills all T steps is fed
 * <END> at its last step, as with the real bug, not <NULL> at a position whose target counts.
 * Forward and backward stay consistent, so no gradient check can see it; the causality check of
 * the sanity suite does (and the masking check passes, as it does with the real bug).
 */
export const embeddingForwardShifted: LayerImpl['wordEmbeddingForward'] = (x: IntTensor, W: Tensor) => {
  const [n, t] = x.shape;
  const shifted = intTensor([n, t]);
  for (let i = 0; i < n; i++) {
    for (let s = 0; s + 1 < t; s++) shifted.data[i * t + s] = x.data[i * t + s + 1];
    shifted.data[i * t + t - 1] = x.data[i * t + t - 1] === 0 ? 0 : 2;
  }
  return REFERENCE_LAYERS.wordEmbeddingForward(shifted, W);
};
