/**
 * The inputs every check feeds both the user's function and the engine: the CS231n notebooks'
 * fixed linspace set-ups where the notebook has one, and seeded random inputs at the notebook's
 * sizes (so reruns give the same numbers and the same worst element).
 */
import { paramShapes, PARAM_NAMES, type CellType, type ParamName } from '../../core/model';
import { Rng } from '../../core/random';
import { boolTensor, intTensor, linspace, tensor, type Tensor } from '../../core/tensor';
import { B, F, I, type AnyTensor } from './exchange';
import type { FunctionSpec, LayerOp } from './specs';

export interface ModelCase {
  cell: CellType;
  wordToIdx: Record<string, number>;
  dims: { D: number; W: number; H: number };
  params: Record<ParamName, Tensor>;
  features: Tensor;
  captions?: ReturnType<typeof intTensor>;
  maxLength?: number;
}

export interface CheckCase {
  /** Stable id within one function's cases. */
  id: string;
  /** For people: "notebook inputs", "random inputs, seed 7". */
  label: string;
  sizes: Record<string, number>;
  /** Forward inputs in argument order. */
  inputs: [string, AnyTensor][];
  /** Upstream gradients (backward functions), in the backward's argument order. */
  douts?: [string, Tensor][];
  /** Also compute numerical gradients of the user's own forward (or loss). */
  numeric: boolean;
  /** Backward of a sequence: also run with the upstream kept at one timestep at a time. */
  maskAxis?: number;
  model?: ModelCase;
}

function hashName(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

const randn = (rng: Rng, shape: number[], scale = 1): Tensor => tensor(shape, rng.normals(shape.reduce((p, d) => p * d, 1), scale));

/** The notebook's linspace inputs for a forward, or undefined where the notebook uses random ones. */
function notebookForward(op: LayerOp): { sizes: Record<string, number>; inputs: [string, AnyTensor][] } | undefined {
  switch (op) {
    case 'affine': {
      const sizes = { N: 2, D: 120, M: 3 };
      return {
        sizes,
        inputs: [['x', F(linspace(-0.1, 0.5, [2, 4, 5, 6]))], ['w', F(linspace(-0.2, 0.3, [120, 3]))], ['b', F(linspace(-0.3, 0.1, [3]))]],
      };
    }
    case 'rnn_step': {
      const [N, D, H] = [3, 10, 4];
      return {
        sizes: { N, D, H },
        inputs: [
          ['x', F(linspace(-0.4, 0.7, [N, D]))], ['prev_h', F(linspace(-0.2, 0.5, [N, H]))],
          ['Wx', F(linspace(-0.1, 0.9, [D, H]))], ['Wh', F(linspace(-0.3, 0.7, [H, H]))], ['b', F(linspace(-0.2, 0.4, [H]))],
        ],
      };
    }
    case 'rnn': {
      const [N, T, D, H] = [2, 3, 4, 5];
      return {
        sizes: { N, T, D, H },
        inputs: [
          ['x', F(linspace(-0.1, 0.3, [N, T, D]))], ['h0', F(linspace(-0.3, 0.1, [N, H]))],
          ['Wx', F(linspace(-0.2, 0.4, [D, H]))], ['Wh', F(linspace(-0.4, 0.1, [H, H]))], ['b', F(linspace(-0.7, 0.1, [H]))],
        ],
      };
    }
    case 'lstm_step': {
      const [N, D, H] = [3, 4, 5];
      return {
        sizes: { N, D, H },
        inputs: [
          ['x', F(linspace(-0.4, 1.2, [N, D]))], ['prev_h', F(linspace(-0.3, 0.7, [N, H]))], ['prev_c', F(linspace(-0.4, 0.9, [N, H]))],
          ['Wx', F(linspace(-2.1, 1.3, [D, 4 * H]))], ['Wh', F(linspace(-0.7, 2.2, [H, 4 * H]))], ['b', F(linspace(0.3, 0.7, [4 * H]))],
        ],
      };
    }
    case 'lstm': {
      const [N, D, H, T] = [2, 5, 4, 3];
      return {
        sizes: { N, T, D, H },
        inputs: [
          ['x', F(linspace(-0.4, 0.6, [N, T, D]))], ['h0', F(linspace(-0.4, 0.8, [N, H]))],
          ['Wx', F(linspace(-0.2, 0.9, [D, 4 * H]))], ['Wh', F(linspace(-0.3, 0.6, [H, 4 * H]))], ['b', F(linspace(0.2, 0.7, [4 * H]))],
        ],
      };
    }
    case 'word_embedding': {
      const [N, T, V, D] = [2, 4, 5, 3];
      return { sizes: { N, T, V, D }, inputs: [['x', I(intTensor([N, T], [0, 3, 1, 2, 2, 1, 0, 3]))], ['W', F(linspace(0, 1, [V, D]))]] };
    }
    case 'temporal_affine':
      return undefined;
  }
}

/** Random inputs at the sizes of the notebook's gradient check of `op`. */
function randomInputs(op: LayerOp, rng: Rng): { sizes: Record<string, number>; inputs: [string, AnyTensor][] } {
  switch (op) {
    case 'affine':
      return { sizes: { N: 10, D: 6, M: 5 }, inputs: [['x', F(randn(rng, [10, 2, 3]))], ['w', F(randn(rng, [6, 5]))], ['b', F(randn(rng, [5]))]] };
    case 'rnn_step': {
      const [N, D, H] = [4, 5, 6];
      return {
        sizes: { N, D, H },
        inputs: [['x', F(randn(rng, [N, D]))], ['prev_h', F(randn(rng, [N, H]))], ['Wx', F(randn(rng, [D, H]))], ['Wh', F(randn(rng, [H, H]))], ['b', F(randn(rng, [H]))]],
      };
    }
    case 'rnn': {
      const [N, D, T, H] = [2, 3, 10, 5];
      return {
        sizes: { N, T, D, H },
        inputs: [['x', F(randn(rng, [N, T, D]))], ['h0', F(randn(rng, [N, H]))], ['Wx', F(randn(rng, [D, H]))], ['Wh', F(randn(rng, [H, H]))], ['b', F(randn(rng, [H]))]],
      };
    }
    case 'lstm_step': {
      const [N, D, H] = [4, 5, 6];
      return {
        sizes: { N, D, H },
        inputs: [
          ['x', F(randn(rng, [N, D]))], ['prev_h', F(randn(rng, [N, H]))], ['prev_c', F(randn(rng, [N, H]))],
          ['Wx', F(randn(rng, [D, 4 * H]))], ['Wh', F(randn(rng, [H, 4 * H]))], ['b', F(randn(rng, [4 * H]))],
        ],
      };
    }
    case 'lstm': {
      const [N, D, T, H] = [2, 3, 10, 6];
      return {
        sizes: { N, T, D, H },
        inputs: [['x', F(randn(rng, [N, T, D]))], ['h0', F(randn(rng, [N, H]))], ['Wx', F(randn(rng, [D, 4 * H]))], ['Wh', F(randn(rng, [H, 4 * H]))], ['b', F(randn(rng, [4 * H]))]],
      };
    }
    case 'word_embedding': {
      const [N, T, V, D] = [50, 3, 5, 6];
      const x = intTensor([N, T]);
      for (let i = 0; i < x.data.length; i++) x.data[i] = rng.int(V);
      return { sizes: { N, T, V, D }, inputs: [['x', I(x)], ['W', F(randn(rng, [V, D]))]] };
    }
    case 'temporal_affine': {
      const [N, T, D, M] = [2, 3, 4, 5];
      return { sizes: { N, T, D, M }, inputs: [['x', F(randn(rng, [N, T, D]))], ['w', F(randn(rng, [D, M]))], ['b', F(randn(rng, [M]))]] };
    }
  }
}

/** Output shapes of a forward, so upstream gradients can be drawn before anything runs. */
function outputShapes(op: LayerOp, sizes: Record<string, number>, inputs: [string, AnyTensor][]): number[][] {
  const x = inputs[0][1].t.shape;
  const { N, H, T, D, M } = sizes;
  switch (op) {
    case 'affine': return [[x[0], inputs[1][1].t.shape[1]]];
    case 'rnn_step': return [[N, H]];
    case 'rnn': case 'lstm': return [[N, T, H]];
    case 'lstm_step': return [[N, H], [N, H]];
    case 'word_embedding': return [[x[0], x[1], D]];
    case 'temporal_affine': return [[N, T, M]];
  }
}

export const NOTEBOOK_VOCAB: Record<string, number> = { '<NULL>': 0, cat: 2, dog: 3 };
export const SAMPLE_VOCAB: Record<string, number> = { '<NULL>': 0, '<START>': 1, '<END>': 2, cat: 3, dog: 4, bird: 5, the: 6 };

function modelCase(cell: CellType, wordToIdx: Record<string, number>, dims: { N: number; D: number; W: number; H: number }, rng: Rng | null): ModelCase & { sizes: Record<string, number> } {
  const V = Object.keys(wordToIdx).length;
  const shapes = paramShapes(cell, dims.D, dims.W, dims.H, V);
  const params = {} as Record<ParamName, Tensor>;
  for (const k of PARAM_NAMES) params[k] = rng ? randn(rng, shapes[k], 0.5) : linspace(-1.4, 1.3, shapes[k]);
  const features = rng ? randn(rng, [dims.N, dims.D]) : linspace(cell === 'rnn' ? -1.5 : -0.5, cell === 'rnn' ? 0.3 : 1.7, [dims.N, dims.D]);
  return { cell, wordToIdx, dims: { D: dims.D, W: dims.W, H: dims.H }, params, features, sizes: { ...dims, V } };
}

/** Every case for one function; `seed` varies the random ones. */
export function casesFor(spec: FunctionSpec, seed = 0): CheckCase[] {
  const rng = new Rng((hashName(spec.name) ^ Math.imul(seed, 2654435761)) >>> 0);
  const rlabel = `random inputs, seed ${seed}`;
  if (spec.kind === 'forward' || spec.kind === 'backward') {
    const o = spec.op!;
    const out: CheckCase[] = [];
    if (spec.kind === 'forward') {
      const nb = notebookForward(o.op);
      if (nb) out.push({ id: 'notebook', label: 'notebook inputs', sizes: nb.sizes, inputs: nb.inputs, numeric: false });
      const r = randomInputs(o.op, rng);
      out.push({ id: 'random', label: rlabel, sizes: r.sizes, inputs: r.inputs, numeric: false });
      return out;
    }
    const r = randomInputs(o.op, rng);
    const douts = outputShapes(o.op, r.sizes, r.inputs).map((s, i): [string, Tensor] => [o.douts[i], randn(rng, s)]);
    const maskAxis = o.op === 'rnn' || o.op === 'lstm' ? 1 : undefined;
    return [{ id: 'random', label: `${rlabel} (notebook sizes)`, sizes: r.sizes, inputs: r.inputs, douts, numeric: true, maskAxis }];
  }
  if (spec.kind === 'loss') {
    const out: CheckCase[] = [];
    const mk = (id: string, label: string, N: number, T: number, V: number, p: number, scale: number, numeric: boolean, mode: 'le' | 'gt'): void => {
      const x = randn(rng, [N, T, V], scale);
      const y = intTensor([N, T]);
      for (let i = 0; i < y.data.length; i++) y.data[i] = rng.int(V);
      const mask = boolTensor([N, T]);
      for (let i = 0; i < mask.data.length; i++) {
        const u = rng.uniform();
        mask.data[i] = (mode === 'le' ? u <= p : u > p) ? 1 : 0;
      }
      out.push({ id, label, sizes: { N, T, V }, inputs: [['x', F(x)], ['y', I(y)], ['mask', B(mask)]], numeric });
    };
    // The notebook's sanity checks (losses about 2.3, 23 and 2.3; the last with N = 5000 there).
    mk('sanity-1', 'notebook sanity check (about 2.3)', 100, 1, 10, 1.0, 0.001, false, 'le');
    mk('sanity-2', 'notebook sanity check (about 23)', 100, 10, 10, 1.0, 0.001, false, 'le');
    mk('sanity-3', 'notebook sanity check (about 2.3, 10% of steps kept)', 500, 10, 10, 0.1, 0.001, false, 'le');
    mk('random', `${rlabel} (notebook gradient check sizes)`, 7, 8, 9, 0.5, 1, true, 'gt');
    return out;
  }
  if (spec.kind === 'model_loss') {
    const out: CheckCase[] = [];
    for (const cell of ['rnn', 'lstm'] as const) {
      const nb = modelCase(cell, NOTEBOOK_VOCAB, { N: 10, D: 20, W: 30, H: 40 }, null);
      const T = 13;
      const caps = intTensor([10, T]);
      for (let i = 0; i < caps.data.length; i++) caps.data[i] = i % 3;
      out.push({ id: `notebook-${cell}`, label: `notebook loss, cell_type='${cell}'`, sizes: { ...nb.sizes, T }, inputs: [], numeric: false, model: { ...nb, captions: caps } });
      const sm = modelCase(cell, NOTEBOOK_VOCAB, { N: 2, D: 4, W: 5, H: 6 }, rng);
      const caps2 = intTensor([2, 3]);
      for (let i = 0; i < caps2.data.length; i++) caps2.data[i] = rng.int(3);
      out.push({ id: `random-${cell}`, label: `${rlabel}, cell_type='${cell}' (notebook gradient check sizes)`, sizes: { ...sm.sizes, T: 3 }, inputs: [], numeric: true, model: { ...sm, captions: caps2 } });
    }
    return out;
  }
  // model_sample: three images, so code that assumes a batch of two fails here too.
  const out: CheckCase[] = [];
  for (const cell of ['rnn', 'lstm'] as const) {
    const sm = modelCase(cell, SAMPLE_VOCAB, { N: 3, D: 4, W: 5, H: 6 }, rng);
    sm.params.W_embed = randn(rng, sm.params.W_embed.shape as number[], 1.5);
    out.push({ id: `random-${cell}`, label: `${rlabel}, cell_type='${cell}'`, sizes: { ...sm.sizes, T: 6 }, inputs: [], numeric: false, model: { ...sm, maxLength: 6 } });
  }
  return out;
}
