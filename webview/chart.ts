/**
 * Line and bar charts on canvas: categorical x (timesteps, labelled by words) or numeric x
 * (iterations), linear or log y, horizontal reference lines (thresholds), a hover / keyboard
 * cursor read out as text. Long line series are drawn min/max-decimated per pixel column, so
 * 100 000 points cost a few hundred segments to draw while every point stays in the data.
 */
import { fitCanvas, fitText, observeWidth } from './canvas';
import { el } from './dom';
import { decade, num } from './format';
import { color, type ColorKey, onThemeChange, theme, type Theme } from './theme';

export interface ChartSeries {
  name: string;
  ys: ArrayLike<number>;
  /** Numeric x of each point; default 0…n−1 (categorical). */
  xs?: ArrayLike<number>;
  /** Points to use (a prefix of the arrays; growing buffers). Default: all. */
  length?: number;
  color: ColorKey;
  kind: 'line' | 'bar' | 'points';
  width?: number;
  alpha?: number;
  dash?: number[];
  /** Per-bar colour override (verdict colours). */
  barColor?: (i: number, t: Theme) => string;
  /** Leave out of the readout. */
  quiet?: boolean;
}

export interface ChartSpec {
  series: ChartSeries[];
  /** Categorical x labels (x = index). */
  xLabels?: readonly string[];
  xTitle: string;
  yTitle: string;
  yLog: boolean;
  /** Log-scale x (numeric x only, values > 0, increasing): step-size sweeps. */
  xLog?: boolean;
  /** Vertical markers at data x (the best step size). */
  vlines?: { x: number; color: ColorKey; label: string }[];
  /** Force the y range (charts meant to be compared share it). */
  yDomain?: [number, number];
  hlines?: { y: number; color: ColorKey; label: string }[];
  format?: (v: number) => string;
  height?: number;
  /** Show the series legend (default true; off when colours carry another meaning, e.g. verdicts). */
  legend?: boolean;
}

const M = { top: 10, right: 12, bottom: 34, left: 56 };

export class Chart {
  readonly root: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly readout: HTMLElement;
  readonly legend: HTMLElement;
  private spec: ChartSpec | undefined;
  private width = 0;
  private cursor: number | undefined;
  private plot = { x: 0, y: 0, w: 0, h: 0, x0: 0, x1: 1, y0: 0, y1: 1 };
  private frame = 0;
  private legendKey = '';
  private disposers: (() => void)[] = [];
  /** Vertices the last draw stroked (decimation makes it ≪ points for long series). */
  drawnVertices = 0;
  lastDrawMs = 0;

  constructor(label: string) {
    this.canvas = el('canvas', { class: 'chart-canvas', attrs: { tabindex: 0, role: 'img', 'aria-label': label } });
    this.legend = el('div', { class: 'legend' });
    this.readout = el('div', { class: 'readout', attrs: { 'aria-live': 'polite' } }, 'Hover or use the arrow keys to read values.');
    this.root = el('div', { class: 'chart' }, this.legend, this.canvas, this.readout);
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('keydown', (e) => this.key(e));
    this.disposers.push(onThemeChange(() => this.draw()));
    this.disposers.push(observeWidth(this.root, (w) => {
      this.width = w;
      this.draw();
    }));
  }

  set(spec: ChartSpec): void {
    this.spec = spec;
    this.canvas.dataset.series = String(spec.series.length);
    const bars = spec.series.filter((s) => s.kind === 'bar').reduce((a, s) => a + (s.length ?? s.ys.length), 0);
    this.canvas.dataset.bars = String(bars);
    const key = spec.series.map((s) => `${s.name}|${s.color}|${s.kind}`).join('\n');
    if (key !== this.legendKey) this.legend.replaceChildren(
      ...spec.series.map((s) => {
        const sw = el('span', { class: `swatch swatch-${s.kind}` });
        sw.style.background = color(theme(), s.color);
        if (s.alpha !== undefined) sw.style.opacity = String(Math.max(0.3, s.alpha));
        if (s.dash) sw.classList.add('dashed');
        return el('span', { class: 'legend-item', data: { color: s.color } }, sw, s.name);
      }),
    );
    this.legendKey = key;
    this.legend.hidden = spec.legend === false;
    this.requestDraw();
  }

  dispose(): void {
    for (const d of this.disposers) d();
  }

  /** Coalesces redraws to one per frame (live training posts many points per second). */
  requestDraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** x pixel of a data x (CSS pixels, relative to the canvas). */
  xToPx(x: number): number {
    const p = this.plot;
    return p.x + ((this.tx(x) - p.x0) / (p.x1 - p.x0 || 1)) * p.w;
  }

  /** Data x to axis space (log10 on a log axis). */
  private tx(x: number): number {
    return this.spec?.xLog ? Math.log10(x) : x;
  }

  private yToPx(y: number, log: boolean): number {
    const p = this.plot;
    const v = log ? Math.log10(y) : y;
    return p.y + p.h - ((v - p.y0) / (p.y1 - p.y0 || 1)) * p.h;
  }

  draw(): void {
    const spec = this.spec;
    if (!spec) return;
    const t0 = performance.now();
    const t = theme();
    const width = this.width || this.root.clientWidth || 500;
    const height = spec.height ?? 220;
    const ctx = fitCanvas(this.canvas, width, height);
    ctx.clearRect(0, 0, width, height);
    ctx.font = t.font;
    for (const sw of this.legend.querySelectorAll<HTMLElement>('.legend-item')) {
      const s = sw.firstElementChild as HTMLElement | null;
      if (s) s.style.background = color(t, (sw.dataset.color ?? 'fg') as ColorKey);
    }

    // Domains.
    const cat = spec.xLabels !== undefined || spec.series.every((s) => !s.xs);
    let x0 = Infinity;
    let x1 = -Infinity;
    let ymin = Infinity;
    let ymax = -Infinity;
    let hasBars = false;
    for (const s of spec.series) {
      const n = s.length ?? s.ys.length;
      if (s.kind === 'bar') hasBars = true;
      if (n > 0) {
        x0 = Math.min(x0, s.xs ? this.tx(s.xs[0]) : 0);
        x1 = Math.max(x1, s.xs ? this.tx(s.xs[n - 1]) : n - 1);
      }
      for (let i = 0; i < n; i++) {
        const y = s.ys[i];
        if (!Number.isFinite(y) || (spec.yLog && y <= 0)) continue;
        if (y < ymin) ymin = y;
        if (y > ymax) ymax = y;
      }
    }
    if (spec.xLabels) {
      x0 = 0;
      x1 = Math.max(0, spec.xLabels.length - 1);
    }
    if (!Number.isFinite(x0)) [x0, x1] = [0, 1];
    if (cat) [x0, x1] = [x0 - 0.5, x1 + 0.5];
    else if (x1 === x0) x1 = x0 + 1;
    if (spec.yDomain) [ymin, ymax] = spec.yDomain;
    let y0: number;
    let y1: number;
    if (!Number.isFinite(ymin)) {
      [y0, y1] = spec.yLog ? [-1, 1] : [0, 1];
    } else if (spec.yLog) {
      y0 = Math.floor(Math.log10(ymin));
      y1 = Math.ceil(Math.log10(ymax));
      if (y1 === y0) y1 = y0 + 1;
    } else {
      const lo = hasBars ? Math.min(0, ymin) : ymin;
      const hi = hasBars ? Math.max(0, ymax) : ymax;
      const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.1 || 1;
      // Non-negative data (losses, norms) never get a negative axis.
      [y0, y1] = niceRange(lo >= 0 && lo - pad < 0 ? 0 : lo - pad, hi + pad);
    }
    for (const hl of spec.hlines ?? []) {
      if (!Number.isFinite(hl.y) || (spec.yLog && hl.y <= 0)) continue;
      const v = spec.yLog ? Math.log10(hl.y) : hl.y;
      if (!spec.yDomain && spec.yLog) {
        // Keep every threshold inside the plot with a decade to spare, so its label has room.
        y0 = Math.min(y0, Math.floor(v) - (Math.floor(v) <= y0 ? 1 : 0));
        y1 = Math.max(y1, Math.ceil(v) + (Math.ceil(v) >= y1 ? 1 : 0));
      }
    }

    // Left margin from the widest y label.
    const yTicks = spec.yLog ? logTicks(y0, y1) : linTicks(y0, y1);
    const fmtY = (v: number): string => (spec.yLog ? decade(v) : num(v, 3));
    let lw = 0;
    for (const v of yTicks) lw = Math.max(lw, ctx.measureText(fmtY(v)).width);
    const left = Math.max(30, lw + 20);
    this.plot = { x: left, y: M.top, w: Math.max(10, width - left - M.right), h: height - M.top - M.bottom, x0, x1, y0, y1 };
    const p = this.plot;
    this.canvas.dataset.plot = JSON.stringify({ x: p.x, y: p.y, w: p.w, h: p.h });

    // Grid and axes.
    ctx.strokeStyle = t.grid;
    ctx.fillStyle = t.muted;
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const v of yTicks) {
      const py = Math.round(p.y + p.h - ((v - y0) / (y1 - y0)) * p.h) + 0.5;
      ctx.beginPath();
      ctx.moveTo(p.x, py);
      ctx.lineTo(p.x + p.w, py);
      ctx.stroke();
      ctx.fillText(fmtY(v), p.x - 5, py);
    }
    ctx.save();
    ctx.translate(11, p.y + p.h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText(fitText(ctx, spec.yTitle, p.h), 0, 0);
    ctx.restore();
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    if (spec.xLabels) {
      const n = spec.xLabels.length;
      const cw = p.w / Math.max(1, n);
      const every = Math.max(1, Math.ceil(34 / cw));
      for (let i = 0; i < n; i += every) {
        const lab = cw * every >= 30 ? fitText(ctx, spec.xLabels[i], cw * every - 4) : String(i);
        ctx.fillText(lab, this.xToPx(i), p.y + p.h + 4);
      }
    } else {
      const ticks = spec.xLog ? logTicks(x0, x1) : linTicks(x0, x1, Math.max(3, Math.floor(p.w / 60)));
      // A label at either end is moved inward to fit rather than dropped; one that would then
      // overlap its neighbour is left out.
      let right = -Infinity;
      for (const v of ticks) {
        const lab = spec.xLog ? decade(v) : num(v, 4);
        const half = ctx.measureText(lab).width / 2;
        const px = Math.min(width - half, Math.max(half, p.x + ((v - x0) / (x1 - x0 || 1)) * p.w));
        if (px - half < right + 6) continue;
        ctx.fillText(lab, px, p.y + p.h + 4);
        right = px + half;
      }
    }
    ctx.textAlign = 'right';
    ctx.fillText(spec.xTitle, p.x + p.w, p.y + p.h + 19);
    ctx.strokeStyle = t.border;
    ctx.strokeRect(p.x + 0.5, p.y + 0.5, p.w - 1, p.h - 1);

    // Reference lines.
    for (const hl of spec.hlines ?? []) {
      if (!Number.isFinite(hl.y) || (spec.yLog && hl.y <= 0)) continue;
      const py = this.yToPx(hl.y, spec.yLog);
      if (py < p.y || py > p.y + p.h) continue;
      ctx.save();
      ctx.setLineDash([4, 3]);
      ctx.strokeStyle = color(t, hl.color);
      ctx.beginPath();
      ctx.moveTo(p.x, py);
      ctx.lineTo(p.x + p.w, py);
      ctx.stroke();
      ctx.restore();
      ctx.fillStyle = color(t, hl.color);
      ctx.textAlign = 'right';
      const below = py - 14 < p.y;
      ctx.textBaseline = below ? 'top' : 'bottom';
      ctx.fillText(hl.label, p.x + p.w - 3, below ? py + 2 : py - 1);
    }

    for (const vl of spec.vlines ?? []) {
      if (!Number.isFinite(this.tx(vl.x))) continue;
      const px = Math.round(this.xToPx(vl.x)) + 0.5;
      if (px < p.x || px > p.x + p.w) continue;
      ctx.save();
      ctx.setLineDash([2, 3]);
      ctx.strokeStyle = color(t, vl.color);
      ctx.beginPath();
      ctx.moveTo(px, p.y);
      ctx.lineTo(px, p.y + p.h);
      ctx.stroke();
      ctx.restore();
      ctx.fillStyle = color(t, vl.color);
      ctx.textBaseline = 'top';
      ctx.textAlign = px > p.x + p.w / 2 ? 'right' : 'left';
      ctx.fillText(vl.label, px + (px > p.x + p.w / 2 ? -4 : 4), p.y + 2);
    }

    // Series.
    ctx.save();
    ctx.beginPath();
    ctx.rect(p.x, p.y, p.w, p.h);
    ctx.clip();
    this.drawnVertices = 0;
    const bars = spec.series.filter((s) => s.kind === 'bar');
    for (const s of spec.series) {
      ctx.globalAlpha = s.alpha ?? 1;
      if (s.kind === 'bar') this.drawBars(ctx, t, s, bars.indexOf(s), bars.length, spec.yLog);
      else if (s.kind === 'points') this.drawPoints(ctx, t, s, spec.yLog);
      else this.drawLine(ctx, t, s, spec.yLog);
    }
    ctx.globalAlpha = 1;
    ctx.restore();

    if (this.cursor !== undefined) {
      const px = this.xToPx(this.cursor);
      ctx.strokeStyle = t.focus;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(Math.round(px) + 0.5, p.y);
      ctx.lineTo(Math.round(px) + 0.5, p.y + p.h);
      ctx.stroke();
    }
    this.canvas.dataset.drawn = String(this.drawnVertices);
    this.lastDrawMs = performance.now() - t0;
  }

  private drawBars(ctx: CanvasRenderingContext2D, t: Theme, s: ChartSeries, k: number, nb: number, log: boolean): void {
    const p = this.plot;
    const n = s.length ?? s.ys.length;
    const slot = p.w / (p.x1 - p.x0);
    const bw = Math.max(1, (slot * 0.8) / nb);
    const base = log ? p.y + p.h : this.yToPx(Math.max(p.y0, Math.min(p.y1, 0)), false);
    for (let i = 0; i < n; i++) {
      const y = s.ys[i];
      if (!Number.isFinite(y) || (log && y <= 0)) continue;
      const x = s.xs ? s.xs[i] : i;
      const left = this.xToPx(x) - (slot * 0.8) / 2 + k * bw;
      const top = this.yToPx(y, log);
      ctx.fillStyle = s.barColor ? s.barColor(i, t) : color(t, s.color);
      ctx.fillRect(left, Math.min(top, base), Math.max(1, bw - 1), Math.abs(base - top));
      this.drawnVertices += 1;
    }
  }

  private drawPoints(ctx: CanvasRenderingContext2D, t: Theme, s: ChartSeries, log: boolean): void {
    const n = s.length ?? s.ys.length;
    ctx.fillStyle = color(t, s.color);
    for (let i = 0; i < n; i++) {
      const y = s.ys[i];
      if (!Number.isFinite(y) || (log && y <= 0)) continue;
      const px = this.xToPx(s.xs ? s.xs[i] : i);
      const py = this.yToPx(y, log);
      ctx.beginPath();
      ctx.arc(px, py, 3, 0, Math.PI * 2);
      ctx.fill();
      this.drawnVertices += 1;
    }
  }

  /** Min/max per pixel column when there are more points than columns; every point counts. */
  private drawLine(ctx: CanvasRenderingContext2D, t: Theme, s: ChartSeries, log: boolean): void {
    const p = this.plot;
    const n = s.length ?? s.ys.length;
    ctx.strokeStyle = color(t, s.color);
    ctx.lineWidth = s.width ?? 1.5;
    ctx.lineJoin = 'round';
    ctx.setLineDash(s.dash ?? []);
    ctx.beginPath();
    const cols = Math.max(1, Math.floor(p.w * Math.max(1, window.devicePixelRatio || 1)));
    let pen = false;
    // A point with no drawable neighbour (the first point of a run, or one between gaps) would make
    // no visible line: it is drawn as a dot.
    const dots: [number, number][] = [];
    const drawable = (i: number): boolean => i >= 0 && i < n && Number.isFinite(s.ys[i]) && !(log && s.ys[i] <= 0);
    if (n <= cols * 2) {
      for (let i = 0; i < n; i++) {
        const y = s.ys[i];
        if (!drawable(i)) {
          pen = false;
          continue;
        }
        const px = this.xToPx(s.xs ? s.xs[i] : i);
        const py = this.yToPx(y, log);
        if (pen) ctx.lineTo(px, py);
        else ctx.moveTo(px, py);
        if (!pen && !drawable(i + 1)) dots.push([px, py]);
        pen = true;
        this.drawnVertices += 1;
      }
    } else {
      const span = p.x1 - p.x0 || 1;
      let col = -1;
      let lo = Infinity;
      let hi = -Infinity;
      let first = NaN;
      let last = NaN;
      const flush = (): void => {
        if (col < 0 || !Number.isFinite(lo)) return;
        const px = p.x + ((col + 0.5) / cols) * p.w;
        const a = this.yToPx(first, log);
        if (pen) ctx.lineTo(px, a);
        else ctx.moveTo(px, a);
        ctx.lineTo(px, this.yToPx(lo, log));
        ctx.lineTo(px, this.yToPx(hi, log));
        ctx.lineTo(px, this.yToPx(last, log));
        pen = true;
        this.drawnVertices += 4;
      };
      for (let i = 0; i < n; i++) {
        const y = s.ys[i];
        if (!Number.isFinite(y) || (log && y <= 0)) continue;
        const x = s.xs ? s.xs[i] : i;
        const c = Math.min(cols - 1, Math.max(0, Math.floor(((this.tx(x) - p.x0) / span) * cols)));
        if (c !== col) {
          flush();
          col = c;
          lo = hi = first = y;
        }
        if (y < lo) lo = y;
        if (y > hi) hi = y;
        last = y;
      }
      flush();
    }
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = ctx.strokeStyle;
    for (const [x, y] of dots) {
      ctx.beginPath();
      ctx.arc(x, y, Math.max(2, ctx.lineWidth), 0, 2 * Math.PI);
      ctx.fill();
    }
  }

  private indexAt(clientX: number): number | undefined {
    const spec = this.spec;
    if (!spec) return undefined;
    const rect = this.canvas.getBoundingClientRect();
    const p = this.plot;
    const x = p.x0 + ((clientX - rect.left - p.x) / p.w) * (p.x1 - p.x0);
    return spec.xLog ? Math.pow(10, x) : x;
  }

  private hover(e: MouseEvent): void {
    const x = this.indexAt(e.clientX);
    if (x === undefined) return;
    this.moveTo(x);
  }

  /** Puts the cursor at data x (snapped to the nearest point) and reads the values out. */
  moveTo(x: number): void {
    const spec = this.spec;
    if (!spec || spec.series.length === 0) return;
    const s0 = spec.series[0];
    const n0 = s0.length ?? s0.ys.length;
    const cat = spec.xLabels !== undefined || !s0.xs;
    let parts: string[];
    if (cat) {
      const n = spec.xLabels?.length ?? n0;
      if (n === 0) return;
      const i = Math.max(0, Math.min(n - 1, Math.round(x)));
      this.cursor = i;
      const f = spec.format ?? ((v: number) => num(v));
      const head = spec.xLabels ? `${spec.xTitle} ${i} “${spec.xLabels[i]}”` : `${spec.xTitle} ${i}`;
      parts = [head, ...spec.series.filter((s) => !s.quiet && i < (s.length ?? s.ys.length)).map((s) => `${s.name} = ${f(s.ys[i])}`)];
    } else {
      if (n0 === 0) return;
      const xs = s0.xs as ArrayLike<number>;
      const i = nearest(xs, n0, x);
      this.cursor = xs[i];
      const f = spec.format ?? ((v: number) => num(v));
      parts = [`${spec.xTitle} ${num(xs[i], 6)}`];
      for (const s of spec.series) {
        if (s.quiet || !s.xs) continue;
        const n = s.length ?? s.ys.length;
        if (n === 0) continue;
        const j = nearest(s.xs, n, xs[i]);
        if (Math.abs(s.xs[j] - xs[i]) <= Math.abs(xs[Math.min(n0 - 1, i + 1)] - xs[i]) + 1e-9 || s === s0) parts.push(`${s.name} = ${f(s.ys[j])}`);
      }
    }
    this.readout.textContent = parts.join(' · ');
    this.draw();
  }

  private key(e: KeyboardEvent): void {
    const spec = this.spec;
    if (!spec) return;
    const s0 = spec.series[0];
    if (!s0) return;
    const cat = spec.xLabels !== undefined || !s0.xs;
    const dir = e.key === 'ArrowLeft' ? -1 : e.key === 'ArrowRight' ? 1 : 0;
    if (e.key === 'Home' || e.key === 'End') {
      const last = cat ? (spec.xLabels?.length ?? s0.length ?? s0.ys.length) - 1 : Infinity;
      this.moveTo(e.key === 'Home' ? (cat ? 0 : -Infinity) : last);
      e.preventDefault();
      return;
    }
    if (!dir) return;
    e.preventDefault();
    if (cat) this.moveTo((this.cursor ?? -dir) + dir * (e.shiftKey ? 5 : 1));
    else {
      const xs = s0.xs as ArrayLike<number>;
      const n = s0.length ?? s0.ys.length;
      if (n === 0) return;
      const i = this.cursor === undefined ? (dir > 0 ? -1 : n) : nearest(xs, n, this.cursor);
      const step = Math.max(1, Math.round(n / 100)) * (e.shiftKey ? 10 : 1);
      this.moveTo(xs[Math.max(0, Math.min(n - 1, i + dir * step))]);
    }
  }
}

/** Index of the x nearest to v in an increasing array. */
function nearest(xs: ArrayLike<number>, n: number, v: number): number {
  if (v <= xs[0]) return 0;
  if (v >= xs[n - 1]) return n - 1;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= v) lo = mid;
    else hi = mid;
  }
  return v - xs[lo] <= xs[hi] - v ? lo : hi;
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

function niceRange(lo: number, hi: number): [number, number] {
  const step = niceStep(hi - lo, 5);
  return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
}

export function linTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step = niceStep(hi - lo, count);
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Decades between lo and hi (exponents), thinned to at most 7. */
export function logTicks(lo: number, hi: number): number[] {
  const step = Math.max(1, Math.ceil((hi - lo) / 6));
  const out: number[] = [];
  for (let e = Math.ceil(lo); e <= hi; e += step) out.push(e);
  return out;
}
