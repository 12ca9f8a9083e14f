/** `gradlab check`: the gradient check of every layer and of the captioning model, as a table or JSON. */
import { runChecks, LAYER_NAMES, MODEL_CHECK_NAMES } from '../../core/checks';
import { stepRuns, type CheckReport, type ParamCheck, type Verdict } from '../../core/gradcheck';
import { choiceFlag, intFlag, noPositionals, numFlag, parseArgs, strFlag, UsageError } from '../args';

/** Comma-separated names in lines of at most `width` characters. */
function wrap(names: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const n of names) {
    const next = line ? `${line}, ${n}` : n;
    if (line && next.length > width) {
      lines.push(line + ',');
      line = n;
    } else line = next;
  }
  return [...lines, line];
}

export const usage = `gradlab check [--layer NAME|all|model] [--cell rnn|lstm] [--seed N] [--h STEP] [--json]
  --layer   a layer or model: ${wrap([...LAYER_NAMES, ...MODEL_CHECK_NAMES], 72).join('\n            ')};
            model = both captioning models; all (default) = every layer and both models
  --cell    with --layer all or model: only that cell's captioning model
  --seed N  seed of the random inputs (default 231)
  --h STEP  step of the centred difference (default 1e-5 for the layers, 1e-6 for the models)
  --json    the whole report (per-element errors, worst elements, per-timestep errors) as JSON
  exit status 0 every check passes, 1 some gradient is suspect or wrong, 2 bad input`;

export async function run(argv: string[]): Promise<number> {
  const p = parseArgs(argv, ['layer', 'cell', 'seed', 'h'], ['json']);
  noPositionals(p);
  const layer = strFlag(p, 'layer') ?? 'all';
  const known = [...LAYER_NAMES, ...MODEL_CHECK_NAMES, 'model', 'all'];
  if (!known.includes(layer)) throw new Error(`--layer ${layer}: expected one of ${known.join(', ')}`);
  const cellFlag = p.flags.get('cell');
  const cell = cellFlag === undefined ? undefined : choiceFlag(p, 'cell', ['rnn', 'lstm'] as const, 'rnn');
  // --cell picks the captioning model's cell: with a layer it would run nothing or be ignored.
  if (cell !== undefined && layer !== 'all' && layer !== 'model' && layer !== `captioning_${cell}`) {
    throw new UsageError(
      layer.startsWith('captioning_') ? `--layer ${layer} --cell ${cell}: the layer names the other cell (use --layer captioning_${cell}, or drop --cell)` : `--cell ${cell} chooses the captioning model's cell; it does not apply to --layer ${layer}`,
    );
  }
  const seed = intFlag(p, 'seed', 231, 0);
  const h = numFlag(p, 'h', 1e-5);
  if (!(h > 0)) throw new Error(`--h ${h}: expected a positive step`);
  const t0 = Date.now();
  // --h is the step the user asked for, models included; by default the models use CS231n's 1e-6.
  const hGiven = p.flags.has('h');
  const report = runChecks({ layer, cell, seed, h, modelH: hGiven ? h : undefined });
  const steps = hGiven ? `h ${h}` : 'h 1e-5, models 1e-6';
  const ms = Date.now() - t0;
  if (p.flags.has('json')) {
    process.stdout.write(JSON.stringify(report) + '\n');
  } else {
    process.stdout.write(formatTable(report) + `\n${failures(report).length === 0 ? 'All checks pass' : `${failures(report).length} check(s) FAIL`} (seed ${seed}, ${steps}, ${ms} ms)\n`);
  }
  return failures(report).length === 0 ? 0 : 1;
}

/** A check fails when its relative error exceeds the "ok" threshold (1e-4). */
export function failures(r: CheckReport): ParamCheck[] {
  return r.layers.flatMap((l) => l.params.filter((q) => q.verdict === 'warn' || q.verdict === 'wrong'));
}

function sizes(s: Record<string, number>): string {
  return Object.entries(s).map(([k, v]) => `${k}=${v}`).join(' ');
}

/**
 * Where the per-timestep errors say trouble sits, e.g. "steps 3-9", for a suspect or wrong gradient.
 * Empty for a passing one: one step's share of a small gradient is noisier than the whole, so a
 * single step of a right gradient can pass 1e-4 by itself.
 */
function badSteps(p: ParamCheck): string {
  if (!p.perTimestep || p.verdict === 'good' || p.verdict === 'ok') return '';
  const runs = stepRuns(p.perTimestep, 1e-4);
  return runs ? `steps ${runs}` : '';
}

const LABEL: Record<Verdict, string> = { good: 'good', ok: 'ok', warn: 'SUSPECT', wrong: 'WRONG' };

export function formatTable(r: CheckReport): string {
  const head = ['layer', 'param', 'shape', 'rel error', 'max abs err', 'verdict', 'worst at'];
  const rows: string[][] = [];
  for (const l of r.layers) {
    l.params.forEach((q, i) => {
      const where = q.verdict === 'good' ? '' : `[${q.worst.index.join(', ')}] ${badSteps(q)}`.trim();
      const shape = `(${q.shape.join(', ')}${q.shape.length === 1 ? ',' : ''})`;
      rows.push([i === 0 ? l.layer : '', q.name, shape, q.relError.toExponential(2), q.maxAbsError.toExponential(2), LABEL[q.verdict], where]);
    });
  }
  const widths = head.map((_, c) => Math.max(head[c].length, ...rows.map((row) => row[c].length)));
  const line = (row: string[]): string => row.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  ')];
  let k = 0;
  for (const l of r.layers) {
    if (k > 0) out.push('');
    for (let i = 0; i < l.params.length; i++) out.push(line(rows[k++]));
    out.push(`  └ ${sizes(l.sizes)}, ${l.ms} ms`);
  }
  out.push('', 'verdict (CS231n notes, float64): good ≤ 1e-7 < ok ≤ 1e-4 < suspect ≤ 1e-2 < wrong');
  return out.join('\n');
}
