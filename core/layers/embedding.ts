import { expectRank, expectShape, ShapeError, type IntTensor, type Tensor } from '../tensor';

export interface WordEmbeddingCache {
  x: IntTensor;
  v: number;
  d: number;
}

/**
 * Word embeddings. x: (N, T) integer word indices in [0, V); W: (V, D).
 * Returns out: (N, T, D), out[n, t] = W[x[n, t]].
 */
export function wordEmbeddingForward(x: IntTensor, W: Tensor): { out: Tensor; cache: WordEmbeddingCache } {
  expectRank('word_embedding_forward', 'x', x, 2);
  expectRank('word_embedding_forward', 'W', W, 2);
  const [n, t] = x.shape;
  const [v, d] = W.shape;
  const out = new Float64Array(n * t * d);
  for (let k = 0; k < n * t; k++) {
    const idx = x.data[k];
    if (!(idx >= 0 && idx < v)) {
      throw new ShapeError(`word_embedding_forward: x[${Math.floor(k / t)}, ${k % t}] = ${idx} is outside the vocabulary [0, ${v})`);
    }
    out.set(W.data.subarray(idx * d, (idx + 1) * d), k * d);
  }
  return { out: { shape: [n, t, d], data: out }, cache: { x, v, d } };
}

/** dout: (N, T, D) → dW: (V, D); rows of repeated words accumulate (np.add.at). */
export function wordEmbeddingBackward(dout: Tensor, cache: WordEmbeddingCache): { dW: Tensor } {
  const { x, v, d } = cache;
  const [n, t] = x.shape;
  expectShape('word_embedding_backward', 'dout', dout, [n, t, d]);
  const dW = new Float64Array(v * d);
  for (let k = 0; k < n * t; k++) {
    const row = x.data[k] * d;
    for (let j = 0; j < d; j++) dW[row + j] += dout.data[k * d + j];
  }
  return { dW: { shape: [v, d], data: dW } };
}
