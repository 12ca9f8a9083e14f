/**
 * Statements, in program order: definitions (a function's parameters take their docstring or
 * engine shapes), assignments and stores, augmented assignments, returns checked against the
 * docstring, branches on the cell type, loops. The module's names and signatures are what is left.
 */
import type { SyntaxNode, Tree } from '@lezer/common';
import type { CellType } from '../../core/signatures';
import { constValue, fmtShape, polyEq } from './dims';
import { parseDocstring, stringContent } from './docstring';
import { CallRules } from './calls';
import type { ModuleState } from './results';
import { MAX_DEPTH, OUTSIDE_LAYERS, type Env } from './scope';
import { engineSig, fromDocstring, fromEngine, hasShapes, type ShapeSig } from './signature';
import { children, isExpr, isPunct } from './syntax';
import { array, dimValue, fmtConflicts, joinValues, operandShape, UNKNOWN, type DimConflict, type Value } from './values';

interface DefInfo {
  readonly name: string;
  readonly nameNode: SyntaxNode;
  readonly params: readonly { name: string; node: SyntaxNode }[];
  readonly body: SyntaxNode | null;
  readonly sig: ShapeSig;
}

/** The whole analysis: statements over expressions over calls, over one scope. */
export class Analyzer extends CallRules {
  run(tree: Tree, seed?: ModuleState): ModuleState {
    const top = tree.topNode;
    if (seed) for (const [k, v] of seed.sigs) this.localSigs.set(k, v);
    this.collectSigs(top);
    const env: Env = new Map(seed?.env);
    this.block(children(top), env);
    return { env, sigs: this.localSigs };
  }

  /** Docstring signatures of every function in the file, so calls may precede definitions. */
  protected collectSigs(node: SyntaxNode): void {
    for (const c of children(node)) {
      if (c.name === 'FunctionDefinition') {
        const info = this.defInfo(c);
        if (info) this.localSigs.set(info.name, info.sig);
      } else if (c.name === 'ClassDefinition' || c.name === 'DecoratedStatement' || c.name === 'Body') {
        this.collectSigs(c);
      }
    }
  }

  protected readonly defInfos = new Map<number, DefInfo | null>();

  /** Name, parameters and signature of a definition; computed once (collectSigs and the pass both ask). */
  protected defInfo(def: SyntaxNode): DefInfo | null {
    let info = this.defInfos.get(def.from);
    if (info === undefined) {
      info = this.readDef(def);
      this.defInfos.set(def.from, info);
    }
    return info;
  }

  protected readDef(def: SyntaxNode): DefInfo | null {
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

  protected docstring(body: SyntaxNode): string | null {
    const first = children(body).find((c) => c.name !== ':');
    if (first?.name !== 'ExpressionStatement') return null;
    const s = first.firstChild;
    return s?.name === 'String' ? stringContent(this.src(s)) : null;
  }

  protected functionDef(def: SyntaxNode): void {
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
  protected cacheFromForward(name: string): Value {
    const m = /^(.*)_backward$/.exec(name);
    return (m && this.forwardCaches.get(`${m[1]}_forward`)) ?? UNKNOWN;
  }

  // ---------------------------------------------------------------- statements

  protected block(stmts: SyntaxNode[], env: Env): void {
    for (const s of stmts) {
      try {
        this.statement(s, env);
      } catch (e) {
        // A construct the rules do not cover must not cost the rest of the file its hovers.
        this.errors.push(`line ${this.text.slice(0, s.from).split('\n').length}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      }
    }
  }

  /** One statement; nested deeper than MAX_DEPTH it is skipped (no facts, no warnings). */
  protected statement(s: SyntaxNode, env: Env): void {
    if (this.depth >= MAX_DEPTH) return;
    this.depth++;
    try {
      this.statementAt(s, env);
    } finally {
      this.depth--;
    }
  }

  private statementAt(s: SyntaxNode, env: Env): void {
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
  protected mergeInto(env: Env, other: Env): void {
    for (const [k, v] of env) {
      const o = other.get(k);
      env.set(k, o === undefined ? v : joinValues(v, o));
    }
  }

  protected assign(s: SyntaxNode, env: Env): void {
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
  protected sequence(nodes: SyntaxNode[], env: Env): Value {
    const exprs = nodes.filter((n) => !isPunct(n));
    const hasComma = nodes.some((n) => n.name === ',');
    if (exprs.length === 1 && !hasComma) return this.expr(exprs[0], env);
    return { k: 'tuple', items: exprs.map((e) => this.expr(e, env)) };
  }

  protected bindTarget(nodes: SyntaxNode[], value: Value, env: Env): void {
    const targets = nodes.filter((n) => !isPunct(n));
    const hasComma = nodes.some((n) => n.name === ',');
    if (targets.length === 1 && !hasComma) {
      this.bindOne(targets[0], value, env);
      return;
    }
    const items = value.k === 'tuple' && value.items.length === targets.length ? value.items : null;
    targets.forEach((t, i) => this.bindOne(t, items ? items[i] : UNKNOWN, env));
  }

  protected bindOne(t: SyntaxNode, value: Value, env: Env): void {
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
  protected checkStore(target: SyntaxNode, slot: Value, value: Value): void {
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

  protected update(s: SyntaxNode, env: Env): void {
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

  protected returnStmt(s: SyntaxNode, env: Env): void {
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
  protected cellCondition(cond: SyntaxNode): { cell: CellType; equal: boolean } | null {
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

  protected ifStmt(s: SyntaxNode, env: Env): void {
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

  protected forStmt(s: SyntaxNode, env: Env): void {
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

}
