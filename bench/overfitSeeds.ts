/**
 * The notebook's overfit experiment at many seeds: `gradlab train` with its defaults (CS231n's
 * overfit check: 50 training captions, batch 25, 50 epochs = 100 iterations, adam lr 5e-3,
 * decay 0.95, rnn, H = 512, W = 256) on the embedded default dataset, once per seed and dtype.
 * Reports each run's final training loss (the last iteration's, as the notebook prints it), how
 * many of the 50 drawn captions share an image with another drawn caption of different words,
 * and the worst run. Exit status 1 when any run ends at or above 0.1.
 *
 *   npm run build && node --import tsx bench/overfitSeeds.ts [--seeds 20] [--first 1] [--dtype f64,f32] [--dataset default]
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { openDatasetAt } from '../runtime/fsAccess';
import { ensureDefaultDataset } from '../runtime/defaultDataset';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

function flag(argv: string[], name: string, fallback: string): string {
  const at = argv.indexOf(name);
  return at >= 0 && argv[at + 1] !== undefined ? argv[at + 1] : fallback;
}

/** Captions of the seed's 50-caption draw whose image has another drawn caption with other words. */
async function conflicts(dataset: string, seed: number): Promise<number> {
  const ds = await openDatasetAt(dataset, { maxTrain: 50, seed });
  try {
    const s = ds.splits.train;
    const T = ds.T;
    const byImage = new Map<number, Set<string>>();
    for (let i = 0; i < s.numCaptions; i++) {
      const words = Array.from(s.captions.data.subarray(i * T, (i + 1) * T)).join(' ');
      const set = byImage.get(s.imageIdxs[i]) ?? new Set<string>();
      set.add(words);
      byImage.set(s.imageIdxs[i], set);
    }
    let n = 0;
    for (const set of byImage.values()) if (set.size > 1) n += set.size;
    return n;
  } finally {
    ds.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const count = Number(flag(argv, '--seeds', '20'));
  const first = Number(flag(argv, '--first', '1'));
  const dtypes = flag(argv, '--dtype', 'f64,f32').split(',');
  const dataset = flag(argv, '--dataset', 'default');
  if (dataset === 'default') await ensureDefaultDataset();
  const seeds = Array.from({ length: count }, (_, i) => first + i);
  console.log(`overfit check (gradlab train defaults) on ${dataset}, seeds ${seeds[0]}..${seeds.at(-1)}, ${dtypes.join(' and ')}; ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(['seed', 'conflicting captions', ...dtypes.map((d) => `final loss ${d}`), ...dtypes.map((d) => `s ${d}`)].join('\t'));
  const worst: Record<string, { loss: number; seed: number }> = {};
  let failures = 0;
  for (const seed of seeds) {
    const row: string[] = [String(seed), String(await conflicts(dataset, seed))];
    const secs: string[] = [];
    for (const dtype of dtypes) {
      const t = Date.now();
      const r = spawnSync(process.execPath, [CLI, 'train', '--dataset', dataset, '--seed', String(seed), '--dtype', dtype, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const done = r.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { type: string; lossHistory?: number[]; message?: string })
        .find((e) => e.type === 'done');
      const loss = done?.lossHistory?.at(-1);
      if (loss === undefined) {
        console.error(`seed ${seed} ${dtype}: no result (exit ${r.status}): ${r.stderr.trim().split('\n').at(-1) ?? ''}`);
        return 2;
      }
      if (!(loss < 0.1)) failures++;
      if (!worst[dtype] || loss > worst[dtype].loss) worst[dtype] = { loss, seed };
      row.push(loss.toFixed(4));
      secs.push(((Date.now() - t) / 1000).toFixed(1));
    }
    console.log([...row, ...secs].join('\t'));
  }
  for (const d of dtypes) console.log(`worst ${d}: ${worst[d].loss.toFixed(4)} (seed ${worst[d].seed})`);
  console.log(`${failures === 0 ? 'every run' : `${failures} run(s) not`} below 0.1; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  return failures === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    console.error(`overfitSeeds: ${(e as Error).message}`);
    process.exitCode = 2;
  },
);
