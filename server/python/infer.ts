/**
 * Shape inference over a Python file written in the CS231n style. One pass per function, in
 * program order: parameters take their docstring (or engine) shapes, assignments carry shapes
 * through numpy operations, calls of layers are matched against their signatures. Every name
 * occurrence gets a fact for hovers; proven disagreements become diagnostics.
 */
import { Analyzer } from './statements';
import { parsePython } from './parse';
import type { AnalysisContext, ModuleState, PyAnalysis } from './results';

export type { AnalysisContext, Fact, ModuleState, PyAnalysis, ShapeDiagnostic } from './results';

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
