/**
 * Heatmap benchmark (issue 7): drawing a 16 × 512 hidden-state heatmap, and a 100 000-point
 * loss curve, with the webviews' own code in headless Chromium. Reported, not asserted.
 *
 *   npm run bench:heatmap [-- --reps N] [--json]
 *
 * "draw" is the time of the draw call; "draw+raster" also reads one pixel back, which waits
 * until the canvas is rasterised (software canvas: Chromium runs with --disable-gpu here).
 */
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { launch } from '../../test/webview/harness';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const repsAt = args.indexOf('--reps');
  const reps = repsAt >= 0 ? Number(args[repsAt + 1]) : 200;
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps needs a positive integer, got ${args[repsAt + 1]}`);
  const json = args.includes('--json');
  const built = await esbuild.build({ entryPoints: [join(__dirname, 'page.ts')], bundle: true, platform: 'browser', format: 'iife', target: 'es2022', write: false, logLevel: 'error' });
  const script = built.outputFiles[0].text;
  const browser = await launch();
  const results: Record<string, unknown>[] = [];
  try {
    for (const dpr of [1, 2]) {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: dpr });
      await page.setContent('<!DOCTYPE html><html><body></body></html>');
      await page.addScriptTag({ content: script });
      results.push(await page.evaluate(`runBench(${reps})`));
      await page.close();
    }
  } finally {
    await browser.close();
  }
  if (json) {
    console.log(JSON.stringify({ chromium: browser.version(), results }, null, 2));
    return 0;
  }
  console.log(`Chromium ${browser.version()}, ${reps} draws each (median / p95 / min, ms)`);
  for (const r of results) {
    const f = (s: unknown): string => {
      const x = s as { medianMs: number; p95Ms: number; minMs: number };
      return `${x.medianMs.toFixed(2)} / ${x.p95Ms.toFixed(2)} / ${x.minMs.toFixed(2)}`;
    };
    console.log(`devicePixelRatio ${String(r.devicePixelRatio)}:`);
    console.log(`  heatmap ${String(r.heatmapCells)} (canvas ${String(r.heatmapCanvasPx)} px)  draw ${f(r.heatmapDraw)}   draw+raster ${f(r.heatmapDrawAndRaster)}   (target < 16 ms)`);
    console.log(`  loss curve ${String(r.lossPoints)} points (${String(r.lossDrawnVertices)} vertices drawn)  draw+raster ${f(r.lossDraw)}`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
