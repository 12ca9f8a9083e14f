/**
 * Where a training iteration's time goes, in-process, at the default sizes on the embedded default
 * dataset: loss + gradients, the update, the divergence snapshot, evaluation, sampling, events.
 *   node --import tsx bench/trainBreakdown.ts [--dtype f32|f64] [--epochs 20] [--threads N]
 */
import { runTrainJob } from '../runtime/trainJob';
import { CaptioningSolver } from '../core/solver';
import { FastCaptioningModel } from '../core/fast/model';

const argv = process.argv.slice(2);
const arg = (k: string, d: string): string => { const i = argv.indexOf(k); return i >= 0 ? argv[i + 1] : d; };
const times = new Map<string, { ms: number; n: number }>();
function wrap<T extends object>(obj: T, name: keyof T & string, label: string): void {
  const f = obj[name] as unknown as (...a: unknown[]) => unknown;
  (obj as Record<string, unknown>)[name] = function (this: unknown, ...a: unknown[]) {
    const t0 = performance.now();
    try { return f.apply(this, a); } finally { const e = times.get(label) ?? { ms: 0, n: 0 }; e.ms += performance.now() - t0; e.n++; times.set(label, e); }
  };
}
const proto = CaptioningSolver.prototype as unknown as Record<string, unknown>;
wrap(proto as never, 'step', 'step (all)');
wrap(proto as never, 'evaluate', 'evaluate');
const mp = FastCaptioningModel.prototype as unknown as Record<string, unknown>;
wrap(mp as never, 'loss', 'model.loss');
wrap(mp as never, 'lossOnly', 'lossOnly');
wrap(mp as never, 'sample', 'sample');

async function main(): Promise<void> {
  const t0 = performance.now();
  let first = 0;
  const evs: string[] = [];
  const summary = await runTrainJob({
    dataset: 'default', cellType: 'rnn', hiddenDim: 512, wordvecDim: 256, updateRule: 'adam', learningRate: 5e-3, lrDecay: 0.95,
    batchSize: 50, numEpochs: Number(arg('--epochs', '20')), maxTrain: 50, seed: 231, dtype: arg('--dtype', 'f64') as 'f64', threads: Number(arg('--threads', '2')),
  }, (e) => {
    const t = performance.now() - t0;
    if (e.type === 'started') evs.push(`started@${t.toFixed(0)}`);
    if (e.type === 'step' && e.iteration === 1) { first = t; evs.push(`step1@${t.toFixed(0)}`); }
    if (e.type === 'samples') { /* counted below */ }
  });
  const total = performance.now() - t0;
  console.log(evs.join(' '), `total ${total.toFixed(0)} ms, after first step ${(total - first).toFixed(0)} ms, iterations ${summary.iteration}`);
  for (const [k, v] of times) console.log(`${k.padEnd(12)} ${v.ms.toFixed(1).padStart(8)} ms in ${v.n} calls, ${(v.ms / v.n).toFixed(2)} ms each`);
}
main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
