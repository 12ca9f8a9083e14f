/**
 * The state one analysis carries: what it has found (facts, diagnostics, internal errors), the
 * signatures it knows, the function it is in and its letters, the cell type a branch assumes, and
 * how deep it has gone (see MAX_DEPTH). The rules (expressions.ts, calls.ts, statements.ts) extend it.
 */
import type { SyntaxNode } from '@lezer/common';
import type { CellType } from '../../core/signatures';
import type { AnalysisContext, Fact, ShapeDiagnostic } from './results';
import type { ShapeSig } from './signature';
import type { Value } from './values';

export type Env = Map<string, Value>;

/** Letters whose pushed number does not hold outside the engine's layers (see functionDef). */
export const OUTSIDE_LAYERS: Readonly<Record<string, string | null>> = { T: null };

export interface FnScope {
  readonly name: string;
  readonly sig?: ShapeSig;
  readonly letters?: Readonly<Record<string, string | null>>;
  lastReturn?: Value[];
}

/**
 * How deep expressions and statements nest before the analysis stops descending (what lies deeper
 * stays unknown: no facts, no warnings). CPython itself refuses more than 200 nested parentheses
 * and 100 indentation levels, so real code never reaches it; without it, thousands of nested calls
 * overflowed the stack.
 */
export const MAX_DEPTH = 200;

export abstract class AnalyzerScope {
  readonly facts: Fact[] = [];
  readonly diagnostics: ShapeDiagnostic[] = [];
  /** Internal failures, one per statement skipped; the server logs them. */
  readonly errors: string[] = [];
  protected readonly localSigs = new Map<string, ShapeSig>();
  protected readonly forwardCaches = new Map<string, Value>();
  /** > 0 inside a branch the current cell type never takes: facts yes, warnings no. */
  protected dead = 0;
  protected cell: CellType | null;
  protected fn: FnScope = { name: '<module>', letters: OUTSIDE_LAYERS };
  /** Expressions and statements being analysed, one inside the other (at most MAX_DEPTH). */
  protected depth = 0;

  constructor(protected readonly text: string, protected readonly ctx: AnalysisContext) {
    this.cell = ctx.cellType;
  }

  protected src(n: SyntaxNode): string {
    return this.text.slice(n.from, n.to);
  }

  protected short(n: SyntaxNode): string {
    const s = this.src(n).replace(/\s+/g, ' ');
    return s.length > 40 ? s.slice(0, 39) + '…' : s;
  }

  protected warn(n: SyntaxNode, message: string): void {
    if (this.dead > 0) return;
    this.diagnostics.push({ from: n.from, to: n.to, message });
  }

  protected fact(n: SyntaxNode, name: string, value: Value): void {
    this.facts.push(this.fn.letters ? { kind: 'value', from: n.from, to: n.to, name, value, letters: this.fn.letters } : { kind: 'value', from: n.from, to: n.to, name, value });
  }

  /** Hovering `dot` of `np.dot(x, Wx)` (or `reshape`, `T`, `shape`) shows what the expression gives. */
  protected resultFact(at: SyntaxNode | null, expr: SyntaxNode, v: Value): Value {
    const known = (v.k === 'array' && v.shape !== null) || v.k === 'tuple';
    if (at && known) this.fact(at, this.short(expr), v);
    return v;
  }
}
