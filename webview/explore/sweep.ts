/**
 * The step-size sweep on log-log axes: relative error against h (1e-12 on the left, 1e-1 on the
 * right, half-decade steps, so equal spacing is a log axis), float64 and float32, worst element
 * (solid) and median element (dashed), the best h of each marked, the CS231n thresholds as lines.
 */
import { Chart, type ChartSeries } from '../chart';
import { pngDataUrl } from '../canvas';
import { button, el, labelled, select, valuesTable } from '../dom';
import { sci } from '../format';
import type { ExplorePayload } from '../../protocol/webview';
import type { ExploreHost } from './host';
import { withNumbers } from './badge';

type Sweep = Extract<ExplorePayload['result'], { kind: 'sweep' }>['sweep'];

export function sweepView(p: ExplorePayload, s: Sweep, host: ExploreHost): HTMLElement {
  const order = s.hs.map((_, i) => i).sort((a, b) => s.hs[a] - s.hs[b]);
  const xs = order.map((i) => s.hs[i]);
  const chart = new Chart(`Relative error against step size h for ${s.check} ${s.param}`);
  const series: ChartSeries[] = [];
  for (const c of s.curves) {
    const name = c.label ?? c.precision;
    const col = c.label ? 'purple' : c.precision === 'float64' ? 'blue' : 'orange';
    series.push({ name: `${name} (worst element)`, xs, ys: order.map((i) => c.relError[i]), color: col, kind: 'line', width: 2 });
    series.push({ name: `${name} (median element)`, xs, ys: order.map((i) => c.medianError[i]), color: col, kind: 'line', dash: [4, 3], alpha: 0.7 });
    series.push({ name: `best h, ${name}: ${sci(c.best.h, 0)}`, xs, ys: order.map((i) => (s.hs[i] === c.best.h ? c.relError[i] : NaN)), color: col, kind: 'points', width: 6 });
  }
  chart.set({
    series,
    xLog: true,
    vlines: [
      ...s.curves.filter((c) => !c.label).map((c) => ({ x: c.best.h, color: (c.precision === 'float64' ? 'blue' : 'orange') as 'blue' | 'orange', label: `best ${sci(c.best.h, 0)}` })),
    ],
    // Short: the readout starts with it ("step h 3.16228e-6 · …") and a narrow panel must fit it.
    xTitle: 'step h',
    yTitle: 'relative error (log)',
    yLog: true,
    yDomain: [10 ** (Math.floor(Math.log10(Math.max(1e-17, Math.min(...s.curves.flatMap((c) => [...c.relError, ...c.medianError]).filter((v) => v > 0))))) - 1), 2],
    hlines: [
      { y: 1e-7, color: 'green', label: 'good ≤ 1e-7' },
      { y: 1e-4, color: 'yellow', label: 'ok ≤ 1e-4' },
      { y: 1e-2, color: 'red', label: 'wrong > 1e-2' },
    ],
    format: (v) => sci(v, 1),
    height: 340,
  });
  // Re-run for another gradient: the host computes, the view only asks.
  const checks = p.choices?.checks ?? [{ check: s.check, params: [s.param] }];
  let check = s.check;
  let param = s.param;
  const paramSel = el('span');
  const fillParams = () => {
    const ps = checks.find((c) => c.check === check)?.params ?? [];
    if (!ps.includes(param)) param = ps[0] ?? param;
    paramSel.replaceChildren(select(ps.map((x) => ({ value: x, label: x })), param, (v) => (param = v), { attrs: { 'aria-label': 'Gradient' } }));
  };
  fillParams();
  const checkSel = select(checks.map((c) => ({ value: c.check, label: c.check })), check, (v) => {
    check = v;
    fillParams();
  }, { attrs: { 'aria-label': 'Layer or model' } });
  const controls = el(
    'div',
    { class: 'toolbar explore-controls' },
    labelled('Check', checkSel),
    labelled('Gradient', paramSel),
    button('Sweep', () => host.post({ type: 'runExplore', request: { name: 'sweep', check, param, seed: s.seed } }), { class: 'primary' }),
    button('Export PNG', () => host.post({ type: 'export', format: 'png', fileName: `sweep-${s.check}-${s.param}.png`, data: pngDataUrl(chart.canvas) })),
  );
  const why = el('div', { class: 'why' }, el('p', { class: 'muted' }, 'Both axes are logarithmic. Round-off dominates on the left (small h), truncation on the right (large h).'), ...s.curves.map((c) => el('p', { class: `why-${c.precision}` }, el('strong', {}, `${c.label ?? c.precision}: `), ...withNumbers(c.why))));
  const rows = order.map((i) => [sci(s.hs[i], 1), ...s.curves.flatMap((c) => [sci(c.relError[i], 2), sci(c.medianError[i], 2)])]);
  const table = valuesTable('Values', ['h', ...s.curves.flatMap((c) => [`${c.label ?? c.precision} worst`, `${c.label ?? c.precision} median`])], rows);
  return el('section', { class: 'explore-sweep' }, controls, chart.root, why, table);
}
