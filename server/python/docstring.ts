/**
 * Shapes from CS231n-style docstrings:
 *
 *     Inputs:
 *     - x: Input data for this timestep, of shape (N, D).
 *     Returns a tuple of:
 *     - next_h: Next hidden state, of shape (N, H)
 *     - cache: Tuple of values needed for the backward pass.
 *
 * A bullet's shape is the first parenthesised group in it whose parts are all dimensions written
 * with capital letters, numbers or `d_1`-style names; prose in parentheses is skipped.
 */
import { parseDim, type Poly } from './dims';

export interface DocArg {
  readonly name: string;
  /** Undefined when the bullet names no shape. */
  readonly shape?: readonly Poly[];
  /** The bullet writes a shape this reader cannot follow, e.g. `(N, d_1, ..., d_k)`. */
  readonly unreadable?: boolean;
  /** From the words: `Integer array`, `indices`, `Boolean array`. */
  readonly dtype?: 'int' | 'bool';
}

function dtypeIn(text: string): 'int' | 'bool' | undefined {
  if (/\b(integer|int32|int64|indices)\b|整数/i.test(text)) return 'int';
  if (/\b(boolean|bool)\b|布尔/i.test(text)) return 'bool';
  return undefined;
}

export interface DocSignature {
  readonly inputs: readonly DocArg[];
  readonly outputs: readonly DocArg[];
}

const DIM_WORD = /^(?:\d+|\d*[A-Z][A-Za-z0-9_]*|[a-z]_?\d+)$/;

function shapeIn(text: string): Poly[] | undefined {
  const re = /\(([^()]*)\)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const inner = m[1].trim();
    if (inner === '') continue;
    const parts = inner.split(',').map((p) => p.trim());
    if (parts[parts.length - 1] === '') parts.pop();
    if (parts.length === 0) continue;
    // A single bare word in parentheses is prose unless written as a shape: `(H,)` or after "shape".
    const before = text.slice(0, m.index);
    if (parts.length === 1 && !inner.endsWith(',') && !/(shape|维度|维度为)\s*(?:of\s*)?$/i.test(before.trimEnd())) continue;
    const dims: Poly[] = [];
    let ok = true;
    for (const p of parts) {
      const words = p.split(/[\s*+-]+/).filter((w) => w !== '');
      if (words.length === 0 || !words.every((w) => DIM_WORD.test(w))) {
        ok = false;
        break;
      }
      const d = parseDim(p);
      if (d === null) {
        ok = false;
        break;
      }
      dims.push(d);
    }
    if (ok) return dims;
  }
  return undefined;
}

/** Parses a docstring's bullets into inputs (names in `params`) and outputs (under "Returns"). */
export function parseDocstring(doc: string, params: readonly string[]): DocSignature {
  const inputs: DocArg[] = [];
  const outputs: DocArg[] = [];
  type Section = 'inputs' | 'outputs' | 'none';
  type Bullet = { name: string; text: string; section: Section };
  let section = 'none' as Section;
  const lines = doc.split(/\r?\n/);
  const bullets: Bullet[] = [];
  let current: Bullet | null = null;
  for (const raw of lines) {
    const line = raw.trim();
    if (/^(inputs?|输入)\b|^(inputs?|输入)\s*[:：]/i.test(line)) {
      section = 'inputs';
      current = null;
      continue;
    }
    if (/^(returns?|outputs?|输出)/i.test(line)) {
      section = 'outputs';
      current = null;
      continue;
    }
    const m = /^-\s*([A-Za-z_][A-Za-z0-9_]*)\s*[:：]\s*(.*)$/.exec(line);
    if (m) {
      const b: Bullet = { name: m[1], text: m[2], section };
      bullets.push(b);
      current = b;
    } else if (current && line !== '' && !line.startsWith('-')) {
      current.text += ' ' + line;
    } else {
      current = null;
    }
  }
  const paramSet = new Set(params);
  for (const b of bullets) {
    const shape = shapeIn(b.text);
    const unreadable = !shape && /\(\s*[A-Za-z0-9_]+\s*,[^()]*\)/.test(b.text);
    const dtype = dtypeIn(b.text);
    const arg: DocArg = shape ? (dtype ? { name: b.name, shape, dtype } : { name: b.name, shape }) : unreadable ? { name: b.name, unreadable } : { name: b.name };
    if (b.section === 'outputs') outputs.push(arg);
    else if (paramSet.has(b.name)) inputs.push(arg);
  }
  return { inputs, outputs };
}

/** The text of a Python string literal's source (`"""..."""`, `'...'`, with r/u prefixes). */
export function stringContent(src: string): string {
  const m = /^[rRuUbBfF]{0,2}("""|'''|"|')/.exec(src);
  if (!m) return src;
  const q = m[1];
  const start = m[0].length;
  const end = src.endsWith(q) && src.length >= start + q.length ? src.length - q.length : src.length;
  return src.slice(start, end);
}
