/**
 * The assignment's unfilled stubs, found in the source: a function whose "your code" block still
 * holds only the starter's `pass` (between `*****START OF YOUR CODE` or the `# TODO:` comment and
 * `END OF YOUR CODE`), or whose whole body is `pass` (with the starter's `x, cache = None, None`
 * and its `return`). Students work through the functions in order: such a function is "not
 * implemented yet", never an error.
 */

const isComment = (s: string): boolean => s.startsWith('#');
const START = /START OF YOUR CODE|#\s*TODO\b/i;
const END = /END OF YOUR CODE/i;
/** The starter's own lines around the block: `a, b = None, None`, `loss, grads = 0.0, {}`, `return a, b`. */
const STARTER_LINE = /^(?:pass|return\b.*|[\w, ]+=\s*(?:None|0\.0|0|\{\}|\[\])(?:\s*,\s*(?:None|0\.0|0|\{\}|\[\]))*\s*)$/;

/** The lines of a def (0-based `defLine`) up to the next line indented as deep or less. */
function bodyLines(lines: readonly string[], defLine: number): { text: string; line: number }[] {
  const indent = (s: string): number => s.length - s.trimStart().length;
  let i = defLine;
  const defIndent = indent(lines[i] ?? '');
  // Past the signature (it may span lines) and its colon.
  while (i < lines.length && !/:\s*(#.*)?$/.test(lines[i])) i++;
  const out: { text: string; line: number }[] = [];
  for (i++; i < lines.length; i++) {
    const t = lines[i].trim();
    if (t && indent(lines[i]) <= defIndent) break;
    out.push({ text: t, line: i });
  }
  return out;
}

/** The def's own lines (the def line and its body), 1-based, for pointing at a line inside it. */
export function functionLines(src: string, defLine: number): { line: number; text: string }[] {
  const lines = src.split(/\r?\n/);
  return [{ text: lines[defLine] ?? '', line: defLine }, ...bodyLines(lines, defLine)].map((l) => ({ line: l.line + 1, text: lines[l.line] ?? '' }));
}

/** Drops a leading docstring. */
function withoutDocstring(body: { text: string; line: number }[]): { text: string; line: number }[] {
  const k = body.findIndex((l) => l.text && !isComment(l.text));
  if (k < 0) return body;
  const m = /^[rubRUB]*("""|''')/.exec(body[k].text);
  if (!m) return body;
  const q = m[1];
  const rest = body[k].text.slice(m[0].length);
  if (rest.includes(q)) return [...body.slice(0, k), ...body.slice(k + 1)];
  for (let j = k + 1; j < body.length; j++) if (body[j].text.includes(q)) return [...body.slice(0, k), ...body.slice(j + 1)];
  return body;
}

/**
 * The 0-based line of the starter's `pass` when the def at `defLine` is an unfilled stub, else
 * undefined. A block with code in it (even with `pass` left beside the code) is not a stub.
 */
export function starterStub(src: string, defLine: number): number | undefined {
  const lines = src.split(/\r?\n/);
  const body = withoutDocstring(bodyLines(lines, defLine));
  // Scan back from each END OF YOUR CODE marker over comments, blank lines and `pass` to the block's start marker.
  for (let e = 0; e < body.length; e++) {
    if (!(isComment(body[e].text) && END.test(body[e].text))) continue;
    let pass: number | undefined;
    for (let j = e - 1; j >= 0; j--) {
      const t = body[j].text;
      if (!t) continue;
      if (isComment(t)) {
        if (START.test(t)) {
          if (pass !== undefined) return pass;
          break;
        }
        continue;
      }
      if (t === 'pass') {
        pass ??= body[j].line;
        continue;
      }
      break; // code in the block: the student wrote something
    }
  }
  // No markers: a body that is only the starter's lines, with a `pass`.
  const code = body.filter((l) => l.text && !isComment(l.text));
  const p = code.find((l) => l.text === 'pass');
  if (p && code.every((l) => STARTER_LINE.test(l.text))) return p.line;
  return undefined;
}

/** A function of the file that is still the starter's stub, reached from another through calls. */
export interface StubReach {
  /** The functions from the first one called to the stub: ['rnn_forward', 'rnn_step_forward']. */
  chain: string[];
  /** 0-based line of the stub's `pass`. */
  passLine: number;
}

/**
 * The first stub among `defs` (name → 0-based def line, the file's layer functions) that `name`
 * reaches by calls written in its body, through functions of the same file; `name` itself counts
 * when `self` is true. A finished function that calls a stub cannot be judged until the stub is
 * written (the notebook would show its NaNs or None errors).
 */
export function reachedStub(src: string, defs: ReadonlyMap<string, number>, name: string, self = false): StubReach | undefined {
  const lines = src.split(/\r?\n/);
  const seen = new Set<string>();
  const visit = (fn: string, withSelf: boolean): StubReach | undefined => {
    if (seen.has(fn)) return undefined;
    seen.add(fn);
    const def = defs.get(fn);
    if (def === undefined) return undefined;
    if (withSelf) {
      const pass = starterStub(src, def);
      if (pass !== undefined) return { chain: [fn], passLine: pass };
    }
    // Names called in the body's code (comments cut off), in the order they are first called.
    const code = bodyLines(lines, def).map((l) => l.text.replace(/#.*$/, '')).join('\n');
    const called = [...defs.keys()].filter((g) => g !== fn && new RegExp(`(?<![\\w.])${g}\\s*\\(`).test(code));
    for (const g of called) {
      const r = visit(g, true);
      if (r) return { chain: [fn, ...r.chain], passLine: r.passLine };
    }
    return undefined;
  };
  const r = visit(name, self);
  return r && (self ? r : { chain: r.chain.slice(1), passLine: r.passLine });
}
