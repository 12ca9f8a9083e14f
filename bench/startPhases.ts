/**
 * The phases before a training run's first iteration, timed one by one in a fresh process, the way
 * runtime/trainJob.ts runs them for `gradlab train` on the embedded default: module load, dataset
 * open (raw sidecars when present, else HDF5), feature residency (the feed's load), engine (wasm
 * compile + helper threads), model init. Each phase: wall ms and the process's CPU ms.
 *   node --import tsx bench/startPhases.ts [f32|f64] [threads]
 * or bundled (module load as a bundle sees it; delete the file afterwards, test/package checks dist/):
 *   npx esbuild bench/startPhases.ts --bundle --platform=node --format=cjs --outfile=dist/bench-start.js --external:h5wasm
 *   node dist/bench-start.js f32
 *   GL_PARALLEL=1: the engine starts while the dataset opens (as runTrainJob does)
 */
const tLoad0 = performance.now();
import { openDatasetAt } from '../runtime/fsAccess';
import { createNodeEngine } from '../runtime/fastEngine';
import { createFastModel } from '../core/fast/model';
import { subsetSplit } from '../core/solver';
import { TrainFeed } from '../runtime/trainFeed';
import { loadavg } from 'node:os';

async function main(): Promise<void> {
  const dtype = (process.argv[2] ?? 'f32') as 'f32' | 'f64';
  const threads = Number(process.argv[3] ?? 0);
  const c0 = process.cpuUsage();
  const marks: [string, number][] = [[`since process start (cpu ${((c0.user + c0.system) / 1000).toFixed(0)})`, tLoad0]];
  let t = performance.now();
  let c = process.cpuUsage();
  const lap = (name: string): void => { const n = performance.now(); const d = process.cpuUsage(c); marks.push([`${name} (cpu ${((d.user + d.system) / 1000).toFixed(0)})`, n - t]); t = n; c = process.cpuUsage(); };
  const both = process.env.GL_PARALLEL === '1';
  const openOpts = { pcaFeatures: true, scanFeatures: false, preloadBytes: 0, readScenes: false };
  let ds, engine;
  if (both) {
    [ds, engine] = await Promise.all([openDatasetAt('default', openOpts), createNodeEngine({ threads, global: false })]);
    lap('dataset + engine in parallel');
  } else {
    ds = await openDatasetAt('default', openOpts);
    lap('open dataset');
    engine = await createNodeEngine({ threads, global: false });
    lap('engine');
  }
  const feed = new TrainFeed(ds.splits.train);
  // As runTrainJob does for the default with --max-train: only the subset's images are read.
  feed.holdRows(ds, subsetSplit(ds.splits.train, 50, 231).imageIdxs);
  lap('features');
  const train = subsetSplit(feed.split, 50, 231);
  lap('subset');
  const model = createFastModel({ wordToIdx: ds.wordToIdx, inputDim: ds.D, wordvecDim: 256, hiddenDim: 512, cellType: 'rnn', seed: 231, dtype, engine, reuseGrads: true });
  lap('model');
  void train; void model;
  console.log(marks.map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', '), `| total ${performance.now().toFixed(0)} ms, load ${loadavg()[0].toFixed(1)}`);
  process.exit(0);
}
void main();
