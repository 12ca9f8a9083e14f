/**
 * Finds the functions Gradient Lab can check in a Python file, with @lezer/python (the language
 * server's parser): module-level CS231n layer functions, recognised by name and arity, and the
 * `loss`/`sample` methods of a class that keeps `self.params`.
 */
import { parser } from './pythonParser';
import type { SyntaxNode } from '@lezer/common';
import { layerFunction, modelMethod, type FunctionSpec } from './specs';

export interface FoundFunction {
  /** `rnn_backward`, or `CaptioningRNN.loss` for a method. */
  qualified: string;
  name: string;
  spec: FunctionSpec;
  className?: string;
  /** 0-based position of the name after `def`. */
  line: number;
  character: number;
  endCharacter: number;
  /** 0-based line of `def` (or of the first decorator). */
  defLine: number;
  /** Parameters as written (without self). */
  params: string[];
  /** Set when the name matches but the signature does not: why it can't be checked. */
  problem?: string;
}

interface Param {
  name: string;
  hasDefault: boolean;
  star: '' | '*' | '**';
}

function params(list: SyntaxNode, src: string): Param[] {
  const out: Param[] = [];
  let cur: Param | null = null;
  let star: '' | '*' | '**' = '';
  for (let c = list.firstChild; c; c = c.nextSibling) {
    if (c.name === ',' || c.name === ')') {
      if (cur) out.push(cur);
      cur = null;
      star = '';
    } else if (c.name === '*' || c.name === '**') {
      star = c.name;
    } else if (c.name === 'VariableName' && !cur) {
      cur = { name: src.slice(c.from, c.to), hasDefault: false, star };
    } else if (c.name === 'AssignOp' && cur) {
      cur.hasDefault = true;
    }
  }
  return out;
}

/** Offsets at which each line of `src` starts. */
export function lineStarts(src: string): number[] {
  const starts = [0];
  for (let i = 0; i < src.length; i++) if (src.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** The 0-based line and character of `offset`, by binary search in `lineStarts`. */
export function position(starts: readonly number[], offset: number): { line: number; character: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - starts[lo] };
}

/** Does the signature fit CS231n's: the same number of required positional parameters, extras only with defaults? */
function signatureProblem(spec: FunctionSpec, ps: Param[], qualified: string): string | undefined {
  const positional = ps.filter((p) => p.star === '' && !p.hasDefault);
  const hasVar = ps.some((p) => p.star === '*');
  if (positional.length === spec.params.length || (hasVar && positional.length < spec.params.length)) return undefined;
  // Required parameters beyond CS231n's, or missing ones: the driver could not call it the CS231n way.
  return `${qualified} takes ${positional.length} required argument${positional.length === 1 ? '' : 's'} here; CS231n's takes ${spec.params.length}: ${spec.params.join(', ')}`;
}

function usesSelfParams(node: SyntaxNode, src: string): boolean {
  const text = src.slice(node.from, node.to);
  return /\bself\.params\b/.test(text);
}

export function findFunctions(src: string): FoundFunction[] {
  const tree = parser.parse(src);
  const starts = lineStarts(src);
  const out: FoundFunction[] = [];
  const fn = (def: SyntaxNode, className?: string): void => {
    const nameNode = def.getChild('VariableName');
    const list = def.getChild('ParamList');
    if (!nameNode || !list) return;
    const name = src.slice(nameNode.from, nameNode.to);
    const spec = className ? modelMethod(name) : layerFunction(name);
    if (!spec) return;
    let ps = params(list, src);
    if (className) {
      if (ps.length === 0 || ps[0].star !== '') return; // a staticmethod-like loss is not the model's
      ps = ps.slice(1);
    }
    const qualified = className ? `${className}.${name}` : name;
    const pos = position(starts, nameNode.from);
    const top = def.parent?.name === 'DecoratedStatement' ? def.parent : def;
    out.push({
      qualified, name, spec, className,
      line: pos.line, character: pos.character, endCharacter: pos.character + name.length,
      defLine: position(starts, top.from).line,
      params: ps.map((p) => p.star + p.name),
      problem: signatureProblem(spec, ps, qualified),
    });
  };
  const body = (node: SyntaxNode, visit: (n: SyntaxNode) => void): void => {
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.name === 'DecoratedStatement') {
        const inner = c.getChild('FunctionDefinition') ?? c.getChild('ClassDefinition');
        if (inner) visit(inner);
      } else visit(c);
    }
  };
  body(tree.topNode, (n) => {
    if (n.name === 'FunctionDefinition') fn(n);
    else if (n.name === 'ClassDefinition' && usesSelfParams(n, src)) {
      const cname = n.getChild('VariableName');
      const b = n.getChild('Body');
      if (!cname || !b) return;
      const className = src.slice(cname.from, cname.to);
      body(b, (m) => {
        if (m.name === 'FunctionDefinition') fn(m, className);
      });
    }
  });
  return out;
}
