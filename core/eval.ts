/**
 * The `gradlab eval` exchange format: one operation, its inputs as JSON tensors, its outputs as
 * JSON tensors. This is how other tools (a Python bridge, the student-code checker) talk to the engine.
 *
 *   case   = { op, params?, inputs: { name: tensor }, dout: { name: tensor } | null }
 *   result = { outputs: { name: tensor } }
 *   tensor = { shape: number[], dtype: "float64" | "int64" | "bool", data: flat row-major values }
 */
import { evalNumericalGradient, evalNumericalGradientArray, relError } from './gradcheck';
import * as layers from './layers/index';
import { CaptioningModel, PARAM_NAMES, type CellType } from './model';
import { fmtShape, type BoolTensor, type IntTensor, type Tensor } from './tensor';

export type JsonDType = 'float64' | 'int64' | 'bool';

export interface JsonTensor {
  shape: number[];
  dtype: JsonDType;
  data: (number | boolean)[];
}

export interface EvalCase {
  op: string;
  params?: Record<string, unknown>;
  inputs: Record<string, JsonTensor>;
  dout: Record<string, JsonTensor> | null;
}

export interface EvalResult {
  outputs: Record<string, JsonTensor>;
}

/** Bad input: the message names the field and what was expected. */
export class EvalError extends Error {
  override name = 'EvalError';
}

type Value = Tensor | IntTensor | number;

/** `obj[key]` only when `key` is obj's own property (names from a case are never looked up on prototypes). */
function own<T>(obj: Record<string, T> | null | undefined, key: string): T | undefined {
  return obj !== null && obj !== undefined && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** A value from the case quoted for a message: JSON, one line, at most 60 characters. */
function quote(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** `inputs.x`, or `inputs["odd name"]` for a name that is not a plain identifier. */
function fieldName(where: string, name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `${where}.${name}` : `${where}[${quote(name)}]`;
}

/** A list of names from the case for a message, quoted and cut after a few. */
function names(keys: string[]): string {
  const shown = keys.slice(0, 8).map(quote).join(', ');
  return keys.length > 8 ? `${shown}, ... (${keys.length} in all)` : shown || 'none';
}

interface Ctx {
  op: string;
  params: Record<string, unknown>;
  inputs: Record<string, JsonTensor>;
  dout: Record<string, JsonTensor> | null;
}

/** A float input: present, float-like, finite, optionally of a given rank. */
function float(ctx: Ctx, name: string, rank?: number, where = 'inputs'): Tensor {
  const src = where === 'inputs' ? ctx.inputs : ctx.dout ?? {};
  const t = own(src, name);
  const field = fieldName(where, name);
  if (t === undefined) throw new EvalError(`${field}: missing (op "${ctx.op}" needs it)`);
  const { shape, data } = tensorParts(t, field);
  if (t.dtype !== undefined && t.dtype !== 'float64') throw new EvalError(`${field}: dtype "${t.dtype}", expected "float64"`);
  if (rank !== undefined && shape.length !== rank) throw new EvalError(`${field}: shape ${fmtShape(shape)} has ${shape.length} axes, expected ${rank}`);
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new EvalError(`${field}.data[${i}]: ${quote(v)} is not a finite number`);
    out[i] = v;
  }
  return { shape, data: out };
}

function int(ctx: Ctx, name: string, rank: number, upper?: number): IntTensor {
  const t = own(ctx.inputs, name);
  const field = fieldName('inputs', name);
  if (t === undefined) throw new EvalError(`${field}: missing (op "${ctx.op}" needs it)`);
  const { shape, data } = tensorParts(t, field);
  if (t.dtype !== 'int64') throw new EvalError(`${field}: dtype "${String(t.dtype)}", expected "int64"`);
  if (shape.length !== rank) throw new EvalError(`${field}: shape ${fmtShape(shape)} has ${shape.length} axes, expected ${rank}`);
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new EvalError(`${field}.data[${i}]: ${quote(v)} is not an integer`);
    if (upper !== undefined && (v < 0 || v >= upper)) throw new EvalError(`${field}.data[${i}]: index ${v} is outside the vocabulary [0, ${upper})`);
    out[i] = v;
  }
  return { shape, data: out };
}

function bool(ctx: Ctx, name: string): BoolTensor {
  const t = own(ctx.inputs, name);
  const field = fieldName('inputs', name);
  if (t === undefined) throw new EvalError(`${field}: missing (op "${ctx.op}" needs it)`);
  const { shape, data } = tensorParts(t, field);
  if (t.dtype !== 'bool') throw new EvalError(`${field}: dtype "${String(t.dtype)}", expected "bool"`);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== true && v !== false && v !== 0 && v !== 1) throw new EvalError(`${field}.data[${i}]: ${quote(v)} is not a boolean`);
    out[i] = v === true || v === 1 ? 1 : 0;
  }
  return { shape, data: out };
}

function tensorParts(t: unknown, field: string): { shape: number[]; data: unknown[] } {
  if (t === null || typeof t !== 'object') throw new EvalError(`${field}: expected a tensor {shape, dtype, data}`);
  const { shape, data } = t as { shape?: unknown; data?: unknown };
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new EvalError(`${field}.shape: expected an array of non-negative integers`);
  if (!Array.isArray(data)) throw new EvalError(`${field}.data: expected a flat array`);
  const size = shape.reduce((a: number, b: number) => a * b, 1);
  if (data.length !== size) throw new EvalError(`${field}.data: ${data.length} values, shape ${fmtShape(shape)} needs ${size}`);
  return { shape: shape as number[], data };
}

function dout(ctx: Ctx, name: string): Tensor | null {
  if (ctx.dout === null) return null;
  return float(ctx, name, undefined, 'dout');
}

/** Layer ops: forward, then (when dout is given) backward on that forward's cache. */
const OPS: Record<string, (ctx: Ctx) => Record<string, Value>> = {
  affine(c) {
    const f = layers.affineForward(float(c, 'x'), float(c, 'w', 2), float(c, 'b', 1));
    const d = dout(c, 'dout');
    return d ? { out: f.out, ...renameKeys(layers.affineBackward(d, f.cache)) } : { out: f.out };
  },
  rnn_step(c): Record<string, Value> {
    const f = layers.rnnStepForward(float(c, 'x', 2), float(c, 'prev_h', 2), float(c, 'Wx', 2), float(c, 'Wh', 2), float(c, 'b', 1));
    const d = dout(c, 'dnext_h');
    if (!d) return { next_h: f.nextH };
    const g = layers.rnnStepBackward(d, f.cache);
    return { next_h: f.nextH, dx: g.dx, dprev_h: g.dprevH, dWx: g.dWx, dWh: g.dWh, db: g.db };
  },
  rnn(c) {
    const f = layers.rnnForward(float(c, 'x', 3), float(c, 'h0', 2), float(c, 'Wx', 2), float(c, 'Wh', 2), float(c, 'b', 1));
    const d = dout(c, 'dh');
    return d ? { h: f.h, ...layers.rnnBackward(d, f.cache) } : { h: f.h };
  },
  word_embedding(c): Record<string, Value> {
    const W = float(c, 'W', 2);
    const f = layers.wordEmbeddingForward(int(c, 'x', 2, W.shape[0]), W);
    const d = dout(c, 'dout');
    return d ? { out: f.out, dW: layers.wordEmbeddingBackward(d, f.cache).dW } : { out: f.out };
  },
  lstm_step(c): Record<string, Value> {
    const f = layers.lstmStepForward(float(c, 'x', 2), float(c, 'prev_h', 2), float(c, 'prev_c', 2), float(c, 'Wx', 2), float(c, 'Wh', 2), float(c, 'b', 1));
    const dh = dout(c, 'dnext_h');
    if (!dh) return { next_h: f.nextH, next_c: f.nextC };
    const g = layers.lstmStepBackward(dh, float(c, 'dnext_c', undefined, 'dout'), f.cache);
    return { next_h: f.nextH, next_c: f.nextC, dx: g.dx, dprev_h: g.dprevH, dprev_c: g.dprevC, dWx: g.dWx, dWh: g.dWh, db: g.db };
  },
  lstm(c) {
    const f = layers.lstmForward(float(c, 'x', 3), float(c, 'h0', 2), float(c, 'Wx', 2), float(c, 'Wh', 2), float(c, 'b', 1));
    const d = dout(c, 'dh');
    return d ? { h: f.h, ...layers.lstmBackward(d, f.cache) } : { h: f.h };
  },
  temporal_affine(c) {
    const f = layers.temporalAffineForward(float(c, 'x', 3), float(c, 'w', 2), float(c, 'b', 1));
    const d = dout(c, 'dout');
    return d ? { out: f.out, ...renameKeys(layers.temporalAffineBackward(d, f.cache)) } : { out: f.out };
  },
  temporal_softmax_loss(c) {
    const x = float(c, 'x', 3);
    const r = layers.temporalSoftmaxLoss(x, int(c, 'y', 2, x.shape[2]), bool(c, 'mask'));
    return { loss: r.loss, dx: r.dx };
  },
  captioning_rnn_loss(c) {
    const { model, features } = buildModel(c);
    const captions = int(c, 'captions', 2, model.vocabSize);
    const { loss, grads } = model.loss(features, captions);
    const out: Record<string, Value> = { loss };
    for (const k of PARAM_NAMES) out[`d${k}`] = grads[k];
    return out;
  },
  captioning_rnn_sample(c) {
    const { model, features } = buildModel(c);
    const maxLength = own(c.params, 'max_length') ?? 30;
    if (!Number.isInteger(maxLength) || (maxLength as number) < 1) throw new EvalError(`params.max_length: ${quote(maxLength)}, expected a positive integer`);
    return { captions: model.sample(features, maxLength as number) };
  },
  rel_error(c) {
    const x = float(c, 'x');
    const y = float(c, 'y');
    if (x.data.length !== y.data.length) throw new EvalError(`inputs.y: shape ${fmtShape(y.shape)} does not match inputs.x ${fmtShape(x.shape)}`);
    return { value: relError(x.data, y.data) };
  },
  eval_numerical_gradient(c) {
    const { fn, out, wrt, h, inner } = numericSetup(c);
    const x = float(inner, wrt);
    inner.inputs = { ...inner.inputs };
    const f = (): number => {
      inner.inputs[wrt] = { shape: [...x.shape], dtype: 'float64', data: Array.from(x.data) };
      const v = fn({ ...inner, dout: null })[out];
      if (typeof v !== 'number') throw new EvalError(`params.fn_output: "${out}" of op "${inner.op}" is not a scalar; use eval_numerical_gradient_array`);
      return v;
    };
    return { grad: evalNumericalGradient(f, x, h) };
  },
  eval_numerical_gradient_array(c) {
    const { fn, out, wrt, h, inner } = numericSetup(c);
    const x = float(inner, wrt);
    const df = float(c, 'df', undefined, 'dout');
    inner.inputs = { ...inner.inputs };
    const f = (): Tensor => {
      inner.inputs[wrt] = { shape: [...x.shape], dtype: 'float64', data: Array.from(x.data) };
      const v = fn({ ...inner, dout: null })[out];
      if (v === undefined || typeof v === 'number' || v.data instanceof Int32Array) {
        throw new EvalError(`params.fn_output: "${out}" of op "${inner.op}" is not a float tensor`);
      }
      return v as Tensor;
    };
    return { grad: evalNumericalGradientArray(f, x, df, h) };
  },
};

/** Forward-only outputs of each op, for the numerical-gradient ops' fn_output. */
const FORWARD_OUTPUTS: Record<string, string[]> = {
  affine: ['out'], rnn_step: ['next_h'], rnn: ['h'], word_embedding: ['out'], lstm_step: ['next_h', 'next_c'], lstm: ['h'],
  temporal_affine: ['out'], temporal_softmax_loss: ['loss', 'dx'], captioning_rnn_loss: ['loss'],
};

function numericSetup(c: Ctx): { fn: (ctx: Ctx) => Record<string, Value>; out: string; wrt: string; h: number; inner: Ctx } {
  const name = own(c.params, 'fn');
  const outs = typeof name === 'string' ? own(FORWARD_OUTPUTS, name) : undefined;
  const fn = typeof name === 'string' ? own(OPS, name) : undefined;
  if (typeof name !== 'string' || outs === undefined || fn === undefined) {
    throw new EvalError(`params.fn: ${quote(name)}, expected one of ${Object.keys(FORWARD_OUTPUTS).join(', ')}`);
  }
  const out = own(c.params, 'fn_output') ?? outs[0];
  if (typeof out !== 'string' || !outs.includes(out)) throw new EvalError(`params.fn_output: ${quote(out)}, expected one of ${outs.join(', ')}`);
  const wrt = own(c.params, 'wrt');
  if (typeof wrt !== 'string' || !Object.hasOwn(c.inputs, wrt)) throw new EvalError(`params.wrt: ${quote(wrt)}, expected the name of one of the inputs (${names(Object.keys(c.inputs))})`);
  const h = own(c.params, 'h') ?? 1e-5;
  if (typeof h !== 'number' || !(h > 0)) throw new EvalError(`params.h: ${quote(h)}, expected a positive number`);
  return { fn, out, wrt, h, inner: { op: name, params: c.params, inputs: c.inputs, dout: null } };
}

function renameKeys(g: { dx: Tensor; dw: Tensor; db: Tensor }): Record<string, Tensor> {
  return { dx: g.dx, dw: g.dw, db: g.db };
}

function buildModel(c: Ctx): { model: CaptioningModel; features: Tensor } {
  const cell = own(c.params, 'cell_type') ?? 'rnn';
  if (cell !== 'rnn' && cell !== 'lstm') throw new EvalError(`params.cell_type: ${quote(cell)}, expected "rnn" or "lstm"`);
  const p: Record<string, Tensor> = {};
  for (const k of PARAM_NAMES) p[k] = float(c, k);
  const features = float(c, 'features', 2);
  const V = p.W_embed.shape[0];
  const wordToIdx = vocabulary(c, V);
  let model: CaptioningModel;
  try {
    model = new CaptioningModel({ wordToIdx, inputDim: features.shape[1], wordvecDim: p.W_embed.shape[1], hiddenDim: p.Wh.shape[0], cellType: cell as CellType });
    model.setParams(p);
  } catch (e) {
    throw new EvalError(`inputs: ${(e as Error).message}`);
  }
  return { model, features };
}

/** params.word_to_idx, or one built from null_idx/start_idx/end_idx and V = rows of W_embed. */
function vocabulary(c: Ctx, V: number): Record<string, number> {
  const given = own(c.params, 'word_to_idx');
  if (given !== undefined) {
    if (given === null || typeof given !== 'object') throw new EvalError('params.word_to_idx: expected an object {word: index}');
    const w = given as Record<string, unknown>;
    for (const [k, v] of Object.entries(w)) {
      if (!Number.isInteger(v)) throw new EvalError(`params.word_to_idx[${quote(k)}]: ${quote(v)} is not an integer`);
    }
    if (Object.keys(w).length !== V) throw new EvalError(`params.word_to_idx: ${Object.keys(w).length} words but W_embed has ${V} rows`);
    if (!Object.hasOwn(w, '<NULL>')) throw new EvalError('params.word_to_idx: no "<NULL>" entry');
    return w as Record<string, number>;
  }
  const out: Record<string, number> = {};
  const specials: [string, string, number][] = [['<NULL>', 'null_idx', 0], ['<START>', 'start_idx', 1], ['<END>', 'end_idx', 2]];
  for (const [word, key, dflt] of specials) {
    const v = own(c.params, key) ?? dflt;
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= V) throw new EvalError(`params.${key}: ${quote(v)}, expected an index in [0, ${V})`);
    out[word] = v as number;
  }
  let next = 0;
  const used = new Set(Object.values(out));
  while (Object.keys(out).length < V) {
    while (used.has(next)) next++;
    out[`w${next}`] = next;
    used.add(next);
  }
  return out;
}

export const EVAL_OPS = Object.keys(OPS);

/** Parses and runs one case. Throws EvalError with a one-line message on bad input. */
export function evaluate(input: unknown): EvalResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new EvalError('case: expected a JSON object {op, params, inputs, dout}');
  const c = input as Partial<EvalCase>;
  if (typeof c.op !== 'string') throw new EvalError('op: missing or not a string');
  const impl = own(OPS, c.op);
  if (!impl) throw new EvalError(`op: unknown op ${quote(c.op)}, expected one of ${EVAL_OPS.join(', ')}`);
  if (c.params !== undefined && (c.params === null || typeof c.params !== 'object')) throw new EvalError('params: expected an object');
  if (c.inputs === null || typeof c.inputs !== 'object') throw new EvalError('inputs: missing or not an object of tensors');
  if (c.dout !== undefined && c.dout !== null && typeof c.dout !== 'object') throw new EvalError('dout: expected an object of tensors or null');
  const ctx: Ctx = { op: c.op, params: (c.params ?? {}) as Record<string, unknown>, inputs: c.inputs as Record<string, JsonTensor>, dout: (c.dout ?? null) as Ctx['dout'] };
  let raw: Record<string, Value>;
  try {
    raw = impl(ctx);
  } catch (e) {
    if (e instanceof EvalError) throw e;
    throw new EvalError(`op ${c.op}: ${oneLine((e as Error)?.message ?? String(e))}`);
  }
  const outputs: Record<string, JsonTensor> = {};
  for (const [k, v] of Object.entries(raw)) outputs[k] = toJson(v);
  return { outputs };
}

function oneLine(s: string): string {
  const line = s.split('\n')[0];
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

export function toJson(v: Value): JsonTensor {
  if (typeof v === 'number') return { shape: [], dtype: 'float64', data: [v] };
  if (v.data instanceof Int32Array) return { shape: [...v.shape], dtype: 'int64', data: Array.from(v.data) };
  return { shape: [...v.shape], dtype: 'float64', data: Array.from(v.data) };
}

/** Builds an exchange tensor from an engine tensor (used by clients writing cases). */
export function fromTensor(t: Tensor | IntTensor | BoolTensor): JsonTensor {
  if (t.data instanceof Int32Array) return { shape: [...t.shape], dtype: 'int64', data: Array.from(t.data) };
  if (t.data instanceof Uint8Array) return { shape: [...t.shape], dtype: 'bool', data: Array.from(t.data, (b) => b === 1) };
  return { shape: [...t.shape], dtype: 'float64', data: Array.from(t.data) };
}
