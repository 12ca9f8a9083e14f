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
