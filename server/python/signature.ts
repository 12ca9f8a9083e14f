/** Layer signatures as the inference uses them: the engine's table or a function's docstring. */
import { findSignature, type ArgSpec, type LayerSignature } from '../../core/signatures';
import { parseDim, type Poly } from './dims';
import type { DocArg, DocSignature } from './docstring';
import type { DType } from './values';

export interface SigArg {
  readonly name: string;
  readonly shape?: readonly Poly[];
  readonly dtype?: DType;
}

export interface ShapeSig {
  readonly name: string;
  /** Parameter names in call order (positional arguments bind to these). */
  readonly params: readonly string[];
  readonly inputs: readonly SigArg[];
  readonly outputs: readonly SigArg[];
  readonly source: 'docstring' | 'engine';
  readonly modelLetters?: Readonly<Record<string, string | null>>;
}

function specArg(a: ArgSpec): SigArg {
  if (!a.shape) return { name: a.name };
  const shape = a.shape.map((d) => {
    const p = parseDim(d);
    if (p === null) throw new Error(`core/signatures.ts: cannot read dimension '${d}' of ${a.name}`);
    return p;
  });
  return a.dtype ? { name: a.name, shape, dtype: a.dtype } : { name: a.name, shape };
}

const engineCache = new Map<string, ShapeSig | null>();

/** The engine's signature under its Python name, with dimensions parsed once. */
export function engineSig(name: string): ShapeSig | undefined {
  let s = engineCache.get(name);
  if (s === undefined) {
    const l: LayerSignature | undefined = findSignature(name);
    s = l && l.name === name ? fromLayer(l) : null;
    engineCache.set(name, s);
  }
  return s ?? undefined;
}

function fromLayer(l: LayerSignature): ShapeSig {
  const base = { name: l.name, params: l.inputs.map((a) => a.name), inputs: l.inputs.map(specArg), outputs: l.outputs.map(specArg), source: 'engine' as const };
  return l.modelLetters ? { ...base, modelLetters: l.modelLetters } : base;
}

/**
 * The engine's shape for the i-th of `params`: by name, else by position when the function takes
 * as many parameters as the layer (callers pass them positionally: `bh` is the layer's `b`).
 */
function engineInput(engine: ShapeSig | undefined, params: readonly string[], i: number): SigArg | undefined {
  if (!engine) return undefined;
  const byName = engine.inputs.find((e) => e.name === params[i] && e.shape);
  if (byName) return byName;
  return params.length === engine.inputs.length && !engine.params.includes(params[i]) ? engine.inputs[i] : undefined;
}

/** A definition of an engine layer without a docstring: the table's shapes under its own names. */
export function fromEngine(engine: ShapeSig, params: readonly string[]): ShapeSig {
  const inputs = params.map((p, i) => {
    const e = engineInput(engine, params, i);
    return e?.shape ? { ...e, name: p } : { name: p };
  });
  return { ...engine, params, inputs };
}

export function fromDocstring(name: string, params: readonly string[], doc: DocSignature): ShapeSig {
  const engine = engineSig(name);
  // Every parameter is listed, in call order. One the docstring gives no shape takes the engine's
  // shape for the same layer (CS231n's `- dnext_h: Gradient of loss …` names none).
  const inputs = params.map((p, i): SigArg => {
    const a: DocArg = doc.inputs.find((x) => x.name === p) ?? { name: p };
    const e = engineInput(engine, params, i);
    if (a.shape) {
      // The dtype from the docstring's words, else from the table when the ranks agree.
      const dtype = a.dtype ?? (e?.shape?.length === a.shape.length ? e.dtype : undefined);
      return dtype ? { name: p, shape: a.shape, dtype } : { name: p, shape: a.shape };
    }
    // A shape the docstring writes but we cannot read (`(N, d_1, ..., d_k)`) is not replaced.
    if (a.unreadable) return { name: p };
    return e?.shape ? { ...e, name: p } : a;
  });
  // No Returns section: the layer's outputs as the table has them.
  const outputs = doc.outputs.length === 0 && engine ? engine.outputs : doc.outputs.map((o) => (o.shape ? o : engine?.outputs.find((e) => e.name === o.name && e.shape) ?? o));
  const base = { name, params, inputs, outputs, source: 'docstring' as const };
  return engine?.modelLetters ? { ...base, modelLetters: engine.modelLetters } : base;
}

export const hasShapes = (s: ShapeSig): boolean => [...s.inputs, ...s.outputs].some((a) => a.shape !== undefined);
