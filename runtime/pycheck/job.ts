/** Turns check cases into the driver's job cases (see python/driver.py). */
import { toEx, F } from './exchange';
import type { CheckCase } from './cases';
import type { FunctionSpec } from './specs';

export interface TargetFunction {
  spec: FunctionSpec;
  /** For model methods: the class holding them. */
  className?: string;
}

export function driverCase(target: TargetFunction, c: CheckCase, caseKey: string): Record<string, unknown> {
  const { spec } = target;
  const args = c.inputs.map(([name, t]) => ({ name, tensor: toEx(t) }));
  switch (spec.kind) {
    case 'forward':
      return { id: caseKey, kind: 'call', function: spec.name, args, returns: spec.returns };
    case 'loss':
      return {
        id: caseKey, kind: 'call', function: spec.name, args, returns: spec.returns,
        numeric: c.numeric ? { of: 'loss', wrt: ['x'] } : undefined,
      };
    case 'backward': {
      const o = spec.op!;
      return {
        id: caseKey, kind: 'backward', function: spec.name, forward: o.forward, args,
        forward_returns: [...o.outputs, 'cache'],
        douts: (c.douts ?? []).map(([name, t]) => ({ name, tensor: toEx(F(t)) })),
        returns: spec.returns,
        mask_axis: c.maskAxis,
        numeric: c.numeric ? o.inputs.filter((n) => !o.intInputs.includes(n)) : [],
      };
    }
    case 'model_loss':
    case 'model_sample': {
      const m = c.model!;
      return {
        id: caseKey, kind: 'model', class: target.className, method: spec.kind === 'model_loss' ? 'loss' : 'sample',
        word_to_idx: m.wordToIdx,
        kwargs: { input_dim: m.dims.D, wordvec_dim: m.dims.W, hidden_dim: m.dims.H, cell_type: m.cell, dtype: 'float64' },
        params: Object.fromEntries(Object.entries(m.params).map(([k, t]) => [k, toEx(F(t))])),
        features: toEx(F(m.features)),
        captions: m.captions ? toEx({ kind: 'int', t: m.captions }) : undefined,
        max_length: m.maxLength,
        numeric: c.numeric,
      };
    }
  }
}
