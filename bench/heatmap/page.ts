/**
 * Browser side of the heatmap benchmark: the views' own Heatmap and Chart classes on the sizes
 * the issue names (a 16 × 512 hidden-state heatmap; a 100 000-point loss curve), drawn many times.
 */
import { Chart } from '../../webview/chart';
import { Heatmap } from '../../webview/heatmap';

interface Stats {
  n: number;
  medianMs: number;
  p95Ms: number;
  minMs: number;
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, medianMs: q(0.5), p95Ms: q(0.95), minMs: s[0] };
}

/** Times f; with flush, also reads one pixel back, which waits for the canvas to be rasterised. */
function time(reps: number, f: () => void, canvas: HTMLCanvasElement, flush: boolean): Stats {
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const out: number[] = [];
  for (let i = 0; i < reps + 5; i++) {
    const t0 = performance.now();
    f();
    if (flush) ctx.getImageData(0, 0, 1, 1);
    if (i >= 5) out.push(performance.now() - t0); // first draws warm up the JIT
  }
  return stats(out);
}

function run(reps: number): Record<string, unknown> {
  const T = 16;
  const H = 512;
  const values = new Float64Array(T * H);
  for (let t = 0; t < T; t++) for (let j = 0; j < H; j++) values[t * H + j] = Math.tanh(2.5 * Math.sin(t * 0.7 + j * 0.31) * Math.cos(j * 0.05));
  const words = ['<START>', 'a', 'red', 'circle', 'above', 'a', 'blue', 'square', 'and', 'a', 'green', 'triangle', '<END>', '<NULL>', '<NULL>', '<NULL>'];
  const box = document.createElement('div');
  box.style.width = '1000px';
  document.body.appendChild(box);
  const hm = new Heatmap('bench');
  box.appendChild(hm.root);
  hm.set({ values, rows: T, srcCols: H, rowNames: words, rowTitle: 't', colTitle: 'unit', valueName: 'h_t', scale: { kind: 'diverging', max: 1 }, palette: 'diverging', format: (v) => v.toFixed(4) });

  const n = 100000;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = i + 1;
    ys[i] = 2 + 30 / Math.sqrt(i + 1) + 0.3 * Math.sin(i);
  }
  const chartBox = document.createElement('div');
  chartBox.style.width = '320px';
  document.body.appendChild(chartBox);
  const chart = new Chart('bench');
  chartBox.appendChild(chart.root);
  chart.set({ series: [{ name: 'loss', xs, ys, color: 'blue', kind: 'line' }], xTitle: 'iteration', yTitle: 'loss', yLog: false, height: 180 });

  return {
    devicePixelRatio: window.devicePixelRatio,
    heatmapCells: `${T}x${H}`,
    heatmapCanvasPx: `${hm.canvas.width}x${hm.canvas.height}`,
    heatmapDraw: time(reps, () => hm.draw(), hm.canvas, false),
    heatmapDrawAndRaster: time(reps, () => hm.draw(), hm.canvas, true),
    lossPoints: n,
    lossDraw: time(Math.max(20, reps / 4), () => chart.draw(), chart.canvas, true),
    lossDrawnVertices: chart.drawnVertices,
  };
}

(window as unknown as { runBench: typeof run }).runBench = run;
