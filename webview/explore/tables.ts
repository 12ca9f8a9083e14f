/** The float32-against-float64 table, the sanity suite and the sparse/directional checks. */
import { el, valuesTable } from '../dom';
import { sci } from '../format';
import type { ExplorePayload } from '../../protocol/webview';
import { statusBadge, verdictBadge, withNumbers } from './badge';

type R = ExplorePayload['result'];

export function precisionView(r: Extract<R, { kind: 'precision' }>): HTMLElement {
  const t = r.table;
  const head = ['Check', 'Gradient', 'float64', '', `float32, h = ${sci(t.h, 0)}`, '', `float32, h = ${sci(t.suggestedH32, 1)}`, '', 'Why'];
  const rows = t.rows.map((x) =>
    el(
      'tr',
      { class: x.changed ? 'changed' : '' },
      el('td', {}, x.check),
      el('td', { class: 'mono' }, x.param),
      el('td', { class: 'num' }, sci(x.rel64, 1)),
      el('td', {}, verdictBadge(x.verdict64)),
      el('td', { class: 'num' }, sci(x.rel32, 1)),
      el('td', {}, verdictBadge(x.verdict32)),
      el('td', { class: 'num' }, sci(x.rel32AtH32, 1)),
      el('td', {}, verdictBadge(x.verdict32AtH32)),
      el('td', { class: 'why-cell' }, ...withNumbers(x.why)),
    ),
  );
  return el(
    'section',
    { class: 'explore-precision' },
    el('p', { class: 'summary' }, ...withNumbers(t.summary)),
    el('div', { class: 'table-wrap' }, el('table', { class: 'params precision-table' }, el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { attrs: { scope: 'col' } }, h)))), el('tbody', {}, ...rows))),
  );
}

export function sanityView(r: Extract<R, { kind: 'sanity' }>): HTMLElement {
  return el(
    'section',
    { class: 'explore-sanity' },
    el('p', { class: 'summary' }, `Dataset: ${r.dataset}. `, r.passed ? 'Every line passes.' : 'Some lines fail.'),
    ...r.reports.map((rep) =>
      el(
        'div',
        { class: 'sanity-cell' },
        el('h2', {}, rep.cell.toUpperCase()),
        el('ul', { class: 'sanity-lines' }, ...rep.lines.map((l) => el('li', { data: { status: l.status } }, statusBadge(l.status), ' ', el('strong', {}, l.title), el('br'), el('span', { class: 'meta' }, ...withNumbers(`${l.detail} · ${l.ms} ms`))))),
      ),
    ),
  );
}

const SPARSE_HEAD = ['Parameter', 'Entries checked', 'Relative error', 'Verdict', 'Max abs error', '|g| at the worst entry'];

function sparseTable(params: Extract<R, { kind: 'sparse' }>['cells'][number]['sparse']['params']): HTMLElement {
  const rows = params.map((p) =>
    el(
      'tr',
      {},
      el('td', { class: 'mono' }, p.name),
      el('td', { class: 'num' }, `${p.checked} of ${p.shape.reduce((a, b) => a * b, 1)}`),
      el('td', { class: 'num' }, sci(p.relError, 1)),
      el('td', {}, verdictBadge(p.verdict)),
      el('td', { class: 'num' }, sci(p.maxAbsError, 1)),
      el('td', { class: 'num' }, sci(Math.abs(p.worst.analytic), 1)),
    ),
  );
  return el('table', { class: 'params' }, el('thead', {}, el('tr', {}, ...SPARSE_HEAD.map((h) => el('th', { attrs: { scope: 'col' } }, h)))), el('tbody', {}, ...rows));
}

export function sparseView(r: Extract<R, { kind: 'sparse' }>): HTMLElement {
  const sizes = Object.entries(r.sizes).map(([k, v]) => `${k}=${v}`).join(' ');
  return el(
    'section',
    { class: 'explore-sparse' },
    ...r.cells.map((c) =>
      el(
        'div',
        { class: 'sparse-cell' },
        el('h2', {}, `captioning_${c.cell} at ${sizes}`),
        el('div', { class: 'table-wrap' }, sparseTable(c.sparse.params)),
        el('p', { class: 'meta' }, "A high relative error whose absolute error is as small as the other rows' comes from a small gradient at that entry (|g| at the worst entry), not from a bug: the round-off of f(x ± h) is the same for every entry."),
        el('h3', {}, 'Random directions'),
        el('p', {}, `Estimated ‖g_analytic − g_true‖ / ‖g_true‖ ≈ ${sci(c.directional.estimatedRelError, 1)} (worst direction ${sci(c.directional.worstRelError, 1)}), ${c.directional.forwardPasses} forward passes instead of ${c.directional.denseForwardPasses}.`),
        el('p', { class: 'meta' }, ...withNumbers(c.directional.explanation)),
        valuesTable('Directions', ['#', 'g·u (analytic)', 'numeric', 'relative error'], c.directional.samples.map((s, i) => [i + 1, sci(s.analytic, 4), sci(s.numeric, 4), sci(s.relError, 1)])),
      ),
    ),
  );
}
