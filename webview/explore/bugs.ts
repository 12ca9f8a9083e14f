/**
 * The bug catalogue: a list of the classic mistakes; the chosen one shows what the code does
 * wrong, how to recognise it, what the sanity lines say, and the gradient-check report as a user
 * with that bug would see it (the report view of the webview bundle, embedded) next to the report
 * of the correct code.
 */
import { append, button, clear, el } from '../dom';
import { reportView } from '../views/report';
import type { ExplorePayload } from '../../protocol/webview';
import { statusBadge, verdictBadge, withNumbers } from './badge';
import type { ExploreHost } from './host';

type Bugs = Extract<ExplorePayload['result'], { kind: 'bugs' }>;
type Run = Bugs['runs'][number];

const THRESHOLDS = { good: 1e-7, ok: 1e-4, warn: 1e-2 };

export function bugsView(p: ExplorePayload, r: Bugs, host: ExploreHost): HTMLElement {
  let chosen = host.uiState<{ bug?: string }>().bug;
  if (!r.runs.some((b) => b.id === chosen)) chosen = r.runs.find((b) => b.problems.length === 0)?.id ?? r.runs[0]?.id;
  const list = el('ul', { class: 'bug-list', attrs: { role: 'listbox', 'aria-label': 'Bugs' } });
  const detail = el('section', { class: 'bug-detail', attrs: { 'aria-live': 'polite' } });

  function fillList(): void {
    clear(list);
    for (const b of r.runs) {
      const sel = b.id === chosen;
      const li = el(
        'li',
        { class: 'bug-item', attrs: { role: 'option', tabindex: sel ? 0 : -1, 'aria-selected': sel ? 'true' : 'false' }, data: { bug: b.id } },
        el('span', { class: 'bug-title' }, b.title),
        ' ',
        b.caughtBy === 'sanity' ? el('span', { class: 'badge verdict-warn' }, 'passes the check') : verdictBadge(b.buggy.verdict),
      );
      li.addEventListener('click', () => choose(b.id));
      li.addEventListener('keydown', (e) => {
        const i = r.runs.findIndex((x) => x.id === b.id);
        if (e.key === 'ArrowDown' && i + 1 < r.runs.length) choose(r.runs[i + 1].id, true);
        else if (e.key === 'ArrowUp' && i > 0) choose(r.runs[i - 1].id, true);
        else return;
        e.preventDefault();
      });
      list.append(li);
    }
  }

  function choose(id: string, focus = false): void {
    chosen = id;
    host.saveUiState({ bug: id });
    fillList();
    showDetail();
    if (focus) list.querySelector<HTMLElement>(`[data-bug="${CSS.escape(id)}"]`)?.focus();
  }

  function showDetail(): void {
    clear(detail);
    const b = r.runs.find((x) => x.id === chosen);
    if (!b) return;
    append(
      detail,
      el('h2', {}, b.title),
      el('p', {}, b.description),
      el('div', { class: 'code-pair' }, el('div', {}, el('span', { class: 'muted' }, 'wrong '), el('code', {}, b.code.wrong)), el('div', {}, el('span', { class: 'muted' }, 'right '), el('code', {}, b.code.right))),
      el('p', { class: 'recognise' }, el('strong', {}, 'How to recognise it: '), b.recognise),
      expectations(b),
      sanityLines(b),
      reports(b),
    );
  }

  function expectations(b: Run): HTMLElement {
    const items = b.expect.map((e) => {
      const parts = [`${e.check}: `];
      parts.push(e.wrong.length ? `wrong ${e.wrong.join(', ')}` : 'nothing wrong');
      if (e.right.length) parts.push(`; passes ${e.right.join(', ')}`);
      if (e.timesteps) parts.push(`; ${e.timesteps.param} per ${e.timesteps.kind === 'axis' ? 'timestep' : 'loss step'}: wrong at ${e.timesteps.wrong.join(', ') || 'none'}, right at ${e.timesteps.right.join(', ') || 'none'}`);
      return el('li', {}, parts.join(''));
    });
    const ok = b.problems.length === 0;
    return el(
      'details',
      { class: 'expect', attrs: { open: true } },
      el('summary', {}, ok ? 'Where the check catches it (all confirmed on this run)' : `Where the check should catch it — ${b.problems.length} mismatch(es)`),
      el('ul', {}, ...items),
      ok ? null : el('ul', { class: 'problems' }, ...b.problems.map((x) => el('li', {}, x))),
    );
  }

  function sanityLines(b: Run): HTMLElement | null {
    if (b.sanity.length === 0) return null;
    return el('div', { class: 'sanity-mini' }, el('h3', {}, 'Sanity checks with the bug on'), el('ul', {}, ...b.sanity.map((l) => el('li', {}, statusBadge(l.status), ' ', el('strong', {}, l.title), ': ', ...withNumbers(l.detail)))));
  }

  function reports(b: Run): HTMLElement {
    // Both reports open on the parameter the bug breaks worst, so the two heatmaps compare.
    const worst = b.buggy.layers.flatMap((l) => l.params.map((q) => ({ layer: l.layer, param: q.name, e: Number.isNaN(q.relError) ? Infinity : q.relError }))).sort((x, y) => y.e - x.e)[0];
    const select = worst ? { layer: worst.layer, param: worst.param } : undefined;
    const mk = (title: string, key: string, report: Run['buggy']) => {
      const root = el('div', { class: 'embedded-report', data: { which: key } });
      const v = reportView(root, host.embedded('report', `${b.id}:${key}`));
      v.receive({ type: 'setReport', payload: { report, thresholds: THRESHOLDS, title, select } });
      return root;
    };
    return el('div', { class: 'report-pair' }, mk(`With the bug: ${b.title}`, 'buggy', b.buggy), mk('Correct code', 'reference', b.reference));
  }

  fillList();
  showDetail();
  const rerun = button('Run the catalogue again', () => host.post({ type: 'runExplore', request: { name: 'bugs', seed: p.request.seed } }));
  return el('section', { class: 'explore-bugs' }, el('div', { class: 'toolbar' }, el('span', { class: 'meta' }, `${r.runs.length} bugs · seed ${p.request.seed ?? 231}`), el('span', { class: 'spacer' }), rerun), el('div', { class: 'bug-grid' }, list, detail));
}
