/**
 * What Gradient Lab knows about each CS231n function it can check: its Python arguments and
 * results (CS231n names, from core/signatures), its matching forward, and which engine op answers it.
 */
import { findSignature } from '../../core/signatures';

/** An engine layer op, named as in the `gradlab eval` table. */
export type LayerOp = 'affine' | 'rnn_step' | 'rnn' | 'lstm_step' | 'lstm' | 'word_embedding' | 'temporal_affine';

export interface OpSpec {
  op: LayerOp;
  forward: string;
  backward: string;
  /** Forward arguments, in order. */
  inputs: string[];
  /** Integer inputs (word indices): not differentiated. */
  intInputs: string[];
  /** Forward results before the cache. */
  outputs: string[];
  /** Backward's upstream arguments, one per forward output, in order. */
  douts: string[];
  /** Backward's results, in order. */
  grads: string[];
  /** Which forward input each gradient belongs to. */
  gradOf: Record<string, string>;
  /** Sequence ops: tensors of shape (N, T, ·) have time on axis 1. */
  sequence: boolean;
  /** LSTM ops: Wx, Wh and b hold four gate blocks i, f, o, g. */
  gates: boolean;
}

function op(o: LayerOp, fwd: string, bwd: string, extra: Partial<OpSpec> = {}): OpSpec {
  const f = findSignature(fwd);
  const b = findSignature(bwd);
  if (!f || !b) throw new Error(`pycheck: no signature for ${fwd}/${bwd}`);
  const inputs = f.inputs.map((a) => a.name);
  const outputs = f.outputs.filter((a) => a.name !== 'cache').map((a) => a.name);
  const douts = b.inputs.filter((a) => a.name !== 'cache').map((a) => a.name);
  const grads = b.outputs.map((a) => a.name);
  const gradOf: Record<string, string> = {};
  for (const g of grads) {
    const target = g.slice(1);
    if (inputs.includes(target)) gradOf[g] = target;
  }
  return {
    op: o, forward: fwd, backward: bwd, inputs, outputs, douts, grads, gradOf,
    intInputs: f.inputs.filter((a) => a.dtype === 'int').map((a) => a.name),
    sequence: false, gates: false, ...extra,
  };
}

export const OPS: readonly OpSpec[] = [
  op('affine', 'affine_forward', 'affine_backward'),
  op('rnn_step', 'rnn_step_forward', 'rnn_step_backward'),
  op('rnn', 'rnn_forward', 'rnn_backward', { sequence: true }),
  op('lstm_step', 'lstm_step_forward', 'lstm_step_backward', { gates: true }),
  op('lstm', 'lstm_forward', 'lstm_backward', { sequence: true, gates: true }),
  op('word_embedding', 'word_embedding_forward', 'word_embedding_backward', { sequence: true }),
  op('temporal_affine', 'temporal_affine_forward', 'temporal_affine_backward', { sequence: true }),
];

/** What a checkable function is. */
export type FunctionKind = 'forward' | 'backward' | 'loss' | 'model_loss' | 'model_sample';

export interface FunctionSpec {
  /** The Python name (`rnn_backward`, or `loss`/`sample` for the model's methods). */
  name: string;
  kind: FunctionKind;
  /** Positional parameter names CS231n gives it (without self). */
  params: string[];
  /** Parameters that may follow with defaults (`verbose=False`, `max_length=30`). */
  optional: string[];
  /** Result names, in order ('cache' included where CS231n returns one). */
  returns: string[];
  op?: OpSpec;
}

const fnSpecs: FunctionSpec[] = [];
for (const o of OPS) {
  fnSpecs.push({ name: o.forward, kind: 'forward', params: o.inputs, optional: [], returns: [...o.outputs, 'cache'], op: o });
  fnSpecs.push({ name: o.backward, kind: 'backward', params: [...o.douts, 'cache'], optional: [], returns: o.grads, op: o });
}
fnSpecs.push({ name: 'temporal_softmax_loss', kind: 'loss', params: ['x', 'y', 'mask'], optional: ['verbose'], returns: ['loss', 'dx'] });

export const MODEL_METHODS: readonly FunctionSpec[] = [
  { name: 'loss', kind: 'model_loss', params: ['features', 'captions'], optional: [], returns: ['loss', 'grads'] },
  { name: 'sample', kind: 'model_sample', params: ['features'], optional: ['max_length'], returns: ['captions'] },
];

export const LAYER_FUNCTIONS: readonly FunctionSpec[] = fnSpecs;

export function layerFunction(name: string): FunctionSpec | undefined {
  return LAYER_FUNCTIONS.find((f) => f.name === name);
}

export function modelMethod(name: string): FunctionSpec | undefined {
  return MODEL_METHODS.find((f) => f.name === name);
}
