/**
 * The engine's answers for a check case, named with CS231n names like the `gradlab eval` outputs:
 * the forward's outputs, the backward's gradients for the case's upstream, and (for sequences)
 * the gradients when the upstream is kept at one timestep only.
 */
import { REFERENCE_LAYERS as L } from '../../core/layers/index';
import { CaptioningModel } from '../../core/model';
import { type BoolTensor, type IntTensor, type Tensor } from '../../core/tensor';
import type { AnyTensor } from './exchange';
import type { CheckCase, ModelCase } from './cases';
import type { LayerOp } from './specs';

type Named = Record<string, Tensor>;

function args(c: CheckCase): Record<string, AnyTensor> {
  return Object.fromEntries(c.inputs);
}

const f = (a: AnyTensor): Tensor => a.t as Tensor;
const int = (a: AnyTensor): IntTensor => a.t as IntTensor;
const bool = (a: AnyTensor): BoolTensor => a.t as BoolTensor;
const scalar = (v: number): Tensor => ({ shape: [], data: Float64Array.of(v) });

/** Forward outputs and a backward closure over the engine's cache. */
export function engineLayer(op: LayerOp, inputs: Record<string, AnyTensor>): { outputs: Named; backward: (douts: Tensor[]) => Named } {
  const a = inputs;
  switch (op) {
    case 'affine': {
      const r = L.affineForward(f(a.x), f(a.w), f(a.b));
      return { outputs: { out: r.out }, backward: ([d]) => ({ ...L.affineBackward(d, r.cache) }) };
    }
    case 'rnn_step': {
      const r = L.rnnStepForward(f(a.x), f(a.prev_h), f(a.Wx), f(a.Wh), f(a.b));
      return {
        outputs: { next_h: r.nextH },
        backward: ([d]) => {
          const g = L.rnnStepBackward(d, r.cache);
          return { dx: g.dx, dprev_h: g.dprevH, dWx: g.dWx, dWh: g.dWh, db: g.db };
        },
      };
    }
    case 'rnn': {
      const r = L.rnnForward(f(a.x), f(a.h0), f(a.Wx), f(a.Wh), f(a.b));
      return { outputs: { h: r.h }, backward: ([d]) => ({ ...L.rnnBackward(d, r.cache) }) };
    }
    case 'lstm_step': {
      const r = L.lstmStepForward(f(a.x), f(a.prev_h), f(a.prev_c), f(a.Wx), f(a.Wh), f(a.b));
      return {
        outputs: { next_h: r.nextH, next_c: r.nextC },
        backward: ([dh, dc]) => {
          const g = L.lstmStepBackward(dh, dc, r.cache);
          return { dx: g.dx, dprev_h: g.dprevH, dprev_c: g.dprevC, dWx: g.dWx, dWh: g.dWh, db: g.db };
        },
      };
    }
    case 'lstm': {
      const r = L.lstmForward(f(a.x), f(a.h0), f(a.Wx), f(a.Wh), f(a.b));
      return { outputs: { h: r.h }, backward: ([d]) => ({ ...L.lstmBackward(d, r.cache) }) };
    }
    case 'word_embedding': {
      const r = L.wordEmbeddingForward(int(a.x), f(a.W));
      return { outputs: { out: r.out }, backward: ([d]) => ({ ...L.wordEmbeddingBackward(d, r.cache) }) };
    }
    case 'temporal_affine': {
      const r = L.temporalAffineForward(f(a.x), f(a.w), f(a.b));
      return { outputs: { out: r.out }, backward: ([d]) => ({ ...L.temporalAffineBackward(d, r.cache) }) };
    }
  }
}

export function engineLoss(c: CheckCase): Named {
  const a = args(c);
  const r = L.temporalSoftmaxLoss(f(a.x), int(a.y), bool(a.mask));
  return { loss: scalar(r.loss), dx: r.dx };
}

function model(m: ModelCase): CaptioningModel {
  const cm = new CaptioningModel({ wordToIdx: m.wordToIdx, inputDim: m.dims.D, wordvecDim: m.dims.W, hiddenDim: m.dims.H, cellType: m.cell });
  cm.setParams(m.params);
  return cm;
}

/** loss and d<param> for every parameter, the names the driver returns. */
export function engineModelLoss(m: ModelCase): Named {
  const r = model(m).loss(m.features, m.captions!);
  const out: Named = { loss: scalar(r.loss) };
  for (const [k, v] of Object.entries(r.grads)) out['d' + k] = v;
  return out;
}

export function engineSample(m: ModelCase): IntTensor {
  return model(m).sample(m.features, m.maxLength ?? 30);
}

/** Engine forward with the gate blocks of Wx, Wh and b permuted: block k of the result is block perm[k]. */
export function permuteGates(t: Tensor, perm: readonly number[]): Tensor {
  const cols = t.shape[t.shape.length - 1];
  const h = cols / 4;
  const rows = t.data.length / cols;
  const out = new Float64Array(t.data.length);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < 4; k++) out.set(t.data.subarray(r * cols + perm[k] * h, r * cols + (perm[k] + 1) * h), r * cols + k * h);
  }
  return { shape: [...t.shape], data: out };
}

export const GATE_NAMES = ['i', 'f', 'o', 'g'] as const;

/** All 24 orders of the four gate blocks, identity first. */
export function gatePermutations(): number[][] {
  const out: number[][] = [];
  const rec = (pre: number[]): void => {
    if (pre.length === 4) {
      out.push(pre);
      return;
    }
    for (let k = 0; k < 4; k++) if (!pre.includes(k)) rec([...pre, k]);
  };
  rec([]);
  return out;
}
