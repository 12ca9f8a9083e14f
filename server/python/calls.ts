/**
 * Calls: numpy functions and array methods (numpy.ts), builtins (`len`, `int`), and the layers,
 * whose arguments are matched against their signatures (docstring or engine): a proven mismatch
 * is a diagnostic, and the outputs take the shapes the bound letters give.
 */
import type { SyntaxNode } from '@lezer/common';
import { fmtShape, letters, num, substitute } from './dims';
import { ExpressionRules } from './expressions';
import { methodCall, numpyCall, type CallArgs } from './numpy';
import type { Env } from './scope';
import { engineSig, hasShapes } from './signature';
import { children, isExpr } from './syntax';
import { array, dimValue, fmtConflicts, unify, UNKNOWN, type Bindings, type Value } from './values';

const NUMPY_NAMES = new Set(['np', 'numpy']);
/** Python-level elementwise helpers CS231n files define without shapes in their docstrings. */
const ELEMENTWISE_HELPERS = new Set(['sigmoid', 'relu', 'tanh']);

export abstract class CallRules extends ExpressionRules {
  protected callee(n: SyntaxNode): { np?: string; method?: { obj: SyntaxNode; name: string }; fn?: { name: string; node: SyntaxNode } } {
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

  protected args(n: SyntaxNode, env: Env): CallArgs {
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

  protected call(n: SyntaxNode, env: Env): Value {
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

  protected functionCall(name: string, nameNode: SyntaxNode, a: CallArgs, env: Env): Value {
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
