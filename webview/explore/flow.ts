/**
 * Gradient flow through time: ‖∂L/∂h_t‖ of the RNN and the LSTM on one log chart, with sliders
 * for the sequence length T and the spectral radius of Wh. Every slider position was computed by
 * the host in one go, so moving a slider redraws at once. Below, the same on a real caption
 * (the gradients-per-timestep view of the webview bundle, embedded).
 */
import { Chart } from '../chart';
import { pngDataUrl } from '../canvas';
import { button, el } from '../dom';
import { sci } from '../format';
import { gradFlowView } from '../views/gradflow';
import type { ExplorePayload } from '../../protocol/webview';
import type { ExploreHost } from './host';

type Flow = Extract<ExplorePayload['result'], { kind: 'flow' }>;

interface UiState {
  flowT?: number;
  flowRho?: number;
}

export function flowView(r: Flow, host: ExploreHost): HTMLElement {
  const g = r.grid;
  const ui = host.uiState<UiState>();
  let ti = Math.min(g.Ts.length - 1, Math.max(0, ui.flowT ?? g.Ts.indexOf(100)));
  if (ti < 0) ti = g.Ts.length - 1;
  let ri = Math.min(g.rhos.length - 1, Math.max(0, ui.flowRho ?? g.rhos.indexOf(1)));
  if (ri < 0) ri = 0;
  const chart = new Chart('Norm of the gradient reaching h_t, RNN and LSTM');
  const tSlider = el('input', { attrs: { type: 'range', min: 0, max: g.Ts.length - 1, step: 1, value: ti, 'aria-label': 'Sequence length T' } });
  const rSlider = el('input', { attrs: { type: 'range', min: 0, max: g.rhos.length - 1, step: 1, value: ri, 'aria-label': 'Spectral radius of Wh' } });
  const tOut = el('output', { class: 'mono' });
  const rOut = el('output', { class: 'mono' });
  const summary = el('p', { class: 'summary', attrs: { 'aria-live': 'polite' } });

  function update(): void {
    const run = g.runs[ti][ri];
    tOut.textContent = String(g.Ts[ti]);
    rOut.textContent = g.rhos[ri].toFixed(2);
    chart.set({
      series: [
        { name: 'RNN ‖∂L/∂h_t‖', ys: run.rnn.dh, color: 'blue', kind: 'line', width: 2 },
        { name: 'LSTM ‖∂L/∂h_t‖', ys: run.lstm.dh, color: 'orange', kind: 'line', width: 2 },
      ],
      xLabels: run.rnn.dh.map((_, t) => String(t)),
      xTitle: 't',
      yTitle: '‖∂L/∂h_t‖ (log)',
      yLog: true,
      hlines: [{ y: 1, color: 'muted', label: 'at the loss: 1' }],
      format: (v) => sci(v, 2),
      height: 320,
    });
    const T = g.Ts[ti];
    const verb = (x: number) => (x < 1e-3 ? 'vanishes' : x > 1e3 ? 'explodes' : 'survives');
    summary.textContent =
      `T = ${T}, ρ(Wh) = ${g.rhos[ri].toFixed(2)}: back at t = 0 the RNN's gradient is ${sci(run.rnn.dh[0], 1)} (${verb(run.rnn.dh[0])}), ` +
      `the LSTM's ${sci(run.lstm.dh[0], 1)} (${verb(run.lstm.dh[0])}). Each RNN step multiplies by Whᵀ·diag(1 − h²): below ρ ≈ 1 (and with saturated tanh) it shrinks, above it can grow; ` +
      `the LSTM's cell path multiplies by the forget gate instead (bias ${g.forgetBias}).`;
    host.saveUiState({ flowT: ti, flowRho: ri } satisfies UiState);
  }
  tSlider.addEventListener('input', () => {
    ti = Number(tSlider.value);
    update();
  });
  rSlider.addEventListener('input', () => {
    ri = Number(rSlider.value);
    update();
  });
  update();
  const parts: HTMLElement[] = [
    el(
      'div',
      { class: 'toolbar sliders' },
      el('label', { class: 'field' }, el('span', { class: 'field-label' }, 'T '), tSlider, tOut),
      el('label', { class: 'field' }, el('span', { class: 'field-label' }, 'spectral radius of Wh '), rSlider, rOut),
      button('Export PNG', () => host.post({ type: 'export', format: 'png', fileName: 'gradient-flow.png', data: pngDataUrl(chart.canvas) })),
    ),
    el('p', { class: 'meta' }, `Synthetic task: N = 1, H = ${g.hidden}, inputs ~ N(0, 1), h0 = 0, Wh = ρ·Q (Q orthogonal, so every eigenvalue has modulus ρ; each LSTM gate block alike); the loss is at the last step only (‖∂L/∂h_T−1‖ = 1).`),
    chart.root,
    summary,
  ];
  if (r.caption) {
    const c = r.caption;
    const root = el('div', { class: 'embedded-gradflow' });
    const v = gradFlowView(root, host.embedded('gradflow', 'caption'));
    v.receive({ type: 'setGradFlow', payload: { words: c.words, perCell: { rnn: c.rnn, lstm: c.lstm } } });
    parts.push(el('h2', {}, `A caption of ${c.dataset} (${c.split} caption ${c.index}), untrained models with H = 512`), root);
  } else {
    parts.push(el('p', { class: 'meta' }, 'Open a dataset to see the same on one of its captions.'));
  }
  return el('section', { class: 'explore-flow' }, ...parts);
}
