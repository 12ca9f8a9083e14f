/**
 * Symbolic sizes. A dimension is a polynomial in size letters with integer coefficients
 * (`N`, `4H`, `N*T`, `T - 1`), or null when it cannot be known. Distinct letters are distinct sizes,
 * as in CS231n's docstrings: that convention is what lets `(N, H)·(D, H)` count as a proven mismatch.
 */

export interface Term {
  readonly c: number;
  /** Letters of the monomial, sorted, with repeats for powers. */
  readonly s: readonly string[];
}

/** Canonical: terms sorted by key, merged, no zero coefficients. Zero is `[]`. */
export type Poly = readonly Term[];
export type Dim = Poly | null;
/** null: rank unknown. */
export type Shape = readonly Dim[] | null;

const key = (t: Term): string => t.s.join('*');

function normalize(terms: Term[]): Poly {
  const m = new Map<string, Term>();
  for (const t of terms) {
    const k = key(t);
    const prev = m.get(k);
    m.set(k, { c: (prev?.c ?? 0) + t.c, s: t.s });
  }
  return [...m.values()].filter((t) => t.c !== 0).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export const num = (n: number): Poly => normalize([{ c: n, s: [] }]);
export const sym = (name: string): Poly => [{ c: 1, s: [name] }];

export const add = (a: Poly, b: Poly): Poly => normalize([...a, ...b]);
export const neg = (a: Poly): Poly => a.map((t) => ({ c: -t.c, s: t.s }));
export const sub = (a: Poly, b: Poly): Poly => add(a, neg(b));

export function mul(a: Poly, b: Poly): Poly {
  const out: Term[] = [];
  for (const x of a) for (const y of b) out.push({ c: x.c * y.c, s: [...x.s, ...y.s].sort() });
  return normalize(out);
}

/** a / b when b is one term dividing every term of a exactly; otherwise null. */
export function div(a: Poly, b: Poly): Poly | null {
  if (b.length !== 1) return null;
  const [d] = b;
  const out: Term[] = [];
  for (const t of a) {
    if (t.c % d.c !== 0) return null;
    const rest = [...t.s];
    for (const s of d.s) {
      const i = rest.indexOf(s);
      if (i < 0) return null;
      rest.splice(i, 1);
    }
    out.push({ c: t.c / d.c, s: rest });
  }
  return normalize(out);
}

export function polyEq(a: Poly, b: Poly): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].c !== b[i].c || key(a[i]) !== key(b[i])) return false;
  return true;
}

export const dimEq = (a: Dim, b: Dim): boolean => a !== null && b !== null && polyEq(a, b);
/** Both known and different: a proven disagreement. */
export const dimDiffers = (a: Dim, b: Dim): boolean => a !== null && b !== null && !polyEq(a, b);

export function constValue(p: Poly): number | null {
  if (p.length === 0) return 0;
  return p.length === 1 && p[0].s.length === 0 ? p[0].c : null;
}

export const isOne = (d: Dim): boolean => d !== null && constValue(d) === 1;

export function letters(p: Poly): string[] {
  return [...new Set(p.flatMap((t) => t.s))];
}

/** A single letter with coefficient 1, e.g. `H` (not `4H`, not `N*T`). */
export function asLetter(p: Poly): string | null {
  return p.length === 1 && p[0].c === 1 && p[0].s.length === 1 ? p[0].s[0] : null;
}

export function substitute(p: Poly, env: ReadonlyMap<string, Poly>): Poly | null {
  let out: Poly = [];
  for (const t of p) {
    let term: Poly = num(t.c);
    for (const s of t.s) {
      const v = env.get(s);
      if (v === undefined) return null;
      term = mul(term, v);
    }
    out = add(out, term);
  }
  return out;
}

export function evalPoly(p: Poly, sizes: (letter: string) => number | undefined): number | null {
  let total = 0;
  for (const t of p) {
    let v = t.c;
    for (const s of t.s) {
      const n = sizes(s);
      if (n === undefined) return null;
      v *= n;
    }
    total += v;
  }
  return total;
}

/** CS231n's reading order, so a product prints as `N*T*D`, like the shape it came from. */
const LETTER_ORDER = ['N', 'T', 'D', 'W', 'H', 'M', 'V'];
const rank = (s: string): number => {
  const i = LETTER_ORDER.indexOf(s);
  return i < 0 ? LETTER_ORDER.length : i;
};

function fmtTerm(t: Term): string {
  const c = Math.abs(t.c);
  if (t.s.length === 0) return String(c);
  const letters = [...t.s].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0)).join('*');
  if (c === 1) return letters;
  return t.s.length === 1 && t.s[0].length === 1 ? `${c}${letters}` : `${c}*${letters}`;
}

/** `4H`, `N*T`, `T - 1`; letters before constants, higher degree first. */
export function fmtPoly(p: Poly): string {
  if (p.length === 0) return '0';
  const terms = [...p].sort((a, b) => b.s.length - a.s.length || (key(a) < key(b) ? -1 : 1));
  let out = '';
  terms.forEach((t, i) => {
    const s = fmtTerm(t);
    if (i === 0) out = t.c < 0 ? `-${s}` : s;
    else out += t.c < 0 ? ` - ${s}` : ` + ${s}`;
  });
  return out;
}

export const fmtDim = (d: Dim): string => (d === null ? '?' : fmtPoly(d));

/** `(N, D)`, `(H,)`, `()`; `(…)` when even the rank is unknown. */
export function fmtShape(s: Shape): string {
  if (s === null) return '(…)';
  return `(${s.map(fmtDim).join(', ')}${s.length === 1 ? ',' : ''})`;
}

/**
 * The same shape in numbers where the letters have them: `(25, 16, 512)`, or `(25, T - 1, 512)`
 * when only some do; null when no letter has a number (or the rank is unknown).
 */
export function fmtShapeNumbers(s: Shape, sizes: (letter: string) => number | undefined): string | null {
  if (s === null) return null;
  const vals: string[] = [];
  let known = 0;
  for (const d of s) {
    const v = d === null ? null : evalPoly(d, sizes);
    if (v !== null && d !== null && letters(d).length > 0) known++;
    vals.push(v === null ? fmtDim(d) : String(v));
  }
  return known === 0 ? null : `(${vals.join(', ')}${vals.length === 1 ? ',' : ''})`;
}

/**
 * Parses a dimension as written in docstrings and signatures: `N`, `4H`, `N*T`, `N * T`, `T-1`,
 * `17`, `d_1`. Returns null for anything else (prose in parentheses is not a shape).
 */
export function parseDim(text: string): Poly | null {
  const src = text.trim();
  if (src === '') return null;
  const re = /\s*([+-])?\s*((?:\d+\s*\*?\s*)?[A-Za-z_][A-Za-z0-9_]*(?:\s*\*\s*[A-Za-z_][A-Za-z0-9_]*)*|\d+)\s*/y;
  let out: Poly = [];
  let first = true;
  re.lastIndex = 0;
  while (re.lastIndex < src.length) {
    const start = re.lastIndex;
    const m = re.exec(src);
    if (!m || m.index !== start) return null;
    if (!first && m[1] === undefined) return null;
    first = false;
    const sign = m[1] === '-' ? -1 : 1;
    const body = m[2].replace(/\s+/g, '');
    const lead = /^(\d+)\*?/.exec(body);
    let c = sign;
    let rest = body;
    if (lead) {
      c *= Number(lead[1]);
      rest = body.slice(lead[0].length);
    }
    const syms = rest === '' ? [] : rest.split('*');
    out = add(out, [{ c, s: syms.sort() }]);
  }
  return out;
}

/** `(N, T, H)` / `(H,)` / `()` → dims; null if any part is not a dimension. */
export function parseShapeText(inner: string): Poly[] | null {
  const body = inner.trim();
  if (body === '') return [];
  const parts = body.split(',');
  if (parts[parts.length - 1].trim() === '') parts.pop();
  const dims: Poly[] = [];
  for (const p of parts) {
    const d = parseDim(p);
    if (d === null) return null;
    dims.push(d);
  }
  return dims;
}

export function product(s: readonly Dim[]): Dim {
  let p: Poly = num(1);
  for (const d of s) {
    if (d === null) return null;
    p = mul(p, d);
  }
  return p;
}
