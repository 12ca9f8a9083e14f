/**
 * Batch mode over a class: generates 50 submissions into /tmp/gradlab-batch-bench (mostly correct,
 * some buggy, half-done, missing a file, not parsing, one endless loop per 25), runs
 * `gradlab check-python DIR --json` on them (the built CLI, dist/cli.js), and prints the wall and
 * CPU time (the CLI and its Python processes) with the machine's load.
 * Beside it, the floor any per-submission Python run pays: one `python3` per submission that only
 * imports numpy and the submission's two files, at the same parallelism.
 *
 *   npm run build && node --import tsx bench/pycheckBatch.ts [N=50] [--jobs J] [--timeout S]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import * as path from 'node:path';
import { makeSubmissions } from '../scripts/pycheck-submissions';

const args = process.argv.slice(2);
const flag = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const n = Number(args.find((a) => /^\d+$/.test(a) && args[args.indexOf(a) - 1]?.startsWith('--') !== true) ?? 50);
const jobs = flag('jobs', Math.max(1, Math.min(8, availableParallelism())));
const timeout = flag('timeout', 10);
const REPO = path.resolve(__dirname, '..');
const cli = path.join(REPO, 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error('bench: dist/cli.js is missing: run npm run build first');
  process.exit(2);
}
const root = '/tmp/gradlab-batch-bench';
const dirs = makeSubmissions(root, n);
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

/** bash's `time` gives the CPU time of the command and all its children. */
function timed(cmd: string): { real: number; user: number; sys: number; out: string; code: number | null } {
  const r = spawnSync('bash', ['-c', `TIMEFORMAT='%R %U %S'; { time ${cmd} ; } 2> >(tail -1 > ${root}/time.txt) `], { encoding: 'utf8', maxBuffer: 1 << 28 });
  // The process substitution may still be writing: wait for the line.
  let line = '';
  for (let i = 0; i < 50 && !/^\S+ \S+ \S+/.test(line); i++) {
    spawnSync('sleep', ['0.1']);
    line = existsSync(`${root}/time.txt`) ? readFileSync(`${root}/time.txt`, 'utf8').trim() : '';
  }
  const [real, user, sys] = line.split(/\s+/).map(Number);
  return { real, user, sys, out: r.stdout, code: r.status };
}

console.log(`${n} submissions in ${root}, ${jobs} at a time, --timeout ${timeout}; load before: ${load()}`);
const batch = timed(`node ${cli} check-python ${root} --json --jobs ${jobs} --timeout ${timeout}`);
const loadAfter = load();
writeFileSync(`${root}.json`, batch.out);
const j = JSON.parse(batch.out) as { submissions: { name: string; status: string; note: string }[]; python?: string; numpy?: string };
const counts: Record<string, number> = {};
for (const s of j.submissions) counts[s.status] = (counts[s.status] ?? 0) + 1;
// What the rows said, grouped: the generated mix fixes what each should say.
const notes = new Map<string, number>();
for (const s of j.submissions) {
  const k = `${s.name.replace(/^.*student-\d+-/, '')}: ${s.status}: ${s.note.replace(/\d+(\.\d+)? s\b/g, 'N s').slice(0, 120)}`;
  notes.set(k, (notes.get(k) ?? 0) + 1);
}
for (const [k, c] of [...notes].sort()) console.log(`  ${String(c).padStart(3)} × ${k}`);
console.log(`gradlab check-python (batch): ${batch.real.toFixed(1)} s wall, ${(batch.user + batch.sys).toFixed(1)} s CPU (user ${batch.user.toFixed(1)} + sys ${batch.sys.toFixed(1)}), exit ${batch.code}; rows ${JSON.stringify(counts)}; Python ${j.python}, numpy ${j.numpy}; load after: ${loadAfter}`);
console.log(`  per submission: ${((batch.real / n) * 1000).toFixed(0)} ms wall`);

// The floor: each submission's files imported once in a fresh Python, the same number at a time.
const floor = timed(`bash -c ${JSON.stringify(`printf '%s\\n' ${dirs.map((d) => `'${d}'`).join(' ')} | xargs -P ${jobs} -I{} sh -c "cd {} && timeout 5 python3 -c 'import numpy, cs231n.rnn_layers, cs231n.classifiers.rnn' >/dev/null 2>&1; true"`)}`);
console.log(`python3 import floor (numpy + the two files per submission): ${floor.real.toFixed(1)} s wall, ${(floor.user + floor.sys).toFixed(1)} s CPU; load after: ${load()}`);
console.log(`ratio batch / import floor: ${(batch.real / floor.real).toFixed(1)}× wall, ${((batch.user + batch.sys) / (floor.user + floor.sys)).toFixed(1)}× CPU`);
