/**
 * Which checks a notebook cell offers ("Check rnn_step_forward" above it) and what each would run:
 * the user's function in a local module the notebook imports (`from cs231n.rnn_layers import *`),
 * or a function defined in a cell, checked on that cell's own code. Also the module Python runs for
 * a cell's own functions: the imports and definitions of the cells up to it and nothing else, so a
 * check never runs the notebook's other statements. No vscode import: unit-tested directly.
 */
import type { SyntaxNode } from '@lezer/common';
import { parser } from '../../runtime/pycheck/pythonParser';
import { cellImports } from '../../core/notebook/cells';
import { findFunctions, LAYER_FUNCTIONS } from '../../runtime/pycheck/index';

export interface PlanCell {
  /** Null for markdown and non-Python cells. */
  readonly python: string | null;
}

export type CheckTarget =
  /** Candidate modules in the order to look (the last import first); the extension finds the file. */
  | { readonly kind: 'module'; readonly modules: readonly string[]; readonly qualified: string }
  /** A function defined in cell `cell` (an index into the notebook's cells). */
  | { readonly kind: 'cell'; readonly cell: number; readonly qualified: string }
  | { readonly kind: 'unresolved'; readonly qualified: string; readonly reason: string };

export interface CellCheck {
  /** 0-based position in the cell of the name the lens and the result belong to. */
  readonly line: number;
  readonly character: number;
  readonly endCharacter: number;
  readonly qualified: string;
  readonly target: CheckTarget;
}

const LAYER_NAMES = new Set(LAYER_FUNCTIONS.map((f) => f.name));
const MODEL_METHODS = new Set(['loss', 'sample']);

function position(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

function walk(node: SyntaxNode, visit: (n: SyntaxNode) => void): void {
  visit(node);
  for (let c = node.firstChild; c; c = c.nextSibling) walk(c, visit);
}

/** Top-level `def name` / `class name` of a cell. */
function topLevelDefs(python: string): Set<string> {
  const out = new Set<string>();
  for (let c = parser.parse(python).topNode.firstChild; c; c = c.nextSibling) {
    const def = c.name === 'DecoratedStatement' ? c.getChild('FunctionDefinition') ?? c.getChild('ClassDefinition') : c;
    if (def && (def.name === 'FunctionDefinition' || def.name === 'ClassDefinition')) {
      const n = def.getChild('VariableName');
      if (n) out.add(python.slice(n.from, n.to));
    }
  }
  return out;
}

/** Where `name` (as the notebook spells it) comes from, looking up from cell `upTo`. */
function resolveName(cells: readonly PlanCell[], upTo: number, name: string, member: string | null, qualified: string): CheckTarget {
  const starModules: string[] = [];
  for (let i = upTo; i >= 0; i--) {
    const py = cells[i].python;
    if (py === null) continue;
    if (member === null && topLevelDefs(py).has(name)) return { kind: 'cell', cell: i, qualified };
    const imports = cellImports(py);
    for (let j = imports.length - 1; j >= 0; j--) {
      const imp = imports[j];
      if (member !== null) {
        // `layers.rnn_forward(...)` after `import cs231n.rnn_layers as layers`.
        if (imp.names === null && (imp.alias ?? imp.module) === member) return { kind: 'module', modules: [imp.module], qualified };
        const named = imp.names?.find(([, as]) => as === member);
        if (named) return { kind: 'module', modules: [`${imp.module}.${named[0]}`], qualified };
        continue;
      }
      const named = imp.names?.find(([, as]) => as === name);
      if (named) return { kind: 'module', modules: [imp.module], qualified: named[0] === name ? qualified : qualified.replace(name, named[0]) };
      if (imp.names === null && imp.module !== 'numpy') starModules.push(imp.module);
    }
  }
  if (starModules.length) return { kind: 'module', modules: starModules, qualified };
  return { kind: 'unresolved', qualified, reason: `${name} is neither defined in a cell above nor imported from a module next to the notebook` };
}

/** The class a model variable was built from, in the cells up to `upTo` (`model = CaptioningRNN(...)`). */
function modelClass(cells: readonly PlanCell[], upTo: number, variable: string): string | null {
  const re = new RegExp(`^\\s*${variable.replace(/[^\w]/g, '')}\\s*=\\s*([A-Za-z_]\\w*)\\s*\\(`, 'm');
  for (let i = upTo; i >= 0; i--) {
    const py = cells[i].python;
    const m = py === null ? null : re.exec(py);
    if (m && /^[A-Z]/.test(m[1])) return m[1];
  }
  return null;
}

/** The checks cell `index` offers: its own layer functions and model methods, then the layers and model methods it calls. */
export function planCellChecks(cells: readonly PlanCell[], index: number): CellCheck[] {
  const py = cells[index]?.python;
  if (py === null || py === undefined) return [];
  const out: CellCheck[] = [];
  const seen = new Set<string>();
  for (const f of findFunctions(py)) {
    if (f.problem) continue;
    seen.add(f.qualified);
    out.push({ line: f.line, character: f.character, endCharacter: f.endCharacter, qualified: f.qualified, target: { kind: 'cell', cell: index, qualified: f.qualified } });
  }
  walk(parser.parse(py).topNode, (n) => {
    if (n.name !== 'CallExpression') return;
    const callee = n.firstChild;
    if (!callee) return;
    let nameNode: SyntaxNode | null = null;
    let member: string | null = null;
    if (callee.name === 'VariableName') nameNode = callee;
    else if (callee.name === 'MemberExpression' && !callee.getChild('[')) {
      nameNode = callee.getChild('PropertyName');
      const obj = callee.firstChild;
      member = obj && obj.name === 'VariableName' ? py.slice(obj.from, obj.to) : null;
      if (member === null) return;
    }
    if (!nameNode) return;
    const name = py.slice(nameNode.from, nameNode.to);
    let target: CheckTarget | null = null;
    let qualified = name;
    if (member !== null && MODEL_METHODS.has(name)) {
      const cls = modelClass(cells, index, member);
      if (!cls) return;
      qualified = `${cls}.${name}`;
      if (seen.has(qualified)) return;
      target = resolveName(cells, index, cls, null, qualified);
    } else if (LAYER_NAMES.has(name) || (member === null && isImportedAlias(cells, index, name))) {
      qualified = member === null ? aliasOf(cells, index, name) : name;
      if (seen.has(qualified) || !LAYER_NAMES.has(qualified)) return;
      target = resolveName(cells, index, name, member, qualified);
    }
    if (!target) return;
    seen.add(qualified);
    const p = position(py, nameNode.from);
    out.push({ line: p.line, character: p.character, endCharacter: p.character + (nameNode.to - nameNode.from), qualified, target });
  });
  return out;
}

function aliasOf(cells: readonly PlanCell[], upTo: number, name: string): string {
  for (let i = upTo; i >= 0; i--) {
    const py = cells[i].python;
    if (py === null) continue;
    for (const imp of cellImports(py)) {
      const n = imp.names?.find(([, as]) => as === name);
      if (n) return n[0];
    }
  }
  return name;
}

function isImportedAlias(cells: readonly PlanCell[], upTo: number, name: string): boolean {
  return aliasOf(cells, upTo, name) !== name;
}

/**
 * The module Python imports to check functions of cell `index`: `sys.path` gets the notebook's
 * folder (so `cs231n` imports as in the notebook), then the import statements and top-level
 * definitions of the cells above, then the cell itself with every other top-level statement blanked
 * (line numbers in the cell are line numbers here minus `lineOffset`).
 */
export function cellModule(cells: readonly PlanCell[], index: number, folder: string): { text: string; lineOffset: number } {
  const head: string[] = ['# Written by Gradient Lab to check a notebook cell\'s functions: imports and definitions only.', 'import sys as _gradlab_sys', `_gradlab_sys.path.insert(0, ${JSON.stringify(folder)})`];
  const keep = (n: SyntaxNode): boolean => n.name === 'ImportStatement' || n.name === 'FunctionDefinition' || n.name === 'ClassDefinition' || n.name === 'DecoratedStatement';
  for (let i = 0; i < index; i++) {
    const py = cells[i].python;
    if (py === null) continue;
    for (let c = parser.parse(py).topNode.firstChild; c; c = c.nextSibling) if (keep(c)) head.push(py.slice(c.from, c.to).replace(/\s+$/, ''));
  }
  const py = cells[index]?.python ?? '';
  let own = '';
  let last = 0;
  for (let c = parser.parse(py).topNode.firstChild; c; c = c.nextSibling) {
    if (keep(c)) continue;
    own += py.slice(last, c.from) + py.slice(c.from, c.to).replace(/[^\r\n]/g, ' ');
    last = c.to;
  }
  own += py.slice(last);
  const prefix = head.join('\n') + '\n';
  return { text: prefix + own + '\n', lineOffset: prefix.split('\n').length - 1 };
}
