/**
 * Gradient-check report: every checked parameter in a table (relative error, max absolute error,
 * verdict coloured by the CS231n thresholds); the selected one's per-element error heatmap (with
 * slice controls for tensors of more than two axes), its error per timestep when it has a time
 * axis, and its worst element. Exports the report as JSON and each chart as PNG.
 */
import type { Host } from '../api';
import { pngDataUrl } from '../canvas';
import { Chart } from '../chart';
import { button, clear, el, emptyNotice, labelled, select, valuesTable } from '../dom';
import { sci, shape as fmtShape, num } from '../format';
import { Heatmap } from '../heatmap';
import { verdictColor } from '../theme';
import type { ParamCheck, ParamRef, ReportPayload, Thresholds, ToReport, Verdict } from '../../protocol/webview';

const VERDICT_WORD: Record<Verdict, string> = { good: 'good', ok: 'ok', warn: 'suspect', wrong: 'wrong' };

export function classify(rel: number, t: Thresholds): Verdict {
  if (!(rel <= t.warn)) return 'wrong';
  if (rel <= t.good) return 'good';
  if (rel <= t.ok) return 'ok';
  return 'warn';
}

interface UiState {
  selected?: ParamRef;
  onlyFailing?: boolean;
}

interface Row {
  layer: string;
  sizes: Record<string, number>;
  p: ParamCheck;
}

export function reportView(root: HTMLElement, host: Host<'report'>): { receive(m: ToReport): void } {
  let payload: ReportPayload | undefined;
  let rows: Row[] = [];
  const ui = host.uiState<UiState>();
  let selected: ParamRef | undefined = ui.selected;
  let onlyFailing = ui.onlyFailing ?? false;
  const heatmap = new Heatmap('Per-element relative error');
  const bars = new Chart('Relative error per timestep');
  let slice: { rowAxis: number; colAxis: number; at: number[] } | undefined;

  const tbody = el('tbody');
  const detail = el('section', { class: 'detail', attrs: { 'aria-label': 'Selected parameter' } });

  function save(): void {
    host.saveUiState({ selected, onlyFailing } satisfies UiState);
  }

  function render(): void {
    const p = payload;
    if (!p) return;
    const r = p.report;
    clear(root);
    root.setAttribute('aria-busy', 'false');
    rows = r.layers.flatMap((l) => l.params.map((q) => ({ layer: l.layer, sizes: l.sizes, p: q })));
    if (!selected || !findRow(selected)) {
      const bad = rows.find((x) => x.p.verdict === 'wrong') ?? rows.find((x) => x.p.verdict === 'warn') ?? rows[0];
      selected = p.select && findRow(p.select) ? p.select : bad ? { layer: bad.layer, param: bad.p.name } : undefined;
    }
    const t = p.thresholds;
    const head = el(
      'header',
      { class: 'toolbar' },
      el('h1', {}, p.title ?? 'Gradient check'),
      verdictBadge(r.verdict),
      el('span', { class: 'meta' }, `seed ${r.seed} · h = ${sci(r.h, 0)} · ${r.dtype} · ${rows.length} parameters in ${r.layers.length} layers`),
      el('span', { class: 'spacer' }),
      button('Export JSON', () => host.post({ type: 'export', format: 'json', fileName: 'gradient-check.json', data: JSON.stringify(r, null, 2) })),
    );
    const legend = el(
      'p',
      { class: 'verdict-legend' },
      'CS231n thresholds on the relative error: ',
      verdictBadge('good'),
      ` ≤ ${sci(t.good, 0)} `,
      verdictBadge('ok'),
      ` ≤ ${sci(t.ok, 0)} (fine with kinks) `,
      verdictBadge('warn'),
      ` ≤ ${sci(t.warn, 0)} `,
      verdictBadge('wrong'),
      ` > ${sci(t.warn, 0)}`,
    );
    const filter = el('input', { attrs: { type: 'checkbox', checked: onlyFailing } });
    filter.addEventListener('change', () => {
      onlyFailing = filter.checked;
      save();
      fillTable();
    });
    const table = el(
      'table',
      { class: 'params', attrs: { 'aria-label': 'Checked parameters; arrow keys move, Enter selects' } },
      el('thead', {}, el('tr', {}, ...['Layer', 'Parameter', 'Shape', 'Relative error', 'Max abs error', 'Verdict'].map((h) => el('th', { attrs: { scope: 'col' } }, h)))),
      tbody,
    );
    root.append(head, legend, el('label', { class: 'check' }, filter, ' Only parameters that are not good'), el('div', { class: 'report-grid' }, el('div', { class: 'table-wrap' }, table), detail));
    fillTable();
    renderDetail();
  }

  function findRow(ref: ParamRef): Row | undefined {
    return rows.find((x) => x.layer === ref.layer && x.p.name === ref.param);
  }

  function fillTable(): void {
    clear(tbody);
    let prevLayer = '';
    for (const x of rows) {
      if (onlyFailing && x.p.verdict === 'good') continue;
      const isSel = selected !== undefined && selected.layer === x.layer && selected.param === x.p.name;
      const sizes = Object.entries(x.sizes).map(([k, v]) => `${k}=${v}`).join(' ');
      const tr = el(
        'tr',
        { class: `param-row verdict-${x.p.verdict}`, attrs: { tabindex: isSel ? 0 : -1, 'aria-selected': isSel ? 'true' : 'false' }, data: { layer: x.layer, param: x.p.name } },
        el('td', { class: 'layer', title: sizes }, x.layer === prevLayer ? '' : x.layer),
        el('td', { class: 'mono' }, x.p.name),
        el('td', { class: 'mono' }, fmtShape(x.p.shape)),
        el('td', { class: 'num' }, sci(x.p.relError)),
        el('td', { class: 'num' }, sci(x.p.maxAbsError)),
        el('td', {}, verdictBadge(x.p.verdict)),
      );
      prevLayer = x.layer;
      tr.addEventListener('click', () => choose({ layer: x.layer, param: x.p.name }, true));
      tr.addEventListener('keydown', (e) => rowKey(e, tr));
      tbody.appendChild(tr);
    }
    if (!tbody.firstChild) tbody.appendChild(el('tr', {}, el('td', { attrs: { colspan: 6 }, class: 'empty' }, rows.length ? 'Every parameter is good.' : 'No parameters were checked.')));
    else if (!tbody.querySelector('[tabindex="0"]')) tbody.querySelector('tr')?.setAttribute('tabindex', '0');
  }

  function rowKey(e: KeyboardEvent, tr: HTMLTableRowElement): void {
    const all = [...tbody.querySelectorAll<HTMLTableRowElement>('tr.param-row')];
    const i = all.indexOf(tr);
    let next: HTMLTableRowElement | undefined;
    if (e.key === 'ArrowDown') next = all[Math.min(all.length - 1, i + 1)];
    else if (e.key === 'ArrowUp') next = all[Math.max(0, i - 1)];
    else if (e.key === 'Home') next = all[0];
    else if (e.key === 'End') next = all[all.length - 1];
    else if (e.key === 'Enter' || e.key === ' ') {
      choose({ layer: tr.dataset.layer ?? '', param: tr.dataset.param ?? '' }, true);
      e.preventDefault();
      return;
    } else return;
    e.preventDefault();
    if (next) {
      choose({ layer: next.dataset.layer ?? '', param: next.dataset.param ?? '' }, true);
    }
  }

  function choose(ref: ParamRef, fromUser: boolean): void {
    if (!findRow(ref)) return;
    selected = ref;
    slice = undefined;
    save();
    for (const tr of tbody.querySelectorAll<HTMLTableRowElement>('tr.param-row')) {
      const on = tr.dataset.layer === ref.layer && tr.dataset.param === ref.param;
      tr.setAttribute('aria-selected', on ? 'true' : 'false');
      tr.setAttribute('tabindex', on ? '0' : '-1');
      if (on) {
        if (fromUser) tr.focus();
        else tr.scrollIntoView({ block: 'nearest' });
      }
    }
    renderDetail();
    if (fromUser) host.post({ type: 'paramSelected', ref });
  }

  function renderDetail(): void {
    clear(detail);
    const row = selected ? findRow(selected) : undefined;
    if (!row || !payload) {
      detail.appendChild(el('p', { class: 'empty' }, 'Select a parameter to see where its gradient disagrees.'));
      return;
    }
    const p = row.p;
    const t = payload.thresholds;
    const size = p.shape.reduce((a, d) => a * d, 1);
    const w = p.worst;
    detail.append(
      el('h2', {}, `${row.layer} · `, el('span', { class: 'mono' }, p.name), ' ', verdictBadge(p.verdict)),
      el('p', { class: 'meta' }, `shape ${fmtShape(p.shape)} · ${p.checked === size ? `all ${size}` : `${p.checked} of ${size}`} elements checked · relative error ${sci(p.relError)} · max abs error ${sci(p.maxAbsError)}`),
      el(
        'dl',
        { class: 'worst' },
        el('dt', {}, 'Worst element'),
        el('dd', { class: 'mono' }, p.shape.length ? `[${w.index.join(', ')}]` : '(scalar)'),
        el('dt', {}, 'Analytic'),
        el('dd', { class: 'mono' }, num(w.analytic, 10)),
        el('dt', {}, 'Numeric'),
        el('dd', { class: 'mono' }, num(w.numeric, 10)),
        el('dt', {}, 'Relative error'),
        el('dd', { class: 'mono' }, sci(w.relError)),
      ),
    );

    // Heatmap of the per-element error, sliced to two axes.
    const nd = p.shape.length;
    if (!slice) {
      const ta = p.timeAxis;
      const colAxis = nd - 1;
      const rowAxis = nd <= 1 ? -1 : ta !== undefined && ta !== colAxis ? ta : nd - 2;
      slice = { rowAxis, colAxis, at: nd ? [...w.index] : [] };
    }
    const controls = el('div', { class: 'slice-controls' });
    if (nd > 2) buildSliceControls(controls, p);
    const hm = sliceData(p, slice);
    let minPos = Infinity;
    let maxV = 0;
    for (const e of p.errors) {
      if (e > 0 && e < minPos) minPos = e;
      if (e > maxV) maxV = e;
    }
    const minExp = Math.max(-18, Math.min(-12, Number.isFinite(minPos) ? Math.floor(Math.log10(minPos)) : -12));
    const maxExp = Math.max(0, maxV > 0 ? Math.ceil(Math.log10(maxV)) : 0);
    const markIn = nd === 0 || slice.at.every((v, a) => a === slice?.rowAxis || a === slice?.colAxis || v === w.index[a]);
    heatmap.set({
      values: hm.values,
      rows: hm.rows,
      srcCols: hm.cols,
      rowTitle: slice.rowAxis >= 0 ? axisName(p, slice.rowAxis) : 'row',
      colTitle: nd ? axisName(p, slice.colAxis) : 'element',
      valueName: 'rel. error',
      scale: { kind: 'log', minExp, maxExp },
      palette: 'viridis',
      format: (v) => `${sci(v)} (${VERDICT_WORD[classify(v, t)]})`,
      describe: (r, c) => {
        if (nd === 0) return 'value';
        const idx = [...(slice?.at ?? [])];
        if (slice && slice.rowAxis >= 0) idx[slice.rowAxis] = r;
        if (slice) idx[slice.colAxis] = c;
        return `element [${idx.join(', ')}]`;
      },
      mark: markIn && nd > 0 ? { r: slice.rowAxis >= 0 ? w.index[slice.rowAxis] : 0, c: w.index[slice.colAxis], label: 'worst element' } : undefined,
      legendTicks: [
        { value: t.good, label: sci(t.good, 0) },
        { value: t.ok, label: sci(t.ok, 0) },
        { value: t.warn, label: sci(t.warn, 0) },
      ],
    });
    detail.append(
      el('h3', {}, 'Relative error per element'),
      controls,
      heatmap.root,
      el('div', { class: 'actions' }, button('Export heatmap PNG', () => exportPng(heatmap.canvas, `${p.name}-errors.png`)), button('Explore…', () => host.post({ type: 'explore', name: 'pick', ref: { layer: row.layer, param: p.name } }))),
    );

    // Two kinds (core/gradcheck.ts): along the time axis of an (N, T, ·) tensor, or, for a weight or
    // h0, the error of the whole gradient when only the loss at step t is active.
    const lossSteps = p.perTimestepKind === 'loss-step';
    if (p.perTimestep && (p.timeAxis !== undefined || lossSteps)) {
      const per = p.perTimestep;
      bars.set({
        series: [{ name: lossSteps ? 'relative error' : 'max relative error', ys: per, color: 'blue', kind: 'bar', barColor: (i, th) => verdictColor(th, classify(per[i], t)) }],
        xLabels: per.map((_, i) => String(i)),
        xTitle: lossSteps ? 'loss step t' : 'timestep t',
        yTitle: lossSteps ? 'rel. error' : 'max rel. error',
        yLog: true,
        hlines: [
          { y: t.good, color: 'green', label: `good ${sci(t.good, 0)}` },
          { y: t.ok, color: 'blue', label: `ok ${sci(t.ok, 0)}` },
          { y: t.warn, color: 'red', label: `wrong above ${sci(t.warn, 0)}` },
        ],
        format: (v) => `${sci(v)} (${VERDICT_WORD[classify(v, t)]})`,
        height: 200,
        legend: false, // bars are coloured by verdict; the threshold lines are labelled
      });
      detail.append(
        el('h3', {}, lossSteps ? 'Error per loss step' : `Error per timestep (axis ${p.timeAxis})`),
        ...(lossSteps ? [el('p', { class: 'meta' }, `The relative error of the whole ${p.name} when only the loss at step t counts. If it is right for early steps and wrong for later ones, the gradient is not carried or summed back through time.`)] : []),
        bars.root,
        valuesTable(lossSteps ? 'Values per loss step' : 'Values per timestep', ['t', lossSteps ? 'relative error' : 'max relative error', 'verdict'], per.map((v, i) => [i, sci(v), VERDICT_WORD[classify(v, t)]])),
        el('div', { class: 'actions' }, button('Export bars PNG', () => exportPng(bars.canvas, `${p.name}-per-timestep.png`))),
      );
    }
  }

  function buildSliceControls(box: HTMLElement, p: ParamCheck): void {
    const s = slice;
    if (!s) return;
    const axes = p.shape.map((d, a) => {
      const name = axisName(p, a);
      return { value: String(a), label: name === `axis ${a}` ? `axis ${a} (size ${d})` : `${name} (axis ${a}, size ${d})` };
    });
    const redraw = (): void => renderDetail();
    const later = (f: () => void): void => void setTimeout(f, 0);
    box.append(
      labelled('Rows', select(axes, String(s.rowAxis), (v) => {
        const a = Number(v);
        if (a === s.colAxis) s.colAxis = s.rowAxis;
        s.rowAxis = a;
        later(redraw);
      })),
      labelled('Columns', select(axes, String(s.colAxis), (v) => {
        const a = Number(v);
        if (a === s.rowAxis) s.rowAxis = s.colAxis;
        s.colAxis = a;
        later(redraw);
      })),
    );
    p.shape.forEach((d, a) => {
      if (a === s.rowAxis || a === s.colAxis) return;
      const input = el('input', { attrs: { type: 'number', min: 0, max: d - 1, step: 1, value: s.at[a], 'aria-label': `${axisName(p, a)} index` }, data: { axis: a } });
      input.addEventListener('change', () => {
        const v = Math.round(Number(input.value));
        const next = Math.max(0, Math.min(d - 1, Number.isFinite(v) ? v : 0));
        if (next === s.at[a]) return;
        s.at[a] = next;
        // Not inside the event: rebuilding removes this input, whose blur would fire change again.
        setTimeout(() => {
          redraw();
          detail.querySelector<HTMLInputElement>(`.slice-index input[data-axis="${a}"]`)?.focus();
        }, 0);
      });
      box.append(labelled(`${axisName(p, a)} =`, input, 'field slice-index'));
    });
  }

  function exportPng(c: HTMLCanvasElement, fileName: string): void {
    host.post({ type: 'export', format: 'png', fileName, data: pngDataUrl(c) });
  }

  return {
    receive(m) {
      switch (m.type) {
        case 'empty':
          payload = undefined;
          emptyNotice(root, m.message);
          break;
        case 'setReport':
          payload = m.payload;
          slice = undefined;
          if (m.payload.select) selected = m.payload.select;
          render();
          break;
        case 'selectParam':
          if (payload) choose(m.ref, false);
          break;
        default: {
          const never: never = m;
          throw new Error(`report: unhandled message ${JSON.stringify(never)}`);
        }
      }
    },
  };
}

/** CS231n letters for the usual (N, T, ·) layouts; otherwise the axis number. */
function axisName(p: ParamCheck, a: number): string {
  if (p.timeAxis === a) return 't';
  if (p.timeAxis !== undefined && a === 0) return 'n';
  return `axis ${a}`;
}

/** The 2-D slice of the per-element errors shown by the heatmap. */
export function sliceData(p: ParamCheck, s: { rowAxis: number; colAxis: number; at: number[] }): { values: Float64Array; rows: number; cols: number } {
  const nd = p.shape.length;
  if (nd === 0) return { values: Float64Array.from(p.errors), rows: 1, cols: 1 };
  const strides = new Array<number>(nd);
  let acc = 1;
  for (let a = nd - 1; a >= 0; a--) {
    strides[a] = acc;
    acc *= p.shape[a];
  }
  const rows = s.rowAxis >= 0 ? p.shape[s.rowAxis] : 1;
  const cols = p.shape[s.colAxis];
  let base = 0;
  for (let a = 0; a < nd; a++) if (a !== s.rowAxis && a !== s.colAxis) base += (s.at[a] ?? 0) * strides[a];
  const values = new Float64Array(rows * cols);
  const rs = s.rowAxis >= 0 ? strides[s.rowAxis] : 0;
  const cs = strides[s.colAxis];
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) values[r * cols + c] = p.errors[base + r * rs + c * cs];
  return { values, rows, cols };
}

function verdictBadge(v: Verdict): HTMLElement {
  // Coloured by style.css from the theme's chart colours, so a theme change recolours it.
  return el('span', { class: `badge verdict-${v}` }, VERDICT_WORD[v]);
}
