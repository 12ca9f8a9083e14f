/**
 * Hidden states of one caption: a heatmap of h_t (time × hidden units) and, for the LSTM, the
 * cell state c_t and the gates i, f, o, g; the caption's words label the time axis; units can be
 * sorted and filtered by activation.
 */
import type { Host } from '../api';
import { captionPicker } from '../captionPicker';
import { pngDataUrl } from '../canvas';
import { button, clear, el, emptyNotice, labelled, select } from '../dom';
import { num } from '../format';
import { Heatmap } from '../heatmap';
import type { HiddenStatesPayload, ToHidden } from '../../protocol/webview';

type Which = 'h' | 'c' | 'i' | 'f' | 'o' | 'g';
type SortBy = 'index' | 'mean' | 'meanAbs' | 'maxAbs' | 'std';

const NAMES: Record<Which, string> = {
  h: 'hidden state h_t',
  c: 'cell state c_t',
  i: 'input gate i_t',
  f: 'forget gate f_t',
  o: 'output gate o_t',
  g: 'candidate g_t',
};

interface UiState {
  which?: Which;
  sortBy?: SortBy;
  minAbs?: number;
}

export function hiddenView(root: HTMLElement, host: Host<'hidden'>): { receive(m: ToHidden): void } {
  let payload: HiddenStatesPayload | undefined;
  const ui = host.uiState<UiState>();
  let which: Which = ui.which ?? 'h';
  let sortBy: SortBy = ui.sortBy ?? 'index';
  let minAbs = ui.minAbs ?? 0;
  const heatmap = new Heatmap('Hidden-state heatmap');
  const count = el('span', { class: 'meta', attrs: { 'aria-live': 'polite' } });

  function save(): void {
    host.saveUiState({ which, sortBy, minAbs } satisfies UiState);
  }

  function matrixOf(p: HiddenStatesPayload, w: Which): number[][] | undefined {
    if (w === 'h') return p.h;
    if (w === 'c') return p.c;
    return p.gates?.[w];
  }

  function render(): void {
    const p = payload;
    if (!p) return;
    clear(root);
    root.setAttribute('aria-busy', 'false');
    if (!matrixOf(p, which)) which = 'h';
    const available = (['h', 'c', 'i', 'f', 'o', 'g'] as const).filter((w) => matrixOf(p, w));
    const T = p.h.length;
    const H = T > 0 ? p.h[0].length : 0;
    const tabs = el('div', { class: 'segmented', attrs: { role: 'radiogroup', 'aria-label': 'Which state' } });
    for (const w of available) {
      const id = `which-${w}`;
      const r = el('input', { attrs: { type: 'radio', name: 'which', id, value: w, checked: w === which } });
      r.addEventListener('change', () => {
        which = w;
        save();
        update();
      });
      tabs.append(el('label', { class: 'segment', attrs: { for: id } }, r, w === 'h' || w === 'c' ? `${w}_t` : `gate ${w}`));
    }
    const minInput = el('input', { attrs: { type: 'number', min: 0, step: 0.05, value: minAbs, 'aria-label': 'Only units whose largest |value| is at least' } });
    minInput.addEventListener('input', () => {
      const v = Number(minInput.value);
      minAbs = Number.isFinite(v) && v >= 0 ? v : 0;
      save();
      update();
    });
    root.append(
      el('header', { class: 'toolbar' }, el('h1', {}, `Hidden states · ${p.cell.toUpperCase()}`), el('span', { class: 'meta' }, `T = ${T} timesteps · H = ${H} units${p.model ? ` · ${p.model}` : ''}`)),
      captionPicker(p.caption, p.words, (split, index, sampled) => host.post({ type: 'chooseCaption', split, index, sampled })),
      el(
        'div',
        { class: 'toolbar' },
        tabs,
        labelled(
          'Sort units by',
          select(
            [
              { value: 'index', label: 'unit number' },
              { value: 'mean', label: 'mean over time' },
              { value: 'meanAbs', label: 'mean |value|' },
              { value: 'maxAbs', label: 'max |value|' },
              { value: 'std', label: 'change over time (std)' },
            ] as const,
            sortBy,
            (v) => {
              sortBy = v;
              save();
              update();
            },
          ),
        ),
        labelled('Units with max |value| ≥', minInput),
        count,
      ),
      heatmap.root,
      el('div', { class: 'actions' }, button('Export PNG', () => host.post({ type: 'export', format: 'png', fileName: `hidden-${which}.png`, data: pngDataUrl(heatmap.canvas) }))),
    );
    update();
  }

  function update(): void {
    const p = payload;
    if (!p) return;
    const m = matrixOf(p, which) ?? p.h;
    const T = m.length;
    const H = T > 0 ? m[0].length : 0;
    const values = new Float64Array(T * H);
    for (let t = 0; t < T; t++) values.set(m[t], t * H);
    const order = unitOrder(values, T, H, sortBy, minAbs);
    const sorted = sortBy === 'index' ? '' : ', sorted';
    count.textContent = order.length === H ? `all ${H} units${sorted}` : `${order.length} of ${H} units with max |value| ≥ ${minAbs}${sorted}`;
    let maxAbs = 0;
    for (const v of values) if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
    const gate = which === 'i' || which === 'f' || which === 'o';
    heatmap.set({
      values,
      rows: T,
      srcCols: H,
      colOrder: order,
      rowNames: p.words,
      rowTitle: 't',
      colTitle: 'unit',
      valueName: which === 'h' || which === 'c' ? `${which}_t` : which,
      // h and g are tanh outputs in [-1, 1]; gates are sigmoids in [0, 1]; c is unbounded.
      scale: gate ? { kind: 'linear', min: 0, max: 1 } : { kind: 'diverging', max: which === 'c' ? maxAbs || 1 : 1 },
      palette: gate ? 'viridis' : 'diverging',
      format: (v) => num(v, 4),
    });
    heatmap.canvas.setAttribute('aria-label', `${NAMES[which]}: ${T} timesteps × ${order.length} units`);
  }

  return {
    receive(m) {
      switch (m.type) {
        case 'empty':
          payload = undefined;
          emptyNotice(root, m.message);
          break;
        case 'setHidden':
          payload = m.payload;
          render();
          break;
        default: {
          const never: never = m;
          throw new Error(`hidden: unhandled message ${JSON.stringify(never)}`);
        }
      }
    },
  };
}

/** Columns to show: those whose max |value| reaches minAbs, ordered by the chosen statistic (descending). */
export function unitOrder(values: ArrayLike<number>, T: number, H: number, by: SortBy, minAbs: number): number[] {
  const stat = new Float64Array(H);
  const keep: number[] = [];
  for (let j = 0; j < H; j++) {
    let s = 0;
    let sa = 0;
    let ma = 0;
    let ss = 0;
    for (let t = 0; t < T; t++) {
      const v = values[t * H + j];
      s += v;
      sa += Math.abs(v);
      ss += v * v;
      if (Math.abs(v) > ma) ma = Math.abs(v);
    }
    const mean = T ? s / T : 0;
    stat[j] = by === 'mean' ? mean : by === 'meanAbs' ? sa / Math.max(T, 1) : by === 'maxAbs' ? ma : by === 'std' ? Math.sqrt(Math.max(0, ss / Math.max(T, 1) - mean * mean)) : -j;
    if (ma >= minAbs) keep.push(j);
  }
  if (by !== 'index') keep.sort((a, b) => stat[b] - stat[a] || a - b);
  return keep;
}
