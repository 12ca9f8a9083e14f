/**
 * Shape inference over a Python file written in the CS231n style. One pass per function, in
 * program order: parameters take their docstring (or engine) shapes, assignments carry shapes
 * through numpy operations, calls of layers are matched against their signatures. Every name
 * occurrence gets a fact for hovers; proven disagreements become diagnostics.
 */
import type { SyntaxNode, Tree } from '@lezer/common';
import { MODEL_PARAMS, type CellType } from '../../core/signatures';
import type { DatasetKeyInfo } from '../../protocol/lsp';
import {
  add, constValue, div, fmtShape, letters, mul, neg, num, parseDim, polyEq, sub, substitute, type Dim, type Poly,
} from './dims';
import { parseDocstring, stringContent } from './docstring';
import { applyIndex, sliceLen, type IndexPart } from './indexing';
import { methodCall, numpyCall, type CallArgs } from './numpy';
import { parsePython } from './parse';
import { engineSig, fromDocstring, fromEngine, hasShapes, type ShapeSig } from './signature';
import {
  array, broadcast, dimValue, fmtConflicts, joinValues, matmulShape, operandShape, transposeShape, unify, UNKNOWN, type Bindings, type DimConflict, type DType, type Value,
} from './values';

/** What inference needs from the extension: the cell type picks the parameters' shapes. */
export interface AnalysisContext {
  readonly cellType: CellType | null;
  readonly datasetKeys: readonly DatasetKeyInfo[];
}

export type Fact =
  | { readonly kind: 'value'; readonly from: number; readonly to: number; readonly name: string; readonly value: Value; readonly letters?: Readonly<Record<string, string | null>> }
  | { readonly kind: 'layer'; readonly from: number; readonly to: number; readonly sig: ShapeSig };

export interface ShapeDiagnostic {
  readonly from: number;
  readonly to: number;
  readonly message: string;
}

export interface PyAnalysis {
  readonly tree: Tree;
  readonly text: string;
  /** Sorted by `from`; innermost facts never overlap (they sit on names). */
  readonly facts: readonly Fact[];
  readonly diagnostics: readonly ShapeDiagnostic[];
  /** Statements the analysis failed on (a bug in the rules, logged by the server, never thrown). */
  readonly errors: readonly string[];
  /** Module-level names after the last statement, and every function signature seen (notebook cells below read them). */
  readonly module: ModuleState;
}

/** What a piece of code leaves at module level: what the next notebook cell starts from. */
export interface ModuleState {
  readonly env: ReadonlyMap<string, Value>;
  readonly sigs: ReadonlyMap<string, ShapeSig>;
}

type Env = Map<string, Value>;

/** Letters whose pushed number does not hold outside the engine's layers (see functionDef). */
const OUTSIDE_LAYERS: Readonly<Record<string, string | null>> = { T: null };

interface DefInfo {
  readonly name: string;
  readonly nameNode: SyntaxNode;
  readonly params: readonly { name: string; node: SyntaxNode }[];
  readonly body: SyntaxNode | null;
  readonly sig: ShapeSig;
}

interface FnScope {
  readonly name: string;
  readonly sig?: ShapeSig;
  readonly letters?: Readonly<Record<string, string | null>>;
  lastReturn?: Value[];
}

const NUMPY_NAMES = new Set(['np', 'numpy']);
/** Python-level elementwise helpers CS231n files define without shapes in their docstrings. */
const ELEMENTWISE_HELPERS = new Set(['sigmoid', 'relu', 'tanh']);

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

const isPunct = (n: SyntaxNode): boolean => n.name === ',' || n.name === '(' || n.name === ')' || n.name === '[' || n.name === ']';
/** By name: the grammar gives the same name to several node types, not all in its Expression group. */
const EXPRESSIONS = new Set([
  'BinaryExpression', 'UnaryExpression', 'AwaitExpression', 'ParenthesizedExpression', 'VariableName',
  'TupleExpression', 'ComprehensionExpression', 'ArrayExpression', 'ArrayComprehensionExpression',
  'DictionaryExpression', 'DictionaryComprehensionExpression', 'SetExpression', 'SetComprehensionExpression',
  'CallExpression', 'MemberExpression', 'Number', 'String', 'FormatString', 'ContinuedString', 'Ellipsis',
  'None', 'Boolean', 'ConditionalExpression', 'LambdaExpression', 'NamedExpression',
]);
const isExpr = (n: SyntaxNode): boolean => EXPRESSIONS.has(n.name) || n.type.is('Expression');

class Analyzer {
  readonly facts: Fact[] = [];
  readonly diagnostics: ShapeDiagnostic[] = [];
  /** Internal failures, one per statement skipped; the server logs them. */
  readonly errors: string[] = [];
  private readonly localSigs = new Map<string, ShapeSig>();
  private readonly forwardCaches = new Map<string, Value>();
  /** > 0 inside a branch the current cell type never takes: facts yes, warnings no. */
  private dead = 0;
  private cell: CellType | null;
  private fn: FnScope = { name: '<module>', letters: OUTSIDE_LAYERS };

  private readonly ops = {
    src: (n: SyntaxNode): string => this.src(n),
    short: (n: SyntaxNode): string => this.short(n),
    warn: (n: SyntaxNode, message: string): void => this.warn(n, message),
    binary: (n: SyntaxNode, op: string, a: Value, b: Value, l: SyntaxNode, r: SyntaxNode): Value => this.binary(n, op, a, b, l, r),
  };

  constructor(private readonly text: string, private readonly ctx: AnalysisContext) {
    this.cell = ctx.cellType;
  }

  private src(n: SyntaxNode): string {
    return this.text.slice(n.from, n.to);
  }

  private short(n: SyntaxNode): string {
    const s = this.src(n).replace(/\s+/g, ' ');
    return s.length > 40 ? s.slice(0, 39) + '…' : s;
  }

  private warn(n: SyntaxNode, message: string): void {
    if (this.dead > 0) return;
    this.diagnostics.push({ from: n.from, to: n.to, message });
  }

  private fact(n: SyntaxNode, name: string, value: Value): void {
    this.facts.push(this.fn.letters ? { kind: 'value', from: n.from, to: n.to, name, value, letters: this.fn.letters } : { kind: 'value', from: n.from, to: n.to, name, value });
  }

  // ---------------------------------------------------------------- module, functions

  run(tree: Tree, seed?: ModuleState): ModuleState {
    const top = tree.topNode;
    if (seed) for (const [k, v] of seed.sigs) this.localSigs.set(k, v);
    this.collectSigs(top);
    const env: Env = new Map(seed?.env);
    this.block(children(top), env);
    return { env, sigs: this.localSigs };
  }

  /** Docstring signatures of every function in the file, so calls may precede definitions. */
  private collectSigs(node: SyntaxNode): void {
    for (const c of children(node)) {
      if (c.name === 'FunctionDefinition') {
        const info = this.defInfo(c);
        if (info) this.localSigs.set(info.name, info.sig);
      } else if (c.name === 'ClassDefinition' || c.name === 'DecoratedStatement' || c.name === 'Body') {
        this.collectSigs(c);
      }
    }
  }

  private readonly defInfos = new Map<number, DefInfo | null>();

  /** Name, parameters and signature of a definition; computed once (collectSigs and the pass both ask). */
  private defInfo(def: SyntaxNode): DefInfo | null {
    let info = this.defInfos.get(def.from);
    if (info === undefined) {
      info = this.readDef(def);
      this.defInfos.set(def.from, info);
    }
    return info;
  }

  private readDef(def: SyntaxNode): DefInfo | null {
    const nameNode = def.getChild('VariableName');
    if (!nameNode) return null;
    const name = this.src(nameNode);
    const params: { name: string; node: SyntaxNode }[] = [];
    const list = def.getChild('ParamList');
    if (list) {
      let expect = true;
      for (const c of children(list)) {
        if (c.name === '(' || c.name === ',' || c.name === '*' || c.name === '**') expect = true;
        else if (c.name === 'VariableName' && expect) {
          params.push({ name: this.src(c), node: c });
          expect = false;
        } else expect = false;
      }
    }
    const body = def.getChild('Body');
    const doc = body ? this.docstring(body) : null;
    const names = params.map((p) => p.name).filter((p) => p !== 'self' && p !== 'cls');
    const fromDoc = doc !== null ? fromDocstring(name, names, parseDocstring(doc, names)) : null;
    const engine = engineSig(name);
    const sig = fromDoc && (hasShapes(fromDoc) || !engine) ? fromDoc : engine ? fromEngine(engine, names) : { name, params: names, inputs: [], outputs: [], source: 'docstring' as const };
    return { name, nameNode, params, body, sig };
  }

  private docstring(body: SyntaxNode): string | null {
    const first = children(body).find((c) => c.name !== ':');
    if (first?.name !== 'ExpressionStatement') return null;
    const s = first.firstChild;
    return s?.name === 'String' ? stringContent(this.src(s)) : null;
  }

  private functionDef(def: SyntaxNode): void {
    const info = this.defInfo(def);
    if (!info) {
      for (const c of children(def)) if (c.name === 'Body') this.block(children(c), new Map());
      return;
    }
    const { sig } = info;
    if (hasShapes(sig)) this.facts.push({ kind: 'layer', from: info.nameNode.from, to: info.nameNode.to, sig });
    const outer = this.fn;
    // Inside an engine layer its letters map to the model's sizes as the table says. Elsewhere
    // (the model's own methods) T is the stored caption length, one more than the pushed T.
    const letters = engineSig(info.name) ? sig.modelLetters : OUTSIDE_LAYERS;
    this.fn = { name: info.name, sig, ...(letters ? { letters } : {}) };
    try {
      const env: Env = new Map();
      const docShapes = new Map(sig.inputs.map((a) => [a.name, a]));
      for (const p of info.params) {
        const a = docShapes.get(p.name);
        let v: Value = a?.shape ? array(a.shape, a.dtype) : UNKNOWN;
        if (p.name === 'cache' && v.k === 'unknown') v = this.cacheFromForward(info.name);
        env.set(p.name, v);
        if (v.k !== 'unknown') this.fact(p.node, p.name, v);
      }
      // Default values still get their facts.
      const list = def.getChild('ParamList');
      if (list) for (const c of children(list)) if (isExpr(c) && c.name !== 'VariableName') this.expr(c, env);
      if (info.body) this.block(children(info.body), env);
      const ret = this.fn.lastReturn;
      const cacheIdx = sig.outputs.findIndex((o) => o.name === 'cache');
      if (ret && /_forward$/.test(info.name)) {
        const idx = cacheIdx >= 0 && cacheIdx < ret.length ? cacheIdx : ret.length - 1;
        if (ret.length > 1 && idx >= 0) this.forwardCaches.set(info.name, ret[idx]);
      }
    } finally {
      this.fn = outer;
    }
  }

  /** `X_backward(dout, cache)` receives what `X_forward` in the same file returned as its cache. */
  private cacheFromForward(name: string): Value {
    const m = /^(.*)_backward$/.exec(name);
    return (m && this.forwardCaches.get(`${m[1]}_forward`)) ?? UNKNOWN;
  }

  // ---------------------------------------------------------------- statements

  private block(stmts: SyntaxNode[], env: Env): void {
    for (const s of stmts) {
      try {
        this.statement(s, env);
      } catch (e) {
        // A construct the rules do not cover must not cost the rest of the file its hovers.
        this.errors.push(`line ${this.text.slice(0, s.from).split('\n').length}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      }
    }
  }

  private statement(s: SyntaxNode, env: Env): void {
    switch (s.name) {
      case 'FunctionDefinition':
        this.functionDef(s);
        return;
      case 'ClassDefinition': {
        for (const c of children(s)) if (c.name === 'ArgList') this.expr(c, env);
        const body = s.getChild('Body');
        if (body) this.block(children(body), new Map());
        return;
      }
      case 'DecoratedStatement':
      case 'Body':
        this.block(children(s), env);
        return;
      case 'AssignStatement':
        this.assign(s, env);
        return;
      case 'UpdateStatement':
        this.update(s, env);
        return;
      case 'ReturnStatement':
        this.returnStmt(s, env);
        return;
      case 'IfStatement':
        this.ifStmt(s, env);
        return;
      case 'ForStatement':
        this.forStmt(s, env);
        return;
      case 'WhileStatement': {
        const before = new Map(env);
        for (const c of children(s)) {
          if (c.name === 'Body') this.block(children(c), env);
          else if (isExpr(c)) this.expr(c, env);
        }
        this.mergeInto(env, before);
        return;
      }
      default:
        for (const c of children(s)) {
          if (c.name === 'Body') this.block(children(c), env);
          else if (isExpr(c)) this.expr(c, env);
          else if (c.type.is('Statement')) this.statement(c, env);
        }
    }
  }

  /** After a loop or a one-armed if: a name keeps its shape only where both paths agree. */
  private mergeInto(env: Env, other: Env): void {
    for (const [k, v] of env) {
      const o = other.get(k);
      env.set(k, o === undefined ? v : joinValues(v, o));
    }
  }

  private assign(s: SyntaxNode, env: Env): void {
    const parts: SyntaxNode[][] = [[]];
    for (const c of children(s)) {
      if (c.name === 'AssignOp') parts.push([]);
      else if (c.name !== 'TypeDef') parts[parts.length - 1].push(c);
    }
    const rhsNodes = parts[parts.length - 1];
    const value = this.sequence(rhsNodes, env);
    for (const target of parts.slice(0, -1)) this.bindTarget(target, value, env);
  }

  /** `a` or `a, b` (flat, as lezer gives unparenthesised tuples). */
  private sequence(nodes: SyntaxNode[], env: Env): Value {
    const exprs = nodes.filter((n) => !isPunct(n));
    const hasComma = nodes.some((n) => n.name === ',');
    if (exprs.length === 1 && !hasComma) return this.expr(exprs[0], env);
    return { k: 'tuple', items: exprs.map((e) => this.expr(e, env)) };
  }

  private bindTarget(nodes: SyntaxNode[], value: Value, env: Env): void {
    const targets = nodes.filter((n) => !isPunct(n));
    const hasComma = nodes.some((n) => n.name === ',');
    if (targets.length === 1 && !hasComma) {
      this.bindOne(targets[0], value, env);
      return;
    }
    const items = value.k === 'tuple' && value.items.length === targets.length ? value.items : null;
    targets.forEach((t, i) => this.bindOne(t, items ? items[i] : UNKNOWN, env));
  }

  private bindOne(t: SyntaxNode, value: Value, env: Env): void {
    switch (t.name) {
      case 'VariableName': {
        const name = this.src(t);
        // A list literal in a variable is appended to later: its length is not known.
        if (value.k === 'tuple' && value.list) value = UNKNOWN;
        env.set(name, value);
        if (value.k !== 'unknown') this.fact(t, name, value);
        return;
      }
      case 'TupleExpression':
      case 'ArrayExpression':
      case 'ParenthesizedExpression':
        this.bindTarget(children(t), value, env);
        return;
      case 'MemberExpression': {
        if (t.getChild('[')) {
          const slot = this.expr(t, env);
          this.checkStore(t, slot, value);
        } else this.expr(t, env);
        return;
      }
      default:
        if (isExpr(t)) this.expr(t, env);
    }
  }

  /** `h[:, t, :] = next_h`: the value must broadcast into the slot. */
  private checkStore(target: SyntaxNode, slot: Value, value: Value): void {
    if (slot.k !== 'array' || slot.shape === null) return;
    const v = operandShape(value);
    if (v === undefined || v === null) return;
    const conflicts: DimConflict[] = [];
    if (v.length > slot.shape.length) return; // numpy may still squeeze leading 1s; not proven
    for (let i = 1; i <= v.length; i++) {
      const a = v[v.length - i];
      const b = slot.shape[slot.shape.length - i];
      if (a !== null && b !== null && constValue(a) !== 1 && !polyEq(a, b)) conflicts.push({ a, b });
    }
    if (conflicts.length) this.warn(target, `cannot store ${fmtShape(v)} into ${this.short(target)} ${fmtShape(slot.shape)}: ${fmtConflicts(conflicts)}`);
  }

  private update(s: SyntaxNode, env: Env): void {
    const [target, op, rhs] = [s.firstChild, s.getChild('UpdateOp'), s.lastChild];
    if (!target || !op || !rhs || rhs === op) return;
    const old = this.expr(target, env);
    const value = this.expr(rhs, env);
    const opText = this.src(op).slice(0, -1);
    const result = this.binary(s, opText, old, value, target, rhs);
    if (target.name === 'VariableName' && result.k !== 'unknown') {
      const keep = old.k === 'array' && result.k === 'array' && old.shape !== null ? old : result;
      env.set(this.src(target), keep);
    }
  }

  private returnStmt(s: SyntaxNode, env: Env): void {
    const nodes = children(s).filter((c) => c.name !== 'return');
    if (nodes.length === 0) return;
    const value = this.sequence(nodes, env);
    const exprs = nodes.filter((n) => !isPunct(n));
    const values = value.k === 'tuple' && exprs.length > 1 ? [...value.items] : [value];
    this.fn.lastReturn = values;
    const outs = this.fn.sig?.source === 'docstring' ? this.fn.sig.outputs : undefined;
    if (!outs || outs.length !== values.length) return;
    outs.forEach((o, i) => {
      const v = values[i];
      if (!o.shape || v.k !== 'array' || v.shape === null) return;
      const n = exprs.length === values.length ? exprs[i] : s;
      if (v.shape.length !== o.shape.length) {
        this.warn(n, `${this.fn.name} returns ${this.short(n)} ${fmtShape(v.shape)} where the docstring says ${o.name}: ${fmtShape(o.shape)} (${v.shape.length} dimensions ≠ ${o.shape.length})`);
        return;
      }
      const cs: DimConflict[] = [];
      v.shape.forEach((d, j) => {
        const want = o.shape?.[j] ?? null;
        if (d !== null && want !== null && !polyEq(d, want)) cs.push({ a: d, b: want });
      });
      if (cs.length) this.warn(n, `${this.fn.name} returns ${this.short(n)} ${fmtShape(v.shape)} where the docstring says ${o.name}: ${fmtShape(o.shape)}: ${fmtConflicts(cs)}`);
    });
  }

  /** `self.cell_type == 'rnn'`: true/false under the current cell type, null when unknown. */
  private cellCondition(cond: SyntaxNode): { cell: CellType; equal: boolean } | null {
    if (cond.name !== 'BinaryExpression') return null;
    const [l, op, r] = children(cond);
    if (!l || !op || !r || op.name !== 'CompareOp') return null;
    const opText = this.src(op);
    if (opText !== '==' && opText !== '!=') return null;
    const member = l.name === 'String' ? r : l;
    const str = l.name === 'String' ? l : r;
    if (str.name !== 'String' || !/(^|\.)cell_type$/.test(this.src(member))) return null;
    const cell = stringContent(this.src(str));
    if (cell !== 'rnn' && cell !== 'lstm') return null;
    return { cell, equal: opText === '==' };
  }

  private ifStmt(s: SyntaxNode, env: Env): void {
    const before = new Map(env);
    const branches: Env[] = [];
    let hasElse = false;
    let cond: { cell: CellType; equal: boolean } | null = null;
    let seenCells: CellType[] = [];
    for (const c of children(s)) {
      if (c.name === 'else') hasElse = true;
      if (c.name === 'Body') {
        const branch = new Map(before);
        // Inside `if self.cell_type == 'rnn':` the parameters are the rnn ones; the else arm
        // of a two-way split is the other cell.
        let branchCell: CellType | null = null;
        if (cond) branchCell = cond.equal ? cond.cell : cond.cell === 'rnn' ? 'lstm' : 'rnn';
        else if (hasElse && seenCells.length === 1) branchCell = seenCells[0] === 'rnn' ? 'lstm' : 'rnn';
        const savedCell = this.cell;
        const isDead = branchCell !== null && this.ctx.cellType !== null && branchCell !== this.ctx.cellType;
        if (branchCell !== null) this.cell = branchCell;
        if (isDead) this.dead++;
        try {
          this.block(children(c), branch);
        } finally {
          if (isDead) this.dead--;
          this.cell = savedCell;
        }
        if (branchCell !== null) seenCells = [...seenCells, branchCell];
        // A branch the current cell type never takes does not shape what follows.
        if (!isDead) branches.push(branch);
        cond = null;
      } else if (isExpr(c)) {
        this.expr(c, env);
        cond = this.cellCondition(c);
        if (!cond) seenCells = [seenCells[0] ?? 'rnn', 'lstm']; // any other condition: no inference for else
      }
    }
    if (!hasElse || branches.length === 0) branches.push(before);
    const names = new Set(branches.flatMap((b) => [...b.keys()]));
    for (const name of names) {
      let v: Value | undefined;
      for (const b of branches) {
        const x = b.get(name) ?? UNKNOWN;
        v = v === undefined ? x : joinValues(v, x);
      }
      env.set(name, v ?? UNKNOWN);
    }
  }

  private forStmt(s: SyntaxNode, env: Env): void {
    const all = children(s);
    const inIdx = all.findIndex((c) => c.name === 'in');
    const targets = all.slice(1, inIdx < 0 ? 1 : inIdx);
    const iter = inIdx >= 0 ? all.slice(inIdx + 1).find(isExpr) : undefined;
    const it = iter ? this.expr(iter, env) : UNKNOWN;
    let item: Value = UNKNOWN;
    if (iter && iter.name === 'CallExpression' && /^(range|reversed)$/.test(this.src(iter.firstChild ?? iter))) item = dimValue(null);
    else if (it.k === 'array' && it.shape !== null && it.shape.length > 0) item = array(it.shape.slice(1), it.dtype);
    const before = new Map(env);
    this.bindTarget(targets, item, env);
    for (const c of all) if (c.name === 'Body') this.block(children(c), env);
    this.mergeInto(env, before);
  }

  // ---------------------------------------------------------------- expressions

  private expr(n: SyntaxNode, env: Env): Value {
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
  private generic(n: SyntaxNode, env: Env): Value {
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
  private innerScope(n: SyntaxNode, env: Env): Env {
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

  private binary(n: SyntaxNode, op: string, a: Value, b: Value, l: SyntaxNode, r: SyntaxNode): Value {
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

  private attribute(n: SyntaxNode, env: Env): Value {
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

  private paramKey(n: SyntaxNode): string | null {
    const str = n.getChild('String');
    const obj = n.firstChild;
    if (!str || !obj) return null;
    return stringContent(this.src(str));
  }

  private subscript(n: SyntaxNode, env: Env): Value {
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

  private index(shape: readonly Dim[], dtype: DType | undefined, groups: SyntaxNode[][], env: Env): Value {
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

  private modelParam(key: string): Value {
    const rnn = MODEL_PARAMS.rnn[key];
    const lstm = MODEL_PARAMS.lstm[key];
    if (!rnn || !lstm) return UNKNOWN;
    const toShape = (spec: readonly string[]): Dim[] => spec.map((d) => parseDim(d));
    if (this.cell === 'rnn') return array(toShape(rnn));
    if (this.cell === 'lstm') return array(toShape(lstm));
    return joinValues(array(toShape(rnn)), array(toShape(lstm)));
  }

  // ---- calls

  private callee(n: SyntaxNode): { np?: string; method?: { obj: SyntaxNode; name: string }; fn?: { name: string; node: SyntaxNode } } {
    const c = n.firstChild;
    if (!c) return {};
    if (c.name === 'VariableName') return { fn: { name: this.src(c), node: c } };
    if (c.name === 'MemberExpression' && !c.getChild('[')) {
      const prop = c.getChild('PropertyName');
      const obj = c.firstChild;
      if (!prop || !obj) return {};
      const path = this.src(c).replace(/\s+/g, '');
      const m = /^(np|numpy)\.([A-Za-z_][\w.]*)$/.exec(path);
      if (m && NUMPY_NAMES.has(m[1])) return { np: m[2] };
      return { method: { obj, name: this.src(prop) } };
    }
    return {};
  }

  private args(n: SyntaxNode, env: Env): CallArgs {
    const list = n.getChild('ArgList');
    const pos: { node: SyntaxNode; value: Value }[] = [];
    const kw = new Map<string, { node: SyntaxNode; value: Value }>();
    let starred = false;
    if (!list) return { pos, kw, starred };
    const cs = children(list);
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i];
      if (c.name === '*' || c.name === '**') {
        starred = true;
        continue;
      }
      if (!isExpr(c)) continue;
      if (c.name === 'VariableName' && cs[i + 1]?.name === 'AssignOp' && cs[i + 2]) {
        const valueNode = cs[i + 2];
        kw.set(this.src(c), { node: valueNode, value: this.expr(valueNode, env) });
        i += 2;
        continue;
      }
      const v = this.expr(c, env);
      if (!starred || cs[i - 1]?.name !== '*') pos.push({ node: c, value: v });
    }
    return { pos, kw, starred };
  }

  private call(n: SyntaxNode, env: Env): Value {
    const callee = this.callee(n);
    let objValue: Value = UNKNOWN;
    if (callee.method) objValue = this.expr(callee.method.obj, env);
    else if (callee.fn) {
      /* the callee name itself is looked up below */
    } else if (!callee.np && n.firstChild) this.expr(n.firstChild, env);
    const a = this.args(n, env);
    const prop = n.firstChild?.getChild('PropertyName') ?? null;
    if (callee.np) return this.resultFact(prop, n, numpyCall(this.ops, n, callee.np, a));
    if (callee.method) {
      // `layers.rnn_forward(...)`: a layer reached through its module.
      const layer = objValue.k !== 'array' && prop && (this.localSigs.has(callee.method.name) || engineSig(callee.method.name));
      if (layer && prop) return this.functionCall(callee.method.name, prop, a, new Map());
      return this.resultFact(prop, n, methodCall(this.ops, n, callee.method.name, objValue, callee.method.obj, a));
    }
    if (callee.fn) return this.functionCall(callee.fn.name, callee.fn.node, a, env);
    return UNKNOWN;
  }

  /** Hovering `dot` of `np.dot(x, Wx)` (or `reshape`, `T`, `shape`) shows what the expression gives. */
  private resultFact(at: SyntaxNode | null, expr: SyntaxNode, v: Value): Value {
    const known = (v.k === 'array' && v.shape !== null) || v.k === 'tuple';
    if (at && known) this.fact(at, this.short(expr), v);
    return v;
  }

  private functionCall(name: string, nameNode: SyntaxNode, a: CallArgs, env: Env): Value {
    const local = env.get(name);
    if (local && local.k !== 'unknown') {
      this.fact(nameNode, name, local);
      return UNKNOWN;
    }
    if (name === 'len') {
      const v = a.pos[0]?.value;
      if (v?.k === 'array' && v.shape && v.shape.length > 0) return dimValue(v.shape[0]);
      if (v?.k === 'tuple') return dimValue(num(v.items.length));
      return dimValue(null);
    }
    if (name === 'int') return a.pos[0]?.value.k === 'dim' ? a.pos[0].value : dimValue(null);
    if (name === 'float') return array([]);
    if (name === 'range' || name === 'reversed' || name === 'zip' || name === 'enumerate') return UNKNOWN;
    const sig = this.localSigs.get(name) ?? engineSig(name);
    if (!sig || !hasShapes(sig)) {
      if (ELEMENTWISE_HELPERS.has(name) && a.pos.length === 1 && a.pos[0].value.k === 'array') return a.pos[0].value;
      return UNKNOWN;
    }
    this.facts.push({ kind: 'layer', from: nameNode.from, to: nameNode.to, sig });
    if (a.starred) return UNKNOWN;
    const bind: Bindings = new Map();
    const byName = new Map(sig.inputs.map((i) => [i.name, i]));
    const bound: { param: string; node: SyntaxNode; value: Value }[] = [];
    a.pos.forEach((p, i) => {
      const param = sig.params[i];
      if (param !== undefined) bound.push({ param, node: p.node, value: p.value });
    });
    for (const [k, v] of a.kw) bound.push({ param: k, node: v.node, value: v.value });
    // An output's shape holds when every letter in it comes from an argument seen to have its
    // documented rank. Layers accept more than their docstrings say (word_embedding_forward takes
    // (N,) as well as (N, T)), so a different rank is not warned about; it only leaves unknown
    // the outputs whose letters depended on it. A proven conflict fails the call at run time:
    // nothing after it holds, so its outputs are unknown too (no cascade of warnings).
    let failed = false;
    const seen = new Set<string>();
    for (const b of bound) {
      const spec = byName.get(b.param);
      if (!spec?.shape || b.value.k !== 'array' || b.value.shape === null) continue;
      const res = unify(spec.shape, b.value.shape, bind);
      if (res.rank) continue;
      for (const p of spec.shape) for (const l of letters(p)) seen.add(l);
      if (res.conflicts.length) {
        failed = true;
        this.warn(b.node, `${name}: argument ${b.param} gets ${this.short(b.node)} ${fmtShape(b.value.shape)}, expected ${fmtShape(res.expected)}: ${fmtConflicts(res.conflicts)}`);
      }
    }
    // Letters no input names (D of rnn_backward comes from the cache) are unknown sizes, not doubts.
    const fromInputs = new Set(sig.inputs.flatMap((i) => (i.shape ?? []).flatMap((p) => letters(p))));
    const outs = sig.outputs.map((o): Value => {
      if (!o.shape) return UNKNOWN;
      const grounded = !failed && o.shape.every((p) => letters(p).every((l) => seen.has(l) || !fromInputs.has(l)));
      return grounded ? array(o.shape.map((p) => substitute(p, bind)), o.dtype) : array(null, o.dtype);
    });
    if (outs.length === 0) return UNKNOWN;
    return outs.length === 1 ? outs[0] : { k: 'tuple', items: outs };
  }
}


/** `seed`: the module state the code starts from (a notebook cell: what the cells above left). */
export function analyzePython(text: string, ctx: AnalysisContext, seed?: ModuleState): PyAnalysis {
  const tree = parsePython(text);
  const an = new Analyzer(text, ctx);
  const module = an.run(tree, seed);
  const facts = [...an.facts].sort((x, y) => x.from - y.from || x.to - y.to);
  const seen = new Set<string>();
  const diagnostics = an.diagnostics.filter((d) => {
    const k = `${d.from}:${d.to}:${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { tree, text, facts, diagnostics, errors: an.errors, module };
}
