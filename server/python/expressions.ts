/**
 * Expressions: names, numbers, tuples, operators (broadcasting, `@`), attributes (`.shape`, `.T`),
 * subscripts and slices, the model's parameters and the dataset's arrays. Calls are in calls.ts.
 */
import type { SyntaxNode } from '@lezer/common';
import { MODEL_PARAMS } from '../../core/signatures';
import { add, constValue, div, fmtShape, mul, neg, num, parseDim, sub, type Dim, type Poly } from './dims';
import { stringContent } from './docstring';
import { applyIndex, sliceLen, type IndexPart } from './indexing';
import { AnalyzerScope, MAX_DEPTH, type Env } from './scope';
import { children, isExpr, isPunct } from './syntax';
import {
  array, broadcast, dimValue, fmtConflicts, joinValues, matmulShape, operandShape, transposeShape, UNKNOWN, type DType, type Value,
} from './values';

export abstract class ExpressionRules extends AnalyzerScope {
  protected readonly ops = {
    src: (n: SyntaxNode): string => this.src(n),
    short: (n: SyntaxNode): string => this.short(n),
    warn: (n: SyntaxNode, message: string): void => this.warn(n, message),
    binary: (n: SyntaxNode, op: string, a: Value, b: Value, l: SyntaxNode, r: SyntaxNode): Value => this.binary(n, op, a, b, l, r),
  };

  protected abstract call(n: SyntaxNode, env: Env): Value;

  /** An expression's value; deeper than MAX_DEPTH it is unknown and not looked into. */
  protected expr(n: SyntaxNode, env: Env): Value {
    if (this.depth >= MAX_DEPTH) return UNKNOWN;
    this.depth++;
    try {
      return this.exprAt(n, env);
    } finally {
      this.depth--;
    }
  }

  private exprAt(n: SyntaxNode, env: Env): Value {
    switch (n.name) {
      case 'VariableName': {
        const name = this.src(n);
        const v = env.get(name) ?? UNKNOWN;
        if (v.k !== 'unknown') this.fact(n, name, v);
        return v;
      }
      case 'Number': {
        const t = this.src(n).replace(/_/g, '');
        if (/^\d+$/.test(t)) return dimValue(num(Number(t)));
        return /[jJ]$/.test(t) ? UNKNOWN : array([]);
      }
      case 'ParenthesizedExpression': {
        const inner = children(n).find(isExpr);
        return inner ? this.expr(inner, env) : UNKNOWN;
      }
      case 'TupleExpression':
      case 'ArrayExpression': {
        const items = children(n).filter((c) => !isPunct(c)).map((c) => this.expr(c, env));
        return n.name === 'ArrayExpression' ? { k: 'tuple', items, list: true } : { k: 'tuple', items };
      }
      case 'UnaryExpression': {
        const op = n.firstChild;
        const arg = n.lastChild;
        if (!op || !arg || arg === op) return UNKNOWN;
        const v = this.expr(arg, env);
        const o = this.src(op);
        if (o === 'not') return array([], 'bool');
        if (v.k === 'dim') return dimValue(v.d === null ? null : o === '-' ? neg(v.d) : o === '+' ? v.d : null);
        return v.k === 'array' ? v : UNKNOWN;
      }
      case 'BinaryExpression': {
        const [l, op, r] = children(n);
        if (!l || !op || !r) return this.generic(n, env);
        const a = this.expr(l, env);
        const b = this.expr(r, env);
        return this.binary(n, this.src(op), a, b, l, r);
      }
      case 'CallExpression':
        return this.call(n, env);
      case 'MemberExpression':
        return n.getChild('[') ? this.subscript(n, env) : this.attribute(n, env);
      case 'ConditionalExpression': {
        const parts = children(n).filter(isExpr);
        const vals = parts.map((p) => this.expr(p, env));
        return vals.length === 3 ? joinValues(vals[0], vals[2]) : UNKNOWN;
      }
      default:
        return this.generic(n, env);
    }
  }

  /** Anything the rules do not model: its names still get hovers; its value is unknown. */
  protected generic(n: SyntaxNode, env: Env): Value {
    const scope = this.innerScope(n, env);
    for (const c of children(n)) {
      if (isExpr(c)) this.expr(c, scope);
      else if (c.name === 'ArgList' || c.name === 'Body' || c.name === 'ParamList') this.generic(c, scope);
    }
    return UNKNOWN;
  }

  /**
   * Comprehensions and lambdas bind their own names (`for x in xs`, `lambda x:`): inside them those
   * names are not the function's x, so they are unknown there.
   */
  protected innerScope(n: SyntaxNode, env: Env): Env {
    const cs = children(n);
    let bound: SyntaxNode[] = [];
    if (n.name === 'LambdaExpression') bound = n.getChild('ParamList')?.getChildren('VariableName') ?? [];
    else if (/Comprehension/.test(n.name)) {
      cs.forEach((c, i) => {
        if (c.name !== 'for') return;
        for (let j = i + 1; j < cs.length && cs[j].name !== 'in'; j++) if (cs[j].name === 'VariableName') bound.push(cs[j]);
      });
    }
    if (bound.length === 0) return env;
    const inner = new Map(env);
    for (const b of bound) inner.set(this.src(b), UNKNOWN);
    return inner;
  }

  protected binary(n: SyntaxNode, op: string, a: Value, b: Value, l: SyntaxNode, r: SyntaxNode): Value {
    if (op === 'and' || op === 'or') return UNKNOWN;
    if (a.k === 'dim' && b.k === 'dim') {
      if (a.d === null || b.d === null) return dimValue(null);
      if (op === '+') return dimValue(add(a.d, b.d));
      if (op === '-') return dimValue(sub(a.d, b.d));
      if (op === '*') return dimValue(mul(a.d, b.d));
      if (op === '//') return dimValue(div(a.d, b.d));
      if (op === '/' || op === '**') return array([]);
      return dimValue(null);
    }
    if (a.k === 'tuple' || b.k === 'tuple') return UNKNOWN;
    const sa = operandShape(a);
    const sb = operandShape(b);
    if (sa === undefined || sb === undefined) return UNKNOWN;
    if (op === '@') {
      const res = matmulShape(sa, sb, 'matmul');
      if (res.conflict) this.warn(n, `${this.short(l)} ${fmtShape(sa)} @ ${this.short(r)} ${fmtShape(sb)}: inner dimensions ${fmtConflicts([res.conflict])}`);
      // After a proven error the result's shape is anyone's guess: no cascade of warnings.
      return array(res.conflict ? null : res.shape);
    }
    const res = broadcast(sa, sb);
    const compare = /^(==|!=|<|>|<=|>=|in|not in|is|is not)$/.test(op);
    // `==` and `!=` of mismatched shapes fall back to a plain False in some numpy versions: not proven.
    const lenient = /^(==|!=|in|not in|is|is not)$/.test(op);
    if (res.conflicts.length && !lenient) this.warn(n, `cannot broadcast ${this.short(l)} ${fmtShape(sa)} ${op} ${this.short(r)} ${fmtShape(sb)}: ${fmtConflicts(res.conflicts)}`);
    const dtype: DType | undefined = compare ? 'bool' : a.k === 'array' && b.k === 'array' && a.dtype === 'int' && b.dtype === 'int' ? 'int' : undefined;
    return array(res.shape, dtype);
  }

  // ---- attribute and subscript

  protected attribute(n: SyntaxNode, env: Env): Value {
    const obj = n.firstChild;
    const prop = n.getChild('PropertyName');
    if (!obj || !prop) return this.generic(n, env);
    const v = this.expr(obj, env);
    const name = this.src(prop);
    if (v.k !== 'array') return UNKNOWN;
    if (name === 'shape') return v.shape === null ? UNKNOWN : this.resultFact(prop, n, { k: 'tuple', items: v.shape.map(dimValue) });
    if (name === 'T') return this.resultFact(prop, n, array(transposeShape(v.shape), v.dtype));
    if (name === 'ndim') return dimValue(v.shape === null ? null : num(v.shape.length));
    if (name === 'size') {
      if (v.shape === null) return dimValue(null);
      let p: Poly | null = num(1);
      for (const d of v.shape) p = p === null || d === null ? null : mul(p, d);
      return dimValue(p);
    }
    return UNKNOWN;
  }

  protected paramKey(n: SyntaxNode): string | null {
    const str = n.getChild('String');
    const obj = n.firstChild;
    if (!str || !obj) return null;
    return stringContent(this.src(str));
  }

  protected subscript(n: SyntaxNode, env: Env): Value {
    const obj = n.firstChild;
    if (!obj) return UNKNOWN;
    // self.params['Wx'] and the open dataset's arrays.
    const key = this.paramKey(n);
    if (key !== null && children(n).filter((c) => !isPunct(c)).length === 2) {
      if (/(^|\.)params$/.test(this.src(obj))) {
        this.expr(obj, env);
        return this.modelParam(key);
      }
      const ds = this.ctx.datasetKeys.find((k) => k.key === key);
      this.expr(obj, env);
      if (ds) return array(ds.shape.map(num), /int/.test(ds.dtype) ? 'int' : /bool/.test(ds.dtype) ? 'bool' : 'float');
      return UNKNOWN;
    }
    const base = this.expr(obj, env);
    const groups: SyntaxNode[][] = [[]];
    let open = false;
    for (const c of children(n)) {
      if (c === obj) continue;
      if (c.name === '[') {
        open = true;
        continue;
      }
      if (!open) continue;
      if (c.name === ']') break;
      if (c.name === ',') groups.push([]);
      else groups[groups.length - 1].push(c);
    }
    if (groups.length === 1 && groups[0].length === 0) return UNKNOWN;
    if (base.k === 'tuple') {
      const g = groups[0];
      if (groups.length !== 1 || g.length !== 1) {
        for (const x of groups.flat()) if (isExpr(x)) this.expr(x, env);
        return UNKNOWN;
      }
      const iv = this.expr(g[0], env);
      const i = iv.k === 'dim' && iv.d !== null ? constValue(iv.d) : null;
      if (i === null) return UNKNOWN;
      const idx = i < 0 ? i + base.items.length : i;
      return base.items[idx] ?? UNKNOWN;
    }
    if (base.k !== 'array' || base.shape === null) {
      for (const x of groups.flat()) if (isExpr(x)) this.expr(x, env);
      return UNKNOWN;
    }
    return this.index(base.shape, base.dtype, groups, env);
  }

  protected index(shape: readonly Dim[], dtype: DType | undefined, groups: SyntaxNode[][], env: Env): Value {
    const parts: IndexPart[] = [];
    let axis = 0;
    for (const g of groups) {
      const hasColon = g.some((c) => c.name === ':');
      if (hasColon) {
        const segs: (SyntaxNode | null)[] = [null];
        for (const c of g) {
          if (c.name === ':') segs.push(null);
          else segs[segs.length - 1] = c;
        }
        const [start, stop, step] = segs.map((x) => (x ? this.expr(x, env) : null));
        const d = axis < shape.length ? shape[axis] : null;
        parts.push({ k: 'slice', len: sliceLen(d, start, stop, step) });
        axis++;
        continue;
      }
      const e = g.find(isExpr) ?? g[0];
      if (!e) continue;
      if (e.name === 'None') {
        parts.push({ k: 'new' });
        continue;
      }
      if (e.name === 'Ellipsis') {
        parts.push({ k: 'ellipsis' });
        continue;
      }
      const v = this.expr(e, env);
      axis++;
      if (v.k === 'dim') parts.push({ k: 'drop' });
      // Only integer arrays index by position; a mask (or an array of unknown dtype) may be boolean.
      else if (v.k === 'array' && v.dtype === 'int') parts.push({ k: 'adv', shape: v.shape });
      else if (v.k === 'tuple' && v.list && v.items.every((x) => x.k === 'dim')) parts.push({ k: 'adv', shape: [num(v.items.length)] });
      else parts.push({ k: 'unknown' });
    }
    return applyIndex(shape, dtype, parts);
  }

  protected modelParam(key: string): Value {
    const rnn = MODEL_PARAMS.rnn[key];
    const lstm = MODEL_PARAMS.lstm[key];
    if (!rnn || !lstm) return UNKNOWN;
    const toShape = (spec: readonly string[]): Dim[] => spec.map((d) => parseDim(d));
    if (this.cell === 'rnn') return array(toShape(rnn));
    if (this.cell === 'lstm') return array(toShape(lstm));
    return joinValues(array(toShape(rnn)), array(toShape(lstm)));
  }

  // ---- calls
}
