/**
 * Gradients per timestep: ‖∂L/∂h_t‖ and ‖∂L/∂x_t‖ for every step of the backward pass, and each
 * step's contribution to dWh and dWx, for rnn and lstm side by side on the same caption, on a
 * shared y axis (linear or log) so vanishing and exploding gradients compare at a glance.
 */
import type { Host } from '../api';
import { captionPicker } from '../captionPicker';
import { pngDataUrl } from '../canvas';
import { Chart } from '../chart';
import { button, clear, el, emptyNotice, valuesTable } from '../dom';
import { sci } from '../format';
import type { CellType, GradFlowPayload, GradFlowSeries, ToGradFlow } from '../../protocol/webview';

interface UiState {
  log?: boolean;
}

const CELLS: readonly CellType[] = ['rnn', 'lstm'];

export function gradFlowView(root: HTMLElement, host: Host<'gradflow'>): { receive(m: ToGradFlow): void } {
  let payload: GradFlowPayload | undefined;
  let log = host.uiState<UiState>().log ?? true;
  const charts = {
    rnn: { state: new Chart('RNN: gradient norms per timestep'), params: new Chart('RNN: parameter-gradient contributions per timestep') },
    lstm: { state: new Chart('LSTM: gradient norms per timestep'), params: new Chart('LSTM: parameter-gradient contributions per timestep') },
  };

  function render(): void {
    const p = payload;
    if (!p) return;
    clear(root);
    root.setAttribute('aria-busy', 'false');
    const logBox = el('input', { attrs: { type: 'checkbox', checked: log } });
    logBox.addEventListener('change', () => {
      log = logBox.checked;
      host.saveUiState({ log } satisfies UiState);
      update();
    });
    const cols = CELLS.filter((c) => p.perCell[c]).map((c) => {
      const ch = charts[c];
      return el(
        'section',
        { class: 'cell-column', attrs: { 'aria-label': c.toUpperCase() } },
        el('h2', {}, c.toUpperCase()),
        ...(p.models?.[c] ? [el('p', { class: 'meta model' }, p.models[c] as string)] : []),
        el('p', { class: 'meta ratio' }, ratioText(p.perCell[c] as GradFlowSeries)),
        el('h3', {}, 'Gradient reaching the state and the input'),
        ch.state.root,
        el('h3', {}, 'Contribution of each step to the weight gradients'),
        ch.params.root,
        el(
          'div',
          { class: 'actions' },
          button(`Export ${c} norms PNG`, () => host.post({ type: 'export', format: 'png', fileName: `gradflow-${c}-state.png`, data: pngDataUrl(ch.state.canvas) })),
          button(`Export ${c} weights PNG`, () => host.post({ type: 'export', format: 'png', fileName: `gradflow-${c}-weights.png`, data: pngDataUrl(ch.params.canvas) })),
        ),
      );
    });
    const headers = ['t', 'word'];
    for (const c of CELLS) if (p.perCell[c]) headers.push(`${c} ‖dh‖`, `${c} ‖dx‖`, `${c} ‖dWh_t‖`, `${c} ‖dWx_t‖`);
    const rows = p.words.map((w, t) => {
      const r: (string | number)[] = [t, w];
      for (const c of CELLS) {
        const s = p.perCell[c];
        if (s) r.push(sci(s.dh[t]), sci(s.dx[t]), sci(s.dWh[t]), sci(s.dWx[t]));
      }
      return r;
    });
    root.append(
      el('header', { class: 'toolbar' }, el('h1', {}, 'Gradients per timestep'), el('span', { class: 'spacer' }), el('label', { class: 'check' }, logBox, ' log scale')),
      captionPicker(p.caption, p.words, (split, index, sampled) => host.post({ type: 'chooseCaption', split, index, sampled })),
      cols.length ? el('div', { class: 'side-by-side' }, ...cols) : el('p', { class: 'empty' }, 'No cell traced.'),
      valuesTable('Values per timestep', headers, rows),
    );
    update();
  }

  function update(): void {
    const p = payload;
    if (!p) return;
    const present = CELLS.filter((c) => p.perCell[c]);
    const domain = (keys: (keyof GradFlowSeries)[]): [number, number] | undefined => {
      let lo = Infinity;
      let hi = -Infinity;
      for (const c of present) {
        const s = p.perCell[c] as GradFlowSeries;
        for (const k of keys) {
          for (const v of s[k]) {
            if (!Number.isFinite(v) || (log && v <= 0)) continue;
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
          }
        }
      }
      if (!Number.isFinite(lo)) return undefined;
      if (log) return [lo, hi];
      return [0, hi * 1.05 || 1];
    };
    const stateDomain = domain(['dh', 'dx']);
    const paramDomain = domain(['dWh', 'dWx']);
    for (const c of present) {
      const s = p.perCell[c] as GradFlowSeries;
      charts[c].state.set({
        series: [
          { name: '‖∂L/∂h_t‖', ys: s.dh, color: 'blue', kind: 'bar' },
          { name: '‖∂L/∂x_t‖', ys: s.dx, color: 'orange', kind: 'bar' },
        ],
        xLabels: p.words,
        xTitle: 't',
        yTitle: 'norm',
        yLog: log,
        yDomain: stateDomain && (log ? stateDomain : [0, stateDomain[1]]),
        format: (v) => sci(v),
        height: 210,
      });
      charts[c].params.set({
        series: [
          { name: '‖dWh_t‖', ys: s.dWh, color: 'purple', kind: 'bar' },
          { name: '‖dWx_t‖', ys: s.dWx, color: 'green', kind: 'bar' },
        ],
        xLabels: p.words,
        xTitle: 't',
        yTitle: 'norm',
        yLog: log,
        yDomain: paramDomain,
        format: (v) => sci(v),
        height: 210,
      });
    }
  }

  return {
    receive(m) {
      switch (m.type) {
        case 'empty':
          payload = undefined;
          emptyNotice(root, m.message);
          break;
        case 'setGradFlow':
          payload = m.payload;
          render();
          break;
        default: {
          const never: never = m;
          throw new Error(`gradflow: unhandled message ${JSON.stringify(never)}`);
        }
      }
    },
  };
}

/**
 * How much of the gradient reaching the last step that still has a loss is left at the first: the
 * vanishing ratio. Steps after <END> predict <NULL>, are masked, and get exactly zero gradient.
 */
export function ratioText(s: GradFlowSeries): string {
  let last = -1;
  for (let t = s.dh.length - 1; t >= 0; t--) {
    if (Number.isFinite(s.dh[t]) && s.dh[t] > 0) {
      last = t;
      break;
    }
  }
  if (last < 1) return '';
  const zeros = s.dh.length - 1 - last;
  const masked = zeros > 0 ? ` · steps ${last + 1}–${s.dh.length - 1}: zero (masked <NULL> targets)` : '';
  return `‖∂L/∂h_0‖ / ‖∂L/∂h_${last}‖ = ${sci(s.dh[0] / s.dh[last])}${masked}`;
}
