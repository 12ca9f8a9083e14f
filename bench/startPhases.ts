/**
 * The phases before a training run's first iteration, timed one by one in a fresh process:
 * module load, dataset open, engine (wasm compile + helper thread), model init.
 *   node dist/bench-start.js [f32|f64] [threads]
 */
const tLoad0 = performance.now();
import { openDatasetAt } from '../runtime/fsAccess';
import { createNodeEngine } from '../runtime/fastEngine';
import { createFastModel } from '../core/fast/model';
import { subsetSplit } from '../core/solver';

async function main(): Promise<void> {
  const dtype = (process.argv[2] ?? 'f32') as 'f32' | 'f64';
  const threads = Number(process.argv[3] ?? 2);
  const c0 = process.cpuUsage();
  const marks: [string, number][] = [[`since process start (cpu ${((c0.user + c0.system) / 1000).toFixed(0)})`, tLoad0]];
  let t = performance.now();
  let c = process.cpuUsage();
  const lap = (name: string): void => { const n = performance.now(); const d = process.cpuUsage(c); marks.push([`${name} (cpu ${((d.user + d.system) / 1000).toFixed(0)})`, n - t]); t = n; c = process.cpuUsage(); };
  const both = process.env.GL_PARALLEL === '1';
  let ds, engine;
  if (both) {
    [ds, engine] = await Promise.all([openDatasetAt('default'), createNodeEngine({ threads, global: false })]);
    lap('dataset + engine in parallel');
  } else {
    ds = await openDatasetAt('default');
    lap('open dataset');
    engine = await createNodeEngine({ threads, global: false });
    lap('engine');
  }
  const train = subsetSplit(ds.splits.train, 50, 231);
  lap('subset');
  const model = createFastModel({ wordToIdx: ds.wordToIdx, inputDim: ds.D, wordvecDim: 256, hiddenDim: 512, cellType: 'rnn', seed: 231, dtype, engine, reuseGrads: true });
  lap('model');
  void train; void model;
  console.log(marks.map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', '), `| total ${performance.now().toFixed(0)} ms`);
  process.exit(0);
}
void main();
