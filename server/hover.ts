/**
 * Hover text: shapes in letters, and in numbers when the extension has pushed them
 * (`x: (N, D) = (25, 512)`). Pure: analysis + position + context in, lines of text out.
 */
import { MODEL_PARAMS, type CellType } from '../core/signatures';
import type { ShapeContextParams } from '../protocol/lsp';
import { evalPoly, fmtDim, fmtShape, fmtShapeNumbers, parseDim, type Poly, type Shape } from './python/dims';
import { stringContent } from './python/docstring';
import type { Fact, PyAnalysis } from './python/infer';
import { nodeAt } from './python/parse';
import type { ShapeSig, SigArg } from './python/signature';
import type { Value } from './python/values';

export interface HoverResult {
  /** Plain lines, shown in a code block. */
  readonly lines: readonly string[];
  /** Markdown notes under the code block (where the shapes come from, letter meanings). */
  readonly notes: readonly string[];
  readonly from: number;
  readonly to: number;
}

type Sizes = (letter: string) => number | undefined;

/** Sizes by letter, seen through a layer's own letters (`D` of rnn_step_forward is the model's W). */
export function sizesFor(ctx: ShapeContextParams, letters?: Readonly<Record<string, string | null>>): Sizes {
  const table = ctx.sizes as Record<string, number | undefined>;
  return (letter) => {
    if (letters && letter in letters) {
      const m = letters[letter];
      return m === null || m === undefined ? undefined : table[m];
    }
    return table[letter];
  };
}

function withNumbers(shape: Shape, sizes: Sizes): string {
  const letters = fmtShape(shape);
  const nums = fmtShapeNumbers(shape, sizes);
  return nums !== null && nums !== letters ? `${letters} = ${nums}` : letters;
}

function fmtValue(v: Value, sizes: Sizes): string | null {
  switch (v.k) {
    case 'array':
      return v.shape === null ? 'array, shape not inferred' : withNumbers(v.shape, sizes);
    case 'dim': {
      if (v.d === null) return null;
      const n = evalPoly(v.d, sizes);
      return n === null || String(n) === fmtDim(v.d) ? `int = ${fmtDim(v.d)}` : `int = ${fmtDim(v.d)} = ${n}`;
    }
    case 'tuple': {
      const items = v.items.map((x) => (x.k === 'array' ? fmtShape(x.shape) : x.k === 'dim' ? fmtDim(x.d) : x.k === 'tuple' ? 'tuple' : '?'));
      return `tuple of ${v.items.length}: (${items.join(', ')})`;
    }
    default:
      return null;
  }
}

const argText = (a: SigArg, name: string): string => (a.shape ? `${name}: ${fmtShape(a.shape)}` : name);

/** `rnn_step_forward(x: (N, D), …) → next_h: (N, H), cache` and, with numbers, one line per shape. */
export function layerLines(sig: ShapeSig, ctx: ShapeContextParams, ts = false): string[] {
  const name = ts ? camel(sig.name) : sig.name;
  const inputs = sig.inputs.map((a) => argText(a, ts ? camel(a.name) : a.name)).join(', ');
  const outs = sig.outputs.map((a) => argText(a, ts ? camel(a.name) : a.name));
  const outText = ts ? `{ ${outs.join(', ')} }` : outs.join(', ');
  const lines = [outs.length ? `${name}(${inputs}) → ${outText}` : `${name}(${inputs})`];
  const sizes = sizesFor(ctx, sig.modelLetters);
  for (const a of [...sig.inputs, ...sig.outputs]) {
    if (!a.shape || a.shape.length === 0) continue;
    const nums = fmtShapeNumbers(a.shape, sizes);
    if (nums !== null) lines.push(`${ts ? camel(a.name) : a.name}: ${fmtShape(a.shape)} = ${nums}`);
  }
  return lines;
}

function camel(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** What each of the captioning model's letters stands for (CS231n's names). */
const MODEL_LETTER: Record<string, string> = {
  N: 'the batch size',
  T: 'the number of timesteps',
  D: 'the image-feature size',
  W: 'the word-vector size',
  H: 'the hidden size',
  V: 'the vocabulary size',
};

function layerNotes(sig: ShapeSig, ctx: ShapeContextParams): string[] {
  const notes = [sig.source === 'docstring' ? 'Shapes from the docstring.' : "Shapes from Gradient Lab's layer table."];
  const letters = sig.modelLetters;
  if (letters && Object.keys(ctx.sizes).length > 0) {
    const parts = Object.entries(letters).map(([k, v]) =>
      v === null ? `${k} depends on the call` : v === k ? `${k} is ${MODEL_LETTER[v] ?? `the model's ${v}`}` : `this layer's ${k} is the model's ${v}, ${MODEL_LETTER[v] ?? v}`,
    );
    if (parts.length) notes.push(`Called from the captioning model: ${parts.join('; ')}.`);
  }
  return notes;
}

function paramLines(key: string, ctx: ShapeContextParams): string[] | null {
  const rnn = MODEL_PARAMS.rnn[key];
  const lstm = MODEL_PARAMS.lstm[key];
  if (!rnn || !lstm) return null;
  const sizes = sizesFor(ctx);
  const shapeOf = (spec: readonly string[]): Poly[] => spec.map((d) => parseDim(d) ?? []);
  const line = (cell: CellType): string => `${key}: ${withNumbers(shapeOf(MODEL_PARAMS[cell][key]), sizes)} (${cell})`;
  if (ctx.cellType) return [line(ctx.cellType)];
  if (rnn.join() === lstm.join()) return [`${key}: ${withNumbers(shapeOf(rnn), sizes)}`];
  return [line('rnn'), line('lstm')];
}

function factAt(facts: readonly Fact[], pos: number): Fact | undefined {
  // Binary search for the last fact starting at or before pos; facts sit on names and never nest.
  let lo = 0;
  let hi = facts.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (facts[mid].from <= pos) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  for (let i = best; i >= 0 && i > best - 4; i--) {
    const f = facts[i];
    if (f.from <= pos && pos <= f.to) return f;
  }
  return undefined;
}

/** The hover at `offset` of an analysed Python document, or null when nothing is known there. */
export function pythonHover(an: PyAnalysis, offset: number, ctx: ShapeContextParams): HoverResult | null {
  const fact = factAt(an.facts, offset);
  if (fact) {
    if (fact.kind === 'layer') return { lines: layerLines(fact.sig, ctx), notes: layerNotes(fact.sig, ctx), from: fact.from, to: fact.to };
    const text = fmtValue(fact.value, sizesFor(ctx, fact.letters));
    if (text !== null) return { lines: [`${fact.name}: ${text}`], notes: [], from: fact.from, to: fact.to };
  }
  const node = nodeAt(an.tree, offset);
  const str = node.name === 'String' ? node : null;
  if (!str) return null;
  const key = stringContent(an.text.slice(str.from, str.to));
  const ds = ctx.datasetKeys.find((k) => k.key === key);
  if (ds) {
    const shape = `(${ds.shape.join(', ')}${ds.shape.length === 1 ? ',' : ''})`;
    return { lines: [`${key}: ${ds.dtype} ${shape}`], notes: ds.file ? [`In the open dataset, ${ds.file}.`] : ['In the open dataset.'], from: str.from, to: str.to };
  }
  // `self.params['Wx']`, `grads['W_vocab']`, or a name in a list of parameters; a bare 'b'
  // outside a subscript is too common a string ('b' is also a colour) to claim.
  const inSubscript = str.parent?.name === 'MemberExpression' && str.parent.getChild('[') !== null;
  if (inSubscript || key !== 'b') {
    const lines = paramLines(key, ctx);
    if (lines) return { lines, notes: ['Captioning-model parameter.'], from: str.from, to: str.to };
  }
  return null;
}

export function toMarkdown(h: HoverResult): string {
  const code = '```text\n' + h.lines.join('\n') + '\n```';
  return h.notes.length ? `${code}\n\n${h.notes.join(' ')}` : code;
}
