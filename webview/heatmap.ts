/**
 * A heatmap on canvas: rows × columns of values (time × hidden units, or a parameter's
 * per-element errors), with row labels (caption words), a colour legend, a hover / keyboard
 * cursor whose value is read out as text, and an optional marked cell (the worst element).
 *
 * Drawing: cells go into an ImageData at one pixel per cell (or per block of cells, when there
 * are more cells than device pixels: the most salient value of the block is kept, so a single
 * bad element never disappears), which is then scaled onto the canvas without smoothing.
 */
import { fitCanvas, fitText, observeWidth, rgb } from './canvas';
import { divergingLut, type Lut, salience, type Scale, unit, VIRIDIS } from './colormap';
import { el } from './dom';
import { decade } from './format';
import { onThemeChange, theme, type Theme } from './theme';

export interface HeatmapData {
  /** Row-major source values, rows × srcCols. */
  values: ArrayLike<number>;
  rows: number;
  srcCols: number;
  /** Displayed columns, as source column indices (sorting and filtering); default all in order. */
  colOrder?: ArrayLike<number>;
  /** One label per row (caption words); rows are numbered when absent. */
  rowNames?: readonly string[];
  rowTitle: string;
  colTitle: string;
  /** Name of the value in the readout: "h", "rel. error". */
  valueName: string;
  scale: Scale;
  palette: 'viridis' | 'diverging';
  format: (v: number) => string;
  /** Names a cell in the readout (default: "rowTitle r “word” · colTitle c"). */
  describe?: (r: number, c: number) => string;
  /** A cell to outline (row, source column). */
  mark?: { r: number; c: number; label: string };
  /** Extra ticks on the legend (thresholds). */
  legendTicks?: readonly { value: number; label: string }[];
}

const LEGEND_H = 34;
const AXIS_H = 18;

export class Heatmap {
  readonly root: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly readout: HTMLElement;
  private data: HeatmapData | undefined;
  private width = 0;
  private cursor: { r: number; c: number } | undefined;
  private layout = { x: 0, y: 0, w: 0, h: 0 };
  private off: HTMLCanvasElement | undefined;
  private disposers: (() => void)[] = [];
  /** Milliseconds the last draw took (the benchmark reads it). */
  lastDrawMs = 0;

  constructor(private readonly label: string) {
    this.canvas = el('canvas', { class: 'heatmap-canvas', attrs: { tabindex: 0, role: 'img', 'aria-label': label } });
    this.readout = el('div', { class: 'readout', attrs: { 'aria-live': 'polite' } }, 'Hover or use the arrow keys to read a value.');
    this.root = el('div', { class: 'heatmap' }, this.canvas, this.readout);
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => this.draw());
    this.canvas.addEventListener('keydown', (e) => this.key(e));
    this.canvas.addEventListener('focus', () => {
      if (!this.cursor && this.data) this.moveTo(0, 0);
    });
    this.disposers.push(onThemeChange(() => this.draw()));
    this.disposers.push(observeWidth(this.root, (w) => {
      this.width = w;
      this.draw();
    }));
  }

  set(data: HeatmapData): void {
    this.data = data;
    const cols = this.cols();
    this.cursor = undefined;
    this.readout.textContent = 'Hover or use the arrow keys to read a value.';
    this.canvas.setAttribute('aria-label', `${this.label}: ${data.rows} ${data.rowTitle} × ${cols} ${data.colTitle}`);
    this.canvas.dataset.rows = String(data.rows);
    this.canvas.dataset.cols = String(cols);
    this.draw();
  }

  dispose(): void {
    for (const d of this.disposers) d();
  }

  private cols(): number {
    return this.data ? (this.data.colOrder ? this.data.colOrder.length : this.data.srcCols) : 0;
  }

  private src(c: number): number {
    const d = this.data;
    return d?.colOrder ? d.colOrder[c] : c;
  }

  value(r: number, c: number): number {
    const d = this.data;
    if (!d) return NaN;
    return d.values[r * d.srcCols + this.src(c)];
  }

  /** The cell's centre in CSS pixels relative to the canvas (tests hover there). */
  cellCenter(r: number, c: number): { x: number; y: number } {
    const { x, y, w, h } = this.layout;
    const d = this.data;
    if (!d) return { x: 0, y: 0 };
    return { x: x + ((c + 0.5) * w) / this.cols(), y: y + ((r + 0.5) * h) / d.rows };
  }

  draw(): void {
    const d = this.data;
    const width = this.width || this.root.clientWidth || 600;
    if (!d) return;
    const t0 = performance.now();
    const t = theme();
    const cols = this.cols();
    const rows = d.rows;
    // Measure labels first (sizing the canvas clears it, so size once, after).
    let ctx = this.canvas.getContext('2d') as CanvasRenderingContext2D;
    ctx.font = t.font;

    // Row labels: words when given (clipped to fit), else numbers.
    const names = d.rowNames;
    const rowLabel = (r: number): string => (names ? `${r} ${names[r] ?? ''}` : String(r));
    const showRowLabels = rows <= 32 || 420 / rows >= 9;
    let gutter = 8;
    if (showRowLabels) {
      let mw = 0;
      for (let r = 0; r < rows; r++) mw = Math.max(mw, ctx.measureText(rowLabel(r)).width);
      gutter = Math.min(Math.max(40, width * 0.3), mw + 10);
    } else {
      gutter = ctx.measureText(String(rows - 1)).width + 10;
    }
    const x0 = gutter;
    const y0 = 2;
    // Small matrices get square cells (up to 32 px); wide ones fill the width.
    const avail = Math.max(10, width - gutter - 4);
    const cell = Math.min(32, avail / Math.max(cols, 1));
    const w = cols * 32 <= avail ? cols * cell : avail;
    let rowPx = rows <= 32 ? Math.max(10, Math.min(24, Math.floor(320 / Math.max(rows, 1)))) : 0;
    if (rows <= 32 && cell >= 10 && cols * 32 <= avail) rowPx = Math.min(cell, Math.max(10, Math.floor(480 / Math.max(rows, 1))));
    const plotH = rows <= 32 ? rows * rowPx : Math.min(420, Math.max(rows, 320));
    const height = plotH + AXIS_H + LEGEND_H + 6;
    ctx = fitCanvas(this.canvas, width, height);
    ctx.font = t.font;
    ctx.textBaseline = 'middle';
    ctx.clearRect(0, 0, width, height);
    this.layout = { x: x0, y: y0, w, h: plotH };
    this.canvas.dataset.plot = JSON.stringify(this.layout);

    this.drawCells(ctx, t, x0, y0, w, plotH);

    ctx.fillStyle = t.fg;
    ctx.textAlign = 'right';
    const rh = plotH / Math.max(rows, 1);
    if (showRowLabels) {
      for (let r = 0; r < rows; r++) ctx.fillText(fitText(ctx, rowLabel(r), gutter - 6), x0 - 5, y0 + (r + 0.5) * rh);
    } else {
      ctx.fillText('0', x0 - 5, y0 + 6);
      ctx.fillText(String(rows - 1), x0 - 5, y0 + plotH - 6);
    }

    // Column ticks.
    ctx.textAlign = 'center';
    ctx.fillStyle = t.muted;
    const cw = w / Math.max(cols, 1);
    const every = Math.max(1, Math.ceil((ctx.measureText(String(d.srcCols - 1)).width + 10) / cw));
    const ty = y0 + plotH + AXIS_H / 2 + 1;
    // The axis title sits right of the plot when there is room, else at the right end over the last ticks' place.
    const titleW = ctx.measureText(d.colTitle).width;
    const titleOutside = width - (x0 + w) >= titleW + 8;
    const tickLimit = titleOutside ? Infinity : width - titleW - 12;
    for (let c = 0; c < cols; c += every) {
      const cx = x0 + (c + 0.5) * cw;
      const label = String(this.src(c));
      if (cx + ctx.measureText(label).width / 2 < tickLimit) ctx.fillText(label, cx, ty);
    }
    ctx.textAlign = titleOutside ? 'left' : 'right';
    ctx.fillText(d.colTitle, titleOutside ? x0 + w + 6 : width - 2, ty);

    // Marked cell and cursor.
    if (d.mark) {
      let mc = -1;
      for (let c = 0; c < cols; c++) if (this.src(c) === d.mark.c) mc = c;
      if (mc >= 0 && d.mark.r < rows) this.outline(ctx, t.fg, d.mark.r, mc, [3, 2]);
    }
    if (this.cursor) this.outline(ctx, t.focus, this.cursor.r, this.cursor.c, []);

    this.drawLegend(ctx, t, x0, y0 + plotH + AXIS_H + 4, Math.min(width - x0 - 4, 360));
    this.lastDrawMs = performance.now() - t0;
  }

  private lutCache: { t: Theme; lut: Lut } | undefined;

  private lut(t: Theme): Lut {
    if (this.data?.palette !== 'diverging') return VIRIDIS;
    if (this.lutCache?.t !== t) this.lutCache = { t, lut: divergingLut(t) };
    return this.lutCache.lut;
  }

  private drawCells(ctx: CanvasRenderingContext2D, t: Theme, x: number, y: number, w: number, h: number): void {
    const d = this.data;
    if (!d) return;
    const cols = this.cols();
    const rows = d.rows;
    if (rows === 0 || cols === 0) return;
    const dpr = Math.max(1, window.devicePixelRatio || 1);
    const pw = Math.min(cols, Math.max(1, Math.floor(w * dpr)));
    const ph = Math.min(rows, Math.max(1, Math.floor(h * dpr)));
    const lut = this.lut(t);
    const nan = rgb(t.fg);
    const img = new ImageData(pw, ph);
    const px = img.data;
    const scale = d.scale;
    for (let py = 0; py < ph; py++) {
      const r0 = Math.floor((py * rows) / ph);
      const r1 = Math.max(r0 + 1, Math.floor(((py + 1) * rows) / ph));
      for (let pxi = 0; pxi < pw; pxi++) {
        const c0 = Math.floor((pxi * cols) / pw);
        const c1 = Math.max(c0 + 1, Math.floor(((pxi + 1) * cols) / pw));
        let best = d.values[r0 * d.srcCols + this.src(c0)];
        if (r1 - r0 > 1 || c1 - c0 > 1) {
          let s = salience(scale, best);
          for (let r = r0; r < r1; r++) {
            for (let c = c0; c < c1; c++) {
              const v = d.values[r * d.srcCols + this.src(c)];
              const sv = salience(scale, v);
              if (sv > s) {
                s = sv;
                best = v;
              }
            }
          }
        }
        const o = (py * pw + pxi) * 4;
        if (Number.isNaN(best)) {
          px[o] = nan[0];
          px[o + 1] = nan[1];
          px[o + 2] = nan[2];
        } else {
          const k = Math.round(unit(scale, best) * 255) * 3;
          px[o] = lut[k];
          px[o + 1] = lut[k + 1];
          px[o + 2] = lut[k + 2];
        }
        px[o + 3] = 255;
      }
    }
    this.off ??= document.createElement('canvas');
    this.off.width = pw;
    this.off.height = ph;
    this.off.getContext('2d')?.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.off, x, y, w, h);
    ctx.strokeStyle = t.border;
    ctx.lineWidth = 1;
    ctx.strokeRect(x - 0.5, y - 0.5, w + 1, h + 1);
  }

  private outline(ctx: CanvasRenderingContext2D, color: string, r: number, c: number, dash: number[]): void {
    const { x, y, w, h } = this.layout;
    const d = this.data;
    if (!d) return;
    const cw = w / this.cols();
    const rh = h / d.rows;
    ctx.save();
    ctx.setLineDash(dash);
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.strokeRect(x + c * cw - 1, y + r * rh - 1, Math.max(cw, 2) + 2, Math.max(rh, 2) + 2);
    ctx.restore();
  }

  private drawLegend(ctx: CanvasRenderingContext2D, t: Theme, x: number, y: number, w: number): void {
    const d = this.data;
    if (!d) return;
    const lut = this.lut(t);
    const bw = Math.max(60, w - 90);
    for (let i = 0; i < bw; i++) {
      const k = Math.round((i / (bw - 1)) * 255) * 3;
      ctx.fillStyle = `rgb(${lut[k]},${lut[k + 1]},${lut[k + 2]})`;
      ctx.fillRect(x + i, y, 1.5, 10);
    }
    ctx.strokeStyle = t.border;
    ctx.strokeRect(x - 0.5, y - 0.5, bw + 1, 11);
    ctx.fillStyle = t.muted;
    ctx.textBaseline = 'top';
    const s = d.scale;
    const [lo, hi] = s.kind === 'diverging' ? [d.format(-s.max), d.format(s.max)] : s.kind === 'linear' ? [d.format(s.min), d.format(s.max)] : [`≤${decade(s.minExp)}`, decade(s.maxExp)];
    ctx.textAlign = 'left';
    ctx.fillText(lo, x, y + 13);
    ctx.textAlign = 'right';
    ctx.fillText(hi, x + bw, y + 13);
    ctx.textAlign = 'left';
    ctx.fillText(d.valueName, x + bw + 8, y + 1);
    for (const tk of d.legendTicks ?? []) {
      const u = unit(s, tk.value);
      const tx = x + u * bw;
      ctx.strokeStyle = t.fg;
      ctx.beginPath();
      ctx.moveTo(tx, y - 2);
      ctx.lineTo(tx, y + 12);
      ctx.stroke();
      ctx.textAlign = 'center';
      ctx.fillStyle = t.fg;
      if (u > 0.1 && u < 0.9) ctx.fillText(tk.label, tx, y + 13);
    }
    ctx.textBaseline = 'middle';
  }

  private cellAt(e: MouseEvent): { r: number; c: number } | undefined {
    const d = this.data;
    if (!d) return undefined;
    const rect = this.canvas.getBoundingClientRect();
    const mx = e.clientX - rect.left - this.layout.x;
    const my = e.clientY - rect.top - this.layout.y;
    if (mx < 0 || my < 0 || mx >= this.layout.w || my >= this.layout.h) return undefined;
    return { r: Math.floor((my / this.layout.h) * d.rows), c: Math.floor((mx / this.layout.w) * this.cols()) };
  }

  private hover(e: MouseEvent): void {
    const cell = this.cellAt(e);
    if (cell) this.moveTo(cell.r, cell.c);
  }

  moveTo(r: number, c: number): void {
    const d = this.data;
    if (!d || d.rows === 0 || this.cols() === 0) return;
    r = Math.max(0, Math.min(d.rows - 1, r));
    c = Math.max(0, Math.min(this.cols() - 1, c));
    this.cursor = { r, c };
    const word = d.rowNames ? ` “${d.rowNames[r] ?? ''}”` : '';
    const mark = d.mark && d.mark.r === r && d.mark.c === this.src(c) ? ` (${d.mark.label})` : '';
    const where = d.describe ? d.describe(r, this.src(c)) : `${d.rowTitle} ${r}${word} · ${d.colTitle} ${this.src(c)}`;
    this.readout.textContent = `${where} · ${d.valueName} = ${d.format(this.value(r, c))}${mark}`;
    this.draw();
  }

  private key(e: KeyboardEvent): void {
    const d = this.data;
    if (!d) return;
    const cur = this.cursor ?? { r: 0, c: 0 };
    const step = e.shiftKey || e.key.startsWith('Page') ? 10 : 1;
    const moves: Record<string, [number, number]> = {
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
      ArrowLeft: [0, -step],
      ArrowRight: [0, step],
      PageUp: [-step, 0],
      PageDown: [step, 0],
    };
    if (e.key in moves) {
      const [dr, dc] = moves[e.key];
      this.moveTo(cur.r + dr, cur.c + dc);
    } else if (e.key === 'Home') this.moveTo(cur.r, 0);
    else if (e.key === 'End') this.moveTo(cur.r, this.cols() - 1);
    else return;
    e.preventDefault();
  }
}
