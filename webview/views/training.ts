/**
 * Training panel (sidebar webview view): the run's settings, Start / Stop / Reset, a live loss
 * curve (raw and smoothed, log-y option), iteration, epoch, speed, ETA and the latest sampled
 * captions. The curve keeps every point in growing typed arrays and draws a per-pixel min/max
 * decimation, so it stays fast at 100 000 points.
 */
import type { Host } from '../api';
import { pngDataUrl } from '../canvas';
import { Chart, type ChartSeries } from '../chart';
import { button, clear, el, emptyNotice, labelled, select } from '../dom';
import { duration, num } from '../format';
import {
  type EpochPoint,
  type LossSeries,
  type SampledCaption,
  type ToTraining,
  type TrainConfig,
  type TrainingState,
  type TrainProgress,
  type TrainStatus,
  UPDATE_RULES,
} from '../../protocol/webview';

/**
 * Growing columnar store of the raw curve plus its exponential moving average (bias-corrected).
 * The smoothing window follows the run's length (about 1% of it, 5 to 500 iterations), so a short
 * run's smoothed curve does not lag far behind and a long one's is not noise; when the window
 * doubles, the average is recomputed over all points (O(n), a few times per run).
 */
export class LossStore {
  iteration: Float64Array<ArrayBuffer> = new Float64Array(1024);
  loss: Float64Array<ArrayBuffer> = new Float64Array(1024);
  smooth: Float64Array<ArrayBuffer> = new Float64Array(1024);
  length = 0;
  private window = 5;
  private ema = 0;
  private weight = 0;

  clear(): void {
    this.length = 0;
    this.window = 5;
    this.ema = 0;
    this.weight = 0;
  }

  /** Iterations the moving average spans (1 / (1 − β)). */
  get smoothingWindow(): number {
    return this.window;
  }

  append(points: LossSeries): void {
    const n = points.iteration.length;
    const start = this.length;
    this.reserve(start + n);
    for (let k = 0; k < n; k++) {
      this.iteration[start + k] = points.iteration[k];
      this.loss[start + k] = points.loss[k];
    }
    this.length = start + n;
    const ideal = Math.max(5, Math.min(500, Math.floor(this.length / 100)));
    if (ideal >= 2 * this.window || (ideal === 500 && this.window !== 500)) {
      this.window = ideal;
      this.ema = 0;
      this.weight = 0;
      this.smoothFrom(0);
    } else this.smoothFrom(start);
  }

  private smoothFrom(from: number): void {
    const beta = 1 - 1 / this.window;
    for (let i = from; i < this.length; i++) {
      const y = this.loss[i];
      if (Number.isFinite(y)) {
        this.ema = beta * this.ema + (1 - beta) * y;
        this.weight = beta * this.weight + (1 - beta);
      }
      this.smooth[i] = this.weight > 0 ? this.ema / this.weight : NaN;
    }
  }

  private reserve(n: number): void {
    if (n <= this.iteration.length) return;
    let cap = this.iteration.length;
    while (cap < n) cap *= 2;
    const grow = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(cap);
      b.set(a.subarray(0, this.length));
      return b;
    };
    this.iteration = grow(this.iteration);
    this.loss = grow(this.loss);
    this.smooth = grow(this.smooth);
  }
}

interface UiState {
  logY?: boolean;
}

const STATUS_TEXT: Record<TrainStatus, string> = {
  idle: 'Ready to train',
  running: 'Training…',
  stopping: 'Stopping after this iteration…',
  stopped: 'Stopped',
  done: 'Finished',
  failed: 'Failed',
};

/**
 * The status line: the state's word and the run's message, without saying a word twice
 * ("Finished: finished 100 iterations" reads "Finished 100 iterations") and without an ellipsis
 * before a colon ("Training…: rnn H=…" reads "Training: rnn H=…").
 */
export function statusText(s: TrainStatus, message: string | undefined): string {
  const label = STATUS_TEXT[s];
  const msg = message?.trim();
  if (!msg) return label;
  const word = label.replace(/\u2026$/, '').split(' ')[0].toLowerCase();
  if (msg.split(/[\s:,]/)[0].toLowerCase() === word) return msg[0].toUpperCase() + msg.slice(1);
  return `${label.replace(/\u2026$/, '')}: ${msg}`;
}

type NumKey = 'hiddenDim' | 'wordvecDim' | 'learningRate' | 'batchSize' | 'numEpochs' | 'trainSubset' | 'seed';

const NUM_FIELDS: readonly { key: NumKey; label: string; int: boolean; min: number; max?: number }[] = [
  { key: 'hiddenDim', label: 'Hidden size', int: true, min: 1, max: 4096 },
  { key: 'wordvecDim', label: 'Word vector size', int: true, min: 1, max: 4096 },
  { key: 'learningRate', label: 'Learning rate', int: false, min: 0 },
  { key: 'batchSize', label: 'Batch size', int: true, min: 1, max: 100000 },
  { key: 'numEpochs', label: 'Epochs', int: true, min: 1, max: 100000 },
  { key: 'trainSubset', label: 'Train captions', int: true, min: 1 },
  { key: 'seed', label: 'Seed', int: true, min: -2147483648, max: 2147483647 },
];

export function trainingView(root: HTMLElement, host: Host<'training'>): { receive(m: ToTraining): void } {
  let state: TrainingState | undefined;
  let logY = host.uiState<UiState>().logY ?? false;
  const store = new LossStore();
  let epochs: EpochPoint[] = [];
  const chart = new Chart('Training loss');
  const els = {
    form: el('fieldset', { class: 'train-form' }),
    status: el('p', { class: 'status', attrs: { role: 'status' } }),
    stats: el('dl', { class: 'stats' }),
    bar: el('progress', { attrs: { max: 1, value: 0, 'aria-label': 'Training progress' } }),
    captions: el('ul', { class: 'sampled' }),
    error: el('p', { class: 'form-error', attrs: { role: 'alert' } }),
    start: button('Start', () => start(), { class: 'primary' }),
    stop: button('Stop', () => host.post({ type: 'stopTraining' })),
    reset: button('Reset', () => host.post({ type: 'resetTraining' })),
  };
  const inputs = new Map<NumKey, HTMLInputElement>();
  let cellSel: HTMLSelectElement | undefined;
  let ruleSel: HTMLSelectElement | undefined;
  let dtypeSel: HTMLSelectElement | undefined;
  let featSel: HTMLSelectElement | undefined;
  let editTimer = 0;

  function readConfig(): { config?: TrainConfig; error?: string } {
    if (!state) return { error: 'no state' };
    const c: TrainConfig = { ...state.config };
    for (const f of NUM_FIELDS) {
      const input = inputs.get(f.key);
      if (!input) continue;
      const v = Number(input.value);
      const bad = input.value.trim() === '' || !Number.isFinite(v) || (f.int && !Number.isInteger(v)) || (f.key === 'learningRate' ? v <= 0 : v < f.min) || (f.max !== undefined && v > f.max);
      input.setAttribute('aria-invalid', bad ? 'true' : 'false');
      if (bad) {
        // A number input holding text ("abc") reports an empty value and validity.badInput.
        const got = input.validity?.badInput ? 'what is typed is not a number' : input.value.trim() === '' ? 'the field is empty' : `got “${input.value}”`;
        return { error: `${f.label}: ${f.int ? 'a whole number' : 'a number'} ${f.key === 'learningRate' ? '> 0' : `≥ ${f.min}`}${f.max !== undefined ? ` and ≤ ${f.max}` : ''}, ${got}` };
      }
      c[f.key] = v;
    }
    if (cellSel) c.cellType = cellSel.value === 'rnn' ? 'rnn' : 'lstm';
    if (ruleSel) c.updateRule = UPDATE_RULES.find((r) => r === ruleSel?.value) ?? c.updateRule;
    if (dtypeSel) c.float32 = dtypeSel.value !== 'float64';
    if (featSel) c.fc7 = featSel.value === 'fc7';
    return { config: c };
  }

  function onEdit(): void {
    const { config, error } = readConfig();
    els.error.textContent = error ?? '';
    syncButtons();
    if (!config || !state) return;
    state.config = config;
    clearTimeout(editTimer);
    editTimer = window.setTimeout(() => host.post({ type: 'editConfig', config }), 250);
  }

  function start(): void {
    const { config, error } = readConfig();
    els.error.textContent = error ?? '';
    if (config) host.post({ type: 'startTraining', config });
  }

  function buildForm(c: TrainConfig): void {
    clear(els.form);
    inputs.clear();
    cellSel = select([{ value: 'rnn', label: 'RNN' }, { value: 'lstm', label: 'LSTM' }] as const, c.cellType, onEdit);
    ruleSel = select(UPDATE_RULES.map((r) => ({ value: r, label: r })), c.updateRule, onEdit);
    els.form.append(el('legend', {}, 'Model and run'), labelled('Cell', cellSel));
    for (const f of NUM_FIELDS) {
      const input = el('input', { attrs: { type: 'number', step: f.int ? 1 : 'any', min: f.key === 'learningRate' ? undefined : f.min, max: f.max, value: c[f.key], name: f.key } });
      input.addEventListener('input', onEdit);
      inputs.set(f.key, input);
      els.form.append(labelled(f.label, input));
      if (f.key === 'wordvecDim') els.form.append(labelled('Update rule', ruleSel));
    }
    // The notebooks' settings: float32 and the PCA features; float64 and fc7 one choice away.
    dtypeSel = select([{ value: 'float32', label: 'float32' }, { value: 'float64', label: 'float64' }] as const, c.float32 === false ? 'float64' : 'float32', onEdit);
    featSel = select([{ value: 'pca', label: 'PCA (512-d)' }, { value: 'fc7', label: 'fc7 (4096-d)' }] as const, c.fc7 ? 'fc7' : 'pca', onEdit);
    els.form.append(labelled('Precision', dtypeSel), labelled('Features', featSel));
  }

  function syncButtons(): void {
    const s = state?.status ?? 'idle';
    const busy = s === 'running' || s === 'stopping';
    els.form.disabled = busy;
    els.start.disabled = busy || els.error.textContent !== '';
    els.stop.disabled = s !== 'running';
    els.reset.disabled = busy;
    els.status.textContent = statusText(s, state?.message);
    els.status.className = `status status-${s}`;
  }

  function showProgress(p: TrainProgress | undefined): void {
    // A stopped or failed run has no time left: its last estimate would read as if it were still going.
    const s = state?.status ?? 'idle';
    const going = s === 'running' || s === 'stopping';
    const items: [string, string][] = p
      ? [
          ['Iteration', `${p.iteration} / ${p.totalIterations}`],
          ['Epoch', `${p.epoch} / ${p.totalEpochs}`],
          ['Speed', `${num(p.itPerSec, 3)} it/s`],
          ['ETA', going ? duration(p.etaSeconds) : '—'],
          ...(p.dataWaitShare !== undefined ? [['Data wait', `${num(p.dataWaitShare * 100, 2)} %`] as [string, string]] : []),
        ]
      : [
          ['Iteration', '—'],
          ['Epoch', '—'],
          ['Speed', '—'],
          ['ETA', '—'],
        ];
    els.stats.replaceChildren(...items.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
    els.bar.max = Math.max(1, p?.totalIterations ?? 1);
    els.bar.value = p?.iteration ?? 0;
  }

  function showCaptions(cs: readonly SampledCaption[]): void {
    els.captions.replaceChildren(
      ...cs.map((c) => el('li', {}, el('span', { class: `split split-${c.split}` }, c.split), ' ', el('span', { class: 'sample' }, c.text), c.groundTruth ? el('span', { class: 'gt-inline' }, ` — truth: ${c.groundTruth}`) : null)),
    );
    if (!cs.length) els.captions.appendChild(el('li', { class: 'empty' }, 'Captions sampled during training appear here.'));
  }

  function drawChart(): void {
    const n = store.length;
    const series: ChartSeries[] = [
      { name: 'loss (raw)', xs: store.iteration, ys: store.loss, length: n, color: 'blue', kind: 'line', width: 1, alpha: 0.45 },
      { name: `loss (smoothed, ${store.smoothingWindow} it)`, xs: store.iteration, ys: store.smooth, length: n, color: 'blue', kind: 'line', width: 2 },
    ];
    const tr = epochs.filter((e) => e.trainLoss !== undefined);
    const va = epochs.filter((e) => e.valLoss !== undefined);
    if (tr.length) series.push({ name: 'train loss (epoch)', xs: tr.map((e) => e.iteration), ys: tr.map((e) => e.trainLoss as number), color: 'green', kind: 'points' });
    if (va.length) series.push({ name: 'val loss (epoch)', xs: va.map((e) => e.iteration), ys: va.map((e) => e.valLoss as number), color: 'orange', kind: 'points' });
    chart.set({ series, xTitle: 'iteration', yTitle: 'loss', yLog: logY, height: 180, format: (v) => num(v, 4) });
    chart.canvas.dataset.points = String(n);
  }

  function render(): void {
    const s = state;
    if (!s) return;
    clear(root);
    root.setAttribute('aria-busy', 'false');
    buildForm(s.config);
    store.clear();
    store.append(s.loss);
    epochs = [...s.epochs];
    const logBox = el('input', { attrs: { type: 'checkbox', checked: logY } });
    logBox.addEventListener('change', () => {
      logY = logBox.checked;
      host.saveUiState({ logY } satisfies UiState);
      drawChart();
    });
    root.append(
      els.form,
      els.error,
      el('div', { class: 'actions' }, els.start, els.stop, els.reset),
      els.status,
      els.bar,
      els.stats,
      el('div', { class: 'toolbar' }, el('h2', {}, 'Loss'), el('span', { class: 'spacer' }), el('label', { class: 'check' }, logBox, ' log y'), button('PNG', () => host.post({ type: 'export', format: 'png', fileName: 'training-loss.png', data: pngDataUrl(chart.canvas) }), { title: 'Export the loss chart as PNG' })),
      chart.root,
      el('h2', {}, 'Latest samples'),
      els.captions,
    );
    els.error.textContent = '';
    showProgress(s.progress);
    showCaptions(s.captions);
    syncButtons();
    drawChart();
  }

  return {
    receive(m) {
      switch (m.type) {
        case 'empty':
          state = undefined;
          emptyNotice(root, m.message);
          break;
        case 'setTraining':
          state = m.state;
          render();
          break;
        case 'appendLoss':
          store.append(m.points);
          if (state) drawChart();
          break;
        case 'appendEpoch':
          epochs.push(...m.points);
          if (state) drawChart();
          break;
        case 'progress':
          if (state) state.progress = m.progress;
          showProgress(m.progress);
          break;
        case 'status':
          if (state) {
            state.status = m.status;
            state.message = m.message;
          }
          syncButtons();
          if (state) showProgress(state.progress);
          break;
        case 'sampledCaptions':
          if (state) state.captions = m.captions;
          showCaptions(m.captions);
          break;
        default: {
          const never: never = m;
          throw new Error(`training: unhandled message ${JSON.stringify(never)}`);
        }
      }
    },
  };
}
