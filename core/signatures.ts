/**
 * The engine's layer signatures with shape letters, as data: what the language server shows when
 * hovering a layer and what it unifies call arguments against. Letters follow CS231n's docstrings:
 * N batch, T timesteps, D input, H hidden, M output, V vocabulary; `4H` is four gate blocks of H.
 * Each layer's letters are its own (rnn_step_forward's D is whatever feeds it); `modelLetters` says
 * which size of the captioning model a letter stands for when the layer runs inside the model.
 */

/** One dimension: an integer, a letter, or a multiple of a letter (`'4H'`). */
export type DimSpec = string;

export interface ArgSpec {
  readonly name: string;
  /** Undefined for values without a tensor shape (caches, flags); `[]` for a scalar. */
  readonly shape?: readonly DimSpec[];
  readonly dtype?: 'float' | 'int' | 'bool';
}

export interface LayerSignature {
  /** CS231n's Python name, e.g. `rnn_step_forward`. */
  readonly name: string;
  /** The engine's TypeScript name, e.g. `rnnStepForward` (parameters are the camelCase of `inputs`). */
  readonly tsName: string;
  readonly summary: string;
  readonly inputs: readonly ArgSpec[];
  readonly outputs: readonly ArgSpec[];
  /**
   * The captioning model's size each letter takes inside the model (`D: 'W'` for the recurrent
   * layers, which read word vectors); `null` where it depends on the call (temporal affine is both
   * the projection and the vocabulary layer). Letters not listed are the model's own.
   */
  readonly modelLetters?: Readonly<Record<string, string | null>>;
}

const cache: ArgSpec = { name: 'cache' };
const sig = (s: LayerSignature): LayerSignature => s;
const rnnLetters = { D: 'W' } as const;

export const LAYER_SIGNATURES: readonly LayerSignature[] = [
  sig({
    name: 'affine_forward', tsName: 'affineForward', summary: 'Affine layer: out = x·w + b.',
    inputs: [{ name: 'x', shape: ['N', 'D'] }, { name: 'w', shape: ['D', 'M'] }, { name: 'b', shape: ['M'] }],
    outputs: [{ name: 'out', shape: ['N', 'M'] }, cache],
    modelLetters: { D: null, M: null },
  }),
  sig({
    name: 'affine_backward', tsName: 'affineBackward', summary: 'Backward pass of the affine layer.',
    inputs: [{ name: 'dout', shape: ['N', 'M'] }, cache],
    outputs: [{ name: 'dx', shape: ['N', 'D'] }, { name: 'dw', shape: ['D', 'M'] }, { name: 'db', shape: ['M'] }],
    modelLetters: { D: null, M: null },
  }),
  sig({
    name: 'rnn_step_forward', tsName: 'rnnStepForward', summary: 'One vanilla-RNN step: next_h = tanh(x·Wx + prev_h·Wh + b).',
    inputs: [
      { name: 'x', shape: ['N', 'D'] }, { name: 'prev_h', shape: ['N', 'H'] },
      { name: 'Wx', shape: ['D', 'H'] }, { name: 'Wh', shape: ['H', 'H'] }, { name: 'b', shape: ['H'] },
    ],
    outputs: [{ name: 'next_h', shape: ['N', 'H'] }, cache],
    modelLetters: rnnLetters,
  }),
  sig({
    name: 'rnn_step_backward', tsName: 'rnnStepBackward', summary: 'Backward pass of one vanilla-RNN step.',
    inputs: [{ name: 'dnext_h', shape: ['N', 'H'] }, cache],
    outputs: [
      { name: 'dx', shape: ['N', 'D'] }, { name: 'dprev_h', shape: ['N', 'H'] },
      { name: 'dWx', shape: ['D', 'H'] }, { name: 'dWh', shape: ['H', 'H'] }, { name: 'db', shape: ['H'] },
    ],
    modelLetters: rnnLetters,
  }),
  sig({
    name: 'rnn_forward', tsName: 'rnnForward', summary: 'Vanilla RNN over a whole sequence.',
    inputs: [
      { name: 'x', shape: ['N', 'T', 'D'] }, { name: 'h0', shape: ['N', 'H'] },
      { name: 'Wx', shape: ['D', 'H'] }, { name: 'Wh', shape: ['H', 'H'] }, { name: 'b', shape: ['H'] },
    ],
    outputs: [{ name: 'h', shape: ['N', 'T', 'H'] }, cache],
    modelLetters: rnnLetters,
  }),
  sig({
    name: 'rnn_backward', tsName: 'rnnBackward', summary: 'Backpropagation through time for the vanilla RNN.',
    inputs: [{ name: 'dh', shape: ['N', 'T', 'H'] }, cache],
    outputs: [
      { name: 'dx', shape: ['N', 'T', 'D'] }, { name: 'dh0', shape: ['N', 'H'] },
      { name: 'dWx', shape: ['D', 'H'] }, { name: 'dWh', shape: ['H', 'H'] }, { name: 'db', shape: ['H'] },
    ],
    modelLetters: rnnLetters,
  }),
  sig({
    name: 'lstm_step_forward', tsName: 'lstmStepForward', summary: 'One LSTM step; gate blocks i, f, o, g of H columns each.',
    inputs: [
      { name: 'x', shape: ['N', 'D'] }, { name: 'prev_h', shape: ['N', 'H'] }, { name: 'prev_c', shape: ['N', 'H'] },
      { name: 'Wx', shape: ['D', '4H'] }, { name: 'Wh', shape: ['H', '4H'] }, { name: 'b', shape: ['4H'] },
    ],
    outputs: [{ name: 'next_h', shape: ['N', 'H'] }, { name: 'next_c', shape: ['N', 'H'] }, cache],
    modelLetters: rnnLetters,
  }),
  sig({
    name: 'lstm_step_backward', tsName: 'lstmStepBackward', summary: 'Backward pass of one LSTM step.',
    inputs: [{ name: 'dnext_h', shape: ['N', 'H'] }, { name: 'dnext_c', shape: ['N', 'H'] }, cache],
    outputs: [
      { name: 'dx', shape: ['N', 'D'] }, { name: 'dprev_h', shape: ['N', 'H'] }, { name: 'dprev_c', shape: ['N', 'H'] },
      { name: 'dWx', shape: ['D', '4H'] }, { name: 'dWh', shape: ['H', '4H'] }, { name: 'db', shape: ['4H'] },
    ],
    modelLetters: rnnLetters,
  }),
  sig({
    name: 'lstm_forward', tsName: 'lstmForward', summary: 'LSTM over a whole sequence; the cell state starts at zero.',
    inputs: [
      { name: 'x', shape: ['N', 'T', 'D'] }, { name: 'h0', shape: ['N', 'H'] },
      { name: 'Wx', shape: ['D', '4H'] }, { name: 'Wh', shape: ['H', '4H'] }, { name: 'b', shape: ['4H'] },
    ],
    outputs: [{ name: 'h', shape: ['N', 'T', 'H'] }, cache],
    modelLetters: rnnLetters,
  }),
  sig({
    name: 'lstm_backward', tsName: 'lstmBackward', summary: 'Backpropagation through time for the LSTM.',
    inputs: [{ name: 'dh', shape: ['N', 'T', 'H'] }, cache],
    outputs: [
      { name: 'dx', shape: ['N', 'T', 'D'] }, { name: 'dh0', shape: ['N', 'H'] },
      { name: 'dWx', shape: ['D', '4H'] }, { name: 'dWh', shape: ['H', '4H'] }, { name: 'db', shape: ['4H'] },
    ],
    modelLetters: rnnLetters,
  }),
  sig({
    name: 'word_embedding_forward', tsName: 'wordEmbeddingForward', summary: 'Word embeddings: out[n, t] = W[x[n, t]].',
    inputs: [{ name: 'x', shape: ['N', 'T'], dtype: 'int' }, { name: 'W', shape: ['V', 'D'] }],
    outputs: [{ name: 'out', shape: ['N', 'T', 'D'] }, cache],
    modelLetters: rnnLetters,
  }),
  sig({
    name: 'word_embedding_backward', tsName: 'wordEmbeddingBackward', summary: 'Backward pass of the word embeddings (np.add.at).',
    inputs: [{ name: 'dout', shape: ['N', 'T', 'D'] }, cache],
    outputs: [{ name: 'dW', shape: ['V', 'D'] }],
    modelLetters: rnnLetters,
  }),
  sig({
    name: 'temporal_affine_forward', tsName: 'temporalAffineForward', summary: 'Affine layer applied at every timestep.',
    inputs: [{ name: 'x', shape: ['N', 'T', 'D'] }, { name: 'w', shape: ['D', 'M'] }, { name: 'b', shape: ['M'] }],
    outputs: [{ name: 'out', shape: ['N', 'T', 'M'] }, cache],
    modelLetters: { D: null, M: null },
  }),
  sig({
    name: 'temporal_affine_backward', tsName: 'temporalAffineBackward', summary: 'Backward pass of the temporal affine layer.',
    inputs: [{ name: 'dout', shape: ['N', 'T', 'M'] }, cache],
    outputs: [{ name: 'dx', shape: ['N', 'T', 'D'] }, { name: 'dw', shape: ['D', 'M'] }, { name: 'db', shape: ['M'] }],
    modelLetters: { D: null, M: null },
  }),
  sig({
    name: 'temporal_softmax_loss', tsName: 'temporalSoftmaxLoss', summary: 'Softmax cross-entropy at every timestep, masked, averaged over N.',
    inputs: [
      { name: 'x', shape: ['N', 'T', 'V'] }, { name: 'y', shape: ['N', 'T'], dtype: 'int' },
      { name: 'mask', shape: ['N', 'T'], dtype: 'bool' },
    ],
    outputs: [{ name: 'loss', shape: [] }, { name: 'dx', shape: ['N', 'T', 'V'] }],
  }),
];

const byName = new Map<string, LayerSignature>();
for (const s of LAYER_SIGNATURES) {
  byName.set(s.name, s);
  byName.set(s.tsName, s);
}

/** The signature under its Python or its TypeScript name. */
export function findSignature(name: string): LayerSignature | undefined {
  return byName.get(name);
}

/** `prev_h` → `prevH`, `dnext_h` → `dnextH`: the engine's TypeScript spelling of a CS231n name. */
export function camelName(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

export type CellType = 'rnn' | 'lstm';

/**
 * The captioning model's parameters per cell type (CS231n `CaptioningRNN`): D image-feature size,
 * W word-vector size, H hidden size, V vocabulary size.
 */
export const MODEL_PARAMS: Readonly<Record<CellType, Readonly<Record<string, readonly DimSpec[]>>>> = {
  rnn: {
    W_proj: ['D', 'H'], b_proj: ['H'], W_embed: ['V', 'W'],
    Wx: ['W', 'H'], Wh: ['H', 'H'], b: ['H'],
    W_vocab: ['H', 'V'], b_vocab: ['V'],
  },
  lstm: {
    W_proj: ['D', 'H'], b_proj: ['H'], W_embed: ['V', 'W'],
    Wx: ['W', '4H'], Wh: ['H', '4H'], b: ['4H'],
    W_vocab: ['H', 'V'], b_vocab: ['V'],
  },
};

/** The model's size letters in the order the hover lists them. */
export const MODEL_LETTERS = ['N', 'T', 'D', 'H', 'W', 'V'] as const;
