import { el } from '../dom';
import type { Verdict } from '../../protocol/webview';

const WORD: Record<Verdict, string> = { good: 'good', ok: 'ok', warn: 'suspect', wrong: 'wrong' };

/** A verdict badge coloured like the report view's (style.css). */
export function verdictBadge(v: Verdict): HTMLElement {
  return el('span', { class: `badge verdict-${v}` }, WORD[v]);
}

/** A pass / fail / skipped badge. */
export function statusBadge(s: 'pass' | 'fail' | 'skipped'): HTMLElement {
  return el('span', { class: `badge verdict-${s === 'pass' ? 'good' : s === 'fail' ? 'wrong' : 'warn'}` }, s);
}

/** A number in scientific notation ("4.8e-2", "1e-5", "6.0e+0"), kept on one line when text wraps. */
const SCI = /-?\d+(?:\.\d+)?e[+-]\d+/g;

/**
 * Text with every number in scientific notation wrapped in a no-break span: a browser breaks lines
 * after a hyphen, which splits "4.8e-2" into "4.8e-" and "2" on two lines.
 */
export function withNumbers(text: string): (string | HTMLElement)[] {
  const out: (string | HTMLElement)[] = [];
  let last = 0;
  for (const m of text.matchAll(SCI)) {
    const at = m.index ?? 0;
    if (at > last) out.push(text.slice(last, at));
    out.push(el('span', { class: 'nobr' }, m[0]));
    last = at + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
