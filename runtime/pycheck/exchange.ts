/**
 * Tensors in the `gradlab eval` exchange format (issue 2): {shape, dtype, data: flat row-major}.
 * The Python driver speaks the same format; non-finite floats it returns travel as "nan"/"inf"/"-inf".
 */
import { fmtShape, type BoolTensor, type IntTensor, type Tensor } from '../../core/tensor';

export type Dtype = 'float64' | 'int64' | 'bool';

/** A tensor as sent (what `gradlab eval` takes). */
export interface ExTensor {
  shape: number[];
  dtype: Dtype;
  data: (number | boolean)[];
}

/** A tensor as received from Python: non-finite floats arrive as strings. */
interface ReceivedTensor {
  shape: number[];
  data: (number | boolean | string)[];
}

/** Any tensor the checks pass around: floats, word indices, masks. */
export type AnyTensor =
  | { kind: 'float'; t: Tensor }
  | { kind: 'int'; t: IntTensor }
  | { kind: 'bool'; t: BoolTensor };

export const F = (t: Tensor): AnyTensor => ({ kind: 'float', t });
export const I = (t: IntTensor): AnyTensor => ({ kind: 'int', t });
export const B = (t: BoolTensor): AnyTensor => ({ kind: 'bool', t });

export function toEx(a: AnyTensor): ExTensor {
  const shape = [...a.t.shape];
  if (a.kind === 'float') return { shape, dtype: 'float64', data: Array.from(a.t.data) };
  if (a.kind === 'int') return { shape, dtype: 'int64', data: Array.from(a.t.data) };
  return { shape, dtype: 'bool', data: Array.from(a.t.data, (v) => v !== 0) };
}

function num(v: number | boolean | string, where: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  throw new Error(`${where}: unexpected value ${JSON.stringify(v)}`);
}

function checkEx(e: unknown, where: string): ReceivedTensor {
  const o = e as ReceivedTensor;
  if (!o || !Array.isArray(o.shape) || !Array.isArray(o.data)) throw new Error(`${where}: not a tensor {shape, dtype, data}`);
  const n = o.shape.reduce((p, d) => p * d, 1);
  if (n !== o.data.length) throw new Error(`${where}: ${o.data.length} values do not fill shape ${fmtShape(o.shape)}`);
  return o;
}

/** Any exchange tensor as float64 (ints and bools convert), e.g. to compare with the engine. */
export function fromExFloat(e: unknown, where: string): Tensor {
  const o = checkEx(e, where);
  const data = new Float64Array(o.data.length);
  for (let i = 0; i < data.length; i++) data[i] = num(o.data[i], where);
  return { shape: [...o.shape], data };
}
