/**
 * Diagnostics that follow edits, as pure functions (no vscode): a check's result belongs to the
 * text it checked. Each result is anchored to whole lines of that text (its function, or the one
 * line it points at); an edit above moves the anchor by the lines it adds or removes, an edit
 * touching the anchored lines ends it (the diagnostic is cleared until the next check).
 * Positions are 0-based; a change replaces the range start..end of the text *before* it with
 * `text`, and the changes of one event apply one after the other (VS Code's contentChanges).
 */
import { parser } from '../../runtime/pycheck/pythonParser';
import type { SyntaxNode } from '@lezer/common';
import { lineStarts, position } from '../../runtime/pycheck/finder';

export interface Pos {
  line: number;
  character: number;
}

export interface TextChange {
  start: Pos;
  end: Pos;
  text: string;
}

/** Whole lines `first`..`last`, inclusive. */
export interface LineSpan {
  first: number;
  last: number;
}

const newlines = (s: string): number => {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
};

/**
 * Where the lines are after the change, or undefined when the change touches them: any character
 * of theirs replaced, text inserted into them (at a line's end too), or a line above joined onto
 * their first line. Deleting or inserting whole lines right above (ending at column 0 of the
 * first line, leaving nothing in front of it) only moves them.
 */
export function moveLines(span: LineSpan, c: TextChange): LineSpan | undefined {
  const added = newlines(c.text) - (c.end.line - c.start.line);
  if (c.start.line > span.last) return span; // entirely below
  if (c.end.line < span.first) return added === 0 ? span : { first: span.first + added, last: span.last + added };
  if (c.end.line === span.first && c.end.character === 0) {
    // Ends where the span begins: only a move when nothing is left in front of its first line.
    const nl = c.text.lastIndexOf('\n');
    const prefix = nl >= 0 ? c.text.length - nl - 1 : c.start.character + c.text.length;
    if (prefix === 0 && (c.start.line < c.end.line || c.text.length > 0)) return { first: span.first + added, last: span.last + added };
    if (c.start.line === c.end.line && c.start.character === 0 && c.text.length === 0) return span; // an empty change
  }
  return undefined;
}

export function moveLinesThrough(span: LineSpan | undefined, changes: readonly TextChange[]): LineSpan | undefined {
  let s = span;
  for (const c of changes) {
    if (!s) return undefined;
    s = moveLines(s, c);
  }
  return s;
}

/** An anchor: the lines at check time, and where they are now (undefined once edited). */
export interface Tracked {
  origin: LineSpan;
  now: LineSpan | undefined;
}

export function track(origin: LineSpan, since: readonly TextChange[] = []): Tracked {
  return { origin, now: moveLinesThrough(origin, since) };
}

export function advance(ts: readonly Tracked[], changes: readonly TextChange[]): void {
  for (const t of ts) t.now = moveLinesThrough(t.now, changes);
}

/** Where a check-time line is now, through the first anchor holding it; undefined when that anchor ended (or none holds it). */
export function mapLine(ts: readonly Tracked[], line: number): number | undefined {
  const t = ts.find((x) => x.origin.first <= line && line <= x.origin.last);
  if (!t || !t.now) return undefined;
  return line + t.now.first - t.origin.first;
}

/** The changes made since a check started, kept only while some check is running. */
export class ChangeLog {
  private readonly open = new Map<number, TextChange[]>();
  private next = 1;

  start(): number {
    const id = this.next++;
    this.open.set(id, []);
    return id;
  }

  record(changes: readonly TextChange[]): void {
    for (const log of this.open.values()) log.push(...changes);
  }

  since(id: number): readonly TextChange[] {
    return this.open.get(id) ?? [];
  }

  stop(id: number): void {
    this.open.delete(id);
  }

  get running(): number {
    return this.open.size;
  }
}

const lineOf = (starts: readonly number[], offset: number): number => position(starts, offset).line;

/**
 * The lines of the function (or method) whose name starts at `line`:`character`: from its first
 * decorator (or `def`) to its last non-blank line. Undefined when no definition's name is there.
 */
export function functionLines(src: string, line: number, character: number): LineSpan | undefined {
  const starts = lineStarts(src);
  if (line >= starts.length) return undefined;
  const at = starts[line] + character;
  let found: SyntaxNode | undefined;
  const tree = parser.parse(src);
  tree.iterate({
    enter: (n) => {
      if (found || n.from > at || n.to < at) return false;
      if (n.name === 'FunctionDefinition') {
        const name = n.node.getChild('VariableName');
        if (name && name.from === at) {
          found = n.node;
          return false;
        }
      }
      return true;
    },
  });
  if (!found) return undefined;
  const top = found.parent?.name === 'DecoratedStatement' ? found.parent : found;
  let end = found.to;
  while (end > top.from && /\s/.test(src[end - 1])) end--;
  return { first: lineOf(starts, top.from), last: lineOf(starts, end) };
}
