/**
 * Hovers for TypeScript that calls the engine's layers. No TypeScript parser in the server
 * bundle: the word under the cursor is matched against the layer table, and functions declared
 * in the document itself are read from their JSDoc (`x: (N, D); prevH, prevC: (N, H)`).
 */
import { findSignature } from '../../core/signatures';
import type { ShapeContextParams } from '../../protocol/lsp';
import { layerLines, sizesFor, type HoverResult } from '../hover';
import { fmtShape, fmtShapeNumbers, parseShapeText, type Poly } from '../python/dims';
import { engineSig, type ShapeSig, type SigArg } from '../python/signature';

const WORD = /[A-Za-z0-9_$]/;

/** The identifier at `offset` and its range, if the cursor is on one. */
export function wordAt(text: string, offset: number): { word: string; from: number; to: number } | null {
  let from = offset;
  let to = offset;
  while (from > 0 && WORD.test(text[from - 1])) from--;
  while (to < text.length && WORD.test(text[to])) to++;
  if (from === to || /[0-9]/.test(text[from])) return null;
  return { word: text.slice(from, to), from, to };
}

interface DocFunction {
  readonly sig: ShapeSig;
  /** The function's body, `{` to `}`. */
  readonly bodyFrom: number;
  readonly bodyTo: number;
}

const DIM_WORD = /^(?:\d+|\d*[A-Z][A-Za-z0-9_]*|[a-z]_?\d+|…|\.\.\.)$/;

/** `name, name2: (N, H)` or `dx (N, D)` pairs in a JSDoc fragment. */
function shapePairs(text: string): SigArg[] {
  const out: SigArg[] = [];
  const re = /([A-Za-z_$][\w$]*(?:\s*,\s*[A-Za-z_$][\w$]*)*)\s*:?\s*\(([^()]*)\)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const inner = m[2];
    const words = inner.split(/[\s,*+-]+/).filter((w) => w !== '');
    if (words.length === 0 || !words.every((w) => DIM_WORD.test(w)) || /…|\.\.\./.test(inner)) continue;
    const shape: Poly[] | null = parseShapeText(inner);
    if (!shape) continue;
    for (const name of m[1].split(',').map((s) => s.trim())) {
      if (/^(Returns|returns|shape|of)$/.test(name)) continue;
      out.push({ name, shape });
    }
  }
  return out;
}

/** Skips strings, template literals and comments while matching braces. */
function matchBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '/') i = text.indexOf('\n', i) < 0 ? text.length : text.indexOf('\n', i);
    else if (c === '/' && text[i + 1] === '*') i = text.indexOf('*/', i + 2) < 0 ? text.length : text.indexOf('*/', i + 2) + 1;
    else if (c === '"' || c === "'" || c === '`') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return text.length;
}

/** Functions of this document with a JSDoc that names shapes. */
export function docFunctions(text: string): DocFunction[] {
  const out: DocFunction[] = [];
  const re = /\/\*\*([\s\S]*?)\*\/\s*(?:export\s+)?(?:async\s+)?function\s+([A-Za-z_$][\w$]*)\s*\(([^)]*)\)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const doc = m[1].replace(/^\s*\*\s?/gm, ' ');
    const params = m[3].split(',').map((p) => p.trim().split(/[\s:?=]/)[0]).filter((p) => p !== '');
    const split = doc.search(/\bReturns\b|→|->/);
    const before = split < 0 ? doc : doc.slice(0, split);
    const after = split < 0 ? '' : doc.slice(split);
    const documented = shapePairs(before);
    const outputs = shapePairs(after);
    if (documented.length === 0 && outputs.length === 0) continue;
    const inputs = params.map((p) => documented.find((a) => a.name === p || a.name === `p.${p}`) ?? { name: p });
    const braceAt = text.indexOf('{', m.index + m[0].length);
    const bodyTo = braceAt < 0 ? m.index + m[0].length : matchBrace(text, braceAt);
    const engine = findSignature(m[2]);
    const letters = engine ? engineSig(engine.name)?.modelLetters : undefined;
    const sig: ShapeSig = { name: m[2], params, inputs, outputs, source: 'docstring', ...(letters ? { modelLetters: letters } : {}) };
    out.push({ sig, bodyFrom: braceAt < 0 ? bodyTo : braceAt, bodyTo });
  }
  return out;
}

/** Hover for a TypeScript document (the JSDoc scan is cheap; callers cache per version). */
export function tsHover(text: string, offset: number, ctx: ShapeContextParams, docs: readonly DocFunction[] = docFunctions(text)): HoverResult | null {
  const w = wordAt(text, offset);
  if (!w) return null;
  const engine = findSignature(w.word);
  if (engine && engine.tsName === w.word) {
    const sig = engineSig(engine.name);
    if (sig) return { lines: layerLines(sig, ctx, true), notes: ["Shapes from Gradient Lab's layer table."], from: w.from, to: w.to };
  }
  const own = docs.find((d) => d.sig.name === w.word);
  if (own) return { lines: layerLines(own.sig, ctx, true), notes: ['Shapes from the JSDoc.'], from: w.from, to: w.to };
  // A documented parameter inside its function's body.
  const inside = docs.find((d) => d.bodyFrom <= offset && offset <= d.bodyTo);
  const arg = inside?.sig.inputs.find((a) => a.name === w.word && a.shape);
  if (inside && arg?.shape) {
    const nums = fmtShapeNumbers(arg.shape, sizesFor(ctx, inside.sig.modelLetters));
    const text1 = `${arg.name}: ${fmtShape(arg.shape)}${nums !== null ? ` = ${nums}` : ''}`;
    return { lines: [text1], notes: [`Shape from the JSDoc of ${inside.sig.name}.`], from: w.from, to: w.to };
  }
  return null;
}
