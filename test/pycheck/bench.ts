/**
 * Benchmark (reported, never asserted): time to check one function end to end, as the CodeLens
 * does it: spawn python3, import numpy and the user's file, run the cases (with numerical
 * gradients of the user's forward), compare with the engine. Run:
 *   node --import tsx test/pycheck/bench.ts [repeats]
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { checkFile, checkFunction, functionsIn, type FunctionResult } from '../../runtime/pycheck/index';
import { disposeWarm } from '../../runtime/pycheck/runner';

const ROOT = path.resolve(__dirname, '../fixtures/pylayers');
const repeats = Number(process.argv[2] ?? 3);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const base: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    base.push(performance.now() - t0);
  }
  console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} (2 cores); python3 + import numpy alone: ${median(base).toFixed(0)} ms`);
  console.log('function                     total ms  process ms  user code ms  compare ms  warm ms  status');
  const all: number[] = [];
  const warm: number[] = [];
  for (const file of ['cs231n/rnn_layers.py', 'cs231n/classifiers/rnn.py']) {
    for (const f of functionsIn(path.join(ROOT, file))) {
      const runs: FunctionResult[] = [];
      for (let i = 0; i < repeats; i++) runs.push(await checkFunction(path.join(ROOT, file), f, { python: ['python3'], cwd: ROOT }));
      const m = (g: (r: FunctionResult) => number): string => median(runs.map(g)).toFixed(0);
      all.push(median(runs.map((r) => r.ms)));
      // As in the editor: a Python process started after the previous check is waiting (numpy imported).
      const warmRuns: number[] = [];
      await checkFunction(path.join(ROOT, file), f, { python: ['python3'], cwd: ROOT, prewarm: true });
      for (let i = 0; i < repeats; i++) {
        await new Promise((r) => setTimeout(r, 300)); // the editor's user takes longer than this between checks
        warmRuns.push((await checkFunction(path.join(ROOT, file), f, { python: ['python3'], cwd: ROOT, prewarm: true })).ms);
      }
      warm.push(median(warmRuns));
      console.log(`${f.qualified.padEnd(28)} ${m((r) => r.ms).padStart(8)}  ${m((r) => r.timing?.processMs ?? 0).padStart(10)}  ${m((r) => r.timing?.userCodeMs ?? 0).padStart(12)}  ${m((r) => r.timing?.compareMs ?? 0).padStart(10)}  ${median(warmRuns).toFixed(0).padStart(7)}  ${runs[0].status}`);
    }
  }
  disposeWarm();
  console.log(`one function, cold: median over functions ${median(all).toFixed(0)} ms, slowest ${Math.max(...all).toFixed(0)} ms; warm (editor): median ${median(warm).toFixed(0)} ms, slowest ${Math.max(...warm).toFixed(0)} ms (medians of ${repeats} runs)`);
  for (const file of ['cs231n/rnn_layers.py', 'seed/student.py']) {
    const times: number[] = [];
    let n = 0;
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      n = (await checkFile(path.join(ROOT, file), { python: ['python3'], cwd: ROOT })).length;
      times.push(performance.now() - t0);
    }
    console.log(`Check All Functions in ${file} (${n} functions, one process): ${median(times).toFixed(0)} ms`);
  }
}

void main();
