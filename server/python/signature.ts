/** Layer signatures as the inference uses them: the engine's table or a function's docstring. */
import { findSignature, type ArgSpec, type LayerSignature } from '../../core/signatures';
import { parseDim, type Poly } from './dims';
import type { DocSignature } from './docstring';
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

export function fromDocstring(name: string, params: readonly string[], doc: DocSignature): ShapeSig {
  const engine = engineSig(name);
  // Every parameter is listed, in call order. One the docstring gives no shape takes the engine's
  // shape for the same layer and name (CS231n's `- dnext_h: Gradient of loss …` names none).
  const fill = (a: SigArg, table: readonly SigArg[] | undefined): SigArg => a.shape ? a : table?.find((e) => e.name === a.name && e.shape) ?? a;
  const inputs = params.map((p) => fill(doc.inputs.find((a) => a.name === p) ?? { name: p }, engine?.inputs));
  const outputs = doc.outputs.map((o) => fill(o, engine?.outputs));
  const base = { name, params, inputs, outputs, source: 'docstring' as const };
  return engine?.modelLetters ? { ...base, modelLetters: engine.modelLetters } : base;
}

export const hasShapes = (s: ShapeSig): boolean => [...s.inputs, ...s.outputs].some((a) => a.shape !== undefined);
