/**
 * numpy's shape rules for calls: `np.dot`, `np.sum(axis=…)`, `np.zeros((N, H))`, `x.reshape(…)`,
 * `x.transpose(…)`, elementwise functions, concatenation. Each rule returns an unknown shape
 * rather than guess, and reports through `ops.warn` only what it proves.
 */
import type { SyntaxNode } from '@lezer/common';
import { add, constValue, fmtShape, mul, num, sub, type Dim, type Poly, type Shape } from './dims';
import {
  array, broadcast, fmtConflicts, matmulShape, operandShape, reduceShape, reshapeShape, transposeShape, UNKNOWN,
  type DType, type Value,
} from './values';

/** What the rules need from the analyser: source text, warnings, and its binary-operator rule. */
export interface Ops {
  src(n: SyntaxNode): string;
  short(n: SyntaxNode): string;
  warn(n: SyntaxNode, message: string): void;
  binary(n: SyntaxNode, op: string, a: Value, b: Value, l: SyntaxNode, r: SyntaxNode): Value;
}

export interface CallArg {
  readonly node: SyntaxNode;
  readonly value: Value;
}

export interface CallArgs {
  readonly pos: CallArg[];
  readonly kw: Map<string, CallArg>;
  readonly starred: boolean;
}

const ELEMENTWISE = new Set([
  'tanh', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'square', 'abs', 'absolute', 'sign', 'sin', 'cos',
  'negative', 'copy', 'zeros_like', 'ones_like', 'empty_like', 'full_like', 'rint', 'floor', 'ceil',
  'clip', 'array', 'asarray', 'exp2', 'reciprocal', 'nan_to_num',
]);
const BINARY = new Set(['add', 'subtract', 'multiply', 'divide', 'true_divide', 'maximum', 'minimum', 'power', 'fmax', 'fmin']);
const REDUCE = new Set(['sum', 'mean', 'max', 'min', 'argmax', 'argmin', 'prod', 'std', 'var', 'amax', 'amin', 'any', 'all']);
const CONSTRUCT = new Set(['zeros', 'ones', 'empty', 'full']);
const ARRAY_METHODS_SAME = new Set(['copy', 'astype', 'clip']);

/** A shape argument: `(N, H)`, `[N, T, H]`, `x.shape` or a single size. */
export function dimsFrom(v: Value | undefined): Dim[] | null {
  if (!v) return null;
  if (v.k === 'dim') return [v.d];
  if (v.k === 'tuple') return v.items.map((x) => (x.k === 'dim' ? x.d : null));
  return null;
}

/** `axis=`: null when none was given (all axes), undefined when it could not be read. */
function axisArg(v: Value | undefined): number[] | null | undefined {
  if (v === undefined) return null;
  const dims = dimsFrom(v);
  if (!dims) return undefined;
  const out: number[] = [];
  for (const d of dims) {
    const c = d === null ? null : constValue(d);
    if (c === null) return undefined;
    out.push(c);
  }
  return out;
}

function keepdims(ops: Ops, v: { value: Value; node: SyntaxNode } | undefined): boolean {
  return v !== undefined && ops.src(v.node) === 'True';
}

export function numpyCall(ops: Ops, n: SyntaxNode, name: string, a: CallArgs): Value {
  if (a.starred) return UNKNOWN; // np.random.randn(*x.shape): the positions are not known
  const [x, y] = a.pos;
  const first = x?.value;
  if (ELEMENTWISE.has(name)) {
    if (first?.k === 'array') return array(first.shape, name === 'zeros_like' || name === 'copy' || name === 'ones_like' || name === 'empty_like' || name === 'clip' ? first.dtype : undefined);
    if (first?.k === 'dim' && name !== 'array' && name !== 'asarray') return array([]);
    return UNKNOWN;
  }
  if (BINARY.has(name) && x && y) return ops.binary(n, name === 'multiply' ? '*' : name === 'add' ? '+' : name === 'subtract' ? '-' : name === 'divide' ? '/' : name, x.value, y.value, x.node, y.node);
  if (name === 'where' && a.pos.length === 3) {
    const shapes = a.pos.map((p) => operandShape(p.value));
    if (shapes.some((s) => s === undefined)) return UNKNOWN;
    let s: Shape = shapes[0] ?? null;
    for (const t of shapes.slice(1)) s = broadcast(s, t ?? null).shape;
    return array(s);
  }
  if ((name === 'dot' || name === 'matmul') && x && y) {
    const sa = operandShape(x.value);
    const sb = operandShape(y.value);
    if (sa === undefined || sb === undefined) return UNKNOWN;
    const res = matmulShape(sa, sb, name);
    if (res.conflict) ops.warn(n, `np.${name}: ${ops.short(x.node)} ${fmtShape(sa)} · ${ops.short(y.node)} ${fmtShape(sb)}: inner dimensions ${fmtConflicts([res.conflict])}`);
    return array(res.conflict ? null : res.shape);
  }
  if (name === 'outer' && x && y) {
    const sa = operandShape(x.value);
    const sb = operandShape(y.value);
    if (!sa || !sb) return array(null);
    return array([sizeOf(sa), sizeOf(sb)]);
  }
  if (REDUCE.has(name) && first?.k === 'array') {
    const axis = axisArg(a.kw.get('axis')?.value ?? y?.value);
    return array(reduceShape(first.shape, axis, keepdims(ops, a.kw.get('keepdims'))), /^arg/.test(name) ? 'int' : first.dtype);
  }
  if (CONSTRUCT.has(name)) {
    const dims = shapeArg(first);
    const dtype = dtypeArg(ops, a.kw.get('dtype')?.node);
    return array(dims, dtype);
  }
  if (name === 'random.randn' || name === 'random.rand' || name === 'random.standard_normal' && a.pos.length !== 1) {
    if (a.pos.length === 0) return array([]);
    const dims = a.pos.map((p) => (p.value.k === 'dim' ? p.value.d : null));
    return array(dims);
  }
  if (/^random\.(randint|normal|uniform|choice|random|standard_normal|random_sample|rand)$/.test(name)) {
    const size = a.kw.get('size')?.value ?? (name === 'random.random' || name === 'random.random_sample' || name === 'random.standard_normal' ? first : a.pos[name === 'random.choice' ? 1 : 2]?.value);
    if (!size) return UNKNOWN;
    return array(shapeArg(size), name === 'random.randint' ? 'int' : undefined);
  }
  if (name === 'reshape' && x && y) return reshape(ops, n, x.value, x.node, [y.value]);
  if (name === 'transpose' && first?.k === 'array') {
    const axes = y ? axisArg(y.value) : a.kw.get('axes') ? axisArg(a.kw.get('axes')?.value) : null;
    return array(axes === undefined ? null : transposeShape(first.shape, axes ?? undefined), first.dtype);
  }
  if (name === 'squeeze' && first?.k === 'array') return array(squeeze(first.shape), first.dtype);
  if (name === 'expand_dims' && first?.k === 'array' && y) {
    const ax = axisArg(y.value);
    if (!ax || ax.length !== 1 || first.shape === null) return array(null);
    const out = [...first.shape];
    const at = ax[0] < 0 ? ax[0] + out.length + 1 : ax[0];
    out.splice(at, 0, num(1));
    return array(out, first.dtype);
  }
  if (name === 'arange') {
    if (a.pos.length === 1 && first?.k === 'dim') return array([first.d], 'int');
    if (a.pos.length === 2 && first?.k === 'dim' && y?.value.k === 'dim') return array([first.d !== null && y.value.d !== null ? sub(y.value.d, first.d) : null], 'int');
    return array([null]);
  }
  if (name === 'eye' && first?.k === 'dim') return array([first.d, first.d]);
  if (name === 'linspace') {
    const count = a.kw.get('num')?.value ?? a.pos[2]?.value;
    return count?.k === 'dim' ? array([count.d]) : a.pos.length >= 2 && !count ? array([num(50)]) : array([null]);
  }
  if ((name === 'concatenate' || name === 'stack' || name === 'vstack' || name === 'hstack') && first?.k === 'tuple') {
    return array(joinShapes(name, first.items, axisArg(a.kw.get('axis')?.value ?? y?.value)));
  }
  return UNKNOWN;
}

function dtypeArg(ops: Ops, node: SyntaxNode | undefined): DType | undefined {
  if (!node) return undefined;
  const t = ops.src(node);
  if (/int/.test(t)) return 'int';
  if (/bool/.test(t)) return 'bool';
  return 'float';
}

/** `(N, H)`, `[N, T, H]`, `H`, `x.shape` as a shape. */
function shapeArg(v: Value | undefined): Shape {
  if (!v) return null;
  return dimsFrom(v);
}

function reshape(ops: Ops, n: SyntaxNode, v: Value, node: SyntaxNode, dimArgs: Value[]): Value {
  if (v.k !== 'array') return UNKNOWN;
  const to = dimArgs.length === 1 ? dimsFrom(dimArgs[0]) : dimArgs.map((d) => (d.k === 'dim' ? d.d : null));
  if (!to) return array(null);
  const res = reshapeShape(v.shape, to);
  if (res.conflict) ops.warn(n, `cannot reshape ${ops.short(node)} ${fmtShape(v.shape)} into ${fmtShape(to)}: ${fmtConflicts([res.conflict])} elements`);
  return array(res.conflict ? null : res.shape, v.dtype);
}

export function methodCall(ops: Ops, n: SyntaxNode, name: string, obj: Value, objNode: SyntaxNode, a: CallArgs): Value {
  if (obj.k !== 'array' || a.starred) return UNKNOWN;
  const vals = a.pos.map((p) => p.value);
  if (name === 'reshape') return reshape(ops, n, obj, objNode, vals);
  if (name === 'dot' && a.pos[0]) {
    const sb = operandShape(a.pos[0].value);
    if (sb === undefined) return UNKNOWN;
    const res = matmulShape(obj.shape, sb, 'dot');
    if (res.conflict) ops.warn(n, `${ops.short(objNode)}.dot: ${fmtShape(obj.shape)} · ${ops.short(a.pos[0].node)} ${fmtShape(sb)}: inner dimensions ${fmtConflicts([res.conflict])}`);
    return array(res.conflict ? null : res.shape);
  }
  if (name === 'transpose') {
    if (vals.length === 0) return array(transposeShape(obj.shape), obj.dtype);
    const axes = vals.length === 1 ? axisArg(vals[0]) : axisArg({ k: 'tuple', items: vals });
    return array(axes ? transposeShape(obj.shape, axes) : null, obj.dtype);
  }
  if (REDUCE.has(name)) {
    const axis = axisArg(a.kw.get('axis')?.value ?? vals[0]);
    return array(reduceShape(obj.shape, axis, keepdims(ops, a.kw.get('keepdims'))), /^arg/.test(name) ? 'int' : obj.dtype);
  }
  if (ARRAY_METHODS_SAME.has(name)) return array(obj.shape, name === 'astype' ? dtypeArg(ops, a.pos[0]?.node) : obj.dtype);
  if (name === 'squeeze') return array(squeeze(obj.shape), obj.dtype);
  if (name === 'flatten' || name === 'ravel') return array(obj.shape === null ? [null] : [sizeOf(obj.shape)], obj.dtype);
  return UNKNOWN;
}

export function sizeOf(s: readonly Dim[]): Dim {
  let p: Poly = num(1);
  for (const d of s) {
    if (d === null) return null;
    p = mul(p, d);
  }
  return p;
}

/** np.concatenate / stack / hstack / vstack of arrays whose shapes are all known. */
function joinShapes(name: string, items: readonly Value[], axisArg: number[] | null | undefined): Shape {
  const shapes: (readonly Dim[])[] = [];
  for (const v of items) {
    if (v.k !== 'array' || v.shape === null) return null;
    shapes.push(v.shape);
  }
  if (shapes.length === 0 || axisArg === undefined) return null;
  const rank = shapes[0].length;
  if (shapes.some((s) => s.length !== rank)) return null;
  if (name === 'stack') {
    const ax = axisArg?.[0] ?? 0;
    const out = [...shapes[0]];
    out.splice(ax < 0 ? ax + rank + 1 : ax, 0, num(shapes.length));
    return out;
  }
  let ax = name === 'hstack' ? (rank === 1 ? 0 : 1) : name === 'vstack' ? 0 : axisArg === null ? 0 : axisArg[0];
  if (name === 'vstack' && rank === 1) return [num(shapes.length), shapes[0][0]];
  if (ax < 0) ax += rank;
  if (ax < 0 || ax >= rank) return null;
  let total: Poly = [];
  for (const s of shapes) {
    const d = s[ax];
    if (d === null) return shapes[0].map((x, i) => (i === ax ? null : x));
    total = add(total, d);
  }
  return shapes[0].map((x, i) => (i === ax ? total : x));
}

function squeeze(s: Shape): Shape {
  if (s === null || s.some((d) => d === null)) return null;
  return s.filter((d) => d === null || constValue(d) !== 1);
}

