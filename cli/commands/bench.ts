/**
 * `gradlab bench [--workload NAME[,NAME…]] [--repeats N] [--threads N] [--json]`: the engine's side
 * of the benchmark alone (`npm run bench` adds the numpy reference and the ratios).
 */
import { createNodeEngine, MAX_THREADS, resolveThreads } from '../../runtime/fastEngine';
import { WORKLOADS, runEngineWorkload, type EngineResult } from '../../bench/workloads';
import { parseArgs, UsageError } from '../args';

export const usage = `gradlab bench [--workload NAME[,NAME…]] [--repeats N] [--threads N] [--json]
  --threads N: engine threads (default 0 = every core); timed at 1, 2 and N threads
  workloads (a prefix such as "train" selects a group): ${WORKLOADS.map((w) => w.name).join(', ')}`;

export async function run(argv: string[]): Promise<number> {
  const p = parseArgs(argv, ['workload', 'repeats', 'threads'], ['json']);
  if (p.positional.length) throw new UsageError(`unexpected argument "${p.positional[0]}": ${usage}`);
  const sel = p.flags.get('workload');
  let names = WORKLOADS.map((w) => w.name);
  if (typeof sel === 'string') {
    const want = sel.split(',').filter((s) => s.length > 0);
    for (const w of want) {
      if (!names.some((n) => n === w || n.startsWith(w + '-'))) throw new UsageError(`unknown workload "${w}" (known: ${names.join(', ')})`);
    }
    names = names.filter((n) => want.some((w) => n === w || n.startsWith(w + '-')));
  }
  const repeats = p.flags.has('repeats') ? Number(p.flags.get('repeats')) : 5;
  if (!Number.isInteger(repeats) || repeats < 1) throw new UsageError(`--repeats must be a positive integer, got "${String(p.flags.get('repeats'))}"`);
  const asked = p.flags.has('threads') ? Number(p.flags.get('threads')) : 0;
  if (!Number.isInteger(asked) || asked < 0 || asked > MAX_THREADS) throw new UsageError(`--threads must be an integer from 0 (every core) to ${MAX_THREADS}, got "${String(p.flags.get('threads'))}"`);
  const threads = resolveThreads(asked);
  const engine = await createNodeEngine({ threads });
  const results: EngineResult[] = [];
  try {
    for (const name of names) {
      const r = runEngineWorkload(engine, name, repeats, [...new Set([1, Math.min(2, threads), threads])]);
      results.push(r);
      if (!p.flags.has('json')) {
        const parts = Object.entries(r.threads).map(([t, x]) => `${t}T ${x.wallMs.toFixed(1)} ms (busy CPU ${x.cpuMs.toFixed(1)} ms)`);
        const g = r.gflops ? `; GFLOP/s ${Object.entries(r.gflops).filter(([k]) => !k.includes('cpu')).map(([k, v]) => `${k}T ${v.toFixed(1)}`).join(', ')}` : '';
        process.stdout.write(`${name.padEnd(17)} ${parts.join(', ')}${g}${r.note ? `; ${r.note}` : ''}\n`);
      }
    }
  } finally {
    engine.detachHelper();
  }
  if (p.flags.has('json')) {
    process.stdout.write(JSON.stringify({ build: engine.relaxed ? 'relaxed-simd' : 'plain-simd128', results }, null, 2) + '\n');
  }
  return 0;
}
